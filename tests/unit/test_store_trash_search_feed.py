"""The store's version-2 parts through its interface, on every backend: titles, previews, the
trash, search with its filters, the change feed, and the import methods."""

from __future__ import annotations

import datetime

import pytest

from sessiond.errors import InvalidParams, SessionEnded, SessionNotFound
from sessiond.models import rfc3339
from sessiond.store import Added, Changed, ImportedEvent, ImportedSession, Started


def ms(stamp: str) -> int:
    return int(datetime.datetime.fromisoformat(stamp).timestamp() * 1000)


def test_rename_sets_and_clears_a_title(store):
    s = store.start_session("t")
    assert store.rename_session(s.id, "Coffee").title == "Coffee"
    assert store.get_session(s.ulid).title == "Coffee"
    assert store.rename_session(s.id, None).title is None
    with pytest.raises(SessionNotFound):
        store.rename_session(999, "x")


def test_trash_leaves_lists_last_and_search_but_not_reads(store):
    kept = store.start_session("t")
    store.append(kept.id, "prompt", "kept coffee")
    gone = store.start_session("t")
    store.append(gone.id, "prompt", "trashed coffee")
    deleted = store.delete_session(gone.id)
    assert deleted.deleted_at is not None and deleted.ended_at == deleted.deleted_at
    assert [s.id for s in store.list_sessions(10)] == [kept.id]
    assert [s.id for s in store.list_sessions(10, deleted=True)] == [gone.id]
    assert store.count_sessions() == 1 and store.count_sessions(deleted=True) == 1
    assert store.last_session().id == kept.id
    assert [h.session.id for h in store.search("coffee", 10)] == [kept.id]
    # Still readable whole.
    assert store.get_session(gone.ulid).deleted_at == deleted.deleted_at
    assert [e.text for e in store.events(gone.id, 10)] == ["trashed coffee"]
    assert store.find_sessions(gone.ulid[:20])[0].id == gone.id
    with pytest.raises(SessionEnded, match="trash"):
        store.append(gone.id, "prompt", "more")
    # Idempotent both ways, and restore brings it back whole (still ended).
    assert store.delete_session(gone.id) == deleted
    restored = store.restore_session(gone.id)
    assert restored.deleted_at is None and restored.ended_at == deleted.ended_at
    assert store.restore_session(gone.id) == restored
    assert {h.session.id for h in store.search("coffee", 10)} == {kept.id, gone.id}


def test_trash_lists_most_recently_deleted_first(store):
    a, b = store.start_session("a"), store.start_session("b")
    store.delete_session(b.id)
    store.delete_session(a.id)
    trash = store.list_sessions(10, deleted=True)
    assert {s.id for s in trash} == {a.id, b.id}
    keys = [(s.deleted_at, s.id) for s in trash]
    assert keys == sorted(keys, reverse=True)


def test_purge_removes_only_trashed_sessions_with_their_index(store):
    live = store.start_session("t")
    store.append(live.id, "prompt", "needle in a live session")
    parent = store.start_session("t", ulid="PARENT")
    store.append(parent.id, "prompt", "needle in the parent")
    child = store.start_session("t", parent_ulid="PARENT")
    store.end_session(parent.id)
    store.delete_session(parent.id)
    assert store.purge([parent.id, live.id, 424242]) == 1  # live is not in the trash
    assert store.get_session("PARENT") is None
    assert store.session_by_id(child.id).parent_ulid is None
    assert [h.session.id for h in store.search("needle", 10)] == [live.id]
    # Ids are never reused, even for the newest rows removed.
    again = store.start_session("t")
    assert again.id > child.id


def test_search_filters(store):
    a = store.start_session("t")
    b = store.start_session("t")
    first = store.append(a.id, "prompt", "deploy the service")
    store.append(a.id, "system", "deploy done")
    store.append(b.id, "prompt", "deploy again")
    assert {(h.session.id, h.seq) for h in store.search("deploy", 10, session_id=a.id)} == {
        (a.id, 1),
        (a.id, 2),
    }
    assert [h.kind for h in store.search("deploy", 10, kinds=["system"])] == ["system"]
    assert store.search("deploy", 10, kinds=[]) == []
    t0 = ms(first.created_at)
    assert len(store.search("deploy", 10, since=t0)) == 3
    assert store.search("deploy", 10, until=t0) == []
    assert store.search("deploy", 0) == []
    with pytest.raises(InvalidParams):
        store.search("-deploy", 10)


