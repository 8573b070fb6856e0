"""Cline: every case of fixtures/cline (two task folders, one of an older
Cline whose task list is in VS Code's state.vscdb, and the SDK sessions of
Cline 4.1+), imported into a real SQLite store, to exactly the expected
sessions, events and version-3 fields; then what Cline does to its files
afterwards (rewriting them whole, finishing a reply, rewinding)."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sessiond.importers import load
from sessiond.importers.base import Turns
from sessiond.importers.run import run_import
from sessiond.models import Usage, make_meta, rfc3339
from sessiond.store import open_store
from support.importing import FIXTURES, digests, events, read_items, sessions

A, TA = "1782131700250", 1782131700250  # Cline 4.0.12, native tool calls
B, TB = "1767225600000", 1767225600000  # an older Cline: XML tools, no times in the model history
S, TS = "1782300000000_k3v9q", 1782300000000  # an SDK session (Cline 4.1+)
SUB = f"{S}_agent_7b2"  # its sub-agent
STORE = "globalStorage/saoudrizwan.claude-dev"
SONNET, GPT, OLD = "claude-sonnet-4-5-20250929", "gpt-4.1", "claude-3-7-sonnet-20250219"
CUT = "unfinished"


def ui_file(root: Path, task: str) -> Path:
    return root / STORE / "tasks" / task / "ui_messages.json"


def api_file(root: Path, task: str) -> Path:
    return root / STORE / "tasks" / task / "api_conversation_history.json"


def tree(copy, *, fresh: bool = False) -> Path:
    """The fixture copied, with VS Code's state.vscdb beside the extension's
    folder (the task list of the older task), every file left alone for an
    hour (or just written: `fresh`)."""
    root = copy("cline")
    vscdb = root / "globalStorage" / "state.vscdb"
    conn = sqlite3.connect(vscdb)
    conn.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    conn.execute(
        "INSERT INTO ItemTable VALUES (?, ?)",
        ("saoudrizwan.claude-dev", (root / "vscdb-state.json").read_text()),
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


def paths(root: Path) -> list[Path]:
    return [root / "globalStorage", root / "cline-data"]


def ui_json(root: Path, task: str, index: int) -> dict:
    return json.loads(ui_file(root, task).read_text())[index]


def shown(message: dict) -> dict:
    """A chat tool message's fields but those that only steer the view."""
    payload = json.loads(message["text"])
    view = ("tool", "operationIsLocatedInWorkspace", "startLineNumbers")
    return {k: v for k, v in payload.items() if k not in view}


def call(name: str, args: dict) -> str:
    return f"{name} {json.dumps(args, ensure_ascii=False, separators=(',', ':'))}"


def meta(model=None, usage=None, tool=None, error=None):
    return make_meta(model=model, usage=Usage(*usage) if usage else None, tool=tool, is_error=error)


TASK_A = (
    "The `--units` flag is ignored when a forecast comes from the cache. Fix it.\n\n"
    "The cache code is @/weather/cache.py"
)
CACHE_PY = (
    "class Cache:\n    def put(self, key, reading, units):\n"
    "        self.data[key] = convert(reading, units)\n"
)


