"""PostgreSQL's own side of the vectors (the rest is
tests/semantic/test_store_embeddings.py, on both stores): writers take
turns, so a process reading the bits by row id never skips a row that
commits after one with a larger id; the schema keeps the bytes as given."""

from __future__ import annotations

import threading
import time

from sessiond.semantic import vectors
from sessiond.store import open_store
from sessiond.store.postgres.migrations import EMBED_LOCK
from support.postgres import need_psycopg
from support.semantic import fill

psycopg = need_psycopg()

Q8 = bytes(range(128)) * 3


def waiting_for_the_lock(url: str) -> bool:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND classid = %s::bigint::oid",
            (EMBED_LOCK,),
        ).fetchone()
    return bool(row and row[0])


def test_a_writer_waits_for_the_one_before_so_ids_follow_commits(postgres_url):
    with open_store(postgres_url) as store:
        fill(store)
        made = store.make_embedding_space(vectors.space())
        (a, _), (b, _) = store.unembedded(0, 2)
        # A first writer, mid-transaction: it holds the lock and a row id.
        first = psycopg.connect(postgres_url)
        try:
            first.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (EMBED_LOCK,)
            )
            first.execute(
                "INSERT INTO embeddings (event_id, q8, bits) VALUES (%s, %s, %s)",
                (a, Q8, b"\x01" * 48),
            )
            second = open_store(postgres_url)
            done: list[int] = []
            writer = threading.Thread(
                target=lambda: done.append(
                    second.put_embeddings([(b, Q8, b"\x02" * 48)], made.created_at)
                )
            )
            writer.start()
            deadline = time.monotonic() + 30
            while not waiting_for_the_lock(postgres_url):  # the condition, polled
                assert time.monotonic() < deadline and writer.is_alive()
                time.sleep(0.01)
            # Nothing of either is readable while the first is open.
            assert store.embedding_bits(0, 10) == (0, [], b"")
            first.commit()
        finally:
            first.close()
        writer.join(30)
        second.close()
        assert done == [1]
        _, ids, bits = store.embedding_bits(0, 10)
        assert ids == [a, b] and bits == b"\x01" * 48 + b"\x02" * 48
        assert store.embedding_q8([a, b]) in ([(a, Q8), (b, Q8)], [(b, Q8), (a, Q8)])


def test_the_space_keeps_its_bytes_and_its_scale_exactly(postgres_url):
    with open_store(postgres_url) as store:
        made = store.make_embedding_space(vectors.space())
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT scale, mean FROM embedding_space").fetchone()
    assert row is not None and row[0] == vectors.SCALE and bytes(row[1]) == vectors.mean_bytes()
    assert made.scale == vectors.SCALE
