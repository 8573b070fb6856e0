"""A small synchronous JSON-RPC client that spawns `sessiond serve` over stdio.

Used by `sessiond chat`; it speaks to the daemon exactly as an editor does:
the LSP lifecycle, then the contract's methods, over real pipes.

- The database (which may be a `postgresql://` URI with its password) goes
  to the daemon in its environment, `SESSIOND_DB`, never on its command
  line, where `ps` would show it to every user of the machine; so does the
  engine's key (`SESSIOND_ENGINE_API_KEY`, inherited).
- The daemon runs in a session of its own (`start_new_session`), so the
  Ctrl-C a person types at the terminal reaches the chat only: the chat
  decides what it means and the daemon is always there to be told.
- A Ctrl-C while a request waits never interrupts a read or a write half
  way (that would lose a frame and every answer after it): the signal
  handler only notes it, and the wait acts on it between frames
  (`on_interrupt`), by default giving up the wait (`Interrupted`); the
  answer that comes later is passed over.
- `Daemon` starts the client in a thread, so a prompt can be shown while
  the daemon starts behind it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import IO, Any

from sessiond.wire.framing import FrameDecoder, Oversize, encode_frame

Notification = Callable[[str, Any], None]


#: The code of an RpcError for an answer too large to read (no daemon sends it).
OVERSIZE = -32099


class RpcError(Exception):
    """The daemon answered a request with an error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{message} (error {code})")
        self.code = code
        self.message = message


class DaemonGone(Exception):
    """The daemon exited or closed its output before answering."""


class Interrupted(Exception):
    """The person pressed Ctrl-C while a request waited; the wait was given up."""


def _give_up(_msg_id: int) -> None:
    raise Interrupted


def _nothing() -> None:
    pass


def daemon_command(extra: Sequence[str] = ()) -> list[str]:
    """The command that runs this very sessiond (same Python, same package):
    no database on it, see `daemon_env`."""
    return [sys.executable, "-m", "sessiond", "serve", *extra]


