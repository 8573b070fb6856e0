"""`sessiond index`: every turn embedded, said in a summary; resumable after
Ctrl-C or a kill (real processes); refused with the way out when the extra
is missing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sessiond.store import SqliteStore
from support import cli
from support.daemon import integrity
from support.semantic import fill, without_extra

DEADLINE_S = 120.0


def small(tmp_path: Path) -> str:
    db = str(tmp_path / "history.db")
    store = SqliteStore(db)
    fill(store)
    store.close()
    return db


def counted(db: str) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        done = conn.execute("SELECT count(*), count(DISTINCT event_id) FROM embeddings")
        return done.fetchone()
    finally:
        conn.close()


def test_index_embeds_every_turn_and_says_so(tmp_path: Path) -> None:
    db = small(tmp_path)
    done = cli.run("index", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "Embedded 8 turns" in done.stdout and "8 of 8 turns" in done.stdout
    assert counted(db) == (8, 8)
    again = cli.run("index", "--db", db)
    assert again.returncode == 0 and "Every turn is searchable by meaning (8)" in again.stdout


def test_index_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    db = small(tmp_path)
    done = without_extra("index", "--db", db)
    assert done.returncode == 2
    assert "pip install 'sessiond[semantic]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_index_refuses_bad_options(tmp_path: Path) -> None:
    db = small(tmp_path)
    done = cli.run("index", "--tokens", "3", "--db", db)
    assert done.returncode == 2 and "--tokens must be from 16 to 512" in done.stderr


def many(tmp_path: Path, n: int = 400) -> str:
    db = str(tmp_path / "many.db")
    store = SqliteStore(db)
    session = store.start_session("t")
    store.append_many(
        [
            (session.id, "prompt" if i % 2 else "system", f"turn {i} about topic {i % 37}")
            for i in range(n)
        ]
    )
    store.close()
    return db


def started_index(db: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "sessiond", "index", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_some(db: str, proc: subprocess.Popen[str]) -> int:
    """Until a first batch is committed (the condition polled, with a deadline)."""
    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        if os.path.exists(db):
            with __import__("contextlib").suppress(sqlite3.OperationalError):
                got = counted(db)[0]
                if got:
                    return got
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    raise AssertionError("sessiond index committed nothing in time")


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill -9"])
def test_index_stopped_half_way_goes_on_where_it_stopped(tmp_path: Path, how: int) -> None:
    db = many(tmp_path)
    proc = started_index(db)
    try:
        wait_for_some(db, proc)
        proc.send_signal(how)
        _out, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    kept, distinct = counted(db)
    assert 0 < kept < 400 and kept == distinct, "stopped half-way, every vector once"
    if how == signal.SIGINT:
        assert proc.returncode == 130
        assert "Stopped:" in err and "run sessiond index again to go on" in err
        assert "Traceback" not in err
    else:
        assert proc.returncode == -signal.SIGKILL
    assert integrity(db) == "ok"
    again = cli.run("index", "--db", db)
    assert again.returncode == 0, again.stderr
    assert f"Embedded {400 - kept:,} turns" in again.stdout
    assert counted(db) == (400, 400)
