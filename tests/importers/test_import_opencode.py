"""OpenCode: fixtures/opencode (a data folder: opencode.db built from
opencode.sql, and the older storage/ folder) to exactly the expected
sessions and events; the database read without a byte written; new,
finished, reverted and retitled turns; both stores holding one session."""

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
from pathlib import Path

import pytest

from sessiond.importers.base import NotRecognised, Turns
from sessiond.importers.opencode import SOURCE, _Run
from sessiond.importers.run import run_import
from sessiond.store import open_store
from support.importing import FIXTURES, digests, events, kinds_texts, sessions

LEDGER = "ses_3857534b9ffevBCZKpzHmlDnN4"
EXPLORE_ID = "ses_3857345d3ffeNg17vcOsTauaa4"
EXPLORE = f"{LEDGER}_{EXPLORE_ID}"  # child_id: starts with its parent's ulid
HELLO = "ses_38903467fffe7DB71uUPYXmGqE"  # also in storage/, as the move to SQLite left it
BILLING = "ses_51b7ca577ffeOSs4SEfE9y1wEI"
NOTES = "ses_5126e9b7fffeYuFugOi13GQRN9"

TESTS_OUTPUT = (
    "FAIL test/ledger.test.ts\n  balance \u203a keeps sub-cent amounts\n"
    "    expected 10.01, received 10\nTests: 1 failed, 6 passed, 7 total\n"
)
LEDGER_EVENTS = [
    # the typed text alone: not the Read call and file OpenCode added for @src/ledger.ts
    ("prompt", "Why does balance() round twice? See @src/ledger.ts", "2026-02-20T10:14:20.004Z"),
    (
        "system",
        "Each entry goes through `round2` before it is added, and the total is rounded again. "
        "The first rounding loses sub-cent amounts. Let me run the ledger tests to confirm.",
        "2026-02-20T10:14:25.101Z",
    ),
    (
        "command",
        'bash {"command":"npm test -- ledger","description":"Run ledger tests"}',
        "2026-02-20T10:14:25.400Z",
    ),
    ("command", TESTS_OUTPUT, "2026-02-20T10:14:31.702Z"),
    (
        "command",
        'edit {"filePath":"/home/dana/src/ledger-api/src/ledger.ts",'
        '"oldString":"entries.reduce((a, e) => a + round2(e.amount), 0)",'
        '"newString":"entries.reduce((a, e) => a + e.amount, 0)"}',
        "2026-02-20T10:14:38.600Z",
    ),
    ("command", "Edit applied successfully.", "2026-02-20T10:14:44.050Z"),
    (
        "system",
        "`balance` now adds the raw amounts and rounds once, at the end.",
        "2026-02-20T10:14:49.800Z",
    ),
    # without the nudge OpenCode adds for @explore
    (
        "prompt",
        "Check whether anything else rounds before summing. Use @explore for it.",
        "2026-02-20T10:16:02.771Z",
    ),
    (
        "command",
        'task {"description":"Find other pre-sum rounding","prompt":"Search src/ for functions '
        "that call round2 on individual amounts before adding them up. Report file:line for "
        'each.","subagent_type":"explore"}',
        "2026-02-20T10:16:08.950Z",
    ),
    (
        "command",
        "task_id: ses_3857345d3ffeNg17vcOsTauaa4 (for resuming to continue this task if needed)"
        "\n\n<task_result>\nsrc/routes.ts:41 `invoiceTotal` rounds each line item; "
        "src/ledger.ts:18 `applyFees` rounds each fee.\n</task_result>",
        "2026-02-20T10:16:41.400Z",
    ),
    (
        "system",
        "Two more places round early: `invoiceTotal` (src/routes.ts:41) and `applyFees` "
        "(src/ledger.ts:18).",
        "2026-02-20T10:16:53.500Z",
    ),
    ("prompt", "run the whole test suite", "2026-02-20T10:20:15.090Z"),
    (
        "command",
        'bash {"command":"npm test","description":"Run all tests"}',
        "2026-02-20T10:20:31.000Z",
    ),
    ("command", "Tool execution aborted", "2026-02-20T10:20:31.000Z"),
    ("warn", "The operation was aborted.", "2026-02-20T10:20:31.004Z"),
    ("prompt", "ok, just the ledger tests then", "2026-02-20T10:22:40.500Z"),
    ("alert", "Overloaded", "2026-02-20T10:22:49.120Z"),
    # !git diff --stat, run by the person in the TUI
    ("command", "! git diff --stat", "2026-02-20T10:31:33.300Z"),
    (
        "command",
        " src/ledger.ts | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n",
        "2026-02-20T10:31:33.470Z",
    ),
]
EXPLORE_EVENTS = [
    (
        "prompt",
        "Search src/ for functions that call round2 on individual amounts before adding them "
        "up. Report file:line for each.",
        "2026-02-20T10:16:09.020Z",
    ),
    (
        "command",
        'grep {"pattern":"round2\\\\(","path":"/home/dana/src/ledger-api/src"}',
        "2026-02-20T10:16:11.100Z",
    ),
    (
        "command",
        "Found 3 matches\n/home/dana/src/ledger-api/src/ledger.ts:\n  Line 3: return round2(sum)"
        "\n  Line 18: total += round2(fee)\n\n/home/dana/src/ledger-api/src/routes.ts:\n"
        "  Line 41: sum += round2(item.price * item.qty)",
        "2026-02-20T10:16:11.190Z",
    ),
    (
        "system",
        "src/routes.ts:41 `invoiceTotal` rounds each line item; src/ledger.ts:18 `applyFees` "
        "rounds each fee.",
        "2026-02-20T10:16:41.200Z",
    ),
]
HELLO_EVENTS = [
    ("prompt", "hello", "2026-02-19T17:40:20.000Z"),
    ("alert", "Invalid API key", "2026-02-19T17:41:12.000Z"),
]
BILLING_EVENTS = [
    (
        "prompt",
        "The retry worker sends every failed invoice twice. Find out why and fix it.",
        "2025-12-03T14:00:21.500Z",
    ),
    (
        "command",
        'read {"filePath":"/home/dana/src/billing-worker/worker.go"}',
        "2025-12-03T14:00:25.600Z",
    ),
    (
        "command",
        "<file>\n00001| func (w *Worker) retry(ctx context.Context) {\n00002| \tfor _, inv := "
        "range w.failed() {\n00003| \t\tw.send(inv)\n00004| \t\tif err := w.send(inv); err != nil "
        "{\n00005| \t\t\tw.log(err)\n00006| \t\t}\n00007| \t}\n00008| }\n</file>",
        "2025-12-03T14:00:25.640Z",
    ),
    (
        "command",
        'edit {"filePath":"/home/dana/src/billing-worker/worker.go",'
        '"oldString":"\\t\\tw.send(inv)\\n\\t\\tif err","newString":"\\t\\tif err"}',
        "2025-12-03T14:00:45.000Z",
    ),
    ("command", "", "2025-12-03T14:00:50.100Z"),
    (
        "command",
        'bash {"command":"go test ./...","description":"Run the Go tests"}',
        "2025-12-03T14:00:50.300Z",
    ),
    (
        "command",
        "Error: The user rejected permission to use this specific tool call.",
        "2025-12-03T14:01:02.200Z",
    ),
    ("prompt", "don't run tests, I will. Just summarise the change.", "2025-12-03T14:03:10.000Z"),
    (
        "system",
        "I removed the bare `w.send(inv)` in `retry`; the send inside the `if` stays, so each "
        "failed invoice is sent once per retry pass.",
        "2025-12-03T14:03:30.200Z",
    ),
]
NOTES_EVENTS = [
    # without the plan-mode <system-reminder> OpenCode added
    ("prompt", "Summarise notes/2025-12-04.md in three bullets", "2025-12-05T08:12:10.000Z"),
    ("warn", "retry 1: Rate limit reached for gpt-5.1-codex", "2025-12-05T08:12:12.000Z"),
    ("alert", "Rate limit reached for gpt-5.1-codex", "2025-12-05T08:12:40.000Z"),
]


