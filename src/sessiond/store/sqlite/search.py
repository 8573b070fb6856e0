"""Search on SQLite: the query tree compiled to an FTS5 expression, ranked by bm25.

Every term reaches FTS5 as a quoted string (`"` doubled), so no input can
use FTS5's own syntax; the tree's structure alone becomes AND, OR and NOT.

What is ranked (protocol.md, "Search"): the newest `WINDOW` events that
match, after the filters (newest by when they were stored); among them, best
bm25 first, ties newest first. Two bounds keep every query fast whatever its
words, since FTS5's costs grow with the number of matches:

- ranking reads only the window, never every match (at 1M events FTS5 takes
  870 ms to rank all 920k events holding `the`);
- a word (or phrase, or prefix) in more than `COMMON` events matches but is
  left out of the ranking: bm25 counts every event holding each ranked word
  (20 ms for `the`, 55 ms for a phrase of two common words), and the weight
  it would give such a word is near nothing. With every word that common,
  hits come newest first.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sessiond.models import Hit
from sessiond.store.checks import COMMON, WINDOW, storable
from sessiond.store.query import Query, Term, parse
from sessiond.store.rows import SESSION_WIDTH, session_filter
from sessiond.store.snippet import make_hit
from sessiond.store.sqlite.rows import SESSION_FIELDS, session_row


def _quoted(term: Term) -> str:
    # The words alone (letters and digits), space-separated: a phrase to FTS5.
    return '"' + " ".join(term.raw) + '"' + ("*" if term.prefix else "")


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
    session_id: int | None,
    kinds: Sequence[str] | None,
    since: int | None,
    until: int | None,
    project: str | None = None,
    source: str | None = None,
) -> tuple[str, list[object]]:
    sql, params = session_filter(project, source)
    sql.insert(0, "s.deleted_at IS NULL")
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


def _count(conn: sqlite3.Connection, match: str, cap: int) -> int:
    """How many events match, counting no further than `cap`."""
    row = conn.execute(
        "SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT ?)",
        (match, cap),
    ).fetchone()
    return int(row[0])


def search(
    conn: sqlite3.Connection,
    text: str,
    limit: int,
    session_id: int | None = None,
    kinds: Sequence[str] | None = None,
    since: int | None = None,
    until: int | None = None,
    project: str | None = None,
    source: str | None = None,
) -> list[Hit]:
    query = parse(text)
    if limit == 0 or kinds == [] or (session_id is not None and not storable(session_id)):
        return []
    where, params = _filters(session_id, kinds, since, until, project, source)
    window = conn.execute(
        "SELECT f.rowid, e.created_at FROM events_fts AS f JOIN events AS e ON e.id = f.rowid"
        f" JOIN sessions AS s ON s.id = e.session_id WHERE events_fts MATCH ? AND {where}"
        " ORDER BY f.rowid DESC LIMIT ?",
        (to_fts5(query), *params, WINDOW),
    ).fetchall()
    if not window:
        return []
    ranked = [t for t in query.terms if _count(conn, _quoted(t), COMMON) < COMMON]
    scores: dict[int, float] = {}
    if ranked:
        rank_match = " OR ".join(_quoted(t) for t in ranked)
        inside = {rowid for rowid, _ in window}
        scores = {
            rowid: score
            for rowid, score in conn.execute(
                "SELECT rowid, bm25(events_fts) FROM events_fts WHERE events_fts MATCH ?"
                " AND rowid BETWEEN ? AND ?",
                (rank_match, window[-1][0], window[0][0]),
            )
            if rowid in inside
        }
    # Best (lowest) bm25 first, ties newest first: by time, then by id.
    best = sorted(window, key=lambda r: (scores.get(r[0], 0.0), -r[1], -r[0]))[:limit]
    ids = [rowid for rowid, _ in best]
    rows = {
        row[0]: row[1:]
        for row in conn.execute(
            f"SELECT e.id, {SESSION_FIELDS}, e.seq, e.kind, e.created_at, e.text"
            " FROM events AS e JOIN sessions AS s ON s.id = e.session_id"
            " LEFT JOIN sessions AS p ON p.id = s.parent_id"
            f" WHERE e.id IN ({', '.join('?' * len(ids))})",
            ids,
        )
    }
    hits = []
    for rowid in ids:
        row = rows[rowid]
        seq, kind, created, body = row[SESSION_WIDTH:]
        hits.append(make_hit(session_row(row[:SESSION_WIDTH]), seq, kind, created, body, query))
    return hits
