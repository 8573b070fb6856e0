"""The SQLite store: sessions, their append-only events, and milestones.

Contract (see protocol.md, "The store"):

- one file, WAL journal, `synchronous=FULL`, a busy timeout (5 s by default);
  a missing parent folder is created 0700 and a new file 0600;
- `seq` is allocated inside the appending write transaction (`BEGIN
  IMMEDIATE` plus `UNIQUE(session_id, seq)`), so several processes can append
  to one session and still get 1, 2, 3, ... with no gap or duplicate;
- an append returns only after its transaction has committed;
- every failure is raised as a `sessiond.errors` exception; sqlite3's own
  exceptions never leave this module.

No pygls in here: the store is used in-process by the command line too.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterator, Sequence

from sessiond import DEFAULT_MAX_TEXT_BYTES
from sessiond.errors import (
    InvalidParams,
    PayloadTooLarge,
    SessiondError,
    SessionEnded,
    SessionExists,
    SessionNotFound,
    StorageError,
)
from sessiond.models import EVENT_KINDS, Appended, Event, Session, now_ms, rfc3339
from sessiond.store.files import (
    create_private,
    describe_sqlite_error,
    inspect_file,
    read_only_uri,
)
from sessiond.store.migrations import (
    MIGRATIONS,
    Migration,
    check_not_newer,
    migrate,
    too_new,
)

logger = logging.getLogger(__name__)

MEMORY = ":memory:"

# SQLite integers are 64-bit: no row has an id or seq outside this range, and
# binding a Python int outside it raises OverflowError (not a sqlite3.Error).
_SQL_INT_MAX = 2**63 - 1


def _storable(value: int) -> bool:
    return -_SQL_INT_MAX - 1 <= value <= _SQL_INT_MAX


_SESSION_COLUMNS = """
    s.id, s.ulid, s.started_at, s.ended_at, s.engine_base_url, s.cli_version,
    p.ulid, s.event_count
    FROM sessions AS s LEFT JOIN sessions AS p ON p.id = s.parent_id
"""


def _session(row: tuple[object, ...]) -> Session:
    ended = row[3]
    return Session(
        id=row[0],  # type: ignore[arg-type]
        ulid=row[1],  # type: ignore[arg-type]
        started_at=rfc3339(row[2]),  # type: ignore[arg-type]
        ended_at=None if ended is None else rfc3339(ended),  # type: ignore[arg-type]
        engine_base_url=row[4],  # type: ignore[arg-type]
        cli_version=row[5],  # type: ignore[arg-type]
        parent_ulid=row[6],  # type: ignore[arg-type]
        event_count=row[7],  # type: ignore[arg-type]
    )


def check_text(text: str, max_bytes: int, field: str = "text") -> None:
    """Refuse text that cannot be stored as UTF-8 or is over `max_bytes`."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidParams(
            f"'{field}' is not valid Unicode: it holds a lone surrogate at position "
            f"{exc.start}, which cannot be stored as UTF-8"
        ) from None
    if size > max_bytes:
        raise PayloadTooLarge(
            f"'{field}' is {size} bytes as UTF-8, over this server's limit of "
            f"{max_bytes} bytes (maxTextBytes)"
        )


