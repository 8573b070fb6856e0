"""`import_many`: many sessions' parts, in one transaction (SQLite) or each
in its own (the base class's, PostgreSQL's): the same outcome either way; a
part whose file's state moved leaves nothing behind, one whose session was
purged or is gone only its states (its file is read on past it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sessiond.store import SqliteStore
from sessiond.store.base import ImportedEvent, ImportedSession, ImportPart
from support.importing import PartByPart


@pytest.fixture(params=["one-transaction", "part-by-part"])
def store(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Any]:
    with SqliteStore(str(tmp_path / "s.db"), keep_secrets=True) as store:
        yield store if request.param == "one-transaction" else PartByPart(store)


def _session(ulid: str) -> ImportedSession:
    return ImportedSession(ulid, "tool 1", 1_700_000_000_000, source="tool")


def _events(*texts: str) -> list[ImportedEvent]:
    return [ImportedEvent("prompt", text, 1_700_000_000_000 + i) for i, text in enumerate(texts)]


def _state(store: Any, key: str) -> str | None:
    return store.get_import_state("tool", key)


def test_a_purged_or_gone_session_s_part_writes_its_states_alone(store):
    if True:
        gone = store.start_session("x", "gone")
        store.delete_session(gone.id)
        store.purge([gone.id])
        parts = [
            ImportPart(_events("alpha one"), session=_session("a"), states=[("tool", "f", "1")]),
            # removed for good earlier: not brought back; its file is read on
            ImportPart(
                _events("purged words"),
                session=_session("gone"),
                states=[("tool", "f", "2")],
                expect="1",
            ),
            # a session id no longer stored
            ImportPart(_events("lost words"), session_id=424242, states=[("tool", "g", "x")]),
            ImportPart(
                _events("gamma two", "gamma three"),
                session=_session("c"),
                states=[("tool", "f", "3")],
                expect="2",  # what the parts before it left
            ),
        ]
        done = store.import_many(parts)

        assert [d.problem for d in done] == [None, "purged", "gone", None]
        assert [d.count for d in done] == [1, 0, 0, 2]
        assert _state(store, "f") == "3" and _state(store, "g") == "x"
        assert store.get_session("gone") is None
        texts = {hit.snippet for hit in store.search("words OR alpha OR gamma", 10)}
        assert texts == {"alpha one", "gamma two", "gamma three"}
        assert store.get_session("c").event_count == 2


def test_a_part_finding_its_files_state_moved_writes_nothing(store):
    if True:
        store.set_import_state("tool", "f", "another import's")
        done = store.import_many(
            [
                ImportPart(
                    _events("mine"), session=_session("a"), states=[("tool", "f", "1")], expect=None
                ),
                ImportPart((), states=[("tool", "f", "2")], expect="1"),
                ImportPart(
                    _events("other file"), session=_session("b"), states=[("tool", "h", "1")]
                ),
            ]
        )

        assert [d.problem for d in done] == ["moved", "moved", None]
        assert _state(store, "f") == "another import's" and _state(store, "h") == "1"
        assert store.get_session("a") is None and store.search("mine", 5) == []
        assert [hit.snippet for hit in store.search("other", 5)] == ["other file"]


def test_each_part_checks_the_state_the_parts_before_it_left(store):
    if True:
        store.set_import_state("tool", "f", "0")
        done = store.import_many(
            [  # each expects what the one before it leaves, the first nothing: not so
                ImportPart(
                    _events("one"), session=_session("a"), states=[("tool", "f", "1")], expect=None
                ),
                ImportPart(
                    _events("two"), session=_session("b"), states=[("tool", "f", "2")], expect="1"
                ),
            ]
        )
        assert [d.problem for d in done] == ["moved", "moved"]
        assert _state(store, "f") == "0" and store.get_session("a") is None

        done = store.import_many(
            [
                ImportPart(
                    _events("one"), session=_session("a"), states=[("tool", "f", "1")], expect="0"
                ),
                ImportPart(
                    _events("two"), session=_session("b"), states=[("tool", "f", "2")], expect="1"
                ),
                ImportPart(
                    _events("x"), session=_session("x"), states=[("tool", "f", "9")], expect="1"
                ),
                ImportPart(
                    _events("three"),
                    session=_session("c"),
                    states=[("tool", "f", "3"), ("tool", "title c", "C")],
                    expect="2",
                ),
            ]
        )
        assert [d.problem for d in done] == [None, None, "moved", None]
        assert _state(store, "f") == "3" and _state(store, "title c") == "C"
        assert store.get_session("x") is None
        assert [store.get_session(u).event_count for u in "abc"] == [1, 1, 1]


def test_a_commit_going_on_beside_is_seen_by_the_next_call_and_its_outcomes_kept(tmp_path):
    # SQLite's `import_many_later` leaves the word index and the commit to a
    # thread of their own: any call meanwhile waits for them, and the
    # outcomes stay for whoever sent the parts.
    with SqliteStore(str(tmp_path / "s.db"), keep_secrets=True) as store:
        parts = [ImportPart(_events("delta one", "delta two"), session=_session("d"))]
        outcomes = store.import_many_later(parts)
        assert store.get_session("d").event_count == 2  # waited for the commit
        assert [hit.snippet for hit in store.search("delta", 10)] == ["delta two", "delta one"]
        assert [(d.problem, d.count, d.created) for d in outcomes()] == [(None, 2, True)]


def test_a_commit_failing_beside_rolls_the_parts_back_and_says_why(tmp_path, monkeypatch):
    import sqlite3

    from sessiond.errors import StorageError
    from sessiond.store.sqlite import writes

    def full(conn: Any, before: int) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    with SqliteStore(str(tmp_path / "s.db"), keep_secrets=True) as store:
        with monkeypatch.context() as patched:
            patched.setattr(writes, "index_events_after", full)
            outcomes = store.import_many_later(
                [ImportPart(_events("lost"), session=_session("l"), states=[("tool", "f", "1")])]
            )
            with pytest.raises(StorageError, match="full"):
                outcomes()
        assert store.get_session("l") is None and _state(store, "f") is None
        # ... and the store goes on: the same parts again are stored whole.
        again = [ImportPart(_events("kept"), session=_session("l"), states=[("tool", "f", "1")])]
        assert [d.count for d in store.import_many(again)] == [1]
        assert [hit.snippet for hit in store.search("kept", 10)] == ["kept"]
