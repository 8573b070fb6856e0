"""The store in-process: the contract on every backend (the root conftest's
`store` and `open_db`), and SQLite's own files (`SqliteStore`, by path)."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessiond.errors import (
    InvalidParams,
    PayloadTooLarge,
    SessionEnded,
    SessionExists,
    SessionNotFound,
    StorageError,
)
from sessiond.models import EVENT_KINDS, Appended
from sessiond.store import SqliteStore as Store


def test_file_settings(tmp_path):
    path = tmp_path / "a" / "b" / "s.db"
    with Store(str(path)) as s:
        conn = s.conn
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        s.start_session("v")  # makes the -wal and -shm files
        for suffix in ("", "-wal", "-shm"):
            assert stat.S_IMODE(os.stat(f"{path}{suffix}").st_mode) == 0o600
    for folder in (tmp_path / "a", tmp_path / "a" / "b"):
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700


def test_existing_folders_are_left_alone(tmp_path):
    os.chmod(tmp_path, 0o755)
    Store(str(tmp_path / "s.db")).close()
    assert stat.S_IMODE(os.stat(tmp_path).st_mode) == 0o755


def test_sessions_lifecycle(store):
    s = store.start_session("cli 1", engine_base_url="http://e")
    assert (s.id, s.cli_version, s.engine_base_url, s.ended_at, s.event_count) == (
        1,
        "cli 1",
        "http://e",
        None,
        0,
    )
    assert len(s.ulid) == 26
    assert store.get_session(s.ulid) == s
    ended = store.end_session(s.id)
    assert ended.ended_at is not None and ended.started_at <= ended.ended_at
    assert store.end_session(s.id) == ended
    with pytest.raises(SessionNotFound):
        store.end_session(99)


def test_given_ulid_and_parent(store):
    parent = store.start_session("v", ulid="PARENT")
    child = store.start_session("v", parent_ulid="PARENT")
    assert child.parent_ulid == parent.ulid
    with pytest.raises(SessionExists):
        store.start_session("v", ulid="PARENT")
    with pytest.raises(SessionNotFound):
        store.start_session("v", parent_ulid="MISSING")
    assert store.list_sessions(10) == [child, parent]


def test_append_rules(store):
    s = store.start_session("v")
    assert [store.append(s.id, "prompt", str(n)).seq for n in range(3)] == [1, 2, 3]
    assert store.count(s.id) == 3
    with pytest.raises(InvalidParams):
        store.append(s.id, "nonsense", "x")
    with pytest.raises(InvalidParams):
        store.append(s.id, "prompt", "\ud800")
    with pytest.raises(SessionNotFound):
        store.append(12345, "prompt", "x")
    store.end_session(s.id)
    with pytest.raises(SessionEnded):
        store.append(s.id, "prompt", "x")
    assert store.count(s.id) == 3


def test_payload_limit(open_db):
    store = open_db(max_text_bytes=4)
    s = store.start_session("v")
    store.append(s.id, "prompt", "abcd")
    with pytest.raises(PayloadTooLarge):
        store.append(s.id, "prompt", "abcé")  # 5 bytes
    with pytest.raises(PayloadTooLarge):
        store.set_milestone("k", "12345")
    assert store.count(s.id) == 1


def test_group_append_gives_each_item_its_outcome(store):
    live = store.start_session("v")
    ended = store.start_session("v")
    store.end_session(ended.id)
    outcomes = store.append_many(
        [
            (live.id, "prompt", "a"),
            (ended.id, "prompt", "b"),
            (999, "prompt", "c"),
            (live.id, "bad", "d"),
            (live.id, "system", "e"),
        ]
    )
    assert [type(o) for o in outcomes] == [
        Appended,
        SessionEnded,
        SessionNotFound,
        InvalidParams,
        Appended,
    ]
    assert [o.seq for o in outcomes if isinstance(o, Appended)] == [1, 2]
    assert [e.text for e in store.events(live.id, 10)] == ["a", "e"]


def test_events_paging(store):
    s = store.start_session("v")
    for n in range(1, 8):
        store.append(s.id, EVENT_KINDS[n % len(EVENT_KINDS)], f"t{n}")
    assert [e.seq for e in store.events(s.id, 3)] == [5, 6, 7]
    assert [e.seq for e in store.events(s.id, 3, before_seq=5)] == [2, 3, 4]
    assert store.events(s.id, 0) == []
    assert store.events(424242, 0) == []
    with pytest.raises(SessionNotFound):
        store.events(424242, 1)


def test_list_order_and_last(store):
    assert store.last_session() is None
    made = [store.start_session("v") for _ in range(5)]
    listed = store.list_sessions(10)
    assert listed == sorted(made, key=lambda s: (s.started_at, s.id), reverse=True)
    assert store.last_session() == listed[0]
    assert store.list_sessions(0) == []


def test_prefix_lookup(store):
    a = store.start_session("v", ulid="ABC_1")
    store.start_session("v", ulid="ABC_2")
    store.start_session("v", ulid="ABCX")
    assert store.find_sessions("ABC_1") == [a]
    assert len(store.find_sessions("ABC_")) == 2  # '_' is not a wildcard here
    assert store.find_sessions("ABCX") != [] and store.find_sessions("Q") == []


def test_preview_is_the_first_prompt_folded_and_cut(store):
    s = store.start_session("v")
    assert s.preview is None
    store.append(s.id, "system", "banner")
    assert store.session_by_id(s.id).preview is None
    store.append(s.id, "prompt", "  the\n\tquestion  " * 30)
    store.append(s.id, "prompt", "a later prompt")
    preview = store.session_by_id(s.id).preview
    assert preview == ("the question " * 10)[:120]
    assert len(preview) == 120


def test_milestones(store):
    assert store.get_milestone("k") is None
    store.set_milestone("k", "1")
    store.set_milestone("k", "2")
    assert store.get_milestone("k") == "2"


def test_two_stores_on_one_database_share_seq(open_db):
    one, two = open_db(), open_db()
    s = one.start_session("v")
    seqs = [(one if n % 2 else two).append(s.id, "prompt", str(n)).seq for n in range(10)]
    assert seqs == list(range(1, 11))


def test_locked_past_the_busy_timeout_is_a_storage_error(tmp_path):
    path = str(tmp_path / "s.db")
    with Store(path, busy_timeout_s=0.05) as store:
        s = store.start_session("v")
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(StorageError, match="locked"):
                store.append(s.id, "prompt", "x")
            assert store.count(s.id) == 0  # reads go on while the writer waits
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        assert store.append(s.id, "prompt", "x").seq == 1


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(EVENT_KINDS), st.text(max_size=30)),
        max_size=40,
    )
)
def test_seq_is_gapless_per_session(store, ops):
    # One store for every example: each example starts sessions of its own.
    ids = [store.start_session("v").id for _ in range(3)]
    expected: dict[int, list[tuple[str, str]]] = {i: [] for i in ids}
    for which, kind, text in ops:
        store.append(ids[which], kind, text)
        expected[ids[which]].append((kind, text))
    for sid in ids:
        events = store.events(sid, 10_000)
        assert [e.seq for e in events] == list(range(1, len(expected[sid]) + 1))
        assert [(e.kind, e.text) for e in events] == expected[sid]
        assert store.count(sid) == len(expected[sid])


def test_damage_met_at_run_time_stops_all_writes(tmp_path):
    """A file too large to quick_check on open is refused writes once damage shows."""
    from sessiond.store.sqlite.files import QUICK_CHECK_MAX_BYTES

    path = tmp_path / "big.db"
    with Store(str(path), max_text_bytes=2**21) as store:
        s = store.start_session("v")
        for n in range(QUICK_CHECK_MAX_BYTES // 2**20 + 8):
            store.append(s.id, "system", chr(65 + n % 26) * 2**20)
    size = path.stat().st_size
    assert size > QUICK_CHECK_MAX_BYTES
    with open(path, "r+b") as f:  # wreck a stretch of overflow pages in the middle
        f.seek(size // 2)
        f.write(b"\xde\xad\xbe\xef" * (2**20))
    with Store(str(path), max_text_bytes=2**21) as store:
        with pytest.raises(StorageError, match="corrupt"):
            store.events(s.id, 10_000)
        with pytest.raises(StorageError, match="will not write"):
            store.append(s.id, "prompt", "after the damage")
        assert store.count(s.id) >= 1  # what can be read is still served
