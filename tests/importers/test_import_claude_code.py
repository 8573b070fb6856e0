"""Claude Code transcripts: every case of fixtures/claude-code, imported into a
real SQLite store, to exactly the expected sessions and events."""

from __future__ import annotations

import json
import shutil

import pytest

from sessiond.importers.base import NotRecognised
from sessiond.importers.claude_code import SOURCE
from sessiond.importers.run import run_import
from support.importing import digests, events, everything, kinds_texts, read_source, sessions

MAIN = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"
AGENT = f"{MAIN}_a1b2c3d4"
OLD = "0b7e4f3c-2a19-4d5e-8c6b-7f1a2b3c4d5e"
OLD_SIDE_1 = f"{OLD}_x1"
OLD_SIDE_2 = f"{OLD}_y1"
PROJECT = "projects/-home-ann-proj"

MAIN_EVENTS = [
    ("prompt", "Why does the build fail on CI only?", "2025-10-01T09:00:00.000Z"),
    # thinking left out; the text block written twice under one message id taken once
    ("system", "Let me look at the workflow file.", "2025-10-01T09:00:02.500Z"),
    ("command", 'Read {"file_path":"/home/ann/proj/.github/ci.yml"}', "2025-10-01T09:00:03.000Z"),
    ("command", "on: push\njobs: {build: {runs-on: ubuntu-latest}}", "2025-10-01T09:00:04.000Z"),
    (
        "command",
        'Task {"description":"Search logs","prompt":"Find the failing step"}',
        "2025-10-01T09:00:06.000Z",
    ),
    ("command", "The cache step fails.", "2025-10-01T09:01:00.000Z"),
    ("system", "The cache key uses the **runner's** home; pin it.", "2025-10-01T09:01:02.000Z"),
    ("command", "/model opus", "2025-10-01T09:02:00.000Z"),
    ("command", "Set model to opus", "2025-10-01T09:02:00.100Z"),
    ("command", "! git status", "2025-10-01T09:03:00.000Z"),
    ("command", "nothing to commit", "2025-10-01T09:03:00.200Z"),
    # the image next to it is left out; the text is kept as written
    ("prompt", "Pin it, and explain <why> in the commit.", "2025-10-01T09:04:00.000Z"),
    ("warn", "[Request interrupted by user]", "2025-10-01T09:04:01.000Z"),
    ("alert", "API Error: 529 Overloaded", "2025-10-01T09:04:02.000Z"),
    # isMeta reminders, the compaction summary and bookkeeping lines are not turns
]


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy):
    root = copy("claude-code")
    summary = run_import(store, "claude-code", [root / "projects"])

    assert sessions(store) == {
        MAIN: ("claude-code 2.0.14", "Fix the CI cache", None, "2025-10-01T09:00:00.000Z", 14),
        AGENT: ("claude-code 2.0.14", None, MAIN, "2025-10-01T09:00:07.000Z", 4),
        OLD: (
            "claude-code 1.0.24",
            "Rename the helper module",
            None,
            "2025-06-03T14:00:00.000Z",
            7,
        ),
        OLD_SIDE_1: ("claude-code 1.0.24", None, OLD, "2025-06-03T14:00:06.000Z", 2),
        OLD_SIDE_2: ("claude-code 1.0.24", None, OLD, "2025-06-03T14:00:11.000Z", 2),
    }
    assert events(store, MAIN) == MAIN_EVENTS
    assert kinds_texts(store, AGENT) == [
        ("prompt", "Find the failing step"),
        ("command", 'Bash {"command":"gh run view --log-failed"}'),
        ("command", "restore-cache: key mismatch"),
        ("system", "The cache step fails."),
    ]
    assert kinds_texts(store, OLD) == [
        ("prompt", "rename utils.py to helpers.py"),
        ("system", "I'll find the imports first."),
        ("command", 'Task {"prompt":"list importers of utils"}'),
        ("command", "app.py and cli.py import it."),
        ("command", 'Task {"prompt":"check tests"}'),
        ("command", "tests/test_utils.py too."),
        ("system", "Renamed, and updated three imports."),
    ]
    assert kinds_texts(store, OLD_SIDE_1) == [
        ("prompt", "list importers of utils"),
        ("system", "app.py and cli.py import it."),
    ]
    assert kinds_texts(store, OLD_SIDE_2) == [
        ("prompt", "check tests"),
        ("system", "tests/test_utils.py too."),
    ]
    # the session ends at its last event
    assert store.get_session(MAIN).ended_at == "2025-10-01T09:04:02.000Z"
    assert summary.sessions_added == 5 and summary.events_added == 29
    assert summary.skipped == {"unfinished last lines (read once the tool finishes them)": 1}
    assert summary.exit_code == 0


