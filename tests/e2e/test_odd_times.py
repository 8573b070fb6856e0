"""Times outside years 1 to 9999 (issue 25): an import no longer stores them,
but a store written before may hold them. Every command and the wire show
them at the nearest end of the range; none crashes."""

from __future__ import annotations

import sqlite3

import pytest

from sessiond.store import open_store
from support.cli import run
from support.rawpipe import Daemon, request

FAR = 10**17  # year 3170843: what a broken transcript once gave an import


@pytest.fixture
def odd(tmp_path):
    db = str(tmp_path / "odd.db")
    with open_store(db) as store:
        s = store.start_session("t", ulid="ODDTIMES")
        store.append(s.id, "prompt", "a turn from the far future")
        store.append(s.id, "system", "and one from before year one")
        gone = store.start_session("t", ulid="ODDTRASH")
        store.append(gone.id, "prompt", "trashed far future")
        store.delete_session(gone.id)
    with sqlite3.connect(db) as conn:  # as an older sessiond's import wrote them
        conn.execute("UPDATE events SET created_at = ? WHERE seq = 1", (FAR,))
        conn.execute("UPDATE events SET created_at = ? WHERE seq = 2", (-FAR,))
        conn.execute("UPDATE sessions SET started_at = ?, deleted_at = ?", (-FAR, FAR))
        conn.execute("UPDATE sessions SET deleted_at = NULL WHERE ulid = 'ODDTIMES'")
    return db


@pytest.mark.parametrize(
    "args",
    [
        ["ls"],
        ["show", "ODDTIMES"],
        ["tail", "ODDTIMES"],
        ["search", "turn"],
        ["trash"],
        ["export", "ODDTIMES", "--format", "markdown"],
        ["trash", "empty", "--yes"],
    ],
    ids=" ".join,
)
def test_commands_show_them_without_a_traceback(odd, args):
    done = run(*args, "--db", odd)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


def test_the_wire_carries_times_within_the_range(odd):
    d = Daemon(db=odd)
    try:
        d.send(request(0, "initialize", {"capabilities": {}}))
        d.answer(0)
        events = d.call(1, "session/events", {"sessionId": 1, "limit": 10})["result"]["events"]
        session = d.call(2, "session/get", {"ulid": "ODDTIMES"})["result"]
    finally:
        d.kill()
    assert [e["createdAt"] for e in events] == [
        "9999-12-31T23:59:59.999Z",
        "0001-01-01T00:00:00.000Z",
    ]
    assert session["startedAt"] == "0001-01-01T00:00:00.000Z"
