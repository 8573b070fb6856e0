"""The PostgreSQL store: the contract of `store.base.Store` on a PostgreSQL
server, so that sessiond processes on several machines share one history.

- `seq` is allocated under the session row's lock (`UPDATE ... RETURNING`
  inside the appending statement), so processes anywhere get 1, 2, 3, ...
  with no gap or duplicate; a batch of appends (group commit) is one
  statement and one transaction; times come from the server's clock;
- an append is answered only after its transaction committed; when the
  connection breaks, the request gets a StorageError saying so (and whether
  the outcome is unknown), and the next request reconnects;
- every write notes what it changed in the change log, in the same
  transaction, which wakes every feed through NOTIFY (`feed.py`);
- every failure is raised as a `sessiond.errors` exception with the password
  scrubbed out; psycopg's own exceptions never leave this package.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import psycopg

from sessiond import DEFAULT_MAX_TEXT_BYTES
from sessiond.errors import SessionNotFound, StorageError
from sessiond.models import Appended, Event, Found, Hit, Session, UsageRow, rfc3339
from sessiond.store.base import (
    ANY_STATE,
    AppendItem,
    Derived,
    Feed,
    ImportedEvent,
    ImportedSession,
    Reader,
    Scan,
    Space,
)
from sessiond.store.checks import (
    SQL_INT_MAX,
    bare_url,
    check_kind,
    check_text,
    clean_events,
    clean_items,
    clean_session,
    redactor,
    screen,
    storable,
)
from sessiond.store.postgres import writes
from sessiond.store.postgres.connect import Target, describe
from sessiond.store.postgres.link import Link
from sessiond.store.postgres.migrations import (
    MIGRATIONS,
    NOW_MS,
    Migration,
    check_readable,
    migrate,
    schema_version,
)
from sessiond.store.postgres.rows import (
    PROJECT,
    SESSION_COLUMNS,
    event_row,
    from_db,
    maybe_from_db,
    maybe_to_db,
    session_row,
    to_db,
)
from sessiond.store.postgres.uri import redact, secrets_of
from sessiond.store.rows import list_filter, list_order

if TYPE_CHECKING:
    Connection = psycopg.Connection[tuple[Any, ...]]

logger = logging.getLogger(__name__)

#: Rows imported (by this store) before the statistics are refreshed
#: (`PostgresStore._grown`); a module value, so that a test can lower it.
ANALYZE_AFTER = 50_000

_END = f"UPDATE sessions SET ended_at = {NOW_MS} WHERE id = %(id)s AND ended_at IS NULL"


class PostgresStore(Derived):
    """An open sessiond store on a PostgreSQL server. Not thread-safe."""

    def __init__(
        self,
        uri: str,
        *,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        read_only: bool = False,
        lock_timeout_s: float = 5.0,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        keep_secrets: bool | None = None,
    ) -> None:
        """Connect and migrate (unless `read_only`, which creates, migrates
        and writes nothing, and refuses an older schema saying what to do).

        Raises SchemaTooNew, untouched, for a schema from a newer sessiond;
        NotOurFile, untouched, for another program's tables; StorageError
        when the server cannot be reached or the schema cannot be made.
        """
        self.where = redact(uri)
        self.max_text_bytes = max_text_bytes
        self.read_only = read_only
        self.redact = redactor(keep_secrets)
        target = Target(uri, self.where, secrets_of(uri), lock_timeout_s)
        self._target = target
        self._link = Link(target, read_only)
        self._unanalyzed = 0  # rows imported since the statistics were refreshed
        conn = self._link.connection()
        try:
            if read_only:
                check_readable(conn, self.where, migrations)
            else:
                migrate(conn, self.where, migrations)
        except psycopg.Error as exc:
            self.close()
            raise StorageError(
                f"the database {self.where} cannot be set up: {describe(target, exc)}"
            ) from None
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._link.close()

    @property
    def schema_version(self) -> int:
        return self._link.read(schema_version)

    # Sessions

    def start_session(
        self,
        cli_version: str,
        ulid: str | None = None,
        engine_base_url: str | None = None,
        parent_ulid: str | None = None,
        *,
        source: str | None = None,
        source_id: str | None = None,
        project: str | None = None,
        branch: str | None = None,
    ) -> Session:
        if ulid is None:
            from ulid import ULID

            ulid = str(ULID())
        new = ulid

        def work(tx: writes.Tx) -> Session:
            session_id = writes.start_session(
                tx,
                new,
                cli_version,
                bare_url(engine_base_url),
                parent_ulid,
                where=(source, source_id, project, branch),
            )
            return _session_by_id(tx.conn, session_id)

        return self._link.write(work)

    def end_session(self, session_id: int) -> Session:
        """Set `ended_at` once; ending an ended session changes nothing."""
        return self._change(session_id, _END)

    def rename_session(self, session_id: int, title: str | None) -> Session:
        if title is not None:
            title = self.redact(title)[:256]
        return self._session_write(session_id, lambda tx: writes.rename(tx, session_id, title))

    def delete_session(self, session_id: int) -> Session:
        """Move to the trash (ending it when live), with its sub-agent
        sessions; idempotent."""
        return self._session_write(session_id, lambda tx: writes.trash(tx, session_id, False))

    def restore_session(self, session_id: int) -> Session:
        """Bring back from the trash (it stays ended), with the sub-agent
        sessions that went with it; idempotent."""
        return self._session_write(session_id, lambda tx: writes.trash(tx, session_id, True))

    def _session_write(self, session_id: int, change: Callable[[writes.Tx], None]) -> Session:
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")

        def work(tx: writes.Tx) -> Session:
            change(tx)
            return _session_by_id(tx.conn, session_id)

        return self._link.write(work)

    def _change(self, session_id: int, change: str, **params: Any) -> Session:
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")

        def work(tx: writes.Tx) -> Session:
            writes.change_session(tx, session_id, change, **params)
            return _session_by_id(tx.conn, session_id)

        return self._link.write(work)

    def purge(self, session_ids: Sequence[int]) -> int:
        ids = [i for i in session_ids if storable(i)]
        return self._link.write(lambda tx: writes.purge(tx, ids)) if ids else 0

    def get_session(self, ulid: str) -> Session | None:
        def work(conn: Connection) -> Session | None:
            row = conn.execute(
                f"SELECT {SESSION_COLUMNS} WHERE s.ulid = %s", (to_db(ulid),)
            ).fetchone()
            return None if row is None else session_row(row)

        return self._link.read(work)

    def session_by_id(self, session_id: int) -> Session:
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        return self._link.read(lambda conn: _session_by_id(conn, session_id))

    def list_sessions(
        self,
        limit: int,
        deleted: bool = False,
        *,
        project: str | None = None,
        source: str | None = None,
        order_by: str = "started",
    ) -> list[Session]:
        """Newest `started_at` (or `last_activity_at`) first, ties by id; the
        trash newest `deleted_at` first."""
        if limit == 0:
            return []
        where, params = _list_filter(deleted, project, source)
        sql = (
            f"SELECT {SESSION_COLUMNS} WHERE {where}"
            f" ORDER BY {list_order(deleted, order_by)} LIMIT %s"
        )
        return self._link.read(
            lambda conn: [session_row(r) for r in conn.execute(sql, (*params, limit)).fetchall()]
        )

    def count_sessions(
        self, deleted: bool = False, *, project: str | None = None, source: str | None = None
    ) -> int:
        where, params = _list_filter(deleted, project, source)
        sql = f"SELECT count(*) FROM sessions AS s WHERE {where}"
        return self._link.read(lambda conn: int(conn.execute(sql, params).fetchone()[0]))  # type: ignore[index]

    def find_sessions(self, prefix: str, limit: int = 2) -> list[Session]:
        exact = self.get_session(prefix)
        if exact is not None:
            return [exact]
        low = to_db(prefix)
        # A range scan of the ulid index ("C" order), not LIKE: '_' is a wildcard there.
        sql = (
            f'SELECT {SESSION_COLUMNS} WHERE s.ulid >= %s COLLATE "C"'
            ' AND s.ulid < %s COLLATE "C" ORDER BY s.ulid LIMIT %s'
        )
        return self._link.read(
            lambda conn: [
                session_row(r)
                for r in conn.execute(sql, (low, low + "\U0010ffff", limit)).fetchall()
            ]
        )

    # Events

    def append_many(self, items: Sequence[AppendItem]) -> list[Appended | Exception]:
        """Append several events in ONE transaction (group commit).

        Each item gets its own outcome: an item refused for its own reason
        (unknown or ended session, bad text) does not stop the others. A
        storage failure fails every item, and nothing of the batch is kept.
        """
        items = clean_items(items, self.redact)
        outcomes, pending = screen(items, self.max_text_bytes)
        if not pending:
            return outcomes
        batch = [items[i] for i in pending]
        try:
            stored = self._link.append(batch)
            refused = sorted({item[0] for item in batch if item[0] not in stored})
            reasons = self._link.read(lambda conn: writes.refusal(conn, refused)) if refused else {}
        except StorageError as exc:
            for index in pending:
                outcomes[index] = exc
            return outcomes
        for index in pending:
            session_id = items[index][0]
            if session_id in reasons:
                outcomes[index] = reasons[session_id]
            else:
                seq, created = stored[session_id].pop()
                outcomes[index] = Appended(seq=seq, created_at=rfc3339(created))
        return outcomes

    def events(self, session_id: int, limit: int, before_seq: int | None = None) -> list[Event]:
        if limit == 0:
            return []
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        below = SQL_INT_MAX if before_seq is None or not storable(before_seq) else before_seq
        rows = self._link.read(
            lambda conn: _events(conn, session_id, "e.seq < %s ORDER BY e.seq DESC", (below, limit))
        )
        return [event_row(session_id, row) for row in rows]

    def events_after(self, session_id: int, after_seq: int, limit: int) -> list[Event]:
        if limit == 0:
            return []
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        after = max(0, min(after_seq, SQL_INT_MAX))
        rows = self._link.read(
            lambda conn: _events(conn, session_id, "e.seq > %s ORDER BY e.seq", (after, limit))
        )
        return [event_row(session_id, row) for row in rows]

    # Milestones

    def set_milestone(self, key: str, value: str) -> None:
        check_text(value, self.max_text_bytes, "value")
        value = self.redact(value)

        def work(tx: writes.Tx) -> None:
            tx.conn.execute(
                "INSERT INTO milestones (key, value, updated_at)"
                f" VALUES (%s, %s, {NOW_MS}) ON CONFLICT (key) DO UPDATE"
                " SET value = excluded.value, updated_at = excluded.updated_at",
                (to_db(key), to_db(value)),
            )

        self._link.write(work)

    def get_milestone(self, key: str) -> str | None:
        def work(conn: Connection) -> str | None:
            row = conn.execute(
                "SELECT value FROM milestones WHERE key = %s", (to_db(key),)
            ).fetchone()
            return None if row is None else from_db(row[0])

        return self._link.read(work)

    # Search and the change feed

    def search(
        self,
        query: str,
        limit: int,
        *,
        session_id: int | None = None,
        kinds: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[Hit]:
        from sessiond.store.postgres.search import search

        return self._link.read(
            lambda conn: search(
                conn,
                self._link.unaccent(conn),
                query,
                limit,
                session_id,
                kinds,
                since,
                until,
                project,
                source,
            )
        )

    def find(
        self,
        query: str,
        limit: int,
        *,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[list[Found], bool]:
        from sessiond.store.postgres.find import find_sessions

        return self._link.read(
            lambda conn: find_sessions(
                conn, self._link.unaccent(conn), query, limit, project, source, since, until
            )
        )

    # Search by meaning: the vectors' bytes (store.postgres.embeddings)

    def embedding_space(self) -> Space | None:
        from sessiond.store.postgres import embeddings

        return self._link.read(embeddings.space)

    def make_embedding_space(self, space: Space) -> Space:
        from sessiond.store.postgres import embeddings

        return self._link.write(lambda tx: embeddings.make_space(tx.conn, space))

    def unembedded(
        self, above: int, limit: int, *, below: int | None = None, newest_first: bool = False
    ) -> list[tuple[int, str]]:
        from sessiond.store.postgres import embeddings

        return self._link.read(
            lambda conn: embeddings.unembedded(conn, above, limit, below, newest_first)
        )

    def put_embeddings(self, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
        from sessiond.store.postgres import embeddings

        return self._link.write(lambda tx: embeddings.put(tx.conn, rows, created_at))

    def embedding_counts(self) -> tuple[int, int, int]:
        from sessiond.store.postgres import embeddings

        return self._link.read(embeddings.counts)

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        from sessiond.store.postgres import embeddings

        return self._link.read(lambda conn: embeddings.bits(conn, after, limit))

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        from sessiond.store.postgres import embeddings

        return self._link.read(lambda conn: embeddings.nearest(conn, q8, k))

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        from sessiond.store.postgres import embeddings

        return self._link.read(lambda conn: embeddings.q8(conn, event_ids))

    def find_near(
        self,
        near: Sequence[tuple[int, float]],
        limit: int,
        *,
        query: str,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[Found]:
        from sessiond.store.postgres import embeddings

        return self._link.read(
            lambda conn: embeddings.find_near(
                conn,
                self._link.unaccent(conn),
                near,
                limit,
                query,
                project,
                source,
                since,
                until,
            )
        )

    def reader(self) -> Reader | None:
        """Reads (search, find, stats) on a connection of their own, for
        another thread, each in one snapshot and stopped past `deadline_s`."""
        from sessiond.store.postgres.reader import PostgresReader

        return PostgresReader(self._target)

    def quick_reader(self) -> Reader | None:
        return None  # every read is a round trip to the server: beside the dispatch

    def usage(
        self,
        group_by: str,
        *,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[UsageRow]:
        from sessiond.store.postgres.stats import usage

        return self._link.read(lambda conn: usage(conn, group_by, since, until, project, source))

    def feed(self) -> Feed:
        from sessiond.store.postgres.feed import PostgresFeed

        return PostgresFeed(self._target)

    # Import

    def import_session(self, session: ImportedSession) -> tuple[Session, bool]:
        session = clean_session(session, self.redact)
        existing = self.get_session(session.ulid)
        if existing is not None and not _news(existing, session):
            return existing, False

        def work(tx: writes.Tx) -> tuple[Session, bool]:
            session_id, created = writes.import_session(tx, session)
            return _session_by_id(tx.conn, session_id), created

        return self._link.write(work)

    def import_events(
        self,
        session_id: int,
        events: Sequence[ImportedEvent],
        *,
        ended_at: int | None = None,
        checkpoint: tuple[str, str, str] | None = None,
        expect: str | None = ANY_STATE,
    ) -> int:
        events = clean_events(events, self.redact)
        for event in events:
            check_kind(event.kind)
            check_text(event.text, self.max_text_bytes)
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")

        def work(tx: writes.Tx) -> int:
            if checkpoint is not None:
                writes.check_state(tx, checkpoint[0], checkpoint[1], expect)
            count = writes.import_events(tx, session_id, events, ended_at)
            if checkpoint is not None:
                writes.set_import_state(tx, *checkpoint)
            return count

        count = self._link.write(work)
        self._grown(len(events))
        return count

    def _grown(self, added: int) -> None:
        """Count rows an import added; past `ANALYZE_AFTER` (and a tenth of
        what the planner thinks the events are), refresh the statistics of
        the tables that grew, between two import transactions. Without
        them, a search right after a big import is planned for the small
        table the events were (12.4 s instead of 0.12 s at 1M events):
        autovacuum analyzes only once a minute, and only after the fact."""
        self._unanalyzed += added
        if self._unanalyzed < ANALYZE_AFTER:
            return
        try:
            conn = self._link.connection()
            row = conn.execute(
                "SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'events'::regclass"
            ).fetchone()
            if row is not None and self._unanalyzed * 10 < int(row[0]):
                return  # a tenth more rows changes no plan
            started = time.monotonic()
            conn.execute("ANALYZE events, sessions, usage_daily")
            logger.info(
                "statistics of the events refreshed after %d imported rows (%.2f s)",
                self._unanalyzed,
                time.monotonic() - started,
            )
            self._unanalyzed = 0
        except (psycopg.Error, StorageError) as exc:
            # The role may not own the tables (a warning, no error, then),
            # or the connection broke: autovacuum still does it in time.
            logger.debug("could not analyze after an import: %s", exc)
            self._unanalyzed = 0

    def get_import_state(self, source: str, key: str) -> str | None:
        def work(conn: Connection) -> str | None:
            row = conn.execute(
                "SELECT state FROM import_state WHERE source = %s AND key = %s",
                (to_db(source), to_db(key)),
            ).fetchone()
            return maybe_from_db(None if row is None else row[0])

        return self._link.read(work)

    def import_states(self, source: str, prefix: str) -> dict[str, str] | None:
        def work(conn: Connection) -> dict[str, str]:
            # starts_with, not a range of keys: a range follows the
            # database's collation, which need not order by code point.
            rows = conn.execute(
                "SELECT key, state FROM import_state WHERE source = %s AND starts_with(key, %s)",
                (to_db(source), to_db(prefix)),
            ).fetchall()
            return {from_db(key): from_db(state) for key, state in rows}

        return self._link.read(work)

    def set_import_state(
        self, source: str, key: str, state: str, expect: str | None = ANY_STATE
    ) -> None:
        def work(tx: writes.Tx) -> None:
            writes.check_state(tx, source, key, expect)
            writes.set_import_state(tx, source, key, state)

        self._link.write(work)

    # Redacting what was stored before (`sessiond redact`)

    def redact_events(
        self, after_id: int, limit: int, scan: Scan
    ) -> tuple[int | None, int, dict[str, int]]:
        return self._link.write(lambda tx: writes.redact_events(tx, after_id, limit, scan))

    def newest_event_id(self) -> int:
        return self._link.read(
            lambda conn: int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])  # type: ignore[index]
        )

    def redact_progress(self) -> int:
        return int(self.get_import_state(*writes.REDACT_KEY) or 0)

    def redact_rest(self, scan: Scan) -> dict[str, int]:
        return self._link.write(lambda tx: writes.redact_rest(tx, scan))


def _session_by_id(conn: Connection, session_id: int) -> Session:
    row = conn.execute(f"SELECT {SESSION_COLUMNS} WHERE s.id = %s", (session_id,)).fetchone()
    if row is None:
        raise SessionNotFound(f"no session has the id {session_id}")
    return session_row(row)


def _list_filter(
    deleted: bool, project: str | None, source: str | None
) -> tuple[str, list[object]]:
    """`store.rows.list_filter` for PostgreSQL: values through to_db, the
    project compared bytewise (its index's "C" order)."""
    return list_filter(
        deleted, maybe_to_db(project), maybe_to_db(source), "%s", project_column=PROJECT
    )


def _events(
    conn: Connection, session_id: int, order: str, params: tuple[int, int]
) -> list[tuple[Any, ...]]:
    """Events of a session (`order`: a condition on e.seq and an ORDER BY,
    its value and the limit), oldest first; SessionNotFound when there is
    no such session. One round trip."""
    rows = conn.execute(
        "SELECT s.id, e.seq, e.kind, e.text, e.created_at, e.meta FROM sessions AS s"
        " LEFT JOIN LATERAL (SELECT e.seq, e.kind, e.text, e.created_at, e.meta FROM events AS e"
        f" WHERE e.session_id = s.id AND {order} LIMIT %s) AS e ON true WHERE s.id = %s",
        (params[0], params[1], session_id),
    ).fetchall()
    if not rows:
        raise SessionNotFound(f"no session has the id {session_id}")
    return sorted(row[1:] for row in rows if row[1] is not None)


def _news(stored: Session, read: ImportedSession) -> bool:
    """Whether an imported session brings what its stored one lacks."""
    return (read.title is not None and stored.title is None) or any(
        new is not None and old is None
        for new, old in (
            (read.source, stored.source),
            (read.source_id, stored.source_id),
            (read.project, stored.project),
            (read.branch, stored.branch),
        )
    )


__all__ = ["PostgresStore"]
