"""The change feed on SQLite: what any process committed, read by polling.

A feed has its own read-only connection, so that `PRAGMA data_version`
changes whenever any connection (this process's writer included) commits:
an idle poll is one cheap pragma. When it changed, one read transaction
takes the events with an id above the last one seen and the session changes
above the last change seen; each change row carries the newest event id
committed before it, which puts both in the one order they were committed
in (SQLite commits one writer at a time). Ids are never reused
(AUTOINCREMENT), so emptying the trash cannot hide a later change.
"""

from __future__ import annotations

import sqlite3

from sessiond.store.base import Added, Change, Changed, Started
from sessiond.store.rows import event_row
from sessiond.store.sqlite.rows import SESSION_COLUMNS, session_row


class SqliteFeed:
    def __init__(self, conn: sqlite3.Connection, own: bool) -> None:
        self._conn = conn
        self._own = own  # close the connection with the feed
        self._version: int | None = None
        self.more = False
        row = conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM events),"
            " (SELECT coalesce(max(id), 0) FROM changes)"
        ).fetchone()
        self._event, self._change = row
        self._version = self._data_version()

    def _data_version(self) -> int:
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def fileno(self) -> int | None:
        return None

    def poll(self, limit: int = 1000) -> list[Change]:
        """Changes since the last poll, in commit order; `more` when cut at `limit`."""
        version = self._data_version()
        if version == self._version and not self.more and self._own:
            return []
        self._version = version
        conn = self._conn
        conn.execute("BEGIN")
        try:
            events = conn.execute(
                "SELECT id, session_id, seq, kind, text, created_at, meta FROM events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (self._event, limit),
            ).fetchall()
            changes = conn.execute(
                "SELECT id, session_id, started, after_event FROM changes"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (self._change, limit),
            ).fetchall()
            events_cut, changes_cut = len(events) == limit, len(changes) == limit
            self.more = events_cut or changes_cut
            # Keep to what both lists cover, so that the order stays exact: a
            # change not read yet comes after every event up to its after_event.
            event_bound = events[-1][0] if events_cut else None
            change_bound = changes[-1][3] if changes_cut else None
            if event_bound is not None:
                changes = [c for c in changes if c[3] <= event_bound]
            if change_bound is not None:
                events = [e for e in events if e[0] <= change_bound]
            sessions = {}
            for _id, session_id, *_ in changes:
                if session_id not in sessions:
                    row = conn.execute(
                        f"SELECT {SESSION_COLUMNS} WHERE s.id = ?", (session_id,)
                    ).fetchone()
                    sessions[session_id] = None if row is None else session_row(row)
        finally:
            conn.execute("COMMIT")
        out: list[Change] = []
        index = 0
        for change_id, session_id, started, after_event in changes:
            while index < len(events) and events[index][0] <= after_event:
                out.append(self._added(events[index]))
                index += 1
            self._change = change_id
            session = sessions[session_id]
            if session is not None:  # None: removed from the trash since
                out.append(Started(session) if started else Changed(session))
        for row in events[index:]:
            out.append(self._added(row))
        if events:
            self._event = max(self._event, events[-1][0])
        return out

    def _added(self, row: tuple[object, ...]) -> Added:
        return Added(event_row(row[1], row[2:]))  # type: ignore[arg-type]

    def close(self) -> None:
        if self._own:
            self._conn.close()
