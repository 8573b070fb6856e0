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
    MODEL,
    SHOP,
    TOOLS_DIR,
    Seeded,
    add_agents,
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
    search = tools["search_history"]
    query = search.input_schema["properties"]["query"]["description"]
    for syntax in ('"a phrase"', "word*", "-word", "a OR b", "Examples:", "every word"):
        assert syntax in query
    assert set(search.input_schema["properties"]) == {
        "query",
        "limit",
        "project",
        "source",
        "since",
        "until",
        "kinds",
    }
    assert "sessions, best first" in (search.description or "")
    assert search.output_schema is not None
    assert search.output_schema["required"] == ["results", "relaxed", "hits"]
    result = search.output_schema["properties"]["results"]["items"]
    assert result["required"] == ["session", "score", "hits"]
    session = result["properties"]["session"]["properties"]
    assert {"source", "sourceId", "project", "branch", "lastActivityAt", "usage", "models"} <= set(
        session
    )
    assert "absolute path" in search.input_schema["properties"]["project"]["description"]
    assert "claude-code" in search.input_schema["properties"]["source"]["description"]
    assert set(tools["list_sessions"].input_schema["properties"]) == {"limit", "project", "source"}
    assert "most recently active first" in (tools["list_sessions"].description or "")
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
    assert data["results"][0]["session"]["ulid"] == seeded.cache


async def test_search_finds_the_session_that_answers(history: tuple[Path, Seeded]) -> None:
    """A question, not words that must stand in one turn: the session, with
    its best turns, where and when it was held."""
    db, seeded = history
    async with serve(db) as client:
        shown, data = await ok(client, "search_history", query="how did we fix the CI cache")
    (result,) = data["results"]
    assert result["session"]["ulid"] == seeded.cache and data["relaxed"] is False
    assert isinstance(result["score"], float) and result["score"] > 0
    assert sorted(h["seq"] for h in result["hits"]) == [1, 2, 3]
    assert result["hits"][0]["seq"] == 1  # the turn holding both words first
    assert data["hits"] == result["hits"]
    session = result["session"]
    assert (session["source"], session["project"], session["branch"]) == (
        "claude-code",
        SHOP,
        "main",
    )
    assert session["lastActivityAt"] == "2025-10-09T09:00:00.000Z"
    assert session["usage"]["inputTokens"] == 1200 and session["models"] == [MODEL]
    lines = shown.splitlines()
    assert lines[0].startswith('1 session for "how did we fix the CI cache", best first.')
    assert lines[2] == (
        f'1. "Fix the flaky CI cache" · {seeded.cache} · last active 2025-10-09 09:00 UTC'
        f" · claude-code · {SHOP}"
    )
    assert lines[3] == (
        "   #1 prompt, 2025-10-01 09:01 UTC: Why does the **CI** **cache** miss on every run?"
    )
    assert "   #2 system, 2025-10-01 09:02 UTC: The **cache** key uses" in shown
    assert "give it beforeSeq N+1" in lines[-1]
    assert "There may be more" not in shown and "every word" not in shown


