"""The daemon with search by meaning: `initialize` says whether it is on; a
new turn is found by words at once and by meaning within seconds (the
background embedder, a child process, hands its vector to the daemon, which
writes it); `words: true` turns meaning off; the embedder ends with the
daemon, also when the daemon is killed."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from sessiond.semantic import indexing, model
from sessiond.store import SqliteStore
from support.daemon import TIMEOUT, Daemon
from support.semantic import fill, without_extra

# A turn about something no session of the history is about, and a question
# for it in other words.
NEW = "the kettle whistles and then the stove turns itself off when the water boils"
ASKED = "appliance that shuts down automatically once liquid reaches a high temperature"
DEADLINE_S = 90.0  # a loaded CI machine: the model's load and a batch


def indexed(tmp_path: Path) -> str:
    db = str(tmp_path / "history.db")
    store = SqliteStore(db)
    fill(store)
    indexing.index(store, model.documents(), indexing.prepare(store))
    store.close()
    return db


def semantic_said(result: dict) -> bool:
    return bool(result["capabilities"]["experimental"]["sessiond"]["semantic"])


def children(pid: int) -> set[int]:
    found = set()
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found |= {int(c) for c in f.read().split()}
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def found_first(daemon, query: str, **extra) -> str | None:
    results = daemon.call("session/find", {"query": query, "limit": 3, **extra})["results"]
    return results[0]["session"]["ulid"] if results else None


def test_a_store_without_vectors_says_no_meaning(tmp_path: Path) -> None:
    with Daemon(tmp_path / "new.db") as daemon:
        assert daemon.initialize()["capabilities"]["experimental"]["sessiond"]["semantic"] is False
        assert daemon.stop() == 0


def test_words_must_be_true_or_false(tmp_path: Path) -> None:
    from support.daemon import RpcError

    with Daemon(tmp_path / "new.db") as daemon:
        daemon.initialize()
        with pytest.raises(RpcError) as refused:
            daemon.call("session/find", {"query": "x", "words": "yes"})
        assert refused.value.code == -32602 and "words" in str(refused.value.message)
        answer = daemon.call("session/find", {"query": "x", "words": True})
        assert answer == {"results": [], "relaxed": False}
        assert daemon.stop() == 0


@pytest.mark.slow
def test_a_new_turn_is_found_by_words_at_once_and_by_meaning_within_seconds(
    tmp_path: Path,
) -> None:
    db = indexed(tmp_path)
    with Daemon(db) as daemon:
        assert semantic_said(daemon.initialize())
        session = daemon.call("session/start", {"cliVersion": "test"})
        daemon.call("session/append", {"sessionId": session["id"], "kind": "prompt", "text": NEW})
        # By words: at once.
        hits = daemon.call("session/search", {"query": "kettle whistles", "limit": 5})["hits"]
        assert [h["session"]["ulid"] for h in hits] == [session["ulid"]]
        # By meaning: once its vector is written (the condition, polled).
        deadline = time.monotonic() + DEADLINE_S
        while found_first(daemon, ASKED) != session["ulid"]:
            assert time.monotonic() < deadline, "not found by meaning in time"
            time.sleep(0.1)
        workers = children(daemon.proc.pid)
        assert len(workers) == 1
        # By words alone it is not what comes first.
        assert found_first(daemon, ASKED, words=True) != session["ulid"]
        assert daemon.stop() == 0
    for pid in workers:
        assert not alive(pid), "the embedder outlived the daemon"


@pytest.mark.slow
def test_the_embedder_ends_when_the_daemon_is_killed(tmp_path: Path) -> None:
    db = indexed(tmp_path)
    with Daemon(db) as daemon:
        daemon.initialize()
        session = daemon.call("session/start", {"cliVersion": "test"})
        daemon.call("session/append", {"sessionId": session["id"], "kind": "prompt", "text": NEW})
        deadline = time.monotonic() + DEADLINE_S
        while not children(daemon.proc.pid):
            assert time.monotonic() < deadline, "no embedder started"
            time.sleep(0.05)
        (worker,) = children(daemon.proc.pid)
        os.kill(daemon.proc.pid, signal.SIGKILL)
        daemon.proc.wait(TIMEOUT)
    deadline = time.monotonic() + DEADLINE_S
    while alive(worker):
        assert time.monotonic() < deadline, "the embedder outlived the killed daemon"
        time.sleep(0.05)


def test_without_the_extra_the_daemon_says_no_meaning_and_finds_by_words(tmp_path: Path) -> None:
    db = indexed(tmp_path)
    from support.daemon import request_bytes

    frames = b"".join(
        [
            request_bytes(1, "initialize", {"capabilities": {}}),
            request_bytes(2, "session/find", {"query": "autovacuum", "limit": 3}),
            request_bytes(3, "shutdown"),
            request_bytes(None, "exit"),
        ]
    )
    done = without_extra("--db", db, stdin=frames.decode())
    assert done.returncode == 0, done.stderr
    assert '"semantic":false' in done.stdout
    assert '"relaxed":false' in done.stdout and "orders table" in done.stdout
