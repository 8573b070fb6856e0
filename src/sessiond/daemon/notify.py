"""The server's notification loop: the store's change feed, sent to a
subscribed client as `session/didStart`, `session/didAppend` and
`session/didChange` (protocol.md, "Notifications").

Apart from dispatch: the server calls `subscribe`/`unsubscribe` and gives a
`send(method, params)` that goes through pygls's own notification path, and
an `output_full()` that says the client is not reading. While subscribed,
the loop reads the feed:

- when the feed offers a descriptor (PostgreSQL's LISTEN connection), as
  soon as it becomes readable, with a slow timer as a safety net;
- else (SQLite) every `POLL_S` seconds: one `PRAGMA data_version` when
  nothing changed, which costs a few microseconds;
- never while the client's pipe is full: the changes wait in the store, not
  in the daemon's memory, and are sent in order once it drains.

Nothing runs while no client is subscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sessiond.errors import SessiondError
from sessiond.store import Added, Change, Changed, Feed, Started, Store
from sessiond.wire.convert import unstructure

logger = logging.getLogger(__name__)

POLL_S = 0.05  # SQLite: 50 ms between reads of the feed (lag p50 ~25 ms)
SAFETY_POLL_S = 1.0  # a feed with a descriptor is read at least this often
BATCH = 500  # changes read per turn; more wait for the next turn of the loop

Send = Callable[[str, dict[str, Any]], None]


def notification(change: Change) -> tuple[str, dict[str, Any]]:
    """The notification for one change of the feed."""
    if isinstance(change, Added):
        return "session/didAppend", {"event": unstructure(change.event)}
    if isinstance(change, Started):
        return "session/didStart", {"session": unstructure(change.session)}
    assert isinstance(change, Changed)
    return "session/didChange", {"session": unstructure(change.session)}


class Notifier:
    def __init__(
        self,
        store: Store,
        send: Send,
        output_full: Callable[[], bool],
        hold: Callable[[bool], None] = lambda _on: None,
    ) -> None:
        """`hold(True)` before a batch of sends and `hold(False)` after it let
        the server write the batch at once."""
        self._store = store
        self._send = send
        self._output_full = output_full
        self._hold = hold
        self._feed: Feed | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._fd: int | None = None  # the feed's descriptor, when it has one
        self._reading = False  # the loop watches _fd

    @property
    def subscribed(self) -> bool:
        return self._feed is not None

    def subscribe(self) -> None:
        """Send every change committed from now on (idempotent)."""
        if self._feed is not None:
            return
        feed = self._store.feed()
        self._feed = feed
        self._fd = feed.fileno()
        self._watch(True)
        self._schedule(SAFETY_POLL_S if self._fd is not None else POLL_S)

    def unsubscribe(self) -> None:
        """Stop sending, and stop reading the feed (idempotent)."""
        feed, self._feed = self._feed, None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._watch(False)
        self._fd = None
        if feed is not None:
            feed.close()

    close = unsubscribe

    def _watch(self, on: bool) -> None:
        """Wake on the feed's descriptor, or stop (while the client is behind,
        since a readable descriptor left unread would wake the loop forever)."""
        if self._fd is None or on == self._reading:
            return
        loop = asyncio.get_running_loop()
        if on:
            loop.add_reader(self._fd, self._turn)
        else:
            loop.remove_reader(self._fd)
        self._reading = on

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_later(delay, self._turn)

    def _turn(self) -> None:
        """Read and send what changed; come back soon if there is more."""
        feed = self._feed
        if feed is None:
            return
        slow = SAFETY_POLL_S if self._fd is not None else POLL_S
        if self._output_full():
            # The client is behind: what changed waits in the store.
            self._watch(False)
            self._schedule(POLL_S)
            return
        self._watch(True)
        try:
            changes = feed.poll(BATCH)
        except SessiondError as exc:
            logger.warning("could not read what changed in the store: %s", exc.message)
            self._schedule(SAFETY_POLL_S)
            return
        self._hold(True)
        try:
            for change in changes:
                method, params = notification(change)
                self._send(method, params)
        finally:
            self._hold(False)
        fd = feed.fileno()
        if fd != self._fd:  # the feed reconnected (PostgreSQL) or lost its link
            self._watch(False)
            self._fd = fd
            self._watch(True)
            slow = SAFETY_POLL_S if fd is not None else POLL_S
        self._schedule(0 if feed.more else slow)
