"""Migrations: a blank file, an upgrade from each older schema, a newer one refused."""

from __future__ import annotations

import hashlib
import sqlite3

import pytest

from sessiond.errors import SchemaTooNew
from sessiond.store import SqliteStore as Store
from sessiond.store.sqlite.migrations import LATEST_VERSION, MIGRATIONS, Migration, migrate


def version(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def test_numbers_are_consecutive_from_one():
    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert all(m.name for m in MIGRATIONS)


def test_blank_file_reaches_the_latest_version(tmp_path):
    path = tmp_path / "blank.db"
    path.touch()
    Store(str(path)).close()
    assert version(path) == LATEST_VERSION


# Data a database holds at each released version; grows with each migration.
SEEDS = {
    1: [
        "INSERT INTO sessions (id, ulid, started_at, cli_version, event_count) VALUES (1, 'OLD', 0, 'v0', 2)",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 1, 'prompt', 'a', 0)",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 2, 'system', 'b', 0)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
    2: [
        "INSERT INTO sessions (id, ulid, started_at, cli_version, event_count, title, preview) VALUES (1, 'OLD', 0, 'v0', 2, 't', 'a')",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 1, 'prompt', 'a', 0)",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 2, 'system', 'b', 0)",
        "INSERT INTO events_fts (rowid, text) SELECT id, text FROM events",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
    3: [
        "INSERT INTO sessions (id, ulid, started_at, cli_version, event_count, title, preview, last_activity_at) VALUES (1, 'OLD', 0, 'v0', 2, 't', 'a', 0)",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 1, 'prompt', 'a', 0)",
        "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (1, 2, 'system', 'b', 0)",
        "INSERT INTO events_fts (rowid, text) SELECT id, text FROM events",
        "INSERT INTO usage_daily (day, session_id, model, prompts, replies) VALUES (0, 1, '', 1, 1)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
}
SEEDS[4] = SEEDS[3]  # version 4 added tables that start empty


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_upgrade_from_each_older_schema(tmp_path, start):
    path = tmp_path / f"v{start}.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, MIGRATIONS[:start])
    for statement in SEEDS.get(start, []):
        conn.execute(statement)
    conn.close()
    with Store(str(path)) as store:
        assert version(path) == LATEST_VERSION
        if start >= 1:
            old = store.get_session("OLD")
            assert old is not None and old.event_count == 2
            assert [e.text for e in store.events(old.id, 10)] == ["a", "b"]
            assert store.get_milestone("m") == "kept"
            # Version 3: what the old file did not know is unknown; activity and
            # the daily sums come from the events already there.
            assert (old.source, old.project, old.usage, old.models) == (None, None, None, [])
            assert old.last_activity_at == "1970-01-01T00:00:00.000Z"
            rows = store.usage("day")
            assert [(r.key, r.sessions, r.prompts, r.replies) for r in rows] == [
                ("1970-01-01", 1, 1, 1)
            ]
            assert store.append(old.id, "prompt", "c").seq == 3
            if start >= 2:
                assert [h.seq for h in store.search("a", 5)] == [1]
            # Version 4: no vectors yet (`sessiond index` makes them).
            assert store.embedding_space() is None
            assert store.embedding_counts()[0] == 0


def test_a_newer_schema_is_refused_and_not_modified(tmp_path):
    path = tmp_path / "new.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE future (x)")
        conn.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    before = hashlib.sha256(path.read_bytes()).digest()
    with pytest.raises(SchemaTooNew, match="upgrade sessiond"):
        Store(str(path))
    assert hashlib.sha256(path.read_bytes()).digest() == before


def test_a_failing_migration_leaves_the_old_version(tmp_path):
    path = tmp_path / "fail.db"
    Store(str(path)).close()
    broken = (
        *MIGRATIONS,
        Migration(LATEST_VERSION + 1, "broken", ("CREATE TABLE ok (x)", "NOT SQL")),
    )
    with pytest.raises(Exception):  # noqa: B017 - any error; what matters is the file
        Store(str(path), migrations=broken)
    assert version(path) == LATEST_VERSION
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "ok" not in tables


def test_two_openers_migrate_once(tmp_path):
    path = str(tmp_path / "race.db")
    one, two = Store(path), Store(path)
    assert version(path) == LATEST_VERSION
    one.close()
    two.close()
