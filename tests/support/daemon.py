"""Drive a real `sessiond` process over real pipes, for the reliability tests.

`Daemon` spawns `python -m sessiond serve --db PATH`, writes raw bytes or
framed requests to its stdin and decodes its stdout on a reader thread with a
strict decoder of its own (not sessiond's), so anything on stdout that is not
a well-formed frame fails the test. Every wait has a timeout; nothing sleeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

SERVE = [sys.executable, "-m", "sessiond", "serve"]
TIMEOUT = 30.0  # seconds any single answer may take on a loaded 2-core CI machine

# The error codes of the contract; -32603 (internal error) is never one of them.
CONTRACT_CODES = {-32700, -32600, -32601, -32602, -32002, 1001, 1002, 1003, 1004, 1005}
STORAGE_ERROR = 1005

_HEADER = re.compile(rb"Content-Length: (\d+)\r\n\r\n")
_MISSING = object()


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def request_bytes(msg_id: int | str | None, method: str, params: Any = _MISSING) -> bytes:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
    if msg_id is not None:
        message["id"] = msg_id
    if params is not _MISSING:
        message["params"] = params
    return frame(json.dumps(message).encode())


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(f"{error.get('message')} (error {error.get('code')})")
        self.code = error.get("code")
        self.message = error.get("message")


class StdoutNotFrames(AssertionError):
    pass


class Daemon:
    """One `sessiond` process. Use as a context manager: it is killed on exit."""

    def __init__(
        self,
        db: str | Path,
        *extra: str,
        log: Path | None = None,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
    ) -> None:
        self.db = str(db)
        self.log = log if log is not None else Path(f"{self.db}.{os.getpid()}.stderr")
        self._stderr = open(self.log, "ab")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [*SERVE, "--db", self.db, *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            cwd=cwd,
        )
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._answers: dict[Any, dict[str, Any]] = {}
        self.unmatched: list[dict[str, Any]] = []  # answers with id null
        self.stdout_bytes = 0
        self.stdout_error: str | None = None
        self.eof = False
        self._may_read = threading.Event()
        self._may_read.set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # Reading

    def _read(self) -> None:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        buf = b""
        try:
            while self._may_read.wait(TIMEOUT * 4):
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                self.stdout_bytes += len(chunk)
                buf += chunk
                buf = self._frames(buf)
            if buf:
                self.stdout_error = f"stdout ended inside a frame: {buf[:80]!r}"
        except StdoutNotFrames as exc:
            self.stdout_error = str(exc)
        finally:
            with self._cond:
                self.eof = True
                self._cond.notify_all()

    def _frames(self, buf: bytes) -> bytes:
        while buf:
            match = _HEADER.match(buf)
            if match is None:
                if len(buf) > 64 or not b"Content-Length: ".startswith(buf[:16]):
                    raise StdoutNotFrames(f"stdout holds something else than a frame: {buf[:80]!r}")
                return buf
            end = match.end() + int(match.group(1))
            if len(buf) < end:
                return buf
            try:
                message = json.loads(buf[match.end() : end])
            except ValueError as exc:
                raise StdoutNotFrames(f"a frame's body is not JSON: {exc}") from None
            with self._cond:
                if message.get("id") is None:
                    self.unmatched.append(message)
                else:
                    self._answers[message["id"]] = message
                self._cond.notify_all()
            buf = buf[end:]
        return buf

    def pause_reading(self) -> None:
        """Leave stdout unread (after the chunk being read), as a slow client would."""
        self._may_read.clear()

    def resume_reading(self) -> None:
        self._may_read.set()

    def wait_for(self, predicate: Any, timeout: float = TIMEOUT, what: str = "") -> None:
        """Wait until predicate() holds (checked under the lock) or fail."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0 or (self.eof and not predicate()):
                    raise TimeoutError(
                        f"sessiond gave no {what or 'answer'} within {timeout}s "
                        f"(stdout closed: {self.eof}, exit code: {self.proc.poll()})\n"
                        + self.stderr_text()[-2000:]
                    )
                self._cond.wait(left)

    def answer(self, msg_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        self.wait_for(lambda: msg_id in self._answers, timeout, f"answer to {msg_id!r}")
        with self._cond:
            return self._answers.pop(msg_id)

    def answers(self) -> dict[Any, dict[str, Any]]:
        """A copy of every answer received and not yet taken, by id."""
        with self._cond:
            return dict(self._answers)

    def take_all(self) -> list[dict[str, Any]]:
        """Every answer received and not yet taken, id null ones first."""
        with self._cond:
            taken = self.unmatched + list(self._answers.values())
            self.unmatched, self._answers = [], {}
            return taken

    def count_answers(self) -> int:
        """Answers received and not yet taken (call under wait_for's lock)."""
        return len(self._answers)

    def take_unmatched(self, count: int = 1, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        self.wait_for(
            lambda: len(self.unmatched) >= count, timeout, f"{count} answers with id null"
        )
        with self._cond:
            taken, self.unmatched[:count] = self.unmatched[:count], []
            return taken

    # Writing

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def next_id(self) -> int:
        return next(self._ids)

    def request(self, method: str, params: Any = _MISSING) -> int:
        msg_id = self.next_id()
        self.send(request_bytes(msg_id, method, params))
        return msg_id

    def call(self, method: str, params: Any = _MISSING, timeout: float = TIMEOUT) -> Any:
        reply = self.answer(self.request(method, params), timeout)
        if "error" in reply:
            raise RpcError(reply["error"])
        return reply["result"]

    def initialize(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call(
            "initialize", {"processId": os.getpid(), "capabilities": {}}, timeout=60
        )
        self.send(request_bytes(None, "initialized", {}))
        return result

    # Ending

    def close_stdin(self) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()

    def wait(self, timeout: float = TIMEOUT) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(timeout)
        return code

    def stop(self, timeout: float = TIMEOUT) -> int:
        """`shutdown` then `exit`, as an editor ends it; the exit code."""
        self.call("shutdown", timeout=timeout)
        self.send(request_bytes(None, "exit"))
        self.close_stdin()
        return self.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        self._reader.join(TIMEOUT)

    def stderr_text(self) -> str:
        self._stderr.flush()
        return self.log.read_text(errors="replace")

    def peak_rss_kb(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]

    def __enter__(self) -> Daemon:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.kill()
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        self._stderr.close()


def started(db: str | Path, *extra: str, **kwargs: Any) -> Daemon:
    """A daemon that has answered `initialize`."""
    daemon = Daemon(db, *extra, **kwargs)
    try:
        daemon.initialize()
    except BaseException:
        daemon.close()
        raise
    return daemon


# Reading the file directly, as a second opinion on what the daemon says.


def connect(db: str | Path) -> sqlite3.Connection:
    return sqlite3.connect(str(db), timeout=30, isolation_level=None)


def integrity(db: str | Path) -> str:
    with contextlib.closing(connect(db)) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def events_of(db: str | Path, session_id: int) -> list[tuple[int, str, str]]:
    """(seq, kind, text) of a session's events, in seq order."""
    with contextlib.closing(connect(db)) as conn:
        rows = conn.execute(
            "SELECT seq, kind, text FROM events WHERE session_id = ? ORDER BY seq", (session_id,)
        ).fetchall()
    return [(int(s), str(k), str(t)) for s, k, t in rows]


def snapshot(db: str | Path) -> dict[str, Any]:
    """Everything stored, for before/after comparisons."""
    with contextlib.closing(connect(db)) as conn:
        return {
            "sessions": conn.execute("SELECT * FROM sessions ORDER BY id").fetchall(),
            "events": conn.execute("SELECT * FROM events ORDER BY id").fetchall(),
            "milestones": conn.execute("SELECT * FROM milestones ORDER BY key").fetchall(),
            "version": conn.execute("PRAGMA user_version").fetchone()[0],
        }


def digest(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def refused(db: Path) -> subprocess.CompletedProcess[str]:
    """Run the daemon on `db` with empty input: it must refuse to start."""
    run = subprocess.run(
        [*SERVE, "--db", str(db)], input="", capture_output=True, text=True, timeout=TIMEOUT
    )
    assert run.returncode != 0, run.stderr
    assert run.stdout == ""
    return run
