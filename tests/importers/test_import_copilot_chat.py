"""Copilot Chat (VS Code's chat sessions): fixtures/copilot-chat, laid out as
VS Code's `User/` folder, to exactly the expected sessions and events; the
`.jsonl` mutation logs replayed (streaming rewrites, a rewind, compaction)
without importing anything twice; the person's words without what VS Code
attached to them."""

from __future__ import annotations

import json
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from sessiond.importers.base import NotRecognised, Turns, uri_path, workspace_folder
from sessiond.importers.copilot_chat import SOURCE
from sessiond.importers.run import run_import
from sessiond.models import make_meta
from support.importing import FIXTURES, digests, events, kinds_texts, sessions

V1 = "a1b2c3d4-0001-4aaa-8bbb-000000000001"
V2 = "b2c3d4e5-0002-4aaa-8bbb-000000000002"
V3 = "c3d4e5f6-0003-4aaa-8bbb-000000000003"
LOG = "d4e5f6a7-0004-4aaa-8bbb-000000000004"
SUB = f"{LOG}_toolu_sub01"
MOVED = "e5f6a7b8-0005-4aaa-8bbb-000000000005"
EMPTY_WINDOW = "f6a7b8c9-0006-4aaa-8bbb-000000000006"
LEDGER = "/home/ravi/code/ledger"
WEB = "C:\\Users\\ravi\\code\\ledger-web"
WS_A = "workspaceStorage/3f0a9c1e7b2d4e5f8a6b1c0d9e8f7a6b"
WS_B = "workspaceStorage/b7e6d5c4a3f2e1d0c9b8a7f6e5d4c3b2"
LOG_FILE = f"{WS_B}/chatSessions/{LOG}.jsonl"
V3_FILE = f"{WS_A}/chatSessions/{V3}.json"

LOG_EVENTS = [
    ("prompt", "show the invoice total in the header", "2026-06-09T10:13:30.000Z"),
    ("system", "Looking at the header component.", "2026-06-09T10:13:45.000Z"),
    (
        "command",
        "runSubagent find the function that sums invoice lines",
        "2026-06-09T10:13:45.000Z",
    ),
    ("command", "totals.ts: sumLines()", "2026-06-09T10:13:45.000Z"),
    (
        "command",
        f"edit {WEB}\\src\\Header.tsx\n      <span>{{sumLines(invoice.lines)}}</span>",
        "2026-06-09T10:13:45.000Z",
    ),
    ("system", "The header now shows the total.", "2026-06-09T10:13:45.000Z"),
    # sent, cancelled, then rewound in VS Code: it was said, and stays
    ("prompt", "format it as currency too", "2026-06-09T10:15:00.000Z"),
    ("system", "Wrapping it in", "2026-06-09T10:15:04.000Z"),
    ("warn", "response cancelled", "2026-06-09T10:15:04.000Z"),
    ("prompt", "format the total with Intl.NumberFormat", "2026-06-09T10:16:40.000Z"),
    ("command", "run_in_terminal npm test -- header", "2026-06-09T10:16:49.000Z"),
    ("command", "PASS src/Header.test.tsx\n", "2026-06-09T10:16:49.000Z"),
    (
        "system",
        "Formatted with `Intl.NumberFormat`; the header test passes.",
        "2026-06-09T10:16:49.000Z",
    ),
]


def user_folder(tmp_path: Path, where: str = "config/Code") -> Path:
    """A fresh copy of the fixture's `User/` folder under `tmp_path/where`."""
    target = tmp_path / where / "User"
    shutil.copytree(FIXTURES / "copilot-chat" / "User", target)
    return target


