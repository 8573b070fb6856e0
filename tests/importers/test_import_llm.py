"""llm's logs.db: both generations of its tables (fixtures/llm, written from
llm/migrations.py), opened read-only, to exactly the expected sessions and
events."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from sessiond.importers.run import run_import
from sessiond.store import open_store
from support.importing import (
    FIXTURES,
    digests,
    events,
    everything,
    kinds_texts,
    read_source,
    sessions,
)

WAL = "01j9z3k6w1x2y3z4a5b6c7d8e9"
WEATHER = "01jnq8r2m4k5j6h7g8f9e0d1c2"
HELLO = "01h4a0b1c2d3e4f5g6h7j8k9m0"
BUG = "01k1b0c1d2e3f4g5h6j7k8m9n0"
FORK = "01k1c0000000000000000000a1"
NOTES = "01jr5c0000000000000000000a"

WAL_EVENTS = [
    ("prompt", "Explain WAL mode in one line", "2024-11-02T10:00:00.123Z"),
    ("system", "Writers append to a log; readers see a snapshot.", "2024-11-02T10:00:01.623Z"),
    ("prompt", "And the downside?", "2024-11-02T10:01:00.000Z"),
    ("system", "A -wal file lives beside the database.", "2024-11-02T10:01:00.800Z"),
]


def make_logs(folder: Path, *versions: str) -> Path:
    """A logs.db made from the fixture scripts of `versions` ("0.31", "0.32")."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "logs.db"
    conn = sqlite3.connect(path)
    for version in versions:
        conn.executescript((FIXTURES / "llm" / f"schema-{version}.sql").read_text())
        conn.executescript((FIXTURES / "llm" / f"logs-{version}.sql").read_text())
    conn.commit()
    conn.close()
    return path


def test_the_031_tables_import_to_exactly_the_expected_sessions_and_events(
    store, tmp_path, monkeypatch
):
    make_logs(tmp_path / "llm", "0.31")
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    summary = run_import(store, "llm", [])  # the default: $LLM_USER_PATH/logs.db

    assert sessions(store) == {
        WAL: ("llm", "Explain WAL mode in one line", None, "2024-11-02T10:00:00.123Z", 4),
        WEATHER: ("llm", "What is the weather in Paris?", None, "2025-03-01T08:00:00.500Z", 4),
        # datetime_utc without a zone (older llm) is UTC, as the column says
        HELLO: ("llm", "hello", None, "2023-07-01T12:00:00.123Z", 2),
        NOTES: ("llm", "What is in notes.txt?", None, "2025-04-10T12:00:00.000Z", 4),
    }
    assert events(store, WAL) == WAL_EVENTS
    # the tool's result is stored on the next response: it comes before that reply
    assert events(store, WEATHER) == [
        ("prompt", "What is the weather in Paris?", "2025-03-01T08:00:00.500Z"),
        ("command", 'get_weather {"city": "Paris"}', "2025-03-01T08:00:00.800Z"),
        ("command", "18C, cloudy", "2025-03-01T08:00:01.000Z"),
        ("system", "It is 18C and cloudy in Paris.", "2025-03-01T08:00:01.700Z"),
    ]
    assert sessions(store)[NOTES][4] == 4
    assert summary.events_added == 14 and summary.exit_code == 0


