"""A small synchronous JSON-RPC client that spawns `sessiond` over stdio.

Used by `sessiond chat`; it speaks to the daemon exactly as an editor does:
the LSP lifecycle, then the contract's methods, over real pipes.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from typing import Any

from sessiond.transport import FrameDecoder, encode_frame


class RpcError(Exception):
    """The daemon answered a request with an error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{message} (error {code})")
        self.code = code
        self.message = message


class DaemonGone(Exception):
    """The daemon exited or closed its output before answering."""


def daemon_command(db: str | None = None, extra: list[str] | None = None) -> list[str]:
    """The command that runs this very sessiond (same Python, same package)."""
    cmd = [sys.executable, "-m", "sessiond", "serve"]
    if db is not None:
        cmd += ["--db", db]
    return cmd + (extra or [])


class Client:
    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._ids = itertools.count(1)
        self._decoder = FrameDecoder()
        self._ready: list[dict[str, Any]] = []
        self.server_info: dict[str, Any] = {}

    def initialize(self, client_name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "initialize",
            {"processId": None, "clientInfo": {"name": client_name}, "capabilities": {}},
        )
        self.notify("initialized", {})
        self.server_info = result.get("serverInfo", {})
        return result

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(encode_frame(json.dumps(message).encode()))
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise DaemonGone("sessiond exited") from None

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: Any = None) -> Any:
        msg_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)
        while True:
            reply = self._next()
            if reply.get("id") != msg_id:
                continue  # a notification, or an answer to nothing we asked
            if "error" in reply:
                raise RpcError(reply["error"]["code"], reply["error"]["message"])
            return reply.get("result")

    def _next(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        while not self._ready:
            chunk = self.proc.stdout.read1(65536)  # type: ignore[attr-defined]
            if not chunk:
                raise DaemonGone(f"sessiond exited with code {self.proc.wait()}")
            for frame in self._decoder.feed(chunk):
                if isinstance(frame, bytes):
                    self._ready.append(json.loads(frame))
        return self._ready.pop(0)

    def close(self) -> int:
        """Shut the daemon down politely and wait for it."""
        if self.proc.poll() is None:
            try:
                self.request("shutdown")
                self.notify("exit", None)
            except (DaemonGone, RpcError):
                pass
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        return self.proc.wait(timeout=30)
