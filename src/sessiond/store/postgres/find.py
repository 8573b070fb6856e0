"""`session/find` on PostgreSQL: `store.find`'s backend over the GIN indexes.

A word's matches come from the events' tsvector (which holds the bigrams of
Chinese, Japanese and Korean runs beside the other words, `rows.index_words`),
newest first; titles from the sessions' `title_tsv`. Each term is compiled
as search compiles it (`search.term_queries`: its words one bound value),
all of a query's terms in one round trip. Every read applies the filters:
not in the trash, the project (bytewise, "C") and source, and since/until
on turns; the whole find reads one snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessiond.models import Found, Session
from sessiond.store.find import Match, find, plan
from sessiond.store.postgres.rows import PROJECT, SESSION_COLUMNS, from_db, maybe_to_db, session_row
from sessiond.store.postgres.search import term_queries
from sessiond.store.query import Term
from sessiond.store.rows import session_filter

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


class PostgresFind:
    def __init__(
        self,
        conn: Connection,
        unaccent: str,
        tsqueries: dict[Term, str],
        project: str | None,
        source: str | None,
        since: int | None,
        until: int | None,
    ) -> None:
        self.conn = conn
        self._unaccent = unaccent
        self._tsqueries = tsqueries
        self._matches: dict[tuple[Term, int], list[Match]] = {}
        self._titles: dict[Term, set[int]] = {}
        sql, params = session_filter(
            maybe_to_db(project), maybe_to_db(source), "%s", project_column=PROJECT
        )
        sql.insert(0, "s.deleted_at IS NULL")
        self._sessions_where, self._sessions_params = " AND ".join(sql), params
        turns, bounds = list(sql), list(params)
        if since is not None:
            turns.append("e.created_at >= %s")
            bounds.append(since)
        if until is not None:
            turns.append("e.created_at < %s")
            bounds.append(until)
        self._events_where, self._events_params = " AND ".join(turns), bounds

    def placed(self, ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            rows = self.conn.execute(
                "SELECT e.id, e.session_id FROM events AS e JOIN sessions AS s"
                f" ON s.id = e.session_id WHERE e.id = ANY(%s) AND {self._events_where}",
                (chunk, *self._events_params),
            ).fetchall()
            out.update((int(a), int(b)) for a, b in rows)
        return out

    def event_total(self) -> int:
        row = self.conn.execute("SELECT max(id) FROM events").fetchone()
        return int(row[0] or 0) if row else 0

    def _tsquery(self, term: Term) -> str:
        found = self._tsqueries.get(term)
        if found is None:  # a term find made that the plan did not show
            found = self._tsqueries[term] = term_queries(self.conn, self._unaccent, [term])[0]
        return found

    def term_matches(self, term: Term, limit: int) -> list[Match]:
        # A query may name a word many times (`the the the`): read it once.
        key = (term, limit)
        found = self._matches.get(key)
        if found is None:
            found = self._matches[key] = self._term_matches(term, limit)
        return found

    def _term_matches(self, term: Term, limit: int) -> list[Match]:
        tsquery = self._tsquery(term)
        if not tsquery:
            return []
        # Planned with the values: a rare word wants the GIN index, a
        # common one the newest events first.
        rows = self.conn.execute(
            "SELECT e.id, e.session_id, e.created_at FROM events AS e"
            " JOIN sessions AS s ON s.id = e.session_id"
            f" WHERE e.tsv @@ %s::tsquery AND {self._events_where} ORDER BY e.id DESC LIMIT %s",
            (tsquery, *self._events_params, limit),
            prepare=False,
        ).fetchall()
        return [Match(row[0], row[1], row[2]) for row in rows]

    def title_matches(self, term: Term) -> set[int]:
        found = self._titles.get(term)
        if found is None:
            found = self._titles[term] = self._title_matches(term)
        return found

    def _title_matches(self, term: Term) -> set[int]:
        tsquery = self._tsquery(term)
        if not tsquery:
            return set()
        rows = self.conn.execute(
            "SELECT s.id FROM sessions AS s"
            f" WHERE s.title_tsv @@ %s::tsquery AND {self._sessions_where}",
            (tsquery, *self._sessions_params),
            prepare=False,
        ).fetchall()
        return {row[0] for row in rows}

    def sessions(self, ids: Sequence[int]) -> dict[int, Session]:
        if not ids:
            return {}
        rows = self.conn.execute(
            f"SELECT {SESSION_COLUMNS} WHERE s.id = ANY(%s::bigint[])", (list(ids),)
        ).fetchall()
        return {row[0]: session_row(row) for row in rows}

    def events(self, ids: Sequence[int]) -> dict[int, tuple[int, str, int, str]]:
        if not ids:
            return {}
        rows = self.conn.execute(
            "SELECT id, seq, kind, created_at, text FROM events WHERE id = ANY(%s::bigint[])",
            (list(ids),),
        ).fetchall()
        return {row[0]: (row[1], row[2], row[3], from_db(row[4])) for row in rows}


def find_sessions(
    conn: Connection,
    unaccent: str,
    query: str,
    limit: int,
    project: str | None,
    source: str | None,
    since: int | None,
    until: int | None,
) -> tuple[list[Found], bool]:
    """`store.find` over `conn`, every read of it in one snapshot."""
    planned = plan(query)  # InvalidParams for a query with no word, before any read
    terms = list(dict.fromkeys((*planned.terms, *planned.exclude)))
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tsqueries = dict(zip(terms, term_queries(conn, unaccent, terms), strict=True))
        backend = PostgresFind(conn, unaccent, tsqueries, project, source, since, until)
        return find(backend, query, limit, bounded=since is not None or until is not None)
