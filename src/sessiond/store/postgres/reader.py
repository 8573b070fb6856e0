"""The PostgreSQL store's costly reads on a connection of their own (`Store.reader`).

The daemon answers `session/search`, `session/find` and `stats/usage` in a
worker thread through this, so that one slow query never holds the appends
and requests behind it. The connection is made on the first read (in the
thread that reads) and again after it broke. Each read sees one snapshot
(search is one statement; find and usage read in one REPEATABLE READ
transaction) and is stopped once it has run `deadline_s` seconds: the
server stops any one statement past it (`statement_timeout`), and a timer
cancels a read whose statements together run past it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import psycopg

from sessiond.errors import InvalidParams, StorageError
from sessiond.models import Found, Hit, UsageRow
from sessiond.store.base import Space
from sessiond.store.postgres.connect import Target, connect, describe, is_broken
from sessiond.store.postgres.migrations import unaccent_function

if TYPE_CHECKING:
    Connection = psycopg.Connection[tuple[Any, ...]]

T = TypeVar("T")

#: A read running longer than this is stopped (StorageError), whatever it is.
DEADLINE_S = 10.0

_CANCELED = "57014"  # query_canceled: statement_timeout, or a cancel request


class PostgresReader:
    def __init__(self, target: Target, deadline_s: float = DEADLINE_S) -> None:
        self._target = target
        # Where it reads, shown without secrets: its store's `where` (the
        # key of the bits held in memory for search by meaning).
        self.where = target.where
        self.deadline_s = deadline_s
        self._conn: Connection | None = None
        self._unaccent = ""
        # The read under way, for the timer: a cancel reaches only the read
        # it was started for.
        self._guard = threading.Lock()
        self._current = 0

    def _connection(self) -> Connection:
        conn = self._conn
        if conn is not None and not is_broken(conn):
            return conn
        self.close()
        conn = connect(self._target, read_only=True, application_name="sessiond reader")
        try:
            conn.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                (f"{max(1, int(self.deadline_s * 1000))}ms",),
            )
            self._unaccent = unaccent_function(conn)
        except psycopg.Error as exc:
            conn.close()
            raise StorageError(describe(self._target, exc)) from None
        self._conn = conn
        return conn

    def _late(self, conn: Connection, token: int) -> None:
        with self._guard:
            if self._current != token:
                return
            cancel = getattr(conn, "cancel_safe", None) or conn.cancel
            with contextlib.suppress(Exception):
                cancel()

    def _read(self, what: str, work: Callable[[Connection, str], T]) -> T:
        for attempt in (0, 1):
            conn = self._connection()
            with self._guard:
                self._current += 1
                token = self._current
            timer = threading.Timer(self.deadline_s, self._late, (conn, token))
            timer.daemon = True
            timer.start()
            try:
                return work(conn, self._unaccent)
            except psycopg.Error as exc:
                if getattr(getattr(exc, "diag", None), "sqlstate", None) == _CANCELED:
                    raise StorageError(
                        f"{what}: the query was still running after {self.deadline_s:g} s "
                        "and was stopped; give rarer words, or fewer of them"
                    ) from None
                lost = is_broken(conn)
                if lost:
                    self.close()
                    if attempt == 0:
                        continue
                raise StorageError(describe(self._target, exc, lost=lost)) from None
            except UnicodeEncodeError:
                raise InvalidParams(
                    "a string given is not valid Unicode: it holds a lone surrogate"
                ) from None
            finally:
                with self._guard:
                    self._current += 1  # the timer, if it fires now, cancels nothing
                timer.cancel()
        raise AssertionError("unreachable")

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

        return self._read(
            "session/search",
            lambda conn, unaccent: search(
                conn, unaccent, query, limit, session_id, kinds, since, until, project, source
            ),
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

        return self._read(
            "session/find",
            lambda conn, unaccent: find_sessions(
                conn, unaccent, query, limit, project, source, since, until
            ),
        )

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

        return self._read(
            "stats/usage",
            lambda conn, _unaccent: usage(conn, group_by, since, until, project, source),
        )

    # Search by meaning (store.postgres.embeddings)

    def embedding_space(self) -> Space | None:
        from sessiond.store.postgres import embeddings

        return self._read("session/find", lambda conn, _unaccent: embeddings.space(conn))

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        from sessiond.store.postgres import embeddings

        return self._read(
            "session/find", lambda conn, _unaccent: embeddings.bits(conn, after, limit)
        )

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        from sessiond.store.postgres import embeddings

        return self._read("session/find", lambda conn, _unaccent: embeddings.nearest(conn, q8, k))

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        from sessiond.store.postgres import embeddings

        return self._read("session/find", lambda conn, _unaccent: embeddings.q8(conn, event_ids))

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

        return self._read(
            "session/find",
            lambda conn, unaccent: embeddings.find_near(
                conn, unaccent, near, limit, query, project, source, since, until
            ),
        )

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(psycopg.Error):
                conn.close()