def daemon_env(db: str | None, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The daemon's environment: `base` (default this process's) with `SESSIOND_DB`."""
    env = dict(os.environ if base is None else base)
    if db is not None:
        env["SESSIOND_DB"] = db
    return env


class Client:
    def __init__(
        self,
        cmd: list[str],
        env: Mapping[str, str] | None = None,
        stderr: int | IO[Any] | None = None,
    ) -> None:
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env=None if env is None else dict(env),
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        self._out_fd = self.proc.stdout.fileno()
        self._ids = itertools.count(1)
        self._decoder = FrameDecoder()
        self._ready: list[dict[str, Any]] = []
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self._sigints = 0
        self._on_interrupt: Callable[[], None] = _nothing
        #: Until then (time.monotonic()), a Ctrl-C while waiting is let pass.
        self.calm_until = 0.0
        self.server_info: dict[str, Any] = {}
        self.capabilities: dict[str, Any] = {}

    @classmethod
    def spawn(cls, db: str | None, extra: Sequence[str] = ()) -> Client:
        """A daemon on `db` (through its environment), not yet initialized."""
        return cls(daemon_command(extra), daemon_env(db))

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
        on_interrupt: Callable[[int], None] = _give_up,
    ) -> Any:
        """Send a request and wait for its answer.

        Notifications that arrive meanwhile go to `on_notification`. In the
        main thread, each Ctrl-C (SIGINT) during the request calls
        `on_interrupt(id)` between frames (a `$/cancelRequest` for that id,
        say); by default it raises `Interrupted`.
        """
        msg_id = next(self._ids)
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if params is not None:
            message["params"] = params
        with self._sigint_noted(msg_id, on_interrupt):
            self._send(message)
            while True:
                reply = self._next()
                if "oversize" in reply:
                    raise RpcError(
                        OVERSIZE,
                        f"the daemon's answer to {method} was {reply['oversize'] / 2**20:,.0f} MiB,"
                        f" more than this client reads ({reply['limit'] // 2**20} MiB)",
                    )
                if "id" not in reply and "method" in reply:
                    if on_notification is not None:
                        on_notification(reply["method"], reply.get("params"))
                    continue
                if reply.get("id") != msg_id:
                    continue  # an answer to a wait given up, or to nothing
                if "error" in reply:
                    raise RpcError(reply["error"]["code"], reply["error"]["message"])
                return reply.get("result")

    @contextlib.contextmanager
    def _sigint_noted(self, msg_id: int, on_interrupt: Callable[[int], None]) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def note(_signum: int, _frame: Any) -> None:
            self._sigints += 1
            with contextlib.suppress(OSError):  # a full pipe already wakes the wait
                os.write(self._wake_w, b"\0")

        self._sigints = 0
        self._on_interrupt = lambda: on_interrupt(msg_id)
        previous = signal.signal(signal.SIGINT, note)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)
            self._on_interrupt = _nothing

    def _next(self) -> dict[str, Any]:
        while not self._ready:
            readable = select.select([self._out_fd, self._wake_r], [], [])[0]
            if self._wake_r in readable:
                os.read(self._wake_r, 4096)
            while self._sigints:
                self._sigints -= 1
                if time.monotonic() >= self.calm_until:
                    self._on_interrupt()
            if self._out_fd not in readable:
                continue
            chunk = os.read(self._out_fd, 65536)
            if not chunk:
                raise DaemonGone(f"sessiond exited with code {self.proc.wait()}")
            for frame in self._decoder.feed(chunk):
                if isinstance(frame, Oversize):
                    # Skipped unread: the answer to the request waiting now
                    # (notifications are small), which must not wait forever.
                    self._ready.append({"oversize": frame.length, "limit": frame.limit})
                else:
                    self._ready.append(json.loads(frame))
        return self._ready.pop(0)

    def close(self) -> int:
        """Shut the daemon down politely and wait for it."""
        if self.proc.poll() is None:
            try:
                self.request("shutdown")
                self.notify("exit", None)
            except (DaemonGone, RpcError, Interrupted):
                pass
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        code = self.proc.wait(timeout=30)
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        return code


class Daemon:
    """A `Client` started and initialized in a thread: `client()` waits for it.

    The daemon's stderr is read line by line and handed to `on_stderr`
    (a prompt may be on the screen meanwhile). `then`, run in that thread
    once the client is initialized, may ask the daemon for more (the last
    session, for `--continue`); `on_failure` hears of a start that failed.
    """

    def __init__(
        self,
        cmd: list[str],
        env: Mapping[str, str],
        client_name: str,
        on_stderr: Callable[[str], None],
        then: Callable[[Client], None] | None = None,
        on_failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._cmd = cmd
        self._env = env
        self._name = client_name
        self._on_stderr = on_stderr
        self._then = then
        self._on_failure = on_failure
        self._client: Client | None = None
        self._error: BaseException | None = None
        self._ready = threading.Event()
        self._starting = threading.Lock()
        self._relay: threading.Thread | None = None
        self._thread = threading.Thread(target=self._start, name="sessiond-start", daemon=True)

    def start(self) -> Daemon:
        """Start the daemon in its thread (once; later calls do nothing)."""
        with self._starting:
            if not self._thread.is_alive() and not self._ready.is_set():
                self._thread.start()
        return self

    def _start(self) -> None:
        try:
            client = Client(self._cmd, self._env, stderr=subprocess.PIPE)
            self._client = client
            assert client.proc.stderr is not None
            self._relay = threading.Thread(
                target=self._read_stderr, args=(client.proc.stderr,), daemon=True
            )
            self._relay.start()
            client.initialize(self._name)
            if self._then is not None:
                self._then(client)
        except BaseException as exc:
            gone = self._client is not None and self._client.proc.poll() is not None
            if self._relay is not None and gone:
                self._relay.join(5)  # the daemon's own words first
            self._error = exc
            if self._on_failure is not None:
                self._on_failure(exc)
        finally:
            self._ready.set()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for line in stream:
            self._on_stderr(line.decode(errors="replace").rstrip("\n"))

    def client(self) -> Client:
        """The initialized client, once the daemon has started; its error if it did not."""
        self.start()
        try:
            self._ready.wait()
        except KeyboardInterrupt:
            raise Interrupted from None
        if isinstance(self._error, DaemonGone):
            raise self._error
        if self._error is not None:
            raise DaemonGone(f"sessiond did not start: {self._error}") from self._error
        assert self._client is not None
        return self._client

    def close(self) -> int | None:
        """Shut the daemon down (when it was spawned) and wait; its exit code."""
        if not self._thread.is_alive() and not self._ready.is_set():
            return None  # never started
        self._ready.wait()
        if self._client is None:
            return None
        code = self._client.close()
        if self._relay is not None:
            self._relay.join(5)
        return code