def a_events(root: Path) -> list[tuple]:
    """Task A: (kind, text, ms, meta) as the chat and the model history say."""
    edit1, edit2, edit3 = (shown(ui_json(root, A, i)) for i in (7, 16, 19))
    return [
        ("prompt", TASK_A, TA, None),
        (
            "system",
            "The cache keeps temperatures already converted to the units of the first request,"
            " so a later `--units imperial` gets Celsius back. I'll read the cache module first.",
            TA + 4100,
            meta(SONNET, (4, 188, 0, 7310)),
        ),
        (
            "command",
            call(
                "read_file",
                {
                    "path": "weather/cache.py",
                    "content": "/home/ines/code/weather-cli/weather/cache.py",
                },
            ),
            TA + 4300,
            meta(SONNET, tool="read_file"),
        ),
        ("command", CACHE_PY, TA + 5100, meta(tool="read_file")),
        (
            "system",
            "I'll store the raw readings and convert them when they are read.",
            TA + 9800,
            meta(SONNET, (212, 301, 7310, 1450)),
        ),
        (
            "command",
            call("replace_in_file", edit1),
            TA + 10100,
            meta(SONNET, tool="replace_in_file"),
        ),
        (
            "command",
            "The content was successfully saved to weather/cache.py.",
            TA + 16100,
            meta(tool="replace_in_file"),
        ),
        # the approval's REQ_APP marker is not part of the command; the
        # OpenAI-compatible provider's input count includes the cached part
        (
            "command",
            "python -m pytest -q tests/test_cache.py",
            TA + 19000,
            meta(GPT, (400, 64, 8700, 0), "execute_command"),
        ),
        (
            "command",
            "Command failed with exit code 1.\nOutput:\n..F\n"
            "FAILED tests/test_cache.py::test_units_after_cache - AssertionError\n"
            "1 failed, 2 passed in 0.31s",
            TA + 25100,
            meta(tool="execute_command", error=True),
        ),
        (
            "alert",
            '500 {"error":{"message":"The server had an error while processing your request."}}',
            TA + 27000,
            None,
        ),
        ("warn", "The request was retried.", TA + 31000, None),
        (
            "system",
            "One test still expects converted values in the cache; I'll update it.",
            TA + 33500,
            meta(GPT, (800, 120, 9000, 0)),
        ),
        ("command", call("replace_in_file", edit2), TA + 33800, meta(GPT, tool="replace_in_file")),
        ("warn", "An edit to tests/test_cache.py could not be applied.", TA + 35000, None),
        (
            "command",
            "The tool execution failed with the following error:\n<error>\n"
            "The SEARCH block does not match anything in tests/test_cache.py.\n</error>",
            TA + 35100,
            meta(tool="replace_in_file", error=True),
        ),
        (
            "command",
            call("replace_in_file", edit3),
            TA + 38000,
            meta(GPT, (700, 80, 9400, 0), "replace_in_file"),
        ),
        (
            "command",
            "The content was successfully saved to tests/test_cache.py.",
            TA + 40100,
            meta(tool="replace_in_file"),
        ),
        (
            "system",
            "Readings are cached raw and converted on every read, so `--units` now applies to"
            " cached forecasts too.",
            TA + 44000,
            meta(GPT, (700, 90, 9700, 0)),
        ),
        # the completion's feedback, given in the chat: a prompt (the model
        # history's attempt_completion result repeats it, and is not taken)
        ("prompt", "Also clear the cache when the API key changes.", TA + 90000, None),
        ("warn", "The request was cancelled.", TA + 90300, None),
        (
            "system",
            "I'll key the cache on a hash of the API key and",
            TA + 93000,
            meta(GPT, (350, 40, 10300, 0)),
        ),
        ("prompt", "never mind, leave it for now", TA + 210000, None),
        (
            "system",
            "Understood: nothing was changed for the API key.",
            TA + 213000,
            meta(GPT, (150, 35, 10650, 0)),
        ),
        # resumed in the SDK extension: its file repeats the above up to
        # Cline's legacy notice, and only what follows is new
        ("prompt", "Now do clear the cache when the API key changes.", TA + 300100, None),
        (
            "system",
            "I'll add the key's hash to the cache file name.",
            TA + 304000,
            meta(GPT, (1000, 150, 11000, 0)),
        ),
        (
            "command",
            call(
                "editor",
                {
                    "path": "weather/cache.py",
                    "old_text": "CACHE = 'cache.json'",
                    "new_text": "CACHE = f'cache-{key_hash}.json'",
                },
            ),
            TA + 304000,
            meta(GPT, tool="editor"),
        ),
        ("command", "Edited weather/cache.py", TA + 304500, meta(tool="editor")),
        (
            "system",
            "Done: a new API key now starts an empty cache.",
            TA + 306000,
            meta(GPT, (400, 20, 11900, 0)),
        ),
    ]


B_EVENTS = [
    ("prompt", "Add a `--json` option to `notes list`.", TB, None),
    (
        "system",
        "I'll look at how `notes list` prints first.",
        TB + 3900,
        meta(OLD, (3, 150, 0, 5000)),
    ),
    (
        "command",
        call(
            "read_file", {"path": "notes/cli.py", "content": "/home/ines/code/notes/notes/cli.py"}
        ),
        TB + 4100,
        meta(OLD, tool="read_file"),
    ),
    # no times in this model history: results as the chat shows them
    (
        "command",
        'github/search_issues {"q":"notes list json"}',
        TB + 8000,
        meta(OLD, (120, 96, 5000, 700), "github/search_issues"),
    ),
    ("command", "No issues match.", TB + 9600, meta(tool="github/search_issues")),
    (
        "command",
        "python -m notes list --json",
        TB + 12500,
        meta(OLD, (80, 70, 5700, 100), "execute_command"),
    ),
    # the output's two chunks, one result
    ("command", '[{"id": 1, "title": "groceries"}]', TB + 14000, meta(tool="execute_command")),
]
# The reply still streaming when Cline stopped writing (its request has no
# cost yet): taken once the task has been left alone for ten minutes.
B_LEFT = ("system", "The option works: `notes list --json` prints", TB + 16500, meta(OLD))

