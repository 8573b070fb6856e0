"""The one writer: stores what the readers yield, and remembers what it read.

Per source file (a `key` of the reader's choosing) the store keeps one
import-state row, JSON: `stamp` (size and time when last read to its end),
`reader` (the reader's own resume state at the last committed point) and
`partial`. A file whose stamp has not changed is not opened again; one that
grew is read from `reader` on.

Events are stored in batches through `Store.import_many_later`: one
transaction holds the parts of many sessions (the last parts of many small
files go together: one fsync, not two per file), each part carrying its
file's new state, so events and state never disagree, even when the process
is killed between two transactions. A batch's commit may go on (on SQLite:
its word index and the commit, on a thread of their own) while the next
files are read; what became of it is taken in (`settle`) before the next
batch is sent and before anything else is asked of the store. On a first
pass the files' states and the stored sessions' ulids are read once, when
first needed, and kept as this import writes them (a `--watch` pass asks for
those of the file or two that changed). A store that commits each part on its own
(`import_many_atomic` false) is given, with each part but a file's last, the
state before the batch and `partial`: per session, the events already
committed past `reader` (the first ones the reader will yield again for
it), dropped on the next read; one that commits them together, the file's
final state with each. Importing the same files again adds nothing. A new
session is created by its first part, in that part's transaction. A session
purged (or gone) meanwhile is left out: its part writes the file's state
alone, and the file is read on past it.

Each part's state is written only if the file's state is still what this
import read (compare and set, under the write lock): two imports of one file
at once never both store it; the second leaves it to the first.
"""

from __future__ import annotations

import json
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import attrs

from sessiond.importers.base import Json, Mark, NotRecognised, Skipped, SourceUnreadable, Turns
from sessiond.importers.source import Source
from sessiond.importers.summary import Summary
from sessiond.models import Session
from sessiond.store.base import (
    ImportedEvent,
    ImportedSession,
    ImportPart,
    Purged,
    StateMoved,
    Store,
)
from sessiond.store.checks import utf8_size

STATE_VERSION = 1
#: The prefix of the keys of the rows noting, per file, where (its absolute
#: path) it was last found read to its end, with its `Source.signature` then.
SEEN = "seen "
RACED = "files another import was reading at the same time (left to it)"
PURGED = "sessions removed for good earlier (trash empty), not brought back"
GONE = "sessions removed for good while importing"
# What a session's fields may hold (the contract's lengths).
_LENGTHS = {
    "title": 256,
    "cli_version": 256,
    "source": 256,
    "source_id": 256,
    "project": 4096,
    "branch": 256,
}
_SURROGATE = re.compile("[\ud800-\udfff]")
BATCH_EVENTS = 10000
BATCH_SESSIONS = 1000


@attrs.define
class _Known:
    """A session this import has touched: its row id, its event count in
    the store, the title last sent."""

    id: int | None  # None until the part that creates it is committed
    count: int  # committed, and sent in parts not committed yet
    title: str | None
    created: bool
    new: ImportedSession | None = None  # to create with its first part


