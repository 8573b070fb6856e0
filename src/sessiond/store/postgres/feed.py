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

from sessiond.store.base import Added, Change, Changed, Started
from sessiond.store.postgres.connect import Target, connect, is_broken
from sessiond.store.postgres.rows import SESSION_COLUMNS, event_row, session_row

if TYPE_CHECKING:
    Connection = psycopg.Connection[tuple[Any, ...]]

RECONNECT_EVERY_S = 1.0

# The log past the cursor (from within a cut range: `rid`, `rseq`), each row
# given what is left of the budget of `limit` changes (an append range one
# per event, a session change one), with its events and sessions. Each range
# is read on its own through the (session_id, seq) index: a join the planner
# may flatten scans every event when a few sessions hold most of them (230
# ms a poll at 270,000 events in 4 sessions); likewise each session.
_READ = f"""
WITH log AS MATERIALIZED (
    SELECT id, session_id, what, last_seq AS hi,
        CASE WHEN id = %(rid)s THEN %(rseq)s::bigint ELSE first_seq END AS lo
    FROM changes WHERE id > %(after)s ORDER BY id LIMIT %(limit)s
), costed AS (
    SELECT *, CASE WHEN what = 'a' THEN greatest(hi - lo + 1, 0) ELSE 1 END AS cost FROM log
), planned AS (
    SELECT *, coalesce(sum(cost) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING
        AND 1 PRECEDING), 0)::bigint AS spent FROM costed
), kept AS (
    SELECT *, CASE WHEN what = 'a' THEN least(hi, lo + %(limit)s - spent - 1) END AS upto
    FROM planned WHERE spent < %(limit)s
)
SELECT k.id, k.session_id, k.what, k.hi, k.upto, least(k.cost, %(limit)s - k.spent),
    e.seq, e.kind, e.text, e.created_at, e.meta, x.*
FROM kept AS k
LEFT JOIN LATERAL (
    SELECT e.seq, e.kind, e.text, e.created_at, e.meta FROM events AS e
    WHERE k.what = 'a' AND e.session_id = k.session_id AND e.seq BETWEEN k.lo AND k.upto
    ORDER BY e.seq LIMIT greatest(k.upto - k.lo + 1, 0)
) AS e ON true
LEFT JOIN LATERAL (
    SELECT {SESSION_COLUMNS} WHERE k.what <> 'a' AND s.id = k.session_id LIMIT 1
) AS x ON true
ORDER BY k.id, e.seq
"""


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
        """Up to `limit` changes past the cursor, in one statement (each
        round trip is a wait on a busy server: three a poll kept a
        subscriber behind four appending daemons)."""
        resume = self._resume
        if resume is None:
            after, resume_id, resume_seq = self._cursor, 0, 0
        else:
            resume_id, resume_seq = resume
            after = resume_id - 1
        rows = conn.execute(
            _READ, {"after": after, "rid": resume_id, "rseq": resume_seq, "limit": limit}
        ).fetchall()
        out: list[Change] = []
        spent = 0
        logged: list[tuple[int, str, int, int]] = []  # (id, what, hi, upto), in order
        for row in rows:
            log_id, session_id, what, hi, upto, cost = row[:6]
            if not logged or logged[-1][0] != log_id:
                logged.append((log_id, what, hi or 0, upto or 0))
                spent += cost
            if what == "a":
                if row[6] is not None:  # None: removed from the trash since
                    out.append(Added(event_row(session_id, row[6:11])))
            elif row[11] is not None:
                session = session_row(row[11:])
                out.append(Started(session) if what == "s" else Changed(session))
        if not logged:
            return out, False
        last_id, what, hi, upto = logged[-1]
        if what == "a" and upto < hi:  # a range cut at the budget
            self._resume = (last_id, upto + 1)
            if len(logged) > 1:
                self._cursor = logged[-2][0]
            return out, True
        self._cursor, self._resume = last_id, None
        return out, spent >= limit or len(logged) >= limit

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def close(self) -> None:
        self._drop()
