"""Backpressure: the daemon's memory stays bounded however much a client sends
without reading, and every answer still arrives once the client reads.

Each memory test prints the daemon's peak RSS (VmHWM from /proc, or the same
high-water mark from wait4 when the daemon has already exited). Before the
daemon stopped reading stdin while its output waited unread, a client that
sent for 20 s without reading took it to 1.5 GB, and a burst of 1,000
`session/events` of 10,000 events each to 2.8 GB.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sessiond.daemon.stdio import OUTPUT_LIMIT
from support.daemon import SERVE, events_of, request_bytes
from support.peak import launched as through_launcher

# Each case fills pipes with hundreds of MB: a minute in all.
pytestmark = pytest.mark.slow

PEAK_LIMIT_MB = 300
TIMEOUT = 300.0  # a burst of 1,000 answers of 1.9 MB each takes a minute on a loaded 2-core box
TEXT = "x" * 100  # about 100 bytes per event, as the issue measured
_ID = re.compile(rb'"id":(-?\d+|"[^"]*"|null)')


class Client:
    """`sessiond serve` on pipes, its answers counted by id, not kept.

    An answer of 10,000 events is 1.9 MB: a thousand of them, kept, would
    fill this process instead of the daemon. `check(msg_id, body)` sees each
    body once; `bodies` keeps only the ids listed in `keep`.
    """

    def __init__(
        self,
        db: Path,
        stdin: Any = subprocess.PIPE,
        check: Callable[[Any, bytes], None] = lambda _id, _body: None,
        launched: bool = False,
    ) -> None:
        """`launched`: through the launcher (support.peak), for `wait_exit` to read the peak of a
        daemon that ends by itself (`peak_rss_mb` is for one that runs)."""
        self.log = Path(f"{db}.stderr")
        self.peak_file = Path(f"{db}.peak")
        self.peak_file.unlink(missing_ok=True)
        command = [*SERVE, "--db", str(db)]
        if launched:
            command = through_launcher(command, self.peak_file)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, stderr=log)
        self.check = check
        self.keep: set[Any] = set()
        self.bodies: dict[Any, bytes] = {}
        self.answered: set[Any] = set()
        self.failure: str | None = None
        self._cond = threading.Condition()
        self._may_read = threading.Event()
        self._may_read.set()
        self._leaving = False
        self._ids = iter(range(1, 1 << 62))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = bytearray()
        try:
            while self._may_read.wait(TIMEOUT) and not self._leaving:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                buf += chunk
                while (stop := buf.find(b"\r\n\r\n")) >= 0:
                    head = bytes(buf[:stop])
                    assert head.startswith(b"Content-Length: "), head[:80]
                    end = stop + 4 + int(head[16:])
                    if len(buf) < end:
                        break
                    body = bytes(buf[stop + 4 : end])
                    del buf[:end]
                    self._take(body)
        except Exception as exc:  # reported by wait_answered, never lost in a thread
            self.failure = f"{type(exc).__name__}: {exc}"
        with self._cond:
            self._cond.notify_all()

    def _take(self, body: bytes) -> None:
        match = _ID.search(body, 0, 100)
        msg_id = json.loads(match[1]) if match else json.loads(body).get("id")
        if b'"error":' in body[:100]:
            raise AssertionError(f"an error answer: {body[:300]!r}")
        self.check(msg_id, body)
        with self._cond:
            if msg_id in self.keep:
                self.bodies[msg_id] = body
            self.answered.add(msg_id)
            self._cond.notify_all()

    def wait_answered(self, ids: set[Any], timeout: float = TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not ids <= self.answered:
                left = deadline - time.monotonic()
                if self.failure or left <= 0 or not self._reader.is_alive():
                    raise AssertionError(
                        f"{len(ids - self.answered)} of {len(ids)} requests unanswered "
                        f"({self.failure or 'timeout'}); stderr: {self.stderr()[-1500:]}"
                    )
                self._cond.wait(min(left, 1.0))

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send_in_background(self, data: bytes) -> threading.Thread:
        writer = threading.Thread(target=self.send, args=(data,), daemon=True)
        writer.start()
        return writer

    def next_id(self) -> int:
        return next(self._ids)

    def call(self, method: str, params: Any = None) -> Any:
        msg_id = self.next_id()
        self.keep.add(msg_id)
        self.send(request_bytes(msg_id, method, params))
        self.wait_answered({msg_id})
        return json.loads(self.bodies.pop(msg_id))["result"]

    def start_session(self, events: int) -> int:
        """Initialize, then a session of `events` events of ~100 bytes each."""
        self.call("initialize", {"capabilities": {}})
        sid: int = self.call("session/start", {"cliVersion": "backpressure"})["id"]
        ids = [self.next_id() for _ in range(events)]
        params = {"sessionId": sid, "kind": "prompt", "text": TEXT}
        self.send_in_background(b"".join(request_bytes(i, "session/append", params) for i in ids))
        self.wait_answered(set(ids))
        return sid

    def hang_up(self) -> None:
        """Close this end of the daemon's stdout, leaving what is in it unread."""
        self._leaving = True
        self._may_read.set()
        self._reader.join(TIMEOUT)
        assert self.proc.stdout is not None
        self.proc.stdout.close()

    def pause_reading(self) -> None:
        self._may_read.clear()

    def resume_reading(self) -> None:
        self._may_read.set()

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) / 1024  # type: ignore[index]

    def wait_exit(self) -> tuple[int, float]:
        """The exit code and peak RSS in MB of a daemon that ends by itself."""
        code = self.proc.wait(TIMEOUT)
        self._reader.join(TIMEOUT)
        return code, int(self.peak_file.read_text()) / 1024

    def stop(self) -> int:
        self.call("shutdown")
        self.send(request_bytes(None, "exit"))
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(TIMEOUT)

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        self.resume_reading()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                pipe.close()


