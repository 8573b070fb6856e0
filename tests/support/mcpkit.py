"""What the MCP tests share: a seeded history, `sessiond mcp` spawned by the
official SDK's own client over stdio, and the file checks."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
from mcp_types import CallToolResult
from ulid import ULID

from mcp import Client, StdioServerParameters
from sessiond.models import Session
from sessiond.store import ImportedEvent, ImportedSession, open_store
from support.peak import launched

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "mcp"  # the MCP tests' own files: registration.md, ts-client/
IMPORT_FIXTURES = REPO / "tests" / "importers" / "fixtures"
V1_DB = REPO / "tests" / "reliability" / "fixtures" / "v1.db"

LONG_TURN = "long turn " + "x" * 9_990  # 10,000 characters


@attrs.frozen
class Seeded:
    """The ULIDs of the seeded sessions, by role."""

    cache: str  # titled, ended, claude-code in /home/ada/shop: the CI cache story
    hostile: str  # live, its prompt full of control characters (codex, /home/ada/tools)
    trashed: str  # deleted: must never be shown
    long: str  # 60 turns, one of them 10,000 characters (llm, no project)
    wide: str  # 30 turns of 3,000 characters: more than one answer holds


SHOP = "/home/ada/shop"  # the cache session's project; wide's is under it
TOOLS_DIR = "/home/ada/tools"
MODEL = "claude-sonnet-4-5"


def at(day: int, minute: int = 0) -> int:
    """Milliseconds: a known time in October 2025 (the seed's sessions are
    imported with their own times, so their order never rests on a clock)."""
    when = datetime.datetime(2025, 10, day, 9, 0, tzinfo=datetime.UTC)
    return int(when.timestamp() * 1000) + minute * 60_000


def _ulid(day: int) -> str:
    """A real ULID from a day of its own, so that prefixes tell sessions apart
    (ULIDs made in one millisecond share all but their last characters)."""
    return str(ULID.from_datetime(datetime.datetime(2025, 10, day, tzinfo=datetime.UTC)))


def seed(db: Path) -> Seeded:
    """A small history written through the store, as the importers write it:
    each session and turn at a known time, with the version 3 fields (source,
    project, branch, the model and tokens of a reply, a command's tool).

    By start, newest first: wide, long, trashed (in the trash), hostile,
    cache. By last activity: cache (a turn on day 9), wide, long, hostile."""

    def session(day: int, client: str, **fields: Any) -> tuple[Session, int]:
        made, created = store.import_session(ImportedSession(_ulid(day), client, at(day), **fields))
        assert created
        return made, made.id

    def turns(sid: int, *events: ImportedEvent, ended_at: int | None = None) -> None:
        store.import_events(sid, events, ended_at=ended_at)

    with open_store(str(db)) as store:
        cache, sid = session(
            1,
            "claude-code 2.0.14",
            title="Fix the flaky CI cache",
            source="claude-code",
            source_id="5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01",
            project=SHOP,
            branch="main",
        )
        turns(
            sid,
            ImportedEvent("prompt", "Why does the CI cache miss on every run?", at(1, 1)),
            ImportedEvent(
                "system",
                "The cache key uses the runner's home directory; pin it to the workspace.",
                at(1, 2),
                {"model": MODEL, "usage": {"inputTokens": 1200, "outputTokens": 300}},
            ),
            ImportedEvent(
                "command", "git commit -m 'pin the cache key'", at(1, 3), {"tool": "Bash"}
            ),
            ImportedEvent("prompt", "It holds: thanks.", at(9)),
            ended_at=at(9, 1),
        )

        hostile, sid = session(2, "codex 0.50.0", source="codex", project=TOOLS_DIR)
        turns(
            sid,
            ImportedEvent(
                "prompt",
                "paint it \x1b[31mred\x1b[0m\rthen \u202eevil\u202c and ring \x07 the bell",
                at(2, 1),
            ),
        )

        trashed, sid = session(3, "aider 0.86.1", source="aider", project=SHOP)
        turns(sid, ImportedEvent("prompt", "the zanzibar secret plan for the cache", at(3, 1)))
        store.delete_session(sid)

        long, sid = session(4, "llm 0.27", source="llm")
        turns(
            sid,
            *(
                ImportedEvent(
                    "prompt" if i % 2 else "system", f"turn {i} of the long one", at(4, i)
                )
                for i in range(1, 61)
            ),
            ImportedEvent("system", LONG_TURN, at(4, 61)),
        )

        wide, sid = session(5, "sessiond-chat 0.1.0", source="sessiond-chat", project=SHOP + "/web")
        turns(
            sid,
            *(ImportedEvent("system", f"wide {i} " + "w" * 2990, at(5, i)) for i in range(1, 31)),
        )

        return Seeded(cache.ulid, hostile.ulid, trashed.ulid, long.ulid, wide.ulid)


@attrs.frozen
class Agents:
    parent: str  # in the trash, with a sub-agent session...
    agent: str  # ...`<parent>_<agent>`, which must never be shown either,
    subagent: str  # ...and the agent's own sub-agent, `<agent>_<agent>`


def add_agents(db: Path) -> Agents:
    """A Claude Code session that ran an agent which ran one of its own, all
    three about the kookaburra cache, then the parent moved to the trash
    (which holds its sub-agent sessions with it)."""
    with open_store(str(db)) as store:
        parent, _ = store.import_session(
            ImportedSession(
                _ulid(6), "claude-code 2.0.14", at(6), source="claude-code", project=SHOP
            )
        )
        store.import_events(
            parent.id,
            [ImportedEvent("prompt", "ask an agent about the kookaburra cache", at(6, 1))],
        )
        above, made = parent, []
        for n, text in enumerate(("the kookaburra cache report", "the kookaburra cache details")):
            agent, _ = store.import_session(
                ImportedSession(
                    f"{above.ulid}_agent-{n}a{n}b",
                    "claude-code 2.0.14",
                    at(6, 2 + n),
                    parent_ulid=above.ulid,
                    source="claude-code",
                    project=SHOP,
                )
            )
            store.import_events(agent.id, [ImportedEvent("system", text, at(6, 3 + n))])
            made.append(agent.ulid)
            above = agent
        store.delete_session(parent.id)
    return Agents(parent.ulid, *made)


def unique_prefix(ulid: str, others: list[str]) -> str:
    """The shortest start of `ulid` that no other of `others` starts with
    (ULIDs made in one millisecond differ only at their end)."""
    for n in range(1, len(ulid) + 1):
        if not any(o != ulid and o.startswith(ulid[:n]) for o in others):
            return ulid[:n]
    return ulid


def server_params(db: Path | str, *extra: str, env: dict[str, str] | None = None) -> Any:
    # The SDK hands its server a few safe variables only; PYTHONPATH, when the
    # tests run a checkout that is not the installed one, must come along.
    if env is None and os.environ.get("PYTHONPATH"):
        from mcp.client.stdio import get_default_environment

        env = {**get_default_environment(), "PYTHONPATH": os.environ["PYTHONPATH"]}
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "sessiond", "mcp", "--db", str(db), *extra],
        env=env,
    )


@contextlib.asynccontextmanager
async def serve(db: Path | str, mode: str = "legacy") -> AsyncIterator[Client]:
    """A real `sessiond mcp` process, initialized by the SDK's own client.

    `legacy` is the initialize handshake every MCP client uses today."""
    async with Client(server_params(db), mode=mode, read_timeout_seconds=60) as client:  # type: ignore[arg-type]
        yield client


def text(result: CallToolResult) -> str:
    assert len(result.content) == 1, result.content
    block = result.content[0]
    assert block.type == "text", block
    return block.text


async def call(client: Client, tool: str, **arguments: Any) -> CallToolResult:
    return await client.call_tool(tool, arguments)


async def ok(client: Client, tool: str, **arguments: Any) -> tuple[str, dict[str, Any]]:
    """A call that must succeed: its text and its structured content (which
    the SDK client has already checked against the tool's output schema)."""
    result = await call(client, tool, **arguments)
    assert not result.is_error, text(result)
    assert isinstance(result.structured_content, dict)
    return text(result), result.structured_content


async def refused(client: Client, tool: str, **arguments: Any) -> str:
    """A call that must be a tool error: its text."""
    result = await call(client, tool, **arguments)
    assert result.is_error, text(result)
    assert result.structured_content is None
    return text(result)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_beside(db: Path) -> dict[str, int]:
    """The database's own files and their sizes."""
    return {
        p.name: p.stat().st_size
        for p in db.parent.iterdir()
        if p.name == db.name or p.name.startswith(db.name + "-")
    }


def assert_untouched(db: Path, before_digest: str, before_files: dict[str, int]) -> None:
    """The file is byte-identical; nothing new beside it but SQLite's own reader
    files (an empty -wal and the -shm index)."""
    assert digest(db) == before_digest, "the database file changed"
    after = files_beside(db)
    for name, size in after.items():
        if name in before_files:
            continue
        assert name in (db.name + "-wal", db.name + "-shm"), f"{name} appeared beside the db"
        if name.endswith("-wal"):
            assert size == 0, f"a non-empty WAL ({size} bytes) appeared: something was written"


def importer_available() -> bool:
    try:
        import sessiond.cli.importing  # noqa: F401
    except ImportError:
        return False
    return True


def run_import(db: Path, source: str, path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sessiond", "import", "--db", str(db), source, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def mount_tmpfs(where: Path) -> str | None:
    """Mount a small tmpfs at `where`; the reason when that cannot be done."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return "mounting needs root and mount(8)"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=32m,mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else done.stderr.strip()


def umount(where: Path) -> None:
    subprocess.run(["umount", "-l", str(where)], check=False)


class RawPeer:
    """`sessiond mcp` driven line by line (MCP's stdio framing: one JSON
    message per line), for what a client library would hide."""

    def __init__(self, db: Path | str, *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sessiond", "mcp", "--db", str(db), *extra],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and wait (with a timeout) for its answer."""
        self.next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            message["params"] = params
        self.send(message)
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 30)
        assert ready, f"no answer to {method} within 30 s"
        line = self.proc.stdout.readline()
        assert line, f"sessiond mcp closed its output: {self.close()[1]}"
        answer: dict[str, Any] = json.loads(line)
        assert answer.get("id") == self.next_id, answer
        return answer

    def initialize(self, version: str) -> dict[str, Any]:
        answer = self.request(
            "initialize",
            {
                "protocolVersion": version,
                "capabilities": {},
                "clientInfo": {"name": "rawpeer", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return answer

    def close(self) -> tuple[int, str]:
        """Close stdin (how MCP clients end a stdio server); exit code and stderr."""
        _out, err = self.proc.communicate(timeout=30)
        return self.proc.returncode, err


class Measured:
    """`sessiond mcp` on raw pipes, started through support.peak's launcher so that its peak
    RSS is known once it has ended; its answers are read by a thread that
    counts them by id (and hands each to `check`), keeping none."""

    def __init__(self, db: Path, check: Any = None, timeout: float = 300.0) -> None:
        self.peak_file = Path(f"{db}.peak")
        self.log = Path(f"{db}.stderr")
        command = [sys.executable, "-m", "sessiond", "mcp", "--db", str(db)]
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                launched(command, self.peak_file),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self.timeout = timeout
        self.check = check or (lambda answer: None)
        self.answered: set[Any] = set()
        self.failure: str | None = None
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None

    def initialize(self) -> None:
        """The handshake, read synchronously (before any reading thread)."""
        hello = {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "measured", "version": "1"},
        }
        self.stdin.write(
            _line({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello})
        )
        self.stdin.flush()
        ready, _, _ = select.select([self.stdout], [], [], 60)
        assert ready, "no answer to initialize within 60 s"
        answer = json.loads(self.stdout.readline())
        assert answer["id"] == 0 and "result" in answer, answer
        self.stdin.write(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        self.stdin.flush()

    def flood(self, data: bytes, idle: float) -> bytes:
        """Write `data` without reading any answer, until it is all sent or
        the server has taken no byte for `idle` seconds: what is left unsent.
        Non-blocking writes, so that a server that stops reading cannot hang
        the test."""
        fd = self.stdin.fileno()
        os.set_blocking(fd, False)
        view = memoryview(data)
        try:
            while view:
                if not select.select([], [fd], [], idle)[1]:
                    break
                with contextlib.suppress(BlockingIOError):
                    view = view[os.write(fd, view) :]
        finally:
            os.set_blocking(fd, True)
        return bytes(view)

    def start_reading(self) -> None:
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        fd = self.stdout.fileno()
        buf = bytearray()
        try:
            while chunk := os.read(fd, 1 << 20):
                buf += chunk
                while (end := buf.find(b"\n")) >= 0:
                    answer = json.loads(bytes(buf[:end]))
                    del buf[: end + 1]
                    self.check(answer)
                    with self._cond:
                        self.answered.add(answer.get("id"))
                        self._cond.notify_all()
        except Exception as exc:  # reported by wait_answered, never lost in a thread
            self.failure = f"{type(exc).__name__}: {exc}"
        with self._cond:
            self._cond.notify_all()

    def wait_answered(self, ids: set[Any]) -> None:
        deadline = time.monotonic() + self.timeout
        with self._cond:
            while not ids <= self.answered:
                left = deadline - time.monotonic()
                if self.failure or left <= 0 or self._reader is None or not self._reader.is_alive():
                    raise AssertionError(
                        f"{len(ids - self.answered)} of {len(ids)} requests unanswered "
                        f"({self.failure or 'timeout'}); stderr: {self.stderr()[-1500:]}"
                    )
                self._cond.wait(min(left, 1.0))

    def finish(self) -> tuple[int, float]:
        """Close stdin (how MCP clients end a stdio server): the exit code and
        the peak RSS in MB."""
        self.stdin.close()
        code = self.proc.wait(self.timeout)
        if self._reader is not None:
            self._reader.join(self.timeout)
        self.stdout.close()
        return code, int(self.peak_file.read_text()) / 1024

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for pipe in (self.stdin, self.stdout):
            with contextlib.suppress(OSError):
                pipe.close()


def _line(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode() + b"\n"


def tool_call(msg_id: int, tool: str, **arguments: Any) -> bytes:
    """One `tools/call` request, framed (one JSON message per line)."""
    params = {"name": tool, "arguments": arguments}
    return _line({"jsonrpc": "2.0", "id": msg_id, "method": "tools/call", "params": params})
