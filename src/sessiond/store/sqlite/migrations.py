"""The schema, as numbered migrations.

Each migration runs in one transaction together with its `PRAGMA
user_version` bump, so a database is always at one released version, never
between two. A released migration is never edited: add a new one instead.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable

import attrs

from sessiond.errors import SchemaTooNew

logger = logging.getLogger(__name__)

# PRAGMA application_id of every sessiond file from schema 2 on ("SESS"):
# what tells sessiond's files from other programs' SQLite files.
APPLICATION_ID = 0x53455353


@attrs.frozen
class Migration:
    """One step: its `statements`, then `run` (for work done in Python, such
    as filling a column row by row), in the step's one transaction."""

    version: int
    name: str
    statements: tuple[str, ...]
    run: Callable[[sqlite3.Connection], None] | None = None


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


def _fill_v2(conn: sqlite3.Connection) -> None:
    """Copy sessions and events into their v2 tables, index every event for
    search and give each session its preview; log the progress of big files."""
    # Imported here: the migration is the only user of the preview rule at open.
    from sessiond.store.snippet import make_preview

    conn.execute(
        "INSERT INTO sessions (id, ulid, started_at, ended_at, engine_base_url, cli_version,"
        " parent_id, event_count) SELECT id, ulid, started_at, ended_at, engine_base_url,"
        " cli_version, parent_id, event_count FROM sessions_v1"
    )
    total = conn.execute("SELECT count(*) FROM events_v1").fetchone()[0]
    if total >= 100_000:
        logger.warning(
            "upgrading the database to schema version 2: indexing %d events for search "
            "(once; this can take a minute; progress at --log-level info)",
            total,
        )
    done, last, chunk = 0, 0, 50_000
    while True:
        row = conn.execute(
            "SELECT max(id), count(*) FROM (SELECT id FROM events_v1 WHERE id > ?"
            " ORDER BY id LIMIT ?)",
            (last, chunk),
        ).fetchone()
        if not row[1]:
            break
        conn.execute(
            "INSERT INTO events (id, session_id, seq, kind, text, created_at)"
            " SELECT id, session_id, seq, kind, text, created_at FROM events_v1"
            " WHERE id > ? AND id <= ?",
            (last, row[0]),
        )
        conn.execute(
            "INSERT INTO events_fts (rowid, text) SELECT id, text FROM events WHERE id > ?"
            " AND id <= ?",
            (last, row[0]),
        )
        last = row[0]
        done += row[1]
        logger.info("schema version 2: %d of %d events indexed", done, total)
    firsts = conn.execute(
        "SELECT s.id, (SELECT substr(e.text, 1, 4096) FROM events AS e WHERE e.session_id = s.id"
        " AND e.kind = 'prompt' ORDER BY e.seq LIMIT 1) FROM sessions AS s"
    ).fetchall()
    conn.executemany(
        "UPDATE sessions SET preview = ? WHERE id = ?",
        [(make_preview(text), sid) for sid, text in firsts if text is not None],
    )
    conn.execute("DROP TABLE events_v1")
    conn.execute("DROP TABLE sessions_v1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


MIGRATIONS += (
    Migration(
        2,
        "titles, previews, the trash, full-text search, the change feed, import state",
        (
            # sessions and events are rebuilt with AUTOINCREMENT, so that an id
            # is never used twice, even after the trash is emptied: clients
            # keep session ids, and the change feed reads events by id.
            "ALTER TABLE events RENAME TO events_v1",
            "ALTER TABLE sessions RENAME TO sessions_v1",
            "DROP INDEX sessions_newest",
            """
            CREATE TABLE sessions (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                ulid TEXT NOT NULL UNIQUE,
                started_at INTEGER NOT NULL,
                ended_at INTEGER,
                engine_base_url TEXT,
                cli_version TEXT NOT NULL,
                parent_id INTEGER REFERENCES sessions(id),
                event_count INTEGER NOT NULL DEFAULT 0,
                title TEXT,
                preview TEXT,
                deleted_at INTEGER
            )
            """,
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id INTEGER NOT NULL REFERENCES sessions(id),
                seq INTEGER NOT NULL,
                kind TEXT NOT NULL,
                text TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                UNIQUE (session_id, seq)
            )
            """,
            # Listing and the trash never see each other's rows.
            "CREATE INDEX sessions_newest ON sessions(started_at, id) WHERE deleted_at IS NULL",
            "CREATE INDEX sessions_trash ON sessions(deleted_at, id) WHERE deleted_at IS NOT NULL",
            "CREATE INDEX sessions_children ON sessions(parent_id) WHERE parent_id IS NOT NULL",
            # Search: an external-content index over events.text, filled by
            # the store in the appending transaction (not by a trigger, which
            # measured half as fast). detail=full: phrases need positions.
            # A prefix index of 2 characters, chosen by measurement at 1M
            # realistic turns (python -m bench): without one a 2-letter prefix
            # (`co*`) takes 73 ms and the file is 1.40x v1's; with it 3 ms and
            # 1.66x; with 3 letters indexed too every prefix takes 3 ms but the
            # file is 1.91x. A 3-letter prefix takes 20 ms without its index.
            """
            CREATE VIRTUAL TABLE events_fts USING fts5(
                text, content='events', content_rowid='id',
                tokenize='unicode61 remove_diacritics 2', detail=full, prefix='2'
            )
            """,
            # The change feed: session-level changes, in commit order, each
            # with the newest event id committed before it, so that a reader
            # can put appends and changes in one order.
            """
            CREATE TABLE changes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                session_id INTEGER NOT NULL,
                started INTEGER NOT NULL,
                after_event INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE import_state (
                source TEXT NOT NULL,
                key TEXT NOT NULL,
                state TEXT NOT NULL,
                PRIMARY KEY (source, key)
            ) WITHOUT ROWID
            """,
        ),
        _fill_v2,
    ),
)


# A day (UTC) as an integer: days since 1970-01-01, floored for times before it.
DAY_MS = 86_400_000
DAY_SQL = "(CASE WHEN {t} >= 0 THEN {t} / 86400000 ELSE ({t} + 1) / 86400000 - 1 END)"


def _fill_v3(conn: sqlite3.Connection) -> None:
    """Each session's last activity, and the daily usage of every event so far."""
    total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    if total >= 100_000:
        logger.warning(
            "upgrading the database to schema version 3: summing %d events by day "
            "(once; progress at --log-level info)",
            total,
        )
    conn.execute(
        "UPDATE sessions SET last_activity_at = coalesce((SELECT e.created_at FROM events AS e"
        " WHERE e.session_id = sessions.id ORDER BY e.seq DESC LIMIT 1), started_at)"
    )
    day = DAY_SQL.format(t="created_at")
    done, last, chunk = 0, 0, 200_000
    while True:
        row = conn.execute(
            "SELECT max(id), count(*) FROM"
            " (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)",
            (last, chunk),
        ).fetchone()
        if not row[1]:
            break
        conn.execute(
            "INSERT INTO usage_daily (day, session_id, model, prompts, replies)"
            f" SELECT {day}, session_id, '', sum(kind = 'prompt'), sum(kind = 'system')"
            " FROM events WHERE id > ? AND id <= ? GROUP BY 1, 2 ORDER BY 1, 2"
            " ON CONFLICT (day, session_id, model) DO UPDATE SET"
            " prompts = prompts + excluded.prompts, replies = replies + excluded.replies",
            (last, row[0]),
        )
        last = row[0]
        done += row[1]
        logger.info("schema version 3: %d of %d events summed by day", done, total)
    # The bigram index of events and titles in scripts written without spaces.
    from sessiond.store.cjk import GLOB, index_text, title_text

    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, text FROM events WHERE id > ? AND text GLOB ? ORDER BY id LIMIT 2000",
            (last, GLOB),
        ).fetchall()
        if not rows:
            break
        conn.executemany(
            "INSERT INTO events_cjk (rowid, text) VALUES (?, ?)",
            [(rowid, bigram) for rowid, text in rows if (bigram := index_text(text))],
        )
        last = rows[-1][0]
    conn.executemany(
        "INSERT INTO titles_fts (rowid, text) VALUES (?, ?)",
        [
            (sid, title_text(title))
            for sid, title in conn.execute("SELECT id, title FROM sessions WHERE title IS NOT NULL")
        ],
    )


MIGRATIONS += (
    Migration(
        3,
        "where, with what and at what cost: source, project, models, tokens; activity; daily usage",
        (
            "ALTER TABLE sessions ADD COLUMN source TEXT",
            "ALTER TABLE sessions ADD COLUMN source_id TEXT",
            "ALTER TABLE sessions ADD COLUMN project TEXT",
            "ALTER TABLE sessions ADD COLUMN branch TEXT",
            # The newest event's time (else started_at): `ls` orders by it.
            "ALTER TABLE sessions ADD COLUMN last_activity_at INTEGER",
            # Sums of the events' meta.usage: all NULL while no event has any.
            "ALTER TABLE sessions ADD COLUMN usage_input INTEGER",
            "ALTER TABLE sessions ADD COLUMN usage_output INTEGER",
            "ALTER TABLE sessions ADD COLUMN usage_cache_read INTEGER",
            "ALTER TABLE sessions ADD COLUMN usage_cache_write INTEGER",
            # JSON {model: events naming it}.
            "ALTER TABLE sessions ADD COLUMN models TEXT",
            # JSON, as on the wire; NULL for most events (one byte).
            "ALTER TABLE events ADD COLUMN meta TEXT",
            "CREATE INDEX sessions_active ON sessions(last_activity_at, id)"
            " WHERE deleted_at IS NULL",
            "CREATE INDEX sessions_project ON sessions(project) WHERE project IS NOT NULL",
            # `stats/usage` over a million events in milliseconds: per UTC day,
            # session and model (''), what the events of that day added. Kept
            # in the appending transaction, summed per batch.
            """
            CREATE TABLE usage_daily (
                day INTEGER NOT NULL,
                session_id INTEGER NOT NULL,
                model TEXT NOT NULL,
                prompts INTEGER NOT NULL DEFAULT 0,
                replies INTEGER NOT NULL DEFAULT 0,
                input INTEGER NOT NULL DEFAULT 0,
                output INTEGER NOT NULL DEFAULT 0,
                cache_read INTEGER NOT NULL DEFAULT 0,
                cache_write INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (day, session_id, model)
            ) WITHOUT ROWID
            """,
            "CREATE INDEX usage_daily_session ON usage_daily(session_id)",
            # Chinese, Japanese and Korean words (store.cjk): the events holding
            # such scripts, as bigrams; contentless (only those events, the
            # text computed again to delete them). Titles, for session/find.
            """
            CREATE VIRTUAL TABLE events_cjk USING fts5(
                text, content='', tokenize='unicode61 remove_diacritics 2', detail=full
            )
            """,
            # Sessions removed for good: an import never brings them back.
            """
            CREATE TABLE purged (
                ulid TEXT PRIMARY KEY,
                purged_at INTEGER NOT NULL
            ) WITHOUT ROWID
            """,
            """
            CREATE VIRTUAL TABLE titles_fts USING fts5(
                text, content='', tokenize='unicode61 remove_diacritics 2', detail=full
            )
            """,
        ),
        _fill_v3,
    ),
)

MIGRATIONS += (
    Migration(
        4,
        "embeddings: vectors of turns for search by meaning",
        (
            # How the vectors were made (one row, written by `sessiond index`
            # the first time; none: no search by meaning). A new model or a
            # new way of keeping them replaces it and every vector.
            """
            CREATE TABLE embedding_space (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                model TEXT NOT NULL,
                dims INTEGER NOT NULL,
                tokens INTEGER NOT NULL,
                scale REAL NOT NULL,
                mean BLOB NOT NULL,
                created_at INTEGER NOT NULL
            )
            """,
            # One vector per embedded turn: int8 (scoring) and sign bits (the
            # first pass, read into memory by the searching process). The
            # row's own id grows with every write (AUTOINCREMENT: never
            # reused), so a process holding the bits reads only what came
            # after the last row it read.
            """
            CREATE TABLE embeddings (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                event_id INTEGER NOT NULL UNIQUE,
                q8 BLOB NOT NULL,
                bits BLOB NOT NULL
            )
            """,
        ),
    ),
)

MIGRATIONS += (
    Migration(
        5,
        "events_place: each event's session and time, for session/find",
        (
            # session/find reads thousands of matches of a common word and
            # needs each one's session and time: from this narrow index (a
            # few bytes an event) instead of the event's row, which holds its
            # text (measured at a million turns: 3.2 ms instead of 5.2 for
            # 4,000 matches). A new index, nothing rewritten.
            "CREATE INDEX events_place ON events(id, session_id, created_at)",
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
                if migration.run is not None:
                    migration.run(conn)
                conn.execute(f"PRAGMA user_version = {int(migration.version)}")
            conn.execute("COMMIT")
        except BaseException:
            # SQLite may have rolled back already (a full disk does that).
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return schema_version(conn)