def test_the_032_tables_are_read_beside_the_older_ones(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    run_import(store, "llm", [logs])

    assert sessions(store)[WAL][4] == 6
    # the conversation went on after the upgrade: the turn adds only its own messages
    assert events(store, WAL) == [
        *WAL_EVENTS,
        ("prompt", "Is it the default?", "2026-08-05T09:00:00.000Z"),
        ("system", "No: journal_mode=DELETE is.", "2026-08-05T09:00:01.200Z"),
    ]
    # a fragment's text is part of the prompt; the response row that is also a turn counts once
    assert kinds_texts(store, BUG) == [
        ("prompt", "Find the bug:\ndef add(a, b):\n    return a - b\n"),
        ("system", "Running the tests first."),
        ("command", 'run_tests {"path":"bug.py"}'),
        ("command", "1 failed: add(1, 1) == 0"),
        ("system", "add() subtracts: use a + b."),
    ]
    assert sessions(store)[FORK] == ("llm", None, BUG, "2026-08-05T11:00:00.000Z", 2)
    assert kinds_texts(store, FORK) == [
        ("prompt", "What if the inputs are strings?"),
        ("system", "Then + concatenates them."),
    ]


def test_the_database_is_read_only_and_a_second_import_adds_nothing(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    before = digests(logs.parent)
    run_import(store, "llm", [logs])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "llm", [logs.parent])  # the folder works as well

    assert again.events_added == 0 and again.unchanged == 1
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert digests(logs.parent) == before  # no journal, no -wal, not a byte changed


def test_new_responses_and_turns_are_added_after_the_stored_ones(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    run_import(store, "llm", [logs])
    conn = sqlite3.connect(logs)
    conn.executescript(
        """
        INSERT INTO responses (id, model, prompt, response, conversation_id, duration_ms, datetime_utc)
        VALUES ('01jnq8s0000000000000000000', 'gpt-4.1', 'And in Rome?', '21C, sunny.',
                '01jnq8r2m4k5j6h7g8f9e0d1c2', 100, '2025-03-01T08:05:00+00:00');
        INSERT INTO messages VALUES ('b2:f5', 'b2:f4', 'user', NULL);
        INSERT INTO parts (message_hash, position, type, text) VALUES ('b2:f5', 0, 'text', 'Thanks!');
        INSERT INTO messages VALUES ('b2:f6', 'b2:f5', 'assistant', NULL);
        INSERT INTO parts (message_hash, position, type, text) VALUES ('b2:f6', 0, 'text', 'You are welcome.');
        INSERT INTO turns (id, thread_id, parent_message_hash, tip_message_hash, model, duration_ms, datetime_utc)
        VALUES ('01k1d0000000000000000000a1', '01k1b0c1d2e3f4g5h6j7k8m9n0', 'b2:f5', 'b2:f6', 'm', 10,
                '2026-08-06T10:00:00+00:00');
        """
    )
    conn.commit()
    conn.close()

    grown = run_import(store, "llm", [logs])

    assert grown.events_added == 4 and grown.sessions_added == 0
    assert kinds_texts(store, WEATHER)[-2:] == [
        ("prompt", "And in Rome?"),
        ("system", "21C, sunny."),
    ]
    assert kinds_texts(store, BUG)[-2:] == [("prompt", "Thanks!"), ("system", "You are welcome.")]


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100], ids=["empty", "text"])
def test_a_file_that_is_not_llms_database_is_reported_not_a_crash(store, tmp_path, content):
    bogus = tmp_path / "logs.db"
    bogus.write_bytes(content)

    summary = run_import(store, "llm", [bogus])

    assert summary.events_added == 0 and sessions(store) == {}
    if content:
        assert summary.failed and "is not an SQLite database" in summary.failed[0][1]
        assert summary.exit_code == 1
    assert bogus.read_bytes() == content


# Version 3 and the fixes of issues 23 and 25.


def _usage(given: int, out: int, read: int = 0, write: int = 0) -> dict[str, int]:
    counts = {
        "inputTokens": given,
        "outputTokens": out,
        "cacheReadTokens": read,
        "cacheWriteTokens": write,
    }
    return {k: v for k, v in counts.items() if v}


