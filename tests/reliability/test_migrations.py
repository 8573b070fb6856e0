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

from sessiond.store import SqliteStore
from sessiond.store.sqlite.migrations import APPLICATION_ID, LATEST_VERSION, MIGRATIONS
from support.daemon import TIMEOUT, connect, integrity, snapshot, started

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures"


V1_FIELDS = (
    "id",
    "ulid",
    "startedAt",
    "endedAt",
    "engineBaseUrl",
    "cliVersion",
    "parentUlid",
    "eventCount",
)


def test_a_v1_file_opens_with_every_session_and_event(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)  # the fixture itself is never opened
    with contextlib.closing(connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
    expected = json.loads((FIXTURES / "v1.json").read_text())
    with started(db) as daemon:
        sessions = daemon.call("session/list", {"limit": 100})["sessions"]
        # Every v1 field as it was; the version-2 ones new.
        assert [{k: s[k] for k in V1_FIELDS} for s in sessions] == expected["sessions"]
        assert all(s["title"] is None and s["deletedAt"] is None for s in sessions)
        for session in sessions:
            events = expected["events"][str(session["id"])]
            prompts = [e["text"] for e in events if e["kind"] == "prompt"]
            assert session["preview"] == (" ".join(prompts[0].split())[:120] if prompts else None)
        for sid, events in expected["events"].items():
            params = {"sessionId": int(sid), "limit": 10000}
            got = daemon.call("session/events", params)["events"]
            # Every v1 field as it was; version 3's meta unknown (null).
            assert [{k: v for k, v in e.items() if k != "meta"} for e in got] == events
            assert all(e["meta"] is None for e in got)
            # ... and every old event is found by search.
            for event in events[:3]:
                words = [w for w in event["text"].split() if w.isalnum()]
                if not words:
                    continue
                hits = daemon.call(
                    "session/search",
                    {"query": f'"{words[0]}"', "limit": 10000, "sessionId": int(sid)},
                )["hits"]
                assert event["seq"] in {h["seq"] for h in hits}
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


# The real migrations run in a subprocess that prints after each step of one
# version and sleeps after the step the test kills it at ('run' is the step
# done in Python after the statements).
MIGRATE = """
import sys, time
from sessiond.store import SqliteStore
from sessiond.store.sqlite.migrations import MIGRATIONS, Migration

target, kill_at = int(sys.argv[2]), int(sys.argv[3])

def step(n):
    print(f"ran {n}", flush=True)
    if n == kill_at:
        time.sleep(60)  # where the test kills it

class Slow(tuple):
    def __iter__(self):
        for n, statement in enumerate(tuple.__iter__(self)):
            yield statement
            step(n)

def slow(m):
    if m.version != target:
        return m
    def run(conn):
        m.run(conn)
        step(len(m.statements))
    return Migration(m.version, m.name, Slow(m.statements), run if m.run else None)

SqliteStore(sys.argv[1], migrations=tuple(slow(m) for m in MIGRATIONS)).close()
print("done", flush=True)
"""


def killed_after(db: Path, version: int, step: int) -> None:
    """Run the migrations on `db`, SIGKILL it once `version`'s step `step` has run."""
    proc = subprocess.Popen(
        [sys.executable, "-c", MIGRATE, str(db), str(version), str(step)],
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


V2_STEPS = len(MIGRATIONS[1].statements) + 1  # the statements, then the Python step


@pytest.mark.parametrize("step", range(V2_STEPS))
def test_killed_during_v1_to_v2(tmp_path: Path, step: int) -> None:
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)
    old = snapshot(db)
    old_schema = schema(db)
    killed_after(db, 2, step)
    assert integrity(db) == "ok"
    now = schema(db)
    assert now == old_schema  # the kill always lands inside the one transaction
    assert snapshot(db) == old


V3_STEPS = len(MIGRATIONS[2].statements) + 1


@pytest.mark.parametrize("step", range(V3_STEPS))
def test_killed_during_v2_to_v3(tmp_path: Path, step: int) -> None:
    db = tmp_path / "v2.db"
    shutil.copy(FIXTURES / "v2.db", db)
    old = snapshot(db)
    old_schema = schema(db)
    killed_after(db, 3, step)
    assert integrity(db) == "ok"
    assert schema(db) == old_schema  # the kill always lands inside the one transaction
    assert snapshot(db) == old


def test_a_v2_file_opens_with_every_session_event_and_search(tmp_path: Path) -> None:
    db = tmp_path / "v2.db"
    shutil.copy(FIXTURES / "v2.db", db)
    expected = json.loads((FIXTURES / "v2.json").read_text())
    with started(db) as daemon:
        listed = daemon.call("session/list", {"limit": 100})["sessions"]
        v2 = [k for k in expected["sessions"][0]]
        assert [{k: s[k] for k in v2} for s in listed] == expected["sessions"]
        for s in listed:
            assert (s["source"], s["project"], s["usage"], s["models"]) == (None, None, None, [])
            assert s["lastActivityAt"] >= s["startedAt"]
        trash = daemon.call("session/list", {"limit": 100, "deleted": True})["sessions"]
        assert [s["ulid"] for s in trash] == [s["ulid"] for s in expected["trash"]]
        for sid, events in expected["events"].items():
            got = daemon.call("session/events", {"sessionId": int(sid), "limit": 10000})["events"]
            assert [{k: v for k, v in e.items() if k != "meta"} for e in got] == events
        for query, hits in expected["search"].items():
            found = daemon.call("session/search", {"query": query, "limit": 10})["hits"]
            assert [(h["session"]["ulid"], h["seq"]) for h in found] == [
                (h["session"]["ulid"], h["seq"]) for h in hits
            ]
        # Version 3 on an upgraded file: CJK by its characters, titles by find.
        assert daemon.call("session/search", {"query": "アップデート", "limit": 5})["hits"]
        found = daemon.call("session/find", {"query": "CI cache", "limit": 5})["results"]
        assert found and found[0]["session"]["ulid"] == "01V2FIXTUREFIRST"
        stats = daemon.call("stats/usage", {"groupBy": "day"})["rows"]
        assert sum(r["prompts"] for r in stats) == 1 + 40  # the trashed session's left out
        assert daemon.stop() == 0
    assert schema(db)["version"] == LATEST_VERSION


V4_STEPS = len(MIGRATIONS[3].statements)  # no Python step


@pytest.mark.parametrize("step", range(V4_STEPS))
def test_killed_during_v3_to_v4(tmp_path: Path, step: int) -> None:
    db = tmp_path / "v3.db"
    shutil.copy(FIXTURES / "v3.db", db)
    old = snapshot(db)
    old_schema = schema(db)
    killed_after(db, 4, step)
    assert integrity(db) == "ok"
    assert schema(db) == old_schema  # the kill always lands inside the one transaction
    assert snapshot(db) == old


def test_a_v3_file_opens_with_everything_and_gets_the_embeddings(tmp_path: Path) -> None:
    db = tmp_path / "v3.db"
    shutil.copy(FIXTURES / "v3.db", db)
    expected = json.loads((FIXTURES / "v3.json").read_text())
    with started(db) as daemon:
        listed = daemon.call("session/list", {"limit": 100})["sessions"]
        assert listed == expected["sessions"]
        trash = daemon.call("session/list", {"limit": 100, "deleted": True})["sessions"]
        assert trash == expected["trash"]
        for sid, events in expected["events"].items():
            got = daemon.call("session/events", {"sessionId": int(sid), "limit": 10000})["events"]
            assert got == events
        for query, ulids in expected["find"].items():
            found = daemon.call("session/find", {"query": query, "words": True})["results"]
            assert [r["session"]["ulid"] for r in found] == ulids
        assert daemon.call("stats/usage", {"groupBy": "model"})["rows"] == expected["stats"]
        assert daemon.stop() == 0
    got = schema(db)
    assert got["version"] == LATEST_VERSION == 5
    assert {"embeddings", "embedding_space", "events_place"} <= got["names"]
    with contextlib.closing(connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM embeddings").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM embedding_space").fetchone() == (0,)


def v4_file(tmp_path: Path) -> Path:
    """The v3 fixture brought to version 4 by the migrations of then."""
    db = tmp_path / "v4.db"
    shutil.copy(FIXTURES / "v3.db", db)
    SqliteStore(str(db), migrations=MIGRATIONS[:4]).close()
    assert schema(db)["version"] == 4
    return db


def test_killed_during_v4_to_v5(tmp_path: Path) -> None:
    db = v4_file(tmp_path)
    old, old_schema = snapshot(db), schema(db)
    killed_after(db, 5, 0)  # its one statement run, not committed
    assert integrity(db) == "ok"
    assert schema(db) == old_schema
    assert snapshot(db) == old


def test_v4_to_v5_adds_the_place_index_that_find_reads(tmp_path: Path) -> None:
    db = v4_file(tmp_path)
    with started(db) as daemon:
        found = daemon.call("session/find", {"query": "CI cache", "words": True})["results"]
        assert found
        assert daemon.stop() == 0
    assert "events_place" in schema(db)["names"]
    with contextlib.closing(connect(db)) as conn:
        plan = conn.execute(
            "EXPLAIN QUERY PLAN SELECT f.rowid, e.session_id, e.created_at FROM events_fts AS f"
            " JOIN events AS e INDEXED BY events_place ON e.id = f.rowid"
            " WHERE events_fts MATCH 'cache'"
        ).fetchall()
        assert any("COVERING INDEX events_place" in row[-1] for row in plan)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("step", range(4))
def test_killed_during_v0_to_v1(tmp_path: Path, step: int) -> None:
    db = tmp_path / "new.db"
    killed_after(db, 1, step)
    assert integrity(db) == "ok"
    assert schema(db) == {"version": 0, "names": set(), "columns": set()}
    # The next open migrates the file the whole way.
    with started(db) as daemon:
        assert daemon.call("session/start", {"cliVersion": "after"})["id"] == 1
        assert daemon.stop() == 0
    assert schema(db)["version"] == LATEST_VERSION


def test_an_unkilled_slow_migration_reaches_the_latest(tmp_path: Path) -> None:
    """The control: the same run, not killed, does change the file."""
    db = tmp_path / "v1.db"
    shutil.copy(FIXTURES / "v1.db", db)
    old = snapshot(db)
    run = subprocess.run(
        [sys.executable, "-c", MIGRATE, str(db), "2", "-1"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert run.returncode == 0, run.stderr
    got = schema(db)
    assert got["version"] == LATEST_VERSION
    assert "events_fts" in got["names"] and "title" in got["columns"]
    with contextlib.closing(connect(db)) as conn:
        indexed = conn.execute("SELECT count(*) FROM events_fts").fetchone()[0]
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')")
    assert indexed == len(old["events"])
    new = snapshot(db)
    assert [e[:6] for e in new["events"]] == [e[:6] for e in old["events"]]
    assert [s[:8] for s in new["sessions"]] == [s[:8] for s in old["sessions"]]
