"""Search by meaning on PostgreSQL, end to end with real processes:
`sessiond index` embeds a schema's turns, then `sessiond serve` on the same
schema says meaning search is on and `session/find` answers questions asked
in other words; the trash leaves them. The URI is given in the environment
(SESSIOND_DB), never on a command line."""

from __future__ import annotations

import os
import sys
import time

import pytest

from sessiond.store import open_store
from support import cli
from support.postgres import need_psycopg
from support.semantic import PARAPHRASES, fill

need_psycopg()
pytest.importorskip("numpy")

# A turn about something no session of the history is about, and a question
# for it in other words (as tests/semantic/test_daemon.py asks on SQLite).
NEW = "the kettle whistles and then the stove turns itself off when the water boils"
ASKED = "appliance that shuts down automatically once liquid reaches a high temperature"
DEADLINE_S = 90.0  # a loaded CI machine: the model's load and a batch


def children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found |= {int(c) for c in f.read().split()}
    return found


def asked(peer, query: str, **extra) -> list[str]:
    results = peer.call("session/find", {"query": query, "limit": 3, **extra})["results"]
    return [r["session"]["project"] for r in results]


def test_index_then_find_by_meaning_through_the_daemon(postgres_url):
    from bench.rpc import Peer

    with open_store(postgres_url) as store:
        names = fill(store)
    env = {"SESSIOND_DB": postgres_url}
    done = cli.run("index", env=env)
    assert done.returncode == 0, done.stderr
    assert "Embedded 8 turns" in done.stdout and "8 of 8 turns" in done.stdout
    again = cli.run("index", env=env)
    assert again.returncode == 0 and "Every turn is searchable by meaning (8)" in again.stdout
    with open_store(postgres_url) as store:
        assert store.embedding_counts() == (8, 8, store.newest_event_id())

    peer = Peer([sys.executable, "-m", "sessiond", "serve"], env={**os.environ, **env})
    try:
        caps = peer.initialize()["capabilities"]["experimental"]["sessiond"]
        assert caps["semantic"] is True
        for question, name in PARAPHRASES.items():
            assert asked(peer, question)[:1] == [f"/p/{name}"], question
            # By words alone, the question finds nothing of it first.
            assert asked(peer, question, words=True)[:1] != [f"/p/{name}"], question
        # Within a project filter, and never from the trash.
        question = next(q for q, n in PARAPHRASES.items() if n == "timezones")
        assert asked(peer, question, project="/p/css-layout")[:1] == ["/p/css-layout"]
        peer.call("session/delete", {"sessionId": names["timezones"]})
        assert "/p/timezones" not in asked(peer, question)
    finally:
        assert peer.close() == 0


@pytest.mark.slow
def test_a_new_turn_is_found_by_meaning_through_the_background_embedder(postgres_url):
    """The daemon's embedder (a child process) opens the schema from its
    environment and hands back the vectors, which the daemon writes."""
    from bench.rpc import Peer

    from sessiond.semantic import indexing, model

    with open_store(postgres_url) as store:
        fill(store)
        indexing.index(store, model.documents(), indexing.prepare(store))
    env = {**os.environ, "SESSIOND_DB": postgres_url}
    peer = Peer([sys.executable, "-m", "sessiond", "serve"], env=env)
    try:
        assert peer.initialize()["capabilities"]["experimental"]["sessiond"]["semantic"] is True
        session = peer.call("session/start", {"cliVersion": "test", "project": "/p/kettle"})
        peer.call("session/append", {"sessionId": session["id"], "kind": "prompt", "text": NEW})
        # By meaning: once its vector is written (the condition, polled).
        deadline = time.monotonic() + DEADLINE_S
        while asked(peer, ASKED)[:1] != ["/p/kettle"]:
            assert time.monotonic() < deadline, "not found by meaning in time"
            time.sleep(0.1)
        assert asked(peer, ASKED, words=True)[:1] != ["/p/kettle"]
        (worker,) = children(peer.pid)
        with open(f"/proc/{worker}/cmdline", "rb") as f:
            assert b"postgresql" not in f.read()
    finally:
        assert peer.close() == 0


