"""The PostgreSQL schema, as numbered migrations (the SQLite store's numbers).

PostgreSQL has no `user_version`: the version is the one row of
`sessiond_schema_version`, updated in the same transaction as the step it
records (PostgreSQL's DDL is transactional), so a database is always at one
released version, never between two. Migrating takes an advisory lock,
and each step reads the version again under it, so that any number of
processes opening a blank database at once apply each step exactly once. A
released migration is never edited: add a new one instead.

Tables go to the connection's current schema (the first of `search_path`);
`options=-csearch_path=NAME` in the URI gives sessiond a schema of its own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from sessiond.errors import NotOurFile, SchemaTooNew, StorageError

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[object, ...]]

logger = logging.getLogger(__name__)

VERSION_TABLE = "sessiond_schema_version"
# Advisory lock keys. Migrating takes one lock for the whole database (so
# that two schemas never create the unaccent extension at once); the change
# log takes (LOG_LOCK, hashtext(current_schema())), one per schema.
MIGRATE_LOCK = 0x73657331
LOG_LOCK = 0x73657332
# The seed of the advisory lock an import's checkpoint takes on its (schema,
# source, key): hashtextextended's 64 bits, so two files rarely share one.
STATE_LOCK = 0x73657333
# Writing vectors takes (EMBED_LOCK, hashtext(current_schema())) for the rest
# of its transaction (`embeddings.py`): one writer at a time, so that the
# vectors' row ids are handed out in commit order.
EMBED_LOCK = 0x73657334
# Milliseconds since the epoch on the server's clock: every time sessiond
# writes comes from the one server, so machines with skewed clocks agree.
NOW_MS = "floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint"


@attrs.frozen
class Migration:
    """One step: its `statements`, then `run` (work done in Python), then
    the statements `after` it, in the step's one transaction."""

    version: int
    name: str
    statements: tuple[str, ...]
    run: Callable[[Connection], None] | None = None
    after: tuple[str, ...] = ()


