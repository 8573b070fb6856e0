"""Many processes on one PostgreSQL session, and a server restart mid-burst.

Real processes, each with its own store, through the real server: `seq`
stays exact, the feed sees every event exactly once in order, and a restart
(`pg_ctlcluster ... restart`) loses nothing that was answered.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time

import pytest

from sessiond.store import Added, open_store
from support.postgres import need_psycopg

# Eight processes, a server restart: about 20 s.
pytestmark = pytest.mark.slow

need_psycopg()

CLUSTER_ENV = "SESSIOND_TEST_PG_CLUSTER"

APPENDER = """
import sys
from sessiond.store import open_store
url, session_id, who, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
store = open_store(url)
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # the start signal: every process appends at once
for i in range(n):
    store.append(session_id, "system", f"{who}:{i}")
store.close()
"""

BURST = """
import json, os, sys
from sessiond.errors import SessiondError
from sessiond.store import open_store

url, session_id, stop = sys.argv[1], int(sys.argv[2]), sys.argv[3]
store = open_store(url)
n = 0
while not os.path.exists(stop):
    items = [(session_id, "system", f"t{n + k}") for k in range(1 if n % 2 else 5)]
    n += len(items)
    for (_, _, text), outcome in zip(items, store.append_many(items)):
        if isinstance(outcome, SessiondError):
            line = {"err": outcome.code, "message": outcome.message, "text": text}
        else:
            line = {"ok": outcome.seq, "text": text}
        sys.stdout.write(json.dumps(line) + "\\n")
    sys.stdout.flush()
store.close()
"""


def collect(feed, changes, timeout):
    """Wait (on the feed's descriptor) for news, then poll once."""
    fd = feed.fileno()
    if fd is not None and not feed.more:
        select.select([fd], [], [], timeout)
    changes += feed.poll()


def test_eight_processes_two_thousand_appends_each(postgres_url):
    procs_n, per_proc = 8, 2000
    with open_store(postgres_url) as store:
        session = store.start_session("v")
        feed = store.feed()
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    APPENDER,
                    postgres_url,
                    str(session.id),
                    f"p{k}",
                    str(per_proc),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for k in range(procs_n)
        ]
        for proc in procs:
            assert proc.stdout.readline() == "ready\n"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        changes: list = []
        deadline = time.monotonic() + 300
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            collect(feed, changes, 0.5)
        assert [p.wait(timeout=60) for p in procs] == [0] * procs_n
        total = procs_n * per_proc
        while len(changes) < total and time.monotonic() < deadline:
            collect(feed, changes, 0.5)
        events = _all_events(store, session.id)
        feed.close()
    assert [e.seq for e in events] == list(range(1, total + 1))
    by_proc: dict[str, list[int]] = {}
    for event in events:
        who, i = event.text.split(":")
        by_proc.setdefault(who, []).append(int(i))
    # Each process's appends, in the order it made them, nothing twice.
    assert by_proc == {f"p{k}": list(range(per_proc)) for k in range(procs_n)}
    # The feed: every event exactly once, in seq order.
    assert all(isinstance(c, Added) for c in changes)
    assert [c.event.seq for c in changes] == list(range(1, total + 1))
    assert [c.event.text for c in changes] == [e.text for e in events]


def cluster() -> list[str]:
    given = os.environ.get(CLUSTER_ENV, "").split()
    if len(given) != 2:
        message = (
            f"the restart test needs {CLUSTER_ENV}='VERSION NAME' (e.g. '15 main'), a local "
            "cluster this user may restart with pg_ctlcluster"
        )
        if os.environ.get("SESSIOND_REQUIRE_POSTGRES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return given


def read_lines(proc, lines, until, timeout):
    """Read the burst's JSON lines until `until(lines)` holds."""
    deadline = time.monotonic() + timeout
    while not until(lines):
        assert time.monotonic() < deadline, f"only {len(lines)} answers before the timeout"
        line = proc.stdout.readline()
        assert line, f"the burst ended early (exit {proc.wait()})"
        lines.append(json.loads(line))


def test_a_server_restart_mid_burst_loses_nothing_answered(postgres_url, tmp_path):
    version, name = cluster()
    stop = tmp_path / "stop"
    with open_store(postgres_url) as store:
        session = store.start_session("v")
        feed = store.feed()
        errors = tmp_path / "burst.err"
        proc = subprocess.Popen(
            [sys.executable, "-c", BURST, postgres_url, str(session.id), str(stop)],
            stdout=subprocess.PIPE,
            stderr=errors.open("w"),
            text=True,
        )
        lines: list[dict] = []
        try:
            read_lines(proc, lines, lambda got: len(got) >= 300, 60)
            subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True, timeout=120)
            after = len(lines)
            # The burst goes on by itself once the server is back.
            read_lines(proc, lines, lambda got: sum("ok" in x for x in got[after:]) >= 300, 120)
        finally:
            stop.touch()
            # read() on the same buffered file as readline() (communicate()
            # would read the pipe beneath it and miss what is buffered).
            rest = proc.stdout.read()
            proc.wait(timeout=60)
        lines += [json.loads(line) for line in rest.splitlines()]
        assert proc.returncode == 0, errors.read_text()
        stored = {e.seq: e.text for e in _all_events(store, session.id)}
        changes: list = []
        deadline = time.monotonic() + 60
        while len(changes) < len(stored) and time.monotonic() < deadline:
            collect(feed, changes, 0.5)
        feed.close()
    answered = [x for x in lines if "ok" in x]
    refused = [x for x in lines if "err" in x]
    assert refused, "the restart refused no append; it came too late to test anything"
    for x in refused:
        assert x["err"] == 1005 and "PostgreSQL" in x["message"], x
    # Every answered append is stored, at the seq it was given; seq has no gap.
    assert {x["ok"]: x["text"] for x in answered}.items() <= stored.items()
    assert sorted(stored) == list(range(1, len(stored) + 1))
    # Anything else stored was refused with "may or may not have been stored".
    unsure = {x["text"] for x in refused if "may or may not" in x["message"]}
    assert set(stored.values()) - {x["text"] for x in answered} <= unsure
    # The feed, which lost its connection too, gave each event exactly once.
    assert [c.event.seq for c in changes] == sorted(stored)


def _all_events(store, session_id):
    out = []
    after = 0
    while batch := store.events_after(session_id, after, 10_000):
        out += batch
        after = batch[-1].seq
    return out
