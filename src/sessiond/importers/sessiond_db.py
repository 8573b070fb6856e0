"""Another sessiond database (a copy from another machine), opened read-only.

Its sessions are merged by ULID: a session missing here is created with its
own ULID, times, cliVersion, title and parent, and, from a version-3
database, its `source`, `sourceId`, `project` and `branch` as recorded there
(a version-1 or -2 database records none); a session both have gets the
events past the ones already here (by `seq`), with their `meta` (model,
usage, tool, isError) from a version-3 database, so merging the same file
again, or merging back a copy of this one, adds nothing. An event that
cannot be read (no text, an unknown kind, a time sessiond cannot store) is
skipped and counted; the events after it keep their places. Left out:
sessions in the other database's trash, `engineBaseUrl` (an import records
none), and milestones (they belong to the machine that set them). sessiond
has no resume command of its own: its sessions are resumed where they came
from.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sessiond.importers.base import (
    MAX_LINE_BYTES,
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    SourceUnreadable,
    Turns,
    ms_from_epoch,
    session_id,
)
from sessiond.importers.source import DatabaseSource, NoRun
from sessiond.importers.sqlite_source import open_read_only
from sessiond.models import EVENT_KINDS, META_KEYS, USAGE_KEYS
from sessiond.store.base import ImportedEvent, ImportedSession

CHUNK = 500
#: Version 4 only adds vectors for search by meaning, which are not brought
#: along: `sessiond index` makes them for what was merged. Version 5 only
#: adds an index.
KNOWN_VERSIONS = (1, 2, 3, 4, 5)
#: The version-3 columns of `sessions` copied when the other database has them.
V3_COLUMNS = ("source", "source_id", "project", "branch")
_LIMITS = {"source": 256, "source_id": 256, "project": 4096, "branch": 256}


def _connect(path: Path) -> sqlite3.Connection:
    conn = open_read_only(path)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_LINE_BYTES)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"sessions", "events"} <= tables or version not in KNOWN_VERSIONS:
        conn.close()
        if isinstance(version, int) and version > max(KNOWN_VERSIONS):
            raise SourceUnreadable(
                f"{path} was written by a newer sessiond (schema {version}); "
                "upgrade this one to merge it"
            )
        if "responses" in tables or "conversations" in tables or "log" in tables:
            raise NotRecognised(f"{path} is not a sessiond database: it looks like llm's logs.db")
        raise NotRecognised(f"{path} is not a sessiond database (no sessions and events tables)")
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_xinfo([{table}])")}


def _text(value: object, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _meta(raw: object) -> dict[str, Any] | None:
    """An event's meta as the other database stored it (JSON text), keeping
    only the contract's keys with values of their type."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    meta: dict[str, Any] = {}
    for key in META_KEYS:
        item = value.get(key)
        text = key in ("model", "tool") and isinstance(item, str) and 0 < len(item) <= 256
        if text or (key == "isError" and isinstance(item, bool)):
            meta[key] = item
        elif key == "usage" and isinstance(item, dict):
            usage = {
                k: n
                for k in USAGE_KEYS
                if isinstance(n := item.get(k), int) and not isinstance(n, bool) and n >= 0
            }
            if usage:
                meta[key] = usage
    return meta or None


def _event(kind: object, text: object, created: object, meta: object) -> ImportedEvent | str:
    """One event of the other database, or why it cannot be taken."""
    if kind not in EVENT_KINDS:
        return "events of a kind sessiond does not know"
    if not isinstance(text, str):
        return "events without a text"
    when = ms_from_epoch(created)
    if when is None:
        return "events whose time is not one sessiond can store"
    return ImportedEvent(str(kind), text, when, _meta(meta))