def test_model_usage_and_tools_are_each_response_s_as_its_plugin_recorded(tmp_path):
    read = read_source("llm", [make_logs(tmp_path / "llm", "0.31", "0.32")])

    for ulid in (WAL, WEATHER, HELLO, BUG, FORK, NOTES):
        # `llm chat --cid` takes the conversation id; llm records no folder or branch
        assert read.v3(ulid) == ("llm", ulid, None, None)
    assert read.metas(WAL) == [
        ("prompt", None),
        # OpenAI: input_tokens include the cached ones; resolved_model when llm has it
        ("system", {"model": "gpt-4o-mini-2024-07-18", "usage": _usage(120 - 64, 14, 64)}),
        ("prompt", None),
        # reasoning tokens are part of OpenAI's output count already
        ("system", {"model": "gpt-4o-mini", "usage": _usage(150 - 128, 12, 128)}),
        ("prompt", None),
        ("system", {"model": "gpt-5.6-luna"}),
    ]
    assert read.metas(NOTES) == [
        ("prompt", None),
        # no reply: the call carries the response's usage; Anthropic's input is uncached
        (
            "command",
            {"tool": "read_file", "model": "claude-sonnet-4.5", "usage": _usage(12, 30, 0, 1500)},
        ),
        ("command", {"tool": "read_file", "isError": True}),  # tool_results.exception
        ("system", {"model": "claude-sonnet-4.5", "usage": _usage(40, 9, 1500)}),
    ]
    assert read.metas(BUG)[1:4] == [
        ("system", {"model": "gpt-5.6-luna-2026-07-01", "usage": _usage(300 - 256, 40, 256)}),
        ("command", {"tool": "run_tests", "model": "gpt-5.6-luna-2026-07-01"}),
        ("command", {"tool": "run_tests"}),
    ]
    # Gemini: thinking tokens are counted apart from its output: added to it
    assert read.metas(FORK)[1] == (
        "system",
        {"model": "gemini-3-flash", "usage": _usage(500 - 200, 30 + 25, 200)},
    )


@pytest.mark.parametrize("indexed", [False, True], ids=["llms-own-schema", "with-an-index"])
def test_each_response_s_tools_are_found_through_an_index_not_a_scan(tmp_path, indexed):
    """llm's tool tables have no index on response_id: looking each
    response's rows up there would scan them whole per response (an import
    quadratic in the responses; 50,000 responses took 10 minutes)."""
    from sessiond.importers import llm

    logs = make_logs(tmp_path / "llm", "0.31")
    if indexed:  # a later llm may index them: then that index is used
        with sqlite3.connect(logs) as conn:
            conn.execute("CREATE INDEX calls_response ON tool_calls (response_id)")
            conn.execute("CREATE INDEX results_response ON tool_results (response_id)")
    before = digests(logs.parent)
    conn = llm._open(logs)
    try:
        tools = llm._Tools(conn, llm._tables(conn))
        for sql in (tools.calls_sql, tools.results_sql):
            plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, ("r",))]
            assert not any(step.startswith("SCAN") for step in plan), plan
    finally:
        conn.close()
    assert digests(logs.parent) == before  # the temporary index is not in llm's file
    read = read_source("llm", [logs])
    assert read.metas(NOTES)[1:3] == [
        (
            "command",
            {"tool": "read_file", "model": "claude-sonnet-4.5", "usage": _usage(12, 30, 0, 1500)},
        ),
        ("command", {"tool": "read_file", "isError": True}),
    ]


