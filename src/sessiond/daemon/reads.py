"""The costly reads, answered beside the dispatch (`methods.Offloaded`).

`session/search`, `session/find` and `stats/usage` run in a small pool of
worker threads, each with a reader of its own (`Store.reader`: its own
connection, each read stopped past a deadline), and are answered when they
are done: one slow query never holds the appends and requests that come
after it. They start in turn, after the appends sent before them are
committed, so a client always finds what it wrote. A store with no reader
(`:memory:`) answers them in turn, as before.

A search or a find is first tried in turn on the store's quick reader
(SQLite: a connection of the dispatching thread whose reads stop past a
millisecond): a rare word's answer (a quarter of a millisecond) then costs
no trip to a worker thread and back (about as much again). A read stopped
there (`TooSlow`) is done in the pool as any other; the dispatch lost at
most the budget.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any

from sessiond.daemon.methods import Offloaded
from sessiond.errors import InternalError, SessiondError
from sessiond.store import Store
from sessiond.store.base import TooSlow
from sessiond.wire.convert import unstructure

logger = logging.getLogger(__name__)

#: Reads answered at once; more wait their turn (2 cores: one for appends).
WORKERS = 2


class Reads:
    def __init__(
        self,
        store: Store,
        answer: Callable[[Any, Any], None],
        fail: Callable[[Any, SessiondError, str], None],
    ) -> None:
        self._store = store
        self._answer = answer
        self._fail = fail
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._readers: list[Any] = []
        self._lock = threading.Lock()
        self._running: set[asyncio.Future[Any]] = set()
        self._spare: list[Any] = []  # readers made, not yet taken by a thread
        self._inline: bool | None = None  # None: not known yet
        self._quick: Any = None  # the quick reader, once made
        self._quick_made = False

    def start(self, msg_id: object, method: str, served: Offloaded, params: Any) -> None:
        if self._inline is None:
            first = self._store.reader()
            self._inline = first is None  # the store has no reader: read in turn
            if first is not None:
                self._spare.append(first)
                self._readers.append(first)
        if self._inline:
            try:
                result = served.call(self._store, params)
            except SessiondError as exc:
                self._fail(msg_id, exc, method)
                return
            self._answer(msg_id, unstructure(result))
            return
        if served.quick is not None and self._try_quick(msg_id, method, served, params):
            return
        loop = asyncio.get_running_loop()
        if self._pool is None:
            self._pool = concurrent.futures.ThreadPoolExecutor(WORKERS, "sessiond-read")
        future = loop.run_in_executor(self._pool, self._read, served, params)
        self._running.add(future)
        future.add_done_callback(lambda done: self._done(msg_id, method, done))

    def _try_quick(self, msg_id: object, method: str, served: Offloaded, params: Any) -> bool:
        """Whether the read was answered (or refused) on the quick reader."""
        if not self._quick_made:
            self._quick_made = True
            self._quick = self._store.quick_reader()
        if self._quick is None or served.quick is None:
            return False
        try:
            result = served.quick(self._quick, params)
        except TooSlow:
            return False
        except SessiondError as exc:
            self._fail(msg_id, exc, method)
            return True
        except Exception as exc:
            logger.error("%s failed: %s", method, exc, exc_info=exc)
            self._fail(msg_id, InternalError(f"internal error in {method}: {exc}"), method)
            return True
        self._answer(msg_id, unstructure(result))
        return True

    def _read(self, served: Offloaded, params: Any) -> Any:
        reader = getattr(self._local, "reader", None)
        if reader is None:
            with self._lock:
                reader = self._spare.pop() if self._spare else None
            if reader is None:
                reader = self._store.reader()
                with self._lock:
                    self._readers.append(reader)
            self._local.reader = reader
        return unstructure(served.call(reader, params))

    def _done(self, msg_id: object, method: str, future: asyncio.Future[Any]) -> None:
        self._running.discard(future)
        if future.cancelled():
            return
        error = future.exception()
        if error is None:
            self._answer(msg_id, future.result())
        elif isinstance(error, SessiondError):
            self._fail(msg_id, error, method)
        else:
            logger.error("%s failed: %s", method, error, exc_info=error)
            self._fail(msg_id, InternalError(f"internal error in {method}: {error}"), method)

    async def close(self) -> None:
        """Answer every read under way, then close the readers."""
        if self._running:
            await asyncio.wait(list(self._running))
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        with self._lock:
            readers, self._readers = self._readers, []
        if self._quick is not None:
            readers.append(self._quick)
            self._quick = None
        for reader in readers:
            reader.close()