def extension_schema(conn: Connection, name: str) -> str | None:
    """The schema the extension `name` lives in (which need not be on
    sessiond's search_path), or None when it is not installed here."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension AS x JOIN pg_namespace AS n"
        " ON n.oid = x.extnamespace WHERE x.extname = %s",
        (name,),
    ).fetchone()
    return None if row is None else str(row[0])


def unaccent_function(conn: Connection) -> str:
    """`unaccent`, qualified with the schema its extension lives in."""
    from psycopg import sql

    schema = extension_schema(conn, "unaccent")
    if schema is None:
        raise StorageError(
            "the PostgreSQL extension unaccent (search without diacritics) is not installed "
            "in this database; ask its owner to run CREATE EXTENSION unaccent once"
        )
    return sql.SQL("{}.unaccent").format(sql.Identifier(schema)).as_string(conn)


def _fill_v2(conn: Connection) -> None:
    """Index every event of a version-1 database for search, and give each
    session its preview."""
    from sessiond.store.postgres.rows import from_db, index_words, to_db
    from sessiond.store.postgres.words import tsvector_sql
    from sessiond.store.snippet import make_preview

    unaccent = unaccent_function(conn)
    last = 0
    while True:
        rows = conn.execute(
            "SELECT id, text FROM events WHERE id > %s ORDER BY id LIMIT 5000", (last,)
        ).fetchall()
        if not rows:
            break
        conn.execute(
            f"UPDATE events AS e SET tsv = {tsvector_sql(unaccent, 'x.words')}"
            " FROM unnest(%s::bigint[], %s::text[]) AS x(id, words) WHERE e.id = x.id",
            ([r[0] for r in rows], [index_words(from_db(str(r[1]))) for r in rows]),
        )
        last = int(rows[-1][0])  # type: ignore[call-overload]
        logger.info("schema version 2: events up to id %d indexed", last)
    firsts = conn.execute(
        "SELECT s.id, (SELECT left(e.text, 4096) FROM events AS e WHERE e.session_id = s.id"
        " AND e.kind = 'prompt' ORDER BY e.seq LIMIT 1) FROM sessions AS s"
    ).fetchall()
    previews = [(sid, make_preview(from_db(str(text)))) for sid, text in firsts if text is not None]
    conn.execute(
        "UPDATE sessions AS s SET preview = u.preview"
        " FROM unnest(%s::bigint[], %s::text[]) AS u(id, preview) WHERE s.id = u.id",
        ([p[0] for p in previews], [None if p[1] is None else to_db(p[1]) for p in previews]),
    )


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "sessions, events, milestones",
        (
            # event_count is kept in the session row so that counting and
            # listing never scan events; it is also the last allocated seq,
            # and its row lock is what orders appends to one session.
            # ulid in "C" order: prefix lookups are range scans of its index.
            """
            CREATE TABLE sessions (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                ulid text COLLATE "C" NOT NULL UNIQUE,
                started_at bigint NOT NULL,
                ended_at bigint,
                engine_base_url text,
                cli_version text NOT NULL,
                parent_id bigint REFERENCES sessions(id),
                event_count bigint NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX sessions_newest ON sessions (started_at, id)",
            """
            CREATE TABLE events (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                session_id bigint NOT NULL REFERENCES sessions(id),
                seq bigint NOT NULL,
                kind text NOT NULL,
                text text NOT NULL,
                created_at bigint NOT NULL,
                UNIQUE (session_id, seq)
            )
            """,
            """
            CREATE TABLE milestones (
                key text PRIMARY KEY,
                value text NOT NULL,
                updated_at bigint NOT NULL
            )
            """,
        ),
    ),
    Migration(
        2,
        "titles, previews, the trash, full-text search, the change feed, import state",
        (
            "CREATE EXTENSION IF NOT EXISTS unaccent",
            "ALTER TABLE sessions ADD COLUMN title text, ADD COLUMN preview text,"
            " ADD COLUMN deleted_at bigint",
            # Listing and the trash never see each other's rows.
            "DROP INDEX sessions_newest",
            "CREATE INDEX sessions_newest ON sessions (started_at, id) WHERE deleted_at IS NULL",
            "CREATE INDEX sessions_trash ON sessions (deleted_at, id) WHERE deleted_at IS NOT NULL",
            "CREATE INDEX sessions_children ON sessions (parent_id) WHERE parent_id IS NOT NULL",
            # Search: the words of each event (split and folded by sessiond,
            # diacritics removed by unaccent), written with the event.
            "ALTER TABLE events ADD COLUMN tsv tsvector",
            # The change feed's log: what each transaction changed, one row
            # per session and kind ('s' started, 'c' changed, 'a' appended
            # first_seq..last_seq), ids in commit order (changelog.py).
            """
            CREATE TABLE changes (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                session_id bigint NOT NULL,
                what text NOT NULL,
                first_seq bigint,
                last_seq bigint,
                at bigint NOT NULL
            )
            """,
            """
            CREATE TABLE import_state (
                source text NOT NULL,
                key text NOT NULL,
                state text NOT NULL,
                PRIMARY KEY (source, key)
            )
            """,
        ),
        _fill_v2,
        (
            "ALTER TABLE events ALTER COLUMN tsv SET NOT NULL",
            "CREATE INDEX events_search ON events USING gin (tsv)",
        ),
    ),
)


# A day (UTC) as an integer: days since 1970-01-01, floored for times before
# it (PostgreSQL's integer division truncates). `store.usage.day_of` in SQL.
def day_sql(t: str) -> str:
    return f"(CASE WHEN {t} >= 0 THEN {t} / 86400000 ELSE ({t} + 1) / 86400000 - 1 END)"


#: Events summed per statement when filling version 3 (a module value, so
#: that a test can make the chunks small).
FILL_CHUNK = 200_000