S_EVENTS = [
    # the <user_input> wrapper, the <mode_notice> and the attached file are Cline's
    ("prompt", "Print next week's tide table for Brest as CSV.", TS + 200, None),
    (
        "system",
        "I'll check how the table is printed first.",
        TS + 4200,
        meta("claude-sonnet-4-5", (20, 140, 0, 6100)),
    ),
    (
        "command",
        'read_files {"paths":["tides/cli.py"]}',
        TS + 4200,
        meta("claude-sonnet-4-5", tool="read_files"),
    ),
    (
        "command",
        "def main(port, days):\n    for row in table(port, days):\n        print(row)\n",
        TS + 4600,
        meta(tool="read_files"),
    ),
    (
        "command",
        'run_commands {"commands":["python -m tides brest --days 7 --csv"]}',
        TS + 7900,
        meta("claude-sonnet-4-5", (50, 60, 6100, 250), "run_commands"),
    ),
    (
        "command",
        "error: unknown option --csv",
        TS + 8800,
        meta(tool="run_commands", error=True),
    ),
    # Cline's own notice about repeated calls is not the person's
    (
        "system",
        "There is no `--csv` option yet; I'll add one.",
        TS + 12000,
        meta("claude-sonnet-4-5", (50, 210, 6350, 200)),
    ),
    (
        "command",
        call(
            "editor",
            {
                "path": "tides/cli.py",
                "old_text": "        print(row)",
                "new_text": "        print(','.join(row) if csv else row)",
            },
        ),
        TS + 12000,
        meta("claude-sonnet-4-5", tool="editor"),
    ),
    ("command", "Edited tides/cli.py", TS + 12400, meta(tool="editor")),
    (
        "system",
        "Added `--csv`: `python -m tides brest --days 7 --csv` prints the table as CSV.",
        TS + 15000,
        meta("claude-sonnet-4-5", (250, 40, 6550, 100)),
    ),
    # a slash command the person typed is a command
    ("command", "/commit with a short message", TS + 60000, None),
    (
        "command",
        """run_commands {"commands":["git commit -am 'tides: --csv'"]}""",
        TS + 63000,
        meta("claude-sonnet-4-5", (180, 90, 6900, 120), "run_commands"),
    ),
    (
        "command",
        """spawn_agent {"task":"Check the CSV against the harbour's published table."}""",
        TS + 63000,
        meta("claude-sonnet-4-5", tool="spawn_agent"),
    ),
    (
        "command",
        "[main 4f1c2d0] tides: --csv\n 1 file changed, 3 insertions(+), 1 deletion(-)",
        TS + 80000,
        meta(tool="run_commands"),
    ),
    (
        "command",
        "The CSV matches the published table for all 7 days.",
        TS + 80000,
        meta(tool="spawn_agent"),
    ),
    (
        "system",
        "Committed, and a sub-agent checked the CSV against the harbour's table.",
        TS + 82000,
        meta("claude-sonnet-4-5", (210, 30, 7200, 90)),
    ),
]
SUB_EVENTS = [
    ("prompt", "Check the CSV against the harbour's published table.", TS + 63500, None),
    (
        "command",
        'fetch_web_content {"url":"https://harbour.example/tides/brest"}',
        TS + 66000,
        meta("claude-haiku-4-5", (100, 50, 0, 2000), "fetch_web_content"),
    ),
    (
        "command",
        "Brest, high water: 03:12 6.4 m, 15:37 6.1 m, ...",
        TS + 71000,
        meta(tool="fetch_web_content"),
    ),
    (
        "system",
        "The CSV matches the published table for all 7 days.",
        TS + 79000,
        meta("claude-haiku-4-5", (100, 40, 2000, 500)),
    ),
]


