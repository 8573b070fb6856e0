"""`session/find` and Chinese/Japanese/Korean words, on every store.

A session matches when every word occurs somewhere in it (title or any
turn); else the sessions holding the most words come back, relaxed. Words
that only frame a question are left out; a word also finds its stem's words;
CJK words are found by their characters, in search and in find.
"""

from __future__ import annotations

import pytest

from sessiond.errors import InvalidParams

DAY = 86_400_000


@pytest.fixture
def history(store):
    def session(ulid, turns, title=None, project=None, source=None):
        s = store.start_session("t", ulid=ulid, project=project, source=source)
        store.append_many([(s.id, kind, text) for kind, text in turns])
        if title:
            store.rename_session(s.id, title)
        return s

    made = {
        "ci": session(
            "ci",
            [
                ("prompt", "the build on main is slow again, every job downloads everything"),
                ("system", "Restore the cache keyed on the lockfile hash; that fixes it."),
            ],
            title="Fix the CI cache",
            project="/home/ann/src/api",
            source="claude-code",
        ),
        "git": session(
            "git",
            [
                ("prompt", "How do I undo the last commit?"),
                ("system", 'Use "git reset --soft HEAD~1" to keep the changes.'),
            ],
            project="/home/ann/src/web",
            source="codex",
        ),
        "zanzibar": session("zanzibar", [("prompt", "notes for later")], title="zanzibar project"),
        "jp": session(
            "jp",
            [("prompt", "最新の状態にアップデートしてください"), ("system", "分析の結果です")],
        ),
        "cache2": session(
            "cache2",
            [("prompt", "what does cache mean in a CPU?"), ("system", "A small fast memory.")],
            project="/home/ann/src/api",
            source="codex",
        ),
    }
    return made


def ulids(results):
    return [r.session.ulid for r in results]


def test_words_spread_over_turns_and_the_title_match(store, history):
    found, relaxed = store.find("CI cache", 10)
    assert ulids(found)[0] == "ci" and not relaxed
    found, relaxed = store.find('"git reset" undo', 10)
    assert ulids(found) == ["git"] and not relaxed  # the question and its answer, two turns
    found, _ = store.find("zanzibar", 10)
    assert ulids(found) == ["zanzibar"]  # in the title only


def test_a_question_as_people_ask_it(store, history):
    found, relaxed = store.find("how did we fix the CI cache", 10)
    assert ulids(found)[0] == "ci" and not relaxed
    # A word of the question's stem: 'caching' finds 'cache'.
    found, _ = store.find("caching on CI", 10)
    assert ulids(found)[0] == "ci"


def test_no_session_with_every_word_is_relaxed_most_words_first(store, history):
    found, relaxed = store.find("cache lockfile kubernetes", 10)
    assert relaxed
    assert ulids(found)[0] == "ci"  # holds two of the three words
    assert "cache2" in ulids(found)  # one word: still listed, after
    found, relaxed = store.find("nothingmatcheshere", 10)
    assert (found, relaxed) == ([], False)


def test_hits_are_the_best_turns_with_highlights(store, history):
    [result] = store.find('"git reset" undo', 10)[0]
    assert 1 <= len(result.hits) <= 3
    assert {h.seq for h in result.hits} == {1, 2}
    assert result.score > 0
    assert all(h.session.ulid == "git" for h in result.hits)
    assert all(h.highlights for h in result.hits)


def test_filters_exclusions_and_the_trash(store, history):
    assert ulids(store.find("cache", 10, project="/home/ann/src/api")[0]) in (
        ["ci", "cache2"],
        ["cache2", "ci"],
    )
    assert ulids(store.find("cache", 10, source="codex")[0]) == ["cache2"]
    assert ulids(store.find("cache -lockfile", 10)[0]) == ["cache2"]
    store.delete_session(history["cache2"].id)
    assert ulids(store.find("cache", 10)[0]) == ["ci"]


def test_since_and_until_bound_the_turns_that_count(store, history):
    found, _ = store.find("zanzibar", 10, since=0, until=1)
    assert found == []  # the title alone does not count in a time window
    assert ulids(store.find("undo", 10, since=0)[0]) == ["git"]
    assert store.find("undo", 10, until=0)[0] == []


def test_limit_and_a_query_with_no_word(store, history):
    assert len(store.find("the", 1)[0]) == 1  # only framing words: they are kept
    with pytest.raises(InvalidParams):
        store.find("!!", 10)


@pytest.mark.parametrize("word", ["最新", "アップデート", "分析", "状態", "最"])
def test_cjk_words_are_found_by_their_characters(store, history, word):
    hits = store.search(word, 10)
    assert [h.session.ulid for h in hits][:1] == ["jp"]
    assert hits[0].highlights
    shown = hits[0].snippet[hits[0].highlights[0][0] : hits[0].highlights[0][1]]
    assert shown == word
    assert ulids(store.find(word, 10)[0])[:1] == ["jp"]


def test_cjk_titles_and_mixed_words(store):
    s = store.start_session("t", ulid="mixed")
    store.append(s.id, "prompt", "Python3で実行した")
    store.rename_session(s.id, "データ分析の手順")
    assert [h.seq for h in store.search("python3", 5)] == [1]
    assert [h.seq for h in store.search("実行", 5)] == [1]
    assert ulids(store.find("分析", 5)[0]) == ["mixed"]
    store.rename_session(s.id, None)
    assert store.find("分析", 5)[0] == []  # the old title left the index
    store.delete_session(s.id)
    assert store.purge([s.id]) == 1
    assert store.search("実行", 5) == []