class Writer:
    """Imports files of one source into `store`, counting into `summary`."""

    def __init__(
        self,
        store: Store,
        source: Source[Any],
        summary: Summary,
        stop: threading.Event,
        *,
        bulk: bool = True,
    ):
        """`bulk`: many files to read (the source's import states and the
        stored sessions' ulids are then read once, not a file and a session
        at a time: a `--watch` pass of a file or two asks for each)."""
        self.store = store
        self.source = source
        self.summary = summary
        self.stop = stop
        self.known: dict[str, _Known] = {}
        self.gone: set[str] = set()  # sessions removed for good: never written again
        # Parts read, not committed yet: the last batch of many small files
        # go together in one transaction (one fsync, not two per file).
        self.pending: list[tuple[ImportPart, str, int, str]] = []  # part, ulid, events, file
        self.pending_keys: set[str] = set()  # the files of those parts
        self.pending_events = 0
        self.raced: set[str] = set()  # files another import committed first
        self.progress: Any = None  # a tqdm bar, when shown
        self._seen: dict[str, str] | None = None
        self._seen_read = False
        # The batch whose commit is under way (`Store.import_many_later`),
        # with what to call for its outcomes; the files it holds.
        self.committing: tuple[list[tuple[ImportPart, str, int, str]], Any] | None = None
        self.committing_keys: set[str] = set()
        # The source's import states (read once, kept as this import writes
        # them) and the stored sessions' ulids, read when first needed: a
        # file's state and whether a session is new are then known without
        # asking the store, which a commit under way holds.
        self._states: dict[str, str] | None = None
        self._states_read = not bulk
        self._ulids: set[str] | None = None
        self._ulids_read = not bulk

    def seen(self) -> dict[str, str] | None:
        """Where each file of the source was last found read to its end: SEEN
        and its absolute path -> its `Source.signature` then (None: the store
        cannot list them, and each file is checked by its key and stamp)."""
        if not self._seen_read:
            self._seen_read = True
            self.settle()
            self._seen = self.store.import_states(self.source.name, SEEN)
        return self._seen

    # One file

    def import_file(self, path: Path, run: Any) -> None:
        self.summary.files += 1
        name = self.source.name
        try:
            seen = self.seen()
            noted = None if seen is None else seen_row(self.source, path)
            if noted is not None and seen is not None and seen.get(noted[0]) == noted[1]:
                # Not changed since it was last found read to its end.
                self.summary.unchanged += 1
                return
            if not regular(path):
                # A pipe or a device put where a file was: reading it could
                # wait forever for a writer that never comes.
                self.summary.failed.append((str(path), "is not a regular file"))
                return
            key = self.source.key(path)
            if key in self.pending_keys or key in self.committing_keys:
                self.commit()  # another file of the same key: read what it wrote
                self.settle()
            raw = self.state(key)
            expect = raw  # what a checkpoint of this read must still find
            if raw is None:
                # State an older sessiond kept under the file's path: taken over.
                for legacy in self.source.legacy_keys(path):
                    raw = self.state(legacy)
                    if raw is not None:
                        break
            saved = _decode(raw)
            stamp = self.source.stamp(path)
            if saved is not None and saved["stamp"] == stamp and not saved["partial"]:
                self.summary.unchanged += 1
                if noted is not None:  # next time, known by its signature alone
                    part = ImportPart((), states=[(name, *noted)])
                    self._send((part, "", 0, noted[0]))
                return
            reader = saved["reader"] if saved is not None else None
            partial = dict(saved["partial"]) if saved else {}
            again = False
            checked = (saved or {}).get("check")
            if reader is not None and (
                self.source.shrunk(path, reader)
                or (checked is not None and self.source.check(path, reader) != checked)
            ):
                # Truncated, replaced or rewritten before where it was read to:
                # read it all again, taking only what each session lacks.
                self.summary.reread += 1
                reader, partial, again = None, {}, True
            self._read(path, key, stamp, reader, partial, run, expect, again, noted)
        except StateMoved:
            self.summary.notes[
                "files another import was reading at the same time (left to it)"
            ] += 1
        except NotRecognised as exc:
            self.summary.failed.append((str(path), str(exc)))
            self.summary.not_recognised.append((str(path), str(exc)))
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
        expect: str | None,
        again: bool,
        noted: tuple[str, str] | None = None,
    ) -> None:
        batch = _Batch(key, reader, partial, path=path, expect=expect, again=again)
        batch.noted = noted
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
        session = self._fit(turns.session)
        if session.ulid in self.gone:
            return 0
        known = self.known.get(session.ulid)
        if turns.update_only:
            # Only a title, for a session that must already be stored.
            fresh = session.title is not None and (known is None or known.title != session.title)
            if fresh and (known is not None or self.stored(session.ulid)):
                self._session(session)
            return 0
        if known is None or (session.title is not None and known.title != session.title):
            found = self._session(session)
            if found is None:
                return 0
            known = found
        events = list(turns.events)
        first_seq = turns.first_seq
        if batch.again and first_seq is None:
            # Read again from the start: this file's events of the session
            # so far come first; the store has the first `have` of them.
            first_seq = batch.seen.get(session.ulid, 0) + 1
            batch.seen[session.ulid] = first_seq - 1 + len(events)
        if first_seq is not None:
            # The source numbers its events: those the store has are known.
            have = known.count + len(batch.groups.get(session.ulid, ((), []))[1])
            events = events[max(0, have - first_seq + 1) :]
        else:
            owed = batch.skip.get(session.ulid, 0)
            if owed:
                dropped = min(owed, len(events))
                batch.skip[session.ulid] = owed - dropped
                events = events[dropped:]
        if not events:
            if known.id is None:  # a new session with no turn yet: created all the same
                batch.groups.setdefault(session.ulid, (session, []))
            return 0
        limit = self.store.max_text_bytes
        group = batch.groups.setdefault(session.ulid, (session, []))[1]
        group.extend(self._clean(event, limit) for event in events)
        return len(events)

    def _fit(self, session: ImportedSession) -> ImportedSession:
        """The session as the store takes it: the source's own name as its
        source when the reader gave none (not for another sessiond database,
        whose sessions keep what they had), every field within the
        contract's lengths (a 4 MiB title is clipped, not stored)."""
        changes: dict[str, Any] = {}
        if session.source is None and self.source.name != "sessiond":
            changes["source"] = self.source.name
        for field, most in _LENGTHS.items():
            value = changes.get(field, getattr(session, field))
            if value is None:
                continue
            fitted = " ".join(value.split()) if field == "title" else value
            fitted = fitted[:most]
            if fitted != value:
                changes[field] = fitted or None
                if field == "title":
                    self.summary.notes["titles over 256 characters or with line breaks, cut"] += 1
        return attrs.evolve(session, **changes) if changes else session

    def _session(self, session: ImportedSession) -> _Known | None:
        parent = session.parent_ulid
        if parent is not None and parent not in self.known and not self.stored(parent):
            self.summary.notes["sessions whose parent is not in the store (kept unlinked)"] += 1
            session = attrs.evolve(session, parent_ulid=None)
        known = self.known.get(session.ulid)
        if known is not None and known.id is None:
            known.new, known.title = session, session.title  # still to be created
            return known
        if known is None and not self.stored(session.ulid):
            # Created with its first part, in that part's transaction.
            known = self.known[session.ulid] = _Known(None, 0, session.title, True, session)
            return known
        self.settle()
        try:
            stored, created = self.store.import_session(session)
        except Purged:
            self.gone.add(session.ulid)
            self.summary.notes[PURGED] += 1
            return None
        if created:
            self.summary.sessions_added += 1
        if session.title is not None:
            self._retitle(stored, session.title)
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
        last = self.state(key)
        if stored.title != title:
            if stored.title is not None and stored.title != last:
                return  # renamed in sessiond since: the person's title stays
            self.store.rename_session(stored.id, title)
        if last != title:
            self.store.set_import_state(self.source.name, key, title)
            if self._states is not None:
                self._states[key] = title

    def _clean(self, event: ImportedEvent, limit: int) -> ImportedEvent:
        text = event.text
        try:
            size = utf8_size(text)
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
        """Send the batch's events to the store with the file's new state:
        at once in the middle of a file, with the next files' at its end."""
        groups = [
            (ulid, s, events)
            for ulid, (s, events) in batch.groups.items()
            if events or (ulid in self.known and self.known[ulid].id is None)
        ]
        batch.groups, batch.pending = {}, 0
        owed = {ulid: n for ulid, n in batch.skip.items() if n > 0}
        committed = dict(batch.partial)
        if stamp is not None and batch.again:
            # Read again from the start: the store may hold more of a session
            # than the file now does (it was cut); those are owed by the
            # file's next turns, which must not be stored twice.
            for ulid, seen in batch.seen.items():
                known = self.known.get(ulid)
                if known is not None and known.count > seen:
                    owed[ulid] = known.count - seen
        check = None
        if stamp is not None and batch.path is not None:
            check = self.source.check(batch.path, reader)
        final = _encode(stamp, reader, owed, check)
        name = self.source.name
        # A store that commits each part on its own needs each part's state
        # right should the process die after it: the state the batch started
        # from with the events committed past it, encoded once (a megabyte
        # for Cursor's database), not once a part. One that commits them all
        # together (SQLite) is given the file's final state with each: the
        # first part checks that the file's state is still what this import
        # left, the others find what it wrote.
        atomic = self.store.import_many_atomic
        started = _dumps(batch.reader) if len(groups) > 1 and not atomic else ""
        for i, (ulid, session, events) in enumerate(groups):
            known = self.known[ulid]
            if i == len(groups) - 1 or atomic:
                state = final
            else:
                committed[ulid] = committed.get(ulid, 0) + len(events)
                state = _encode_with(None, started, committed)
            states = [(name, batch.key, state)]
            new = known.new if known.id is None else None
            if new is not None and new.title is not None:
                states.append((name, f"title {ulid}", new.title))
            ended = max([session.ended_at or 0, *(e.created_at for e in events)]) or None
            part = ImportPart(
                events,
                session_id=known.id,
                session=new,
                ended_at=ended,
                states=states,
                expect=batch.expect,
            )
            self._send((part, ulid, len(events), batch.key))
            self.pending_events += len(events)
            known.count += len(events)
            batch.expect = state
        if batch.expect != final:
            part = ImportPart((), states=[(name, batch.key, final)], expect=batch.expect)
            self._send((part, "", 0, batch.key))
            batch.expect = final
        if stamp is not None and not owed and batch.noted is not None:
            # Read to its end: next time, known by its signature alone (only
            # if this import's state of it is the one written).
            states = [(name, batch.key, final), (name, *batch.noted)]
            self._send((ImportPart((), states=states, expect=final), "", 0, batch.key))
        batch.reader, batch.partial, batch.skip = reader, owed, dict(owed)
        if (
            stamp is None
            or self.pending_events >= BATCH_EVENTS
            or len(self.pending) >= BATCH_SESSIONS
            or self.stop.is_set()
        ):
            self.commit()

    def _send(self, pending: tuple[ImportPart, str, int, str]) -> None:
        """Add a part to those the next commit sends."""
        self.pending.append(pending)
        self.pending_keys.add(pending[3])

    def commit(self) -> None:
        """Send the parts sent so far to the store, in one transaction, once
        the one before is committed (its commit may go on beside the reading
        of the next: `settle` waits for it)."""
        self.settle()
        if not self.pending:
            return
        pending, self.pending, self.pending_events = self.pending, [], 0
        self.committing_keys, self.pending_keys = self.pending_keys, set()
        self.committing = pending, self.store.import_many_later([part for part, *_ in pending])

    def settle(self) -> None:
        """Wait for the commit under way, and take in what became of it."""
        if self.committing is None:
            return
        (pending, outcomes_of), self.committing = self.committing, None
        self.committing_keys = set()
        outcomes = outcomes_of()
        # Events read since, in parts not sent yet: counted in `known` too.
        unsent: dict[str, int] = {}
        for _part, ulid, n, _key in self.pending:
            unsent[ulid] = unsent.get(ulid, 0) + n
        for (part, ulid, n, key), done in zip(pending, outcomes, strict=True):
            if done.problem != "moved" and self._states is not None:
                for _source, state_key, state in part.states:
                    self._states[state_key] = state
            known = self.known.get(ulid) if ulid else None
            if done.problem is None:
                if known is None:
                    continue
                known.id, known.count = done.session_id, done.count + unsent.get(ulid, 0)
                if known.new is not None and done.created:
                    self.summary.sessions_added += 1
                known.new = None
                self.summary.events_added += n
                if done.created:
                    known.created = True
                elif not known.created:
                    self.summary.sessions_continued.add(ulid)
                continue
            if known is not None:
                known.count -= n
            if done.problem == "moved":
                if key not in self.raced:
                    self.raced.add(key)
                    self.summary.notes[RACED] += 1
            elif ulid:
                self.gone.add(ulid)
                self.known.pop(ulid, None)
                note = PURGED if done.problem == "purged" else GONE
                self.summary.notes[note] += 1

    def state(self, key: str) -> str | None:
        """The source's import state under `key`, as committed (or being
        committed) by this import or found when it began."""
        if not self._states_read:
            self._states_read = True
            self.settle()
            self._states = self.store.import_states(self.source.name, "")
        if self._states is None:
            self.settle()
            return self.store.get_import_state(self.source.name, key)
        return self._states.get(key)

    def stored(self, ulid: str) -> bool:
        """Whether the store held the session when this import began (asked
        only of sessions this import has not sent yet)."""
        if not self._ulids_read:
            self._ulids_read = True
            self.settle()
            self._ulids = self.store.session_ulids()
        if self._ulids is None:
            self.settle()
            return self.store.get_session(ulid) is not None
        return ulid in self._ulids

    def finish(self, run: Any) -> None:
        """What the reader knows only once every file was read."""
        self.commit()
        self.settle()
        batch = _Batch("", None, {}, path=None, expect=None, again=False)
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
    path: Path | None
    expect: str | None  # the import state as last read or written by this import
    again: bool  # read again from the start: only what sessions lack is taken
    skip: dict[str, int] = attrs.field(init=False)  # of those, still to drop
    seen: dict[str, int] = attrs.field(factory=dict)  # events read per session (again)
    groups: dict[str, tuple[ImportedSession, list[ImportedEvent]]] = attrs.field(factory=dict)
    pending: int = 0
    last: Mark | None = None
    noted: tuple[str, str] | None = None  # the file's SEEN row, once read to its end

    def __attrs_post_init__(self) -> None:
        self.skip = dict(self.partial)


