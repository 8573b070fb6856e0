"""Every store method and rule through the store interface, on each backend.

Written for PostgreSQL (issue 15), run on SQLite too: both stores must
answer alike, so every test here asserts the contract, not an engine.
"""

from __future__ import annotations

import pytest

from sessiond.errors import (
    InvalidParams,
    PayloadTooLarge,
    SessionEnded,
    SessionExists,
    SessionNotFound,
    StorageError,
)
from sessiond.models import Appended
from sessiond.store import ImportedEvent, ImportedSession

HOSTILE = "nul \x00 soh \x01 \x01\x01 '; DROP TABLE events; -- \\ \u202e \U0001f600 ß"


def test_start_end_rename(store):
    s = store.start_session("cli 1", engine_base_url="http://e")
    assert (s.cli_version, s.engine_base_url, s.ended_at, s.event_count) == (
        "cli 1",
        "http://e",
        None,
        0,
    )
    assert (s.title, s.preview, s.deleted_at, s.parent_ulid) == (None, None, None, None)
    assert len(s.ulid) == 26 and s.started_at.endswith("Z")
    assert store.get_session(s.ulid) == s == store.session_by_id(s.id)
    ended = store.end_session(s.id)
    assert ended.ended_at is not None and ended.started_at <= ended.ended_at
    assert store.end_session(s.id) == ended
    renamed = store.rename_session(s.id, "A title")
    assert renamed.title == "A title" and store.rename_session(s.id, "A title") == renamed
    assert store.rename_session(s.id, None).title is None
    for call in (store.end_session, store.delete_session, store.restore_session):
        with pytest.raises(SessionNotFound, match="no session has the id 4242"):
            call(4242)
    with pytest.raises(SessionNotFound):
        store.rename_session(2**70, "x")
    with pytest.raises(SessionNotFound):
        store.session_by_id(-(2**70))


def test_given_ulid_parent_and_conflicts(store):
    parent = store.start_session("v", ulid="PARENT")
    child = store.start_session("v", parent_ulid="PARENT")
    assert child.parent_ulid == parent.ulid
    with pytest.raises(SessionExists, match="'PARENT' already exists"):
        store.start_session("v", ulid="PARENT")
    with pytest.raises(SessionNotFound, match="parentUlid"):
        store.start_session("v", parent_ulid="MISSING")
    assert store.list_sessions(10) == [child, parent]
    assert store.get_session("parent") is None  # ulids are case-sensitive


def test_strings_round_trip_exactly(store):
    """Any string the contract allows comes back as it went in, NUL included."""
    s = store.start_session(HOSTILE, ulid="U-1", engine_base_url=HOSTILE)
    assert (s.cli_version, s.engine_base_url) == (HOSTILE, HOSTILE)
    store.append(s.id, "prompt", HOSTILE)
    store.append(s.id, "system", "\x00")
    assert [e.text for e in store.events(s.id, 10)] == [HOSTILE, "\x00"]
    assert store.rename_session(s.id, HOSTILE).title == HOSTILE
    assert store.session_by_id(s.id).preview == " ".join(HOSTILE.split())
    store.set_milestone(HOSTILE, HOSTILE)
    assert store.get_milestone(HOSTILE) == HOSTILE
    assert store.get_milestone(HOSTILE + "x") is None
    store.set_import_state(HOSTILE, "\x00", HOSTILE)
    assert store.get_import_state(HOSTILE, "\x00") == HOSTILE
    assert store.get_import_state(HOSTILE, "\x01") is None


def test_append_rules_and_outcomes(store):
    live, ended, trashed = (store.start_session("v") for _ in range(3))
    store.end_session(ended.id)
    store.delete_session(trashed.id)
    outcomes = store.append_many(
        [
            (live.id, "prompt", "a"),
            (ended.id, "prompt", "b"),
            (trashed.id, "prompt", "c"),
            (999, "prompt", "d"),
            (2**70, "prompt", "e"),
            (live.id, "bad", "f"),
            (live.id, "prompt", "\ud800"),
            (live.id, "system", "g"),
        ]
    )
    kinds = [type(o) for o in outcomes]
    assert kinds == [
        Appended,
        SessionEnded,
        SessionEnded,
        SessionNotFound,
        SessionNotFound,
        InvalidParams,
        InvalidParams,
        Appended,
    ]
    assert "has ended" in str(outcomes[1]) and "in the trash" in str(outcomes[2])
    assert [o.seq for o in outcomes if isinstance(o, Appended)] == [1, 2]
    assert [e.text for e in store.events(live.id, 10)] == ["a", "g"]
    assert store.count(ended.id) == 0 and store.count(trashed.id) == 0
    assert store.append_many([]) == []


