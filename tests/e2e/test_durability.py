"""The store's promises across real processes: seq under concurrency, SIGKILL."""

from __future__ import annotations

import contextlib
import sqlite3
import threading

from support.rawpipe import INITIALIZE, Daemon, request


def appends(session_id: int, first_id: int, count: int, tag: str) -> bytes:
    return b"".join(
        request(
            first_id + n,
            "session/append",
            {"sessionId": session_id, "kind": "prompt", "text": f"{tag}-{n}"},
        )
        for n in range(count)
    )


def test_several_processes_share_one_session(tmp_path):
    db = str(tmp_path / "shared.db")
    first = Daemon(db=db)
    first.send(INITIALIZE)
    first.answer(0)
    session = first.call(1, "session/start", {"cliVersion": "v"})["result"]
    daemons = [first] + [Daemon(db=db) for _ in range(3)]
    per_process = 300
    try:
        for d in daemons[1:]:
            d.send(INITIALIZE)
            d.answer(0)
        # Everyone sends everything first, so the appends really interleave.
        for i, d in enumerate(daemons):
            d.send(appends(session["id"], 1000, per_process, f"p{i}"))
        seqs = {
            i: [d.answer(1000 + n, timeout=60)["result"]["seq"] for n in range(per_process)]
            for i, d in enumerate(daemons)
        }
    finally:
        for d in daemons:
            d.kill()
    total = per_process * len(daemons)
    everything = sorted(s for got in seqs.values() for s in got)
    assert everything == list(range(1, total + 1))
    for got in seqs.values():
        assert got == sorted(got), "one process's appends were numbered out of order"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT seq, text FROM events WHERE session_id = ? ORDER BY seq", (session["id"],)
        ).fetchall()
        count = conn.execute(
            "SELECT event_count FROM sessions WHERE id = ?", (session["id"],)
        ).fetchone()[0]
    assert [seq for seq, _ in rows] == list(range(1, total + 1))
    assert count == total
    for i, got in seqs.items():
        texts = {seq: text for seq, text in rows}
        assert [texts[s] for s in got] == [f"p{i}-{n}" for n in range(per_process)]


def test_every_answered_append_survives_sigkill(tmp_path):
    db = str(tmp_path / "killed.db")
    d = Daemon(db=db)
    answered: dict[int, int] = {}
    try:
        d.send(INITIALIZE)
        d.answer(0)
        session = d.call(1, "session/start", {"cliVersion": "v"})["result"]
        stream = appends(session["id"], 10_000, 5_000, "k")
        writer = threading.Thread(target=lambda: _send_quietly(d, stream), daemon=True)
        writer.start()
        while len(answered) < 500:
            reply = d.read(timeout=60)
            answered[reply["id"] - 10_000] = reply["result"]["seq"]
        d.proc.kill()  # SIGKILL, in the middle of the stream
        d.proc.wait()
        writer.join(timeout=30)
    finally:
        d.kill()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = dict(
            conn.execute(
                "SELECT seq, text FROM events WHERE session_id = ?", (session["id"],)
            ).fetchall()
        )
    for n, seq in answered.items():
        assert stored.get(seq) == f"k-{n}"
    assert sorted(stored) == list(range(1, len(stored) + 1))
    # The daemon opens the file again and goes on numbering after the last seq.
    again = Daemon(db=db)
    try:
        again.send(INITIALIZE)
        again.answer(0)
        r = again.call(
            2, "session/append", {"sessionId": session["id"], "kind": "prompt", "text": "after"}
        )
        assert r["result"]["seq"] == len(stored) + 1
    finally:
        again.kill()


def _send_quietly(d: Daemon, data: bytes) -> None:
    # The daemon is killed mid-stream: that is the point.
    with contextlib.suppress(BrokenPipeError, ValueError, OSError):
        d.send(data)
