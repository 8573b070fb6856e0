"""Another sessiond database (a copy from another machine), opened read-only.

Its sessions are merged by ULID: a session missing here is created with its
own ULID, times, cliVersion, title and parent; a session both have gets the
events past the ones already here (by `seq`), so merging the same file again,
or merging back a copy of this one, adds nothing. Left out: sessions in the
other database's trash, `engineBaseUrl` (an import records none), and
milestones (they belong to the machine that set them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    Skipped,
    SourceUnreadable,
    Turns,
    session_id,
)
from sessiond.importers.source import DatabaseSource, NoRun
from sessiond.importers.sqlite_source import open_read_only
from sessiond.store.base import ImportedEvent, ImportedSession

CHUNK = 5000
KNOWN_VERSIONS = (1, 2)


def _connect(path: Path) -> sqlite3.Connection:
    conn = open_read_only(path)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"sessions", "events"} <= tables or version not in KNOWN_VERSIONS:
        conn.close()
        if version > max(KNOWN_VERSIONS):
            raise SourceUnreadable(
                f"{path} was written by a newer sessiond (schema {version}); "
                "upgrade this one to merge it"
            )
        raise SourceUnreadable(f"{path} is not a sessiond database")
    return conn


def _read(path: Path, state: dict[str, Json]) -> Iterator[Item]:
    conn = _connect(path)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(sessions)")}
        title = "title" if "title" in columns else "NULL"
        deleted = "deleted_at" if "deleted_at" in columns else "NULL"
        rows = conn.execute(
            f"SELECT id, ulid, started_at, ended_at, cli_version, parent_id, {title}, {deleted}"
            " FROM sessions ORDER BY id"
        ).fetchall()
        ulids = {row[0]: row[1] for row in rows}
        sessions: dict[int, ImportedSession] = {}
        trashed = 0
        for sid, ulid, started, ended, cli, parent, name, gone in rows:
            if gone is not None:
                trashed += 1
                continue
            if session_id(ulid) is None or not isinstance(started, int) or not cli:
                continue
            sessions[sid] = ImportedSession(
                ulid,
                str(cli)[:256],
                started,
                title=name if isinstance(name, str) and name else None,
                parent_ulid=ulids.get(parent),
                ended_at=ended,
            )
        if trashed and not state.get("e"):
            yield Skipped("sessions in the other database's trash (left out)", trashed)
        last_session = int(state.get("s", 0))
        for sid, session in sessions.items():
            if sid > last_session:
                yield Turns(session)
        state["s"] = max(ulids, default=last_session)
        after, done = int(state.get("e", 0)), 0
        while True:
            events = conn.execute(
                "SELECT id, session_id, seq, kind, text, created_at FROM events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (after, CHUNK),
            ).fetchall()
            if not events:
                break
            run_of: list[ImportedEvent] = []
            owner, first = -1, 0
            for _eid, sid, seq, kind, text, created in events:
                if sid != owner or seq != first + len(run_of):
                    if owner in sessions and run_of:
                        yield Turns(sessions[owner], run_of, first_seq=first)
                    owner, first, run_of = sid, seq, []
                run_of.append(ImportedEvent(kind, text, created))
            if owner in sessions and run_of:
                yield Turns(sessions[owner], run_of, first_seq=first)
            after = state["e"] = events[-1][0]
            done += len(events)
            yield Mark(dict(state), done, len(events))
        yield Mark(dict(state), done, 0)
    finally:
        conn.close()


class SessiondDatabase(DatabaseSource[NoRun]):
    name = "sessiond"
    label = "Another sessiond database"
    url = ""  # this project: no page of its own yet
    description = "another sessiond database (a copy from another machine), merged by ULID"
    file_name = "sessions.db"

    def default_paths(self) -> list[Path]:
        return []  # there is none: the person names the file

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        try:
            conn = _connect(path)
            try:
                row = conn.execute(
                    "SELECT count(*) FROM events WHERE id > ?", ((state or {}).get("e", 0),)
                ).fetchone()
                return int(row[0])
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise SourceUnreadable(f"{path} could not be read ({exc})") from None

    def new_run(self) -> NoRun:
        return NoRun()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: NoRun) -> Iterator[Item]:
        try:
            yield from _read(path, dict(state or {}))
        except sqlite3.Error as exc:
            raise SourceUnreadable(f"{path} could not be read ({exc})") from None

    def watched(self, path: Path) -> Path | None:
        """The database for a change to it or its journal files, whatever its name."""
        name = path.name
        for suffix in ("-wal", "-shm", "-journal"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return path.with_name(name)


SOURCE = SessiondDatabase()