def test_a_second_import_adds_nothing_and_never_writes_the_source(store, copy):
    root = copy("claude-code")
    before = digests(root)
    run_import(store, "claude-code", [root / "projects"])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "claude-code", [root / "projects"])

    assert again.events_added == 0 and again.sessions_added == 0
    assert again.unchanged == 3
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(root) == before


def test_a_grown_transcript_gets_only_its_new_events_after_the_stored_ones(store, copy):
    root = copy("claude-code")
    main = root / PROJECT / f"{MAIN}.jsonl"
    agent = root / PROJECT / MAIN / "subagents" / "agent-a1b2c3d4.jsonl"
    run_import(store, "claude-code", [root / "projects"])

    # Claude Code finishes the line a crash had cut, and goes on.
    text = main.read_text()
    cut = text[text.rindex("\n") + 1 :]
    whole = json.loads(cut + _rest_of_cut_line(cut))
    assert whole["uuid"] == "u10"
    with main.open("a") as f:
        f.write(_rest_of_cut_line(cut) + "\n")
        f.write(
            _line("assistant", "a10", "2025-10-01T09:07:05.000Z", "Done: the key is pinned.") + "\n"
        )
    with agent.open("a") as f:
        f.write(_line("user", "s9", "2025-10-01T09:10:00.000Z", "one more", side=True) + "\n")

    grown = run_import(store, "claude-code", [root / "projects"])

    assert events(store, MAIN) == [
        *MAIN_EVENTS,
        ("prompt", "this line was cut", "2025-10-01T09:07:00.000Z"),
        ("system", "Done: the key is pinned.", "2025-10-01T09:07:05.000Z"),
    ]
    assert kinds_texts(store, AGENT)[-1] == ("prompt", "one more")
    assert grown.events_added == 3 and grown.sessions_added == 0
    assert grown.sessions_continued == {MAIN, AGENT}
    assert grown.unchanged == 1  # the old transcript was not opened
    assert store.get_session(MAIN).ended_at == "2025-10-01T09:07:05.000Z"


def test_a_file_shorter_than_what_was_read_is_read_again_adding_nothing(store, copy):
    root = copy("claude-code")
    old = root / PROJECT / f"{OLD}.jsonl"
    run_import(store, "claude-code", [root / "projects"])
    old.write_text(old.read_text().splitlines()[0] + "\n")

    again = run_import(store, "claude-code", [root / "projects"])

    assert again.reread == 1 and again.events_added == 0
    assert "Read again 1 file" in again.render()
    assert sessions(store)[OLD][4] == 7


def test_a_moved_project_folder_is_not_imported_twice(store, copy):
    root = copy("claude-code")
    run_import(store, "claude-code", [root / "projects"])
    (root / PROJECT).rename(root / "projects" / "-home-ann-renamed")

    again = run_import(store, "claude-code", [root / "projects"])

    assert again.events_added == 0 and again.unchanged == 3


def _rest_of_cut_line(cut: str) -> str:
    whole = json.dumps(
        {
            "cwd": "/home/ann/proj",
            "gitBranch": "main",
            "version": "2.0.14",
            "sessionId": MAIN,
            "userType": "external",
            "type": "user",
            "uuid": "u10",
            "parentUuid": "u9",
            "isSidechain": False,
            "timestamp": "2025-10-01T09:07:00.000Z",
            "message": {"role": "user", "content": "this line was cut"},
        }
    )
    assert whole.startswith(cut)
    return whole[len(cut) :]


def _line(kind: str, uuid: str, when: str, text: str, side: bool = False) -> str:
    message: dict[str, object] = {"role": kind, "content": text}
    if kind == "assistant":
        message = {"id": f"msg_{uuid}", "role": kind, "content": [{"type": "text", "text": text}]}
    line = {
        "type": kind,
        "uuid": uuid,
        "parentUuid": None,
        "isSidechain": side,
        "sessionId": MAIN,
        "version": "2.0.14",
        "timestamp": when,
        "message": message,
    }
    if side:
        line["agentId"] = "a1b2c3d4"
    return json.dumps(line)


def test_a_later_title_from_the_source_follows_but_never_over_a_persons(store, copy):
    root = copy("claude-code")
    main = root / PROJECT / f"{OLD}.jsonl"
    run_import(store, "claude-code", [root / "projects"])
    first = store.get_session(OLD).title

    def retitled(title: str) -> str | None:
        with main.open("a") as f:
            f.write(json.dumps({"type": "custom-title", "sessionId": OLD, "customTitle": title}))
            f.write("\n")
        run_import(store, "claude-code", [root / "projects"])
        return store.get_session(OLD).title

    assert retitled("Renamed in Claude Code") == "Renamed in Claude Code" != first
    store.rename_session(store.get_session(OLD).id, "My own name")
    assert retitled("Renamed again in Claude Code") == "My own name"


