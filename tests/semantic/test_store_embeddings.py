"""The store's side of search by meaning, on each store (SQLite and
PostgreSQL, the root conftest's `store`): the space, the turns without a
vector, vectors written and read, removed with their turns, and the
sessions of the nearest turns within the filters; the same through the
store's reader."""

from __future__ import annotations

import attrs
import pytest

from sessiond.errors import StorageError
from sessiond.semantic import vectors
from sessiond.store.redact import scan
from support.semantic import fill

Q8, BITS = bytes(384), bytes(48)


def test_a_new_store_has_no_space_and_nothing_is_embedded(store) -> None:
    fill(store)
    assert store.embedding_space() is None
    assert store.embedding_counts() == (0, 8, 0)  # prompts and replies, not the command


def test_the_same_making_keeps_the_vectors_another_removes_them(store) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    assert made.created_at > 0 and made.model == vectors.space().model
    rows = store.unembedded(0, 100)
    assert store.put_embeddings([(e, Q8, BITS) for e, _ in rows], made.created_at) == 8
    again = store.make_embedding_space(vectors.space())
    assert again == made and store.embedding_counts()[0] == 8
    other = store.make_embedding_space(vectors.space(tokens=128))
    assert other.created_at > made.created_at and other.tokens == 128
    assert store.embedding_counts()[0] == 0
    # Vectors made for the old space are refused once it was made anew.
    assert store.put_embeddings([(rows[0][0], Q8, BITS)], made.created_at) == 0


def test_unembedded_turns_oldest_or_newest_first_within_bounds(store) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    every = store.unembedded(0, 100)
    ids = [e for e, _ in every]
    assert ids == sorted(ids) and len(ids) == 8
    assert [e for e, _ in store.unembedded(0, 3, newest_first=True)] == ids[::-1][:3]
    assert [e for e, _ in store.unembedded(ids[2], 100, below=ids[5])] == ids[3:5]
    store.put_embeddings([(ids[0], Q8, BITS)], made.created_at)
    assert [e for e, _ in store.unembedded(0, 100)] == ids[1:]
    assert every[0][1].startswith("the pipeline on main")


def test_bits_are_read_in_the_order_they_were_written(store) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    ids = [e for e, _ in store.unembedded(0, 100)]
    store.put_embeddings([(e, Q8, bytes([i]) * 48) for i, e in enumerate(ids[:5])], made.created_at)
    last, got, bits = store.embedding_bits(0, 3)
    assert got == ids[:3] and bits == b"".join(bytes([i]) * 48 for i in range(3))
    last, got, _ = store.embedding_bits(last, 100)
    assert got == ids[3:5]
    # A turn embedded again comes after the others, with its new bits.
    store.put_embeddings([(ids[0], Q8, b"\xff" * 48)], made.created_at)
    _, got, bits = store.embedding_bits(last, 100)
    assert got == [ids[0]] and bits == b"\xff" * 48
    assert store.embedding_q8([ids[1], 10**9]) == [(ids[1], Q8)]


def test_vectors_go_with_their_turns_when_the_trash_is_emptied(store) -> None:
    names = fill(store)
    made = store.make_embedding_space(vectors.space())
    rows = store.unembedded(0, 100)
    store.put_embeddings([(e, Q8, BITS) for e, _ in rows], made.created_at)
    store.delete_session(names["timezones"])
    assert store.purge([names["timezones"]]) == 1
    assert store.embedding_counts()[:2] == (6, 6)


def test_a_redacted_turn_loses_its_vector(store, open_db) -> None:
    keeping = open_db(keep_secrets=True)
    session = keeping.start_session("t")
    secret = "ghp_" + "abcdefghijkLMNOPQRS0123456789abcdefg"[:36]
    keeping.append(session.id, "prompt", f"db postgresql://bob:hunter2@db/app and {secret}")
    made = store.make_embedding_space(vectors.space())
    ((event_id, _),) = store.unembedded(0, 10)
    store.put_embeddings([(event_id, Q8, BITS)], made.created_at)
    store.redact_events(0, 100, scan)
    assert [e for e, _ in store.unembedded(0, 10)] == [event_id]


