"""PostgreSQL schema and migrations: from blank, from each older schema, many
openers at once, a newer or foreign schema refused untouched, read-only."""

from __future__ import annotations

import logging
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
# The times: a session started at 1 s, its events on the first two days
# since the epoch (version 3 sums them by day), a second session trashed.
DAY = 86_400_000
SEEDS = {
    1: [
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count)"
        " VALUES ('OLD', 1000, 'v0', 2)",
        "INSERT INTO events (session_id, seq, kind, text, created_at)"
        " VALUES (1, 1, 'prompt', 'Où est   le café', 2000)",
        "INSERT INTO events (session_id, seq, kind, text, created_at)"
        f" VALUES (1, 2, 'system', 'ici', {DAY + 3000})",
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count)"
        " VALUES ('QUIET', 5000, 'v0', 0)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
    2: [
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count, title, preview)"
        " VALUES ('OLD', 1000, 'v0', 2, 'Titled', 'Où est le café')",
        "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
        " VALUES (1, 1, 'prompt', 'Où est   le café', 2000, $$'ou':1 'est':2 'le':3 'cafe':4$$)",
        "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
        f" VALUES (1, 2, 'system', 'ici', {DAY + 3000}, $$'ici':1$$)",
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count)"
        " VALUES ('QUIET', 5000, 'v0', 0)",
        "INSERT INTO sessions (ulid, started_at, ended_at, deleted_at, cli_version, event_count)"
        " VALUES ('GONE', 7000, 9000, 9000, 'v0', 1)",
        "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
        " VALUES (3, 1, 'prompt', 'gone', 8000, $$'gone':1$$)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
        "INSERT INTO import_state (source, key, state) VALUES ('llm', 'k', 's')",
    ],
    3: [
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count, title, preview,"
        f" last_activity_at) VALUES ('OLD', 1000, 'v0', 2, 'Titled', 'Où est le café', {DAY + 3000})",
        "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
        " VALUES (1, 1, 'prompt', 'Où est   le café', 2000, $$'ou':1 'est':2 'le':3 'cafe':4$$)",
        "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
        f" VALUES (1, 2, 'system', 'ici', {DAY + 3000}, $$'ici':1$$)",
        "INSERT INTO sessions (ulid, started_at, cli_version, event_count, last_activity_at)"
        " VALUES ('QUIET', 5000, 'v0', 0, 5000)",
        "INSERT INTO milestones (key, value, updated_at) VALUES ('m', 'kept', 0)",
    ],
}
SEEDS[4] = SEEDS[3]  # version 4 added tables that start empty


def at_version(url, start):
    """A schema made by the migrations up to `start`, holding SEEDS[start]."""
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, "test", MIGRATIONS[:start])
        for statement in SEEDS.get(start, []):
            conn.execute(statement)


@pytest.mark.parametrize("start", range(LATEST_VERSION))
def test_upgrade_from_each_older_schema(postgres_url, start):
    at_version(postgres_url, start)
    with open_store(postgres_url) as store:
        assert store.schema_version == LATEST_VERSION
        if start >= 1:
            old = store.get_session("OLD")
            assert old is not None and old.event_count == 2 and old.preview == "Où est le café"
            assert [e.text for e in store.events(old.id, 10)] == ["Où est   le café", "ici"]
            assert store.get_milestone("m") == "kept"
            assert [h.seq for h in store.search("cafe", 5)] == [1]
            assert store.append(old.id, "prompt", "c").seq == 3