# Version 3 and the fixes of issues 23 and 25, on fixtures/claude-code/weather
# (shapes from Claude Code 1.0.98 to 2.1.332: see fixtures/claude-code/README.md).

WEATHER = "claude-code/weather"
FOLDER = "-home-dana-src-weather-cli"
VSCODE = "4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f"  # 2.1.100, in VS Code, queued prompts
OLDER = "7d5f1e3a-9c2b-4d8e-a1f0-3b6c5d4e7f8a"  # 1.0.98, summaries, a failed tool
NEWER = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"  # 2.1.332, the newer queue ledger
OLDER_AGENT = f"{OLDER}_5f6e7d8c"  # an agent-*.jsonl beside the transcripts


def _file_lines(root, name: str) -> list[dict]:
    return [json.loads(line) for line in (root / FOLDER / name).read_text().splitlines()]


def test_every_session_carries_what_its_file_records(copy):
    root = copy(WEATHER)
    read = read_source("claude-code", [root])

    for ulid, name in ((VSCODE, f"{VSCODE}.jsonl"), (OLDER, f"{OLDER}.jsonl")):
        lines = [line for line in _file_lines(root, name) if "cwd" in line]
        assert read.v3(ulid) == ("claude-code", ulid, lines[0]["cwd"], lines[0]["gitBranch"])
        assert read.sessions[ulid].cli_version == f"claude-code {lines[0]['version']}"
        # usage: once per message.id (its lines repeat it), the largest counts
        per_message: dict[str, tuple[int, int, int, int]] = {}
        models = set()
        for line in lines:
            message = line.get("message") or {}
            if line["type"] == "assistant" and "usage" in message:
                u = message["usage"]
                counts = (
                    u["input_tokens"],
                    u["output_tokens"],
                    u["cache_read_input_tokens"],
                    u["cache_creation_input_tokens"],
                )
                old = per_message.get(message["id"], (0, 0, 0, 0))
                per_message[message["id"]] = tuple(map(max, old, counts))
                models.add(message["model"])
        spent = [e.meta["usage"] for e in read.events[ulid] if e.meta and "usage" in e.meta]
        assert len(spent) == len(per_message)
        for key, i in (("inputTokens", 0), ("outputTokens", 1), ("cacheReadTokens", 2)):
            assert sum(u.get(key, 0) for u in spent) == sum(c[i] for c in per_message.values())
        named = {e.meta["model"] for e in read.events[ulid] if e.meta and "model" in e.meta}
        assert named == models
    # a sub-agent has no id `claude --resume` takes; its folder and branch are its lines'
    assert read.v3(OLDER_AGENT) == ("claude-code", None, "/home/dana/src/weather-cli", "main")
    assert read.sessions[OLDER_AGENT].parent_ulid == OLDER


def test_tool_calls_and_results_name_their_tool_and_a_failure_is_an_error(copy):
    read = read_source("claude-code", [copy(WEATHER)])

    assert read.metas(OLDER)[2:] == [
        (
            "command",
            {
                "model": "claude-sonnet-4-20250514",
                "usage": {
                    "inputTokens": 2,
                    "outputTokens": 31,
                    "cacheReadTokens": 18212,
                    "cacheWriteTokens": 120,
                },
                "tool": "Bash",
            },
        ),
        ("command", {"tool": "Bash", "isError": True}),
    ]
    # the thinking line and the tool_use line of one message: its usage once,
    # with the counts of its last line
    first_call = read.events[VSCODE][1]
    assert first_call.meta == {
        "model": "claude-sonnet-4-6",
        "usage": {
            "inputTokens": 3,
            "outputTokens": 96,
            "cacheReadTokens": 18320,
            "cacheWriteTokens": 2140,
        },
        "tool": "Read",
    }
    assert read.events[VSCODE][2].meta == {"tool": "Read"}


def test_prompts_typed_while_claude_works_are_taken_once_each(copy, store):
    root = copy(WEATHER)
    read = read_source("claude-code", [root])
    prompts = {u: [e.text for e in read.events[u] if e.kind == "prompt"] for u in (VSCODE, NEWER)}

    assert prompts[VSCODE] == [
        "add a --city option to the CLI",
        # absorbed into the running turn: the attachment is its only record
        "use click instead of argparse if it's already a dependency",
        # sent as the next turn: its user line only, not the queue's enqueue text
        "and make it required",
        # pulled back (popAll) and sent later, edited: the user line only
        "also update the README usage line",
        # the background task's notification is not the person's
    ]
    assert prompts[NEWER] == [
        "rename fetch_forecast to get_forecast everywhere",
        "keep a deprecated alias",
        # "and bump the version" was dropped from the queue (cleared_on_cancel): no turn
    ]
    # the store has the same: no queued text twice
    run_import(store, "claude-code", [root])
    assert [t for k, t in kinds_texts(store, VSCODE) if k == "prompt"] == prompts[VSCODE]


