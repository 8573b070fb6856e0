"""Another sessiond database, merged by ULID: the frozen v1 fixture of the
reliability tests, and a v2 database made by the store itself."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from sessiond.importers.run import run_import
from sessiond.importers.sessiond_db import SOURCE
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.importing import digests, events, kinds_texts, read_source, sessions

V1 = Path(__file__).parent.parent / "reliability" / "fixtures"


def test_a_v1_database_merges_whole_and_is_not_written(store, tmp_path):
    source = tmp_path / "other" / "v1.db"
    source.parent.mkdir()
    shutil.copy(V1 / "v1.db", source)
    before = digests(source.parent)
    expected = json.loads((V1 / "v1.json").read_text())

    summary = run_import(store, "sessiond", [source])

    assert sessions(store) == {
        s["ulid"]: (s["cliVersion"], None, s["parentUlid"], s["startedAt"], s["eventCount"])
        for s in expected["sessions"]
    }
    for s in expected["sessions"]:
        assert events(store, s["ulid"]) == [
            (e["kind"], e["text"], e["createdAt"]) for e in expected["events"][str(s["id"])]
        ]
    assert summary.sessions_added == 3 and summary.events_added == 46
    assert digests(source.parent) == before


def test_titles_come_along_the_trash_does_not_and_merging_again_adds_nothing(store, tmp_path):
    other = tmp_path / "laptop.db"
    with open_store(str(other)) as laptop:
        kept = laptop.start_session("chat 1.0", ulid="01LAPTOPKEPT")
        laptop.append_many(
            [(kept.id, "prompt", "hello from the laptop"), (kept.id, "system", "hi")]
        )
        laptop.rename_session(kept.id, "Laptop chat")
        child = laptop.start_session("chat 1.0", ulid="01LAPTOPCHILD", parent_ulid="01LAPTOPKEPT")
        laptop.append(child.id, "prompt", "continued")
        gone = laptop.start_session("chat 1.0", ulid="01LAPTOPGONE")
        laptop.append(gone.id, "prompt", "deleted on the laptop")
        laptop.delete_session(gone.id)

    first = run_import(store, "sessiond", [other])

    assert sessions(store) == {
        "01LAPTOPKEPT": ("chat 1.0", "Laptop chat", None, kept.started_at, 2),
        "01LAPTOPCHILD": ("chat 1.0", None, "01LAPTOPKEPT", child.started_at, 1),
    }
    assert first.skipped == {"sessions in the other database's trash (left out)": 1}
    assert run_import(store, "sessiond", [other]).events_added == 0

    # The laptop goes on; only what is new comes over, after what is here.
    with open_store(str(other)) as laptop:
        laptop.append(laptop.get_session("01LAPTOPCHILD").id, "system", "and on")
    assert run_import(store, "sessiond", [other]).events_added == 1
    assert kinds_texts(store, "01LAPTOPCHILD") == [("prompt", "continued"), ("system", "and on")]


def test_a_session_both_have_gets_only_the_events_past_the_ones_here(store, tmp_path):
    other = tmp_path / "copy.db"
    with open_store(str(other)) as copy:
        shared = copy.start_session("chat 1.0", ulid="01SHARED")
        copy.append_many([(shared.id, "prompt", f"turn {i}") for i in range(5)])
    here, _ = store.import_session(ImportedSession("01SHARED", "chat 1.0", 1))
    store.import_events(here.id, [ImportedEvent("prompt", f"turn {i}", 1) for i in range(3)])

    merged = run_import(store, "sessiond", [other])

    assert merged.events_added == 2
    assert [text for _, text in kinds_texts(store, "01SHARED")] == [f"turn {i}" for i in range(5)]


def test_the_database_being_imported_into_is_refused(store, db):
    with pytest.raises(ValueError, match="is the database being imported into"):
        run_import(store, "sessiond", [db])


# Version 3 and the fixes of issues 23 and 25.


def _laptop(path: Path) -> None:
    """A sessiond database of another machine, made by the store."""
    with open_store(str(path)) as laptop:
        kept = laptop.start_session("claude-code 2.1.100", ulid="01LAPTOPV3")
        laptop.append_many([(kept.id, "prompt", "why?"), (kept.id, "system", "because")])


def test_a_version_3_database_brings_its_sessions_fields_and_event_meta(tmp_path):
    other = tmp_path / "laptop.db"
    _laptop(other)
    # The version-3 columns as the other machine's sessiond keeps them (a
    # meta key the contract does not know, written there by hand).
    conn = sqlite3.connect(other)
    conn.execute(
        "UPDATE sessions SET source = 'claude-code', source_id = '4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f',"
        " project = '/home/dana/src/weather-cli', branch = 'main'"
    )
    usage = {"inputTokens": 3, "outputTokens": 96, "cacheReadTokens": 18320}
    meta = {"model": "claude-sonnet-4-6", "usage": usage, "unknown": 1}
    conn.execute("UPDATE events SET meta = ? WHERE kind = 'system'", (json.dumps(meta),))
    conn.commit()
    conn.close()

    read = read_source("sessiond", [other])

    assert read.v3("01LAPTOPV3") == (
        "claude-code",
        "4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f",
        "/home/dana/src/weather-cli",
        "main",
    )
    # only the contract's keys come along
    assert read.metas("01LAPTOPV3") == [
        ("prompt", None),
        ("system", {"model": "claude-sonnet-4-6", "usage": usage}),
    ]


def test_a_version_2_database_records_no_source(tmp_path):
    other = tmp_path / "laptop.db"
    shutil.copy(V1 / "v2.db", other)

    read = read_source("sessiond", [other])

    assert read.v3("01V2FIXTUREFIRST") == (None, None, None, None)


def test_an_event_without_text_is_skipped_and_counted_the_rest_keep_their_places(store, tmp_path):
    other = tmp_path / "hand-made.db"
    conn = sqlite3.connect(other)
    conn.executescript(
        """
        CREATE TABLE sessions (id INTEGER PRIMARY KEY, ulid TEXT, started_at INTEGER,
            ended_at INTEGER, cli_version TEXT, parent_id INTEGER, title TEXT, deleted_at INTEGER);
        CREATE TABLE events (id INTEGER PRIMARY KEY, session_id INTEGER, seq INTEGER,
            kind TEXT, text TEXT, created_at INTEGER);
        INSERT INTO sessions VALUES (1, '01HANDMADE', 1767225600000, NULL, 'chat 1.0', NULL, NULL, NULL);
        INSERT INTO events VALUES (1, 1, 1, 'prompt', 'one', 1767225600000);
        INSERT INTO events VALUES (2, 1, 2, 'system', NULL, 1767225601000);
        INSERT INTO events VALUES (3, 1, 3, 'prompt', 'three', 1767225602000);
        INSERT INTO events VALUES (4, 1, 4, 'sideways', 'four', 1767225603000);
        INSERT INTO events VALUES (5, 1, 5, 'system', 'five', 253402300800000);
        INSERT INTO events VALUES (6, 1, 6, 'system', 'six', 1767225605000);
        PRAGMA user_version = 2;
        """
    )
    conn.commit()
    conn.close()

    first = run_import(store, "sessiond", [other])

    assert kinds_texts(store, "01HANDMADE") == [
        ("prompt", "one"),
        ("prompt", "three"),
        ("system", "six"),
    ]
    assert first.skipped == {
        "events without a text": 1,
        "events of a kind sessiond does not know": 1,
        "events whose time is not one sessiond can store": 1,
    }
    # The other machine goes on: its next event comes over once, after the rest.
    conn = sqlite3.connect(other)
    conn.execute("INSERT INTO events VALUES (7, 1, 7, 'prompt', 'seven', 1767225606000)")
    conn.commit()
    conn.close()
    assert run_import(store, "sessiond", [other]).events_added == 1
    assert [t for _, t in kinds_texts(store, "01HANDMADE")] == ["one", "three", "six", "seven"]


def test_a_copy_of_the_other_database_elsewhere_adds_nothing(store, tmp_path):
    other = tmp_path / "laptop.db"
    _laptop(other)
    run_import(store, "sessiond", [other])
    moved = tmp_path / "backup" / "old-laptop.db"
    moved.parent.mkdir()
    shutil.copy(other, moved)

    again = run_import(store, "sessiond", [moved])

    assert again.events_added == 0 and again.sessions_added == 0
    assert SOURCE.key(moved) == SOURCE.key(other)


def test_another_program_s_database_is_not_recognised(store, tmp_path):
    logs = tmp_path / "logs.db"
    conn = sqlite3.connect(logs)
    conn.execute("CREATE TABLE responses (id TEXT PRIMARY KEY, prompt TEXT)")
    conn.commit()
    conn.close()

    summary = run_import(store, "sessiond", [logs])

    [(_, why)] = summary.failed
    assert why == f"{logs} is not a sessiond database: it looks like llm's logs.db"
    assert summary.exit_code == 1


def test_a_database_of_this_sessiond_s_schema_merges_and_a_newer_one_is_refused(store, tmp_path):
    from sessiond.store.sqlite.migrations import LATEST_VERSION

    other = tmp_path / "laptop.db"
    _laptop(other)
    conn = sqlite3.connect(other)
    assert conn.execute("PRAGMA user_version").fetchone() == (LATEST_VERSION,)
    conn.close()
    assert run_import(store, "sessiond", [other]).sessions_added >= 1

    newer = tmp_path / "newer.db"
    shutil.copy(other, newer)
    conn = sqlite3.connect(newer)
    conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    conn.commit()
    conn.close()
    summary = run_import(store, "sessiond", [newer])
    [(_, why)] = summary.failed
    assert why == (
        f"{newer} was written by a newer sessiond (schema {LATEST_VERSION + 1}); "
        "upgrade this one to merge it"
    )
