"""The search query language: parsing, the FTS5 translation, snippets.

The translation is checked against a real FTS5 table: whatever the input, it
either parses into an expression FTS5 accepts, or is refused with
InvalidParams; never an SQLite syntax error.
"""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessiond.errors import InvalidParams
from sessiond.store.query import MAX_QUERY_CHARS, Query, Term, parse
from sessiond.store.snippet import SNIPPET_CHARS, make_preview, make_snippet
from sessiond.store.sqlite.search import to_fts5


def groups(text: str) -> list[list[tuple[str, bool]]]:
    return [[(t.text, t.prefix) for t in group] for group in parse(text).groups]


def test_words_are_anded_and_phrases_kept_whole():
    assert groups('undo "git reset" commit') == [
        [("undo", False)],
        [("git reset", False)],
        [("commit", False)],
    ]
    assert parse('"git reset"').groups[0][0].words == ("git", "reset")


def test_prefix_exclusion_and_or():
    q = parse("migrat* -amend rebase OR merge")
    assert [[(t.text, t.prefix) for t in g] for g in q.groups] == [
        [("migrat", True)],
        [("rebase", False), ("merge", False)],
    ]
    assert [t.text for t in q.exclude] == ["amend"]


def test_or_binds_the_items_beside_it_and_is_a_word_elsewhere():
    assert groups("x a OR b") == [[("x", False)], [("a", False), ("b", False)]]
    assert groups("OR") == [[("OR", False)]]
    assert groups("a OR") == [[("a", False)], [("OR", False)]]
    assert groups("a or b") == [[("a", False)], [("or", False)], [("b", False)]]


def test_engine_syntax_is_plain_text():
    # FTS5 would reject each of these as syntax; here they are words or nothing.
    assert groups("(foo") == [[("(foo", False)]]
    assert groups("col:value") == [[("col:value", False)]]
    assert groups("^start NEAR end") == [[("^start", False)], [("NEAR", False)], [("end", False)]]
    assert groups('a lone " quote') == [[("a", False)], [("lone", False)], [("quote", False)]]
    assert groups('"unclosed phrase') == [[('"unclosed', False)], [("phrase", False)]]


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("", "no word"),
        ("   ", "no word"),
        ("!!! ()", "no word"),
        ("-foo", "only leaves words out"),
        ('-"a b" -c', "only leaves words out"),
        ("x" * (MAX_QUERY_CHARS + 1), "at most 1000"),
    ],
)
def test_queries_without_a_word_to_find_are_refused(query, says):
    with pytest.raises(InvalidParams, match=says):
        parse(query)


def test_diacritics_and_case_fold_in_the_words():
    assert parse("CAFÉ").groups[0][0].words == ("cafe",)
    assert parse("Ærø").groups[0][0].words == ("ærø",)


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61 remove_diacritics 2',"
        " prefix='2')"
    )
    rows = [
        "How do I undo the last commit? Use git reset",
        "Rebase or merge: a question of taste",
        "Le café est fermé",
        "日本語のテキスト and emoji 😀 here",
        'quotes " and (parens) and col:value',
        "migration failed; migrations are hard",
    ]
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", enumerate(rows, 1))
    return conn


def found(conn: sqlite3.Connection, query: str) -> list[int]:
    rows = conn.execute(
        "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", (to_fts5(parse(query)),)
    )
    return [r[0] for r in rows]


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ("undo commit", [1]),
        ('"git reset"', [1]),
        ('"reset git"', []),
        ("migrat*", [6]),
        ("commit -reset", []),
        ("question -commit", [2]),
        ("rebase OR undo", [1, 2]),
        ("cafe", [3]),
        ("FERME", [3]),
        ("(parens)", [5]),
        ('col:value "', [5]),
        ("NEAR", []),
        ("日本語のテキスト", [4]),
        ("日本*", [4]),
    ],
)
def test_translation_matches_what_the_language_says(fts, query, rows):
    assert found(fts, query) == rows


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=120))
def test_any_text_parses_or_is_refused_never_a_syntax_error(fts, text):
    try:
        query = parse(text)
    except InvalidParams:
        return
    assert query.groups
    fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (to_fts5(query),)).fetchone()


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            ['"', "(", ")", ":", "^", "*", "-", "OR", "NEAR", "AND", "NOT", "a", "b", " "]
        ),
        max_size=20,
    )
)
def test_engine_operators_in_any_order_never_break_the_query(fts, pieces):
    text = "".join(pieces)
    try:
        query = parse(text)
    except InvalidParams:
        return
    fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (to_fts5(query),)).fetchone()


# Snippets and previews


def q(text: str) -> Query:
    return parse(text)


def shown(snippet: str, highlights: list[tuple[int, int]]) -> list[str]:
    return [snippet[a:b] for a, b in highlights]


def test_highlights_count_code_points_with_emoji_and_cjk():
    text = "😀😀 日本語 first then the TARGET word 🙂 and target again"
    snippet, highlights = make_snippet(text, q("target"))
    assert snippet == text
    assert shown(snippet, highlights) == ["TARGET", "target"]
    assert highlights[0] == (text.index("TARGET"), text.index("TARGET") + 6)
    cjk, marks = make_snippet("前置き 日本語 の説明", q("日本語"))
    assert shown(cjk, marks) == ["日本語"]


def test_phrase_words_are_each_highlighted_and_diacritics_fold():
    snippet, highlights = make_snippet("Use git   reset --soft at the Café", q('"git reset" cafe'))
    assert snippet == "Use git reset --soft at the Café"
    assert shown(snippet, highlights) == ["git", "reset", "Café"]


def test_a_far_match_gets_a_cut_snippet_around_it():
    text = "lead " * 400 + "the needle is here " + "tail " * 400
    snippet, highlights = make_snippet(text, q("needle"))
    assert snippet.startswith("…") and snippet.endswith("…")
    assert len(snippet) <= SNIPPET_CHARS + 2
    assert shown(snippet, highlights) == ["needle"]


def test_prefix_highlights_the_whole_word_and_only_whole_words():
    snippet, highlights = make_snippet("migrations, remigrate and migrated", q("migrat*"))
    assert shown(snippet, highlights) == ["migrations", "migrated"]


def test_preview_folds_whitespace_and_cuts_at_120():
    assert make_preview("  hello\n\n\tworld  ") == "hello world"
    assert make_preview(" \n ") is None
    assert make_preview("word " * 100) == ("word " * 30)[:120]


def test_term_records_are_hashable_for_the_matcher_cache():
    assert hash(Query(((Term("a", ("a",)),),)))
