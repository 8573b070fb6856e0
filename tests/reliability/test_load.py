"""Load: 8 daemons append at once, pipelined, to one shared session and to
a session each, while two more daemons list and tail. Every answered append
is stored exactly once at the seq it was answered with, seq runs 1..N in
every session, and nobody gets a StorageError under the busy timeout.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import pytest

from support.daemon import TIMEOUT, Daemon, connect, integrity, request_bytes, started

# Eight pipelining writers with readers: several seconds.
pytestmark = pytest.mark.slow


WRITERS = 8
APPENDS = 2000  # per writer and per session: 2,000 to the shared one, 2,000 to its own
BURST = 250  # requests written at once: the daemon group-commits what arrives together


def _write(daemon: Daemon, shared: int, own: int, tag: int) -> dict[int, tuple[int, str]]:
    """Pipeline every append; return {request id: (session id, text)}."""
    sent: dict[int, tuple[int, str]] = {}
    chunk: list[bytes] = []
    for i in range(APPENDS):
        for session_id in (shared, own):
            msg_id = daemon.next_id()
            text = f"w{tag} s{session_id} #{i}"
            sent[msg_id] = (session_id, text)
            params = {"sessionId": session_id, "kind": "prompt", "text": text}
            chunk.append(request_bytes(msg_id, "session/append", params))
        if len(chunk) >= BURST:
            daemon.send(b"".join(chunk))
            chunk.clear()
    daemon.send(b"".join(chunk))
    return sent


def _read_while(daemon: Daemon, shared: int, done: threading.Event, seen: list[str]) -> None:
    """List and tail until the writers are done; each tail must be gapless."""
    while not done.is_set():
        sessions = daemon.call("session/list", {"limit": 20})["sessions"]
        assert len(sessions) == WRITERS + 1
        events = daemon.call("session/events", {"sessionId": shared, "limit": 50})["events"]
        seqs = [e["seq"] for e in events]
        if seqs:
            assert seqs == list(range(seqs[-1] - len(seqs) + 1, seqs[-1] + 1)), seqs
        seen.append(f"{len(sessions)} sessions, tail up to {seqs[-1] if seqs else 0}")


def test_eight_writers_pipelined_while_readers_list_and_tail(tmp_path: Path) -> None:
    db = tmp_path / "load.db"
    with started(db) as setup:
        shared = setup.call("session/start", {"cliVersion": "load"})["id"]
        own = [setup.call("session/start", {"cliVersion": "load"})["id"] for _ in range(WRITERS)]
        setup.stop()

    writers = [started(db) for _ in range(WRITERS)]
    readers = [started(db) for _ in range(2)]
    done = threading.Event()
    seen: list[str] = []
    failures: list[BaseException] = []

    def reader(daemon: Daemon) -> None:
        try:
            _read_while(daemon, shared, done, seen)
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    reader_threads = [threading.Thread(target=reader, args=(r,)) for r in readers]
    sent: list[dict[int, tuple[int, str]]] = [{} for _ in writers]

    def writer(n: int) -> None:
        try:
            sent[n] = _write(writers[n], shared, own[n], n)
        except BaseException as exc:
            failures.append(exc)

    writer_threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    try:
        for thread in reader_threads + writer_threads:
            thread.start()
        for thread in writer_threads:
            thread.join(TIMEOUT * 10)
        assert not failures, failures
        answers: list[dict[int, dict]] = []  # type: ignore[type-arg]
        for daemon, requests in zip(writers, sent, strict=True):
            answers.append({msg_id: daemon.answer(msg_id, TIMEOUT * 10) for msg_id in requests})
    finally:
        done.set()
        for thread in reader_threads:
            thread.join(TIMEOUT)
        for daemon in writers + readers:
            daemon.close()
    assert not failures, failures
    assert seen, "the readers never got an answer while the writers ran"

    errors = [a["error"] for got in answers for a in got.values() if "error" in a]
    assert errors == [], errors[:5]

    # Every answered append is in the file once, at the seq it was answered with.
    with contextlib.closing(connect(db)) as conn:
        stored = {
            text: (session_id, seq)
            for session_id, seq, text in conn.execute("SELECT session_id, seq, text FROM events")
        }
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        counts = dict(conn.execute("SELECT id, event_count FROM sessions"))
        seqs = {
            sid: [s for (s,) in conn.execute("SELECT seq FROM events WHERE session_id = ?", (sid,))]
            for sid in [shared, *own]
        }
    answered = 0
    for requests, got in zip(sent, answers, strict=True):
        for msg_id, (session_id, text) in requests.items():
            assert stored[text] == (session_id, got[msg_id]["result"]["seq"])
            answered += 1
    assert answered == total == WRITERS * APPENDS * 2  # no duplicates, nothing extra
    assert sorted(seqs[shared]) == list(range(1, WRITERS * APPENDS + 1))
    for sid in own:
        assert sorted(seqs[sid]) == list(range(1, APPENDS + 1))
    assert counts[shared] == WRITERS * APPENDS
    assert integrity(db) == "ok"
    print(f"\nload: {answered} appends answered and stored, {len(seen)} reads meanwhile")
