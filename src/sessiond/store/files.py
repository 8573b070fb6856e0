"""The database file itself: creating it privately, inspecting it without
writing, and saying in words what SQLite's errors mean for it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse

from sessiond.store.migrations import schema_version

# Files up to this size are checked for damage (PRAGMA quick_check) on open.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024


def on_read_only_fs(path: str) -> bool:
    try:
        folder = os.path.dirname(os.path.abspath(path))
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def describe_sqlite_error(exc: sqlite3.Error, path: str) -> str:
    """A sentence a person understands for what went wrong with the file."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(exc)
    cannot_write = primary in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)
    if (cannot_write or "unable to open" in text or "readonly" in text) and on_read_only_fs(path):
        return (
            f"the database {path} is on a read-only file system, so sessiond can neither "
            f"write it nor keep its WAL index next to it ({text}); remount it read-write "
            "or give another --db"
        )
    if primary == sqlite3.SQLITE_BUSY or "locked" in text:
        return (
            f"the database {path} is locked by another process and stayed locked past "
            "the busy timeout; try again when that process has finished"
        )
    if primary == sqlite3.SQLITE_FULL or "full" in text:
        return f"the disk holding the database {path} is full; free some space and try again"
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text:
        return f"the database {path} is read-only; check the file's and its folder's permissions"
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in text:
        return (
            f"the database {path} is corrupt or not a sessiond database ({text}); "
            "it was left as it is"
        )
    if primary == sqlite3.SQLITE_CANTOPEN or "unable to open" in text:
        return f"the database {path} cannot be opened ({text})"
    return f"the database {path} could not be read or written: {text}"


def create_private(path: str) -> None:
    """Create the parent folders 0700 and the file 0600 when they are missing."""
    parent = os.path.dirname(os.path.abspath(path))
    missing = []
    while parent and not os.path.isdir(parent):
        missing.append(parent)
        parent = os.path.dirname(parent)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(folder, 0o700)
        os.chmod(folder, 0o700)  # the umask may have taken bits away
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.chmod(path, 0o600)


def read_only_uri(path: str) -> str:
    return "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"


def inspect_file(path: str, busy_timeout_s: float) -> tuple[int, str | None] | None:
    """(schema version, corruption found or None), read without writing a byte.

    A read-only connection cannot checkpoint a leftover WAL into the file when
    it closes, as a read-write one would: a file that must be refused (newer
    schema) or left alone (corrupt) is inspected through one. None when the
    file cannot even be opened read-only; the read-write open then says why.
    """
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=busy_timeout_s)
    except sqlite3.Error:
        return None
    try:
        version = schema_version(conn)
    except sqlite3.Error:
        conn.close()
        return None
    try:
        # quick_check reads the whole file (about 0.45 s for 1M events here):
        # every open pays it only for small files. A larger file's damage is
        # caught when an operation meets it (see Store._errors).
        if os.path.getsize(path) > QUICK_CHECK_MAX_BYTES:
            verdict = "ok"
        else:
            verdict = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except (sqlite3.Error, OSError) as exc:
        verdict = str(exc)
    finally:
        conn.close()
    return version, (None if verdict == "ok" else verdict)