def _fill_v3(conn: Connection) -> None:
    """Each session's last activity (its newest event's time, else its
    start), and the daily usage of every event so far (prompts and replies:
    events of older versions have no meta), in chunks of events by id."""
    row = conn.execute("SELECT count(*), coalesce(max(id), 0) FROM events").fetchone()
    total, top = (int(row[0]), int(row[1])) if row else (0, 0)  # type: ignore[call-overload]
    if total >= 100_000:
        logger.warning(
            "upgrading the database to schema version 3: summing %d events by day "
            "(once; progress at --log-level info)",
            total,
        )
    day = day_sql("c.created_at")
    done, last = 0, 0
    while last < top:
        upto = last + FILL_CHUNK  # ids, not rows: a chunk holds at most FILL_CHUNK events
        cursor = conn.execute(
            f"""
            WITH c AS MATERIALIZED (
                SELECT session_id, kind, created_at FROM events WHERE id > %s AND id <= %s
            ), daily AS (
                INSERT INTO usage_daily (day, session_id, model, prompts, replies)
                SELECT {day}, c.session_id, '', count(*) FILTER (WHERE c.kind = 'prompt'),
                    count(*) FILTER (WHERE c.kind = 'system')
                FROM c GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (day, session_id, model) DO UPDATE SET
                    prompts = usage_daily.prompts + excluded.prompts,
                    replies = usage_daily.replies + excluded.replies
            ), newest AS (
                UPDATE sessions AS s
                SET last_activity_at = greatest(coalesce(s.last_activity_at, s.started_at), m.at)
                FROM (SELECT session_id, max(created_at) AS at FROM c GROUP BY 1) AS m
                WHERE s.id = m.session_id
            )
            SELECT count(*) FROM c
            """,
            (last, upto),
        ).fetchone()
        last = upto
        done += int(cursor[0]) if cursor else 0  # type: ignore[call-overload]
        logger.info("schema version 3: %d of %d events summed by day", done, total)
    conn.execute("UPDATE sessions SET last_activity_at = started_at WHERE last_activity_at IS NULL")
    _index_cjk(conn)


#: Events re-indexed per statement when version 3 adds the bigrams of
#: Chinese, Japanese and Korean text.
CJK_CHUNK = 2_000


def _index_cjk(conn: Connection) -> None:
    """The search words of events holding Chinese, Japanese or Korean text
    again, now with their bigrams (`rows.index_words`), and every title's
    (session/find looks in titles)."""
    from sessiond.store.cjk import CJK_CHARS
    from sessiond.store.postgres.rows import from_db, index_words
    from sessiond.store.postgres.words import tsvector_sql

    unaccent = unaccent_function(conn)
    pattern = f"[{CJK_CHARS}]"
    last, done = 0, 0
    while True:
        rows = conn.execute(
            "SELECT id, text FROM events WHERE id > %s AND text ~ %s ORDER BY id LIMIT %s",
            (last, pattern, CJK_CHUNK),
        ).fetchall()
        if not rows:
            break
        conn.execute(
            f"UPDATE events AS e SET tsv = {tsvector_sql(unaccent, 'x.words')}"
            " FROM unnest(%s::bigint[], %s::text[]) AS x(id, words) WHERE e.id = x.id",
            ([r[0] for r in rows], [index_words(from_db(str(r[1]))) for r in rows]),
        )
        last = int(rows[-1][0])  # type: ignore[call-overload]
        done += len(rows)
        logger.info("schema version 3: %d events in Chinese, Japanese or Korean indexed", done)
    titles = conn.execute("SELECT id, title FROM sessions WHERE title IS NOT NULL").fetchall()
    conn.execute(
        f"UPDATE sessions AS s SET title_tsv = {tsvector_sql(unaccent, 'x.words')}"
        " FROM unnest(%s::bigint[], %s::text[]) AS x(id, words) WHERE s.id = x.id",
        ([r[0] for r in titles], [index_words(from_db(str(r[1]))) for r in titles]),
    )


