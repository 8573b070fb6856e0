"""The relevance benchmark's corpus (bench/relevance): its size, its answers,
the paraphrase rule, and that the stored files are what the generator makes."""

from __future__ import annotations

import re

import pytest
from bench.relevance import make
from bench.relevance.words import STOP, content_words, has_cjk, stem, words

from bench import relevance

ULID = re.compile(r"[0-9A-Za-z_-]{1,64}")
SOURCES = {
    "claude-code", "codex", "gemini-cli", "copilot-chat", "cursor", "opencode", "cline", "roo",
    "aider", "llm", "sessiond-chat", "vscode", "nvim",
}  # fmt: skip
KINDS = {"prompt", "system", "command"}


@pytest.fixture(scope="module")
def sessions() -> list[dict]:
    return relevance.sessions()


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return relevance.questions()


@pytest.fixture(scope="module")
def paraphrases() -> list[dict]:
    return relevance.paraphrases()


def test_sizes(sessions, questions, paraphrases):
    assert len(sessions) >= 400
    assert len(questions) >= 220
    assert len(paraphrases) >= 60
    titled = sum(1 for s in sessions if s["title"])
    assert len(sessions) / 4 <= titled <= len(sessions) / 2, titled
    cjk = [s for s in sessions if any(has_cjk(e["text"]) for e in s["events"])]
    assert 12 <= len(cjk) <= 20
    assert sum(1 for q in questions if q["kind"] == "cjk") >= 10


def test_sessions_are_valid_for_the_contract(sessions):
    ulids = [s["ulid"] for s in sessions]
    assert len(set(ulids)) == len(ulids)
    for s in sessions:
        assert ULID.fullmatch(s["ulid"]), s["ulid"]
        assert s["source"] in SOURCES
        assert s["project"] is None or s["project"].startswith("/")
        assert s["title"] is None or 1 <= len(s["title"]) <= 256
        assert 4 <= len(s["events"]) <= 30, s["key"]
        for e in s["events"]:
            assert e["kind"] in KINDS
            assert e["text"].strip()
    starts = [s["startedAt"] for s in sessions]
    assert starts == sorted(starts)


def test_every_answer_exists_and_questions_are_distinct(sessions, questions, paraphrases):
    ulids = {s["ulid"] for s in sessions}
    asked = [q["q"] for q in questions + paraphrases]
    assert len(set(asked)) == len(asked)  # the harness keys its answers by question
    for q in questions + paraphrases:
        assert q["answer"] in ulids, q
        assert q["q"].strip()
    assert {q["kind"] for q in paraphrases} == {"paraphrase"}
    assert {q["kind"] for q in questions} <= set(make.KINDS)


def test_paraphrases_share_no_content_word_with_their_answer(sessions, paraphrases):
    by_ulid = {s["ulid"]: s for s in sessions}
    for p in paraphrases:
        s = by_ulid[p["answer"]]
        texts = [s["title"] or ""] + [e["text"] for e in s["events"]]
        vocab = set().union(*(words(t) for t in texts))
        want = content_words(p["q"])
        assert want, p["q"]
        assert not want & STOP
        assert not want & vocab, (p["q"], sorted(want & vocab))
        # Stricter: no shared stem either (`cached` and `caching`).
        assert not {stem(w) for w in want} & {stem(w) for w in vocab}, p["q"]


def test_the_kinds_keep_their_promises(sessions, questions, paraphrases):
    broken, _ = make.problems(sessions, questions, paraphrases)
    assert broken == []


def test_the_stored_files_are_what_the_generator_makes(sessions, questions, paraphrases):
    built = make.build()
    assert built == (sessions, questions, paraphrases), (
        "bench/relevance/data is stale: run python -m bench.relevance.make"
    )