def stored(expected: list[tuple]) -> list[tuple[str, str, str]]:
    return [(kind, text, rfc3339(ms)) for kind, text, ms, _ in expected]


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy):
    root = tree(copy)

    summary = run_import(store, "cline", paths(root))

    assert sessions(store) == {
        A: ("cline 4.0.12", None, None, rfc3339(TA), 28),
        B: ("cline", None, None, rfc3339(TB), 8),
        S: ("cline", "Tide table as CSV", None, rfc3339(TS + 200), 16),
        SUB: ("cline", None, S, rfc3339(TS + 63500), 4),
    }
    assert events(store, A) == stored(a_events(root))
    assert events(store, B) == stored([*B_EVENTS, B_LEFT])
    assert events(store, S) == stored(S_EVENTS)
    assert events(store, SUB) == stored(SUB_EVENTS)
    assert summary.sessions_added == 4 and summary.events_added == 56
    assert summary.skipped == {} and summary.failed == [] and summary.exit_code == 0


def test_every_event_has_its_model_usage_tool_and_failure_and_each_session_its_place(copy):
    root = tree(copy)

    found, events_of = read_items("cline", paths(root))

    assert {
        ulid: (s.source, s.source_id, s.project, s.branch, s.parent_ulid)
        for ulid, s in found.items()
    } == {
        A: ("cline", A, "/home/ines/code/weather-cli", None, None),
        B: ("cline", B, "/home/ines/code/notes", None, None),  # from state.vscdb's list
        S: ("cline", S, "/home/ines/code/tides", None, None),
        SUB: ("cline", f"{S}__agent_7b2", "/home/ines/code/tides", None, S),
    }
    assert SUB.startswith(f"{S}_")  # the trash moves it with its parent

    def rows(ulid: str) -> list[tuple]:
        return [(e.kind, e.text, e.created_at, e.meta) for e in events_of[ulid]]

    assert rows(A) == a_events(root)
    assert rows(B) == [*B_EVENTS, B_LEFT]
    assert rows(S) == S_EVENTS
    assert rows(SUB) == SUB_EVENTS


def test_injected_context_is_in_no_prompt(copy):
    root = tree(copy)

    _, events_of = read_items("cline", paths(root))

    prompts = [e.text for evs in events_of.values() for e in evs if e.kind == "prompt"]
    assert len(prompts) == 7
    for marker in (
        "<environment_details>",
        "<task>",
        "<file_content",
        "(see below for file content)",
        "<feedback>",
        "<user_message>",
        "[TASK RESUMPTION]",
        "<user_input",
        "<mode_notice>",
        "switched from plan mode",
        "Tide tables from the harbour's open data",  # the attached README
        "same tool with the same input",  # Cline's loop notice
        "legacy conversation",
        "REQ_APP",
    ):
        assert not [p for p in prompts if marker in p], marker


def test_a_reply_still_being_written_waits_and_then_comes_in_once(store, copy):
    root = tree(copy, fresh=True)

    first = run_import(store, "cline", paths(root))

    # The last request has no cost yet and its reply is partial: left for later.
    assert events(store, B) == stored(B_EVENTS)
    assert first.events_added == 55

    # Cline finishes the reply, records the request's cost, and goes on,
    # rewriting the file whole (a new file renamed over the old one).
    ui = json.loads(ui_file(root, B).read_text())
    request = json.loads(ui[-2]["text"])
    request.update(tokensIn=150, tokensOut=60, cacheWrites=120, cacheReads=5800, cost=0.004)
    ui[-2]["text"] = json.dumps(request)
    ui[-1].update(partial=False, text="The option works: `notes list --json` prints JSON.")
    ui.append({"ts": TB + 17000, "type": "say", "say": "completion_result", "text": "Done."})
    rewrite(ui_file(root, B), ui)

    second = run_import(store, "cline", paths(root))

    assert events(store, B) == stored(
        [
            *B_EVENTS,
            ("system", "The option works: `notes list --json` prints JSON.", TB + 16500, None),
            ("system", "Done.", TB + 17000, None),
        ]
    )
    assert second.events_added == 2 and second.sessions_added == 0
    assert run_import(store, "cline", paths(root)).events_added == 0


def rewrite(path: Path, value: object) -> None:
    """As Cline writes: the whole file aside, then renamed over the old one."""
    aside = path.with_name(f"{path.name}.tmp.{time.time_ns()}.json")
    aside.write_text(json.dumps(value, separators=(",", ":")))
    os.replace(aside, path)


def test_a_second_import_adds_nothing_and_never_writes_the_source(store, copy):
    root = tree(copy)
    before = digests(root)
    run_import(store, "cline", paths(root))
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "cline", paths(root))

    assert again.events_added == 0 and again.sessions_added == 0
    assert again.unchanged == 5
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(root) == before  # state.vscdb included: no -wal or -shm beside it


