"""Search on SQLite: the query tree compiled to an FTS5 expression, ranked by bm25.

Every term reaches FTS5 as a quoted string (`"` doubled), so no input can
use FTS5's own syntax; the tree's structure alone becomes AND, OR and NOT.

What is ranked: the newest `WINDOW` events that match (newest by when they
were stored), after the filters; among them, best bm25 first, ties newest
first. Ranking every match of a common word would cost time in proportion
to its matches (870 ms for a word in 920k of 1M events); with the window a
query costs at most about WINDOW rows, whatever its words.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sessiond.models import Hit, rfc3339
from sessiond.store.query import Query, Term, parse
from sessiond.store.snippet import make_snippet
from sessiond.store.sqlite.rows import SESSION_FIELDS, session_row

WINDOW = 10_000


def _quoted(term: Term) -> str:
    return '"' + term.text.replace('"', '""') + '"' + ("*" if term.prefix else "")


def to_fts5(query: Query) -> str:
    """The FTS5 MATCH expression of a parsed query."""
    groups = []
    for group in query.groups:
        inner = " OR ".join(_quoted(term) for term in group)
        groups.append(f"({inner})" if len(group) > 1 else inner)
    expression = " AND ".join(groups)
    for term in query.exclude:
        expression = f"({expression}) NOT {_quoted(term)}"
    return expression


def _filters(
    session_id: int | None, kinds: Sequence[str] | None, since: int | None, until: int | None
) -> tuple[str, list[object]]:
    sql = ["s.deleted_at IS NULL"]
    params: list[object] = []
    if session_id is not None:
        sql.append("e.session_id = ?")
        params.append(session_id)
    if kinds is not None:
        sql.append(f"e.kind IN ({', '.join('?' * len(kinds))})")
        params.extend(kinds)
    if since is not None:
        sql.append("e.created_at >= ?")
        params.append(since)
    if until is not None:
        sql.append("e.created_at < ?")
        params.append(until)
    return " AND ".join(sql), params


def search(
    conn: sqlite3.Connection,
    text: str,
    limit: int,
    session_id: int | None = None,
    kinds: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
) -> list[Hit]:
    query = parse(text)
    if limit == 0 or kinds == []:
        return []
    match = to_fts5(query)
    where, params = _filters(session_id, kinds, since, until)
    joins = (
        "FROM events_fts AS f JOIN events AS e ON e.id = f.rowid"
        " JOIN sessions AS s ON s.id = e.session_id"
    )
    floor = conn.execute(
        f"SELECT f.rowid {joins} WHERE events_fts MATCH ? AND {where}"
        " ORDER BY f.rowid DESC LIMIT 1 OFFSET ?",
        (match, *params, WINDOW - 1),
    ).fetchone()
    rows = conn.execute(
        f"SELECT {SESSION_FIELDS}, e.seq, e.kind, e.created_at, e.text {joins}"
        " LEFT JOIN sessions AS p ON p.id = s.parent_id"
        f" WHERE events_fts MATCH ? AND f.rowid >= ? AND {where}"
        " ORDER BY bm25(events_fts), e.created_at DESC, e.id DESC LIMIT ?",
        (match, floor[0] if floor else 0, *params, limit),
    ).fetchall()
    hits = []
    for row in rows:
        snippet, highlights = make_snippet(row[14], query)
        hits.append(
            Hit(
                session=session_row(row[:11]),
                seq=row[11],
                kind=row[12],
                created_at=rfc3339(row[13]),
                snippet=snippet,
                highlights=highlights,
            )
        )
    return hits
