"""Roo Code: every case of fixtures/roo (a task that delegated to a subtask
that delegated again, and an older task listed in VS Code's state.vscdb),
imported into a real SQLite store, to exactly the expected sessions, events
and version-3 fields; subtasks are child sessions whose ulid starts with
their parent's; and what Roo does to its files afterwards."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest

from sessiond.importers import load
from sessiond.importers.base import Turns
from sessiond.importers.run import run_import
from sessiond.models import Usage, make_meta, rfc3339
from support.importing import digests, events, read_items, sessions

P = "019f0a10-5c2e-7d41-8a3b-4e6f1d2c9b07"  # the orchestrator's task
C = "019f0a11-0f3d-7e52-9b4c-5a7e2e3dac18"  # its subtask
G = "019f0a11-8a41-7f63-ac5d-6b8f3f4ebd29"  # the subtask's own subtask
OLD = "6d0c5e1a-2f3b-4c7d-9e8f-1a2b3c4d5e6f"  # an older task (Roo 3.2x)
C_ULID = f"{P}_2e3dac18"  # the parent's ulid and the end of the task's UUID
G_ULID = f"{C_ULID}_3f4ebd29"
T0, Q0 = 1782570000000, 1760000000000
TASKS = "globalStorage/rooveterinaryinc.roo-cline/tasks"
LEDGER = "/home/ines/code/ledger"


def tree(copy, *, fresh: bool = False) -> Path:
    """The fixture copied, with VS Code's state.vscdb (the older task's list
    entry), every file left alone for an hour (or just written: `fresh`)."""
    root = copy("roo")
    conn = sqlite3.connect(root / "globalStorage" / "state.vscdb")
    conn.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    conn.execute(
        "INSERT INTO ItemTable VALUES (?, ?)",
        ("RooVeterinaryInc.roo-cline", (root / "vscdb-state.json").read_text()),
    )
    conn.commit()
    conn.close()
    age(root, 0 if fresh else 3600)
    return root


def age(root: Path, seconds: float) -> None:
    when = time.time() - seconds
    for folder, _dirs, files in os.walk(root):
        for name in files:
            os.utime(Path(folder) / name, (when, when))


def ui_file(root: Path, task: str) -> Path:
    return root / TASKS / task / "ui_messages.json"


def rewrite(path: Path, value: object) -> None:
    """As Roo's safeWriteJson writes: aside, then renamed into place."""
    aside = path.with_name(f".{path.name}.new_{time.time_ns()}_x.tmp")
    aside.write_text(json.dumps(value, separators=(",", ":")))
    os.replace(aside, path)


def meta(model=None, usage=None, tool=None, error=None):
    return make_meta(model=model, usage=Usage(*usage) if usage else None, tool=tool, is_error=error)


def call(name: str, args: dict) -> str:
    return f"{name} {json.dumps(args, ensure_ascii=False, separators=(',', ':'))}"


TASK_P = "Import bank statements from CSV into the ledger: plan it, then have the work done."
TASK_C = "Write ledger/importers/csv.py: parse a bank CSV (date, payee, amount) into Transaction objects."
TASK_G = "Add tests/test_csv_import.py covering a sample statement with a refund line."
SUM_C = "csv.py parses the three columns; a test subtask checked it."
SUM_G = "tests/test_csv_import.py passes (2 tests)."
CSV_PY = (
    "import csv\n\nfrom ledger.model import Transaction\n\n\ndef read(path):\n"
    "    with open(path, newline='') as f:\n"
    "        return [Transaction(r['date'], r['payee'], r['amount']) for r in csv.DictReader(f)]\n"
)
OPUS, SONNET, HAIKU = "claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"