def test_search_ranks_best_first_ties_newest_first(store):
    s = store.start_session("t")
    store.append(
        s.id, "prompt", "a long text about many things and also a kettle " + "filler " * 50
    )
    store.append(s.id, "prompt", "kettle kettle kettle")
    store.append(s.id, "prompt", "kettle")
    store.append(s.id, "prompt", "kettle")
    hits = store.search("kettle", 10)
    assert hits[0].seq == 2  # most kettle, shortest: best bm25
    assert [h.seq for h in hits[1:3]] == [4, 3]  # equal texts: newest first
    assert hits[-1].seq == 1


def test_a_hit_is_found_as_soon_as_its_append_returns(store):
    s = store.start_session("t")
    for i in range(50):
        store.append(s.id, "prompt", f"word{i} zebra")
        assert store.search(f"word{i}", 1)[0].seq == i + 1


def test_preview_comes_from_the_first_prompt_even_in_a_batch(store):
    s = store.start_session("t")
    store.append_many(
        [(s.id, "system", "hello"), (s.id, "prompt", "first  one"), (s.id, "prompt", "second")]
    )
    assert store.session_by_id(s.id).preview == "first one"


def test_feed_gives_every_change_once_in_commit_order(store):
    feed = store.feed()
    try:
        assert feed.poll() == []
        s = store.start_session("t")
        store.append(s.id, "prompt", "one")
        store.rename_session(s.id, "Titled")
        store.append_many([(s.id, "system", "two"), (s.id, "prompt", "three")])
        store.end_session(s.id)
        store.end_session(s.id)  # no change: no notification
        got = feed.poll()
        kinds = [
            (type(c).__name__, c.event.seq) if isinstance(c, Added) else type(c).__name__
            for c in got
        ]
        assert kinds == ["Started", ("Added", 1), "Changed", ("Added", 2), ("Added", 3), "Changed"]
        assert isinstance(got[-1], Changed) and got[-1].session.ended_at is not None
        assert feed.poll() == []
    finally:
        feed.close()


def test_feed_reads_other_connections_and_pages_without_losing_order(open_db):
    reader, writer = open_db(), open_db()
    feed = reader.feed()
    s = writer.start_session("w")
    writer.append_many([(s.id, "prompt", f"e{i}") for i in range(25)])
    writer.delete_session(s.id)
    writer.append_many([])
    seen = []
    while True:
        page = feed.poll(limit=7)
        seen += page
        if not feed.more and not page:
            break
    assert isinstance(seen[0], Started)
    assert [c.event.seq for c in seen if isinstance(c, Added)] == list(range(1, 26))
    assert isinstance(seen[-1], Changed) and seen[-1].session.deleted_at is not None
    feed.close()


def test_import_keeps_the_source_times_ids_and_title(store):
    base = 1_700_000_000_000
    session, created = store.import_session(
        ImportedSession("claude-abc", "claude-code 2.0.14", base, title="Fix the build")
    )
    assert created and session.started_at == rfc3339(base) and session.title == "Fix the build"
    events = [
        ImportedEvent("prompt", "why is it red", base + 1),
        ImportedEvent("system", "a typo", base + 2),
    ]
    assert (
        store.import_events(
            session.id, events, ended_at=base + 3, checkpoint=("claude-code", "/x.jsonl", "2")
        )
        == 2
    )
    assert store.get_import_state("claude-code", "/x.jsonl") == "2"
    stored = store.events(session.id, 10)
    assert [(e.seq, e.kind, e.created_at) for e in stored] == [
        (1, "prompt", rfc3339(base + 1)),
        (2, "system", rfc3339(base + 2)),
    ]
    again, created = store.import_session(ImportedSession("claude-abc", "claude-code 2.0.14", base))
    assert not created and again.id == session.id and again.preview == "why is it red"
    assert again.ended_at == rfc3339(base + 3)
    # Incremental: appended after the stored events, also to an ended session.
    store.import_events(session.id, [ImportedEvent("prompt", "and now?", base + 10)])
    assert store.count(session.id) == 3
    child, _ = store.import_session(
        ImportedSession("claude-abc-agent", "claude-code", base + 5, parent_ulid="claude-abc")
    )
    assert child.parent_ulid == "claude-abc"
    assert [h.session.ulid for h in store.search("typo", 5)] == ["claude-abc"]
