"""Storage faults: a newer schema, a corrupt file, a lock held past the busy
timeout, a full disk, a read-only file system. Each gives StorageError (1005)
or a clear refusal at start; reads go on where they can; writing resumes once
the fault clears; nothing stored before is lost; a file sessiond must not
touch keeps every byte.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.daemon import (
    STORAGE_ERROR,
    TIMEOUT,
    RpcError,
    digest,
    integrity,
    refused,
    snapshot,
    started,
)

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow


def filled(db: Path, sessions: int = 3, events: int = 200) -> None:
    """A database with some history in it, closed cleanly."""
    with started(db) as daemon:
        for s in range(sessions):
            sid = daemon.call("session/start", {"cliVersion": "faults"})["id"]
            for i in range(events):
                text = f"session {s} event {i} " + "z" * 300
                daemon.request("session/append", {"sessionId": sid, "kind": "prompt", "text": text})
            assert daemon.call("session/count", {"sessionId": sid})["count"] == events
        daemon.call("milestone/set", {"key": "k", "value": "v"})
        assert daemon.stop() == 0


def storage_error(call: object) -> str:
    with pytest.raises(RpcError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == STORAGE_ERROR, caught.value
    return str(caught.value.message)


# A newer schema


def test_a_newer_schema_with_a_leftover_wal_is_refused_byte_for_byte(tmp_path: Path) -> None:
    """Found a bug: the refusal said "left untouched", but closing the checking
    connection checkpointed the leftover WAL into the file and deleted it."""
    live, db = tmp_path / "live.db", tmp_path / "newer.db"
    writer = sqlite3.connect(live, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE future (x)")
    writer.execute("INSERT INTO future VALUES ('from sessiond v9')")
    writer.execute("PRAGMA user_version = 9")
    # Copied while the writer is open: the file a newer sessiond left behind.
    shutil.copy(live, db)
    shutil.copy(f"{live}-wal", f"{db}-wal")
    writer.close()
    wal = Path(f"{db}-wal")
    before = digest(db), digest(wal)
    run = refused(db)
    assert "schema version 9" in run.stderr and "upgrade sessiond" in run.stderr
    assert (digest(db), digest(wal)) == before


# A corrupt file


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("history") / "history.db"
    filled(db)
    return db


def test_a_file_that_is_not_a_database_is_refused_and_kept(history: Path, tmp_path: Path) -> None:
    db = tmp_path / "garbage.db"
    db.write_bytes(os.urandom(100) + history.read_bytes()[100:])
    before = digest(db)
    run = refused(db)
    assert "not a SQLite database" in run.stderr and "left it as it is" in run.stderr
    assert digest(db) == before


def test_a_damaged_file_serves_reads_and_is_never_written(history: Path, tmp_path: Path) -> None:
    """Found a bug: with damaged pages the daemon went on appending, writing
    new pages into the damaged file (and checkpointing them at exit)."""
    db = tmp_path / "damaged.db"
    data = bytearray(history.read_bytes())
    pages = len(data) // 4096
    for page in range(pages // 2, pages - 2, 5):  # event pages; sessions sit at the front
        data[page * 4096 : page * 4096 + 64] = os.urandom(64)
    db.write_bytes(bytes(data))
    before = digest(db)
    with started(db) as daemon:
        # Reads work where they can.
        assert len(daemon.call("session/list", {"limit": 10})["sessions"]) == 3
        assert daemon.call("milestone/get", {"key": "k"}) == {"value": "v"}
        assert daemon.call("session/count", {"sessionId": 1})["count"] == 200
        # Writes are refused in words.
        message = storage_error(
            lambda: daemon.call("session/append", {"sessionId": 3, "kind": "prompt", "text": "t"})
        )
        assert "corrupt" in message and "left it as it is" in message
        storage_error(lambda: daemon.call("session/start", {"cliVersion": "x"}))
        storage_error(lambda: daemon.call("milestone/set", {"key": "k", "value": "w"}))
        assert daemon.stop() == 0
    assert db.exists() and digest(db) == before


# A lock held by another process


@contextlib.contextmanager
def locked(db: Path, hold: str = "until-told") -> Iterator[subprocess.Popen[str]]:
    """Another process holding the write lock (BEGIN EXCLUSIVE)."""
    script = (
        "import sqlite3, sys, time\n"
        f"c = sqlite3.connect({str(db)!r}, isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[1])) if sys.argv[1] != 'until-told' else sys.stdin.readline()\n"
        "c.execute('COMMIT')\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, hold],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        yield holder
    finally:
        if holder.poll() is None:
            holder.communicate("go\n", timeout=TIMEOUT)


def test_a_lock_past_the_busy_timeout_then_released(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "lock"})["id"]
        daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "before"})
        with locked(db):
            message = storage_error(
                lambda: daemon.call(
                    "session/append", {"sessionId": sid, "kind": "prompt", "text": "x"}
                )
            )
            assert "locked" in message
            # WAL readers are not blocked by a writer.
            assert daemon.call("session/count", {"sessionId": sid})["count"] == 1
        got = daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "after"})
        assert got["seq"] == 2  # the refused append took no seq


def test_a_lock_shorter_than_the_busy_timeout_is_waited_out(tmp_path: Path) -> None:
    db = tmp_path / "brief.db"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "lock"})["id"]
        with locked(db, hold="1.0") as holder:
            got = daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "t"})
            assert got["seq"] == 1
            assert holder.wait(TIMEOUT) == 0  # it held the lock, then committed


# A full disk and a read-only file system, on a small tmpfs of our own


def test_a_full_disk_then_space_freed(tmpfs: Path) -> None:
    db = tmpfs / "full.db"
    filler = tmpfs / "filler"
    with started(db) as daemon:
        sid = daemon.call("session/start", {"cliVersion": "full"})["id"]
        answered = [
            daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "a"})
        ]
        with filler.open("wb") as out, contextlib.suppress(OSError):
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        message = ""
        for i in range(5000):  # until the WAL needs a page it cannot have
            params = {"sessionId": sid, "kind": "prompt", "text": f"{i} " + "f" * 2000}
            try:
                answered.append(daemon.call("session/append", params))
            except RpcError as exc:
                assert exc.code == STORAGE_ERROR, exc
                message = str(exc.message)
                break
        assert "full" in message
        assert daemon.call("session/count", {"sessionId": sid})["count"] == len(answered)
        filler.unlink()
        got = daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "again"})
        assert got["seq"] == len(answered) + 1
        assert daemon.stop() == 0
    assert integrity(db) == "ok"
    assert [e[1] for e in snapshot(db)["events"]] == [sid] * (len(answered) + 1)


def test_the_store_on_a_page_limit_then_raised(tmp_path: Path) -> None:
    """The same fault without mounting: SQLite's max_page_count."""
    from sessiond.errors import StorageError
    from sessiond.store import SqliteStore as Store

    with Store(str(tmp_path / "pages.db")) as store:
        sid = store.start_session("pages").id
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        kept = 0
        with pytest.raises(StorageError, match="full"):
            for _ in range(1000):
                store.append(sid, "prompt", "p" * 3000)
                kept += 1
        assert store.count(sid) == kept
        store.conn.execute("PRAGMA max_page_count = 1000000")
        assert store.append(sid, "prompt", "resumed").seq == kept + 1


def test_a_read_only_file_system(tmpfs: Path) -> None:
    db = tmpfs / "ro.db"
    filled(db, sessions=1, events=20)
    before = snapshot(db), digest(db)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        run = refused(db)
        assert "read-only" in run.stderr
        assert digest(db) == before[1]
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    with started(db) as daemon:  # the fault cleared: writing resumes
        got = daemon.call("session/append", {"sessionId": 1, "kind": "prompt", "text": "rw"})
        assert got["seq"] == 21
        assert daemon.stop() == 0
    assert snapshot(db)["events"][:20] == before[0]["events"]
