"""A raw-pipe client for the speed tests: the real daemon, real pipes.

pytest-lsp answers one request at a time; these tests need to put thousands
of requests on the pipe at once, read part of the answers, and kill the
process in the middle, so they frame the bytes themselves.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from typing import Any


def frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n%s" % (len(body), body)


def req(msg_id: int, method: str, params: Any = None) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        message["params"] = params
    return frame(message)


def append(msg_id: int, session_id: int, text: str, kind: str = "prompt") -> bytes:
    return req(msg_id, "session/append", {"sessionId": session_id, "kind": kind, "text": text})


class Daemon:
    """`python -m sessiond --db DB` on pipes."""

    def __init__(self, db: str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sessiond", "--db", db, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._buf = b""
        self._writer: threading.Thread | None = None

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)

    def write_in_background(self, data: bytes) -> None:
        """Write `data` from a thread, so that reading answers cannot deadlock."""

        def run() -> None:
            # The daemon may be killed on purpose while this still writes.
            with contextlib.suppress(BrokenPipeError, ValueError):
                self.write(data)

        self._writer = threading.Thread(target=run, daemon=True)
        self._writer.start()

    def read(self, n: int) -> list[dict[str, Any]]:
        """At least `n` answers: everything that has arrived up to the n-th."""
        out: list[dict[str, Any]] = []
        assert self.proc.stdout is not None
        while len(out) < n:
            stop = self._buf.find(b"\r\n\r\n")
            if stop >= 0:
                header = self._buf[:stop]
                length = int(header.split(b":", 1)[1])
                start = stop + 4
                if len(self._buf) - start >= length:
                    out.append(json.loads(self._buf[start : start + length]))
                    self._buf = self._buf[start + length :]
                    continue
            chunk = os.read(self.proc.stdout.fileno(), 1 << 16)
            if not chunk:
                raise EOFError(f"sessiond closed its output after {len(out)} answers")
            self._buf += chunk
        return out

    def call(self, msg_id: int, method: str, params: Any = None) -> Any:
        self.write(req(msg_id, method, params))
        (answer,) = self.read(1)
        assert answer["id"] == msg_id, answer
        assert "error" not in answer, answer
        return answer["result"]

    def initialize(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call(0, "initialize", {"processId": None, "capabilities": {}})
        self.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        return result

    def close(self) -> int:
        if self.proc.poll() is None:
            try:
                self.write(req(-1, "shutdown"))
                self.write(frame({"jsonrpc": "2.0", "method": "exit"}))
                assert self.proc.stdin is not None
                self.proc.stdin.close()
            except (BrokenPipeError, ValueError):
                pass
        code = self.proc.wait(timeout=60)
        if self._writer is not None:
            self._writer.join(timeout=60)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=60)
        if self._writer is not None:
            self._writer.join(timeout=60)