def test_batch_spanning_sessions_keeps_item_order(store):
    a, b = store.start_session("v"), store.start_session("v")
    items = [(a.id if n % 3 else b.id, "system", f"t{n}") for n in range(30)]
    outcomes = store.append_many(items)
    seqs = {a.id: 0, b.id: 0}
    for (sid, _, _), outcome in zip(items, outcomes, strict=True):
        seqs[sid] += 1
        assert isinstance(outcome, Appended) and outcome.seq == seqs[sid]
    times = [o.created_at for o in outcomes if isinstance(o, Appended)]
    assert times == sorted(times)  # one clock, in item order
    assert [e.text for e in store.events(b.id, 100)] == [t for s, _, t in items if s == b.id]


def test_payload_limit(open_db):
    store = open_db(max_text_bytes=4)
    s = store.start_session("v")
    store.append(s.id, "prompt", "abcd")
    with pytest.raises(PayloadTooLarge, match="5 bytes"):
        store.append(s.id, "prompt", "abcé")
    with pytest.raises(PayloadTooLarge):
        store.set_milestone("k", "12345")
    with pytest.raises(PayloadTooLarge):
        store.import_events(s.id, [ImportedEvent("prompt", "12345", 0)])
    assert store.count(s.id) == 1 and store.get_milestone("k") is None


def test_events_paging_and_after(store):
    s = store.start_session("v")
    for n in range(1, 8):
        store.append(s.id, "system", f"t{n}")
    assert [e.seq for e in store.events(s.id, 3)] == [5, 6, 7]
    assert [e.seq for e in store.events(s.id, 3, before_seq=5)] == [2, 3, 4]
    assert [e.seq for e in store.events(s.id, 10, before_seq=2**70)] == list(range(1, 8))
    assert [e.seq for e in store.events_after(s.id, 5, 10)] == [6, 7]
    assert [e.seq for e in store.events_after(s.id, -5, 2)] == [1, 2]
    assert store.events(s.id, 0) == [] and store.events_after(4242, 0, 0) == []
    empty = store.start_session("v")
    assert store.events(empty.id, 10) == []
    for call in (lambda: store.events(4242, 1), lambda: store.events_after(4242, 0, 1)):
        with pytest.raises(SessionNotFound):
            call()


def test_list_count_last_and_prefix(store):
    assert store.last_session() is None and store.count_sessions() == 0
    made = [store.start_session("v", ulid=u) for u in ("ABC_1", "ABC_2", "ABCX", "ABD")]
    assert store.list_sessions(10) == sorted(made, key=lambda s: (s.started_at, s.id))[::-1]
    assert store.last_session() == made[-1] and store.list_sessions(0) == []
    assert store.find_sessions("ABC_1") == [made[0]]
    assert store.find_sessions("ABC_", limit=10) == made[:2]  # '_' is not a wildcard
    assert store.find_sessions("ABC", limit=10) == [made[2], made[0], made[1]]  # ulid order
    assert store.find_sessions("abc") == [] and store.find_sessions("Q") == []
    store.delete_session(made[3].id)
    assert store.count_sessions() == 3 and store.count_sessions(deleted=True) == 1
    assert store.find_sessions("ABD") == [store.session_by_id(made[3].id)]


def test_preview_is_the_first_prompt_with_words(store):
    s = store.start_session("v")
    store.append(s.id, "system", "banner")
    store.append(s.id, "prompt", "   \n\t ")  # no words: no preview yet
    assert store.session_by_id(s.id).preview is None
    store.append_many([(s.id, "prompt", "  the\n\tquestion  " * 30), (s.id, "prompt", "later")])
    assert store.session_by_id(s.id).preview == ("the question " * 10)[:120]


def test_the_trash(store):
    keep, gone = store.start_session("v"), store.start_session("v")
    store.append(gone.id, "prompt", "findable words")
    child = store.start_session("v", parent_ulid=gone.ulid)
    deleted = store.delete_session(gone.id)
    assert deleted.deleted_at is not None and deleted.ended_at == deleted.deleted_at
    assert store.delete_session(gone.id) == deleted
    assert gone.id not in [s.id for s in store.list_sessions(10)]
    assert store.list_sessions(10, deleted=True) == [deleted]
    assert store.last_session().id == child.id
    assert store.search("findable", 10) == []
    assert store.get_session(gone.ulid) == deleted
    assert [e.text for e in store.events(gone.id, 10)] == ["findable words"]
    restored = store.restore_session(gone.id)
    assert restored.deleted_at is None and restored.ended_at == deleted.ended_at
    assert store.restore_session(gone.id) == restored
    assert [h.seq for h in store.search("findable", 10)] == [1]
    assert store.purge([gone.id]) == 0  # not in the trash: kept
    store.delete_session(gone.id)
    assert store.purge([gone.id, keep.id, 4242, 2**70]) == 1
    assert store.get_session(gone.ulid) is None
    assert store.session_by_id(child.id).parent_ulid is None
    assert store.list_sessions(10, deleted=True) == [] and store.search("findable", 10) == []
    assert store.purge([]) == 0