# Since Roo 3.29.5 tokensIn counts every input token: 12010 = 10 + 12000 written.
P_EVENTS = [
    ("prompt", TASK_P, T0, None),
    (
        "system",
        "I'll hand the parser to Code mode; it can delegate the tests.",
        T0 + 4100,
        meta(OPUS, (10, 180, 0, 12000)),
    ),
    (
        "command",
        call("new_task", {"mode": "💻 Code", "content": TASK_C}),
        T0 + 4400,
        meta(OPUS, tool="new_task"),
    ),
    (
        "command",
        f"Subtask {C} completed.\n\nResult:\n{SUM_C}",
        T0 + 95000,
        meta(tool="new_task"),
    ),
    (
        "system",
        "Bank CSVs now import through ledger/importers/csv.py, with tests.",
        T0 + 98800,
        meta(OPUS, (300, 95, 12000, 300)),
    ),
]
C_EVENTS = [
    # written by the parent task, as Claude Code's sub-agents' first prompts are
    ("prompt", TASK_C, T0 + 5000, None),
    (
        "command",
        call("write_to_file", {"path": "ledger/importers/csv.py", "content": CSV_PY}),
        T0 + 11000,
        meta(SONNET, (10, 410, 0, 8290), "write_to_file"),
    ),
    (
        "command",
        "<file_write_result>\n<path>ledger/importers/csv.py</path>\n"
        "<operation>created</operation>\n</file_write_result>\n",
        T0 + 11300,
        meta(tool="write_to_file"),
    ),
    (
        "command",
        call("new_task", {"mode": "🧪 Test", "content": TASK_G}),
        T0 + 14000,
        meta(SONNET, (90, 120, 8290, 420), "new_task"),
    ),
    (
        "command",
        f"Subtask {G} completed.\n\nResult:\n{SUM_G}",
        T0 + 70000,
        meta(tool="new_task"),
    ),
    (
        "command",
        "python -m pytest -q tests/test_csv_import.py",
        T0 + 73000,
        meta(SONNET, (190, 60, 8710, 200), "execute_command"),
    ),
    (
        "command",
        "Command executed in terminal  within working directory '/home/ines/code/ledger'."
        " Exit code: 0\nOutput:\n..\n2 passed in 0.05s\n",
        T0 + 76100,
        meta(tool="execute_command"),
    ),
    ("system", SUM_C, T0 + 79000, meta(SONNET, (340, 50, 8910, 150))),
]
G_EVENTS = [
    ("prompt", TASK_G, T0 + 15000, None),
    (
        "command",
        call(
            "write_to_file",
            {"path": "tests/test_csv_import.py", "content": "def test_refund(tmp_path): ...\n"},
        ),
        T0 + 21000,
        meta(HAIKU, (10, 380, 0, 5190), "write_to_file"),
    ),
    (
        "command",
        "<file_write_result>\n<path>tests/test_csv_import.py</path>\n"
        "<operation>created</operation>\n</file_write_result>\n",
        T0 + 21200,
        meta(tool="write_to_file"),
    ),
    (
        "command",
        "python -m pytest -q tests/test_csv_import.py",
        T0 + 24000,
        meta(HAIKU, (30, 70, 5190, 480), "execute_command"),
    ),
    (
        "command",
        "Command executed in terminal  within working directory '/home/ines/code/ledger'."
        " Command execution was not successful, inspect the cause and adjust as needed.\n"
        "Exit code: 1\nOutput:\nF.\nE   decimal.InvalidOperation: '-12,50'\n"
        "1 failed, 1 passed in 0.06s\n",
        T0 + 27300,
        meta(tool="execute_command", error=True),
    ),
    (
        "alert",
        "Roo tried to use apply_diff without value for required parameter 'diff'. Retrying...",
        T0 + 31000,
        None,
    ),
    (
        "command",
        "Missing value for required parameter 'diff'. Please retry with complete response.",
        T0 + 31100,
        meta(tool="apply_diff", error=True),
    ),
    # the request that failed made no event of its own: its counts go with the next
    ("command", None, T0 + 36000, meta(HAIKU, (410, 205, 11640, 450), "apply_diff")),
    (
        "command",
        "<file_write_result>\n<path>ledger/importers/csv.py</path>\n"
        "<operation>modified</operation>\n</file_write_result>\n",
        T0 + 40100,
        meta(tool="apply_diff"),
    ),
    ("system", SUM_G, T0 + 43000, meta(HAIKU, (380, 40, 6300, 120))),
]
# Before Roo 3.29.5 (its records still carry `request`): tokensIn is the
# provider's count, cache reads included for an OpenAI-protocol one only.
O_EVENTS = [
    ("prompt", "Why does `ledger balance` print -0.00?", Q0, None),
    (
        "system",
        "Rounding a tiny negative float gives -0.00. I'll check the formatter.",
        Q0 + 3800,
        meta(None, (400, 130, 4800, 0)),
    ),
    (
        "command",
        call(
            "read_file",
            {"path": "ledger/fmt.py", "content": "/home/ines/code/ledger/ledger/fmt.py"},
        ),
        Q0 + 4000,
        meta(tool="read_file"),
    ),
    # an XML-era result, given as text after `[read_file for '…'] Result:`
    (
        "command",
        '<file><path>ledger/fmt.py</path>\n<content lines="1-2">\n1 | def fmt_amount(x):\n'
        '2 |     return f"{x:.2f}"\n</content>\n</file>',
        Q0 + 4400,
        meta(tool="read_file"),
    ),
    (
        "system",
        "`fmt_amount` formats before rounding; rounding first (and adding 0.0) prints 0.00.",
        Q0 + 7500,
        meta(None, (310, 90, 5000, 200)),
    ),
]


