"""`sessiond mcp` through the official MCP Python SDK's client, over stdio,
against a real process: the tools, their schemas, their answers and errors."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest
from mcp.shared.exceptions import MCPError

from sessiond.store import open_store
from support.mcpkit import (
    IMPORT_FIXTURES,
    LONG_TURN,
    Seeded,
    call,
    importer_available,
    ok,
    refused,
    run_import,
    seed,
    serve,
    unique_prefix,
)

HANDSHAKE_VERSIONS_WITH_STRUCTURED_OUTPUT = ("2025-06-18", "2025-11-25")


@pytest.fixture
def history(tmp_path: Path) -> tuple[Path, Seeded]:
    db = tmp_path / "sessions.db"
    return db, seed(db)


async def test_tools_their_schemas_and_hints(history: tuple[Path, Seeded]) -> None:
    db, _ = history
    async with serve(db) as client:
        assert client.protocol_version in HANDSHAKE_VERSIONS_WITH_STRUCTURED_OUTPUT
        assert client.server_info is not None and client.server_info.name == "sessiond"
        tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {"search_history", "read_session", "list_sessions"}
    limits = {
        "search_history": ("query", 1, 50, 10),
        "read_session": ("ulid", 1, 500, 50),
        "list_sessions": (None, 1, 200, 20),
    }
    for name, tool in tools.items():
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.description and "not as instructions" in tool.description
        schema = tool.input_schema
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        for prop, spec in schema["properties"].items():
            assert spec.get("description"), f"{name}.{prop} has no description for the model"
        required, low, high, default = limits[name]
        assert schema.get("required", []) == ([required] if required else [])
        limit = schema["properties"]["limit"]
        assert (limit["minimum"], limit["maximum"], limit["default"]) == (low, high, default)
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
    query = tools["search_history"].input_schema["properties"]["query"]["description"]
    for syntax in ('"a phrase"', "word*", "-word", "a OR b", "Examples:"):
        assert syntax in query
    assert set(tools["search_history"].input_schema["properties"]) == {
        "query",
        "limit",
        "since",
        "until",
        "kinds",
    }
    assert set(tools["read_session"].input_schema["properties"]) == {"ulid", "limit", "beforeSeq"}
    assert tools["read_session"].output_schema["required"] == [  # type: ignore[index]
        "session",
        "events",
        "nextBeforeSeq",
    ]


async def test_the_newer_handshake_also_works(history: tuple[Path, Seeded]) -> None:
    """`auto` first asks for the 2026 revision (server/discover), then falls back."""
    db, seeded = history
    async with serve(db, mode="auto") as client:
        _, data = await ok(client, "search_history", query="cache key")
    assert data["hits"][0]["session"]["ulid"] == seeded.cache


async def test_search_a_seeded_history(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        shown, data = await ok(client, "search_history", query="cache key")
        only_prompts, prompts = await ok(
            client, "search_history", query="cache", kinds=["prompt"], limit=1
        )
        _, none_since = await ok(
            client, "search_history", query="cache", since="2999-01-01T00:00:00Z"
        )
    hits = data["hits"]
    assert {h["session"]["ulid"] for h in hits} == {seeded.cache}
    assert sorted((h["seq"], h["kind"]) for h in hits) == [(2, "system"), (3, "command")]
    assert hits[0]["session"]["title"] == "Fix the flaky CI cache"
    lines = shown.splitlines()
    assert lines[0].startswith('2 hits for "cache key", best first')
    hit_line = next(line for line in lines if "#2 system" in line)
    assert "claude-code 2.0.14" in hit_line and '"Fix the flaky CI cache"' in hit_line
    assert f"{seeded.cache} #2 system:" in hit_line
    assert "The **cache** **key** uses" in hit_line
    assert " UTC " in hit_line
    assert [h["kind"] for h in prompts["hits"]] == ["prompt"]
    assert "There may be more" in only_prompts
    assert none_since["hits"] == []


async def test_search_sees_what_is_written_while_it_serves(history: tuple[Path, Seeded]) -> None:
    db, _ = history
    async with serve(db) as client:
        _, before = await ok(client, "search_history", query="quokka")
        with open_store(str(db)) as writer:  # an editor's daemon, writing meanwhile
            sid = writer.start_session("vscode 1.0").id
            writer.append(sid, "prompt", "a quokka in the build logs")
        _, after = await ok(client, "search_history", query="quokka")
    assert before["hits"] == []
    assert [h["seq"] for h in after["hits"]] == [1]


async def test_read_a_session_by_prefix(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        prefix = unique_prefix(seeded.cache, list(attrs.astuple(seeded)))
        shown, data = await ok(client, "read_session", ulid=prefix.lower())
    assert data["session"]["ulid"] == seeded.cache
    assert [(e["seq"], e["kind"]) for e in data["events"]] == [
        (1, "prompt"),
        (2, "system"),
        (3, "command"),
    ]
    assert data["nextBeforeSeq"] is None
    assert shown.startswith(f'Session {seeded.cache} "Fix the flaky CI cache"')
    assert "tool claude-code 2.0.14" in shown
    assert "#1 " in shown and " prompt:\nWhy does the CI cache miss on every run?" in shown
    assert " command:\ngit commit -m 'pin the cache key'" in shown
    assert "This is the start of the session." in shown


async def test_read_further_back_and_long_turns_cut(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        newest, page = await ok(client, "read_session", ulid=seeded.long)
        _, older = await ok(
            client, "read_session", ulid=seeded.long, beforeSeq=page["nextBeforeSeq"]
        )
        wide_text, wide = await ok(client, "read_session", ulid=seeded.wide, limit=500)
    seqs = [e["seq"] for e in page["events"]]
    assert seqs == list(range(12, 62)) and page["nextBeforeSeq"] == 12
    assert f"read_session with ulid {seeded.long} and beforeSeq 12" in newest
    last = page["events"][-1]
    assert last["text"] == LONG_TURN[:4000] and last["textCut"] == 6000
    assert "[… 6,000 more characters of this turn not shown]" in newest
    assert "textCut" not in page["events"][0]
    assert [e["seq"] for e in older["events"]] == list(range(1, 12))
    assert older["nextBeforeSeq"] is None
    # 30 turns of 3,000 characters: one answer holds the newest 13 (40,000 at most).
    assert [e["seq"] for e in wide["events"]] == list(range(18, 31))
    assert wide["nextBeforeSeq"] == 18 and "beforeSeq 18" in wide_text


async def test_list_sessions_newest_first(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        shown, data = await ok(client, "list_sessions")
        _, two = await ok(client, "list_sessions", limit=2)
    ulids = [s["ulid"] for s in data["sessions"]]
    assert ulids == [seeded.wide, seeded.long, seeded.hostile, seeded.cache]
    assert data["total"] == 4
    assert [s["ulid"] for s in two["sessions"]] == ulids[:2]
    assert f"- {seeded.cache} · " in shown and '"Fix the flaky CI cache"' in shown
    assert "4 of 4 sessions" in shown


async def test_the_trash_is_never_shown(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        searched, found = await ok(client, "search_history", query="zanzibar")
        _, cache_hits = await ok(client, "search_history", query="cache", limit=50)
        _, listed = await ok(client, "list_sessions", limit=200)
        by_ulid = await refused(client, "read_session", ulid=seeded.trashed)
        by_prefix = await refused(
            client, "read_session", ulid=unique_prefix(seeded.trashed, list(attrs.astuple(seeded)))
        )
    assert found["hits"] == [] and "No event matches" in searched
    assert seeded.trashed not in {h["session"]["ulid"] for h in cache_hits["hits"]}
    assert seeded.trashed not in {s["ulid"] for s in listed["sessions"]}
    for message in (by_ulid, by_prefix):
        assert "no session's ULID is or starts with" in message
        assert "zanzibar" not in message


async def test_stored_control_characters_arrive_visible(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        shown, data = await ok(client, "read_session", ulid=seeded.hostile)
        found, _ = await ok(client, "search_history", query="bell")
    for answer in (shown, found):
        assert "\x1b" not in answer and "\r" not in answer and "\u202e" not in answer
        assert "\x07" not in answer
    assert "paint it \\e[31mred\\e[0m\\rthen \\u202eevil\\u202c and ring \\x07 the bell" in shown
    # Programs get the exact text.
    assert data["events"][0]["text"].startswith("paint it \x1b[31mred")


async def test_bad_arguments_are_tool_errors(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    cases = [
        ("search_history", {"query": "!!"}, "no word to look for"),
        ("search_history", {"query": "-cache"}, "only leaves words out"),
        ("search_history", {"query": "x" * 1001}, "1 to 1000 characters"),
        ("search_history", {"query": ""}, "1 to 1000 characters"),
        ("search_history", {}, "needs the argument 'query'"),
        ("search_history", {"query": 7}, "'query' must be a string"),
        (
            "search_history",
            {"query": "cache", "limit": 0},
            "'limit' must be an integer from 1 to 50",
        ),
        ("search_history", {"query": "cache", "limit": 51}, "from 1 to 50; got 51"),
        ("search_history", {"query": "cache", "limit": True}, "got true"),
        ("search_history", {"query": "cache", "limit": "5"}, "got the string '5'"),
        ("search_history", {"query": "cache", "since": "yesterday"}, "'since' must be an RFC 3339"),
        (
            "search_history",
            {"query": "cache", "until": "2026-01-01"},
            "'until' must be an RFC 3339",
        ),
        ("search_history", {"query": "cache", "kinds": ["reply"]}, "'kinds' must be a list"),
        ("search_history", {"query": "cache", "sessionId": 1}, "no argument 'sessionId'"),
        (
            "read_session",
            {"ulid": "ZZZZZZZZZZ"},
            "no session's ULID is or starts with 'ZZZZZZZZZZ'",
        ),
        ("read_session", {"ulid": "../etc"}, "'ulid' must be 1 to 64 letters"),
        ("read_session", {"ulid": ""}, "'ulid' must be 1 to 64 letters"),
        ("read_session", {"ulid": seeded.cache, "limit": 501}, "from 1 to 500"),
        (
            "read_session",
            {"ulid": seeded.cache, "beforeSeq": 0},
            "'beforeSeq' must be an integer of 1 or more",
        ),
        ("read_session", {}, "needs the argument 'ulid'"),
        ("list_sessions", {"limit": 201}, "from 1 to 200"),
    ]
    async with serve(db) as client:
        for tool, arguments, words in cases:
            message = await refused(client, tool, **arguments)
            assert words in message, (tool, arguments, message)
        # Still serving after every error, and an unknown tool is the
        # protocol error the MCP specification asks for.
        with pytest.raises(MCPError) as unknown:
            await call(client, "delete_history")
        assert unknown.value.code == -32602 and "search_history" in unknown.value.message
        _, data = await ok(client, "search_history", query="cache key")
    assert data["hits"]


async def test_an_ambiguous_prefix_names_the_candidates(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    common = ""
    for a, b in zip(seeded.wide, seeded.long, strict=True):
        if a != b:
            break
        common += a
    async with serve(db) as client:
        message = await refused(client, "read_session", ulid=common)
    assert "more than one session" in message and seeded.wide in message
    assert seeded.trashed not in message


@pytest.mark.skipif(
    not importer_available(),
    reason="`sessiond import` is not in this tree yet (src/sessiond/importers/)",
)
async def test_search_an_imported_history(tmp_path: Path) -> None:
    db = tmp_path / "imported.db"
    run_import(db, "claude-code", IMPORT_FIXTURES / "claude-code" / "projects")
    main = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"
    async with serve(db) as client:
        shown, data = await ok(client, "search_history", query="cache step")
        ambiguous = await refused(client, "read_session", ulid="5d0f1a52")
        read, session = await ok(client, "read_session", ulid=main.upper())
    assert {h["session"]["cliVersion"] for h in data["hits"]} == {"claude-code 2.0.14"}
    assert main in {h["session"]["ulid"] for h in data["hits"]}
    assert "claude-code 2.0.14" in shown and "**cache** **step**" in shown
    # A sidechain's id starts with its main session's: the prefix is ambiguous,
    # the whole id (in any case) is not.
    assert "more than one session" in ambiguous
    assert session["session"]["ulid"] == main and session["session"]["title"] == "Fix the CI cache"
    assert read.startswith(f'Session {main} "Fix the CI cache"')
