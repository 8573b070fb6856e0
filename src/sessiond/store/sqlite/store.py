"""The SQLite store: sessions, their append-only events, milestones, search.

Contract (see `store.base.Store` and protocol.md, "The store"):

- one file, WAL journal, `synchronous=FULL`, a busy timeout (5 s by default);
  a missing parent folder is created 0700 and a new file 0600; the file is
  marked as sessiond's (`application_id`) and another program's SQLite file is
  refused untouched;
- `seq` is allocated inside the appending write transaction (`BEGIN
  IMMEDIATE` plus `UNIQUE(session_id, seq)`), so several processes can append
  to one session and still get 1, 2, 3, ... with no gap or duplicate;
- an append returns only after its transaction has committed, and only while
  the file at `path` is still the file that was opened (`identity.py`): a
  file deleted or replaced under a running daemon makes every later write a
  StorageError instead of an answer that exists nowhere;
- the search index and the change feed are written in the same transaction
  as the rows they describe;
- every failure is raised as a `sessiond.errors` exception; sqlite3's own
  exceptions never leave this package.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs

from sessiond import DEFAULT_MAX_TEXT_BYTES
from sessiond.errors import (
    SessiondError,
    SessionNotFound,
    StorageError,
)
from sessiond.models import Appended, Event, Found, Hit, Session, UsageRow, now_ms
from sessiond.store.base import (
    ANY_STATE,
    AppendItem,
    Derived,
    Feed,
    ImportDone,
    ImportedEvent,
    ImportedSession,
    ImportPart,
    Reader,
    Scan,
    Space,
)
from sessiond.store.checks import (
    bare_url,
    check_kind,
    check_text,
    clean_events,
    clean_items,
    clean_session,
    redactor,
    screen,
)
from sessiond.store.rows import event_row, list_filter, list_order
from sessiond.store.sqlite import writes
from sessiond.store.sqlite.files import (
    at_rest,
    cannot_write_beside,
    check_ours,
    check_regular,
    create_private,
    describe_sqlite_error,
    inspect_file,
    read_only_uri,
    reader_uri,
    wal_needs_a_writer,
)
from sessiond.store.sqlite.identity import FileWatch
from sessiond.store.sqlite.migrations import (
    LATEST_VERSION,
    MIGRATIONS,
    Migration,
    check_not_newer,
    migrate,
    schema_version,
    too_new,
)
from sessiond.store.sqlite.rows import SESSION_COLUMNS, SQL_INT_MAX, session_row, storable
from sessiond.store.usage import Sums

logger = logging.getLogger(__name__)

MEMORY = ":memory:"


class SqliteStore(Derived):
    """An open sessiond database file. Not thread-safe: use it from one thread."""

    import_many_atomic = True  # one transaction for all its parts

    def __init__(
        self,
        path: str,
        *,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        busy_timeout_s: float = 5.0,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        read_only: bool = False,
        keep_secrets: bool | None = None,
    ) -> None:
        """Open (creating when missing) and migrate the database at `path`.

        Every text is redacted before it is stored (`store.redact`), unless
        `keep_secrets` (default: SESSIOND_KEEP_SECRETS=1).

        With `read_only`, nothing is created, migrated or written: a file
        whose schema is older than this sessiond's is refused (StorageError
        saying how to upgrade it). Raises SchemaTooNew, untouched, for a file
        from a newer sessiond; NotOurFile, untouched, for anything that is not
        a sessiond database; StorageError when it cannot be opened or migrated.
        """
        self.path = self.where = path
        self.max_text_bytes = max_text_bytes
        self.redact = redactor(keep_secrets)
        self.busy_timeout_s = busy_timeout_s
        self.read_only = read_only
        self._conn: sqlite3.Connection | None = None
        # Set when the file must not be written: every write is refused with it.
        self._refusal: StorageError | None = None
        self._watch: FileWatch | None = None  # set once a file is open for writing
        self._committing: _Committing | None = None  # an import's commit under way
        if read_only:
            self._open_read_only(migrations)
            return
        try:
            if path != MEMORY:
                check_regular(path)
                create_private(path)
                found = inspect_file(path, busy_timeout_s)
                if found is not None:
                    too_new(found.version, path, migrations)
                    check_ours(found, path)
                    if found.problem is not None:
                        self._open_corrupt(found.problem)
                        return
            conn = sqlite3.connect(
                path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
            )
        except OSError as exc:
            raise StorageError(f"the database {path} cannot be created: {exc.strerror}") from None
        except sqlite3.Error as exc:
            raise StorageError(describe_sqlite_error(exc, path)) from None
        try:
            # The version check comes before any pragma that writes, so a newer
            # file is refused exactly as it was found.
            check_not_newer(conn, path, migrations)
            if path != MEMORY:
                conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            # Migrations rebuild tables: foreign keys are checked from here on.
            migrate(conn, migrations)
            conn.execute("PRAGMA foreign_keys=ON")
        except SessiondError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(describe_sqlite_error(exc, path)) from None
        self._conn = conn
        if path != MEMORY:
            self._watch = FileWatch(path)
            # The open's own reads made the -wal: from now on it must stay.
            self._check_file()

    def _open_read_only(self, migrations: tuple[Migration, ...]) -> None:
        path = self.path
        if path == MEMORY:
            raise StorageError("an in-memory database cannot be opened read-only")
        if not os.path.exists(path):
            raise StorageError(f"there is no database at {path}")
        check_regular(path)
        found = inspect_file(path, self.busy_timeout_s)
        if found is None:
            if cannot_write_beside(path) and not at_rest(path):
                raise StorageError(wal_needs_a_writer(path))
            raise StorageError(f"the database {path} cannot be opened for reading")
        too_new(found.version, path, migrations)
        check_ours(found, path)
        latest = migrations[-1].version if migrations else 0
        if found.version < latest:
            raise StorageError(
                f"the database {path} has schema version {found.version}, older than this "
                f"sessiond's {latest}, and it is opened read-only here; upgrade it once by "
                "running a command that writes, e.g. `sessiond ls --db PATH` as a user who "
                "can write the file"
            )
        self._connect_read_only()

    def _connect_read_only(self) -> None:
        try:
            self._conn = sqlite3.connect(
                reader_uri(self.path),
                uri=True,
                timeout=self.busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            schema_version(self._conn)
        except sqlite3.Error as exc:
            raise StorageError(describe_sqlite_error(exc, self.path)) from None

    def _open_corrupt(self, problem: str) -> None:
        """Serve what can still be read, read-only; refuse every write.

        Writing into a damaged file can spread the damage (a broken free list
        hands out pages still in use), and the person may want the file as it
        is for recovery: it is opened read-only and never written.
        """
        self._refusal = StorageError(
            f"the database {self.path} is corrupt ({problem}); sessiond will not write to "
            "it and left it as it is. Reads still work where they can; restore a backup "
            "or move the file away to start a new one"
        )
        logger.error("%s", self._refusal.message)
        self._connect_read_only()

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the database {self.path} is closed")
        return self._conn

    @property
    def schema_version(self) -> int:
        with self._errors() as conn:
            return schema_version(conn)

    def close(self) -> None:
        self._settle()
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # Transactions and errors

    @contextlib.contextmanager
    def _errors(self) -> Iterator[sqlite3.Connection]:
        if self._committing is not None:
            self._settle()  # the connection is the commit's until it is done
        conn = self.conn
        try:
            yield conn
        except sqlite3.Error as exc:
            raise self._storage_error(exc) from None

    def _storage_error(self, exc: sqlite3.Error) -> StorageError:
        code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
        if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) and self._refusal is None:
            # Damage met at run time: from now on the file is only read.
            self._refuse(
                f"the database {self.path} is corrupt ({exc}); sessiond will not write "
                "to it any more. Reads still work where they can; restore a backup or "
                "move the file away to start a new one"
            )
        return StorageError(describe_sqlite_error(exc, self.path))

    def _refuse(self, message: str) -> None:
        self._refusal = StorageError(message)
        logger.error("%s", message)

    def _check_file(self) -> None:
        """Refuse to write (or to answer a write) once the file at `path` is no
        longer the file this store opened (see `identity.FileWatch`)."""
        if self._watch is None or self._refusal is not None:
            return
        why = self._watch.check(self.conn)
        if why is not None:
            self._refuse(why)

    @contextlib.contextmanager
    def _write(self, commit: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back whole on any error. `commit`
        False: left open on success, for the caller to finish (`_Committing`)."""
        if self.read_only:
            raise StorageError(f"the database {self.path} is open read-only here")
        if self._committing is not None:
            self._settle()
        self._check_file()
        if self._refusal is not None:
            raise StorageError(self._refusal.message)
        with self._errors() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if commit:
                    conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        if commit:
            self._check_file()
            if self._refusal is not None:
                raise StorageError(self._refusal.message)

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
            # Imported here: python-ulid reads its package metadata on import,
            # which cost every daemon start 20 ms.
            from ulid import ULID

            ulid = str(ULID())
        with self._write() as conn:
            session_id = writes.insert_session(
                conn,
                ulid,
                cli_version,
                now_ms(),
                bare_url(engine_base_url),
                parent_ulid,
                where=(source, source_id, project, branch),
            )
            return self._session_by_id(conn, session_id)

    def end_session(self, session_id: int) -> Session:
        """Set `ended_at` once; ending an ended session changes nothing."""
        return self._change(
            session_id, "UPDATE sessions SET ended_at = :now WHERE id = :id AND ended_at IS NULL"
        )

    def rename_session(self, session_id: int, title: str | None) -> Session:
        if title is not None:
            title = self.redact(title)[:256]
        with self._write() as conn:
            writes.set_title(conn, session_id, title)
            return self._session_by_id(conn, session_id)

    def delete_session(self, session_id: int) -> Session:
        """Move to the trash (ending it when live), with its sub-agent
        sessions; idempotent."""
        with self._write() as conn:
            writes.trash(conn, session_id, restore=False)
            return self._session_by_id(conn, session_id)

    def restore_session(self, session_id: int) -> Session:
        """Bring back from the trash (it stays ended), with the sub-agent
        sessions that went with it; idempotent."""
        with self._write() as conn:
            writes.trash(conn, session_id, restore=True)
            return self._session_by_id(conn, session_id)

    def _change(self, session_id: int, sql: str, **params: object) -> Session:
        with self._write() as conn:
            writes.change_session(conn, session_id, sql, **params)
            return self._session_by_id(conn, session_id)

    def purge(self, session_ids: Sequence[int]) -> int:
        with self._write() as conn:
            return writes.purge(conn, session_ids)

    def get_session(self, ulid: str) -> Session | None:
        with self._errors() as conn:
            row = conn.execute(f"SELECT {SESSION_COLUMNS} WHERE s.ulid = ?", (ulid,)).fetchone()
        return None if row is None else session_row(row)

    def session_by_id(self, session_id: int) -> Session:
        with self._errors() as conn:
            return self._session_by_id(conn, session_id)

    def _session_by_id(self, conn: sqlite3.Connection, session_id: int) -> Session:
        if not storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        row = conn.execute(f"SELECT {SESSION_COLUMNS} WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no session has the id {session_id}")
        return session_row(row)

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
        where, params = list_filter(deleted, project, source)
        with self._errors() as conn:
            rows = conn.execute(
                f"SELECT {SESSION_COLUMNS} WHERE {where} ORDER BY {list_order(deleted, order_by)}"
                " LIMIT ?",
                (*params, limit),
            )
            return [session_row(row) for row in rows.fetchall()]

    def count_sessions(
        self, deleted: bool = False, *, project: str | None = None, source: str | None = None
    ) -> int:
        where, params = list_filter(deleted, project, source)
        with self._errors() as conn:
            return int(
                conn.execute(
                    f"SELECT count(*) FROM sessions AS s WHERE {where}", params
                ).fetchone()[0]
            )

    def find_sessions(self, prefix: str, limit: int = 2) -> list[Session]:
        exact = self.get_session(prefix)
        if exact is not None:
            return [exact]
        with self._errors() as conn:
            # A range scan on the unique index, not LIKE: '_' is a LIKE wildcard.
            rows = conn.execute(
                f"SELECT {SESSION_COLUMNS} WHERE s.ulid >= ? AND s.ulid < ? "
                "ORDER BY s.ulid LIMIT ?",
                (prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
        return [session_row(row) for row in rows]

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
        try:
            with self._write() as conn:
                sums = Sums()
                opened: dict[int, list[Any]] = {}
                for index in pending:
                    item = items[index]
                    meta = item[3] if len(item) > 3 else None
                    outcomes[index] = writes.append_one(
                        conn, item[0], item[1], item[2], meta, sums, opened
                    )
                writes.write_counts(conn, opened)
                writes.write_sums(conn, sums)
        except StorageError as exc:
            for index in pending:
                outcomes[index] = exc
        return outcomes

    def events(self, session_id: int, limit: int, before_seq: int | None = None) -> list[Event]:
        if limit == 0:
            return []
        below = SQL_INT_MAX if before_seq is None or not storable(before_seq) else before_seq
        with self._errors() as conn:
            self._session_by_id(conn, session_id)
            rows = conn.execute(
                "SELECT seq, kind, text, created_at, meta FROM events"
                " WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (session_id, below, limit),
            ).fetchall()
        rows.reverse()
        return [event_row(session_id, row) for row in rows]

    def events_after(self, session_id: int, after_seq: int, limit: int) -> list[Event]:
        if limit == 0:
            return []
        with self._errors() as conn:
            self._session_by_id(conn, session_id)
            rows = conn.execute(
                "SELECT seq, kind, text, created_at, meta FROM events"
                " WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                (session_id, max(0, min(after_seq, SQL_INT_MAX)), limit),
            ).fetchall()
        return [event_row(session_id, row) for row in rows]

    # Milestones

    def set_milestone(self, key: str, value: str) -> None:
        check_text(value, self.max_text_bytes, "value")
        value = self.redact(value)
        with self._write() as conn:
            conn.execute(
                "INSERT INTO milestones (key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, value, now_ms()),
            )

    def get_milestone(self, key: str) -> str | None:
        with self._errors() as conn:
            row = conn.execute("SELECT value FROM milestones WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

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
        from sessiond.store.sqlite.search import search

        with self._errors() as conn:
            return search(conn, query, limit, session_id, kinds, since, until, project, source)

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
        from sessiond.store.sqlite.find import find_sessions

        with self._errors() as conn:
            return find_sessions(conn, query, limit, project, source, since, until)

    # Search by meaning: the vectors' bytes (store.sqlite.embeddings)

    def embedding_space(self) -> Space | None:
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.space(conn)

    def make_embedding_space(self, space: Space) -> Space:
        from sessiond.store.sqlite import embeddings

        with self._write() as conn:
            return embeddings.make_space(conn, space)

    def unembedded(
        self, above: int, limit: int, *, below: int | None = None, newest_first: bool = False
    ) -> list[tuple[int, str]]:
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.unembedded(conn, above, limit, below, newest_first)

    def put_embeddings(self, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
        from sessiond.store.sqlite import embeddings

        with self._write() as conn:
            return embeddings.put(conn, rows, created_at)

    def embedding_counts(self) -> tuple[int, int, int]:
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.counts(conn)

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.bits(conn, after, limit)

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        return None  # the bits in memory, then the int8 vectors (sessiond.semantic)

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.q8(conn, event_ids)

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
        from sessiond.store.sqlite import embeddings

        with self._errors() as conn:
            return embeddings.find_near(conn, near, limit, query, project, source, since, until)

    def reader(self) -> Reader | None:
        """Reads (search, find, stats) on a connection of their own, for
        another thread, each stopped past `deadline_s`; None for an
        in-memory store, which has no file to open twice."""
        if self.path == MEMORY:
            return None
        from sessiond.store.sqlite.reader import SqliteReader

        return SqliteReader(self.path, self.busy_timeout_s)

    def quick_reader(self) -> Reader | None:
        if self.path == MEMORY:
            return None
        from sessiond.store.sqlite.reader import QUICK_S, SqliteReader

        return SqliteReader(self.path, self.busy_timeout_s, QUICK_S, quick=True)

    def usage(
        self,
        group_by: str,
        *,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[UsageRow]:
        from sessiond.store.sqlite.stats import usage

        with self._errors() as conn:
            return usage(conn, group_by, since, until, project, source)

    def feed(self) -> Feed:
        from sessiond.store.sqlite.feed import SqliteFeed

        if self.path == MEMORY:
            return SqliteFeed(self.conn, own=False)
        try:
            conn = sqlite3.connect(
                read_only_uri(self.path),
                uri=True,
                timeout=self.busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StorageError(describe_sqlite_error(exc, self.path)) from None
        return SqliteFeed(conn, own=True)

    # Import

    def import_session(self, session: ImportedSession) -> tuple[Session, bool]:
        session = clean_session(session, self.redact)
        existing = self.get_session(session.ulid)
        if existing is not None and not _news(existing, session):
            return existing, False
        with self._write() as conn:
            created = writes.import_session(conn, session)
            found = conn.execute("SELECT id FROM sessions WHERE ulid = ?", (session.ulid,))
            return self._session_by_id(conn, found.fetchone()[0]), created

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
        with self._write() as conn:
            if checkpoint is not None:
                writes.check_state(conn, checkpoint[0], checkpoint[1], expect)
            count = writes.import_events(conn, session_id, events, ended_at)
            if checkpoint is not None:
                writes.set_import_state(conn, *checkpoint)
            return count

    # Redacting what was stored before

    def redact_events(
        self, after_id: int, limit: int, scan: Scan
    ) -> tuple[int | None, int, dict[str, int]]:
        with self._write() as conn:
            return writes.redact_events(conn, after_id, limit, scan)

    def newest_event_id(self) -> int:
        with self._errors() as conn:
            return int(conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0])

    def redact_progress(self) -> int:
        return int(self.get_import_state(*writes.REDACT_KEY) or 0)

    def redact_rest(self, scan: Scan) -> dict[str, int]:
        with self._write() as conn:
            return writes.redact_rest(conn, scan)

    def import_many(self, parts: Sequence[ImportPart]) -> list[ImportDone]:
        return self.import_many_later(parts)()

    def import_many_later(self, parts: Sequence[ImportPart]) -> Callable[[], list[ImportDone]]:
        # Every statement but the last two on this thread; the word index of
        # the events added (one FTS5 statement, a third of an import's time)
        # and the commit on a thread of their own, while the importer reads
        # on: SQLite runs them without the GIL, one step each (a statement a
        # row there would wait for the GIL at every row).
        cleaned = []
        for part in parts:
            events = clean_events(part.events, self.redact)
            for event in events:
                check_kind(event.kind)
                check_text(event.text, self.max_text_bytes)
            session = None if part.session is None else clean_session(part.session, self.redact)
            cleaned.append(attrs.evolve(part, events=events, session=session))
        with self._write(commit=False) as conn:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            done = writes.import_parts(conn, cleaned)
        committing = self._committing = _Committing(conn, before, done)
        committing.start()
        return lambda: self._outcomes(committing)

    def _settle(self) -> None:
        """Wait for the import commit under way (its outcomes, or its error,
        are for whoever called `import_many_later`)."""
        committing = self._committing
        if committing is not None:
            committing.join()  # (interrupted, it is still under way: waited for again)
            self._committing = None

    def _outcomes(self, committing: _Committing) -> list[ImportDone]:
        committing.join()
        if self._committing is committing:
            self._committing = None
        if committing.error is not None:
            if isinstance(committing.error, sqlite3.Error):
                raise self._storage_error(committing.error) from None
            raise committing.error
        self._check_file()
        if self._refusal is not None:
            raise StorageError(self._refusal.message)
        return committing.done

    def session_ulids(self) -> set[str] | None:
        with self._errors() as conn:
            return {row[0] for row in conn.execute("SELECT ulid FROM sessions")}

    def get_import_state(self, source: str, key: str) -> str | None:
        with self._errors() as conn:
            row = conn.execute(
                "SELECT state FROM import_state WHERE source = ? AND key = ?", (source, key)
            ).fetchone()
        return None if row is None else row[0]

    def import_states(self, source: str, prefix: str) -> dict[str, str] | None:
        # The keys from `prefix` up to the first past all that begin with it
        # (the primary key's order: by code point).
        after = prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else "\U0010ffff"
        with self._errors() as conn:
            rows = conn.execute(
                "SELECT key, state FROM import_state WHERE source = ? AND key >= ? AND key < ?",
                (source, prefix, after),
            )
            return dict(rows.fetchall())

    def set_import_state(
        self, source: str, key: str, state: str, expect: str | None = ANY_STATE
    ) -> None:
        with self._write() as conn:
            writes.check_state(conn, source, key, expect)
            writes.set_import_state(conn, source, key, state)


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


__all__ = ["LATEST_VERSION", "MEMORY", "SqliteStore", "check_text"]


class _Committing(threading.Thread):
    """The end of an import's transaction, beside the importer: the word
    index of the events past `before`, then the commit (a rollback on any
    error, kept in `error`). `done`: the parts' outcomes, true once committed."""

    def __init__(self, conn: sqlite3.Connection, before: int, done: list[ImportDone]) -> None:
        super().__init__(name="sessiond-import-commit", daemon=True)
        self.conn, self.before, self.done = conn, before, done
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            writes.index_events_after(self.conn, self.before)
            self.conn.execute("COMMIT")
        except BaseException as exc:
            self.error = exc
            try:
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