@pytest.fixture
def client(tmp_path: Path) -> Any:
    c = Client(tmp_path / "bp.db")
    yield c
    c.close()


def flood(
    client: Client, make: Callable[[int], bytes], seconds: float, idle: float
) -> tuple[list[int], bytes]:
    """Send requests without reading for `seconds`, or until the daemon has
    taken no byte for `idle` seconds: the ids sent, and the rest of a batch
    cut short by the stop (to send once the daemon reads again).

    Writes without blocking, so that a daemon that stops reading cannot hang
    the test.
    """
    assert client.proc.stdin is not None
    fd = client.proc.stdin.fileno()
    os.set_blocking(fd, False)
    ids: list[int] = []
    pending = b""
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not pending:
                batch = [client.next_id() for _ in range(50)]
                pending = b"".join(make(i) for i in batch)
                ids += batch
            if not select.select([], [fd], [], idle)[1]:
                break
            with contextlib.suppress(BlockingIOError):
                pending = pending[os.write(fd, pending) :]
    finally:
        os.set_blocking(fd, True)
    return ids, pending


def test_a_client_that_stops_reading_cannot_grow_the_daemon(client: Client) -> None:
    sid = client.start_session(100)
    tail = {"sessionId": sid, "limit": 100}  # an answer of ~17 KB
    client.pause_reading()
    started = time.monotonic()
    # The whole 20 s: the daemon must stay small while the client keeps trying.
    sent, rest = flood(client, lambda i: request_bytes(i, "session/events", tail), 20, idle=20)
    sending = time.monotonic() - started
    client.resume_reading()
    client.send(rest)
    client.wait_answered(set(sent))
    peak = client.peak_rss_mb()
    print(
        f"\nunread output: {len(sent):,} requests sent in {sending:.1f} s; peak RSS {peak:.0f} MB"
    )
    assert peak <= PEAK_LIMIT_MB, f"the daemon grew to {peak:.0f} MB"
    assert client.stop() == 0


def expect_all_events(ids: set[int], events: int) -> Callable[[Any, bytes], None]:
    """A check that every answer to `ids` is the whole tail: the same bytes as
    the first, but for the id (parsing 1.9 GB of JSON would take longer than
    making it)."""
    first: dict[str, Any] = {}

    def check(msg_id: Any, body: bytes) -> None:
        if msg_id not in ids:
            return
        if not first:
            result = json.loads(body)["result"]
            assert [e["seq"] for e in result["events"]] == list(range(1, events + 1))
            first.update(id=msg_id, body=body)
        else:
            expected = first["body"].replace(b'"id":%d,' % first["id"], b'"id":%d,' % msg_id, 1)
            assert body == expected, f"answer {msg_id} differs from the first"

    return check


def test_a_burst_of_large_reads_stays_bounded(client: Client) -> None:
    events = 10_000
    sid = client.start_session(events)
    ids = [client.next_id() for _ in range(1000)]
    client.check = expect_all_events(set(ids), events)
    params = {"sessionId": sid, "limit": events}
    client.send_in_background(b"".join(request_bytes(i, "session/events", params) for i in ids))
    client.wait_answered(set(ids))
    peak = client.peak_rss_mb()
    print(f"\n1,000 pipelined session/events of {events:,} events: peak RSS {peak:.0f} MB")
    assert peak <= PEAK_LIMIT_MB, f"the daemon grew to {peak:.0f} MB"
    assert client.stop() == 0