def vector_rows(url: str) -> int | None:
    """Rows of pgvector's table in the store's schema; None when there is none."""
    import psycopg

    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('embedding_vectors')").fetchone() == (None,):
            return None
        row = conn.execute("SELECT count(*) FROM embedding_vectors").fetchone()
        return int(row[0]) if row else None


def need_pgvector(url: str) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone()
    if found is None:
        why = "pgvector is not installed in the test database (.ci/postgres.sh installs it)"
        if os.environ.get("SESSIOND_REQUIRE_POSTGRES") == "1":
            pytest.fail(why)
        pytest.skip(why)


def test_with_pgvector_the_server_finds_the_nearest_turns(postgres_url):
    import psycopg

    from sessiond.semantic import hybrid, indexing, model, vectors

    need_pgvector(postgres_url)
    with open_store(postgres_url) as store:
        names = fill(store)
        kept = indexing.prepare(store)
        assert indexing.index(store, model.documents(), kept) == 8
        rows = vector_rows(postgres_url)  # (the URL holds a password: not in a message)
        assert rows == 8
        assert hybrid._server_side(store, kept) is True
        for question, name in PARAPHRASES.items():
            vector = model.shared().embed([question])[0]
            ((q8, _bits),) = vectors.quantize(vector[None, :], kept)
            near = store.embedding_nearest(q8, 5)
            assert near is not None and len(near) == 5
            assert [s for _, s in near] == sorted((s for _, s in near), reverse=True)
            # The same nearest turn as the bits and int8 vectors give.
            index = vectors.BitIndex()
            index.refresh(store, kept)
            by_bits = vectors.nearest(store, index, kept, vector, 5)
            assert near[0][0] == by_bits[0][0], question
            found, _ = hybrid.find(store, question, 3)
            assert found[0].session.id == names[name], question
        # Purged for good: their vectors go with them.
        store.delete_session(names["timezones"])
        assert store.purge([names["timezones"]]) == 1
        rows = vector_rows(postgres_url)
        assert rows == 6
    # The server's HNSW index answers.
    with psycopg.connect(postgres_url) as conn:
        ext = conn.execute(
            "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'vector'"
        ).fetchone()[0]
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            f"EXPLAIN SELECT event_id FROM embedding_vectors ORDER BY v OPERATOR({ext}.<=>)"
            f" (SELECT v FROM embedding_vectors LIMIT 1) LIMIT 5"
        ).fetchall()
        assert any("embedding_vectors_near" in row[0] for row in plan)


def test_without_pgvector_the_bits_in_memory_answer(postgres_url, monkeypatch):
    from sessiond.semantic import hybrid, indexing, model
    from sessiond.store.postgres import embeddings

    # A server without pgvector (or a role that may not enable it).
    monkeypatch.setattr(embeddings, "_make_vectors", lambda conn, made: None)
    with open_store(postgres_url) as store:
        names = fill(store)
        kept = indexing.prepare(store)
        indexing.index(store, model.documents(), kept)
        rows = vector_rows(postgres_url)
        assert rows is None
        assert store.embedding_nearest(bytes(kept.dims), 1) is None
        assert hybrid._server_side(store, kept) is False
        for question, name in PARAPHRASES.items():
            found, _ = hybrid.find(store, question, 3)
            assert found[0].session.id == names[name], question
    monkeypatch.undo()
    # pgvector later: the next `sessiond index` makes its table from the
    # vectors already kept, embedding nothing again.
    if vector_rows(postgres_url) is None:
        with open_store(postgres_url) as store:
            import psycopg

            with psycopg.connect(postgres_url) as conn:
                has = conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
                if has.fetchone() is None:
                    return
            indexing.prepare(store)
        rows = vector_rows(postgres_url)
        assert rows == 8