def build(folder: Path) -> Path:
    """opencode.db in `folder`, from the fixture's dump, in WAL mode as
    OpenCode keeps it (closed: no -wal left beside it)."""
    path = folder / "opencode.db"
    conn = sqlite3.connect(path)
    conn.executescript((FIXTURES / "opencode" / "opencode.sql").read_text())
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    return path


@pytest.fixture
def data(copy) -> Path:
    """A copy of the fixture data folder, with its opencode.db built."""
    folder = copy("opencode")
    (folder / "opencode.sql").unlink()
    build(folder)
    return folder


def add_turn(db: Path, n: int, *, completed: bool = True, error: str | None = None) -> str:
    """A user message "turn n" and its reply "reply n" in the ledger session;
    the reply's id."""
    base = 1771590000000 + n * 10_000
    user, reply = f"msg_d0000000{n:04d}0001aaaaaaaaaaaa", f"msg_d0000000{n:04d}0002aaaaaaaaaaaa"
    info = {
        "parentID": user,
        "role": "assistant",
        "modelID": "claude-sonnet-4-5",
        "providerID": "anthropic",
        "tokens": {"input": 10, "output": 5, "reasoning": 0, "cache": {"read": 100, "write": 0}},
        "time": {"created": base + 100, **({"completed": base + 900} if completed else {})},
        **({"error": {"name": "APIError", "data": {"message": error}}} if error else {}),
    }
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "INSERT INTO message VALUES (?, ?, ?, ?, ?)",
            (user, LEDGER, base, base, json.dumps({"role": "user", "time": {"created": base}})),
        )
        conn.execute(
            "INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)",
            (
                f"prt_d0000000{n:04d}0001",
                user,
                LEDGER,
                base,
                base,
                json.dumps({"type": "text", "text": f"turn {n}"}),
            ),
        )
        conn.execute(
            "INSERT INTO message VALUES (?, ?, ?, ?, ?)",
            (reply, LEDGER, base + 100, base + 900, json.dumps(info)),
        )
        conn.execute(
            "INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)",
            (
                f"prt_d0000000{n:04d}0002",
                reply,
                LEDGER,
                base + 200,
                base + 800,
                json.dumps(
                    {
                        "type": "text",
                        "text": f"reply {n}",
                        "time": {"start": base + 200, "end": base + 800},
                    }
                ),
            ),
        )
    conn.close()
    return reply


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, data, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(data.parent))  # the default: $XDG_DATA_HOME/opencode
    monkeypatch.delenv("OPENCODE_DB", raising=False)
    summary = run_import(store, "opencode", [])

    assert sessions(store) == {
        LEDGER: (
            "opencode 1.2.6",
            "Fix double rounding in ledger totals",
            None,
            "2026-02-20T10:14:02.310Z",
            19,
        ),
        EXPLORE: (
            "opencode 1.2.6",
            "Find other pre-sum rounding (@explore subagent)",
            LEDGER,
            "2026-02-20T10:16:09.004Z",
            4,
        ),
        # "New session - <time>" is OpenCode's placeholder, not a title
        HELLO: ("opencode 1.2.6", None, None, "2026-02-19T17:40:00.000Z", 2),
        BILLING: (
            "opencode 1.0.134",
            "Stop duplicate invoice retries",
            None,
            "2025-12-03T14:00:05.000Z",
            9,
        ),
        NOTES: ("opencode 1.0.134", "Summarise meeting notes", None, "2025-12-05T08:12:00.000Z", 3),
    }
    assert events(store, LEDGER) == LEDGER_EVENTS
    assert events(store, EXPLORE) == EXPLORE_EVENTS
    assert events(store, HELLO) == HELLO_EVENTS  # once, from the database
    assert events(store, BILLING) == BILLING_EVENTS
    assert events(store, NOTES) == NOTES_EVENTS
    assert summary.events_added == 37 and summary.files == 4 and summary.exit_code == 0
    assert not summary.skipped and not summary.failed