@pytest.mark.parametrize("start", [1, 2])
def test_version_3_fills_activity_and_daily_usage(postgres_url, start):
    at_version(postgres_url, start)
    with open_store(postgres_url) as store:
        old, quiet = store.get_session("OLD"), store.get_session("QUIET")
        assert old is not None and quiet is not None
        # The newest event's time; a session without events keeps its start.
        assert old.last_activity_at == "1970-01-02T00:00:03.000Z"
        assert quiet.last_activity_at == quiet.started_at == "1970-01-01T00:00:05.000Z"
        assert (old.source, old.source_id, old.project, old.branch) == (None,) * 4
        assert old.usage is None and old.models == []
        assert [e.meta for e in store.events(old.id, 10)] == [None, None]
        assert [s.ulid for s in store.list_sessions(5, order_by="activity")] == ["OLD", "QUIET"]
        assert [s.ulid for s in store.list_sessions(5)] == ["QUIET", "OLD"]
        by_day = [(r.key, r.sessions, r.prompts, r.replies) for r in store.usage("day")]
        # The trashed session's day is summed too, and left out as the trash is.
        assert by_day == [("1970-01-02", 1, 0, 1), ("1970-01-01", 1, 1, 0)]
        assert [(r.key, r.prompts, r.replies) for r in store.usage("model")] == [(None, 1, 1)]
        if start == 2:
            gone = store.get_session("GONE")
            assert gone is not None and gone.last_activity_at == "1970-01-01T00:00:08.000Z"
            store.restore_session(gone.id)
            assert [(r.key, r.sessions, r.prompts) for r in store.usage("day")][-1] == (
                "1970-01-01",
                2,
                2,
            )
            assert store.get_import_state("llm", "k") == "s"
        # What older versions kept goes on being summed.
        store.append_many([(old.id, "system", "r", {"model": "m", "usage": {"inputTokens": 5}})])
        assert store.session_by_id(old.id).models == ["m"]
        assert store.session_by_id(old.id).usage.input_tokens == 5
    with psycopg.connect(postgres_url) as conn:
        # No NULL left for ORDER BY ... DESC to put first.
        assert conn.execute(
            "SELECT is_nullable FROM information_schema.columns WHERE table_schema ="
            " current_schema() AND table_name = 'sessions' AND column_name = 'last_activity_at'"
        ).fetchall() == [("NO",)]


def test_version_3_sums_a_big_store_in_chunks_and_says_so(postgres_url, monkeypatch, caplog):
    """Over 100,000 events over three sessions and five days, some ids missing:
    summed in chunks (made small here), with a warning first and progress
    after each chunk; the sums equal the events' own."""
    from sessiond.store.postgres import migrations

    at_version(postgres_url, 2)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
            " SELECT 1 + g % 3, 10 + g, CASE WHEN g % 4 = 0 THEN 'prompt' WHEN g % 4 = 1"
            f" THEN 'system' ELSE 'command' END, 'x', g * {5 * DAY // 120_000} - {DAY // 2}, ''"
            " FROM generate_series(1, 120000) AS g"
        )
        conn.execute("DELETE FROM events WHERE id % 7 = 0 AND seq > 2")
        expected = conn.execute(
            "SELECT CASE WHEN created_at >= 0 THEN created_at / 86400000"
            " ELSE (created_at + 1) / 86400000 - 1 END AS day, session_id,"
            " count(*) FILTER (WHERE kind = 'prompt'), count(*) FILTER (WHERE kind = 'system')"
            " FROM events GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        newest = dict(
            conn.execute(
                "SELECT s.id, greatest(s.started_at, max(e.created_at)) FROM sessions AS s"
                " JOIN events AS e ON e.session_id = s.id GROUP BY s.id"
            ).fetchall()
        )
        total, top = conn.execute("SELECT count(*), max(id) FROM events").fetchone()
    assert total >= 100_000
    monkeypatch.setattr(migrations, "FILL_CHUNK", 30_000)
    caplog.set_level(logging.INFO, logger=migrations.__name__)
    open_store(postgres_url).close()
    messages = [r.getMessage() for r in caplog.records if r.name == migrations.__name__]
    assert f"summing {total} events by day" in messages[0]
    progress = [m for m in messages if "events summed by day" in m]
    assert len(progress) == -(-top // 30_000)  # chunks of ids
    assert progress[-1] == f"schema version 3: {total} of {total} events summed by day"
    with psycopg.connect(postgres_url) as conn:
        got = conn.execute(
            "SELECT day, session_id, prompts, replies FROM usage_daily"
            " WHERE model = '' ORDER BY 1, 2"
        ).fetchall()
        activity = dict(conn.execute("SELECT id, last_activity_at FROM sessions").fetchall())
        tokens = conn.execute(
            "SELECT sum(input + output + cache_read + cache_write) FROM usage_daily"
        ).fetchone()[0]
    assert got == expected and tokens == 0
    assert {sid: activity[sid] for sid in newest} == newest


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
    """Schema parity: what one store keeps, the other keeps too (the search
    indexes, FTS5 tables on SQLite and tsvector columns on PostgreSQL, and
    both stores' own change-log shapes aside)."""
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
                " AND name NOT LIKE 'events_cjk%' AND name NOT LIKE 'titles_fts%'"
            ).fetchall()
            for row in conn.execute(f"PRAGMA table_info({table})")
        }
    pg_columns = {(t, c) for t, c, _ in snapshot(postgres_url)[0]}
    own = {"changes", VERSION_TABLE}
    assert {x for x in sqlite_columns if x[0] not in own} == {
        x
        for x in pg_columns
        if x[0] not in own and x not in {("events", "tsv"), ("sessions", "title_tsv")}
    }


