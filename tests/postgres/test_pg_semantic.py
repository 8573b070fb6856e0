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
        indexing.index(store, model.shared(), indexing.prepare(store))
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
