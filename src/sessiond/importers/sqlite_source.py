"""Opening another program's SQLite file for reading without writing a byte
of it, nor creating a file beside it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from sessiond.importers.base import SourceUnreadable

#: The longest string or blob read from another program's SQLite file.
MAX_VALUE_BYTES = 64 << 20


def _wal_mode(path: Path) -> bool:
    """Whether the file's header says write-ahead logging (bytes 18-19 = 2)."""
    with open(path, "rb") as f:
        header = f.read(20)
    return (
        len(header) == 20 and header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"
    )


def open_read_only(path: Path) -> sqlite3.Connection:
    """`path` opened read-only (`mode=ro`).

    A write-ahead-log database whose log is not there (no writer has it
    open) is opened `immutable`: `mode=ro` would create an empty -wal and
    -shm beside it, and with no log everything is in the file itself. One
    whose log is there is read through it, as any reader does.
    """
    uri = "file:" + quote(str(path.resolve()))
    try:
        immutable = _wal_mode(path) and not os.path.exists(f"{path}-wal")
    except OSError as exc:
        raise SourceUnreadable(f"{path} cannot be opened ({exc.strerror or exc})") from None
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro{'&immutable=1' if immutable else ''}", uri=True)
        # No value of another program's file is taken in past this: a huge
        # one fails its row (the reader skips it), never the importer's memory.
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise SourceUnreadable(
            f"{path} is not an SQLite database that can be read ({exc})"
        ) from None
    return conn
