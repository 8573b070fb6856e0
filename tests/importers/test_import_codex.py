"""Codex rollouts: fixtures/codex (a Codex home) to exactly the expected
sessions and events; each chat message once although Codex writes it twice,
without the messages Codex injects as if the person wrote them."""

from __future__ import annotations

import json
import shutil

import pytest

from sessiond.importers.codex import SOURCE
from sessiond.importers.run import run_import
from support.importing import digests, events, kinds_texts, read_source, sessions

FIRST = "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
FORK = "0199a1b9-0000-7abc-8def-111122223333"
OLDEST = "5973b6c0-94b8-487b-a530-2aeb6098ae0e"
FIRST_FILE = f"sessions/2025/10/29/rollout-2025-10-29T00-59-38-{FIRST}.jsonl"

FIRST_EVENTS = [
    ("prompt", "add a --verbose flag", "2025-10-29T00:59:40.000Z"),
    ("system", "I'll add it to the parser.", "2025-10-29T00:59:43.000Z"),
    ("command", 'shell {"command":["rg","argparse"]}', "2025-10-29T00:59:44.000Z"),
    ("command", "cli.py:3:import argparse\n", "2025-10-29T00:59:45.000Z"),
    (
        "command",
        "apply_patch *** Begin Patch\n*** Update File: cli.py\n"
        "+parser.add_argument('--verbose')\n*** End Patch",
        "2025-10-29T00:59:47.000Z",
    ),
    ("command", "Success. Updated the following files:\nM cli.py", "2025-10-29T00:59:47.500Z"),
    ("system", "Added `--verbose`.", "2025-10-29T00:59:49.000Z"),
    ("prompt", "now run the tests", "2025-10-29T01:02:00.000Z"),
    ("command", "web_search pytest -q flag", "2025-10-29T01:02:03.000Z"),
    ("warn", "turn aborted: interrupted", "2025-10-29T01:02:05.000Z"),
]


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy, monkeypatch):
    home = copy("codex/codex-home")
    monkeypatch.setenv("CODEX_HOME", str(home))
    summary = run_import(store, "codex", [])  # the default place: $CODEX_HOME/sessions

    assert sessions(store) == {
        # the newest name in session_index.jsonl is the title
        FIRST: ("codex 0.46.0", "Add a verbose flag", None, "2025-10-29T00:59:38.308Z", 10),
        FORK: ("codex 0.47.1", "Document the verbose flag", FIRST, "2025-10-29T03:00:00.000Z", 4),
        # a very old rollout, straight in sessions/: no version, no time per line
        OLDEST: ("codex", None, None, "2025-05-07T17:24:21.123Z", 4),
    }
    assert events(store, FIRST) == FIRST_EVENTS
    assert kinds_texts(store, FORK) == [
        ("prompt", "and document it"),
        ("command", 'shell {"command":["ls"]}'),
        ("command", "README.md\ncli.py"),
        ("system", "Documented in README.md."),
    ]
    assert events(store, OLDEST) == [
        ("prompt", "what does main.rs do?", "2025-05-07T17:24:21.123Z"),
        ("command", "shell cat src/main.rs", "2025-05-07T17:24:21.123Z"),
        ("command", "fn main() {}", "2025-05-07T17:24:21.123Z"),
        ("system", "It does nothing yet.", "2025-05-07T17:24:21.123Z"),
    ]
    assert summary.events_added == 18 and not summary.skipped and summary.exit_code == 0


def test_a_second_import_adds_nothing_and_never_writes_the_source(store, copy):
    home = copy("codex/codex-home")
    before = digests(home)
    run_import(store, "codex", [home / "sessions"])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "codex", [home / "sessions"])

    assert again.events_added == 0 and again.unchanged == 3
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(home) == before


