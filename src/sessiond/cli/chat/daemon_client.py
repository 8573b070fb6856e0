"""A small synchronous JSON-RPC client that spawns `sessiond` over stdio.

Used by `sessiond chat`; it speaks to the daemon exactly as an editor does:
the LSP lifecycle, then the contract's methods, over real pipes.

The daemon runs in a session of its own (`start_new_session`), so the
Ctrl-C a person types at the terminal reaches the chat only: the chat
decides what it means (cancel a reply, or leave and end the session) and
the daemon is always there to be told.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from sessiond.wire.framing import FrameDecoder, encode_frame

Notification = Callable[[str, Any], None]


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
    def __init__(self, cmd: list[str], env: Mapping[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        self._out_fd = self.proc.stdout.fileno()
        self._ids = itertools.count(1)
        self._decoder = FrameDecoder()
        self._ready: list[dict[str, Any]] = []
        self.server_info: dict[str, Any] = {}
        self.capabilities: dict[str, Any] = {}
        #: Whether the last request was asked to stop with $/cancelRequest.
        self.cancelled = False

    def initialize(self, client_name: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "initialize",
            {"processId": os.getpid(), "clientInfo": {"name": client_name}, "capabilities": {}},
        )
        self.notify("initialized", {})
        self.server_info = result.get("serverInfo", {})
        experimental = result.get("capabilities", {}).get("experimental") or {}
        self.capabilities = experimental.get("sessiond") or {}
        return result

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(encode_frame(json.dumps(message).encode()))
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise DaemonGone("sessiond exited") from None

    def notify(self, method: str, params: Any) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(
        self,
        method: str,
        params: Any = None,
        on_notification: Notification | None = None,
        cancel_on_interrupt: bool = False,
    ) -> Any:
        """Send a request and wait for its answer.

        Notifications that arrive meanwhile go to `on_notification`. With
        `cancel_on_interrupt`, a first Ctrl-C (SIGINT) sends
        `$/cancelRequest` for this request and the wait goes on for its
        answer; a second one raises KeyboardInterrupt.
        """
        msg_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        self._send(message)
        self.cancelled = False
        guard = self._cancel_on_sigint(msg_id) if cancel_on_interrupt else contextlib.nullcontext()
        with guard:
            while True:
                reply = self._next()
                if "id" not in reply and "method" in reply:
                    if on_notification is not None:
                        on_notification(reply["method"], reply.get("params"))
                    continue
                if reply.get("id") != msg_id:
                    continue  # an answer to nothing we are waiting for
                if "error" in reply:
                    raise RpcError(reply["error"]["code"], reply["error"]["message"])
                return reply.get("result")

    @contextlib.contextmanager
    def _cancel_on_sigint(self, msg_id: int) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        asked = False

        def on_sigint(_signum: int, _frame: Any) -> None:
            nonlocal asked
            if asked:
                raise KeyboardInterrupt
            asked = self.cancelled = True
            # Safe here: while waiting, nothing else writes to the daemon's stdin.
            self.notify("$/cancelRequest", {"id": msg_id})

        previous = signal.signal(signal.SIGINT, on_sigint)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def _next(self) -> dict[str, Any]:
        while not self._ready:
            # os.read, not the buffered file: a signal handler may run between
            # reads, and the read is simply resumed after it (PEP 475).
            chunk = os.read(self._out_fd, 65536)
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
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        return self.proc.wait(timeout=30)
