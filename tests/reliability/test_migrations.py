"""Upgrades: the first released schema's file opens intact under this code,
and a migration killed half-way leaves the file at the old version or the
new one, never between.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from daemon import TIMEOUT, connect, integrity, snapshot, started

FIXTURES = Path(__file__).parent / "fixtures"


def test_a_v1_file_opens_with_every_session_and_event(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)  # the fixture itself is never opened
    with contextlib.closing(connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    expected = json.loads((FIXTURES / "v1.json").read_text())
    with started(db) as daemon:
        assert daemon.call("session/list", {"limit": 100})["sessions"] == expected["sessions"]
        for sid, events in expected["events"].items():
            params = {"sessionId": int(sid), "limit": 10000}
            assert daemon.call("session/events", params)["events"] == events
        for key, value in expected["milestones"].items():
            assert daemon.call("milestone/get", {"key": key}) == {"value": value}
        # ... and it goes on being written.
        newest = expected["sessions"][0]
        got = daemon.call(
            "session/append", {"sessionId": newest["id"], "kind": "prompt", "text": "v"}
        )
        assert got["seq"] == newest["eventCount"] + 1
        assert daemon.stop() == 0
    assert integrity(db) == "ok"


# A migration run in a subprocess that prints after each step and sleeps,
# sleeping after the step the test kills it at.
MIGRATE = """
import sys, time
from sessiond.store import MIGRATIONS, Migration, Store

class Slow(tuple):
    def __iter__(self):
        for n, statement in enumerate(tuple.__iter__(self)):
            yield statement
            print(f"ran {n}", flush=True)
            if n == int(sys.argv[3]):
                time.sleep(60)  # where the test kills it

V2 = Migration(2, "test only: a table, rows, an index, a column", Slow((
    "CREATE TABLE tags (event_id INTEGER NOT NULL REFERENCES events(id), tag TEXT NOT NULL)",
    "INSERT INTO tags SELECT id, kind FROM events",
    "CREATE INDEX tags_by_tag ON tags(tag)",
    "ALTER TABLE sessions ADD COLUMN title TEXT",
)))
V1 = Migration(1, MIGRATIONS[0].name, Slow(MIGRATIONS[0].statements))
Store(sys.argv[1], migrations=(V1, V2) if sys.argv[2] == "v1" else (*MIGRATIONS, V2)).close()
print("done", flush=True)
"""


def killed_after(db: Path, which: str, step: int) -> None:
    """Run the slow migrations on `db`, SIGKILL it once step `step` has run."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MIGRATE, str(db), which, str(step)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # ends when the process does
            if line.strip() in (f"ran {step}", "done"):
                break
    finally:
        proc.kill()
        proc.wait(TIMEOUT)


def schema(db: Path) -> dict[str, Any]:
    with contextlib.closing(connect(db)) as conn:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
        columns = {c[1] for c in conn.execute("PRAGMA table_info(sessions)")}
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    return {"version": version, "names": names, "columns": columns}


@pytest.mark.parametrize("step", range(4))
def test_killed_during_v1_to_v2(tmp_path: Path, step: int) -> None:
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)
    old = snapshot(db)
    old_schema = schema(db)
    killed_after(db, "v2", step)
    assert integrity(db) == "ok"
    now = schema(db)
    assert now == old_schema  # the kill always lands inside the one transaction
    assert snapshot(db) == old


@pytest.mark.parametrize("step", range(4))
def test_killed_during_v0_to_v1(tmp_path: Path, step: int) -> None:
    db = tmp_path / "new.db"
    killed_after(db, "v1", step)
    assert integrity(db) == "ok"
    assert schema(db) == {"version": 0, "names": set(), "columns": set()}
    # The next open migrates the file the whole way.
    with started(db) as daemon:
        assert daemon.call("session/start", {"cliVersion": "after"})["id"] == 1
        assert daemon.stop() == 0
    assert schema(db)["version"] == 1


def test_an_unkilled_slow_migration_reaches_v2(tmp_path: Path) -> None:
    """The control: the same run, not killed, does change the file."""
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)
    run = subprocess.run(
        [sys.executable, "-c", MIGRATE, str(db), "v2", "-1"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert run.returncode == 0, run.stderr
    got = schema(db)
    assert got["version"] == 2 and "tags" in got["names"] and "title" in got["columns"]
    with contextlib.closing(connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM tags").fetchone()[0] == 46
