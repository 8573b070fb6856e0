"""Group commit keeps the contract: every answered append is durable, seqs
are 1..N with no gap, and a read sees every append sent before it."""

from __future__ import annotations

import sqlite3

import pytest

from support.speed import Daemon, append, req

# slow: many processes and thousands of requests; out of the fast loop.
pytestmark = pytest.mark.slow


def test_answered_appends_survive_sigkill(tmp_path):
    db = str(tmp_path / "kill.db")
    daemon = Daemon(db)
    try:
        daemon.initialize()
        session = daemon.call(1, "session/start", {"cliVersion": "speed-test"})
        n = 20_000
        daemon.write_in_background(
            b"".join(append(100 + i, session["id"], f"event {i} " + "x" * 100) for i in range(n))
        )
        answered = daemon.read(500)
    finally:
        daemon.kill()
    seqs = {}
    for answer in answered:
        assert "result" in answer, answer
        seqs[answer["id"] - 100] = answer["result"]["seq"]
    # Answers come in request order, seq i+1 for the i-th append.
    assert seqs == {i: i + 1 for i in range(len(answered))}

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = dict(
            conn.execute("SELECT seq, text FROM events WHERE session_id = ?", (session["id"],))
        )
        count = conn.execute(
            "SELECT event_count FROM sessions WHERE id = ?", (session["id"],)
        ).fetchone()[0]
    finally:
        conn.close()
    for i, seq in seqs.items():
        assert stored.get(seq) == f"event {i} " + "x" * 100, f"answered seq {seq} was lost"
    # Whatever else was committed before the kill is whole: 1..count, no gap.
    assert sorted(stored) == list(range(1, count + 1))
    assert count >= len(answered)


def test_pipelined_appends_are_answered_seq_1_to_n(tmp_path):
    db = str(tmp_path / "pipe.db")
    daemon = Daemon(db)
    try:
        daemon.initialize()
        sid = daemon.call(1, "session/start", {"cliVersion": "speed-test"})["id"]
        n = 10_000
        daemon.write_in_background(b"".join(append(100 + i, sid, f"t{i}") for i in range(n)))
        answers = daemon.read(n)
        # One answer per request, and seqs allocated in the order sent.
        seq_of = {a["id"]: a["result"]["seq"] for a in answers}
        assert seq_of == {100 + i: i + 1 for i in range(n)}
        assert all(a["result"]["createdAt"].endswith("Z") for a in answers)
        assert daemon.call(2, "session/count", {"sessionId": sid}) == {"count": n}
        events = daemon.call(3, "session/events", {"sessionId": sid, "limit": 3})["events"]
        assert [(e["seq"], e["text"]) for e in events] == [
            (n - 2, f"t{n - 3}"),
            (n - 1, f"t{n - 2}"),
            (n, f"t{n - 1}"),
        ]
    finally:
        assert daemon.close() == 0


def test_reads_in_one_write_see_the_appends_before_them(tmp_path):
    daemon = Daemon(str(tmp_path / "order.db"))
    try:
        daemon.initialize()
        sid = daemon.call(1, "session/start", {"cliVersion": "speed-test"})["id"]
        batch = []
        for i in range(50):
            batch.append(append(1000 + 2 * i, sid, f"t{i}"))
            batch.append(req(1001 + 2 * i, "session/count", {"sessionId": sid}))
        daemon.write(b"".join(batch))
        answers = daemon.read(100)
        for i in range(50):
            assert answers[2 * i]["result"]["seq"] == i + 1
            assert answers[2 * i + 1] == {
                "jsonrpc": "2.0",
                "id": 1001 + 2 * i,
                "result": {"count": i + 1},
            }
    finally:
        assert daemon.close() == 0


def test_one_bad_append_in_a_group_fails_alone(tmp_path):
    daemon = Daemon(str(tmp_path / "mixed.db"), "--max-text-bytes", "64")
    try:
        daemon.initialize()
        sid = daemon.call(1, "session/start", {"cliVersion": "speed-test"})["id"]
        ended = daemon.call(2, "session/start", {"cliVersion": "speed-test"})["id"]
        daemon.call(3, "session/end", {"sessionId": ended})
        bad = [
            ({"sessionId": sid, "kind": "nonsense", "text": "x"}, -32602),
            ({"sessionId": True, "kind": "prompt", "text": "x"}, -32602),
            ({"sessionId": 1.0, "kind": "prompt", "text": "x"}, -32602),
            ({"sessionId": str(sid), "kind": "prompt", "text": "x"}, -32602),
            ({"sessionId": 0, "kind": "prompt", "text": "x"}, -32602),
            ({"sessionId": sid, "kind": "prompt"}, -32602),
            ({"sessionId": sid, "kind": "prompt", "text": 5}, -32602),
            ({"sessionId": sid, "kind": "prompt", "text": "\ud800"}, -32602),
            ({"sessionId": sid, "kind": "prompt", "text": "y" * 65}, 1004),
            ({"sessionId": 999, "kind": "prompt", "text": "x"}, 1001),
            ({"sessionId": ended, "kind": "prompt", "text": "x"}, 1003),
        ]
        batch = []
        for i, (params, _) in enumerate(bad):
            batch.append(append(100 + 2 * i, sid, f"good {i}"))
            batch.append(req(101 + 2 * i, "session/append", params))
        daemon.write(b"".join(batch))
        # JSON-RPC lets answers come in any order: match them by id.
        answers = {a["id"]: a for a in daemon.read(2 * len(bad))}
        assert sorted(answers) == list(range(100, 100 + 2 * len(bad)))
        for i, (params, code) in enumerate(bad):
            good, refused = answers[100 + 2 * i], answers[101 + 2 * i]
            assert good["result"]["seq"] == i + 1, good
            assert refused["error"]["code"] == code, (params, refused)
            assert refused["error"]["message"], refused
        events = daemon.call(4, "session/events", {"sessionId": sid, "limit": 100})["events"]
        assert [e["text"] for e in events] == [f"good {i}" for i in range(len(bad))]
    finally:
        assert daemon.close() == 0