async def test_search_relaxed_kinds_times_and_limits(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        relaxed_text, relaxed = await ok(client, "search_history", query="cache wombat")
        only_prompts, prompts = await ok(
            client, "search_history", query="turn", kinds=["prompt"], limit=1
        )
        _, none_since = await ok(
            client, "search_history", query="cache", since="2999-01-01T00:00:00Z"
        )
        _, in_time = await ok(
            client,
            "search_history",
            query="long",
            since="2025-10-04T00:00:00Z",
            until="2025-10-05T00:00:00Z",
        )
        _, commands = await ok(client, "search_history", query="pin cache", kinds=["command"])
    assert relaxed["relaxed"] is True
    assert [r["session"]["ulid"] for r in relaxed["results"]] == [seeded.cache]
    assert "No session holds every word of the query" in relaxed_text
    (result,) = prompts["results"]
    assert result["session"]["ulid"] == seeded.long
    assert {h["kind"] for h in result["hits"]} == {"prompt"}
    assert "There may be more: raise limit" in only_prompts
    assert none_since == {"results": [], "relaxed": False, "hits": []}
    assert [r["session"]["ulid"] for r in in_time["results"]] == [seeded.long]
    assert [(h["seq"], h["kind"]) for h in commands["hits"]] == [(3, "command")]


async def test_search_and_list_by_project_and_source(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        _, shop = await ok(client, "list_sessions", project=SHOP)
        _, slash = await ok(client, "list_sessions", project=SHOP + "/")
        listed, codex = await ok(client, "list_sessions", source="codex")
        _, both = await ok(client, "list_sessions", project=SHOP, source="codex")
        none_text, _ = await ok(client, "list_sessions", project="/home/ada/elsewhere")
        _, wide = await ok(client, "search_history", query="wide", project=SHOP)
        _, web = await ok(client, "search_history", query="wide", project=SHOP + "/web")
        _, shop_sibling = await ok(client, "search_history", query="wide", project=SHOP + "/we")
        found_text, other = await ok(client, "search_history", query="cache", project=TOOLS_DIR)
        _, bell = await ok(client, "search_history", query="bell", source="codex")
        _, no_bell = await ok(client, "search_history", query="bell", source="claude-code")
    assert [s["ulid"] for s in shop["sessions"]] == [seeded.cache, seeded.wide]
    assert shop["total"] == 2 and slash == shop
    assert [s["ulid"] for s in codex["sessions"]] == [seeded.hostile] and codex["total"] == 1
    assert "of 1 session from codex" in listed
    assert both["sessions"] == [] and both["total"] == 0
    assert "No sessions in /home/ada/elsewhere" in none_text
    assert [r["session"]["ulid"] for r in wide["results"]] == [seeded.wide]
    assert web["results"] == wide["results"] and shop_sibling["results"] == []
    assert other["results"] == []
    assert f'No session in {TOOLS_DIR} matches "cache"' in found_text
    assert [r["session"]["ulid"] for r in bell["results"]] == [seeded.hostile]
    assert no_bell["results"] == []


async def test_search_sees_what_is_written_while_it_serves(history: tuple[Path, Seeded]) -> None:
    db, _ = history
    async with serve(db) as client:
        _, before = await ok(client, "search_history", query="quokka")
        with open_store(str(db)) as writer:  # an editor's daemon, writing meanwhile
            sid = writer.start_session("vscode 1.0", source="vscode", project="/home/ada/zoo").id
            writer.append(sid, "prompt", "a quokka in the build logs")
        shown, after = await ok(client, "search_history", query="quokka")
    assert before["results"] == []
    (result,) = after["results"]
    assert [h["seq"] for h in result["hits"]] == [1]
    assert " · vscode · /home/ada/zoo" in shown


async def test_read_a_session_by_prefix(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        prefix = unique_prefix(seeded.cache, list(attrs.astuple(seeded)))
        shown, data = await ok(client, "read_session", ulid=prefix.lower())
    assert data["session"]["ulid"] == seeded.cache
    assert data["session"]["project"] == SHOP and data["session"]["source"] == "claude-code"
    assert [(e["seq"], e["kind"]) for e in data["events"]] == [
        (1, "prompt"),
        (2, "system"),
        (3, "command"),
        (4, "prompt"),
    ]
    assert data["events"][1]["meta"] == {
        "model": MODEL,
        "usage": {"inputTokens": 1200, "outputTokens": 300},
    }
    assert data["nextBeforeSeq"] is None
    lines = shown.splitlines()
    assert lines[:4] == [
        f'Session {seeded.cache} "Fix the flaky CI cache"',
        f"source claude-code, recorded by claude-code 2.0.14, project {SHOP}, branch main",
        "started 2025-10-01 09:00 UTC, last active 2025-10-09 09:00 UTC, "
        "ended 2025-10-09 09:01 UTC, 4 turns",
        f"model {MODEL}, tokens 1,200 in, 300 out",
    ]
    assert "#1 2025-10-01 09:01 UTC prompt:\nWhy does the CI cache miss on every run?" in shown
    assert f"#2 2025-10-01 09:02 UTC system [model {MODEL}]:\nThe cache key" in shown
    assert (
        "#3 2025-10-01 09:03 UTC command [tool Bash]:\ngit commit -m 'pin the cache key'" in shown
    )
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


async def test_list_sessions_by_last_activity(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    async with serve(db) as client:
        shown, data = await ok(client, "list_sessions")
        _, two = await ok(client, "list_sessions", limit=2)
    ulids = [s["ulid"] for s in data["sessions"]]
    # The cache session started first and was active last.
    assert ulids == [seeded.cache, seeded.wide, seeded.long, seeded.hostile]
    assert data["total"] == 4
    assert [s["ulid"] for s in two["sessions"]] == ulids[:2]
    lines = shown.splitlines()
    assert lines[0].startswith("The 4 most recently active of 4 sessions (ULID · last active")
    assert lines[1] == (
        f"- {seeded.cache} · 2025-10-09 09:00 UTC · claude-code · {SHOP} · 4 turns"
        ' · "Fix the flaky CI cache"'
    )
    assert lines[3] == (
        f"- {seeded.long} · 2025-10-04 10:01 UTC · llm · no project · 61 turns, open"
        ' · "turn 1 of the long one"'
    )


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
    assert found["results"] == [] and "No session matches" in searched
    assert seeded.trashed not in {r["session"]["ulid"] for r in cache_hits["results"]}
    assert seeded.trashed not in {s["ulid"] for s in listed["sessions"]}
    for message in (by_ulid, by_prefix):
        assert "no session's ULID is or starts with" in message
        assert "zanzibar" not in message


async def test_sub_agents_of_a_trashed_session_are_never_shown(
    history: tuple[Path, Seeded],
) -> None:
    """A session in the trash takes its sub-agent sessions (`<ulid>_<agent>`,
    and theirs) with it: no tool shows them, by search, list or ULID, and
    they come back when it is restored."""
    db, seeded = history
    agents = add_agents(db)
    hidden = {agents.parent, agents.agent, agents.subagent}
    async with serve(db) as client:
        searched, found = await ok(client, "search_history", query="kookaburra", limit=50)
        _, by_project = await ok(client, "search_history", query="cache", project=SHOP, limit=50)
        listed_text, listed = await ok(client, "list_sessions", limit=200)
        _, listed_here = await ok(client, "list_sessions", project=SHOP, source="claude-code")
        refusals = [await refused(client, "read_session", ulid=u) for u in sorted(hidden)]
        refusals.append(await refused(client, "read_session", ulid=agents.parent[:-1]))
        refusals.append(await refused(client, "read_session", ulid=agents.agent.lower()))
        with open_store(str(db)) as writer:  # the person restores it meanwhile
            parent = writer.get_session(agents.parent)
            assert parent is not None
            writer.restore_session(parent.id)
        _, back = await ok(client, "search_history", query="kookaburra", limit=50)
        _, agent = await ok(client, "read_session", ulid=agents.agent)
    assert found["results"] == [] and found["hits"] == []
    assert "kookaburra" not in searched.replace('"kookaburra"', "")
    assert {r["session"]["ulid"] for r in by_project["results"]} == {seeded.cache}
    assert not hidden & {s["ulid"] for s in listed["sessions"]}
    assert [s["ulid"] for s in listed_here["sessions"]] == [seeded.cache]
    assert not any(u in listed_text for u in hidden)
    for message in refusals:
        assert "no session's ULID is or starts with" in message, message
        assert "kookaburra" not in message
    assert {r["session"]["ulid"] for r in back["results"]} == hidden
    assert agent["session"]["parentUlid"] == agents.parent
    assert agent["events"][0]["text"] == "the kookaburra cache report"


async def test_stored_control_characters_arrive_visible(history: tuple[Path, Seeded]) -> None:
    db, seeded = history
    with open_store(str(db)) as writer:
        odd = writer.start_session(
            "vscode 1.0", source="vs\x07code", project="/tmp/\x1b[2Jwiped\u202e", branch="b\rx"
        )
        writer.append(odd.id, "prompt", "a numbat ate the bell")
    async with serve(db) as client:
        shown, data = await ok(client, "read_session", ulid=seeded.hostile)
        found, _ = await ok(client, "search_history", query="bell")
        listed, _ = await ok(client, "list_sessions")
        where, _ = await ok(client, "read_session", ulid=odd.ulid)
    for answer in (shown, found, listed, where):
        assert "\x1b" not in answer and "\r" not in answer and "\u202e" not in answer
        assert "\x07" not in answer
    assert "paint it \\e[31mred\\e[0m\\rthen \\u202eevil\\u202c and ring \\x07 the bell" in shown
    for answer in (found, listed, where):
        assert "vs\\x07code" in answer and "/tmp/\\e[2Jwiped\\u202e" in answer
    assert "branch b\\rx" in where
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
        ("search_history", {"query": "cache", "project": "src"}, "'project' must be an absolute"),
        ("search_history", {"query": "cache", "project": ""}, "got the string ''"),
        ("search_history", {"query": "cache", "project": 7}, "'project' must be a string"),
        ("search_history", {"query": "cache", "source": ""}, "'source' must be 1 to 256"),
        ("list_sessions", {"project": "~/shop"}, "'project' must be an absolute path"),
        ("list_sessions", {"project": "/" + "x" * 4096}, "1 to 4096 characters"),
        ("list_sessions", {"source": "x" * 257}, "'source' must be 1 to 256"),
        ("list_sessions", {"orderBy": "started"}, "no argument 'orderBy'"),
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
    agent = main + "_a1b2c3d4"  # the Task agent it ran
    async with serve(db) as client:
        shown, data = await ok(client, "search_history", query="cache step")
        ambiguous = await refused(client, "read_session", ulid="5d0f1a52")
        read, session = await ok(client, "read_session", ulid=main.upper())
        with open_store(str(db)) as writer:  # the person moves it to the trash meanwhile
            found = writer.get_session(main)
            assert found is not None
            writer.delete_session(found.id)
        _, trashed = await ok(client, "search_history", query="cache step")
        _, listed = await ok(client, "list_sessions", project="/home/ann/proj")
        gone = await refused(client, "read_session", ulid=agent)
    assert [r["session"]["ulid"] for r in data["results"]] == [main, agent]
    assert {r["session"]["source"] for r in data["results"]} == {"claude-code"}
    assert f'1. "Fix the CI cache" · {main} · last active 2025-10-01 09:04 UTC' in shown
    assert " · claude-code · /home/ann/proj\n" in shown
    assert "   #6 command, 2025-10-01 09:01 UTC: The **cache** **step** fails." in shown
    # A sidechain's id starts with its main session's: the prefix is ambiguous,
    # the whole id (in any case) is not.
    assert "more than one session" in ambiguous
    assert session["session"]["ulid"] == main and session["session"]["title"] == "Fix the CI cache"
    assert read.startswith(f'Session {main} "Fix the CI cache"\nsource claude-code, recorded by')
    assert "project /home/ann/proj, branch main" in read
    # In the trash, the session takes its agent with it.
    assert trashed["results"] == []
    assert not {main, agent} & {s["ulid"] for s in listed["sessions"]}
    assert "no session's ULID is or starts with" in gone
