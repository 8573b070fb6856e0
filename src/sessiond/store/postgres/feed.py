"""The change feed on PostgreSQL: the change log, woken by LISTEN/NOTIFY.

Every write transaction ends by adding what it changed to the `changes`
table ('s' started, 'c' changed, 'a' appended first_seq..last_seq of a
session), log ids in commit order, and NOTIFYing 'sessiond' with the schema
and the ids it added (`changelog.py`). A feed LISTENs on its own connection, whose
socket is its `fileno()`: readable when something was committed (or the
connection broke). `poll()` reads the log past its cursor, so it returns
every change exactly once and in commit order even across a lost connection
or a restart of the server: it reconnects, and the log still holds what was
committed meanwhile.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING, Any

import psycopg

from sessiond.models import Event
from sessiond.store.base import Added, Change, Changed, Started
from sessiond.store.postgres.connect import Target, connect, is_broken
from sessiond.store.postgres.rows import SESSION_COLUMNS, event_row, session_row

if TYPE_CHECKING:
    Connection = psycopg.Connection[tuple[Any, ...]]

RECONNECT_EVERY_S = 1.0


class PostgresFeed:
    def __init__(self, target: Target) -> None:
        self._target = target
        self._conn: Connection | None = None
        self._woken = False
        self._schema = ""
        self._last_try = 0.0
        self.more = False
        # The cursor: the last log id read whole, and within the log row
        # after it, the next seq still to give (a batch cut at `limit`).
        self._cursor = 0
        self._resume: tuple[int, int] | None = None
        conn = self._connect()
        try:
            row = conn.execute("SELECT coalesce(max(id), 0) FROM changes").fetchone()
        except psycopg.Error as exc:
            self.close()
            from sessiond.errors import StorageError
            from sessiond.store.postgres.connect import describe

            raise StorageError(describe(target, exc)) from None
        assert row is not None
        self._cursor = int(row[0])

    def _connect(self) -> Connection:
        """A new listening connection (LISTEN before the cursor is read, so
        that nothing committed after the cursor goes unannounced)."""
        conn = connect(
            self._target, read_only=True, connect_timeout_s=2, application_name="sessiond feed"
        )
        try:
            row = conn.execute("SELECT current_schema()").fetchone()
            self._schema = str(row[0]) if row else ""
            conn.add_notify_handler(self._notified)
            conn.execute("LISTEN sessiond")
        except psycopg.Error:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _notified(self, notify: psycopg.Notify) -> None:
        # Called by psycopg for notifications that arrive during a query: the
        # socket will not show them again, so the next poll must read. Other
        # schemas' stores on the same database notify the same channel.
        if notify.payload.partition(" ")[0] == self._schema:
            self._woken = True

    def fileno(self) -> int | None:
        conn = self._conn
        if conn is None or is_broken(conn):
            return None
        return conn.fileno()

    def poll(self, limit: int = 1000) -> list[Change]:
        """Changes since the last poll, in commit order; `more` when cut at
        `limit`, or when something more may have come while reading."""
        conn = self._live()
        if conn is None:
            self.more = False
            return []
        try:
            # What is already on the socket was committed before this read.
            conn.pgconn.consume_input()
            while conn.pgconn.notifies() is not None:
                pass
            self._woken = False
            out, cut = self._read(conn, max(1, limit))
        except psycopg.Error:
            self._drop()
            self.more = True  # reconnect and read on at the next poll
            return []
        self.more = cut or self._woken
        return out

    def _live(self) -> Connection | None:
        """The connection, reconnected when it broke (at most once a second)."""
        conn = self._conn
        if conn is not None and not is_broken(conn):
            return conn
        self._drop()
        now = time.monotonic()
        if now - self._last_try < RECONNECT_EVERY_S:
            return None
        self._last_try = now
        try:
            return self._connect()
        except Exception:
            self._drop()
            return None

    def _read(self, conn: Connection, limit: int) -> tuple[list[Change], bool]:
        resume = self._resume
        if resume is None:
            after, resume_id, resume_seq = self._cursor, 0, 0
        else:
            resume_id, resume_seq = resume
            after = resume_id - 1
        log = conn.execute(
            "SELECT id, session_id, what, first_seq, last_seq FROM changes"
            " WHERE id > %s ORDER BY id LIMIT %s",
            (after, limit),
        ).fetchall()
        # Spend the budget along the log: a session change costs one, an
        # append range one per event; a range may be cut and resumed.
        budget = limit
        plan: list[tuple[int, int, str, int, int, int]] = []
        for log_id, session_id, what, first, last in log:
            if budget == 0:
                break
            if what == "a":
                start = resume_seq if log_id == resume_id else first
                upto = min(last, start + budget - 1)
                plan.append((log_id, session_id, what, start, upto, last))
                budget -= upto - start + 1
            else:
                plan.append((log_id, session_id, what, 0, 0, 0))
                budget -= 1
        events = self._events(conn, [p for p in plan if p[2] == "a"])
        sessions = self._sessions(conn, {p[1] for p in plan if p[2] != "a"})
        out: list[Change] = []
        for log_id, session_id, what, start, upto, last in plan:
            if what == "a":
                for seq in range(start, upto + 1):
                    event = events.get((session_id, seq))
                    if event is not None:  # None: removed from the trash since
                        out.append(Added(event))
                if upto < last:
                    self._resume = (log_id, upto + 1)
                    return out, True
            else:
                session = sessions.get(session_id)
                if session is not None:
                    out.append(Started(session) if what == "s" else Changed(session))
            self._cursor = log_id
            self._resume = None
        return out, len(plan) < len(log) or len(log) == limit

    @staticmethod
    def _events(
        conn: Connection, ranges: list[tuple[int, int, str, int, int, int]]
    ) -> dict[tuple[int, int], Event]:
        if not ranges:
            return {}
        rows = conn.execute(
            "SELECT e.session_id, e.seq, e.kind, e.text, e.created_at, e.meta"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[]) AS r(sid, lo, hi)"
            " JOIN events AS e ON e.session_id = r.sid AND e.seq BETWEEN r.lo AND r.hi",
            ([r[1] for r in ranges], [r[3] for r in ranges], [r[4] for r in ranges]),
        ).fetchall()
        return {(row[0], row[1]): event_row(row[0], row[1:]) for row in rows}

    @staticmethod
    def _sessions(conn: Connection, ids: set[int]) -> dict[int, Any]:
        if not ids:
            return {}
        rows = conn.execute(
            f"SELECT {SESSION_COLUMNS} WHERE s.id = ANY(%s::bigint[])", (sorted(ids),)
        ).fetchall()
        return {row[0]: session_row(row) for row in rows}

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        self._drop()
