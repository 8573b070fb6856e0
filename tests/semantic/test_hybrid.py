"""`session/find` by words and meaning: reciprocal rank fusion, when it is
used, and a question in other words found on a small indexed store."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench.relevance.words import content_words, stem

from sessiond.models import Found, Session
from sessiond.semantic import hybrid, indexing, model
from sessiond.store import SqliteStore
from support.semantic import PARAPHRASES, SESSIONS, fill


def found(sid: int) -> Found:
    session = Session(
        id=sid,
        ulid=f"U{sid}",
        started_at="2026-01-01T00:00:00.000Z",
        ended_at=None,
        engine_base_url=None,
        cli_version="t",
        parent_ulid=None,
        event_count=1,
    )
    return Found(session, 1.0, [])


def test_fusion_puts_what_both_find_first_and_keeps_each_ones_order() -> None:
    words = [found(1), found(2), found(3)]
    meant = [found(4), found(2), found(5)]
    fused = hybrid.fuse(words, False, meant, 10)
    ids = [f.session.id for f in fused]
    assert ids[0] == 2
    assert ids.index(1) < ids.index(3) and ids.index(4) < ids.index(5)
    assert set(ids) == {1, 2, 3, 4, 5}
    assert [f.score for f in fused] == sorted((f.score for f in fused), reverse=True)
    assert len(hybrid.fuse(words, False, meant, 2)) == 2


def test_a_relaxed_words_ranking_does_not_drown_the_meaning() -> None:
    words = [found(1), found(2)]
    meant = [found(3), found(1)]
    ids = [f.session.id for f in hybrid.fuse(words, True, meant, 10)]
    assert ids[0] == 3  # the meaning's first stays first
    strict = [f.session.id for f in hybrid.fuse(words, False, meant, 10)]
    assert strict[0] == 1


def test_the_paraphrases_share_no_word_with_their_session() -> None:
    for question, answer in PARAPHRASES.items():
        text = " ".join(t for _, t in SESSIONS[answer])
        q = {stem(w) for w in content_words(question)}
        assert not q & {stem(w) for w in content_words(text)}, question


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("hybrid") / "history.db"
    store = SqliteStore(str(db))
    names = fill(store)
    kept = indexing.prepare(store)
    assert indexing.index(store, model.documents(), kept) == 8
    yield store, names
    store.close()


def test_questions_in_other_words_are_found_by_meaning_not_by_words(indexed) -> None:
    store, names = indexed
    assert hybrid.available(store)
    for question, answer in PARAPHRASES.items():
        results, _ = hybrid.find(store, question, 5)
        assert results and results[0].session.id == names[answer], question
        words, _ = hybrid.find(store, question, 5, words=True)
        assert names[answer] not in [r.session.id for r in words[:1]], question


def test_a_strict_word_match_stays_on_top(indexed) -> None:
    store, names = indexed
    results, relaxed = hybrid.find(store, "autovacuum", 5)
    assert not relaxed and results[0].session.id == names["postgres-bloat"]
    assert results[0].hits and results[0].hits[0].highlights


def test_filters_and_operators_hold_with_meaning(indexed) -> None:
    store, names = indexed
    results, _ = hybrid.find(store, "the bug with clocks", 5, project="/p/css-layout")
    assert {r.session.id for r in results} <= {names["css-layout"]}
    # Operators shape the words' half; the meaning reads the question as written.
    results, relaxed = hybrid.find(store, '"sidebar overlaps" -autovacuum', 5)
    assert not relaxed and results[0].session.id == names["css-layout"]
    results, _ = hybrid.find(store, "the bug with clocks being off -hour", 5)
    assert results[0].session.id == names["timezones"]
    words, _ = hybrid.find(store, "the bug with clocks being off -hour", 5, words=True)
    assert names["timezones"] not in [r.session.id for r in words]


def test_a_store_without_vectors_is_answered_by_words(tmp_path: Path) -> None:
    store = SqliteStore(str(tmp_path / "plain.db"))
    try:
        names = fill(store)
        assert not hybrid.available(store)
        results, _ = hybrid.find(store, "the bug with clocks being off", 5)
        assert names["timezones"] not in [r.session.id for r in results[:1]]
        assert hybrid.find(store, "autovacuum", 5) == store.find("autovacuum", 5)
    finally:
        store.close()