def _read(path: Path, state: dict[str, Json]) -> Iterator[Item]:
    conn = _connect(path)
    try:
        columns = _columns(conn, "sessions")
        title = "title" if "title" in columns else "NULL"
        deleted = "deleted_at" if "deleted_at" in columns else "NULL"
        extra = ", ".join(c if c in columns else "NULL" for c in V3_COLUMNS)
        rows = conn.execute(
            f"SELECT id, ulid, started_at, ended_at, cli_version, parent_id, {title}, {deleted},"
            f" {extra} FROM sessions ORDER BY id"
        ).fetchall()
        ulids = {row[0]: row[1] for row in rows}
        sessions: dict[int, ImportedSession] = {}
        trashed = unreadable = 0
        for sid, ulid, started, ended, cli, parent, name, gone, *v3 in rows:
            if gone is not None:
                trashed += 1
                continue
            started = ms_from_epoch(started)
            if session_id(ulid) is None or started is None or not isinstance(cli, str) or not cli:
                unreadable += 1
                continue
            fields = {c: _text(v, _LIMITS[c]) for c, v in zip(V3_COLUMNS, v3, strict=True)}
            sessions[sid] = ImportedSession(
                ulid,
                cli[:256],
                started,
                title=name if isinstance(name, str) and name else None,
                parent_ulid=ulids.get(parent),
                ended_at=ms_from_epoch(ended),
                **fields,
            )
        if not state.get("e"):
            if trashed:
                yield Skipped("sessions in the other database's trash (left out)", trashed)
            if unreadable:
                yield Skipped("sessions without a usable ulid, start or cliVersion", unreadable)
        last_session = int(state.get("s", 0))
        for sid, session in sessions.items():
            if sid > last_session:
                yield Turns(session)
        state["s"] = max(ulids, default=last_session)
        # Per session: events of it skipped so far (those after keep their places).
        gaps: dict[str, int] = dict(state.get("gaps", {}))
        meta = "meta" if "meta" in _columns(conn, "events") else "NULL"
        after, done = int(state.get("e", 0)), 0
        while True:
            events = conn.execute(
                f"SELECT id, session_id, seq, kind, text, created_at, {meta} FROM events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (after, CHUNK),
            ).fetchall()
            if not events:
                break
            run_of: list[ImportedEvent] = []
            owner, first = -1, 0
            for _eid, sid, seq, kind, text, created, raw in events:
                taken = _event(kind, text, created, raw)
                found = sessions.get(sid)
                if isinstance(taken, str):
                    if found is not None:
                        yield Skipped(taken)
                        gaps[found.ulid] = gaps.get(found.ulid, 0) + 1
                    continue
                place = seq - gaps.get(found.ulid, 0) if found is not None else seq
                if sid != owner or place != first + len(run_of):
                    if owner in sessions and run_of:
                        yield Turns(sessions[owner], run_of, first_seq=first)
                    owner, first, run_of = sid, place, []
                run_of.append(taken)
            if owner in sessions and run_of:
                yield Turns(sessions[owner], run_of, first_seq=first)
            after = state["e"] = events[-1][0]
            if gaps:
                state["gaps"] = gaps
            done += len(events)
            yield Mark(dict(state), done, len(events))
        yield Mark(dict(state), done, 0)
    finally:
        conn.close()


def identity(path: Path) -> str | None:
    """What the other database is, wherever it is: its first session's ulid
    and start (None while it has none)."""
    conn = _connect(path)
    try:
        row = conn.execute("SELECT ulid, started_at FROM sessions ORDER BY id LIMIT 1").fetchone()
    finally:
        conn.close()
    if row is None or not isinstance(row[0], str):
        return None
    return hashlib.sha256(f"{row[0]} {row[1]}".encode()).hexdigest()[:32]


class SessiondDatabase(DatabaseSource[NoRun]):
    name = "sessiond"
    label = "Another sessiond database"
    url = ""  # this project: no page of its own yet
    description = "another sessiond database (a copy from another machine), merged by ULID"
    file_name = "sessions.db"
    resume = None  # its sessions are resumed in the programs they came from

    def default_paths(self) -> list[Path]:
        return []  # there is none: the person names the file

    def key(self, path: Path) -> str:
        """The database's first session, not its path: a copy of it merged
        from another folder is the same one (and merging is by ULID and
        `seq` anyway, so a new key costs a read, never a double)."""
        try:
            found = identity(path)
        except (sqlite3.Error, SourceUnreadable, OSError):
            found = None
        return f"db-{found}" if found else str(path.resolve())

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

    def legacy_keys(self, path: Path) -> list[str]:
        """The keys an import before version 3 kept this file's state under
        (its path, where the key is now what the file is): for the writer to
        take that state over once, so an upgrade does not import it again."""
        return [str(path.resolve())]

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
