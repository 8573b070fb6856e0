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
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import attrs
from mcp_types import CallToolResult
from ulid import ULID

from mcp import Client, StdioServerParameters
from sessiond.store import open_store

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "mcp"  # the MCP tests' own files: registration.md, ts-client/
IMPORT_FIXTURES = REPO / "tests" / "importers" / "fixtures"
V1_DB = REPO / "tests" / "reliability" / "fixtures" / "v1.db"

LONG_TURN = "long turn " + "x" * 9_990  # 10,000 characters


@attrs.frozen
class Seeded:
    """The ULIDs of the seeded sessions, by role."""

    cache: str  # titled, ended: the CI cache story
    hostile: str  # live, its prompt full of control characters
    trashed: str  # deleted: must never be shown
    long: str  # 60 turns, one of them 10,000 characters
    wide: str  # 30 turns of 3,000 characters: more than one answer holds


def _ulid(day: int) -> str:
    """A real ULID from a day of its own, so that prefixes tell sessions apart
    (ULIDs made in one millisecond share all but their last characters)."""
    return str(ULID.from_datetime(datetime.datetime(2025, 10, day, tzinfo=datetime.UTC)))


def seed(db: Path) -> Seeded:
    """A small history written through the store, the way the daemon writes."""
    with open_store(str(db)) as store:
        cache = store.start_session("claude-code 2.0.14", ulid=_ulid(1))
        store.append(cache.id, "prompt", "Why does the CI cache miss on every run?")
        store.append(
            cache.id,
            "system",
            "The cache key uses the runner's home directory; pin it to the workspace.",
        )
        store.append(cache.id, "command", "git commit -m 'pin the cache key'")
        store.rename_session(cache.id, "Fix the flaky CI cache")
        store.end_session(cache.id)

        hostile = store.start_session("codex 0.50.0", ulid=_ulid(2))
        store.append(
            hostile.id,
            "prompt",
            "paint it \x1b[31mred\x1b[0m\rthen \u202eevil\u202c and ring \x07 the bell",
        )

        trashed = store.start_session("aider 0.86.1", ulid=_ulid(3))
        store.append(trashed.id, "prompt", "the zanzibar secret plan for the cache")
        store.delete_session(trashed.id)

        long = store.start_session("llm 0.27", ulid=_ulid(4))
        for i in range(1, 61):
            store.append(long.id, "prompt" if i % 2 else "system", f"turn {i} of the long one")
        store.append(long.id, "system", LONG_TURN)

        wide = store.start_session("sessiond-chat 0.1.0", ulid=_ulid(5))
        for i in range(1, 31):
            store.append(wide.id, "system", f"wide {i} " + "w" * 2990)
        return Seeded(cache.ulid, hostile.ulid, trashed.ulid, long.ulid, wide.ulid)


def unique_prefix(ulid: str, others: list[str]) -> str:
    """The shortest start of `ulid` that no other of `others` starts with
    (ULIDs made in one millisecond differ only at their end)."""
    for n in range(1, len(ulid) + 1):
        if not any(o != ulid and o.startswith(ulid[:n]) for o in others):
            return ulid[:n]
    return ulid


def server_params(db: Path | str, *extra: str, env: dict[str, str] | None = None) -> Any:
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
