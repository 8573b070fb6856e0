"""The SQLite store's costly reads on a connection of their own (`Store.reader`).

The daemon answers `session/search`, `session/find` and `stats/usage` in a
worker thread through this, so that one slow query never holds the appends
and requests behind it. Each read sees one committed state (its own read
transaction, WAL lets it stand beside the writer) and is stopped by SQLite's
progress handler once it has run `deadline_s` seconds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence

from sessiond.errors import StorageError
from sessiond.models import Found, Hit, UsageRow
from sessiond.store.base import Space, TooSlow
from sessiond.store.sqlite.files import describe_sqlite_error, reader_uri

#: A read running longer than this is stopped (StorageError), whatever it is.
DEADLINE_S = 10.0
#: A quick reader's budget (`Store.quick_reader`): past it, TooSlow.
QUICK_S = 0.001
#: A quick reader searches only words each found in fewer events than this
#: (counted first, about 15 microseconds a word): FTS5 reads a common
#: word's or a prefix's matches inside one step that SQLite's progress
#: handler cannot stop, which took up to 11 ms past the budget.
QUICK_MATCHES = 100
#: Words whose counts a quick reader keeps (then it forgets them all).
COUNTS_KEPT = 1_000


class SqliteReader:
    def __init__(
        self,
        path: str,
        busy_timeout_s: float,
        deadline_s: float = DEADLINE_S,
        *,
        quick: bool = False,
    ) -> None:
        """`quick`: a read stopped past `deadline_s` raises TooSlow (to be
        done again elsewhere), and the deadline is looked at more often."""
        self.path = path
        self.deadline_s = deadline_s
        self.quick = quick
        # A quick reader's counts (`_few_matches`): word -> (its matches when
        # counted, the newest event id then).
        self._counts: dict[str, tuple[int, int]] = {}
        self._until = 0.0
        try:
            self._conn = sqlite3.connect(
                reader_uri(path),
                uri=True,
                timeout=busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
        except sqlite3.Error as exc:
            raise StorageError(describe_sqlite_error(exc, path)) from None
        # Asked every 10,000 virtual machine steps (a few hundred microseconds);
        # a quick reader every 1,000.
        self._conn.set_progress_handler(self._late, 1_000 if quick else 10_000)

    def _late(self) -> int:
        return 1 if time.monotonic() > self._until else 0

    @contextlib.contextmanager
    def _reading(self, what: str) -> Iterator[sqlite3.Connection]:
        self._until = time.monotonic() + self.deadline_s
        try:
            yield self._conn
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if self.quick:
                    raise TooSlow(what) from None
                raise StorageError(
                    f"{what}: the query was still running after {self.deadline_s:g} s and "
                    "was stopped; give rarer words, or fewer of them"
                ) from None
            raise StorageError(describe_sqlite_error(exc, self.path)) from None
        except sqlite3.Error as exc:
            raise StorageError(describe_sqlite_error(exc, self.path)) from None
        finally:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")

    def _few_matches(self, conn: sqlite3.Connection, text: str, what: str) -> None:
        """For a quick reader: TooSlow unless `text` is a few plain words
        (no phrase, prefix, OR or exclusion) each in fewer than
        QUICK_MATCHES events."""
        if not self.quick:
            return
        from sessiond.errors import InvalidParams
        from sessiond.store.query import parse
        from sessiond.store.sqlite.search import quoted

        try:
            query = parse(text)
        except InvalidParams:
            raise TooSlow(what) from None  # refused where the slow reads are
        terms = [t for group in query.groups for t in group]
        if query.exclude or len(terms) != len(query.groups) or not 1 <= len(terms) <= 3:
            raise TooSlow(what)
        if any(term.prefix or len(term.words) != 1 for term in terms):
            raise TooSlow(what)
        # A word counted before needs no count again while it cannot have
        # reached QUICK_MATCHES: each event added since adds at most one match.
        newest = conn.execute("SELECT max(id) FROM events").fetchone()[0] or 0
        for term in terms:
            match = quoted(term)
            counted = self._counts.get(match)
            if counted is not None and counted[0] + newest - counted[1] < QUICK_MATCHES:
                continue
            row = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM events_fts WHERE events_fts MATCH ? LIMIT ?)",
                (match, QUICK_MATCHES),
            ).fetchone()
            if len(self._counts) >= COUNTS_KEPT:
                self._counts.clear()
            self._counts[match] = (row[0], newest)
            if row[0] >= QUICK_MATCHES:
                raise TooSlow(what)

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

        with self._reading("session/search") as conn:
            self._few_matches(conn, query, "session/search")
            conn.execute("BEGIN")
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

        with self._reading("session/find") as conn:
            self._few_matches(conn, query, "session/find")
            return find_sessions(conn, query, limit, project, source, since, until)

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

        with self._reading("stats/usage") as conn:
            return usage(conn, group_by, since, until, project, source)

    # Search by meaning (store.sqlite.embeddings)

    def embedding_space(self) -> Space | None:
        from sessiond.store.sqlite import embeddings

        with self._reading("session/find") as conn:
            return embeddings.space(conn)

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        from sessiond.store.sqlite import embeddings

        with self._reading("session/find") as conn:
            return embeddings.bits(conn, after, limit)

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        return None  # the bits in memory, then the int8 vectors (sessiond.semantic)

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        from sessiond.store.sqlite import embeddings

        with self._reading("session/find") as conn:
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

        with self._reading("session/find") as conn:
            return embeddings.find_near(conn, near, limit, query, project, source, since, until)

    def close(self) -> None:
        self._conn.close()