def read(path: Path) -> tuple[dict, dict]:
    """ulid -> the session as the reader last yielded it, ulid -> its events."""
    found: dict = {}
    items: dict = {}
    for item in SOURCE.read(path, None, _Run()):
        if isinstance(item, Turns):
            found[item.session.ulid] = item.session
            items.setdefault(item.session.ulid, []).extend(item.events)
    return found, items


def test_the_version_3_fields_come_from_the_records(data):
    found, items = read(data / "opencode.db")
    ledger, explore = found[LEDGER], found[EXPLORE]
    assert (ledger.source, ledger.source_id, ledger.project, ledger.branch) == (
        "opencode",
        LEDGER,
        "/home/dana/src/ledger-api",
        None,
    )
    assert (explore.source_id, explore.parent_ulid) == (EXPLORE_ID, LEDGER)
    metas = [e.meta for e in items[LEDGER]]
    assert metas[:7] == [
        None,
        # input leaves the cache out already; output + reasoning
        {
            "model": "claude-sonnet-4-5",
            "usage": {"inputTokens": 2140, "outputTokens": 408, "cacheReadTokens": 11850},
        },
        {"model": "claude-sonnet-4-5", "tool": "bash"},
        {"tool": "bash", "isError": True},  # completed, but exit 1
        {
            "model": "claude-sonnet-4-5",
            "tool": "edit",
            "usage": {"inputTokens": 620, "outputTokens": 188, "cacheReadTokens": 13990},
        },
        {"tool": "edit", "isError": False},
        {
            "model": "claude-sonnet-4-5",
            "usage": {"inputTokens": 240, "outputTokens": 64, "cacheReadTokens": 14860},
        },
    ]
    assert metas[-2:] == [{"tool": "bash"}, {"tool": "bash", "isError": False}]  # person-run
    assert items[EXPLORE][1].meta == {
        "model": "claude-haiku-4-5",
        "tool": "grep",
        "usage": {"inputTokens": 3100, "outputTokens": 140, "cacheWriteTokens": 2900},
    }
    # storage/: a session of the "global" project has its own directory as project
    found, _ = read(data / "storage/session/global" / f"{NOTES}.json")
    assert found[NOTES].project == "/home/dana/notes"
    found, items = read(
        data / "storage/session/9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807" / f"{BILLING}.json"
    )
    assert found[BILLING].project == "/home/dana/src/billing-worker"
    assert items[BILLING][1].meta == {
        "model": "gpt-5.1-codex",
        "tool": "read",
        "usage": {"inputTokens": 4210, "outputTokens": 572, "cacheReadTokens": 5120},
    }


