"""The README's lines that register `sessiond mcp` with Claude Code, Codex and
VS Code parse as their tools read them, and start a server that works as
written: run by the SDK's client with nothing but the default place of the
history (no --db, no SESSIOND_DB), as an agent would start it."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import tomllib
from pathlib import Path

import pytest

from mcp import Client, StdioServerParameters
from support.mcpkit import HERE, REPO, ok, seed

# Each registration line starts the MCP SDK: several seconds.
pytestmark = pytest.mark.slow

SECTION = "## Give your agents a memory"
DOCS = [HERE / "registration.md"]
if SECTION in (REPO / "README.md").read_text(encoding="utf-8"):
    DOCS.append(REPO / "README.md")


def section(doc: Path) -> str:
    text = doc.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start : end if end >= 0 else len(text)]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def registrations(doc: Path) -> dict[str, list[str]]:
    """Each client's server command line, as that client would read it."""
    text = section(doc)
    found: dict[str, list[str]] = {}

    (sh,) = blocks(text, "sh")
    (line,) = [x for x in sh.splitlines() if x.startswith("claude mcp add")]
    words = shlex.split(line)
    cut = words.index("--")
    # Claude Code wants every option before the server's name, then `--`.
    assert words[cut - 1] == "sessiond" and not words[cut - 1].startswith("-")
    options = words[3 : cut - 1]
    assert options[options.index("--transport") + 1] == "stdio"
    assert options[options.index("--scope") + 1] == "user"
    found["claude"] = words[cut + 1 :]

    (toml,) = blocks(text, "toml")
    server = tomllib.loads(toml)["mcp_servers"]["sessiond"]
    assert set(server) == {"command", "args"}
    found["codex"] = [server["command"], *server["args"]]

    (vscode,) = blocks(text, "json")
    entry = json.loads(vscode)["servers"]["sessiond"]
    assert entry["type"] == "stdio"
    found["vscode"] = [entry["command"], *entry["args"]]
    return found


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
async def test_the_registration_lines_start_a_working_server(doc: Path, tmp_path: Path) -> None:
    found = registrations(doc)
    assert set(found) == {"claude", "codex", "vscode"}
    home = tmp_path / "home"
    db = home / ".local" / "share" / "sessiond" / "sessions.db"  # platformdirs' default
    db.parent.mkdir(parents=True)
    seeded = seed(db)
    for client_name, command in found.items():
        assert command == ["sessiond", "mcp"], (client_name, command)
        assert shutil.which(command[0]), f"{command[0]} is not on PATH"
        params = StdioServerParameters(
            command=command[0], args=command[1:], env={"HOME": str(home)}
        )
        async with Client(params, mode="legacy", read_timeout_seconds=60) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            _, data = await ok(client, "search_history", query="cache key")
        assert names == {"search_history", "read_session", "list_sessions"}
        assert {h["session"]["ulid"] for h in data["hits"]} == {seeded.cache}, client_name