def read_all(paths: list[Path], states: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the reader yields for `paths`: ulid -> [the last session record,
    its events]."""
    found: dict[str, Any] = {}
    run = SOURCE.new_run()
    for path in SOURCE.sources(paths):
        for item in SOURCE.read(path, (states or {}).get(SOURCE.key(path)), run):
            if isinstance(item, Turns):
                entry = found.setdefault(item.session.ulid, [item.session, []])
                entry[0] = item.session
                entry[1].extend(item.events)
    return found


def append(path: Path, *entries: dict[str, Any]) -> None:
    with path.open("a") as f:
        for entry in entries:
            f.write(json.dumps(entry) + "\n")


def request(ident: str, when: int, text: str, **more: Any) -> dict[str, Any]:
    return {
        "requestId": f"request_{ident}",
        "timestamp": when,
        "message": {"text": text, "parts": []},
        "modelId": "copilot/claude-sonnet-4.5",
        "response": [],
        "modelState": {"value": 0},
        "agent": {"extensionVersion": "0.38.1", "metadata": {"requester": {"name": "ravi-sample"}}},
        "variableData": {"variables": [{"kind": "paste", "value": "a pasted secret note"}]},
        **more,
    }


def test_every_fixture_imports_to_exactly_the_expected_sessions_and_events(
    store, tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("VSCODE_APPDATA", raising=False)
    monkeypatch.delenv("VSCODE_PORTABLE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    user_folder(tmp_path)

    summary = run_import(store, "copilot-chat", [])  # the default: ~/.config/Code/User/...

    assert sessions(store) == {
        # v1: no title recorded, so VS Code's own: the first line of the first message
        V1: (
            "copilot-chat 0.21.2",
            "what is the decimal module for?",
            None,
            "2024-05-06T12:53:20.000Z",
            4,
        ),
        V2: (
            "copilot-chat 0.22.0",
            "Where invoice numbers come from",
            None,
            "2024-10-04T00:00:00.000Z",
            8,
        ),
        V3: ("copilot-chat 0.27.3", "Round cents half up", None, "2025-03-02T11:00:00.000Z", 14),
        # the log's customTitle was set, then unset: VS Code shows its default again
        LOG: (
            "copilot-chat 0.38.1",
            "show the invoice total in the header",
            None,
            "2026-06-09T10:13:20.000Z",
            13,
        ),
        SUB: (
            "copilot-chat 0.38.1",
            "Find where totals are computed",
            LOG,
            "2026-06-09T10:13:45.000Z",
            4,
        ),
        # the old .json and the log that replaced it: each request once
        MOVED: ("copilot-chat 0.38.1", "Prices and floats", None, "2024-12-24T00:26:40.000Z", 4),
        EMPTY_WINDOW: (
            "copilot-chat 0.38.1",
            "what does ROUND_HALF_EVEN do?",
            None,
            "2026-07-02T13:46:40.000Z",
            2,
        ),
        # 07b8c9d0-…: opened and never used, nothing to import
    }
    assert events(store, V1) == [
        # the oldest requests have no time: VS Code takes the session's
        ("prompt", "what is the decimal module for?", "2024-05-06T12:53:20.000Z"),
        (
            "system",
            "It does exact base-10 arithmetic, so `0.1 + 0.2` is `0.3`: the thing to use for money.",
            "2024-05-06T12:53:21.900Z",
        ),
        ("prompt", "how do I round to cents?", "2024-05-06T12:54:20.000Z"),
        (
            "system",
            'Quantize: `amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)`.',
            "2024-05-06T12:54:21.250Z",
        ),
    ]
    assert events(store, V2) == [
        ("prompt", "@workspace where are invoices numbered?", "2024-10-04T00:00:10.000Z"),
        (
            "system",
            "Numbers come from `invoice.py`, in `next_number()`, which reads the last one"
            " from the database.",
            "2024-10-04T00:00:14.000Z",
        ),
        ("prompt", "/explain", "2024-10-04T00:01:40.000Z"),
        ("system", "`next_number` locks the table, then", "2024-10-04T00:01:42.000Z"),
        ("alert", "The service is busy; try again in a minute.", "2024-10-04T00:01:42.000Z"),
        ("prompt", "just the short version", "2024-10-04T00:03:20.000Z"),
        ("system", "It takes a row lock so two", "2024-10-04T00:03:20.000Z"),
        ("warn", "response cancelled", "2024-10-04T00:03:20.000Z"),
    ]
    assert kinds_texts(store, V3) == [
        ("prompt", "round_cents rounds 2.675 down, make it round half up"),
        ("system", "Running the money tests first."),
        ("command", "run_in_terminal python -m pytest -q tests/test_money.py"),
        (
            "command",
            "F\nFAILED tests/test_money.py::test_half_up - 2.67 != 2.68\n1 failed in 0.05s",
        ),
        ("command", f"copilot_readFile Reading {LEDGER}/money.py"),
        ("command", f"Read {LEDGER}/money.py"),
        ("system", "The float goes in before `Decimal`. Building from the string instead:"),
        (
            "command",
            f"edit {LEDGER}/money.py\n"
            "    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)",
        ),
        (
            "system",
            "```python\n    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)\n```\n"
            "Now `2.675` rounds to `2.68`.",
        ),
        ("prompt", "push it"),
        ("system", "Pushing to origin."),
        ("command", "run_in_terminal git push"),
        ("warn", "tool call denied by the person: run_in_terminal"),
        ("system", "Left unpushed, as you asked."),
    ]
    assert events(store, LOG) == LOG_EVENTS
    assert kinds_texts(store, SUB) == [
        ("prompt", "find the function that sums invoice lines"),
        ("command", 'copilot_searchCodebase {"query":"sum invoice lines"}'),
        ("command", "src/totals.ts:4 export function sumLines"),
        ("system", "It is `sumLines()` in totals.ts."),
    ]
    assert kinds_texts(store, MOVED) == [
        ("prompt", "is float fine for prices?"),
        ("system", "No: use `Decimal` or integer cents."),
        ("prompt", "and for tax rates?"),
        ("system", "Rates are fine as `Decimal` too; keep them as strings in config."),
    ]
    assert summary.events_added == 49 and summary.sessions_added == 7
    assert not summary.skipped and not summary.failed and summary.exit_code == 0


def test_the_version_3_fields_are_read_where_vs_code_records_them(tmp_path):
    found = read_all([user_folder(tmp_path)])

    def fields(ulid: str) -> tuple[Any, ...]:
        s = found[ulid][0]
        return (s.source, s.source_id, s.project, s.branch)

    assert fields(V1) == ("copilot-chat", V1, LEDGER, None)
    assert fields(LOG) == ("copilot-chat", LOG, WEB, "feature/totals")  # repoData.localBranch
    assert fields(EMPTY_WINDOW) == ("copilot-chat", EMPTY_WINDOW, None, None)  # no folder
    assert fields(SUB)[:3] == ("copilot-chat", None, WEB)  # a sub-agent cannot be resumed
    metas = {ulid: [e.meta for e in found[ulid][1]] for ulid in found}
    assert metas[V3] == [
        None,
        make_meta(model="gpt-4.1"),
        make_meta(tool="run_in_terminal"),
        make_meta(tool="run_in_terminal", is_error=True),  # exit code 1
        make_meta(tool="copilot_readFile"),
        make_meta(tool="copilot_readFile", is_error=False),
        make_meta(model="gpt-4.1"),
        make_meta(tool="edit"),
        # result.metadata's counts, on the response's last reply; no cache split recorded
        {"model": "gpt-4.1", "usage": {"inputTokens": 12000, "outputTokens": 300}},
        None,
        # the model that answered (resolvedModel), over the one chosen (modelId)
        make_meta(model="gpt-4.1-2025-04-14"),
        make_meta(tool="run_in_terminal"),
        None,
        {"model": "gpt-4.1-2025-04-14", "usage": {"inputTokens": 12900, "outputTokens": 40}},
    ]
    assert metas[LOG][5] == {
        "model": "claude-sonnet-4.5",
        "usage": {"inputTokens": 30100, "outputTokens": 520},
    }
    assert metas[EMPTY_WINDOW][1] == {
        "model": "gpt-5-mini",
        "usage": {"inputTokens": 2100, "outputTokens": 30},
    }


def test_the_prompt_is_what_the_person_typed_not_what_vs_code_attached(store, tmp_path):
    user = user_folder(tmp_path)
    run_import(store, "copilot-chat", [user])

    prompts = [
        text
        for ulid in sessions(store)
        for kind, text in kinds_texts(store, ulid)
        if kind == "prompt"
    ]
    assert "round_cents rounds 2.675 down, make it round half up" in prompts
    everything = "\n".join(
        text for ulid in sessions(store) for _kind, text in kinds_texts(store, ulid)
    )
    # renderedUserMessage (the model's view), attachments, instructions files
    for injected in ("<attachments>", "<userRequest>", "<reminderInstructions>", 'test_money.py">'):
        assert injected not in everything
    assert "copilot-instructions" not in everything
    # the draft in the input box is not a turn; nor the GitHub login of old files
    assert "and tag a release" not in everything and "show the tot" not in everything
    database = b"".join(p.read_bytes() for p in tmp_path.glob("sessions.db*"))
    assert b"ravi-sample" not in database and b"424242" not in database


def test_a_second_import_adds_nothing_and_never_writes_vs_codes_files(store, tmp_path):
    user = user_folder(tmp_path)
    before = digests(user)
    run_import(store, "copilot-chat", [user])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "copilot-chat", [user])

    assert again.events_added == 0 and again.sessions_added == 0 and again.unchanged == 7
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(user) == before


def test_the_same_files_at_another_path_import_as_nothing_new(store, tmp_path):
    run_import(store, "copilot-chat", [user_folder(tmp_path)])
    count = sum(s[4] for s in sessions(store).values())
    # restored from a backup elsewhere, one workspace folder at a time
    backup = user_folder(tmp_path, "backup/Code")

    moved = run_import(store, "copilot-chat", [backup / WS_A, backup / WS_B, backup])

    assert moved.events_added == 0 and moved.sessions_added == 0
    assert sum(s[4] for s in sessions(store).values()) == count


def test_a_log_that_grows_adds_the_prompt_at_once_and_the_reply_once_it_is_done(store, tmp_path):
    user = user_folder(tmp_path)
    run_import(store, "copilot-chat", [user])
    log = user / LOG_FILE
    append(
        log,
        {"kind": 2, "k": ["requests"], "v": [request("n1", 1781000300000, "now a tooltip")]},
        {"kind": 2, "k": ["requests", 2, "response"], "v": [{"value": "Adding a"}]},
    )

    streaming = run_import(store, "copilot-chat", [user])

    assert streaming.events_added == 1 and streaming.unchanged == 6
    assert events(store, LOG)[-1] == ("prompt", "now a tooltip", "2026-06-09T10:18:20.000Z")
    # the unfinished request is kept in the import state without what is not read
    database = b"".join(p.read_bytes() for p in tmp_path.glob("sessions.db*"))
    assert b"Adding a" in database
    assert b"ravi-sample" not in database and b"a pasted secret note" not in database
    append(
        log,
        {"kind": 2, "k": ["requests", 2, "response"], "i": 0, "v": [{"value": "Adding a title."}]},
        {
            "kind": 1,
            "k": ["requests", 2, "modelState"],
            "v": {"value": 1, "completedAt": 1781000305000},
        },
        {"kind": 1, "k": ["customTitle"], "v": "Totals and tooltips"},
    )

    done = run_import(store, "copilot-chat", [user])

    assert done.events_added == 1
    assert events(store, LOG) == [
        *LOG_EVENTS,
        ("prompt", "now a tooltip", "2026-06-09T10:18:20.000Z"),
        ("system", "Adding a title.", "2026-06-09T10:18:25.000Z"),
    ]
    assert sessions(store)[LOG][1] == "Totals and tooltips"  # a title set later is applied


def test_an_edit_in_vs_code_keeps_what_was_imported_and_adds_what_follows(store, tmp_path):
    user = user_folder(tmp_path)
    run_import(store, "copilot-chat", [user])
    # the person edits their first message and sends it again: the requests
    # after it are cut, and a new one takes its place
    append(
        user / LOG_FILE,
        {
            "kind": 2,
            "k": ["requests"],
            "i": 0,
            "v": [request("e1", 1781000400000, "put it in the footer")],
        },
        {"kind": 2, "k": ["requests", 0, "response"], "v": [{"value": "Moved to the footer."}]},
        {
            "kind": 1,
            "k": ["requests", 0, "modelState"],
            "v": {"value": 1, "completedAt": 1781000401000},
        },
    )

    edited = run_import(store, "copilot-chat", [user])

    assert edited.events_added == 2
    assert kinds_texts(store, LOG) == [
        *[(kind, text) for kind, text, _ in LOG_EVENTS],
        ("prompt", "put it in the footer"),
        ("system", "Moved to the footer."),
    ]


def _replay(path: Path) -> dict[str, Any]:
    """The whole state a log describes, as VS Code rebuilds it (test's own)."""
    state: dict[str, Any] = {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        if entry["kind"] == 0:
            state = entry["v"]
            continue
        *walk, last = entry["k"]
        node: Any = state
        for step in walk:
            node = node[step]
        if entry["kind"] == 2:
            node.setdefault(last, [])
            del node[last][entry.get("i", len(node[last])) :]
            node[last].extend(entry.get("v", []))
        elif entry["kind"] == 1 and "v" in entry:
            node[last] = entry["v"]
        else:
            node.pop(last, None)
    return state


def test_a_log_compacted_by_vs_code_imports_nothing_twice(store, tmp_path):
    user = user_folder(tmp_path)
    log = user / LOG_FILE
    run_import(store, "copilot-chat", [user])
    # VS Code rewrites the log as one snapshot after 1024 entries: shorter
    log.write_text(json.dumps({"kind": 0, "v": _replay(log)}) + "\n")

    compacted = run_import(store, "copilot-chat", [user])

    assert compacted.events_added == 0 and compacted.shrunk == 0
    append(
        log,
        {"kind": 2, "k": ["requests"], "v": [request("c1", 1781000500000, "thanks, that's all")]},
        {
            "kind": 1,
            "k": ["requests", 2, "modelState"],
            "v": {"value": 1, "completedAt": 1781000500500},
        },
    )

    grown = run_import(store, "copilot-chat", [user])

    assert grown.events_added == 1
    assert events(store, LOG) == [
        *LOG_EVENTS,
        ("prompt", "thanks, that's all", "2026-06-09T10:21:40.000Z"),
    ]


def test_a_json_file_rewritten_with_a_new_request_adds_only_that_request(store, tmp_path):
    user = user_folder(tmp_path)
    run_import(store, "copilot-chat", [user])
    path = user / V3_FILE
    session = json.loads(path.read_text())
    session["requests"].append(
        request(
            "v3n",
            1740913400000,
            "tag it v1.2",
            response=[{"value": "Tagged `v1.2`."}],
            modelState={"value": 1, "completedAt": 1740913402000},
        )
    )
    session["customTitle"] = "Round cents, then release"
    path.write_text(json.dumps(session))

    rewritten = run_import(store, "copilot-chat", [user])

    assert rewritten.events_added == 2 and rewritten.unchanged == 6
    assert events(store, V3)[-2:] == [
        ("prompt", "tag it v1.2", "2025-03-02T11:03:20.000Z"),
        ("system", "Tagged `v1.2`.", "2025-03-02T11:03:22.000Z"),
    ]
    assert sessions(store)[V3][1] == "Round cents, then release"


def test_a_json_file_read_while_vs_code_writes_it_is_read_again_later(store, tmp_path):
    user = user_folder(tmp_path)
    path = user / V3_FILE
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])

    cut = run_import(store, "copilot-chat", [user])

    assert cut.skipped == {"session files cut short (read again once VS Code rewrites them)": 1}
    assert V3 not in sessions(store)
    path.write_bytes(whole)

    again = run_import(store, "copilot-chat", [user])

    assert sessions(store)[V3][4] == 14 and again.events_added == 14


def test_an_unreadable_log_line_is_skipped_and_counted_and_the_rest_is_read(store, tmp_path):
    user = user_folder(tmp_path)
    log = user / f"globalStorage/emptyWindowChatSessions/{EMPTY_WINDOW}.jsonl"
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join([*lines[:2], b'{"kind": 2, "k": ["requ\n', *lines[2:]]))

    summary = run_import(store, "copilot-chat", [log])

    assert summary.skipped == {"log lines that are not JSON": 1}
    assert kinds_texts(store, EMPTY_WINDOW) == [
        ("prompt", "what does ROUND_HALF_EVEN do?"),
        ("system", "It rounds halves to the even neighbour: 2.5 to 2, 3.5 to 4."),
    ]


