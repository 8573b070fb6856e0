"""The schema, as numbered migrations.

Each migration runs in one transaction together with its `PRAGMA
user_version` bump, so a database is always at one released version, never
between two. A released migration is never edited: add a new one instead.
"""

from __future__ import annotations

import sqlite3

import attrs

from sessiond.errors import SchemaTooNew


@attrs.frozen
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions, events, milestones",
        (
            # event_count is kept in the session row so that counting and listing
            # never scan events; it is also the last allocated seq.
            """
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY,
                ulid TEXT NOT NULL UNIQUE,
                started_at INTEGER NOT NULL,
                ended_at INTEGER,
                engine_base_url TEXT,
                cli_version TEXT NOT NULL,
                parent_id INTEGER REFERENCES sessions(id),
                event_count INTEGER NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX sessions_newest ON sessions(started_at, id)",
            # A rowid table (not WITHOUT ROWID): texts can be up to 1 MiB, and
            # large rows belong out of the key's b-tree.
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                session_id INTEGER NOT NULL REFERENCES sessions(id),
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (session_id, seq)
            )
            """,
            """
            CREATE TABLE milestones (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def too_new(version: int, path: str, migrations: tuple[Migration, ...]) -> None:
    """Raise SchemaTooNew when `version` is newer than `migrations` reach."""
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise SchemaTooNew(
            f"the database {path} has schema version {version}, but this sessiond "
            f"only knows versions up to {latest}; upgrade sessiond to open it "
            "(the file was left untouched)"
        )


def check_not_newer(conn: sqlite3.Connection, path: str, migrations: tuple[Migration, ...]) -> int:
    """Raise SchemaTooNew when the file was written by a newer sessiond."""
    version = schema_version(conn)
    too_new(version, path, migrations)
    return version


def migrate(conn: sqlite3.Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply every pending migration; return the schema version reached.

    Each step takes the write lock first (BEGIN IMMEDIATE) and reads the
    version again inside it, so two processes opening one new file at once
    apply each migration exactly once.
    """
    for migration in migrations:
        if schema_version(conn) >= migration.version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) < migration.version:
                for statement in migration.statements:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return schema_version(conn)
