"""A store's link to the server: its connection, its transactions, and the
edge where psycopg's errors become `sessiond.errors`.

- A connection that broke while idle (the server restarted, say) is
  replaced before the next request is sent, so that request goes through.
- A read is run once more on a new connection when the connection broke
  under it; so is a write transaction that broke before COMMIT was sent
  (nothing of it was stored). A commit whose outcome is unknown is never
  run again: its request gets a StorageError saying it may or may not have
  been stored.
"""

from __future__ import annotations

import contextlib
import select
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg

from sessiond.errors import InvalidParams, StorageError
from sessiond.store.base import AppendItem
from sessiond.store.postgres import writes
from sessiond.store.postgres.connect import Target, connect, describe, is_broken
from sessiond.store.postgres.migrations import unaccent_function

if TYPE_CHECKING:
    Connection = psycopg.Connection[tuple[Any, ...]]

T = TypeVar("T")


def _not_unicode() -> InvalidParams:
    return InvalidParams(
        "a string to store is not valid Unicode: it holds a lone surrogate, which cannot "
        "be stored as UTF-8"
    )


class Link:
    def __init__(self, target: Target, read_only: bool) -> None:
        self.target = target
        self.read_only = read_only
        self._conn: Connection | None = None
        self._unaccent: str | None = None
        self._appends: writes.Appends | None = None

    def connection(self) -> Connection:
        """The open connection; a new one when there is none or it broke."""
        conn = self._conn
        if conn is not None and not is_broken(conn) and _idle_ok(conn):
            return conn
        self.close()
        self._conn = connect(self.target, read_only=self.read_only)
        return self._conn

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()

    def unaccent(self, conn: Connection) -> str:
        if self._unaccent is None:
            self._unaccent = unaccent_function(conn)
        return self._unaccent

    def check_writable(self) -> None:
        if self.read_only:
            raise StorageError(f"the database {self.target.where} is open read-only here")

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run a read (autocommit)."""
        for attempt in (0, 1):
            conn = self.connection()
            try:
                return work(conn)
            except psycopg.Error as exc:
                lost = is_broken(conn)
                if lost:
                    self.close()
                    if attempt == 0:
                        continue
                raise StorageError(describe(self.target, exc, lost=lost)) from None
            except UnicodeEncodeError:
                raise _not_unicode() from None
        raise AssertionError("unreachable")

    def write(self, work: Callable[[writes.Tx], T]) -> T:
        """One write transaction, its change-log notes written last; rolled
        back whole on any error."""
        self.check_writable()
        for attempt in (0, 1):
            conn = self.connection()
            committing = False
            try:
                tx = writes.Tx(conn, self.unaccent(conn))
                with conn.transaction():
                    result = work(tx)
                    tx.flush()
                    committing = True
                return result
            except psycopg.Error as exc:
                lost = is_broken(conn)
                if lost:
                    self.close()
                    if attempt == 0 and not committing:
                        continue
                raise StorageError(
                    describe(self.target, exc, lost=lost, committing=committing)
                ) from None
            except UnicodeEncodeError:
                raise _not_unicode() from None
        raise AssertionError("unreachable")

    def append(self, batch: Sequence[AppendItem]) -> dict[int, list[tuple[int, int]]]:
        """Store `batch` in one statement (its own transaction); for each
        session appended to, its (seq, created_at) pairs, last first."""
        self.check_writable()
        conn = self.connection()
        try:
            if self._appends is None:
                self._appends = writes.Appends(self.unaccent(conn))
            rows = conn.execute(*self._appends.query(batch)).fetchall()
        except psycopg.Error as exc:
            lost = is_broken(conn)
            if lost:
                self.close()
            raise StorageError(describe(self.target, exc, lost=lost, committing=True)) from None
        except UnicodeEncodeError:
            raise _not_unicode() from None
        stored: dict[int, list[tuple[int, int]]] = {}
        for session_id, seq, created in sorted(rows, reverse=True):
            stored.setdefault(session_id, []).append((seq, created))
        return stored


def _idle_ok(conn: Connection) -> bool:
    """False when the server closed the idle connection (a restart sends a
    last message, then closes: the socket is readable)."""
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        if readable:
            conn.pgconn.consume_input()
    except (OSError, ValueError, psycopg.Error):
        return False
    return not is_broken(conn)