# The real migrations run in a subprocess that prints after each step of one
# version (its statements, its Python step, the statements after it) and
# sleeps after the step the test kills it at.
MIGRATE = """
import sys, time
from sessiond.store.postgres.migrations import MIGRATIONS, Migration
from sessiond.store.postgres.store import PostgresStore

url, target, kill_at = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def step(n):
    print(f"ran {n}", flush=True)
    if n == kill_at:
        time.sleep(60)  # where the test kills it

class Slow(tuple):
    first = 0
    def __iter__(self):
        for n, statement in enumerate(tuple.__iter__(self)):
            yield statement
            step(self.first + n)

def slow(m):
    if m.version != target:
        return m
    statements, after = Slow(m.statements), Slow(m.after)
    after.first = len(m.statements) + 1
    def run(conn):
        m.run(conn)
        step(len(m.statements))
    return Migration(m.version, m.name, statements, run if m.run else None, after)

PostgresStore(url, migrations=tuple(slow(m) for m in MIGRATIONS)).close()
print("done", flush=True)
"""
V3 = MIGRATIONS[2]
V3_STEPS = len(V3.statements) + 1 + len(V3.after)
V4 = MIGRATIONS[3]


def killed_after(url, version, step):
    """Run the migrations on `url`, SIGKILL the process once `version`'s
    step `step` has run (inside the step's transaction)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MIGRATE, url, str(version), str(step)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # ends when the process does
            if line.strip() in (f"ran {step}", "done"):
                assert line.strip() == f"ran {step}", "the migration ended before the kill"
                break
    finally:
        proc.kill()
        proc.wait(60)


def rows(url):
    """Every row of the tables a migration fills."""
    with psycopg.connect(url) as conn:
        return [
            conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("sessions", "events", "milestones", VERSION_TABLE)
        ]


@pytest.mark.parametrize("step", range(V3_STEPS))
def test_killed_during_v2_to_v3_leaves_version_2(postgres_url, step):
    at_version(postgres_url, 2)
    old, old_rows = snapshot(postgres_url), rows(postgres_url)
    killed_after(postgres_url, 3, step)
    # The kill always lands inside the one transaction: nothing of it stays.
    assert version(postgres_url) == [(2,)]
    assert snapshot(postgres_url) == old
    assert rows(postgres_url) == old_rows
    # The next open migrates the whole way (the dead process's lock is gone).
    with open_store(postgres_url) as store:
        assert store.schema_version == LATEST_VERSION
        got = store.get_session("OLD")
        assert got is not None and got.last_activity_at == "1970-01-02T00:00:03.000Z"
        assert [(r.key, r.prompts, r.replies) for r in store.usage("day")] == [
            ("1970-01-02", 0, 1),
            ("1970-01-01", 1, 0),
        ]


def test_killed_during_v3_from_v1_keeps_version_2(postgres_url):
    """From version 1, version 2 commits on its own; a kill in version 3's
    Python step leaves the schema at 2, which the next open takes to 3."""
    at_version(postgres_url, 1)
    killed_after(postgres_url, 3, len(V3.statements))
    assert version(postgres_url) == [(2,)]
    assert "usage_daily" not in {t for t, _, _ in snapshot(postgres_url)[0]}
    with open_store(postgres_url) as store:
        old = store.get_session("OLD")
        assert old is not None and old.preview == "Où est le café"
        assert old.last_activity_at == "1970-01-02T00:00:03.000Z"


def test_an_unkilled_slow_migration_reaches_v3(postgres_url):
    """The control: the same run, not killed, does change the schema."""
    at_version(postgres_url, 2)
    run = subprocess.run(
        [sys.executable, "-c", MIGRATE, postgres_url, "3", "-1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [*(w for n in range(V3_STEPS) for w in ("ran", str(n))), "done"]
    assert version(postgres_url) == [(LATEST_VERSION,)]


@pytest.mark.parametrize("step", range(len(V4.statements)))
def test_killed_during_v3_to_v4_leaves_version_3(postgres_url, step):
    at_version(postgres_url, 3)
    old, old_rows = snapshot(postgres_url), rows(postgres_url)
    killed_after(postgres_url, 4, step)
    assert version(postgres_url) == [(3,)]
    assert snapshot(postgres_url) == old
    assert rows(postgres_url) == old_rows
    with open_store(postgres_url) as store:
        assert store.schema_version == LATEST_VERSION == 5
        old_session = store.get_session("OLD")
        assert old_session is not None and store.embedding_space() is None
        assert store.embedding_counts() == (0, 2, 0)
