"""The database file itself: creating it privately, inspecting it without
writing, and saying in words what SQLite's errors mean for it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import urllib.parse

import attrs

from sessiond.errors import NotOurFile
from sessiond.store.sqlite.migrations import APPLICATION_ID, schema_version

# Files up to this size are checked for damage (PRAGMA quick_check) on open.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024


def on_read_only_fs(path: str) -> bool:
    try:
        folder = os.path.dirname(os.path.abspath(path))
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def cannot_write_beside(path: str) -> bool:
    """True when SQLite could not make its `-wal` and `-shm` beside `path`: a
    read-only file system, or a folder this process may not write (a 0555
    folder, another user's backup, a sandbox)."""
    folder = os.path.dirname(os.path.abspath(path))
    return on_read_only_fs(path) or not os.access(folder, os.W_OK)


def _disk_full(path: str) -> bool:
    """True when the file system holding `path` has no block left: SQLite then
    says "disk I/O error" or worse as often as "database or disk is full"."""
    try:
        found = os.statvfs(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return False
    return found.f_bavail * found.f_frsize < 64 * 1024


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
    if primary == sqlite3.SQLITE_FULL or "full" in text or _disk_full(path):
        return f"the disk holding the database {path} is full; free some space and try again"
    if primary == sqlite3.SQLITE_READONLY or "readonly" in text:
        if cannot_write_beside(path) and not at_rest(path):
            return wal_needs_a_writer(path)
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


def read_only_uri(path: str, immutable: bool = False) -> str:
    uri = "file:" + urllib.parse.quote(os.path.abspath(path)) + "?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def _size(path: str) -> int | None:
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def at_rest(path: str) -> bool:
    """No process has the file open (no `-shm`, no unchecked-in `-wal`): it
    can be read as immutable, which creates no `-wal`/`-shm` beside it."""
    return _size(path + "-shm") is None and not _size(path + "-wal")


def wal_needs_a_writer(path: str) -> str:
    return (
        f"the database {path} has turns in its write-ahead log ({path}-wal) that only a "
        "process that can write its folder can fold into the file; open it once as a user "
        "who can (any sessiond command does it), then read it here"
    )


def reader_uri(path: str) -> str:
    """A URI to read `path` for as long as a reader lives: immutable where
    SQLite could not make its `-shm` (a read-only file system, a folder this
    process cannot write) and no writer has the file open; else a plain
    read-only one, which sees writes.

    A file whose `-wal` still holds frames (a writer died without
    checkpointing) in a folder this process cannot write is read through
    that `-wal` when SQLite can (its `-shm` is there); when it cannot, the
    store refuses it, saying that opening it once as a user who can write its
    folder folds the `-wal` in (reading the file alone would miss its newest
    turns)."""
    return read_only_uri(path, immutable=at_rest(path) and cannot_write_beside(path))


@attrs.frozen
class Inspection:
    """What a file holds, read without writing a byte."""

    version: int  # PRAGMA user_version
    application_id: int
    tables: frozenset[str]  # sessiond's tables, or another program's
    problem: str | None  # what quick_check found, None when fine


def inspect_file(path: str, busy_timeout_s: float) -> Inspection | None:
    """The file's schema version, mark, tables and damage, read without writing.

    A read-only connection cannot checkpoint a leftover WAL into the file when
    it closes, as a read-write one would: a file that must be refused (newer
    schema, another program's) or left alone (corrupt) is inspected through
    one. None when the file cannot even be opened read-only; the read-write
    open then says why.
    """
    # At rest (no writer), read it as immutable: a plain read-only open of a
    # WAL-mode file would leave an empty -wal and a -shm beside a file that
    # may not even be sessiond's.
    try:
        conn = sqlite3.connect(
            read_only_uri(path, immutable=at_rest(path)), uri=True, timeout=busy_timeout_s
        )
    except sqlite3.Error:
        return None
    try:
        version = schema_version(conn)
        app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
        tables = frozenset(
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        )
    except sqlite3.Error as exc:
        conn.close()
        if "not a database" in str(exc) or "file is encrypted" in str(exc):
            raise NotOurFile(
                f"{path} is not a SQLite database, so not a sessiond database either; "
                "sessiond left it as it is. Give another --db, or move the file away"
            ) from None
        return None
    try:
        # quick_check reads the whole file (about 0.45 s for 1M events here):
        # every open pays it only for small files. A larger file's damage is
        # caught when an operation meets it (see SqliteStore._errors).
        if os.path.getsize(path) > QUICK_CHECK_MAX_BYTES:
            verdict = "ok"
        else:
            verdict = str(conn.execute("PRAGMA quick_check(1)").fetchone()[0])
    except (sqlite3.Error, OSError) as exc:
        verdict = str(exc)
    finally:
        conn.close()
    return Inspection(version, app_id, tables, None if verdict == "ok" else verdict)


# The tables of schema version 1, written before files carried the mark.
_V1_TABLES = frozenset({"sessions", "events", "milestones"})


def check_ours(found: Inspection, path: str) -> None:
    """Refuse a file that is not sessiond's: sessiond opens only an empty
    database, one carrying its mark, or a version-1 file of its own (which
    predates the mark)."""
    if found.application_id == APPLICATION_ID:
        return
    if found.application_id == 0 and found.version == 0 and not found.tables:
        return  # an empty database
    if found.application_id == 0 and found.version == 1 and found.tables == _V1_TABLES:
        return
    if found.application_id != 0:
        whose = f"it belongs to another program (application_id {found.application_id:#x})"
    elif found.tables:
        shown = ", ".join(sorted(found.tables)[:5])
        whose = f"it holds another program's tables ({shown})"
    else:
        whose = f"it has schema version {found.version} but none of sessiond's tables"
    raise NotOurFile(
        f"{path} is a SQLite database but not a sessiond one: {whose}; sessiond left it "
        "as it is. Give another --db, or move the file away"
    )


def check_regular(path: str) -> None:
    """Refuse a path that is not a regular file (a device such as /dev/null,
    a folder, a pipe): SQLite cannot keep a database there."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISDIR(mode):
        raise NotOurFile(f"{path} is a folder, not a database file; give a file's path to --db")
    if not stat.S_ISREG(mode):
        raise NotOurFile(
            f"{path} is not a regular file (a device, pipe or socket), so it cannot hold a "
            "database; give a file's path to --db"
        )
