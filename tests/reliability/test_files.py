"""The file itself: taken away or swapped under a running daemon, files that
are not sessiond's, paths that are not files, and a disk full at start.

Every daemon here is a real `sessiond` process on a real file (`started`);
"what is on disk" is read after SIGKILL, with the standard library's sqlite3.
The rules under test are protocol.md's "The store's guarantees": "The file
stays the file it opened" and "Only its own files".
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.daemon import (
    STORAGE_ERROR,
    TIMEOUT,
    Daemon,
    RpcError,
    digest,
    events_of,
    integrity,
    refused,
    started,
)

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow

# protocol.md, "Only its own files": the application_id every sessiond file carries.
SESSIOND_MARK = 0x53455353
V1_FIXTURE = Path(__file__).parent / "fixtures" / "v1.db"


def files_in(folder: Path) -> dict[str, str | None]:
    """Every file in `folder` with its digest: a -wal or -shm left behind shows."""
    return {p.name: digest(p) for p in sorted(folder.iterdir()) if p.is_file()}


def refused_write(call: Callable[[], Any]) -> str:
    with pytest.raises(RpcError) as caught:
        call()
    assert caught.value.code == STORAGE_ERROR, caught.value
    return str(caught.value.message)


def append(daemon: Daemon, sid: int, text: str) -> dict[str, Any]:
    result: dict[str, Any] = daemon.call(
        "session/append", {"sessionId": sid, "kind": "prompt", "text": text}
    )
    return result


def every_write_refused(daemon: Daemon, sid: int, *words: str) -> None:
    """Each kind of write is answered 1005 in words naming what happened."""
    message = refused_write(lambda: append(daemon, sid, "after the file went"))
    for word in words:
        assert word in message, message
    refused_write(lambda: daemon.call("session/start", {"cliVersion": "after"}))
    refused_write(lambda: daemon.call("milestone/set", {"key": "k", "value": "after"}))
    refused_write(lambda: daemon.call("session/rename", {"sessionId": sid, "title": "after"}))
    refused_write(lambda: daemon.call("session/end", {"sessionId": sid}))


def texts(db: Path, sid: int) -> list[str]:
    """The texts of a session's events, as the file holds them."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
    assert "events" in tables, f"{db} holds no sessiond table ({tables}): all answered was lost"
    return [text for _seq, _kind, text in events_of(db, sid)]


# The file deleted, its WAL deleted, the file replaced, while a daemon runs


def test_the_file_deleted_under_the_daemon(tmp_path: Path) -> None:
    db = tmp_path / "gone.db"
    with started(db, log=tmp_path / "daemon.log") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "files"})["id"]
        answered = [f"before {i}" for i in range(20)]
        for text in answered:
            append(daemon, sid, text)
        db.unlink()
        every_write_refused(daemon, sid, "deleted", str(db))
        # Reads go on from the file the daemon still holds open.
        assert daemon.call("session/count", {"sessionId": sid}) == {"count": 20}
        events = daemon.call("session/events", {"sessionId": sid, "limit": 100})["events"]
        assert [e["text"] for e in events] == answered
        daemon.kill()
    # Nothing was answered into a file no one can find: there is none.
    assert not db.exists()
    # A new daemon there starts an empty database; the deleted file's WAL,
    # left behind by the killed one, is not applied to it.
    with started(db, log=tmp_path / "daemon.log") as daemon:
        assert daemon.call("session/list", {"limit": 10}) == {"sessions": []}
        assert daemon.stop() == 0
    assert integrity(db) == "ok"


