"""Framing broken past repair: the daemon logs why and exits non-zero by
itself, runs nothing after the break, and performs and answers everything
before it. Stdin and stdout of every kind a daemon is started with (pipes,
regular files, /dev/null) are served.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessiond.wire.framing import FrameDecoder
from support.daemon import SERVE, TIMEOUT, events_of, frame, integrity, request_bytes, started

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow

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


@pytest.mark.parametrize("name", BROKEN)
def test_requests_before_a_break_in_the_same_write_are_performed_and_answered(
    tmp_path: Path, name: str
) -> None:
    db = tmp_path / "before.db"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "framing"})["id"]
        params = {"sessionId": sid, "kind": "prompt", "text": "in the same write"}
        daemon.send(
            request_bytes("append", "session/append", params)
            + request_bytes("count", "session/count", {"sessionId": sid})
            + BROKEN[name]
            + frame(APPEND)
        )
        assert daemon.answer("append")["result"]["seq"] == 1
        assert daemon.answer("count")["result"] == {"count": 1}
        assert daemon.wait(TIMEOUT) == 2
        assert "broken" in daemon.stderr_text()
        assert daemon.stdout_error is None
    assert events_of(db, sid) == [(1, "prompt", "in the same write")]


def _requests() -> bytes:
    """A whole conversation, as a harness would put it in a file."""
    start = {"cliVersion": "from a file"}
    append = {"sessionId": 1, "kind": "prompt", "text": "stored"}
    return (
        request_bytes(1, "initialize", {"capabilities": {}})
        + request_bytes(2, "session/start", start)
        + request_bytes(3, "session/append", append)
        + request_bytes(4, "session/count", {"sessionId": 1})
        + request_bytes(5, "shutdown")
        + request_bytes(None, "exit")
    )


KINDS = [
    (stdin, stdout)
    for stdin in ("file", "devnull", "pipe")
    for stdout in ("pipe", "file", "devnull")
    if (stdin, stdout) != ("pipe", "pipe")  # every other test
]


@pytest.mark.parametrize(("stdin_kind", "stdout_kind"), KINDS)
def test_stdio_that_cannot_be_polled_is_served(
    tmp_path: Path, stdin_kind: str, stdout_kind: str
) -> None:
    """Service managers and harnesses start daemons with /dev/null or regular
    files as stdin and stdout; epoll refuses both (EPERM)."""
    db = tmp_path / "stdio.db"
    requests = tmp_path / "requests.bin"
    requests.write_bytes(_requests())
    out = tmp_path / "out.bin"
    with contextlib.ExitStack() as stack:
        stdin: Any = {
            "file": lambda: stack.enter_context(open(requests, "rb")),
            "devnull": lambda: subprocess.DEVNULL,
            "pipe": lambda: subprocess.PIPE,
        }[stdin_kind]()
        stdout: Any = {
            "file": lambda: stack.enter_context(open(out, "wb")),
            "devnull": lambda: subprocess.DEVNULL,
            "pipe": lambda: subprocess.PIPE,
        }[stdout_kind]()
        proc = stack.enter_context(
            subprocess.Popen(
                [*SERVE, "--db", str(db)], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE
            )
        )
        stack.callback(proc.kill)  # a daemon that hangs must not outlive the test
        written, log = proc.communicate(
            _requests() if stdin_kind == "pipe" else None, timeout=TIMEOUT
        )
    assert "Traceback" not in log.decode(), log.decode()
    assert proc.returncode == 0, log.decode()
    if stdout_kind == "file":
        written = out.read_bytes()
    if stdin_kind == "devnull":  # no request at all: the end of input at once
        assert not db.exists() or events_of(db, 1) == []
        assert not written
        return
    assert events_of(db, 1) == [(1, "prompt", "stored")]
    if stdout_kind != "devnull":
        answers = [json.loads(body) for body in _bodies(written)]
        assert [a["id"] for a in answers] == [1, 2, 3, 4, 5]
        assert answers[3]["result"] == {"count": 1}


def _bodies(data: bytes) -> list[bytes]:
    bodies = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        assert head.startswith(b"Content-Length: "), data[:80]
        length = int(head[16:])
        bodies.append(rest[:length])
        data = rest[length:]
    return bodies


LINE_ENDS = st.sampled_from([b"\r\n", b"\n"])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.binary(max_size=40),
            LINE_ENDS,
            LINE_ENDS,
            st.booleans(),
            st.lists(LINE_ENDS, max_size=2),
        ),
        max_size=8,
    ),
    st.lists(st.integers(min_value=0, max_value=600), max_size=8),
)
def test_bare_newlines_decode_the_same_however_the_bytes_are_split(
    messages: list[tuple[bytes, bytes, bytes, bool, list[bytes]]], cuts: list[int]
) -> None:
    """Header lines ending in \\n or \\r\\n, an extra header, blank lines
    between messages: split anywhere (a \\r in one read, its \\n in the next),
    the decoder yields exactly the bodies sent."""
    stream = b""
    for body, first_end, blank_end, extra, between in messages:
        stream += b"".join(between)  # blank lines before a message are skipped
        if extra:
            stream += b"Content-Type: application/vscode-jsonrpc" + first_end
        stream += b"Content-Length: %d" % len(body) + first_end + blank_end + body
    decoder = FrameDecoder()
    got: list[Any] = []
    points = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    for start, end in itertools.pairwise(points):
        got += decoder.feed(stream[start:end])
    assert got == [body for body, *_ in messages]
    assert decoder.idle