def test_a_file_of_another_format_is_not_recognised(store, tmp_path):
    folder = tmp_path / "chatSessions"
    folder.mkdir()
    claude = folder / "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01.jsonl"
    claude.write_text(json.dumps({"type": "user", "message": {"content": "hi"}}) + "\n")
    listing = folder / "0e0e0e0e-0000-4000-8000-000000000000.json"
    listing.write_text("[1, 2, 3]\n")

    summary = run_import(store, "copilot-chat", [folder])

    assert sorted(why for _path, why in summary.failed) == [
        f"{listing} is not a VS Code chat session: it is not a JSON object with requests",
        f"{claude} is not a VS Code chat session log: its first line is not a {{kind: 0}}"
        " snapshot of a session",
    ]
    assert summary.exit_code == 1 and sessions(store) == {}
    with pytest.raises(NotRecognised):
        list(SOURCE.read(claude, None, SOURCE.new_run()))


def test_watch_follows_the_log_as_vs_code_appends_to_it(store, tmp_path):
    user = user_folder(tmp_path)
    stop = threading.Event()
    watching = threading.Event()
    added = threading.Event()

    class Err:
        def write(self, text: str) -> None:
            if "watching" in text:
                watching.set()

        def flush(self) -> None:
            pass

    def imported(summary: Any) -> None:
        if summary.events_added:
            added.set()

    worker = threading.Thread(
        target=run_import,
        args=(store, "copilot-chat", [user]),
        kwargs={"watch": True, "stop": stop, "err": Err(), "on_pass": imported},
    )
    worker.start()
    try:
        assert watching.wait(30)
        append(
            user / LOG_FILE,
            {
                "kind": 2,
                "k": ["requests"],
                "v": [request("w1", 1781000600000, "written while watched")],
            },
        )
        assert added.wait(10), "the appended request was not imported"
    finally:
        stop.set()
        worker.join(30)
    assert kinds_texts(store, LOG)[-1] == ("prompt", "written while watched")