def expected(root: Path) -> dict[str, list[tuple]]:
    applied = json.loads(ui_file(root, G).read_text())[9]
    diff = {k: v for k, v in json.loads(applied["text"]).items() if k in ("path", "diff")}
    g = [e if e[1] is not None else (e[0], call("apply_diff", diff), e[2], e[3]) for e in G_EVENTS]
    return {P: P_EVENTS, C_ULID: C_EVENTS, G_ULID: g, OLD: O_EVENTS}


def stored(rows: list[tuple]) -> list[tuple[str, str, str]]:
    return [(kind, text, rfc3339(ms)) for kind, text, ms, _ in rows]


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy):
    root = tree(copy)

    summary = run_import(store, "roo", [root / "globalStorage"])

    assert sessions(store) == {
        P: ("roo", None, None, rfc3339(T0), 5),
        C_ULID: ("roo", None, P, rfc3339(T0 + 5000), 8),
        G_ULID: ("roo", None, C_ULID, rfc3339(T0 + 15000), 10),
        OLD: ("roo", None, None, rfc3339(Q0), 5),
    }
    for ulid, rows in expected(root).items():
        assert events(store, ulid) == stored(rows), ulid
    assert summary.sessions_added == 4 and summary.events_added == 28
    assert summary.skipped == {} and summary.failed == [] and summary.exit_code == 0


def test_every_event_has_its_model_usage_tool_and_failure_and_each_task_its_place(copy):
    root = tree(copy)

    found, events_of = read_items("roo", [root / "globalStorage"])

    assert {
        ulid: (s.source, s.source_id, s.project, s.branch, s.parent_ulid)
        for ulid, s in found.items()
    } == {
        P: ("roo", P, LEDGER, "feat/csv-import", None),
        C_ULID: ("roo", C, LEDGER, "feat/csv-import", P),
        G_ULID: ("roo", G, LEDGER, "feat/csv-import", C_ULID),
        OLD: ("roo", OLD, LEDGER, None, None),  # its list entry only in state.vscdb
    }
    for ulid, rows in expected(root).items():
        assert [(e.kind, e.text, e.created_at, e.meta) for e in events_of[ulid]] == rows, ulid


def test_a_subtasks_ulid_starts_with_its_parents_and_its_source_id_is_its_task(copy):
    root = tree(copy)

    found, _ = read_items("roo", [root / "globalStorage"])

    for child in (C_ULID, G_ULID):
        parent = found[child].parent_ulid
        assert child.startswith(f"{parent}_") and len(child) <= 64
    assert (found[C_ULID].source_id, found[G_ULID].source_id) == (C, G)


def test_tasks_are_read_parents_first_so_a_subtask_finds_its_parent(copy):
    root = tree(copy)

    order = [p.parent.name for p in load("roo").sources([root / "globalStorage"])]

    # Tasks named at random (Roo before 3.2x) first, by depth in the task
    # tree; then those named by a UUIDv7, by the time in it (a subtask is
    # made after its parent), not by name (OLD's sorts after C's and G's).
    assert order == [OLD, P, C, G]