def test_a_logs_db_restored_at_another_path_adds_nothing(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    first = run_import(store, "llm", [logs])
    assert first.events_added == 23
    before = everything(store)

    restored = tmp_path / "restored" / "logs.db"
    restored.parent.mkdir()
    shutil.copy(logs, restored)
    again = run_import(store, "llm", [restored])

    assert again.events_added == 0 and again.sessions_added == 0
    assert sum(len(evs) for evs in everything(store).values()) == 23
    assert everything(store) == before


def test_an_llm_database_from_before_05_is_not_recognised_with_a_sentence(store, tmp_path):
    old = tmp_path / "logs.db"
    conn = sqlite3.connect(old)
    # llm 0.4's tables (migrations m001 to m008): one log table
    conn.executescript(
        """
        CREATE TABLE [_llm_migrations] ([name] TEXT PRIMARY KEY, [applied_at] TEXT);
        INSERT INTO _llm_migrations VALUES ('m001_initial', '2023-06-20 10:00:00.000000+00:00');
        CREATE TABLE [logs] ([id] INTEGER PRIMARY KEY, [model] TEXT, [prompt] TEXT, [system] TEXT,
           [prompt_json] TEXT, [options_json] TEXT, [response] TEXT, [response_json] TEXT,
           [reply_to_id] INTEGER, [chat_id] INTEGER, [duration_ms] INTEGER, [datetime_utc] TEXT);
        INSERT INTO logs (model, prompt, response, datetime_utc)
        VALUES ('gpt-3.5-turbo', 'hi', 'Hello!', '2023-06-20T10:01:00');
        """
    )
    conn.commit()
    conn.close()

    summary = run_import(store, "llm", [old])

    [(_, why)] = summary.failed
    assert "is an llm logs.db from before llm 0.5" in why
    assert "running any llm command once moves the log there" in why
    assert summary.exit_code == 1 and sessions(store) == {}


def test_another_program_s_database_is_not_recognised(store, tmp_path):
    other = tmp_path / "logs.db"
    open_store(str(other)).close()  # a sessiond database

    summary = run_import(store, "llm", [other])

    [(_, why)] = summary.failed
    assert why == f"{other} is not llm's logs.db: it looks like a sessiond database"


def test_a_cycle_in_the_message_chains_ends_the_walk(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    conn = sqlite3.connect(logs)
    conn.executescript(
        """
        INSERT INTO messages VALUES ('c:1', 'c:2', 'user', NULL);
        INSERT INTO messages VALUES ('c:2', 'c:1', 'assistant', NULL);
        INSERT INTO parts (message_hash, position, type, text) VALUES ('c:1', 0, 'text', 'round');
        INSERT INTO parts (message_hash, position, type, text) VALUES ('c:2', 0, 'text', 'and round');
        INSERT INTO threads VALUES ('01k1e0000000000000000000a1', 'Loop', 'c:2', NULL, '2026-08-07 09:00:00');
        INSERT INTO turns (id, thread_id, parent_message_hash, tip_message_hash, datetime_utc)
        VALUES ('01k1e0000000000000000000a2', '01k1e0000000000000000000a1', 'c:1', 'c:2',
                '2026-08-07T09:00:00+00:00');
        INSERT INTO turns (id, thread_id, parent_message_hash, tip_message_hash, datetime_utc)
        VALUES ('01k1e0000000000000000000a3', '01k1e0000000000000000000a1', NULL, 'c:1',
                '2026-08-07T09:01:00+00:00');
        """
    )
    conn.commit()
    conn.close()

    summary = run_import(store, "llm", [logs])

    assert summary.events_added == 23 + 4
    assert kinds_texts(store, "01k1e0000000000000000000a1") == [
        ("prompt", "round"),
        ("system", "and round"),
        # the second turn's chain goes round once, back to where it started
        ("system", "and round"),
        ("prompt", "round"),
    ]


def test_one_row_of_an_unexpected_type_or_time_is_skipped_the_rest_imported(store, tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    conn = sqlite3.connect(logs)
    conn.executescript(
        """
        INSERT INTO messages VALUES ('x:1', NULL, 'user', NULL);
        INSERT INTO parts (message_hash, position, type, text, payload)
        VALUES ('x:1', 0, 'text', NULL, '{"text_ref": [{"fragment": {"id": 7}}]}');
        INSERT INTO threads VALUES ('01k1f0000000000000000000a1', NULL, 'x:1', NULL, '2026-08-08 09:00:00');
        INSERT INTO turns (id, thread_id, parent_message_hash, tip_message_hash, datetime_utc)
        VALUES ('01k1f0000000000000000000a2', '01k1f0000000000000000000a1', 'x:1', 'x:1',
                '2026-08-08T09:00:00+00:00');
        INSERT INTO responses (id, model, prompt, response, conversation_id, datetime_utc)
        VALUES ('01k1f0000000000000000000a3', 'm', 'from the far future', 'no', '01jnq8r2m4k5j6h7g8f9e0d1c2',
                '10000-01-01T00:00:00+00:00');
        INSERT INTO responses (id, model, prompt, response, conversation_id, datetime_utc, duration_ms)
        VALUES ('01k1f0000000000000000000a4', 'm', 'slow', 'at last', '01k1f0000000000000000000a5',
                '2026-08-08T10:00:00+00:00', 900000000000000000);
        """
    )
    conn.commit()
    conn.close()

    summary = run_import(store, "llm", [logs])

    assert summary.events_added == 23 + 2
    # a duration past year 9999: the reply keeps the response's own time
    assert events(store, "01k1f0000000000000000000a5") == [
        ("prompt", "slow", "2026-08-08T10:00:00.000Z"),
        ("system", "at last", "2026-08-08T10:00:00.000Z"),
    ]
    assert summary.skipped == {
        "turns whose fragment reference is not a fragment id": 1,
        "responses whose time cannot be read": 1,
    }


# The peak resident memory of this process's own image (VmHWM: a fresh
# process's, unlike ru_maxrss, which keeps its parent's across exec).
_MEASURE = """
import sys
from pathlib import Path
from sessiond.importers.run import run_import
from sessiond.store import open_store
with open_store(sys.argv[2]) as store:
    summary = run_import(store, "llm", [sys.argv[1]])
peak = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
print(summary.events_added, dict(summary.skipped), peak)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="measures Linux's VmHWM")
def test_a_tiny_logs_db_whose_values_would_be_huge_takes_little_memory(tmp_path):
    logs = make_logs(tmp_path / "llm", "0.31", "0.32")
    conn = sqlite3.connect(logs)
    # A generated column whose value would be 800 MB for one row, and a prompt
    # built from one 100 kB fragment named 2,000 times (200 MB).
    conn.executescript(
        """
        CREATE TABLE [responses2] ([id] TEXT PRIMARY KEY, [model] TEXT, [prompt] TEXT,
           [conversation_id] TEXT, [duration_ms] INTEGER, [datetime_utc] TEXT);
        INSERT INTO responses2 SELECT id, model, prompt, conversation_id, duration_ms, datetime_utc
        FROM responses;
        INSERT INTO responses2 (id, model, prompt, conversation_id, datetime_utc)
        VALUES ('01k1g0000000000000000000a1', 'bomb', 'x', '01k1g0000000000000000000a0',
                '2026-08-09T09:00:00');
        DELETE FROM tool_calls; DELETE FROM tool_results;
        DROP TABLE responses;
        ALTER TABLE responses2 RENAME TO responses;
        -- added after the rows (never computed here): 800 MB for the 'bomb' row
        ALTER TABLE responses ADD COLUMN [response] TEXT GENERATED ALWAYS AS
           (CASE WHEN [model] = 'bomb' THEN hex(zeroblob(400000000)) ELSE [prompt] END) VIRTUAL;
        """
    )
    conn.execute("INSERT INTO fragments (id, hash, content) VALUES (8, 'big', ?)", ("y" * 100_000,))
    refs = json.dumps({"text_ref": [{"fragment": 8}] * 2000})
    conn.executescript(
        f"""
        INSERT INTO messages VALUES ('z:1', NULL, 'user', NULL);
        INSERT INTO parts (message_hash, position, type, text, payload) VALUES ('z:1', 0, 'text', NULL, '{refs}');
        INSERT INTO threads VALUES ('01k1g0000000000000000000b1', NULL, 'z:1', NULL, '2026-08-09 10:00:00');
        INSERT INTO turns (id, thread_id, parent_message_hash, tip_message_hash, datetime_utc)
        VALUES ('01k1g0000000000000000000b2', '01k1g0000000000000000000b1', 'z:1', 'z:1',
                '2026-08-09T10:00:00+00:00');
        """
    )
    conn.commit()
    conn.close()
    assert logs.stat().st_size < 2 << 20  # tiny

    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(logs), str(tmp_path / "sessions.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    added, rest = done.stdout.split(" ", 1)
    skipped, peak_kb = rest.rsplit(" ", 1)
    assert "responses with a value over 32 MiB': 1" in skipped
    assert "turns whose text is over 32 MiB': 1" in skipped
    assert int(added) > 0  # the rest came in
    assert int(peak_kb) < 300 * 1024, f"peak {int(peak_kb) >> 10} MiB"