def test_a_new_turn_written_twice_is_added_once_after_the_stored_ones(store, copy):
    home = copy("codex/codex-home")
    run_import(store, "codex", [home / "sessions"])
    with (home / FIRST_FILE).open("a") as f:
        for line in (
            (
                "response_item",
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": "try again"}],
                },
            ),
            ("event_msg", {"type": "user_message", "message": "try again", "kind": "plain"}),
            (
                "response_item",
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "All 12 pass."}],
                },
            ),
            ("event_msg", {"type": "agent_message", "message": "All 12 pass."}),
            ("event_msg", {"type": "token_count", "info": None}),
        ):
            f.write(
                json.dumps(
                    {"timestamp": "2025-10-29T01:10:00.000Z", "type": line[0], "payload": line[1]}
                )
                + "\n"
            )

    grown = run_import(store, "codex", [home / "sessions"])

    assert events(store, FIRST) == [
        *FIRST_EVENTS,
        ("prompt", "try again", "2025-10-29T01:10:00.000Z"),
        ("system", "All 12 pass.", "2025-10-29T01:10:00.000Z"),
    ]
    assert grown.events_added == 2 and grown.unchanged == 2


def test_an_archived_rollout_is_not_imported_again(store, copy):
    home = copy("codex/codex-home")
    run_import(store, "codex", [home / "sessions", home / "archived_sessions"])
    (home / "archived_sessions").mkdir()
    (home / FIRST_FILE).rename(home / "archived_sessions" / (home / FIRST_FILE).name)

    again = run_import(store, "codex", [home / "sessions", home / "archived_sessions"])

    assert again.events_added == 0 and again.unchanged == 3


# Version 3 and the fixes of issues 23 and 25, on fixtures/codex/weather-home
# (shapes from Codex's TypeScript CLI and codex-rs: see fixtures/codex/README.md).

WEATHER = "codex/weather-home"
DAY = "sessions/2026/03/02"
PARENT = "019cad31-7a52-7d40-9e11-2b3c4d5e6f70"  # from VS Code: IDE wrappers, token counts
CHILD = "019cad40-1b2c-7e3d-8f4a-5b6c7d8e9f01"  # forked from it after its first turn
PARENT_FILE = f"{DAY}/rollout-2026-03-02T11-15-04-{PARENT}.jsonl"
CHILD_FILE = f"{DAY}/rollout-2026-03-02T11-31-40-{CHILD}.jsonl"
TS_SAVES = "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d"  # two files of one session (TS, first release)
TS_SAVED_LATER = "0d9c8b7a-6f5e-4d3c-8b2a-190f8e7d6c5b"
TS = "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9"  # one TS document


def _records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_every_session_carries_what_its_rollout_records(copy):
    home = copy(WEATHER)
    read = read_source("codex", [home / "sessions"])

    for ulid, name in ((PARENT, PARENT_FILE), (CHILD, CHILD_FILE)):
        meta = _records(home / name)[0]["payload"]
        assert meta["id"] == ulid
        assert read.v3(ulid) == ("codex", ulid, meta["cwd"], meta["git"]["branch"])
        assert read.sessions[ulid].cli_version == f"codex {meta['cli_version']}"
    assert read.sessions[CHILD].parent_ulid == PARENT
    # the usage of each reply: the last token count after it, input split from
    # the cached part (a repeated count taken once)
    counts = [
        r["payload"]["info"]["last_token_usage"]
        for r in _records(home / PARENT_FILE)
        if r["type"] == "event_msg"
        and r["payload"]["type"] == "token_count"
        and r["payload"]["info"]
    ]
    assert counts[0] == counts[1]  # Codex repeated it
    expected = [
        {
            "inputTokens": c["input_tokens"] - c["cached_input_tokens"],
            "outputTokens": c["output_tokens"],
            "cacheReadTokens": c["cached_input_tokens"],
        }
        for c in (counts[0], counts[2])
    ]
    assert [
        e.meta["usage"] for e in read.events[PARENT] if e.meta and "usage" in e.meta
    ] == expected
    assert read.metas(PARENT) == [
        ("prompt", None),
        ("command", {"tool": "shell_command", "model": "gpt-5.3-codex"}),
        ("command", {"tool": "shell_command"}),
        ("system", {"model": "gpt-5.3-codex", "usage": expected[0]}),
        ("prompt", None),
        ("command", {"tool": "apply_patch", "model": "gpt-5.3-codex"}),
        ("command", {"tool": "apply_patch"}),
        ("system", {"model": "gpt-5.3-codex", "usage": expected[1]}),
    ]


