"""Framing broken past repair: the daemon logs why and exits non-zero by
itself, runs nothing after the break, and what it answered before is stored.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
from pathlib import Path

import pytest
from daemon import TIMEOUT, events_of, frame, integrity, request_bytes, started
from hypothesis import given, settings
from hypothesis import strategies as st

APPEND = b'{"jsonrpc":"2.0","id":99,"method":"session/append","params":{"sessionId":1,"kind":"prompt","text":"after"}}'

BROKEN = {
    "no Content-Length": b"Content-Type: application/json\r\n\r\n{}",
    "a length that is not a number": b"Content-Length: 12a\r\n\r\n",
    "a negative length": b"Content-Length: -5\r\n\r\n",
    "a header line without a colon": b"hello there\r\n\r\n",
    "a header block that never ends": b"X-Long: " + b"x" * 9000,
    "a length shorter than the body": b"Content-Length: 20\r\n\r\n" + APPEND,
}


@pytest.mark.parametrize("name", BROKEN)
def test_broken_framing_stops_the_daemon_cleanly(tmp_path: Path, name: str) -> None:
    db = tmp_path / "broken.db"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "framing"})["id"]
        daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "before"})
        daemon.send(BROKEN[name] + frame(APPEND))  # stdin stays open: it must stop by itself
        code = daemon.wait(TIMEOUT)
        assert code not in (0, None)
        assert "broken" in daemon.stderr_text()
        assert daemon.stdout_error is None
    assert events_of(db, sid) == [(1, "prompt", "before")]
    assert integrity(db) == "ok"


@settings(max_examples=12, deadline=None)
@given(delta=st.integers(-40, 40).filter(bool), chunks=st.integers(1, 3))
def test_a_wrong_content_length_never_hangs_or_breaks_the_store(
    tmp_path_factory: pytest.TempPathFactory, delta: int, chunks: int
) -> None:
    db = tmp_path_factory.mktemp("wrong") / "wrong.db"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "framing"})["id"]
        body = json.dumps(
            {
                "jsonrpc": "2.0",
                "id": "bad",
                "method": "session/append",
                "params": {"sessionId": sid, "kind": "prompt", "text": "miscounted"},
            }
        ).encode()
        data = b"Content-Length: %d\r\n\r\n" % (len(body) + delta) + body
        data += b"".join(
            request_bytes(
                f"next-{n}", "session/append", {"sessionId": sid, "kind": "prompt", "text": f"n{n}"}
            )
            for n in range(chunks)
        )
        daemon.send(data)
        daemon.close_stdin()
        daemon.wait(TIMEOUT)  # it ends by itself, however the bytes were read
        for reply in daemon.take_all():
            assert reply.get("error", {}).get("code") != -32603, reply
        assert daemon.stdout_error is None
    assert integrity(db) == "ok"


def test_input_ending_inside_a_message_exits_non_zero(tmp_path: Path) -> None:
    with started(tmp_path / "cut.db") as daemon:
        daemon.send(b'Content-Length: 500\r\n\r\n{"jsonrpc":')
        daemon.close_stdin()
        code = daemon.wait(TIMEOUT)
        assert "ended in the middle of a message" in daemon.stderr_text()
        assert code != 0


def test_every_request_is_answered_before_the_daemon_exits(tmp_path: Path) -> None:
    """Pipelined appends, then shutdown and exit, all written before reading a
    byte: every append is stored, and every one must be answered too."""
    db = tmp_path / "drain.db"
    count = 2000
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "drain"})["id"]
        ids = [daemon.next_id() for _ in range(count)]
        params = {"sessionId": sid, "kind": "prompt", "text": "x" * 100}
        data = b"".join(request_bytes(i, "session/append", params) for i in ids)
        daemon.pause_reading()  # leave stdout unread until the daemon has exited
        daemon.send(data + request_bytes("bye", "shutdown") + request_bytes(None, "exit"))
        daemon.close_stdin()
        # A daemon that drops unsent answers exits now; one that drains its
        # output cannot exit before they are read, so this wait runs out.
        with contextlib.suppress(subprocess.TimeoutExpired):
            daemon.proc.wait(3)
        daemon.resume_reading()
        assert daemon.wait(TIMEOUT) == 0
        assert len(events_of(db, sid)) == count
        got = daemon.answers()
        assert sum(1 for i in ids if i in got) == count