def test_either_file_of_a_session_is_read_as_the_session(tmp_path):
    user = user_folder(tmp_path)
    folder = user / WS_A / "chatSessions"
    as_json, as_log = folder / f"{MOVED}.json", folder / f"{MOVED}.jsonl"

    assert SOURCE.watched(as_json) == as_log == SOURCE.watched(as_log)
    assert SOURCE.sources([as_json, as_log]) == [as_log]
    assert SOURCE.key(as_json) == SOURCE.key(as_log) == f"chat-session {MOVED}"
    assert SOURCE.watched(user / WS_A / "state.vscdb") is None


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CONFIG_HOME": "/xdg"}, "/xdg/Code/User"),
        ("darwin", {}, "~/Library/Application Support/Code/User"),
        (
            "win32",
            {"APPDATA": "C:/Users/r/AppData/Roaming"},
            "C:/Users/r/AppData/Roaming/Code/User",
        ),
        ("linux", {"VSCODE_APPDATA": "/appdata"}, "/appdata/Code/User"),
    ],
)
def test_the_default_places_are_each_vs_code_builds_user_folder(
    monkeypatch, platform, env, expected
):
    for name in ("XDG_CONFIG_HOME", "APPDATA", "VSCODE_APPDATA", "VSCODE_PORTABLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)

    places = SOURCE.default_paths()

    user = Path(expected).expanduser()
    assert places[:2] == [
        user / "workspaceStorage",
        user / "globalStorage" / "emptyWindowChatSessions",
    ]
    for product in ("Code - Insiders", "VSCodium"):
        assert user.parent.parent / product / "User" / "workspaceStorage" in places
    monkeypatch.setenv("VSCODE_PORTABLE", "/portable")
    assert SOURCE.default_paths()[0] == Path("/portable/user-data/User/workspaceStorage")


def test_the_project_folder_is_read_from_what_the_workspace_names(tmp_path):
    assert uri_path("file:///home/ravi/code/ledger") == "/home/ravi/code/ledger"
    assert uri_path("file:///c%3A/Users/ravi/x") == "C:\\Users\\ravi\\x"
    assert uri_path("vscode-remote://ssh-remote%2Bbox/srv/app") == "/srv/app"  # on the remote
    assert uri_path("vscode-vfs://github/ravi/ledger") is None
    suite = tmp_path / "suite.code-workspace"
    suite.write_text(json.dumps({"folders": [{"path": "ledger"}, {"path": "web"}]}))
    workspace = tmp_path / "workspace.json"
    workspace.write_text(json.dumps({"workspace": suite.as_uri()}))
    assert workspace_folder(workspace) == str(tmp_path / "ledger")
    suite.write_text("{ // a comment VS Code allows\n}")
    assert workspace_folder(workspace) == str(tmp_path)  # unreadable: its own folder


def test_a_request_without_a_time_vs_code_can_store_is_skipped_and_counted(store, tmp_path):
    folder = tmp_path / "chatSessions"
    folder.mkdir()
    session = {
        "version": 3,
        "sessionId": "0f0f0f0f-0000-4000-8000-00000000000f",
        "requests": [
            request("t1", 10**17, "a time past the year 9999", modelState={"value": 1}),
            request("t2", 1740913400000, "a time of this world", modelState={"value": 1}),
        ],
    }
    (folder / "0f0f0f0f-0000-4000-8000-00000000000f.json").write_text(json.dumps(session))

    summary = run_import(store, "copilot-chat", [folder])

    assert summary.skipped == {"requests without a time (nor their session)": 1}
    assert kinds_texts(store, "0f0f0f0f-0000-4000-8000-00000000000f") == [
        ("prompt", "a time of this world")
    ]
