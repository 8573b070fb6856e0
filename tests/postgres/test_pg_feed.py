"""The change feed: every change exactly once, in commit order, from any
store on the database; on PostgreSQL woken through LISTEN/NOTIFY and kept
whole across a lost connection."""

from __future__ import annotations

import random
import select
import time

import pytest

from sessiond.store import Added, Changed, Started


def drain(feed, *, until=None, timeout=20.0, limit=1000):
    """Poll until `until(changes)` holds (or, without it, until the feed has
    nothing more); waits on the feed's descriptor, never on a fixed sleep."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = feed.poll(limit=limit)
        got += page
        if until is None and not page and not feed.more:
            return got
        if until is not None and until(got):
            return got
        if not page and not feed.more:
            fd = feed.fileno()
            if fd is not None:
                select.select([fd], [], [], 0.5)
            else:  # reconnecting: the feed itself paces its attempts
                time.sleep(0.05)
    raise AssertionError(f"the feed gave {len(got)} changes before the timeout")


def check_exactly_once(changes, expected_counts):
    """Each session's events once, seq 1..n in order, after its Started."""
    seen: dict[int, list[int]] = {}
    started: set[int] = set()
    for change in changes:
        if isinstance(change, Started):
            assert change.session.id not in started
            started.add(change.session.id)
        elif isinstance(change, Added):
            assert change.event.session_id in started
            seen.setdefault(change.event.session_id, []).append(change.event.seq)
    assert {sid: seqs for sid, seqs in seen.items()} == {
        sid: list(range(1, n + 1)) for sid, n in expected_counts.items() if n
    }


def test_two_stores_one_feed_exactly_once_in_order(open_db):
    writer_a, writer_b, reader = open_db(), open_db(), open_db()
    feed = reader.feed()
    try:
        rng = random.Random(15)
        sessions = [writer_a.start_session("a"), writer_b.start_session("b")]
        counts = {s.id: 0 for s in sessions}
        renames = 0
        for step in range(120):
            writer = writer_a if step % 2 else writer_b
            s = rng.choice(sessions)
            if step % 17 == 0:
                writer.rename_session(s.id, f"t{step}")
                renames += 1
            batch = rng.randint(1, 4)
            writer.append_many([(s.id, "system", f"{step}.{i}") for i in range(batch)])
            counts[s.id] += batch
            if step == 60:
                sessions.append(writer.start_session("c"))
                counts[sessions[-1].id] = 0
        got = drain(feed, limit=rng.choice([3, 7, 50]))
        check_exactly_once(got, counts)
        assert sum(isinstance(c, Changed) for c in got) == renames
        # The text arrives whole, and pages of any size keep the order.
        texts = [c.event.text for c in got if isinstance(c, Added)]
        assert len(texts) == len(set(texts)) == sum(counts.values())
        assert feed.poll() == [] and not feed.more
    finally:
        feed.close()


def test_a_feed_starts_from_now(store):
    before = store.start_session("v")
    store.append(before.id, "prompt", "old")
    feed = store.feed()
    try:
        assert feed.poll() == []
        store.append(before.id, "prompt", "new")
        (added,) = drain(feed, until=lambda got: len(got) >= 1)
        assert added.event.text == "new" and added.event.seq == 2
    finally:
        feed.close()


def test_the_descriptor_wakes_on_another_stores_commit(postgres_url):
    from sessiond.store import open_store

    with open_store(postgres_url) as writer, open_store(postgres_url) as reader:
        feed = reader.feed()
        try:
            fd = feed.fileno()
            assert isinstance(fd, int)
            s = writer.start_session("v")
            readable, _, _ = select.select([fd], [], [], 10)
            assert readable, "no notification reached the feed's descriptor"
            assert [type(c) for c in feed.poll()] == [Started]
            writer.append(s.id, "prompt", "hello")
            readable, _, _ = select.select([fd], [], [], 10)
            assert readable
            assert [c.event.text for c in feed.poll()] == ["hello"]
        finally:
            feed.close()


def test_a_feed_loses_nothing_when_its_connection_is_killed(postgres_url, postgres_admin):
    from sessiond.store import open_store

    with open_store(postgres_url) as writer, open_store(postgres_url) as reader:
        feed = reader.feed()
        try:
            s = writer.start_session("v")
            writer.append_many([(s.id, "system", f"a{i}") for i in range(5)])
            first = drain(feed, until=lambda got: len(got) >= 6)
            pid = feed._conn.info.backend_pid  # this feed's own server process
            killed = postgres_admin.run(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE pid = %s AND application_name = 'sessiond feed'",
                (pid,),
            )
            assert killed == [(True,)]
            # Committed while the feed has no connection: kept in the log.
            writer.append_many([(s.id, "system", f"b{i}") for i in range(5)])
            writer.end_session(s.id)
            rest = drain(feed, until=lambda got: len(got) >= 6)
            check_exactly_once(first + rest, {s.id: 10})
            assert isinstance(rest[-1], Changed) and rest[-1].session.ended_at is not None
            assert drain(feed) == []
        finally:
            feed.close()


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_a_batch_bigger_than_the_page_is_cut_and_resumed(open_db, limit):
    writer, reader = open_db(), open_db()
    feed = reader.feed()
    try:
        s = writer.start_session("v")
        writer.append_many([(s.id, "system", str(i)) for i in range(12)])
        writer.end_session(s.id)
        pages = []
        while True:
            page = feed.poll(limit=limit)
            if not page and not feed.more:
                break
            assert len(page) <= limit or type(writer).__name__ == "SqliteStore"
            pages.append(page)
        got = [c for page in pages for c in page]
        assert [type(c).__name__ for c in got] == ["Started"] + ["Added"] * 12 + ["Changed"]
        assert [c.event.text for c in got if isinstance(c, Added)] == [str(i) for i in range(12)]
    finally:
        feed.close()