def test_a_burst_from_a_regular_file_stays_bounded(tmp_path: Path) -> None:
    """Stdin a regular file is read in a worker thread: it pauses too."""
    db = tmp_path / "file.db"
    events = 10_000
    seeding = Client(db)
    try:
        seeding.start_session(events)
        assert seeding.stop() == 0
    finally:
        seeding.close()
    requests = tmp_path / "requests.bin"
    params = {"sessionId": 1, "limit": events}
    requests.write_bytes(
        request_bytes(0, "initialize", {"capabilities": {}})
        + b"".join(request_bytes(i, "session/events", params) for i in range(1, 201))
    )
    with open(requests, "rb") as stdin:
        client = Client(
            db, stdin=stdin, check=expect_all_events(set(range(1, 201)), events), launched=True
        )
    try:
        client.wait_answered(set(range(201)))
        code, peak = client.wait_exit()
    finally:
        client.close()
    print(f"\n200 session/events of {events:,} events from a file: peak RSS {peak:.0f} MB")
    assert code == 0
    assert peak <= PEAK_LIMIT_MB, f"the daemon grew to {peak:.0f} MB"


def test_frames_held_back_by_full_output_keep_their_order(client: Client) -> None:
    """Output over the limit in the middle of one read: the rest of that read
    waits, in order, and each request still sees every one before it."""
    events = 10_000
    sid = client.start_session(events)

    def appends(tag: str) -> list[tuple[int, bytes]]:
        ids = [client.next_id() for _ in range(50)]
        return [
            (
                i,
                request_bytes(
                    i, "session/append", {"sessionId": sid, "kind": "prompt", "text": f"{tag}{n}"}
                ),
            )
            for n, i in enumerate(ids)
        ]

    big, count_b, tail_b, count_c = (client.next_id() for _ in range(4))
    a, b, c = appends("a"), appends("b"), appends("c")
    batch = [
        *a,
        (big, request_bytes(big, "session/events", {"sessionId": sid, "limit": events})),
        *b,
        (count_b, request_bytes(count_b, "session/count", {"sessionId": sid})),
        (tail_b, request_bytes(tail_b, "session/events", {"sessionId": sid, "limit": 2})),
        *c,
        (count_c, request_bytes(count_c, "session/count", {"sessionId": sid})),
    ]
    client.keep.update(i for i, _ in batch)
    client.pause_reading()  # the big answer fills the output before the rest is handled
    client.send(b"".join(data for _, data in batch))
    client.resume_reading()
    client.wait_answered({i for i, _ in batch})
    answers = {i: json.loads(client.bodies[i])["result"] for i, _ in batch}
    assert len(client.bodies[big]) > OUTPUT_LIMIT  # the premise: this one fills it
    seqs = [answers[i]["seq"] for i, _ in a + b + c]
    assert seqs == list(range(events + 1, events + 151))
    assert answers[big]["events"][-1]["text"] == "a49"
    assert answers[count_b] == {"count": events + 100}
    assert [e["text"] for e in answers[tail_b]["events"]] == ["b48", "b49"]
    assert answers[count_c] == {"count": events + 150}
    assert client.stop() == 0


def test_answers_arrive_although_the_client_reads_only_after_closing_stdin(
    client: Client,
) -> None:
    """A client that sends everything, closes stdin, then reads: the daemon
    holds the rest of the input unread until the output drains, then answers
    it all and exits 0."""
    sid = client.start_session(2000)
    client.pause_reading()
    ids = [client.next_id() for _ in range(20)]
    params = {"sessionId": sid, "limit": 2000}  # ~380 KB each, 7.6 MB in all
    client.send(b"".join(request_bytes(i, "session/events", params) for i in ids))
    assert client.proc.stdin is not None
    client.proc.stdin.close()
    client.resume_reading()
    client.wait_answered(set(ids))
    assert client.proc.wait(TIMEOUT) == 0


def test_a_client_that_leaves_without_reading_does_not_hold_the_daemon(
    client: Client, tmp_path: Path
) -> None:
    """Output full, then the client closes its end of stdout: the daemon
    must not wait for a drain that cannot come. It performs what it was sent
    (the answers go nowhere, and the log says so) and ends with its input."""
    sid = client.start_session(0)
    client.pause_reading()
    append = {"sessionId": sid, "kind": "prompt", "text": TEXT}
    sent, rest = flood(client, lambda i: request_bytes(i, "session/append", append), 20, idle=2)
    client.hang_up()
    client.send(rest)
    assert client.proc.stdin is not None
    client.proc.stdin.close()
    assert client.proc.wait(TIMEOUT) == 0
    assert len(events_of(tmp_path / "bp.db", sid)) == len(sent)
    assert "the client closed stdout" in client.stderr()
