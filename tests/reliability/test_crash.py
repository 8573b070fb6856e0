"""Crashes: SIGKILL at random points of a pipelined write stream, 50 rounds.

Each round starts a daemon on the same file (so every round also proves the
daemon reopens what the last kill left), streams appends and milestones in
random bursts, and kills it once a random number of answers came back, while
more requests are still in flight. After each kill: the file passes
`PRAGMA integrity_check`, every answered append is stored at the seq it was
answered with, every answered milestone holds its value, and seq runs 1..N.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from support.daemon import Daemon, connect, integrity, request_bytes, started

# SIGKILL at many random points: about 25 s.
pytestmark = pytest.mark.slow


ROUNDS = 50
STREAM = 600  # requests per round at most; the kill comes before the end of most


def _seed() -> int:
    return int(os.environ.get("RELIABILITY_SEED", time.time_ns() % 2**32))


def _stream(
    daemon: Daemon,
    rng: random.Random,
    sessions: list[int],
    tag: int,
    killed: threading.Event,
    sent: dict[int, tuple[str, int, str]],
) -> None:
    """Write bursts until the stream ends or the daemon is killed."""
    n = 0
    while n < STREAM and not killed.is_set():
        burst = []
        for _ in range(rng.randint(1, 80)):
            msg_id = daemon.next_id()
            if rng.random() < 0.05:
                key, value = f"m{tag}-{n % 3}", f"r{tag} #{n}"
                sent[msg_id] = ("milestone", 0, f"{key}={value}")
                burst.append(request_bytes(msg_id, "milestone/set", {"key": key, "value": value}))
            else:
                sid = rng.choice(sessions)
                text = f"r{tag} #{n} " + "x" * rng.choice((0, 10, 3000))
                sent[msg_id] = ("append", sid, text)
                params = {"sessionId": sid, "kind": "system", "text": text}
                burst.append(request_bytes(msg_id, "session/append", params))
            n += 1
        data = b"".join(burst)
        partial = rng.random() < 0.03  # sometimes end on a half-written frame
        if partial:
            data += request_bytes(daemon.next_id(), "session/append", {})[: rng.randint(1, 30)]
        try:
            daemon.send(data)
        except (BrokenPipeError, ValueError):
            return
        if partial:
            return


def _check(
    db: Path,
    appended: dict[str, tuple[int, int]],
    milestones: dict[str, list[str]],
    sessions: list[int],
) -> None:
    assert integrity(db) == "ok"
    with contextlib.closing(connect(db)) as conn:
        stored = {
            t: (sid, seq)
            for sid, seq, t in conn.execute("SELECT session_id, seq, text FROM events")
        }
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        assert len(stored) == total, "an append was stored twice"
        for text, where in appended.items():
            assert stored.get(text) == where, f"answered append lost or moved: {text[:40]!r}"
        values = dict(conn.execute("SELECT key, value FROM milestones"))
        for key, allowed in milestones.items():
            assert values.get(key) in allowed, (key, values.get(key), allowed)
        for sid in sessions:
            seqs = [
                s
                for (s,) in conn.execute(
                    "SELECT seq FROM events WHERE session_id = ? ORDER BY seq", (sid,)
                )
            ]
            count = conn.execute(
                "SELECT event_count FROM sessions WHERE id = ?", (sid,)
            ).fetchone()[0]
            assert seqs == list(range(1, count + 1))


def _kill_round(
    daemon: Daemon, rng: random.Random, sessions: list[int], tag: int
) -> tuple[dict[int, tuple[str, int, str]], dict[int, dict[str, Any]]]:
    """Stream, SIGKILL after a random number of answers; (sent, answers)."""
    sent: dict[int, tuple[str, int, str]] = {}
    killed = threading.Event()
    writer = threading.Thread(target=_stream, args=(daemon, rng, sessions, tag, killed, sent))
    kill_after = rng.randint(0, STREAM // 2)

    def time_to_kill() -> bool:
        got = daemon.count_answers()
        return got >= kill_after or (not writer.is_alive() and got >= len(sent))

    writer.start()
    try:
        daemon.wait_for(time_to_kill, what=f"{kill_after} answers")
    finally:
        daemon.kill()
        killed.set()
        writer.join(30)
    return sent, daemon.answers()


def test_sigkill_at_random_points_loses_no_answered_write(tmp_path: Path) -> None:
    seed = _seed()
    rng = random.Random(seed)
    db = tmp_path / "crash.db"
    with started(db) as setup:
        sessions = [setup.call("session/start", {"cliVersion": "crash"})["id"] for _ in range(3)]
        setup.stop()
    appended: dict[str, tuple[int, int]] = {}
    # key -> the last answered value and every value sent after it (not
    # answered, but perhaps committed before the kill)
    milestones: dict[str, list[str]] = {}
    survived = 0
    for tag in range(ROUNDS):
        with started(db) as daemon:
            # The reopened daemon counts at least every answered append.
            for sid in sessions:
                expected = sum(1 for s, _ in appended.values() if s == sid)
                assert daemon.call("session/count", {"sessionId": sid})["count"] >= expected
            sent, answers = _kill_round(daemon, rng, sessions, tag)
        for msg_id in sorted(sent):  # ids grow in the order the requests were sent
            what, sid, text = sent[msg_id]
            reply = answers.get(msg_id)
            assert reply is None or "error" not in reply, (seed, reply)
            if what == "append" and reply is not None:
                appended[text] = (sid, reply["result"]["seq"])
            elif what == "milestone":
                key, _, value = text.partition("=")
                if reply is not None:
                    milestones[key] = [value]
                elif key in milestones:
                    milestones[key].append(value)
        _check(db, appended, milestones, sessions)
        survived += 1
    assert survived == ROUNDS
    print(
        f"\ncrash: {survived} SIGKILL rounds survived, {len(appended)} answered appends kept "
        f"(seed {seed})"
    )