def test_import_is_idempotent_and_keeps_source_times(store):
    source = ImportedSession("src-1", "tool 2.0", 1_700_000_000_000, title="From the tool")
    made, created = store.import_session(source)
    assert created and made.started_at == "2023-11-14T22:13:20.000Z"
    assert made.title == "From the tool" and made.cli_version == "tool 2.0"
    assert store.import_session(source) == (made, False)
    events = [
        ImportedEvent("system", "hello", 1_700_000_000_500),
        ImportedEvent("prompt", "  first   question ", 1_700_000_001_000),
    ]
    count = store.import_events(
        made.id, events, ended_at=1_700_000_002_000, checkpoint=("tool", "file", "2")
    )
    assert count == 2 and store.get_import_state("tool", "file") == "2"
    again = store.session_by_id(made.id)
    assert again.preview == "first question" and again.ended_at == "2023-11-14T22:13:22.000Z"
    more = store.import_events(made.id, [ImportedEvent("system", "later", 1_700_000_003_000)])
    assert more == 3  # appended after the ones imported, even though ended
    assert [e.created_at for e in store.events(made.id, 10)] == [
        "2023-11-14T22:13:20.500Z",
        "2023-11-14T22:13:21.000Z",
        "2023-11-14T22:13:23.000Z",
    ]
    with pytest.raises(SessionNotFound):
        store.import_events(4242, events)
    with pytest.raises(InvalidParams):
        store.import_events(made.id, [ImportedEvent("nonsense", "x", 0)])
    assert store.count(made.id) == 3


def test_import_titles_and_sub_sessions(store):
    plain, _ = store.import_session(ImportedSession("main", "tool", 0))
    assert plain.title is None
    titled, created = store.import_session(ImportedSession("main", "tool", 0, title="Later"))
    assert not created and titled.title == "Later"
    store.rename_session(plain.id, "Mine")
    kept, _ = store.import_session(ImportedSession("main", "tool", 0, title="Other"))
    assert kept.title == "Mine"  # a person's name wins over the source's
    side, _ = store.import_session(ImportedSession("side", "tool", 5, parent_ulid="main"))
    assert side.parent_ulid == "main"
    with pytest.raises(SessionNotFound):
        store.import_session(ImportedSession("orphan", "tool", 5, parent_ulid="nowhere"))
    store.set_import_state("tool", "k", "1")
    store.set_import_state("tool", "k", "2")
    assert store.get_import_state("tool", "k") == "2"


def test_two_stores_share_seq_and_see_each_other(open_db):
    one, two = open_db(), open_db()
    s = one.start_session("v")
    seqs = [(one if n % 2 else two).append(s.id, "prompt", str(n)).seq for n in range(10)]
    assert seqs == list(range(1, 11))
    assert two.session_by_id(s.id).event_count == 10


def test_read_only_store_refuses_writes(open_db):
    writer = open_db()
    s = writer.start_session("v")
    writer.append(s.id, "prompt", "hello")
    reader = open_db(read_only=True)
    assert [e.text for e in reader.events(s.id, 10)] == ["hello"]
    assert [h.seq for h in reader.search("hello", 5)] == [1]
    for write in (
        lambda: reader.start_session("v"),
        lambda: reader.append(s.id, "prompt", "x"),
        lambda: reader.end_session(s.id),
        lambda: reader.set_milestone("k", "v"),
        lambda: reader.set_import_state("a", "b", "c"),
    ):
        with pytest.raises(StorageError, match="read-only"):
            write()
    assert writer.count(s.id) == 1


def test_a_huge_text_of_distinct_words_is_stored_and_found(open_db):
    """More distinct words than a tsvector holds: the text is stored whole
    (its opening searchable), never refused."""
    import random
    import string

    store = open_db(max_text_bytes=3 * 2**20)
    rng = random.Random(7)
    words = ["".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(300_000)]
    text = " ".join(words)
    s = store.start_session("v")
    assert store.append(s.id, "system", text).seq == 1
    assert store.append(s.id, "system", "x" * 5000 + " after a very long word").seq == 2
    assert store.events(s.id, 1, before_seq=2)[0].text == text
    assert [h.seq for h in store.search(words[0], 5)] == [1]
    assert [h.seq for h in store.search(f'"{words[1]} {words[2]}"', 5)] == [1]
    assert [h.seq for h in store.search("after", 5)] == [2]