def test_the_database_is_not_written_and_a_second_import_adds_nothing(store, data):
    before = digests(data)
    run_import(store, "opencode", [data])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "opencode", [data])

    assert again.events_added == 0 and again.sessions_added == 0
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(data) == before  # no -wal, no -shm, not a byte changed


def test_a_copy_in_another_folder_imports_as_nothing_new(store, data, tmp_path):
    run_import(store, "opencode", [data])
    moved = tmp_path / "backup" / "opencode"
    shutil.copytree(data, moved)

    again = run_import(store, "opencode", [moved])

    assert again.events_added == 0 and again.sessions_added == 0 and again.files == 4


def test_new_turns_are_added_once_finished(store, data):
    db = data / "opencode.db"
    run_import(store, "opencode", [db])
    reply = add_turn(db, 1, completed=False)  # OpenCode is still writing the reply

    writing = run_import(store, "opencode", [db])

    assert kinds_texts(store, LEDGER)[-1] == ("prompt", "turn 1")
    assert writing.events_added == 1
    conn = sqlite3.connect(db)
    with conn:
        info = json.loads(
            conn.execute("SELECT data FROM message WHERE id = ?", (reply,)).fetchone()[0]
        )
        info["time"]["completed"] = info["time"]["created"] + 800
        conn.execute(
            "UPDATE message SET data = ?, time_updated = time_updated + 1 WHERE id = ?",
            (json.dumps(info), reply),
        )
    conn.close()
    add_turn(db, 2)

    done = run_import(store, "opencode", [db])

    assert events(store, LEDGER)[len(LEDGER_EVENTS) :] == [
        ("prompt", "turn 1", "2026-02-20T12:20:10.000Z"),
        ("system", "reply 1", "2026-02-20T12:20:10.800Z"),
        ("prompt", "turn 2", "2026-02-20T12:20:20.000Z"),
        ("system", "reply 2", "2026-02-20T12:20:20.800Z"),
    ]
    assert done.events_added == 3


def test_a_revert_keeps_what_was_imported_and_a_new_title_follows(store, data):
    db = data / "opencode.db"
    add_turn(db, 1)
    run_import(store, "opencode", [db])
    conn = sqlite3.connect(db)
    with conn:  # /undo, then a new prompt: OpenCode deletes the reverted messages
        conn.execute("DELETE FROM part WHERE message_id LIKE 'msg_d00000000001%'")
        conn.execute("DELETE FROM message WHERE id LIKE 'msg_d00000000001%'")
        conn.execute(
            "UPDATE session SET title = 'Round once, after summing', time_updated = ? WHERE id = ?",
            (1771600000000, LEDGER),
        )
    conn.close()
    add_turn(db, 2)

    edited = run_import(store, "opencode", [db])

    assert kinds_texts(store, LEDGER)[len(LEDGER_EVENTS) :] == [
        ("prompt", "turn 1"),
        ("system", "reply 1"),
        ("prompt", "turn 2"),
        ("system", "reply 2"),
    ]
    assert sessions(store)[LEDGER][1] == "Round once, after summing"
    assert edited.events_added == 2


def test_a_session_imported_from_storage_gets_nothing_twice_from_the_database(store, copy):
    folder = copy("opencode")  # before OpenCode 1.2: storage/ only
    (folder / "opencode.sql").unlink()
    run_import(store, "opencode", [folder])
    assert events(store, HELLO) == HELLO_EVENTS
    build(folder)  # the upgrade moved storage/ into opencode.db, ids kept

    upgraded = run_import(store, "opencode", [folder])

    assert events(store, HELLO) == HELLO_EVENTS
    assert events(store, LEDGER) == LEDGER_EVENTS
    assert upgraded.events_added == 19 + 4