@pytest.mark.parametrize("then", ["nothing", "ls-opens-the-file"])
def test_the_wal_deleted_under_the_daemon(tmp_path: Path, then: str) -> None:
    """Every append answered before the deletion is in the file after SIGKILL:
    the daemon copies the deleted WAL (which it still holds open) into the
    file before it refuses writes.

    `ls-opens-the-file`: before the daemon's next write, another process
    (`sessiond ls`) opens the database, which puts a new, empty -wal file at
    the path; the deleted one still holds the answered appends.
    """
    db = tmp_path / "walless.db"
    wal = Path(f"{db}-wal")
    answered = [f"answered {i} " + "w" * 500 for i in range(40)]
    with started(db, log=tmp_path / "daemon.log") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "files"})["id"]
        for text in answered:
            append(daemon, sid, text)
        wal.unlink()
        if then == "ls-opens-the-file":
            ls = subprocess.run(
                [sys.executable, "-m", "sessiond", "ls", "--db", str(db)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            assert "Traceback" not in ls.stderr, ls.stderr
        every_write_refused(daemon, sid, "WAL", str(wal))
        assert daemon.call("session/count", {"sessionId": sid}) == {"count": 40}
        daemon.kill()
    assert integrity(db) == "ok"
    assert texts(db, sid) == answered


def test_the_wal_deleted_before_the_first_write(tmp_path: Path) -> None:
    """The same rule when the WAL goes before the daemon wrote anything: it
    then holds the new file's schema, written by the open. Whatever the
    daemon answers afterwards survives SIGKILL, or it is refused (1005)."""
    db = tmp_path / "early.db"
    answered: list[str] = []
    sid = None
    with started(db, log=tmp_path / "daemon.log") as daemon:
        Path(f"{db}-wal").unlink()
        try:
            sid = daemon.call("session/start", {"cliVersion": "early"})["id"]
            for i in range(5):
                append(daemon, sid, f"early {i}")
                answered.append(f"early {i}")
        except RpcError as exc:
            assert exc.code == STORAGE_ERROR and "WAL" in str(exc.message), exc
        daemon.kill()
    with contextlib.closing(sqlite3.connect(db)) as conn:
        tables = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master"))
        mark = conn.execute("PRAGMA application_id").fetchone()[0]
    assert "events" in tables and mark == SESSIOND_MARK, (
        f"after SIGKILL the file is not a sessiond database (tables {tables}), although "
        f"the daemon answered session/start ({sid}) and {len(answered)} appends"
    )
    if sid is not None:
        assert texts(db, sid) == answered


@pytest.mark.parametrize("then", ["sigkill", "clean-stop"])
def test_the_file_replaced_under_the_daemon(tmp_path: Path, then: str) -> None:
    """A sync tool or a person moves another sessiond database over the path:
    the daemon stops writing, and the file put there stays that file, byte
    for byte and as it reads, whether the daemon is then killed or stopped.
    (SQLite keeps a WAL it cannot checkpoint into a moved file, even at a
    clean close: left at the path, it would shadow the file put there.)"""
    db, other = tmp_path / "synced.db", tmp_path / "from-elsewhere.db"
    with started(db, log=tmp_path / "daemon.log") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "here"})["id"]
        for i in range(10):
            append(daemon, sid, f"here {i}")
        with started(other, log=tmp_path / "other.log") as writer:
            theirs = writer.call("session/start", {"cliVersion": "elsewhere"})["id"]
            writer.call("session/append", {"sessionId": theirs, "kind": "prompt", "text": "there"})
            assert writer.stop() == 0
        put_there = digest(other)
        os.replace(other, db)
        every_write_refused(daemon, sid, "replaced", str(db))
        assert daemon.call("session/count", {"sessionId": sid}) == {"count": 10}
        if then == "clean-stop":
            assert daemon.stop() == 0
        else:
            daemon.kill()
    assert digest(db) == put_there
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        clients = [r[0] for r in conn.execute("SELECT cli_version FROM sessions ORDER BY id")]
    assert clients == ["elsewhere"], (
        "the file put there reads as the old database: the daemon's WAL, left at "
        f"{db}-wal, is applied to it ({clients})"
    )
    assert texts(db, 1) == ["there"]


# Files that are not sessiond's: refused at start, left byte for byte


def _another_programs(path: Path, wal: bool = False) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('not yours')")
        conn.commit()