def test_the_same_history_copied_elsewhere_imports_as_nothing_new(store, copy, tmp_path):
    root = tree(copy)
    run_import(store, "cline", paths(root))
    elsewhere = tmp_path / "backup"
    shutil.copytree(root, elsewhere)
    age(elsewhere, 60)  # copied without its times: every file is read again

    again = run_import(store, "cline", paths(elsewhere))

    assert again.files == 5 and again.unchanged == 0
    assert again.events_added == 0 and again.sessions_added == 0


def test_a_task_rewritten_with_more_turns_gets_only_those(store, copy):
    root = tree(copy)
    run_import(store, "cline", paths(root))
    ui = json.loads(ui_file(root, A).read_text())
    api = json.loads(api_file(root, A).read_text())
    more = [
        {"ts": TA + 400000, "type": "ask", "ask": "resume_completed_task", "text": ""},
        {"ts": TA + 401000, "type": "say", "say": "user_feedback", "text": "and the README?"},
        {
            "ts": TA + 401300,
            "type": "say",
            "say": "api_req_started",
            "text": json.dumps({"tokensIn": 9, "tokensOut": 30, "cacheReads": 11000, "cost": 0.01}),
            "modelInfo": {"providerId": "anthropic", "modelId": SONNET, "mode": "act"},
        },
        {
            "ts": TA + 404000,
            "type": "say",
            "say": "text",
            "text": "The README says nothing about units yet.",
            "partial": False,
            "modelInfo": {"providerId": "anthropic", "modelId": SONNET, "mode": "act"},
        },
    ]
    rewrite(ui_file(root, A), [*ui[:-1], *more])  # the trailing ask went on resume
    rewrite(api_file(root, A), api)
    cline = load("cline")
    state = json.loads(store.get_import_state("cline", f"task/{A}"))["reader"]
    read = [i for i in cline.read(ui_file(root, A), state, cline.new_run()) if isinstance(i, Turns)]

    grown = run_import(store, "cline", paths(root))

    assert events(store, A)[-2:] == stored(
        [
            ("prompt", "and the README?", TA + 401000, None),
            ("system", "The README says nothing about units yet.", TA + 404000, None),
        ]
    )
    assert grown.events_added == 2 and grown.sessions_continued == {A}
    assert [(e.kind, e.meta) for turns in read for e in turns.events] == [
        ("prompt", None),
        ("system", meta(SONNET, (9, 30, 11000, 0))),
    ]


def test_a_rewind_keeps_what_was_imported_and_adds_what_follows(store, copy):
    root = tree(copy)
    run_import(store, "cline", paths(root))
    before = events(store, A)
    # The person restores the checkpoint after the first edit: Cline cuts the
    # chat there, and the task goes on from it with new messages.
    ui = json.loads(ui_file(root, A).read_text())[:9]
    ui += [
        {"ts": TA + 500000, "type": "say", "say": "user_feedback", "text": "use a dataclass"},
        {"ts": TA + 503000, "type": "say", "say": "text", "text": "Switching to a dataclass."},
    ]
    rewrite(ui_file(root, A), ui)

    again = run_import(store, "cline", paths(root))

    assert events(store, A) == before + stored(
        [
            ("prompt", "use a dataclass", TA + 500000, None),
            ("system", "Switching to a dataclass.", TA + 503000, None),
        ]
    )
    assert again.events_added == 2


def test_a_record_that_cannot_be_read_is_skipped_and_counted(store, copy):
    root = tree(copy)
    text = ui_file(root, B).read_text()
    cut = text.index(',{"ts":1767225608000')
    ui_file(root, B).write_text(text[:cut] + ',{"ts":1767225607000,"type":"say",oops}' + text[cut:])
    age(root, 3600)

    summary = run_import(store, "cline", [root / STORE / "tasks" / B])

    assert summary.skipped == {"records that are not JSON": 1}
    assert events(store, B) == stored([*B_EVENTS, B_LEFT])


