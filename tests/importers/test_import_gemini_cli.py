"""Gemini CLI chats: fixtures/gemini-cli (a home folder with ~/.gemini) to
exactly the expected sessions and events, from both the whole-file JSON
sessions and the JSON-lines logs of changes; a session in two folders or
two shapes once; grown, rewound and rewritten files add only what is new."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

from sessiond.importers.base import NotRecognised, Skipped, Turns
from sessiond.importers.gemini_cli import SOURCE, _Run
from sessiond.importers.run import run_import
from sessiond.store import open_store
from support.importing import digests, events, kinds_texts, sessions

LEDGER = "3f2a9c1e-7b44-4d0e-9a61-2c5f0e8d7b13"
AGENT_ID = "b7e1d2c4-90af-4c3e-8f21-6a0d5e9c1f77"
AGENT = f"{LEDGER}_29b25c2c8ebc9dd6"  # child_id(LEDGER, AGENT_ID): starts with its parent's
BILLING = "8d1e4b27-c0f5-4a93-b6e8-52d7a0f19c3e"
LEDGER_LOG = f"tmp/ledger-api/chats/session-2026-06-02T09-14-{LEDGER[:8]}.jsonl"
AGENT_LOG = f"tmp/ledger-api/chats/{LEDGER}/{AGENT_ID}.jsonl"
BILLING_JSON = "tmp/billing-worker/chats/session-2025-11-20T16-05-8d1e4b27.json"
HASH_DIR = "c0697b20713e2d50c370e88a7c0942f85f1f12382045f2e6ea7bf746120e50eb"

NPM_OUTPUT = (
    "Command: npm test -- ledger\nDirectory: (root)\nOutput: FAIL test/ledger.test.ts\n"
    "  balance \u203a keeps sub-cent amounts\n    expected 10.01, received 10\n"
    "Tests: 1 failed, 6 passed, 7 total\nError: (none)\nExit Code: 1\nSignal: (none)\n"
    "Background PIDs: (none)\nProcess Group PGID: 48211"
)
FOUND = (
    "Found two more: src/routes.ts:41 rounds each line item in `invoiceTotal`, "
    "and src/ledger.ts:18 rounds inside `applyFees` before adding."
)
LEDGER_EVENTS = [
    # displayContent: what was typed, not the @file expansion sent to the model
    ("prompt", "Why does @src/ledger.ts round balances twice?", "2026-06-02T09:14:31.402Z"),
    (
        "system",
        "`balance` rounds every entry with `round2` and then rounds the sum again. The second "
        "call is harmless, but the first one drops fractions of a cent before they are added, "
        "so long ledgers drift. Let me check the tests before changing it.",
        "2026-06-02T09:14:38.977Z",
    ),
    (
        "command",
        'run_shell_command {"command":"npm test -- ledger","description":"Run the ledger tests"}',
        "2026-06-02T09:14:38.977Z",
    ),
    ("command", NPM_OUTPUT, "2026-06-02T09:14:44.530Z"),
    (
        "command",
        'replace {"file_path":"/home/dana/src/ledger-api/src/ledger.ts",'
        '"old_string":"entries.reduce((a, e) => a + round2(e.amount), 0)",'
        '"new_string":"entries.reduce((a, e) => a + e.amount, 0)",'
        '"instruction":"Add raw amounts and round only the total."}',
        "2026-06-02T09:14:52.006Z",
    ),
    (
        "command",
        "Successfully modified file: /home/dana/src/ledger-api/src/ledger.ts (1 replacements).",
        "2026-06-02T09:15:03.118Z",
    ),
    (
        "alert",
        "[API Error: got status: 503 Service Unavailable. The model is overloaded. "
        "Please try again later.]",
        "2026-06-02T09:15:21.870Z",
    ),
    ("prompt", "try again, and run the tests after the edit", "2026-06-02T09:15:40.215Z"),
    (
        "command",
        'run_shell_command {"command":"npm test -- ledger",'
        '"description":"Run the ledger tests again"}',
        "2026-06-02T09:15:46.590Z",
    ),
    (
        "command",
        "[Operation Cancelled] Reason: User cancelled the operation.",
        "2026-06-02T09:15:49.004Z",
    ),
    ("warn", "Request cancelled.", "2026-06-02T09:15:49.010Z"),
    # taken back with $rewindTo in Gemini CLI, but a turn the person typed: kept
    ("prompt", "actually delete the round2 helper entirely", "2026-06-02T09:16:05.777Z"),
    (
        "prompt",
        "Find every other place that rounds money before summing.",
        "2026-06-02T09:16:30.104Z",
    ),
    (
        "system",
        "I'll ask the codebase investigator to search for this.",
        "2026-06-02T09:16:36.442Z",
    ),
    (
        "command",
        'codebase_investigator {"objective":"List functions that round currency amounts '
        'before summing them."}',
        "2026-06-02T09:16:36.442Z",
    ),
    ("command", FOUND, "2026-06-02T09:17:12.918Z"),
    (
        "system",
        "There are two more spots: `invoiceTotal` in src/routes.ts and `applyFees` in "
        "src/ledger.ts. Both round each item before adding. Want me to apply the same fix there?",
        "2026-06-02T09:17:20.301Z",
    ),
]
AGENT_EVENTS = [
    (
        "prompt",
        "Your task is to investigate the codebase.\n<objective>\nList functions that round "
        "currency amounts before summing them.\n</objective>",
        "2026-06-02T09:16:36.812Z",
    ),
    ("command", 'search_file_content {"pattern":"round2\\\\("}', "2026-06-02T09:16:41.220Z"),
    (
        "command",
        'Found 4 matches for pattern "round2\\(" in the workspace directory:\n---\n'
        "File: src/ledger.ts\nL3: return round2(sum)\nL18: total += round2(fee)\n---\n"
        "File: src/routes.ts\nL41: sum += round2(item.price * item.qty)\n---",
        "2026-06-02T09:16:41.690Z",
    ),
    ("system", FOUND, "2026-06-02T09:17:12.600Z"),
]
BILLING_EVENTS = [
    (
        "prompt",
        "The retry worker sends each failed invoice twice. Can you find out why?",
        "2025-11-20T16:05:40.118Z",
    ),
    ("system", "I'll start by reading the worker loop.", "2025-11-20T16:05:47.902Z"),
    (
        "command",
        'read_file {"absolute_path":"/home/dana/src/billing-worker/worker.go"}',
        "2025-11-20T16:05:47.902Z",
    ),
    (
        "command",
        "func (w *Worker) retry(ctx context.Context) {\n\tfor _, inv := range w.failed() {\n"
        "\t\tw.send(inv)\n\t\tif err := w.send(inv); err != nil {\n\t\t\tw.log(err)\n\t\t}\n\t}\n}",
        "2025-11-20T16:05:48.233Z",
    ),
    (
        "system",
        "`retry` calls `w.send(inv)` once on its own and once inside the `if`, so every failed "
        "invoice goes out twice. Removing the bare call fixes it.",
        "2025-11-20T16:05:55.640Z",
    ),
    ("prompt", "fix it and run go test", "2025-11-20T16:06:30.006Z"),
    (
        "command",
        'replace {"file_path":"/home/dana/src/billing-worker/worker.go",'
        '"old_string":"\\t\\tw.send(inv)\\n\\t\\tif err","new_string":"\\t\\tif err",'
        '"instruction":"Drop the duplicated send."}',
        "2025-11-20T16:06:36.771Z",
    ),
    (
        "command",
        "Successfully modified file: /home/dana/src/billing-worker/worker.go (1 replacements).",
        "2025-11-20T16:06:44.120Z",
    ),
    (
        "command",
        'run_shell_command {"command":"go test ./...","description":"Run the Go tests"}',
        "2025-11-20T16:06:36.771Z",
    ),
    (
        "command",
        "Command exited with code 127: bash: line 1: go: command not found",
        "2025-11-20T16:06:45.002Z",
    ),
    (
        "system",
        "The edit is in, but `go` is not on PATH here, so I could not run the tests. "
        "Run `go test ./...` in your shell to confirm.",
        "2025-11-20T16:06:52.310Z",
    ),
    ("warn", "You have used 92% of your daily quota.", "2025-11-20T16:09:58.031Z"),
]


def read(path: Path) -> tuple[list, list, list[str]]:
    """What the reader yields for one file from scratch: the sessions (as
    the last Turns had them), the events, the skip reasons."""
    found, items, skipped = [], [], []
    for item in SOURCE.read(path, None, _Run()):
        if isinstance(item, Turns):
            found.append(item.session)
            items += item.events
        elif isinstance(item, Skipped):
            skipped.append(item.reason)
    return found, items, skipped


def append(path: Path, *records: dict) -> None:
    with path.open("a") as f:
        for record in records:
            f.write(json.dumps(record, separators=(",", ":")) + "\n")


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy, monkeypatch):
    home = copy("gemini-cli/home")
    monkeypatch.setenv("GEMINI_CLI_HOME", str(home))
    summary = run_import(store, "gemini-cli", [])  # the default: $GEMINI_CLI_HOME/.gemini/tmp

    assert sessions(store) == {
        # the summary appended later as {"$set": {"summary": ...}} is the title
        LEDGER: (
            "gemini-cli",
            "Fix double rounding in ledger balance",
            None,
            "2026-06-02T09:14:05.118Z",
            17,
        ),
        AGENT: ("gemini-cli", None, LEDGER, "2026-06-02T09:16:36.700Z", 4),
        # the same session in the sha256 folder and in its slug copy: once
        BILLING: (
            "gemini-cli",
            "Stop retry worker sending invoices twice",
            None,
            "2025-11-20T16:05:12.404Z",
            12,
        ),
    }
    assert events(store, LEDGER) == LEDGER_EVENTS
    assert events(store, AGENT) == AGENT_EVENTS
    assert events(store, BILLING) == BILLING_EVENTS
    # logs.json and the /chat save checkpoint are not read: their turns are in the chats
    assert summary.files == 4 and summary.events_added == 33 and summary.exit_code == 0
    assert not summary.skipped and not summary.failed


def test_the_version_3_fields_come_from_the_files(copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    found, items, skipped = read(gemini / LEDGER_LOG)
    session = found[-1]
    assert (session.source, session.source_id, session.branch) == ("gemini-cli", LEDGER, None)
    # no .project_root in ledger-api/: the slug's entry in projects.json
    assert session.project == "/home/dana/src/ledger-api"
    assert [e.meta for e in items if e.kind == "system"] == [
        # input = promptTokenCount - cached + toolUsePrompt; output = candidates + thoughts
        {
            "model": "gemini-2.5-pro",
            "usage": {"inputTokens": 2268, "outputTokens": 179, "cacheReadTokens": 6144},
        },
        {
            "model": "gemini-2.5-pro",
            "usage": {"inputTokens": 995, "outputTokens": 47, "cacheReadTokens": 9216},
        },
        {
            "model": "gemini-2.5-flash",
            "usage": {"inputTokens": 262, "outputTokens": 52, "cacheReadTokens": 10240},
        },
    ]
    commands = [e.meta for e in items if e.kind == "command"]
    assert commands == [
        {"model": "gemini-2.5-pro", "tool": "run_shell_command"},
        # exit code 1, but the call succeeded: not a failed tool call
        {"tool": "run_shell_command", "isError": False},
        # a reply with no text: its usage goes on its first event, the call
        {
            "model": "gemini-2.5-pro",
            "tool": "replace",
            "usage": {"inputTokens": 913, "outputTokens": 128, "cacheReadTokens": 8192},
        },
        {"tool": "replace", "isError": False},
        {
            "model": "gemini-2.5-pro",
            "tool": "run_shell_command",
            "usage": {"inputTokens": 1678, "outputTokens": 57, "cacheReadTokens": 8192},
        },
        {"tool": "run_shell_command", "isError": True},  # cancelled
        {"model": "gemini-2.5-pro", "tool": "codebase_investigator"},
        {"tool": "codebase_investigator", "isError": False},
    ]
    assert not skipped

    found, items, _ = read(gemini / AGENT_LOG)
    assert (found[-1].ulid, found[-1].parent_ulid, found[-1].source_id) == (
        AGENT,
        LEDGER,
        AGENT_ID,
    )
    assert found[-1].project == "/home/dana/src/ledger-api"

    # the sha256 folder has no .project_root: the registry root whose hash it is
    found, items, _ = read(gemini / "tmp" / HASH_DIR / "chats" / Path(BILLING_JSON).name)
    assert found[-1].project == "/home/dana/src/billing-worker"
    assert found[-1].source_id == BILLING
    assert [e.meta for e in items if e.kind == "command" and "isError" in (e.meta or {})] == [
        {"tool": "read_file", "isError": False},
        {"tool": "replace", "isError": False},
        {"tool": "run_shell_command", "isError": True},  # status error, response.error
    ]


def test_a_second_import_adds_nothing_and_never_writes_the_source(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    before = digests(gemini)
    run_import(store, "gemini-cli", [gemini / "tmp"])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "gemini-cli", [gemini / "tmp"])

    assert again.events_added == 0 and again.sessions_added == 0
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(gemini) == before


def test_a_copy_in_another_folder_imports_as_nothing_new(store, copy, tmp_path):
    gemini = copy("gemini-cli/home") / ".gemini"
    run_import(store, "gemini-cli", [gemini / "tmp"])
    moved = tmp_path / "backup" / "gemini-tmp"
    shutil.copytree(gemini / "tmp", moved)
    # made to differ in bytes, not in turns, so that both are read again
    append(moved / LEDGER_LOG.removeprefix("tmp/"), {"$set": {"lastUpdated": "2026-07-01"}})
    document = moved / BILLING_JSON.removeprefix("tmp/")
    document.write_text(json.dumps(json.loads(document.read_text()), indent=4))

    again = run_import(store, "gemini-cli", [moved])

    assert again.events_added == 0 and again.sessions_added == 0
    assert again.files == 4 and again.unchanged == 1  # the sub-agent's, left as it was


def test_a_grown_log_adds_exactly_the_new_turns_and_its_new_summary(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    run_import(store, "gemini-cli", [gemini / "tmp"])
    reply = {
        "id": "9f8e7d6c-0000-4000-8000-000000000002",
        "timestamp": "2026-06-02T09:20:05.000Z",
        "type": "gemini",
        "content": "Done: both now add raw amounts.",
        "thoughts": [{"subject": "Hidden", "description": "not shown", "timestamp": "x"}],
        "tokens": {
            "input": 900,
            "output": 10,
            "cached": 800,
            "thoughts": 5,
            "tool": 0,
            "total": 915,
        },
        "model": "gemini-2.5-pro",
    }
    call = {
        "id": "write_file-1",
        "name": "write_file",
        "args": {"file_path": "/home/dana/src/ledger-api/src/routes.ts", "content": "x"},
        "result": [
            {
                "functionResponse": {
                    "id": "write_file-1",
                    "name": "write_file",
                    "response": {"output": "Wrote the file."},
                }
            }
        ],
        "status": "success",
        "timestamp": "2026-06-02T09:20:06.000Z",
    }
    append(
        gemini / LEDGER_LOG,
        {
            "id": "9f8e7d6c-0000-4000-8000-000000000001",
            "timestamp": "2026-06-02T09:20:00.000Z",
            "type": "user",
            "content": [{"text": "yes, fix both"}],
        },
        {"$set": {"lastUpdated": "2026-06-02T09:20:00.001Z"}},
        reply,
        {"$set": {"lastUpdated": "2026-06-02T09:20:05.001Z"}},
        # the same message again with its tool call: only the call is new
        {**reply, "toolCalls": [call]},
        {
            "id": "9f8e7d6c-0000-4000-8000-000000000003",
            "timestamp": "2026-06-02T09:20:06.010Z",
            "type": "user",
            "content": [{"functionResponse": call["result"][0]["functionResponse"]}],
        },
        {"$set": {"summary": "Round money once, after summing"}},
    )

    grown = run_import(store, "gemini-cli", [gemini / "tmp"])

    assert events(store, LEDGER) == [
        *LEDGER_EVENTS,
        ("prompt", "yes, fix both", "2026-06-02T09:20:00.000Z"),
        ("system", "Done: both now add raw amounts.", "2026-06-02T09:20:05.000Z"),
        (
            "command",
            'write_file {"file_path":"/home/dana/src/ledger-api/src/routes.ts","content":"x"}',
            "2026-06-02T09:20:05.000Z",
        ),
        ("command", "Wrote the file.", "2026-06-02T09:20:06.000Z"),
    ]
    assert sessions(store)[LEDGER][1] == "Round money once, after summing"
    assert grown.events_added == 4 and grown.unchanged == 3


def test_a_rewind_keeps_what_was_imported_and_adds_what_follows(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    run_import(store, "gemini-cli", [gemini / "tmp"])
    append(
        gemini / LEDGER_LOG,
        {"$rewindTo": "6e5d4c3b-2a19-4087-b6f5-e4d3c2b1a098"},
        {
            "id": "9f8e7d6c-0000-4000-8000-000000000010",
            "timestamp": "2026-06-02T09:21:00.000Z",
            "type": "user",
            "content": [{"text": "only look in src/routes.ts"}],
        },
        # a checkpoint after /compress: known messages, and a summary turn Gemini CLI wrote
        {
            "$set": {
                "messages": [
                    {
                        "id": "a1c0e6f2-5d3b-4e8a-9f10-3b7c2d4e5f60",
                        "timestamp": "2026-06-02T09:14:31.402Z",
                        "type": "user",
                        "content": [{"text": "[masked]"}],
                    },
                    {
                        "id": "9f8e7d6c-0000-4000-8000-000000000011",
                        "timestamp": "2026-06-02T09:21:01.000Z",
                        "type": "user",
                        "content": [{"text": "<state_snapshot>the chat so far</state_snapshot>"}],
                    },
                ]
            }
        },
    )

    edited = run_import(store, "gemini-cli", [gemini / "tmp"])

    assert events(store, LEDGER) == [
        *LEDGER_EVENTS,
        ("prompt", "only look in src/routes.ts", "2026-06-02T09:21:00.000Z"),
    ]
    assert edited.events_added == 1


def test_a_json_session_resumed_as_a_log_adds_only_the_turns_after_it(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    run_import(store, "gemini-cli", [gemini / "tmp"])
    legacy = gemini / BILLING_JSON
    document = json.loads(legacy.read_text())
    # what a resume in v0.39+ writes: metadata, every message again, then the new turns
    metadata = {k: document[k] for k in ("sessionId", "projectHash", "startTime", "lastUpdated")}
    append(
        legacy.with_suffix(".jsonl"),
        {**metadata, "summary": document["summary"]},
        *document["messages"],
        {"$set": {"sessionId": BILLING}},
        {
            "id": "0000aaaa-0000-4000-8000-000000000001",
            "timestamp": "2026-01-05T10:00:00.000Z",
            "type": "user",
            "content": "go is installed now, run the tests",
        },
    )

    resumed = run_import(store, "gemini-cli", [gemini / "tmp"])

    assert events(store, BILLING) == [
        *BILLING_EVENTS,
        ("prompt", "go is installed now, run the tests", "2026-01-05T10:00:00.000Z"),
    ]
    assert resumed.events_added == 1 and resumed.sessions_added == 0
    assert run_import(store, "gemini-cli", [gemini / "tmp"]).events_added == 0


def test_a_json_session_rewritten_whole_adds_only_its_new_messages(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    run_import(store, "gemini-cli", [gemini / "tmp"])
    legacy = gemini / BILLING_JSON
    document = json.loads(legacy.read_text())
    document["messages"].append(
        {
            "id": "0000bbbb-0000-4000-8000-000000000001",
            "timestamp": "2025-11-20T16:10:30.000Z",
            "type": "user",
            "content": [{"text": "thanks"}],
        }
    )
    document["summary"] = "Retry worker sent invoices twice"
    legacy.write_text(json.dumps(document, indent=2))

    rewritten = run_import(store, "gemini-cli", [legacy])

    assert events(store, BILLING) == [
        *BILLING_EVENTS,
        ("prompt", "thanks", "2025-11-20T16:10:30.000Z"),
    ]
    assert sessions(store)[BILLING][1] == "Retry worker sent invoices twice"
    assert rewritten.events_added == 1


def test_injected_text_is_not_part_of_the_prompt(copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    log = gemini / LEDGER_LOG
    append(
        log,
        # no displayContent (before v0.28): the text before the @file expansion,
        # without the @agent nudge
        {
            "id": "inj-1",
            "timestamp": "2026-06-02T10:00:00.000Z",
            "type": "user",
            "content": [
                {"text": "compare @a.ts and @b.ts"},
                {"text": "\n<system_note>\nUse the codebase_investigator agent.\n</system_note>\n"},
                {"text": "\n--- Content from referenced files ---"},
                {"text": "\nContent from @a.ts:\n"},
                {"text": "const a = 1"},
                {"text": "\n--- End of content ---"},
            ],
        },
        {
            "id": "inj-2",
            "timestamp": "2026-06-02T10:00:01.000Z",
            "type": "user",
            "content": [{"text": "<hook_context>branch: main</hook_context>"}],
        },
        {
            "id": "inj-3",
            "timestamp": "2026-06-02T10:00:02.000Z",
            "type": "user",
            "content": [
                {
                    "text": "Here is the user's editor context as a JSON object. This is for "
                    "your information only.\n{}"
                }
            ],
        },
    )
    _, items, _ = read(log)
    prompts = [e.text for e in items if e.kind == "prompt"]
    assert prompts[-1] == "compare @a.ts and @b.ts"
    assert not any(
        "session_context" in p or "hook_context" in p or "editor context" in p for p in prompts
    )
    assert not any("const a = 1" in e.text for e in items)


def test_a_garbage_line_is_skipped_and_counted_and_an_unfinished_one_waits(store, copy):
    gemini = copy("gemini-cli/home") / ".gemini"
    log = gemini / LEDGER_LOG
    with log.open("a") as f:
        f.write('{"id": "cut-in-the-middle", "type": "us\n')
        f.write("\x00\x01 not json at all\n")
    append(
        log,
        {
            "id": "9f8e7d6c-0000-4000-8000-000000000020",
            "timestamp": "2026-06-02T09:30:00.000Z",
            "type": "bob-shell",
            "content": "x",
        },
    )
    # a time past the year 9999: skipped, not guessed
    append(
        log,
        {
            "id": "9f8e7d6c-0000-4000-8000-000000000022",
            "timestamp": "10000-01-01T00:00:00.000Z",
            "type": "user",
            "content": "late",
        },
    )
    with log.open("a") as f:
        f.write('{"id":"9f8e7d6c-0000-4000-8000-000000000021","timestamp":"2026-06-02T09:31')

    summary = run_import(store, "gemini-cli", [log])

    assert events(store, LEDGER) == LEDGER_EVENTS
    assert summary.skipped == {
        "lines that are not JSON": 2,
        "messages of a type Gemini CLI does not write": 1,
        "messages without a time": 1,
        "unfinished last lines (read once the tool finishes them)": 1,
    }
    with log.open("a") as f:
        f.write(':00.000Z","type":"user","content":"finished now"}\n')
    later = run_import(store, "gemini-cli", [log])
    assert kinds_texts(store, LEDGER)[-1] == ("prompt", "finished now")
    assert later.events_added == 1 and not later.skipped


def test_files_of_another_format_are_not_recognised(store, copy, tmp_path):
    gemini = copy("gemini-cli/home") / ".gemini"
    claude = tmp_path / "claude.jsonl"
    append(
        claude,
        {
            "type": "user",
            "sessionId": LEDGER,
            "uuid": "u1",
            "timestamp": "2025-01-01T00:00:00Z",
            "message": {"role": "user", "content": "hi"},
        },
    )
    checkpoint = gemini / "tmp/billing-worker/checkpoint-retry-fix.json"
    prompt_log = gemini / "tmp/billing-worker/logs.json"

    for path, says in (
        (claude, "look like a Claude Code transcript"),
        (checkpoint, "is a /chat save checkpoint"),
        (prompt_log, "prompt log"),
    ):
        try:
            list(SOURCE.read(path, None, _Run()))
        except NotRecognised as exc:
            assert says in str(exc)
        else:
            raise AssertionError(f"{path} was read as Gemini CLI's")

    summary = run_import(store, "gemini-cli", [claude, checkpoint, prompt_log])
    assert summary.exit_code == 1 and len(summary.failed) == 3 and not sessions(store)


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def test_watch_imports_a_turn_gemini_appends(db, copy):
    tmp = copy("gemini-cli/home") / ".gemini" / "tmp"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessiond", "--db", db, "import", "gemini-cli", str(tmp), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    err: queue.Queue[str] = queue.Queue()
    out: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stderr, err), daemon=True).start()
    threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True).start()
    try:
        assert "watching" in err.get(timeout=30)
        append(
            tmp.parent / LEDGER_LOG,
            {
                "id": "9f8e7d6c-0000-4000-8000-000000000030",
                "timestamp": "2026-06-02T09:40:00.000Z",
                "type": "user",
                "content": [{"text": "written while watched"}],
            },
        )
        # the watcher says so once the pass that read it has committed
        while "+1 event in 1 session" not in out.get(timeout=10):
            pass
        with open_store(db, read_only=True) as store:
            assert kinds_texts(store, LEDGER)[-1] == ("prompt", "written while watched")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