def test_unreadable_records_are_skipped_and_counted(store, data):
    db = data / "opencode.db"
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            'UPDATE part SET data = \'{"type": "text", "te\' WHERE id = ?',
            ("prt_c7a92b374002T8w9AI5CfA2Mtm",),  # "ok, just the ledger tests then"
        )
        conn.execute(
            "UPDATE message SET data = 'not json' WHERE id = ?",
            ("msg_c7a907b72001ubB1dBloqXfcER",),  # "run the whole test suite"
        )
        # a time past the year 9999: the session is skipped, not guessed
        conn.execute("UPDATE session SET time_created = 253402300800000 WHERE id = ?", (HELLO,))
    conn.close()

    summary = run_import(store, "opencode", [db])

    assert summary.skipped == {
        "messages that are not JSON": 1,
        "parts over 16 MiB or not JSON": 1,
        "sessions without a time sessiond can store": 1,
    }
    assert HELLO not in sessions(store)
    texts = [text for _, text in kinds_texts(store, LEDGER)]
    assert "run the whole test suite" not in texts and "ok, just the ledger tests then" not in texts
    assert "Overloaded" in texts and len(texts) == len(LEDGER_EVENTS) - 2


def test_files_of_another_format_are_not_recognised(store, tmp_path):
    text = tmp_path / "opencode.db"
    text.write_text("not a database\n")
    other = tmp_path / "other" / "opencode.db"
    other.parent.mkdir()
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE conversations (id TEXT, name TEXT)")
    conn.close()
    stray = tmp_path / "notes.json"
    stray.write_text('{"title": "x"}')

    for path, says in (
        (text, "not an SQLite database"),
        (other, "without OpenCode's session, message and part tables"),
        (stray, "not an OpenCode session file"),
    ):
        with pytest.raises(NotRecognised, match=says):
            list(SOURCE.read(path, None, _Run()))

    summary = run_import(store, "opencode", [text, other, stray])
    assert summary.exit_code == 1 and len(summary.failed) == 3 and not sessions(store)


def test_a_later_schema_is_read_by_column_name(store, tmp_path):
    """More columns, another order, no directory or version: read the same."""
    db = tmp_path / "opencode.db"
    conn = sqlite3.connect(db)
    conn.executescript(
        """
        CREATE TABLE session (workspace_id TEXT, id TEXT PRIMARY KEY, title TEXT,
            parent_id TEXT, cost REAL, time_created INTEGER, time_updated INTEGER,
            model TEXT, tokens_input INTEGER);
        CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT, time_created INTEGER,
            time_updated INTEGER, data TEXT, extra TEXT);
        CREATE TABLE part (id TEXT PRIMARY KEY, message_id TEXT, session_id TEXT,
            time_created INTEGER, time_updated INTEGER, data TEXT);
        INSERT INTO session VALUES ('wrk', 'ses_a', 'Later', NULL, 0.5, 1000, 3000, '{}', 7);
        INSERT INTO message VALUES ('msg_1', 'ses_a', 2000, 2000,
            '{"role":"user","time":{"created":2000}}', 'x');
        INSERT INTO part VALUES ('prt_1', 'msg_1', 'ses_a', 2000, 2000,
            '{"type":"text","text":"still read"}');
        """
    )
    conn.close()

    summary = run_import(store, "opencode", [db])

    assert sessions(store) == {"ses_a": ("opencode", "Later", None, "1970-01-01T00:00:01.000Z", 1)}
    assert kinds_texts(store, "ses_a") == [("prompt", "still read")]
    assert summary.exit_code == 0


def test_a_live_database_is_read_through_its_write_ahead_log(store, data):
    db = data / "opencode.db"
    writer = sqlite3.connect(db)  # OpenCode, running: its last turn is in the -wal
    try:
        writer.execute("PRAGMA journal_mode = WAL")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        add_turn(db, 1)
        assert (data / "opencode.db-wal").stat().st_size > 0

        run_import(store, "opencode", [db])

        assert kinds_texts(store, LEDGER)[-2:] == [("prompt", "turn 1"), ("system", "reply 1")]
    finally:
        writer.close()


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def test_watch_imports_what_opencode_writes(db, data):
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessiond", "--db", db, "import", "opencode", str(data), "--watch"],
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
        add_turn(data / "opencode.db", 1)
        # the watcher says so once the pass that read it has committed
        while "+2 events in 1 session" not in out.get(timeout=10):
            pass
        with open_store(db, read_only=True) as store:
            assert kinds_texts(store, LEDGER)[-2:] == [("prompt", "turn 1"), ("system", "reply 1")]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