MIGRATIONS += (
    Migration(
        3,
        "where, with what and at what cost: source, project, models, tokens; activity; daily usage",
        (
            # project in "C" order: "that folder and below" is byte ranges
            # of its index (`store.rows.folder_filter`), whatever the
            # database's collation.
            "ALTER TABLE sessions ADD COLUMN source text, ADD COLUMN source_id text,"
            ' ADD COLUMN project text COLLATE "C", ADD COLUMN branch text,'
            # The newest event's time (else started_at): `ls` orders by it.
            " ADD COLUMN last_activity_at bigint,"
            # Sums of the events' meta.usage: all NULL while no event has any.
            " ADD COLUMN usage_input bigint, ADD COLUMN usage_output bigint,"
            " ADD COLUMN usage_cache_read bigint, ADD COLUMN usage_cache_write bigint,"
            # {model: events naming it}, the models written through rows.to_db
            # (jsonb cannot hold U+0000).
            " ADD COLUMN models jsonb",
            # An event's meta as the JSON text SQLite keeps too (rows.meta_json:
            # compact, keys in the order given; JSON escapes U+0000, so the
            # text round-trips exactly). NULL for most events.
            "ALTER TABLE events ADD COLUMN meta text",
            # `stats/usage` over a million events in milliseconds: per UTC day,
            # session and model ('' for none; through rows.to_db), what the
            # events of that day added. Kept in the appending transaction.
            # The words of the title (as rows.index_words gives them), for
            # session/find; kept by every write of a title.
            "ALTER TABLE sessions ADD COLUMN title_tsv tsvector",
            # Sessions removed for good: an import never brings them back.
            'CREATE TABLE purged (ulid text COLLATE "C" PRIMARY KEY, purged_at bigint NOT NULL)',
            """
            CREATE TABLE usage_daily (
                day bigint NOT NULL,
                session_id bigint NOT NULL,
                model text NOT NULL,
                prompts bigint NOT NULL DEFAULT 0,
                replies bigint NOT NULL DEFAULT 0,
                input bigint NOT NULL DEFAULT 0,
                output bigint NOT NULL DEFAULT 0,
                cache_read bigint NOT NULL DEFAULT 0,
                cache_write bigint NOT NULL DEFAULT 0,
                PRIMARY KEY (day, session_id, model)
            )
            """,
        ),
        _fill_v3,
        (
            "ALTER TABLE sessions ALTER COLUMN last_activity_at SET NOT NULL",
            "CREATE INDEX sessions_active ON sessions (last_activity_at, id)"
            " WHERE deleted_at IS NULL",
            'CREATE INDEX sessions_project ON sessions (project COLLATE "C")'
            " WHERE project IS NOT NULL",
            "CREATE INDEX usage_daily_session ON usage_daily (session_id)",
            "CREATE INDEX sessions_title_search ON sessions USING gin (title_tsv)",
        ),
    ),
)

MIGRATIONS += (
    Migration(
        4,
        "embeddings: vectors of turns for search by meaning",
        (
            # How the vectors were made (one row, written by `sessiond index`
            # the first time; none: no search by meaning). A new model or a
            # new way of keeping them replaces it and every vector. The
            # scale in double precision: it is compared with the one this
            # sessiond makes, as SQLite's REAL (a double) keeps it.
            """
            CREATE TABLE embedding_space (
                id integer PRIMARY KEY CHECK (id = 1),
                model text NOT NULL,
                dims integer NOT NULL,
                tokens integer NOT NULL,
                scale double precision NOT NULL,
                mean bytea NOT NULL,
                created_at bigint NOT NULL
            )
            """,
            # One vector per embedded turn: int8 (scoring) and sign bits (the
            # first pass, read into memory by the searching process), as
            # bytes: the numbers are made and compared above the store, as
            # on SQLite. The row's own id grows with every write and is
            # handed out in commit order (EMBED_LOCK), so a process holding
            # the bits reads only the rows after the last one it read. A
            # turn removed for good takes its vector with it.
            """
            CREATE TABLE embeddings (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                event_id bigint NOT NULL UNIQUE REFERENCES events(id) ON DELETE CASCADE,
                q8 bytea NOT NULL,
                bits bytea NOT NULL
            )
            """,
        ),
    ),
)

MIGRATIONS += (
    Migration(
        5,
        "events_place: each event's session and time, for session/find",
        # Nothing to add here: on SQLite, session/find reads the session and
        # time of thousands of matches from a narrow index instead of the
        # rows holding the texts; PostgreSQL's find reads them from the rows
        # its word index matched. The version is kept in step with SQLite's.
        (),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: Connection) -> int:
    """The version recorded in this schema; 0 when sessiond has none here."""
    row = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (VERSION_TABLE,)).fetchone()
    if row is None or not row[0]:
        return 0
    found = conn.execute(f"SELECT version FROM {VERSION_TABLE}").fetchone()
    return 0 if found is None else int(found[0])  # type: ignore[call-overload]


