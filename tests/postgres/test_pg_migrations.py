"""PostgreSQL schema and migrations: from blank, from each older schema, many
openers at once, a newer or foreign schema refused untouched, read-only."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from sessiond.errors import NotOurFile, SchemaTooNew, StorageError
from sessiond.store import open_store
from sessiond.store.postgres.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    VERSION_TABLE,
    Migration,
    migrate,
)
from support.postgres import need_psycopg

psycopg = need_psycopg()

from sessiond.store.postgres.store import PostgresStore  # noqa: E402 (needs psycopg)


@pytest.fixture
def blank_database(postgres_admin):
    """A new database, without even the unaccent extension."""
    name = f"sessiond_t_{uuid.uuid4().hex[:12]}"
    postgres_admin.run(f"CREATE DATABASE {name}")
    yield postgres_admin.url_for(database=name)
    postgres_admin.run(f"DROP DATABASE {name} WITH (FORCE)")


def snapshot(url):
    """Everything of a schema a migration could touch: tables, columns,
    indexes, functions and the version row."""
    with psycopg.connect(url) as conn:
        return [
            conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = current_schema() ORDER BY 1, 2"
            ).fetchall(),
            conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes"
                " WHERE schemaname = current_schema() ORDER BY 1"
            ).fetchall(),
            conn.execute(
                "SELECT proname FROM pg_proc WHERE pronamespace = current_schema()::regnamespace"
                " ORDER BY 1"
            ).fetchall(),
            conn.execute("SELECT extname FROM pg_extension ORDER BY 1").fetchall(),
        ]


def version(url):
    with psycopg.connect(url) as conn:
        return conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchall()


def test_numbers_match_the_sqlite_store():
    from sessiond.store.sqlite.migrations import MIGRATIONS as SQLITE

    assert [m.version for m in MIGRATIONS] == list(range(1, LATEST_VERSION + 1))
    assert [(m.version, m.name) for m in MIGRATIONS] == [(m.version, m.name) for m in SQLITE]


def test_a_blank_database_reaches_the_latest_version(blank_database):
    with open_store(blank_database) as store:
        assert store.schema_version == LATEST_VERSION
        s = store.start_session("v")
        assert store.append(s.id, "prompt", "Crème brûlée").seq == 1
        assert [h.seq for h in store.search("creme", 5)] == [1]
    assert version(blank_database) == [(LATEST_VERSION,)]
    assert ("unaccent",) in snapshot(blank_database)[3]
    before = snapshot(blank_database)
    open_store(blank_database).close()  # opening again changes nothing
    assert snapshot(blank_database) == before


def test_many_processes_opening_a_blank_database_migrate_once(blank_database):
    script = (
        "import sys; from sessiond.store import open_store\n"
        "s = open_store(sys.argv[1]); s.start_session('p'); print(s.schema_version); s.close()"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, blank_database],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, [err for _, err in results]
    assert [out.strip() for out, _ in results] == [str(LATEST_VERSION)] * 6
    assert version(blank_database) == [(LATEST_VERSION,)]
    with open_store(blank_database) as store:
        assert store.count_sessions() == 6


# Data a schema holds at each released version; grows with each migration.
SEEDS = {
    1: [
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count)"
        " VALUES ('OLD', 0, 'v0', 2)",
        "INSERT INTO events (session_id, seq, kind, text, created_at)"
        " VALUES (1, 1, 'prompt', 'Où est   le café', 0)",
        "INSERT INTO events (session_id, seq, kind, text, created_at)"
        " VALUES (1, 2, 'system', 'ici', 0)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
}


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_upgrade_from_each_older_schema(postgres_url, start):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        migrate(conn, "test", MIGRATIONS[:start])
        for statement in SEEDS.get(start, []):
            conn.execute(statement)
    with open_store(postgres_url) as store:
        assert store.schema_version == LATEST_VERSION
        if start >= 1:
            old = store.get_session("OLD")
            assert old is not None and old.event_count == 2 and old.preview == "Où est le café"
            assert [e.text for e in store.events(old.id, 10)] == ["Où est   le café", "ici"]
            assert store.get_milestone("m") == "kept"
            assert [h.seq for h in store.search("cafe", 5)] == [1]
            assert store.append(old.id, "prompt", "c").seq == 3


def test_a_newer_schema_is_refused_and_not_modified(postgres_url):
    open_store(postgres_url).close()
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f"UPDATE {VERSION_TABLE} SET version = {LATEST_VERSION + 1}")
        conn.execute("CREATE TABLE future (x int)")
    before = snapshot(postgres_url)
    for read_only in (False, True):
        with pytest.raises(SchemaTooNew, match="upgrade sessiond"):
            open_store(postgres_url, read_only=read_only)
    assert snapshot(postgres_url) == before
    assert version(postgres_url) == [(LATEST_VERSION + 1,)]


def test_a_failing_migration_leaves_the_old_version(postgres_url):
    open_store(postgres_url).close()
    broken = (
        *MIGRATIONS,
        Migration(LATEST_VERSION + 1, "broken", ("CREATE TABLE ok (x int)", "NOT SQL")),
    )
    with pytest.raises(StorageError, match="cannot be set up"):
        PostgresStore(postgres_url, migrations=broken)
    assert version(postgres_url) == [(LATEST_VERSION,)]
    tables = {row[0] for row in snapshot(postgres_url)[0]}
    assert "ok" not in tables and "sessions" in tables


def test_another_programs_tables_are_refused_untouched(postgres_url):
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE sessions (id int, name text)")
    before = snapshot(postgres_url)
    with pytest.raises(NotOurFile, match="did not make"):
        open_store(postgres_url)
    assert snapshot(postgres_url) == before


def test_read_only_creates_and_migrates_nothing(postgres_url):
    before = snapshot(postgres_url)
    with pytest.raises(StorageError, match="no sessiond database") as missing:
        open_store(postgres_url, read_only=True)
    assert "sessiond ls --db" in str(missing.value)
    assert snapshot(postgres_url) == before
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        migrate(conn, "test", MIGRATIONS[:1])
    before = snapshot(postgres_url)
    with pytest.raises(StorageError, match="older than this sessiond") as older:
        open_store(postgres_url, read_only=True)
    assert "upgrade it once" in str(older.value)
    assert snapshot(postgres_url) == before
    open_store(postgres_url).close()
    with open_store(postgres_url, read_only=True) as reader:
        assert reader.list_sessions(5) == []


def test_same_tables_and_columns_as_the_sqlite_store(postgres_url, tmp_path):
    """Schema parity: what one store keeps, the other keeps too (PostgreSQL's
    index column and both stores' own change-log shapes aside)."""
    import sqlite3

    path = tmp_path / "parity.db"
    open_store(str(path)).close()
    open_store(postgres_url).close()
    with sqlite3.connect(path) as conn:
        sqlite_columns = {
            (table, row[1])
            for (table,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'events_fts%'"
            ).fetchall()
            for row in conn.execute(f"PRAGMA table_info({table})")
        }
    pg_columns = {(t, c) for t, c, _ in snapshot(postgres_url)[0]}
    own = {"changes", VERSION_TABLE}
    assert {x for x in sqlite_columns if x[0] not in own} == {
        x for x in pg_columns if x[0] not in own and x != ("events", "tsv")
    }