def _version_1_without_tables(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version = 1")


def _version_1_with_other_tables(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE sessions (x)")
        conn.execute("CREATE TABLE cache (k, v)")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()


def _another_application_id(path: Path) -> None:
    # Even with sessiond's table names and version: the mark says whose it is.
    shutil.copy(V1_FIXTURE, path)
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA application_id = 1234")


FOREIGN: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "other-programs-tables": (_another_programs, ("not a sessiond", "notes")),
    "other-programs-wal-database": (
        lambda p: _another_programs(p, wal=True),
        ("not a sessiond", "notes"),
    ),
    "user-version-1-no-tables": (_version_1_without_tables, ("schema version 1",)),
    "user-version-1-other-tables": (_version_1_with_other_tables, ("not a sessiond",)),
    "another-application-id": (_another_application_id, ("application_id", "0x4d2")),
    "random-bytes": (lambda p: p.write_bytes(os.urandom(8192)), ("not a SQLite database",)),
    "a-few-random-bytes": (lambda p: p.write_bytes(os.urandom(40)), ("not a SQLite database",)),
    "text": (lambda p: p.write_text("# notes\nnothing here\n"), ("not a SQLite database",)),
}


@pytest.mark.parametrize("kind", FOREIGN)
def test_a_foreign_file_is_refused_and_left_byte_for_byte(tmp_path: Path, kind: str) -> None:
    make, words = FOREIGN[kind]
    db = tmp_path / "theirs.db"
    make(db)
    before = files_in(tmp_path)
    assert list(before) == ["theirs.db"]
    run = refused(db)
    for word in (str(db), "as it is", *words):
        assert word in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    # The command line opens files the same way.
    ls = subprocess.run(
        [sys.executable, "-m", "sessiond", "ls", "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert ls.returncode != 0 and ls.stdout == "" and "as it is" in ls.stderr
    assert files_in(tmp_path) == before, "the file changed, or a -wal/-shm was left beside it"


def _empty_database(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE scratch (x)")
        conn.execute("DROP TABLE scratch")
        conn.commit()
    assert path.stat().st_size > 0


ACCEPTED: dict[str, Callable[[Path], None]] = {
    "empty-file": lambda p: p.write_bytes(b""),
    "empty-sqlite-database": _empty_database,
    "v1-sessiond-file-without-the-mark": lambda p: shutil.copy(V1_FIXTURE, p),
}


@pytest.mark.parametrize("kind", ACCEPTED)
def test_sessiond_opens_an_empty_file_or_its_own_and_marks_it(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "ours.db"
    ACCEPTED[kind](db)
    with started(db, log=tmp_path / "daemon.log") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "files"})["id"]
        append(daemon, sid, "marked as ours")
        if kind.startswith("v1"):
            old = daemon.call("session/get", {"ulid": "01V1FIXTUREFIRST"})
            assert old is not None and old["eventCount"] == 6
        assert daemon.stop() == 0
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == SESSIOND_MARK
        assert conn.execute("PRAGMA user_version").fetchone()[0] >= 2
    assert texts(db, sid) == ["marked as ours"]


# Paths that are not files


def test_dev_null_is_not_a_regular_file() -> None:
    beside = [Path(os.devnull + suffix) for suffix in ("-wal", "-shm", "-journal")]
    before = [digest(p) for p in beside]  # None when absent, as they should be
    run = refused(Path(os.devnull))
    assert "not a regular file" in run.stderr and os.devnull in run.stderr, run.stderr
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert [digest(p) for p in beside] == before, "SQLite files were written in /dev"


def test_a_folder_is_not_a_database(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    run = refused(folder)
    assert "is a folder" in run.stderr and str(folder) in run.stderr, run.stderr
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]


# A disk full at start


def fill(where: Path, leave: int) -> Path:
    """Fill the file system at `where`, then give back `leave` bytes."""
    filler = where / "filler"
    # Unbuffered: a write that does not fit writes what fits, the next one fails.
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 65536)
    os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.mark.parametrize("leave", [0, 16 * 1024, 40 * 1024], ids=["no-byte", "16k", "40k"])
@pytest.mark.parametrize("which", ["new-file", "v1-file-to-migrate"])
def test_a_full_disk_at_start_says_so_and_leaves_the_file(
    tmpfs: Path,
    which: str,
    leave: int,
) -> None:
    db = tmpfs / "start.db"
    if which != "new-file":
        shutil.copy(V1_FIXTURE, db)
    before = digest(db)
    filler = fill(tmpfs, leave)
    run = refused(db)
    assert "full" in run.stderr, run.stderr
    for vague in ("cannot rollback", "disk I/O error", "Traceback"):
        assert vague not in run.stderr, run.stderr
    filler.unlink()  # read with room again: a reader may need to write the -shm
    if before is None:
        # Absent, empty, or an empty database (no table, version 0) that the
        # next start takes as new: never a half-made schema.
        if db.exists() and db.stat().st_size:
            with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
                assert conn.execute("PRAGMA user_version").fetchone() == (0,)
                assert conn.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
    else:
        assert digest(db) == before
    # And the same file opens (and a v1 file migrates).
    with started(db, log=tmpfs.parent / "daemon.log") as daemon:
        if before is not None:
            old = daemon.call("session/get", {"ulid": "01V1FIXTUREFIRST"})
            assert old is not None and old["eventCount"] == 6
        sid = daemon.call("session/start", {"cliVersion": "room again"})["id"]
        append(daemon, sid, "fits now")
        assert daemon.stop() == 0
    assert integrity(db) == "ok"
