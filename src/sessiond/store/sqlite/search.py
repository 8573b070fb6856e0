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
from collections.abc import Callable, Sequence

from sessiond.models import Hit
from sessiond.store.checks import COMMON, WINDOW, storable
from sessiond.store.cjk import has_cjk, query_words
from sessiond.store.query import Query, Term, parse
from sessiond.store.rows import SESSION_WIDTH, session_filter
from sessiond.store.snippet import make_hit
from sessiond.store.sqlite.rows import SESSION_FIELDS, session_row


def quoted(term: Term) -> str:
    # The words alone (letters and digits), space-separated: a phrase to FTS5.
    return '"' + " ".join(term.raw) + '"' + ("*" if term.prefix else "")


def quoted_cjk(term: Term) -> str:
    # For the bigram index: the term's Chinese, Japanese or Korean words as
    # bigrams; a lone such character at the end, as the start of a bigram.
    words = query_words(term.raw)
    lone = len(words[-1]) == 1 and has_cjk(words[-1])
    return '"' + " ".join(words) + '"' + ("*" if term.prefix or lone else "")


def to_fts5(query: Query, quote: Callable[[Term], str] = quoted) -> str:
    """The FTS5 MATCH expression of a parsed query (for the bigram index
    with `quote=quoted_cjk`)."""
    groups = []
    for group in query.groups:
        inner = " OR ".join(quote(term) for term in group)
        groups.append(f"({inner})" if len(group) > 1 else inner)
    expression = " AND ".join(groups)
    if query.exclude:
        # Flat, however many: FTS5's parser stack overflows on 97 nested NOTs.
        left_out = " OR ".join(quote(term) for term in query.exclude)
        expression = f"({expression}) NOT ({left_out})"
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


def _count(conn: sqlite3.Connection, table: str, match: str, cap: int) -> int:
    """How many events match in `table`, counting no further than `cap`."""
    row = conn.execute(
        f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {table} MATCH ? LIMIT ?)",
        (match, cap),
    ).fetchone()
    return int(row[0])


def _window(
    conn: sqlite3.Connection, table: str, match: str, where: str, params: list[object]
) -> list[tuple[int, int]]:
    """(rowid, created_at) of the newest WINDOW events matching in `table`."""
    return conn.execute(
        f"SELECT f.rowid, e.created_at FROM {table} AS f JOIN events AS e ON e.id = f.rowid"
        f" JOIN sessions AS s ON s.id = e.session_id WHERE {table} MATCH ? AND {where}"
        " ORDER BY f.rowid DESC LIMIT ?",
        (match, *params, WINDOW),
    ).fetchall()


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
    window = _window(conn, "events_fts", to_fts5(query), where, params)
    # Events in scripts written without spaces are found in the bigram index too.
    found_cjk = _window(conn, "events_cjk", to_fts5(query, quoted_cjk), where, params)
    if found_cjk:
        window = sorted({*window, *found_cjk}, reverse=True)[:WINDOW]
    if not window:
        return []
    inside = {rowid for rowid, _ in window}
    scores: dict[int, float] = {}
    for table, quote in (("events_fts", quoted), ("events_cjk", quoted_cjk)):
        if table == "events_cjk" and not found_cjk:
            continue
        ranked = [t for t in query.terms if _count(conn, table, quote(t), COMMON) < COMMON]
        if not ranked:
            continue
        rank_match = " OR ".join(quote(t) for t in ranked)
        for rowid, score in conn.execute(
            f"SELECT rowid, bm25({table}) FROM {table} WHERE {table} MATCH ?"
            " AND rowid BETWEEN ? AND ?",
            (rank_match, window[-1][0], window[0][0]),
        ):
            if rowid in inside:
                scores[rowid] = min(score, scores.get(rowid, 0.0))
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