def test_injected_context_is_in_no_prompt(copy):
    root = tree(copy)

    _, events_of = read_items("roo", [root / "globalStorage"])

    prompts = [e.text for evs in events_of.values() for e in evs if e.kind == "prompt"]
    assert prompts == ["Why does `ledger balance` print -0.00?", TASK_P, TASK_C, TASK_G]
    for text in prompts:
        for marker in ("<user_message>", "<environment_details>", "<task>", "# Git Status"):
            assert marker not in text


def test_a_second_import_adds_nothing_and_never_writes_the_source(store, copy):
    root = tree(copy)
    before = digests(root)
    run_import(store, "roo", [root / "globalStorage"])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "roo", [root / "globalStorage"])

    assert again.events_added == 0 and again.sessions_added == 0 and again.unchanged == 4
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(root) == before


def test_the_same_history_copied_elsewhere_imports_as_nothing_new(store, copy, tmp_path):
    root = tree(copy)
    run_import(store, "roo", [root / "globalStorage"])
    elsewhere = tmp_path / "restored"
    shutil.copytree(root / "globalStorage", elsewhere)
    age(elsewhere, 60)

    again = run_import(store, "roo", [elsewhere])

    assert again.files == 4 and again.unchanged == 0
    assert again.events_added == 0 and again.sessions_added == 0


def test_a_parent_given_its_subtasks_result_later_gets_only_the_new_turns(store, copy):
    root = tree(copy, fresh=True)
    path = ui_file(root, P)
    api_path = path.with_name("api_conversation_history.json")
    ui = json.loads(path.read_text())
    api = json.loads(api_path.read_text())
    # While the subtask runs, the parent ends with its delegation.
    rewrite(path, ui[:4])
    rewrite(api_path, api[:2])
    run_import(store, "roo", [root / "globalStorage"])
    assert events(store, P) == stored(P_EVENTS[:3])

    # The subtask ends: Roo injects its result into the parent, which goes on
    # (its next request still being answered, then done).
    rewrite(path, [*ui[:5], {**ui[5], "text": json.dumps({"apiProtocol": "anthropic"})}])
    rewrite(api_path, api[:3])
    middle = run_import(store, "roo", [root / "globalStorage"])
    rewrite(path, ui)
    rewrite(api_path, api)
    roo = load("roo")
    state = json.loads(store.get_import_state("roo", f"task/{P}"))["reader"]
    read = [i for i in roo.read(path, state, roo.new_run()) if isinstance(i, Turns)]
    last = run_import(store, "roo", [root / "globalStorage"])

    assert events(store, P) == stored(P_EVENTS)
    assert (middle.events_added, last.events_added) == (1, 1)
    assert [(e.kind, e.meta) for turns in read for e in turns.events] == [
        ("system", P_EVENTS[-1][3])
    ]


def test_a_task_of_another_tool_is_not_recognised(store, copy):
    cline = copy("cline") / "globalStorage" / "saoudrizwan.claude-dev" / "tasks"
    task = sorted(p for p in cline.iterdir() if p.is_dir())[-1]

    summary = run_import(store, "roo", [task / "ui_messages.json"])

    assert [why for _, why in summary.failed] == [
        "it looks like a Cline task (Roo Code's first message is the task as text)"
    ]
    assert summary.exit_code == 1 and sessions(store) == {}


def test_a_custom_storage_path_in_the_editors_settings_is_a_default_place(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    monkeypatch.delenv("VSCODE_PORTABLE", raising=False)
    settings = tmp_path / ".config" / "VSCodium" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        "{\n"
        '  // "roo-cline.customStoragePath": "/old/place",\n'
        '  "editor.fontSize": 13,\n'
        '  "roo-cline.customStoragePath": "~/roo-tasks",\n'
        "}\n"
    )

    found = load("roo").default_paths()

    assert tmp_path / "roo-tasks" in found
    assert Path("/old/place") not in found
    for product in ("Code", "Code - Insiders", "VSCodium"):
        folder = tmp_path / ".config" / product / "User/globalStorage/rooveterinaryinc.roo-cline"
        assert folder in found
    assert tmp_path / ".vscode-mock" / "global-storage" in found


