"""A benchmark client for a stdio JSON-RPC server over real pipes.

Its own framing on purpose (not `sessiond.wire.framing`): the measuring side must
not change when the daemon's code does.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def request(msg_id: int, method: str, params: Any = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    return frame(message)


class Decoder:
    """Content-Length framing, minimal: both servers write one header."""

    def __init__(self) -> None:
        self.buf = b""

    def feed(self, data: bytes) -> list[bytes]:
        buf = self.buf + data
        out = []
        pos = 0
        while True:
            stop = buf.find(b"\r\n\r\n", pos)
            if stop < 0:
                break
            header = buf[pos:stop]
            length = int(header[header.rfind(b":") + 1 :])
            start = stop + 4
            if len(buf) - start < length:
                break
            out.append(buf[start : start + length])
            pos = start + length
        self.buf = buf[pos:]
        return out


class ServerGone(Exception):
    pass


def cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Peer:
    """A server process on pipes: its stdin, its stdout, its pid."""

    def __init__(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.cmd = cmd
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, bufsize=0, env=env
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.wfd = self.proc.stdin.fileno()
        self.rfd = self.proc.stdout.fileno()
        self.decoder = Decoder()
        self.ready: list[bytes] = []
        self.next_id = 1

    @property
    def pid(self) -> int:
        return self.proc.pid

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view) :]

    def read_frames(self, n: int) -> list[bytes]:
        """Exactly the next `n` frames (bodies, not decoded)."""
        while len(self.ready) < n:
            chunk = os.read(self.rfd, 1 << 20)
            if not chunk:
                raise ServerGone(f"{self.cmd[0]} closed its output (exit {self.proc.wait()})")
            self.ready.extend(self.decoder.feed(chunk))
        out, self.ready = self.ready[:n], self.ready[n:]
        return out

    def take_id(self) -> int:
        msg_id = self.next_id
        self.next_id += 1
        return msg_id

    def call(self, method: str, params: Any = None) -> Any:
        msg_id = self.take_id()
        self.write(request(msg_id, method, params))
        reply = json.loads(self.read_frames(1)[0])
        if reply.get("id") != msg_id:
            raise AssertionError(f"answer to {reply.get('id')!r}, expected {msg_id}")
        if "error" in reply:
            raise AssertionError(f"{method} failed: {reply['error']}")
        return reply["result"]

    def initialize(self) -> Any:
        result = self.call("initialize", {"processId": os.getpid(), "capabilities": {}})
        self.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        return result

    def timed(self, method: str, params: Any, n: int) -> list[float]:
        """`n` sequential round trips of one request; seconds each."""
        times = []
        for _ in range(n):
            msg_id = self.take_id()
            data = request(msg_id, method, params)
            t0 = time.perf_counter()
            self.write(data)
            body = self.read_frames(1)[0]
            times.append(time.perf_counter() - t0)
            if b'"error"' in body and b'"result"' not in body:
                raise AssertionError(f"{method} failed: {body[:300]!r}")
        return times

    def pipelined(
        self, chunks: Iterable[bytes], n: int, per_chunk: int, window: int, on_chunk: Any = None
    ) -> list[bytes]:
        """Write `chunks` (n requests, `per_chunk` each) from a thread while
        reading the n answers, with at most `window` chunks unanswered.

        `on_chunk(answered)` is called after each chunk of answers; the
        answers are returned only when `on_chunk` is None (to keep memory flat).
        """
        error: list[BaseException] = []
        slots = threading.Semaphore(window)

        def writer() -> None:
            try:
                for chunk in chunks:
                    slots.acquire()
                    self.write(chunk)
            except BaseException as exc:
                error.append(exc)

        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        answers: list[bytes] = []
        answered = 0
        while answered < n:
            got = self.read_frames(per_chunk)
            answered += len(got)
            slots.release()
            for body in got:
                if b'"error"' in body and b'"result"' not in body:
                    raise AssertionError(f"a pipelined request failed: {body[:300]!r}")
            if on_chunk is None:
                answers.extend(got)
            else:
                on_chunk(answered)
        thread.join()
        if error:
            raise error[0]
        return answers

    def cpu_seconds(self) -> float:
        """The process's CPU time so far (user + system), from /proc."""
        return cpu_seconds(self.pid)

    def rss_kb(self) -> tuple[int, int]:
        """(VmRSS, VmHWM) in kB, from /proc."""
        fields = {}
        with open(f"/proc/{self.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0])
        return fields["VmRSS"], fields["VmHWM"]

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.call("shutdown")
                self.write(frame({"jsonrpc": "2.0", "method": "exit"}))
            except (ServerGone, BrokenPipeError, AssertionError):
                pass
        with contextlib.suppress(OSError):
            self.proc.stdin.close()  # type: ignore[union-attr]
        code = self.proc.wait(timeout=120)
        self.proc.stdout.close()  # type: ignore[union-attr]
        return code