def test_the_ide_wrappers_are_not_the_prompt_and_a_fork_keeps_only_its_own_turns(copy, store):
    home = copy(WEATHER)
    summary = run_import(store, "codex", [home / "sessions" / "2026"])

    assert kinds_texts(store, PARENT) == [
        ("prompt", "why does --city fail with spaces?"),
        (
            "command",
            'shell_command {"command":"grep -n \'city\' weather/forecast.py",'
            '"workdir":"/home/dana/src/weather-cli"}',
        ),
        (
            "command",
            'Exit code: 0\nWall time: 0.1 seconds\nOutput:\n12:    url = BASE + "/forecast?q=" + city\n',
        ),
        (
            "system",
            "The city is pasted into the URL unquoted, so `New York` breaks the query string.",
        ),
        ("prompt", "quote the city in the URL there"),
        (
            "command",
            "apply_patch *** Begin Patch\n*** Update File: weather/forecast.py\n@@\n"
            '-    url = BASE + "/forecast?q=" + city\n'
            '+    url = BASE + "/forecast?q=" + quote(city)\n*** End Patch',  # trimmed
        ),
        ("command", "Success. Updated the following files:\nM weather/forecast.py\n"),
        ("system", "Done: the city is now passed through `urllib.parse.quote`."),
    ]
    assert store.get_session(PARENT).preview == "why does --city fail with spaces?"
    # the parent's first turn, copied into the fork's rollout, is not the fork's
    assert events(store, CHILD) == [
        ("prompt", "instead of quote(), pass params= to requests", "2026-03-02T10:31:58.450Z"),
        (
            "system",
            'Switched to `session.get(BASE + "/forecast", params={"q": city})`; requests does the quoting.',
            "2026-03-02T10:32:04.870Z",
        ),
    ]
    assert sessions(store)[CHILD][2] == PARENT
    assert summary.events_added == 10 and not summary.skipped


def test_a_fork_read_without_its_parents_rollout_still_leaves_the_copy_out(copy, store):
    home = copy(WEATHER)
    alone = home / "alone"
    alone.mkdir()
    (home / CHILD_FILE).rename(alone / (home / CHILD_FILE).name)

    run_import(store, "codex", [alone])

    assert [k for k, _ in kinds_texts(store, CHILD)] == ["prompt", "system"]


def test_a_fork_whose_parent_was_imported_in_an_earlier_run_leaves_the_copy_out(copy, store):
    home = copy(WEATHER)
    run_import(store, "codex", [home / PARENT_FILE])
    # Copied lines stamped seconds apart: only the parent's own lines (looked
    # for in the Codex home, as the parent is not read again) tell them apart.
    records = _records(home / CHILD_FILE)
    for i, record in enumerate(records[1:14], start=1):
        record["timestamp"] = f"2026-03-02T10:31:{40 + i}.000Z"
    (home / CHILD_FILE).write_text("".join(json.dumps(r) + "\n" for r in records))

    later = run_import(store, "codex", [home / "sessions" / "2026"])

    assert later.unchanged == 1
    assert [k for k, _ in kinds_texts(store, CHILD)] == ["prompt", "system"]
    assert sessions(store)[CHILD][4] == 2


def test_typescript_rollouts_are_one_session_per_conversation_each_turn_once(copy, store):
    home = copy(WEATHER)
    first = run_import(store, "codex", [home / "sessions"])

    # the first release saved one session under a new id each time: one session
    assert TS_SAVED_LATER not in sessions(store)
    assert sessions(store)[TS_SAVES] == ("codex", None, None, "2025-04-18T07:31:04.902Z", 4)
    assert kinds_texts(store, TS_SAVES) == [
        ("prompt", "what does weather/cache.py do?"),
        ("system", "It stores each forecast response in a JSON file for ten minutes."),
        ("prompt", "make it five"),
        ("system", "Changed `TTL_SECONDS` to 300."),
    ]
    # reasoning left out; the local error notice at the time its id records
    assert events(store, TS)[-1] == (
        "alert",
        "⚠️  Rate limit reached. Error details: Status: 429, Code: rate_limit_exceeded, "
        "Type: tokens, Message: unknown. Please try again later.",
        "2025-05-20T11:09:51.274Z",
    )
    assert [k for k, _ in kinds_texts(store, TS)] == [
        "prompt", "command", "command", "command", "command", "system",
        "prompt", "command", "command", "alert",
    ]  # fmt: skip
    read = read_source("codex", [home / "sessions"])
    assert read.v3(TS) == ("codex", None, None, None)  # `codex resume` cannot open these
    assert [m for _, m in read.metas(TS)][7:9] == [
        {"tool": "shell"},
        {"tool": "shell", "isError": True},  # exit_code 1 in the output's metadata
    ]
    assert first.events_added == 4 + 10 + 10

    # A later save under yet another id, with one more turn: only that turn.
    later = json.loads(
        (home / "sessions" / f"rollout-2025-04-18-{TS_SAVED_LATER}.json").read_text()
    )
    later["session"]["id"] = "7e7e7e7e-0000-4000-8000-000000000001"
    later["session"]["timestamp"] = "2025-04-18T07:33:00.000Z"
    later["items"] += [
        {"role": "user", "type": "message", "content": [{"type": "input_text", "text": "thanks"}]},
        {
            "id": "msg_6802003c0000819100000000000000aa",
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "You're welcome.", "annotations": []}],
        },
    ]
    name = "rollout-2025-04-18-7e7e7e7e-0000-4000-8000-000000000001.json"
    (home / "sessions" / name).write_text(json.dumps(later, indent=2))

    grown = run_import(store, "codex", [home / "sessions"])

    assert kinds_texts(store, TS_SAVES)[4:] == [("prompt", "thanks"), ("system", "You're welcome.")]
    assert grown.events_added == 2 and grown.sessions_added == 0
    assert run_import(store, "codex", [home / "sessions"]).events_added == 0


