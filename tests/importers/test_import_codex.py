"""Codex rollouts: fixtures/codex (a Codex home) to exactly the expected
sessions and events; each chat message once although Codex writes it twice,
without the messages Codex injects as if the person wrote them."""

from __future__ import annotations

import json

from sessiond.importers.run import run_import
from support.importing import digests, events, kinds_texts, sessions

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
