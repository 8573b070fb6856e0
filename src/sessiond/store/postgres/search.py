"""Search on PostgreSQL: the shared query tree compiled to a tsquery, ranked by ts_rank.

Nothing a person typed is ever read as tsquery syntax. Each term's words
(split and folded by the shared parser, as the index's were) are one bound
parameter, turned into the phrase of its lexemes by `words.tsquery_sql`
(each lexeme quoted by SQL, `:*` after the last for a prefix). A first
statement turns each term into its tsquery (so that a term left with no
word is dropped, not read as "match all"); the query's tsquery is then
written from those as PostgreSQL wrote them, each in parentheses, with `&`
(AND), `|` (OR) and `!` (NOT), flat (a thousand-character query of many
exclusions is one level deep, not hundreds), and bound once. A word in
Chinese, Japanese or Korean is looked for as the phrase of its bigrams,
which the index holds for such runs (`term_words`, `rows.index_words`).

What is ranked is what the SQLite store ranks: the newest `WINDOW` events
that match (newest by when they were stored; the same window as
`store.sqlite.search`), after the filters; among them, best ts_rank first,
ties newest first. Like bm25, the rank grows with the times a word occurs
and shrinks for longer texts: ts_rank's normalization 16 divides by 1 + the
log of the event's number of distinct words (dividing by its length, 1,
would rank `kettle kettle kettle` below `kettle`). ts_rank reads only
each event's own tsvector (no count over the whole index, unlike bm25), so
no word needs to be left out of the ranking for being common.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessiond.models import Hit
from sessiond.store.checks import WINDOW, storable
from sessiond.store.cjk import has_cjk, query_words
from sessiond.store.postgres.plan import Compiled, plan
from sessiond.store.postgres.rows import (
    PROJECT,
    SESSION_FIELDS,
    SESSION_WIDTH,
    from_db,
    maybe_to_db,
    session_row,
)
from sessiond.store.postgres.words import tsquery_sql
from sessiond.store.query import Query, Term, fold, parse
from sessiond.store.rows import session_filter
from sessiond.store.snippet import make_hit

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


def term_words(term: Term) -> tuple[str, bool]:
    """A term as the index holds its words: (the words, one space apart;
    whether the last is a prefix). A word in Chinese, Japanese or Korean
    becomes its bigrams (the index holds such runs as bigrams,
    `rows.index_words`), so that it matches wherever its characters stand
    together; a lone such character at the end matches as the start of a
    bigram."""
    if not any(has_cjk(word) for word in term.raw):
        return " ".join(term.words), term.prefix
    words = query_words(term.raw)
    lone = len(words[-1]) == 1 and has_cjk(words[-1])
    return " ".join(fold(word) for word in words), term.prefix or lone


def term_queries(conn: Connection, unaccent: str, terms: Sequence[Term]) -> list[str]:
    """Each term's tsquery, as PostgreSQL writes it ('' when it has no word):
    one round trip for them all, each term's words one bound parameter."""
    if not terms:
        return []
    columns, params = [], []
    for term in terms:
        words, prefix = term_words(term)
        columns.append(tsquery_sql(unaccent, "%s", prefix))
        params.append(words)
    row = conn.execute(
        f"SELECT ARRAY[{', '.join(columns)}]::text[]", params, prepare=False
    ).fetchone()
    assert row is not None
    return list(row[0])


def to_tsquery(query: Query, texts: dict[Term, str]) -> Compiled | None:
    """The query's tsqueries, written from the terms' own (each in
    parentheses) with `&`, `|` and `!`, flat: groups side by side, each
    once (`a a a` is `a`), never nested in each other. None when some
    group has no term left (nothing can match)."""
    groups: dict[str, None] = {}
    for group in query.groups:
        kept = sorted({texts[term] for term in group if texts[term]})
        if not kept:
            return None
        groups["(" + " | ".join(f"({text})" for text in kept) + ")"] = None
    left_out = sorted({texts[term] for term in query.exclude if texts[term]})
    exclude = " | ".join(f"({text})" for text in left_out) or None
    return Compiled(tuple(groups), exclude)


def compile_query(conn: Connection, unaccent: str, query: Query) -> Compiled | None:
    """The query's tsqueries, or None when nothing can match."""
    terms = list(dict.fromkeys((*query.terms, *query.exclude)))
    texts = dict(zip(terms, term_queries(conn, unaccent, terms), strict=True))
    return to_tsquery(query, texts)


def _filters(
    session_id: int | None,
    kinds: Sequence[str] | None,
    since: int | None,
    until: int | None,
    project: str | None = None,
    source: str | None = None,
) -> tuple[str, list[object]]:
    sql, params = session_filter(
        maybe_to_db(project), maybe_to_db(source), "%s", project_column=PROJECT
    )
    sql.insert(0, "s.deleted_at IS NULL")
    if session_id is not None:
        sql.append("e.session_id = %s")
        params.append(session_id)
    if kinds is not None:
        sql.append("e.kind = ANY(%s::text[])")
        params.append(list(kinds))
    if since is not None:
        sql.append("e.created_at >= %s")
        params.append(since)
    if until is not None:
        sql.append("e.created_at < %s")
        params.append(until)
    return " AND ".join(sql), params


def search(
    conn: Connection,
    unaccent: str,
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
    compiled = compile_query(conn, unaccent, query)
    if compiled is None:
        return []
    match, match_params = plan(conn, compiled)
    where, params = _filters(session_id, kinds, since, until, project, source)
    # Planned with the values (prepare=False): a rare word and a common one
    # want different plans (the GIN index, or the newest events first).
    rows = conn.execute(
        f"WITH m AS (SELECT e.id FROM events AS e JOIN sessions AS s ON s.id = e.session_id"
        f" WHERE {match} AND {where} ORDER BY e.id DESC LIMIT {WINDOW})"
        f" SELECT {SESSION_FIELDS}, e.seq, e.kind, e.created_at, e.text"
        " FROM m JOIN events AS e ON e.id = m.id JOIN sessions AS s ON s.id = e.session_id"
        " LEFT JOIN sessions AS p ON p.id = s.parent_id"
        " ORDER BY ts_rank(e.tsv, %s::tsquery, 16) DESC, e.created_at DESC, e.id DESC LIMIT %s",
        [*match_params, *params, compiled.whole, limit],
        prepare=False,
    ).fetchall()
    hits = []
    for row in rows:
        seq, kind, created, body = row[SESSION_WIDTH:]
        hits.append(
            make_hit(session_row(row[:SESSION_WIDTH]), seq, kind, created, from_db(body), query)
        )
    return hits