@pytest.mark.parametrize(
    ("platform", "base"),
    [("darwin", "Library/Application Support"), ("win32", "AppData/Roaming")],
)
def test_the_default_places_on_macos_and_windows(monkeypatch, tmp_path, platform, base):
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.delenv("VSCODE_PORTABLE", raising=False)

    found = load("roo").default_paths()

    for product in ("Code", "Code - Insiders", "VSCodium"):
        assert tmp_path / base / product / "User/globalStorage/rooveterinaryinc.roo-cline" in found


def test_an_older_subtask_end_given_as_text_is_the_new_task_result(tmp_path):
    # Roo before native tool calls told the parent of its subtask's end with a
    # user text `[new_task completed] Result: …` (ClineProvider.finishSubTask).
    task = tmp_path / "tasks" / OLD
    task.mkdir(parents=True)
    (task / "ui_messages.json").write_text(
        json.dumps(
            [
                {"ts": Q0, "type": "say", "say": "text", "text": "split the work"},
                {"ts": Q0 + 10, "type": "ask", "ask": "tool", "text": '{"tool":"newTask"}'},
                {"ts": Q0 + 900, "type": "say", "say": "subtask_result", "text": "done"},
            ]
        )
    )
    (task / "api_conversation_history.json").write_text(
        json.dumps(
            [
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "<task>split</task>"}],
                    "ts": Q0 + 1,
                },
                {
                    "role": "assistant",
                    "content": [{"type": "text", "text": "<new_task>…"}],
                    "ts": Q0 + 9,
                },
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "[new_task completed] Result: done"}],
                    "ts": Q0 + 900,
                },
            ]
        )
    )
    age(tmp_path, 3600)

    _, events_of = read_items("roo", [tmp_path])

    assert [(e.kind, e.text, e.meta) for e in events_of[OLD]] == [
        ("prompt", "split the work", None),
        ("command", "new_task", meta(tool="new_task")),
        ("command", "done", meta(tool="new_task")),
    ]


def test_an_empty_chat_file_is_nothing_yet_not_a_failure(store, tmp_path):
    task = tmp_path / "tasks" / OLD
    task.mkdir(parents=True)
    (task / "ui_messages.json").write_text("")

    summary = run_import(store, "roo", [tmp_path])

    assert summary.failed == [] and summary.files == 1 and sessions(store) == {}


@pytest.mark.parametrize(
    "listed_in,child",
    [
        ("history_item.json", "1a2b3c4d-0000-4000-8000-000000000002"),
        ("_index.json", "1a2b3c4d-0000-4000-8000-000000000002"),
        ("both", "1a2b3c4d-0000-4000-8000-000000000002"),
        # made by a Roo that names tasks by UUIDv7, its parent by one that did not
        ("both", "019f0a11-0f3d-7e52-9b4c-000000000002"),
    ],
)
def test_a_subtask_named_before_its_parent_is_still_read_after_it(tmp_path, listed_in, child):
    # Roo before 3.2x named tasks by random UUIDs: a subtask's may sort first.
    # Its parent is found in the task list (`tasks/_index.json`, one read for
    # every task) or in its own `history_item.json`, whichever it is in.
    parent = "9e1f0c2a-0000-4000-8000-000000000001"
    tasks = tmp_path / "globalStorage" / "rooveterinaryinc.roo-cline" / "tasks"
    items = [{"id": parent}, {"id": child, "parentTaskId": parent}]
    for item in items:
        folder = tasks / item["id"]
        folder.mkdir(parents=True)
        (folder / "ui_messages.json").write_text("[]")
        if listed_in != "_index.json":
            (folder / "history_item.json").write_text(json.dumps(item))
    if listed_in != "history_item.json":
        (tasks / "_index.json").write_text(json.dumps({"version": 1, "entries": items}))
    (tasks / "no-chat-yet").mkdir()  # a task folder without its chat is no file

    order = [p.parent.name for p in load("roo").sources([tmp_path / "globalStorage"])]

    assert order == [parent, child]