def test_vectors_of_turns_removed_meanwhile_are_left_out(store) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    assert store.put_embeddings([(10**6, Q8, BITS)], made.created_at) == 0


def test_find_near_ranks_sessions_by_their_nearest_turn_within_the_filters(store) -> None:
    names = fill(store)
    turns = {e: t for e, t in store.unembedded(0, 100)}
    by_text = {t[:12]: e for e, t in turns.items()}
    ci = by_text["the pipeline"]
    ci_reply = by_text["Restore the "]
    tz = by_text["timestamps f"]
    near = [(tz, 0.8), (ci, 0.7), (ci_reply, 0.6)]
    found = store.find_near(near, 10, query="speed up builds")
    assert [f.session.id for f in found] == [names["timezones"], names["ci-cache"]]
    assert found[0].score == 0.8 and [h.seq for h in found[1].hits] == [1, 2]
    assert (
        store.find_near(near, 10, query="x", project="/p/ci-cache")[0].session.id
        == (names["ci-cache"])
    )
    store.delete_session(names["timezones"])
    assert [f.session.id for f in store.find_near(near, 10, query="x")] == [names["ci-cache"]]
    assert store.find_near(near, 1, query="x")[0].session.id == names["ci-cache"]


def test_a_read_only_store_refuses_to_write_vectors(store, open_db) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    reading = open_db(read_only=True)
    assert reading.embedding_space() == made
    with pytest.raises(StorageError):
        reading.put_embeddings([(1, Q8, BITS)], made.created_at)
    with pytest.raises(StorageError):
        reading.make_embedding_space(vectors.space(tokens=128))
    assert store.embedding_space() == made


def test_the_space_round_trips(store) -> None:
    made = store.make_embedding_space(vectors.space())
    assert attrs.evolve(made, created_at=0) == vectors.space()


def test_the_reader_reads_what_the_store_keeps(store) -> None:
    names = fill(store)
    made = store.make_embedding_space(vectors.space())
    ids = [e for e, _ in store.unembedded(0, 100)]
    store.put_embeddings(
        [(e, bytes([i]) * 384, bytes([i]) * 48) for i, e in enumerate(ids)], made.created_at
    )
    reader = store.reader()
    assert reader is not None
    try:
        assert reader.embedding_space() == made
        assert reader.embedding_bits(0, 100) == store.embedding_bits(0, 100)
        last, got, _ = reader.embedding_bits(0, 100)
        assert got == ids and reader.embedding_bits(last, 100) == (last, [], b"")
        assert sorted(reader.embedding_q8(ids[:2])) == [(ids[0], bytes(384)), (ids[1], b"\1" * 384)]
        near = [(ids[0], 0.9), (ids[2], 0.5)]
        assert [f.session.id for f in reader.find_near(near, 10, query="pipeline")] == [
            names["ci-cache"],
            names["timezones"],
        ]
        store.delete_session(names["ci-cache"])
        assert [f.session.id for f in reader.find_near(near, 10, query="x")] == [names["timezones"]]
    finally:
        reader.close()


def test_a_turn_given_twice_keeps_its_last_vector(store) -> None:
    fill(store)
    made = store.make_embedding_space(vectors.space())
    a, b = [e for e, _ in store.unembedded(0, 2)]
    kept = store.put_embeddings(
        [(a, Q8, b"\1" * 48), (b, Q8, b"\2" * 48), (a, Q8, b"\3" * 48)], made.created_at
    )
    assert kept in (2, 3)  # SQLite counts the replaced row, PostgreSQL each turn once
    _, got, bits = store.embedding_bits(0, 100)
    assert got == [b, a] and bits == b"\2" * 48 + b"\3" * 48
