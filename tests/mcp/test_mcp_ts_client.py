"""`sessiond mcp` driven by a client no one here wrote: the TypeScript MCP
SDK's (`@modelcontextprotocol/sdk`, pinned in ts-client/package-lock.json),
which also checks every structuredContent against the tool's outputSchema."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

from support.mcpkit import HERE, seed, unique_prefix

# Node and the TypeScript SDK start: several seconds.
pytestmark = pytest.mark.slow

CLIENT = HERE / "ts-client"


def node_tools() -> tuple[str, str]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        how = "install Node.js 18 or later (node and npm on PATH)"
        if os.environ.get("CI"):
            pytest.fail(f"the TypeScript SDK test needs Node.js: {how}")
        pytest.skip(f"no Node.js here: {how}")
    return node, npm


def installed(npm: str) -> None:
    """`npm ci` from the lock file, once (CI may have done it already)."""
    if (CLIENT / "node_modules" / "@modelcontextprotocol" / "sdk").is_dir():
        return
    done = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"npm ci failed in {CLIENT}:\n{done.stderr}"


def test_the_typescript_sdk_client(tmp_path: Path) -> None:
    node, npm = node_tools()
    installed(npm)
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    prefix = unique_prefix(seeded.cache, list(attrs.astuple(seeded)))
    server = [sys.executable, "-m", "sessiond", "mcp", "--db", str(db)]
    run = subprocess.run(
        [node, "client.mjs", prefix, "--", *server],
        cwd=CLIENT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)

    assert got["protocolVersion"] in ("2025-06-18", "2025-11-25")
    assert got["server"]["name"] == "sessiond"
    tools = {t["name"]: t for t in got["tools"]}
    assert set(tools) == {"search_history", "read_session", "list_sessions"}
    assert all(t["annotations"]["readOnlyHint"] is True for t in tools.values())

    search = got["search"]
    assert not search.get("isError")
    assert {h["session"]["ulid"] for h in search["structuredContent"]["hits"]} == {seeded.cache}
    assert "**cache** **key**" in search["content"][0]["text"]

    read = got["read"]
    assert not read.get("isError")
    assert read["structuredContent"]["session"]["ulid"] == seeded.cache
    assert [e["kind"] for e in read["structuredContent"]["events"]] == [
        "prompt",
        "system",
        "command",
    ]

    listed = got["list"]["structuredContent"]
    assert [s["ulid"] for s in listed["sessions"]] == [seeded.wide, seeded.long]

    for refused, words in ((got["unknownUlid"], "no session's ULID"), (got["badQuery"], "no word")):
        assert refused["isError"] is True and words in refused["content"][0]["text"]
        assert "structuredContent" not in refused
    assert got["unknownTool"]["code"] == -32602