def test_files_of_another_format_are_not_recognised(store, copy, tmp_path):
    roo = copy("roo") / "globalStorage" / "rooveterinaryinc.roo-cline" / "tasks"
    first_roo_task = sorted(p for p in roo.iterdir() if p.is_dir())[0]
    transcript = FIXTURES / "claude-code" / "projects" / "-home-ann-proj"
    jsonl = next(transcript.glob("*.jsonl"))
    obj = tmp_path / "elsewhere" / "ui_messages.json"
    obj.parent.mkdir()
    obj.write_text('{"messages": []}')

    summary = run_import(store, "cline", [first_roo_task / "ui_messages.json", jsonl, obj])

    reasons = sorted(why for _, why in summary.failed)
    assert reasons == [
        "it looks like a Roo Code task (its first message is not Cline's task message)",
        *[
            "not a Cline task's ui_messages.json: it holds a JSON object where an array of"
            " records was expected"
        ]
        * 2,
    ]
    assert summary.exit_code == 1 and sessions(store) == {}


def test_the_key_is_the_task_and_a_task_file_stands_for_its_chat(copy):
    root = tree(copy)
    cline = load("cline")
    chat = ui_file(root, A)

    assert cline.key(chat) == f"task/{A}"
    assert cline.sources([api_file(root, A)]) == [chat]
    assert cline.watched(api_file(root, A)) == chat
    assert cline.watched(chat.with_name("ui_messages.json.tmp.1.2.json")) is None
    session = root / "cline-data" / "sessions" / S / f"{S}.messages.json"
    assert cline.key(session) == f"session/{S}"
    assert cline.key(session.with_name("agent_7b2.messages.json")) == f"session/{S}__agent_7b2"


@pytest.mark.parametrize(
    ("platform", "base"),
    [
        ("linux", ".config"),
        ("darwin", "Library/Application Support"),
        ("win32", "AppData/Roaming"),
    ],
)
def test_the_default_places_are_vs_code_and_its_kin_and_clines_own(
    monkeypatch, tmp_path, platform, base
):
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    for name in ("XDG_CONFIG_HOME", "APPDATA", "VSCODE_PORTABLE", "CLINE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    if platform == "win32":
        monkeypatch.setenv("APPDATA", str(tmp_path / "AppData" / "Roaming"))
    monkeypatch.setenv("CLINE_DIR", str(tmp_path / "cline-home"))

    found = load("cline").default_paths()

    for product in ("Code", "Code - Insiders", "VSCodium"):
        assert tmp_path / base / product / "User/globalStorage/saoudrizwan.claude-dev" in found
    assert tmp_path / ".vscode-server/data/User/globalStorage/saoudrizwan.claude-dev" in found
    assert tmp_path / "cline-home" / "data" in found
    monkeypatch.setenv("CLINE_DATA_DIR", str(tmp_path / "elsewhere"))
    assert tmp_path / "elsewhere" in load("cline").default_paths()


def test_watch_picks_up_a_task_file_cline_rewrites(db, copy):
    root = tree(copy)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessiond", "--db", db, "import", "cline", str(root), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [err.put(line) for line in proc.stderr], daemon=True).start()
    try:
        assert "watching" in err.get(timeout=30)
        ui = json.loads(ui_file(root, A).read_text())
        said = {"ts": TA + 700000, "type": "say", "say": "user_feedback", "text": "thanks!"}
        rewrite(ui_file(root, A), [*ui, said])

        def seen() -> bool:
            with open_store(db, read_only=True) as store:
                return ("prompt", "thanks!", rfc3339(TA + 700000)) in events(store, A)

        deadline = time.monotonic() + 5
        while not seen() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert seen(), "not imported within 5 s"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert "+1 event in 1 session" in out


def test_a_task_read_before_its_model_history_exists_still_gets_its_tool_results(store, copy):
    root = tree(copy)
    tasks = root / STORE / "tasks"
    ui = json.loads(ui_file(root, A).read_text())
    api = api_file(root, A).read_text()
    # Cline has said the task and started the first request, and not yet
    # written the model history.
    api_file(root, A).unlink()
    started = {**ui[1], "text": json.dumps({"request": "<task>\n…\n</task>"})}
    rewrite(ui_file(root, A), [ui[0], started])

    first = run_import(store, "cline", [tasks / A])

    assert events(store, A) == stored([("prompt", TASK_A, TA, None)])
    assert "mode" not in json.loads(store.get_import_state("cline", f"task/{A}"))["reader"]
    api_file(root, A).write_text(api)
    rewrite(ui_file(root, A), ui)

    later = run_import(store, "cline", [tasks / A])

    assert events(store, A) == stored(a_events(root)[:23])
    assert (first.events_added, later.events_added) == (1, 22)
