"""`session/find` on SQLite: `store.find`'s backend over the FTS5 indexes.

A word's matches come from the word index (`events_fts`) and the bigram
index of Chinese, Japanese and Korean text (`events_cjk`), newest first;
titles from `titles_fts`. Every read applies the filters: not in the trash,
the project and source, and since/until on turns.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sessiond.models import Found, Session
from sessiond.store.find import Match
from sessiond.store.query import Term
from sessiond.store.rows import session_filter
from sessiond.store.sqlite.rows import SESSION_COLUMNS, session_row
from sessiond.store.sqlite.search import quoted, quoted_cjk


class SqliteFind:
    def __init__(
        self,
        conn: sqlite3.Connection,
        project: str | None,
        source: str | None,
        since: int | None,
        until: int | None,
    ) -> None:
        self.conn = conn
        sql, params = session_filter(project, source)
        sql.insert(0, "s.deleted_at IS NULL")
        self._sessions_where, self._sessions_params = " AND ".join(sql), params
        # Without a filter on the session, no join with it: the trash (few
        # sessions, read once into a hash) is left out by a NOT IN.
        self._join = project is not None or source is not None
        if self._join:
            turns, bounds = list(sql), list(params)
        else:
            turns = ["e.session_id NOT IN (SELECT id FROM sessions WHERE deleted_at IS NOT NULL)"]
            bounds = []
        if since is not None:
            turns.append("e.created_at >= ?")
            bounds.append(since)
        if until is not None:
            turns.append("e.created_at < ?")
            bounds.append(until)
        self._events_where, self._events_params = " AND ".join(turns), bounds

    def event_total(self) -> int:
        row = self.conn.execute("SELECT max(id) FROM events").fetchone()
        return int(row[0] or 0)

    def term_matches(self, term: Term, limit: int) -> list[Match]:
        join = " JOIN sessions AS s ON s.id = e.session_id" if self._join else ""
        found: list[Match] = []
        for table, match in (("events_fts", quoted(term)), ("events_cjk", quoted_cjk(term))):
            rows = self.conn.execute(
                f"SELECT f.rowid, e.session_id, e.created_at FROM {table} AS f"
                f" JOIN events AS e INDEXED BY events_place ON e.id = f.rowid{join}"
                f" WHERE {table} MATCH ? AND {self._events_where} ORDER BY f.rowid DESC LIMIT ?",
                (match, *self._events_params, limit),
            ).fetchall()
            if not found:
                found = rows
            elif rows:  # both indexes: each event once, newest first
                merged = {row[0]: row for row in [*found, *rows]}
                found = [merged[rowid] for rowid in sorted(merged, reverse=True)[:limit]]
        return found

    def placed(self, ids: Sequence[int]) -> dict[int, int]:
        join = " JOIN sessions AS s ON s.id = e.session_id" if self._join else ""
        out: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows = self.conn.execute(
                f"SELECT e.id, e.session_id FROM events AS e INDEXED BY events_place{join}"
                f" WHERE e.id IN ({', '.join('?' * len(chunk))}) AND {self._events_where}",
                (*chunk, *self._events_params),
            ).fetchall()
            out.update(rows)
        return out

    def title_matches(self, term: Term) -> set[int]:
        rows = self.conn.execute(
            "SELECT t.rowid FROM titles_fts AS t JOIN sessions AS s ON s.id = t.rowid"
            f" WHERE titles_fts MATCH ? AND {self._sessions_where}",
            (quoted_cjk(term), *self._sessions_params),
        ).fetchall()
        return {row[0] for row in rows}

    def sessions(self, ids: Sequence[int]) -> dict[int, Session]:
        if not ids:
            return {}
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} WHERE s.id IN ({', '.join('?' * len(ids))})", list(ids)
        ).fetchall()
        return {row[0]: session_row(row) for row in rows}

    def events(self, ids: Sequence[int]) -> dict[int, tuple[int, str, int, str]]:
        out: dict[int, tuple[int, str, int, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            for rowid, seq, kind, created, text in self.conn.execute(
                "SELECT id, seq, kind, created_at, text FROM events"
                f" WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                out[rowid] = (seq, kind, created, text)
        return out


def find_sessions(
    conn: sqlite3.Connection,
    query: str,
    limit: int,
    project: str | None,
    source: str | None,
    since: int | None,
    until: int | None,
) -> tuple[list[Found], bool]:
    """`store.find` over `conn`, every read of the query in one snapshot."""
    from sessiond.store.find import find

    conn.execute("BEGIN")
    try:
        backend = SqliteFind(conn, project, source, since, until)
        return find(backend, query, limit, bounded=since is not None or until is not None)
    finally:
        conn.execute("COMMIT")