def test_a_rollout_without_an_id_in_its_name_is_known_by_its_first_line(copy, store):
    home = copy(WEATHER)
    run_import(store, "codex", [home / "sessions"])
    renamed = home / "backup" / "rollout-old.jsonl"
    renamed.parent.mkdir()
    shutil.copy(home / PARENT_FILE, renamed)

    again = run_import(store, "codex", [renamed])

    assert again.events_added == 0 and again.sessions_added == 0
    assert SOURCE.key(renamed) == f"rollout-{PARENT}"


@pytest.mark.parametrize(
    ("name", "content", "looks"),
    [
        (
            "rollout-2026-03-02T09-14-05-4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f.jsonl",
            '{"type":"user","sessionId":"4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f","uuid":"u1",'
            '"message":{"role":"user","content":"hi"}}\n',
            "is not a Codex rollout: it looks like a Claude Code transcript",
        ),
        (
            "rollout-2025-04-18-11111111-2222-4333-8444-555555555555.json",
            '{\n  "name": "weather-cli"\n}\n',
            "is not a Codex rollout: it is a JSON document without a rollout's session and items",
        ),
        ("rollout-junk.jsonl", "\x00\x01 not json\n" * 10, "it looks like binary data"),
    ],
    ids=["claude-code", "json-document", "binary"],
)
def test_a_file_of_another_format_is_not_recognised(store, tmp_path, name, content, looks):
    path = tmp_path / name
    path.write_text(content)

    summary = run_import(store, "codex", [path])

    assert summary.events_added == 0 and summary.exit_code == 1
    [(_, why)] = summary.failed
    assert looks in why


def test_a_value_of_an_unexpected_type_or_time_skips_its_line_only(store, tmp_path):
    path = tmp_path / f"rollout-2026-03-02T11-15-04-{PARENT}.jsonl"

    def line(when: str, kind: str, payload: dict) -> str:
        return json.dumps({"timestamp": when, "type": kind, "payload": payload}) + "\n"

    def said(text: str) -> dict:
        return {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": text}],
        }

    at = "2026-03-02T10:15:04.300Z"
    path.write_text(
        line(at, "session_meta", {"id": PARENT, "timestamp": at, "cli_version": "0.107.0"})
        + line(at, "response_item", said("first"))
        + line(at, "response_item", {"type": "message", "role": "user", "content": 5})
        + line("+10000-01-01T00:00:00Z", "response_item", said("from the far future"))
        + line(at, "response_item", {"type": "function_call", "name": 5, "arguments": []})
        + line(at, "event_msg", {"type": "error", "message": "stream disconnected"})
        + line(at, "response_item", said("last"))
    )

    summary = run_import(store, "codex", [path])

    assert kinds_texts(store, PARENT) == [
        ("prompt", "first"),
        ("command", "tool []"),
        ("alert", "stream disconnected"),
        ("prompt", "last"),
    ]
    assert summary.skipped == {
        "messages whose content is not a list": 1,
        "lines whose time is not one sessiond can store": 1,
    }
