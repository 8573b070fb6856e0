"""Claude Code transcripts: every case of fixtures/claude-code, imported into a
real SQLite store, to exactly the expected sessions and events."""

from __future__ import annotations

import json

from sessiond.importers.run import run_import
from support.importing import digests, events, kinds_texts, sessions

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


def test_a_file_shorter_than_what_was_read_is_left_alone(store, copy):
    root = copy("claude-code")
    old = root / PROJECT / f"{OLD}.jsonl"
    run_import(store, "claude-code", [root / "projects"])
    old.write_text(old.read_text().splitlines()[0] + "\n")

    again = run_import(store, "claude-code", [root / "projects"])

    assert again.shrunk == 1 and again.events_added == 0
    assert "now shorter than when last imported" in again.render()
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
