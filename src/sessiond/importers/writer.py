"""The one writer: stores what the readers yield, and remembers what it read.

Per source file (a `key` of the reader's choosing) the store keeps one
import-state row, JSON: `stamp` (size and time when last read to its end),
`reader` (the reader's own resume state at the last committed point) and
`partial`. A file whose stamp has not changed is not opened again; one that
grew is read from `reader` on.

Events are stored in batches through `Store.import_events`, one transaction
per session per batch, each carrying the file's new state, so events and
state never disagree, even when the process is killed between two of them:
`partial` then counts, per session, the events already committed past
`reader` (the first ones the reader will yield again for it), and those are
dropped on the next read. Importing the same files again adds nothing.
"""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

from sessiond.importers.base import Json, Mark, Skipped, SourceUnreadable, Turns
from sessiond.importers.source import Source
from sessiond.importers.summary import Summary
from sessiond.models import Session
from sessiond.store.base import ImportedEvent, ImportedSession, Store

STATE_VERSION = 1
_SURROGATE = re.compile("[\ud800-\udfff]")
BATCH_EVENTS = 5000
BATCH_SESSIONS = 500


@attrs.define
class _Known:
    """A session this import has touched: its row id, its event count in
    the store, the title last sent."""

    id: int
    count: int
    title: str | None
    created: bool


class Writer:
    """Imports files of one source into `store`, counting into `summary`."""

    def __init__(self, store: Store, source: Source[Any], summary: Summary, stop: threading.Event):
        self.store = store
        self.source = source
        self.summary = summary
        self.stop = stop
        self.known: dict[str, _Known] = {}
        self.progress: Any = None  # a tqdm bar, when shown

    # One file

    def import_file(self, path: Path, run: Any) -> None:
        self.summary.files += 1
        key = self.source.key(path)
        try:
            raw = self.store.get_import_state(self.source.name, key)
            saved = _decode(raw)
            stamp = self.source.stamp(path)
            if saved is not None and saved["stamp"] == stamp and not saved["partial"]:
                self.summary.unchanged += 1
                return
            reader = saved["reader"] if saved is not None else None
            if reader is not None and self.source.shrunk(path, reader):
                self.summary.shrunk += 1
                return
            self._read(path, key, stamp, reader, dict(saved["partial"]) if saved else {}, run)
        except SourceUnreadable as exc:
            self.summary.failed.append((str(path), str(exc)))
        except (OSError, ValueError) as exc:
            self.summary.failed.append((str(path), _reason(exc)))

    def _read(
        self,
        path: Path,
        key: str,
        stamp: list[int],
        reader: Mapping[str, Json] | None,
        partial: dict[str, int],
        run: Any,
    ) -> None:
        batch = _Batch(key, reader, partial)
        done = 0
        for item in self.source.read(path, reader, run):
            if isinstance(item, Turns):
                batch.pending += self.take(item, batch)
            elif isinstance(item, Skipped):
                self.summary.skipped[item.reason] += item.count
            elif isinstance(item, Mark):
                self.summary.records += item.records
                if self.progress is not None:
                    self.progress.update(item.done - done)
                done = item.done
                full = batch.pending >= BATCH_EVENTS or len(batch.groups) >= BATCH_SESSIONS
                if full or self.stop.is_set():
                    self.flush(batch, item.state, None)
                    if self.stop.is_set():
                        self.summary.stopped = True
                        return
                batch.last = item
        if batch.last is not None:
            self.flush(batch, batch.last.state, stamp)

    def take(self, turns: Turns, batch: _Batch) -> int:
        """Note `turns` in `batch`; how many events it added there."""
        session = turns.session
        known = self.known.get(session.ulid)
        if turns.update_only:
            # Only a title, for a session that must already be stored.
            fresh = session.title is not None and (known is None or known.title != session.title)
            if fresh and (known is not None or self.store.get_session(session.ulid) is not None):
                self._session(session)
            return 0
        if known is None or (session.title is not None and known.title != session.title):
            known = self._session(session)
        events = list(turns.events)
        owed = batch.skip.get(session.ulid, 0)
        if owed:
            dropped = min(owed, len(events))
            batch.skip[session.ulid] = owed - dropped
            events = events[dropped:]
        if turns.first_seq is not None:
            have = known.count + len(batch.groups.get(session.ulid, ((), []))[1])
            events = events[max(0, have - turns.first_seq + 1) :]
        if not events:
            return 0
        limit = self.store.max_text_bytes
        group = batch.groups.setdefault(session.ulid, (session, []))[1]
        group.extend(self._clean(event, limit) for event in events)
        return len(events)

    def _session(self, session: ImportedSession) -> _Known:
        parent = session.parent_ulid
        if parent is not None and parent not in self.known and not self.store.get_session(parent):
            self.summary.notes["sessions whose parent is not in the store (kept unlinked)"] += 1
            session = attrs.evolve(session, parent_ulid=None)
        stored, created = self.store.import_session(session)
        if created:
            self.summary.sessions_added += 1
        if session.title is not None:
            self._retitle(stored, session.title)
        known = self.known.get(session.ulid)
        if known is None:
            known = self.known[session.ulid] = _Known(
                stored.id, stored.event_count, session.title, created
            )
        else:
            known.title = session.title
        return known

    def _retitle(self, stored: Session, title: str) -> None:
        """Follow the source's title as it changes (an AI title replaced by
        one the person gave, a rename in the tool), but never over a title
        given in sessiond: only while the stored one is the last imported."""
        key = f"title {stored.ulid}"
        last = self.store.get_import_state(self.source.name, key)
        if stored.title != title:
            if stored.title is not None and stored.title != last:
                return  # renamed in sessiond since: the person's title stays
            self.store.rename_session(stored.id, title)
        if last != title:
            self.store.set_import_state(self.source.name, key, title)

    def _clean(self, event: ImportedEvent, limit: int) -> ImportedEvent:
        text = event.text
        try:
            size = len(text.encode("utf-8"))
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
            size = len(text.encode("utf-8"))
            self.summary.notes["texts with characters UTF-8 cannot hold, replaced by \ufffd"] += 1
        if size > limit:
            tail = f"\n[… {size - limit:,} more bytes left out by sessiond import]"
            keep = max(0, limit - len(tail.encode("utf-8")) - 16)
            text = text.encode("utf-8")[:keep].decode("utf-8", "ignore") + tail
            self.summary.notes[f"texts over {limit:,} bytes, cut to fit"] += 1
        if text is event.text:
            return event
        return attrs.evolve(event, text=text)

    def flush(self, batch: _Batch, reader: Mapping[str, Json], stamp: list[int] | None) -> None:
        """Store the batch's events, then move the file's state to `reader`."""
        groups = [(ulid, s, events) for ulid, (s, events) in batch.groups.items() if events]
        batch.groups, batch.pending = {}, 0
        owed = {ulid: n for ulid, n in batch.skip.items() if n > 0}
        committed = dict(batch.partial)
        final = _encode(stamp, reader, owed)
        for i, (ulid, session, events) in enumerate(groups):
            known = self.known[ulid]
            if i == len(groups) - 1:
                state = final
            else:
                committed[ulid] = committed.get(ulid, 0) + len(events)
                state = _encode(None, batch.reader, committed)
            ended = max(session.ended_at or 0, max(e.created_at for e in events))
            known.count = self.store.import_events(
                known.id,
                events,
                ended_at=ended,
                checkpoint=(self.source.name, batch.key, state),
            )
            self.summary.events_added += len(events)
            if not known.created:
                self.summary.sessions_continued.add(ulid)
        if not groups:
            self.store.set_import_state(self.source.name, batch.key, final)
        batch.reader, batch.partial, batch.skip = reader, owed, dict(owed)

    def finish(self, run: Any) -> None:
        """What the reader knows only once every file was read."""
        batch = _Batch("", None, {})
        for item in self.source.finish(run):
            if isinstance(item, Turns) and item.update_only:
                self.take(item, batch)
            elif isinstance(item, Skipped):
                self.summary.skipped[item.reason] += item.count