class Store:
    """An open sessiond database. Not thread-safe: use it from one thread."""

    def __init__(
        self,
        path: str,
        *,
        max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
        busy_timeout_s: float = 5.0,
        migrations: tuple[Migration, ...] = MIGRATIONS,
    ) -> None:
        """Open (creating when missing) and migrate the database at `path`.

        Raises SchemaTooNew, untouched, for a file from a newer sessiond, and
        StorageError when the file cannot be opened or migrated.
        """
        self.path = path
        self.max_text_bytes = max_text_bytes
        self._conn: sqlite3.Connection | None = None
        # Set when the file must not be written: every write is refused with it.
        self._refusal: StorageError | None = None
        try:
            if path != MEMORY:
                create_private(path)
                found = inspect_file(path, busy_timeout_s)
                if found is not None:
                    too_new(found[0], path, migrations)
                    if found[1] is not None:
                        self._open_corrupt(found[1], busy_timeout_s)
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
            conn.execute("PRAGMA foreign_keys=ON")
            migrate(conn, migrations)
        except SessiondError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(describe_sqlite_error(exc, path)) from None
        self._conn = conn

    def _open_corrupt(self, problem: str, busy_timeout_s: float) -> None:
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
        self._conn = sqlite3.connect(
            read_only_uri(self.path),
            uri=True,
            timeout=busy_timeout_s,
            isolation_level=None,
            check_same_thread=False,
        )

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StorageError(f"the database {self.path} is closed")
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _errors(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        try:
            yield conn
        except sqlite3.Error as exc:
            code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
            if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) and self._refusal is None:
                # Damage met at run time: from now on the file is only read.
                self._refusal = StorageError(
                    f"the database {self.path} is corrupt ({exc}); sessiond will not write "
                    "to it any more. Reads still work where they can; restore a backup or "
                    "move the file away to start a new one"
                )
                logger.error("%s", self._refusal.message)
            raise StorageError(describe_sqlite_error(exc, self.path)) from None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; rolled back whole on any error."""
        if self._refusal is not None:
            raise StorageError(self._refusal.message)
        with self._errors() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    # Sessions

    def start_session(
        self,
        cli_version: str,
        ulid: str | None = None,
        engine_base_url: str | None = None,
        parent_ulid: str | None = None,
    ) -> Session:
        """Create a session; `ulid` defaults to a new ULID."""
        if ulid is None:
            # Imported here: python-ulid reads its package metadata on import,
            # which cost every daemon start 20 ms.
            from ulid import ULID

            ulid = str(ULID())
        new_ulid = ulid
        with self._write() as conn:
            parent_id = None
            if parent_ulid is not None:
                row = conn.execute("SELECT id FROM sessions WHERE ulid = ?", (parent_ulid,))
                found = row.fetchone()
                if found is None:
                    raise SessionNotFound(f"no session has the ulid {parent_ulid!r} (parentUlid)")
                parent_id = found[0]
            if conn.execute("SELECT 1 FROM sessions WHERE ulid = ?", (new_ulid,)).fetchone():
                raise SessionExists(f"a session with the ulid {new_ulid!r} already exists")
            cursor = conn.execute(
                "INSERT INTO sessions (ulid, started_at, engine_base_url, cli_version, parent_id)"
                " VALUES (?, ?, ?, ?, ?)",
                (new_ulid, now_ms(), engine_base_url, cli_version, parent_id),
            )
            session_id = cursor.lastrowid
            assert session_id is not None
            return self._session_by_id(conn, session_id)

    def end_session(self, session_id: int) -> Session:
        """Set `ended_at` once; ending an ended session changes nothing."""
        if not _storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        with self._write() as conn:
            conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL",
                (now_ms(), session_id),
            )
            return self._session_by_id(conn, session_id)

    def get_session(self, ulid: str) -> Session | None:
        with self._errors() as conn:
            row = conn.execute(f"SELECT {_SESSION_COLUMNS} WHERE s.ulid = ?", (ulid,)).fetchone()
        return None if row is None else _session(row)

    def session_by_id(self, session_id: int) -> Session:
        with self._errors() as conn:
            return self._session_by_id(conn, session_id)

    def _session_by_id(self, conn: sqlite3.Connection, session_id: int) -> Session:
        if not _storable(session_id):
            raise SessionNotFound(f"no session has the id {session_id}")
        row = conn.execute(f"SELECT {_SESSION_COLUMNS} WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise SessionNotFound(f"no session has the id {session_id}")
        return _session(row)

    def list_sessions(self, limit: int) -> list[Session]:
        """The newest `limit` sessions: newest `started_at` first, ties by id."""
        if limit == 0:
            return []
        with self._errors() as conn:
            rows = conn.execute(
                f"SELECT {_SESSION_COLUMNS} ORDER BY s.started_at DESC, s.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [_session(row) for row in rows]

    def last_session(self) -> Session | None:
        sessions = self.list_sessions(1)
        return sessions[0] if sessions else None

    def find_sessions(self, prefix: str, limit: int = 2) -> list[Session]:
        """Sessions whose ulid is `prefix` or starts with it (exact match wins)."""
        exact = self.get_session(prefix)
        if exact is not None:
            return [exact]
        with self._errors() as conn:
            # A range scan on the unique index, not LIKE: '_' is a LIKE wildcard.
            rows = conn.execute(
                f"SELECT {_SESSION_COLUMNS} WHERE s.ulid >= ? AND s.ulid < ? "
                "ORDER BY s.ulid LIMIT ?",
                (prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
        return [_session(row) for row in rows]

    # Events

    def _check_append(self, session_id: int, kind: str, text: str) -> None:
        if kind not in EVENT_KINDS:
            raise InvalidParams(f"'kind' must be one of {', '.join(EVENT_KINDS)}; got {kind!r}")
        check_text(text, self.max_text_bytes)

    def append(self, session_id: int, kind: str, text: str) -> Appended:
        """Append one event and return its seq once committed."""
        result = self.append_many([(session_id, kind, text)])[0]
        if isinstance(result, SessiondError):
            raise result
        return result

    def append_many(self, items: Sequence[tuple[int, str, str]]) -> list[Appended | SessiondError]:
        """Append several events in ONE transaction (group commit).

        Each item gets its own outcome: an item refused for its own reason
        (unknown or ended session, bad text) does not stop the others. A
        storage failure fails every item, and nothing of the batch is kept.
        """
        outcomes: list[Appended | SessiondError] = []
        pending: list[int] = []
        for session_id, kind, text in items:
            try:
                self._check_append(session_id, kind, text)
            except SessiondError as exc:
                outcomes.append(exc)
                continue
            pending.append(len(outcomes))
            outcomes.append(Appended(0, ""))
        if not pending:
            return outcomes
        try:
            with self._write() as conn:
                for index in pending:
                    session_id, kind, text = items[index]
                    outcomes[index] = self._append_in(conn, session_id, kind, text)
        except StorageError as exc:
            for index in pending:
                outcomes[index] = exc
        return outcomes

    def _append_in(
        self, conn: sqlite3.Connection, session_id: int, kind: str, text: str
    ) -> Appended | SessiondError:
        if not _storable(session_id):
            return SessionNotFound(f"no session has the id {session_id}")
        row = conn.execute(
            "UPDATE sessions SET event_count = event_count + 1"
            " WHERE id = ? AND ended_at IS NULL RETURNING event_count",
            (session_id,),
        ).fetchone()
        if row is None:
            found = conn.execute("SELECT ulid FROM sessions WHERE id = ?", (session_id,))
            ended = found.fetchone()
            if ended is None:
                return SessionNotFound(f"no session has the id {session_id}")
            return SessionEnded(
                f"session {session_id} ({ended[0]}) has ended; continue it with "
                "session/start and parentUlid"
            )
        seq = row[0]
        created = now_ms()
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (?, ?, ?, ?, ?)",
            (session_id, seq, kind, text, created),
        )
        return Appended(seq=seq, created_at=rfc3339(created))

    def events(self, session_id: int, limit: int, before_seq: int | None = None) -> list[Event]:
        """The newest `limit` events (below `before_seq`), oldest first."""
        if limit == 0:
            return []
        below = _SQL_INT_MAX if before_seq is None or not _storable(before_seq) else before_seq
        with self._errors() as conn:
            self._session_by_id(conn, session_id)
            rows = conn.execute(
                "SELECT seq, kind, text, created_at FROM events"
                " WHERE session_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                (session_id, below, limit),
            ).fetchall()
        rows.reverse()
        return [Event(session_id, seq, kind, text, rfc3339(ms)) for seq, kind, text, ms in rows]

    def count(self, session_id: int) -> int:
        return self.session_by_id(session_id).event_count

    def first_prompts(self, session_ids: Sequence[int], width: int = 60) -> dict[int, str]:
        """The opening of each session's first prompt, for listings."""
        found: dict[int, str] = {}
        with self._errors() as conn:
            for session_id in session_ids:
                row = conn.execute(
                    "SELECT substr(text, 1, ?) FROM events WHERE session_id = ? AND kind = 'prompt'"
                    " ORDER BY seq LIMIT 1",
                    (width, session_id),
                ).fetchone()
                if row is not None:
                    found[session_id] = row[0]
        return found

    # Milestones

    def set_milestone(self, key: str, value: str) -> None:
        check_text(value, self.max_text_bytes, "value")
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