def too_new(version: int, where: str, migrations: tuple[Migration, ...]) -> None:
    latest = migrations[-1].version if migrations else 0
    if version > latest:
        raise SchemaTooNew(
            f"the database {where} has schema version {version}, but this sessiond "
            f"only knows versions up to {latest}; upgrade sessiond to open it "
            "(the database was left untouched)"
        )


def check_ours(conn: Connection, where: str) -> None:
    """Refuse, untouched, a schema holding tables of the same names that
    sessiond did not make (another program's)."""
    row = conn.execute(
        "SELECT array_remove(ARRAY[CASE WHEN to_regclass('sessions') IS NOT NULL"
        " THEN 'sessions' END, CASE WHEN to_regclass('events') IS NOT NULL THEN 'events' END,"
        " CASE WHEN to_regclass('milestones') IS NOT NULL THEN 'milestones' END], NULL)"
    ).fetchone()
    found = list(row[0]) if row is not None else []  # type: ignore[call-overload]
    if found:
        raise NotOurFile(
            f"the database {where} already has tables named {', '.join(found)} that sessiond "
            f"did not make (it has no {VERSION_TABLE} table); sessiond left it untouched. "
            "Point --db at another database, or give sessiond a schema of its own "
            "(options=-csearch_path=NAME in the URI)"
        )


def migrate(conn: Connection, where: str, migrations: tuple[Migration, ...] = MIGRATIONS) -> int:
    """Apply every pending migration; return the schema version reached.

    Raises SchemaTooNew (untouched) for a schema from a newer sessiond,
    NotOurFile (untouched) for another program's tables.
    """
    version = schema_version(conn)
    too_new(version, where, migrations)
    if version == 0:
        check_ours(conn, where)
    if all(version >= m.version for m in migrations):
        return version
    # A session lock, taken before the transactions: a transaction that
    # waited for an advisory lock inside itself could still read the
    # catalog as it was before the other process's migration committed.
    # Waiting for another process's migration is not "locked past the
    # timeout": lock_timeout is lifted while migrating.
    row = conn.execute("SELECT current_setting('lock_timeout')").fetchone()
    lock_timeout = str(row[0]) if row else "0"
    conn.execute("SET lock_timeout = 0")
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATE_LOCK,))
    try:
        for migration in migrations:
            with conn.transaction():
                version = schema_version(conn)
                too_new(version, where, migrations)
                if version >= migration.version:
                    continue
                _apply(conn, where, migration, version)
            version = migration.version
            logger.info("schema version %d: %s", version, migration.name)
    finally:
        if not conn.broken:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATE_LOCK,))
            conn.execute("SELECT set_config('lock_timeout', %s, false)", (lock_timeout,))
    return version


def _apply(conn: Connection, where: str, migration: Migration, version: int) -> None:
    if version == 0:
        check_ours(conn, where)
        conn.execute(
            f"CREATE TABLE {VERSION_TABLE} (only_row boolean PRIMARY KEY DEFAULT true"
            " CHECK (only_row), version integer NOT NULL)"
        )
        conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (0)")
    for statement in migration.statements:
        conn.execute(statement)
    if migration.run is not None:
        migration.run(conn)
    for statement in migration.after:
        conn.execute(statement)
    conn.execute(f"UPDATE {VERSION_TABLE} SET version = %s", (migration.version,))


def check_readable(conn: Connection, where: str, migrations: tuple[Migration, ...]) -> None:
    """For a read-only store: the schema must be this sessiond's, as it is."""
    version = schema_version(conn)
    too_new(version, where, migrations)
    latest = migrations[-1].version if migrations else 0
    if version == 0:
        check_ours(conn, where)
        raise StorageError(
            f"there is no sessiond database at {where} yet (no {VERSION_TABLE} table), and it "
            "is opened read-only here; create it once with a command that writes, e.g. "
            "`sessiond ls --db URI`"
        )
    if version < latest:
        raise StorageError(
            f"the database {where} has schema version {version}, older than this "
            f"sessiond's {latest}, and it is opened read-only here; upgrade it once by "
            "running a command that writes, e.g. `sessiond ls --db URI` as a role that can "
            "write it"
        )