def test_what_an_editor_adds_is_neither_the_prompt_nor_the_preview(copy, store):
    root = copy(WEATHER)
    run_import(store, "claude-code", [root])

    texts = [t for _, t in kinds_texts(store, VSCODE)] + [t for _, t in kinds_texts(store, OLDER)]
    assert not any("ide_opened_file" in t or "ide_selection" in t for t in texts)
    assert not any("This may or may not be related" in t for t in texts)
    assert store.get_session(VSCODE).preview == "add a --city option to the CLI"
    # a message that was only the editor's selection is no turn at all
    assert kinds_texts(store, OLDER)[0] == ("prompt", "why is this required now?")
    assert store.get_session(OLDER).preview == "why is this required now?"


def test_a_summary_read_later_titles_a_session_imported_in_an_earlier_run(copy, store):
    root = copy(WEATHER)
    first = run_import(store, "claude-code", [root / FOLDER / f"{VSCODE}.jsonl"])
    assert first.sessions_added == 1 and store.get_session(VSCODE).title is None

    later = run_import(store, "claude-code", [root])

    assert store.get_session(VSCODE).title == "Weather CLI gains a required --city option"
    # a summary never replaces a session's own title (here an AI title)
    assert store.get_session(NEWER).title == "Rename fetch_forecast with alias"
    # only the summary whose conversation is nowhere is counted, never one found
    assert later.skipped == {"summary lines whose conversation was not found": 1}
    assert later.unchanged == 1 and later.events_added == 4 + 2 + 6


def test_a_moved_or_copied_project_with_an_older_agent_file_adds_nothing(copy, store):
    root = copy(WEATHER)
    run_import(store, "claude-code", [root])
    before = everything(store)

    moved = root.parent / "elsewhere"
    (root / FOLDER).rename(moved)
    shutil.copytree(moved, root / "-copy-of-weather-cli")
    again = run_import(store, "claude-code", [moved, root])

    assert again.events_added == 0 and again.sessions_added == 0
    assert again.unchanged == 8
    assert everything(store) == before
    assert SOURCE.key(moved / "agent-5f6e7d8c.jsonl") == f"{OLDER}/subagents/agent-5f6e7d8c.jsonl"


@pytest.mark.parametrize(
    ("content", "looks"),
    [
        (
            '{"timestamp":"2026-03-02T10:15:04.311Z","type":"session_meta",'
            '"payload":{"id":"019cad31-7a52-7d40-9e11-2b3c4d5e6f70"}}\n',
            "it looks like a Codex rollout",
        ),
        ('{\n  "name": "weather-cli",\n  "version": "1.0.0"\n}\n', "a JSON document"),
        ("# Notes\n\nnothing here is JSON\n", "text that is not JSON lines"),
    ],
    ids=["codex-rollout", "json-document", "markdown"],
)
def test_a_file_of_another_format_is_not_recognised(store, tmp_path, content, looks):
    path = tmp_path / f"{VSCODE}.jsonl"
    path.write_text(content)

    summary = run_import(store, "claude-code", [path])

    assert summary.events_added == 0 and summary.exit_code == 1
    [(_, why)] = summary.failed
    assert why.startswith(f"{path} is not a Claude Code transcript") and looks in why
    with pytest.raises(NotRecognised):
        list(SOURCE.read(path, None, SOURCE.new_run()))


def test_a_time_out_of_range_or_a_value_of_the_wrong_type_skips_its_line_only(store, tmp_path):
    path = tmp_path / f"{VSCODE}.jsonl"
    good = {
        "type": "user",
        "sessionId": VSCODE,
        "uuid": "g1",
        "timestamp": "2026-03-02T09:00:00.000Z",
        "message": {"role": "user", "content": "first"},
    }
    lines = [
        good,
        {**good, "uuid": "b1", "timestamp": "9999-12-31T23:30:00-05:00"},  # year 10000 in UTC
        {**good, "uuid": "b2", "message": {"role": "user", "content": 5}},
        {**good, "uuid": "b3", "type": "assistant", "message": {"id": "m", "content": {"x": 1}}},
        {**good, "uuid": "g2", "timestamp": "2026-03-02T09:00:05.000Z", "message": "not one"},
        {**good, "uuid": "g3", "message": {"role": "user", "content": "last"}},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))

    summary = run_import(store, "claude-code", [path])

    assert kinds_texts(store, VSCODE) == [("prompt", "first"), ("prompt", "last")]
    assert summary.skipped == {
        "lines whose time is not one sessiond can store": 1,
        "user or assistant lines whose content is neither text nor blocks": 2,
        "user or assistant lines without a message": 1,
    }
