"""Readers of an import's result through the store interface, and of a
source tree's bytes (shared by the importer tests)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from sessiond.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "importers" / "fixtures"


def events(store: Store, ulid: str) -> list[tuple[str, str, str]]:
    """(kind, text, createdAt) of every event of the session `ulid`."""
    session = store.get_session(ulid)
    assert session is not None, f"no session {ulid}"
    return [(e.kind, e.text, e.created_at) for e in store.events(session.id, 10_000)]


def kinds_texts(store: Store, ulid: str) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text, _ in events(store, ulid)]


def sessions(store: Store) -> dict[str, tuple[str, str | None, str | None, str, int]]:
    """ulid -> (cliVersion, title, parentUlid, startedAt, eventCount)."""
    return {
        s.ulid: (s.cli_version, s.title, s.parent_ulid, s.started_at, s.event_count)
        for s in store.list_sessions(10_000)
    }


def everything(store: Store) -> dict[str, list[tuple[str, str, str]]]:
    return {ulid: events(store, ulid) for ulid in sessions(store)}


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under `root`, to show a source was not written."""
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def read_source(name: str, paths: list[Path]) -> Read:
    """Everything source `name` yields for `paths` from the start, each file
    read from the state its key had (as the writer does, without a store):
    the version-3 fields the store does not keep yet are asserted on this."""
    from collections import Counter

    from sessiond.importers import load
    from sessiond.importers.base import Mark, Skipped, Turns

    source = load(name)
    run = source.new_run()
    found = Read({}, {}, Counter(), [])

    def take(item: object) -> None:
        if isinstance(item, Turns):
            if item.update_only:
                found.retitled.append((item.session.ulid, item.session.title))
            else:
                found.sessions[item.session.ulid] = item.session
                found.events.setdefault(item.session.ulid, []).extend(item.events)
        elif isinstance(item, Skipped):
            found.skipped[item.reason] += item.count

    states: dict[str, tuple[object, object]] = {}  # key -> (stamp, state), as the writer keeps
    for path in source.sources(paths):
        key, stamp = source.key(path), source.stamp(path)
        saved = states.get(key)
        if saved is not None and saved[0] == stamp:
            continue
        for item in source.read(path, saved[1] if saved else None, run):
            take(item)
            if isinstance(item, Mark):
                states[key] = (stamp, item.state)
    for item in source.finish(run):
        take(item)
    return found


class Read:
    """What a reader yielded: the last ImportedSession of each ulid, the
    ImportedEvents of each, skip counts, and title updates for sessions of
    earlier imports (ulid, title)."""

    def __init__(self, sessions, events, skipped, retitled):
        self.sessions = sessions
        self.events = events
        self.skipped = skipped
        self.retitled = retitled

    def v3(self, ulid: str) -> tuple[str | None, str | None, str | None, str | None]:
        """(source, sourceId, project, branch) of a session."""
        s = self.sessions[ulid]
        return (s.source, s.source_id, s.project, s.branch)

    def metas(self, ulid: str) -> list[tuple[str, dict | None]]:
        """(kind, meta) of each event of a session."""
        return [(e.kind, e.meta) for e in self.events[ulid]]


# cline, roo: a source's items read without a store, for the version-3 fields
# (source, sourceId, project, branch, meta) the store does not keep yet.


def read_items(name: str, paths: list[Path]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """(ulid -> the last ImportedSession yielded, ulid -> every ImportedEvent
    yielded, in order) for one first read of `paths` by source `name`."""
    from sessiond.importers import load
    from sessiond.importers.base import Turns

    source = load(name)
    run = source.new_run()
    found: dict[str, Any] = {}
    events: dict[str, list[Any]] = {}
    for path in source.sources(paths):
        for item in source.read(path, None, run):
            if isinstance(item, Turns):
                found[item.session.ulid] = item.session
                events.setdefault(item.session.ulid, []).extend(item.events)
    return found, events


class PartByPart:
    """A store whose `import_many` commits each part in its own transaction
    (the base class's, PostgreSQL's), over an SQLite store; `parts` (when
    given) parts later, the process dies (`Died`)."""

    import_many_atomic = False

    def __init__(self, store: Any, parts: int | None = None):
        from sessiond.store.base import Derived

        self._store = store
        self.left = parts
        self._derived = Derived

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def import_many(self, parts: Any) -> Any:
        return self._derived.import_many(self, parts)  # type: ignore[arg-type]

    def import_many_later(self, parts: Any) -> Any:
        return self._derived.import_many_later(self, parts)  # type: ignore[arg-type]

    def _states_alone(self, part: Any) -> None:
        self._derived._states_alone(self, part)  # type: ignore[arg-type]

    def _import_part(self, part: Any) -> Any:
        if self.left is not None:
            if self.left == 0:
                raise Died
            self.left -= 1
        return self._derived._import_part(self, part)  # type: ignore[arg-type]


class Died(Exception):
    """Stands for the process dying: nothing after it runs."""