@attrs.define
class _Batch:
    """Events read from one file since its last committed state."""

    key: str
    reader: Mapping[str, Json] | None  # the committed state the batch starts from
    partial: dict[str, int]  # events committed past `reader`, per session
    skip: dict[str, int] = attrs.field(init=False)  # of those, still to drop
    groups: dict[str, tuple[ImportedSession, list[ImportedEvent]]] = attrs.field(factory=dict)
    pending: int = 0
    last: Mark | None = None

    def __attrs_post_init__(self) -> None:
        self.skip = dict(self.partial)


def _encode(
    stamp: list[int] | None, reader: Mapping[str, Json] | None, partial: dict[str, int]
) -> str:
    return json.dumps(
        {"v": STATE_VERSION, "stamp": stamp, "reader": reader, "partial": partial},
        separators=(",", ":"),
    )


def _decode(raw: str | None) -> dict[str, Any] | None:
    if raw is None:
        return None
    state = json.loads(raw)
    if not isinstance(state, dict) or state.get("v") != STATE_VERSION:
        raise ValueError("its import state was written by another version of sessiond")
    return state


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc) or type(exc).__name__


class StopOnInterrupt:
    """While active (main thread only), Ctrl-C asks the import to stop at
    the next committed batch; a second Ctrl-C interrupts at once."""

    def __init__(self, stop: threading.Event):
        self.stop = stop
        self.previous: Any = None

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()

    def __enter__(self) -> StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def iter_states(store: Store, source: Source[Any], files: list[Path]) -> Iterator[tuple[Path, Any]]:
    """Each file with its reader state (for the progress bar's total)."""
    for path in files:
        try:
            saved = _decode(store.get_import_state(source.name, source.key(path)))
        except ValueError:
            saved = None
        yield path, (saved or {}).get("reader")