def _encode(
    stamp: list[int] | None,
    reader: Mapping[str, Json] | None,
    partial: dict[str, int],
    check: str | None = None,
) -> str:
    return _encode_with(stamp, _dumps(reader), partial, check)


def _encode_with(
    stamp: list[int] | None, reader: str, partial: dict[str, int], check: str | None = None
) -> str:
    """`_encode` with the reader's state already encoded (`_dumps`): the same
    text as `json.dumps` of the whole state gives."""
    parts = [f'{{"v":{STATE_VERSION},"stamp":{_dumps(stamp)},"reader":', reader]
    parts.append(f',"partial":{_dumps(partial)}')
    if check is not None:
        parts.append(f',"check":{_dumps(check)}')
    parts.append("}")
    return "".join(parts)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


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


def regular(path: Path) -> bool:
    """Whether `path` is a regular file (following links), without opening it."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # gone or unreadable: reading it says why


def same_file(a: str, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def seen_row(source: Source[Any], path: Path) -> tuple[str, str] | None:
    """The key and value of the row noting `path` as read to its end as it
    is now (`Writer.seen`): its absolute path (as given when it is one: a
    Path has no '.' or '//' in it); its signature, after the
    version of the import states (a sessiond that keeps them otherwise
    must not take the file as read). None: no signature for this file."""
    signature = source.signature(path)
    if signature is None:
        return None
    where = os.fspath(path)
    if not os.path.isabs(where):
        where = os.path.abspath(where)
    return SEEN + where, f"{STATE_VERSION} {signature}"


def iter_states(
    store: Store, source: Source[Any], files: list[Path], seen: dict[str, str] | None = None
) -> Iterator[tuple[Path, Any]]:
    """Each file with its reader state (for the progress bar's total), but
    those not changed since they were read to their end (`Writer.seen`)."""
    for path in files:
        noted = seen_row(source, path) if seen else None
        if seen and noted is not None and seen.get(noted[0]) == noted[1]:
            continue
        if not regular(path):
            continue
        try:
            saved = _decode(store.get_import_state(source.name, source.key(path)))
        except ValueError:
            saved = None
        yield path, (saved or {}).get("reader")
