"""A deliberately independent client for wire-level tests: real pipes, raw bytes.

It frames and unframes by hand (not with sessiond's own transport), so a bug
in the daemon's framing cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from typing import Any

SESSIOND = [sys.executable, "-m", "sessiond"]


def frame(message: Any, header: str = "Content-Length") -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return f"{header}: {len(body)}\r\n\r\n".encode() + body


def request(msg_id: int, method: str, params: Any = None, *, omit_params: bool = False) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if not omit_params:
        message["params"] = {} if params is None else params
    return frame(message)


INITIALIZE = request(0, "initialize", {"capabilities": {}}) + frame(
    {"jsonrpc": "2.0", "method": "initialized", "params": {}}
)


class Daemon:
    """`sessiond` on real pipes; `read()` fails loudly instead of hanging."""

    def __init__(self, *args: str, db: str = ":memory:", env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*SESSIOND, "--db", db, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self._buf = b""
        self._sel = selectors.DefaultSelector()
        assert self.proc.stdout is not None
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def close_input(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()

    def _fill(self, deadline: float) -> bool:
        assert self.proc.stdout is not None
        left = deadline - time.monotonic()
        if left <= 0 or not self._sel.select(left):
            raise TimeoutError(f"no answer from sessiond; got so far: {self._buf[:300]!r}")
        chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
        self._buf += chunk
        return bool(chunk)

    def read(self, timeout: float = 20.0) -> dict[str, Any]:
        """The next message; every byte on stdout must belong to a frame."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._buf:
            if not self._fill(deadline):
                raise EOFError(f"sessiond closed stdout; leftover {self._buf!r}")
        head, _, rest = self._buf.partition(b"\r\n\r\n")
        assert head.startswith(b"Content-Length: "), f"not a frame header: {head!r}"
        length = int(head.split(b"\r\n")[0].split(b":")[1])
        while len(rest) < length:
            if not self._fill(deadline):
                raise EOFError("sessiond closed stdout inside a frame")
            head, _, rest = self._buf.partition(b"\r\n\r\n")
        self._buf = rest[length:]
        message: dict[str, Any] = json.loads(rest[:length])
        return message

    def answer(self, msg_id: int, timeout: float = 20.0) -> dict[str, Any]:
        """The response to `msg_id`, skipping anything else."""
        while True:
            message = self.read(timeout)
            if message.get("id") == msg_id:
                return message

    def call(self, msg_id: int, method: str, params: Any = None) -> dict[str, Any]:
        self.send(request(msg_id, method, params))
        return self.answer(msg_id)

    def wait(self, timeout: float = 20.0) -> int:
        return self.proc.wait(timeout)

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                stream.close()
        self._sel.close()


async def rpc(client: Any, method: str, params: Any = None) -> Any:
    """A request through a pytest-lsp client; its result (or JsonRpcException)."""
    return await client.protocol.send_request_async(method, params)
