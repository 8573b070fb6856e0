"""llm's logs.db: both generations of its tables (fixtures/llm, written from
llm/migrations.py), opened read-only, to exactly the expected sessions and
events."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sessiond.importers.run import run_import
from support.importing import FIXTURES, digests, events, kinds_texts, sessions

WAL = "01j9z3k6w1x2y3z4a5b6c7d8e9"
WEATHER = "01jnq8r2m4k5j6h7g8f9e0d1c2"
HELLO = "01h4a0b1c2d3e4f5g6h7j8k9m0"
BUG = "01k1b0c1d2e3f4g5h6j7k8m9n0"
FORK = "01k1c0000000000000000000a1"

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
    }
    assert events(store, WAL) == WAL_EVENTS
    # the tool's result is stored on the next response: it comes before that reply
    assert events(store, WEATHER) == [
        ("prompt", "What is the weather in Paris?", "2025-03-01T08:00:00.500Z"),
        ("command", 'get_weather {"city": "Paris"}', "2025-03-01T08:00:00.800Z"),
        ("command", "18C, cloudy", "2025-03-01T08:00:01.000Z"),
        ("system", "It is 18C and cloudy in Paris.", "2025-03-01T08:00:01.700Z"),
    ]
    assert summary.events_added == 10 and summary.exit_code == 0


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
