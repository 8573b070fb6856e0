"""The store `sessiond mcp` serves: opened read-only, or refused with what to do."""

from __future__ import annotations

import logging
import os

from sessiond.errors import SessiondError
from sessiond.store import MEMORY, Store, is_postgres, open_store

EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4


class Refused(Exception):
    """The database cannot be served; the message says what to do."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def open_history(db: str) -> Store:
    """The store `db` names, opened read-only, or Refused saying why not."""
    if db == MEMORY:
        raise Refused(
            "an in-memory database (--db :memory:) is always empty; give sessiond mcp "
            "the database file your editors and imports write (--db PATH or SESSIOND_DB)",
            EXIT_NOT_FOUND,
        )
    if not is_postgres(db) and not os.path.exists(db):
        raise Refused(
            f"there is no database at {db}, and sessiond mcp never creates one. Record "
            "or import something first (open your editor with sessiond, run `sessiond "
            "chat`, or `sessiond import claude-code`), or point --db (or SESSIOND_DB) at "
            "the database you already have",
            EXIT_NOT_FOUND,
        )
    try:
        return open_store(db, read_only=True)
    except SessiondError as exc:
        raise Refused(exc.message, EXIT_STORAGE) from None


class History:
    """The open store, for one thread.

    A SQLite file that nothing could write when it was opened (a read-only
    file system, no writer around) is read without SQLite's shared index (the
    -shm file beside it). Should a writer start later, through a writable path
    to the same file, its index appears: the store is then opened again, so
    that what the writer adds is seen, and read consistently.
    """

    def __init__(self, db: str, store: Store) -> None:
        self.db = db
        self._store = store
        self._index = None if is_postgres(db) else db + "-shm"
        self._watching = self._index is not None and not os.path.exists(self._index)

    @property
    def store(self) -> Store:
        if self._watching and self._index is not None and os.path.exists(self._index):
            self._watching = False
            try:
                fresh = open_store(self.db, read_only=True)
            except SessiondError as exc:
                logging.getLogger(__name__).warning("could not open %s again: %s", self.db, exc)
            else:
                self._store.close()
                self._store = fresh
        return self._store

    def close(self) -> None:
        self._store.close()
