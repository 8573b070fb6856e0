"""Knowing that the file at a store's path is still the file it opened.

A cleanup script, a sync tool or a person can delete or replace a database
file, or delete its `-wal`, while a daemon has it open. SQLite goes on
writing to the open (now nameless) files, and every answered append would
exist nowhere. `FileWatch.check` is run before each write transaction and
again before it is answered: it says when the file or its WAL is no longer
the one opened, after saving what it can.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3

logger = logging.getLogger(__name__)


def _identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of `path`; None when there is nothing there."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_dev, st.st_ino)


class FileWatch:
    def __init__(self, path: str) -> None:
        self.path = path
        found = _identity(path)
        assert found is not None, "the file was just opened"
        self._file = found
        self._wal: tuple[int, int] | None = None  # taken the first time it is seen

    def check(self, conn: sqlite3.Connection) -> str | None:
        """Why writing must stop (said for a person), or None while the file
        and its WAL are the ones opened. OSErrors other than a missing file
        (a permission, an I/O error) are left to SQLite to report."""
        path = self.path
        try:
            now = _identity(path)
        except OSError:
            return None
        if now is None:
            return (
                f"the database {path} was deleted by another program while sessiond had it "
                "open; sessiond stopped writing, since nothing written now could be found "
                "again. Restart sessiond to start a new database there, or put the file back"
            )
        if now != self._file:
            # The -wal at the path is still this store's: empty it into the
            # file it belongs to, or the next opener would read the new file
            # through the old file's WAL.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return (
                f"the database {path} was replaced by another file while sessiond had it "
                "open; sessiond stopped writing to the file it opened, which is no longer "
                "there. Restart sessiond to use the new file"
            )
        try:
            wal = _identity(path + "-wal")
        except OSError:
            return None
        if wal is None and self._wal is None:
            return None  # no WAL yet: nothing of this store's is in one
        if self._wal is None:
            self._wal = wal
            return None
        if wal != self._wal:
            # Deleted (and perhaps made anew by another process opening the
            # file): the one this store writes is still the deleted one.
            return self._save_deleted_wal(conn)
        return None

    def _save_deleted_wal(self, conn: sqlite3.Connection) -> str:
        """The deleted WAL holds committed transactions not yet in the file:
        copy them in (a checkpoint through the still-open descriptor), so
        that nothing answered is lost."""
        saved = "saved what it held into the database file and "
        try:
            conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
        except sqlite3.Error as exc:
            logger.error("could not save the deleted WAL's transactions: %s", exc)
            saved = "could not save what it held (see the log) and "
        return (
            f"the database's WAL file {self.path}-wal was deleted by another program while "
            f"sessiond had it open; sessiond {saved}stopped writing. Restart sessiond to go on"
        )
