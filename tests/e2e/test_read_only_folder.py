"""A history in a folder sessiond cannot write is read all the same (issue 24).

A 0444 file in a 0555 folder (a read-only mount, a sandboxed agent, another
user's backup): every read-only command and `sessiond mcp` read it, and
neither the file nor the folder changes. When a writer died leaving turns in
its `-wal`, the refusal says what to do.

The tests run as root in CI, which permissions do not stop: the reading
commands run without the capabilities that let root past them (setpriv), so
the file's mode bits apply to them as to anyone.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sessiond.store import open_store

SESSIOND = [sys.executable, "-m", "sessiond"]
NO_OVERRIDE = "-dac_override,-dac_read_search,-fowner"


def as_a_reader(*args: str) -> subprocess.CompletedProcess[str]:
    """`sessiond ARGS` without the power to write what its modes forbid."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("setpriv (util-linux) is needed to test permissions as root")
        prefix = [setpriv, f"--bounding-set={NO_OVERRIDE}", f"--inh-caps={NO_OVERRIDE}", "--"]
    return subprocess.run(
        [*prefix, *SESSIOND, *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def locked(tmp_path: Path):
    folder = tmp_path / "backup"
    folder.mkdir()
    db = folder / "sessions.db"
    with open_store(str(db)) as store:
        s = store.start_session("sessiond-chat 0.1", ulid="01READONLYFOLDER", project="/p")
        store.append(s.id, "prompt", "where did we put the zanzibar notes")
        store.rename_session(s.id, "Zanzibar notes")
    os.chmod(db, 0o444)
    os.chmod(folder, 0o555)
    yield folder, db
    os.chmod(folder, 0o755)
    os.chmod(db, 0o644)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["ls"], "Zanzibar notes"),
        (["show", "01READONLY"], "zanzibar notes"),
        (["search", "zanzibar"], "zanzibar"),
        (["find", "zanzibar"], "anzibar"),
        (["export", "01READONLY", "--format", "jsonl"], "zanzibar notes"),
    ],
    ids=lambda v: v[0] if isinstance(v, list) else "",
)
def test_read_commands_read_it_and_change_nothing(locked, args, says):
    folder, db = locked
    before = snapshot(folder)
    done = as_a_reader(*args, "--db", str(db))
    assert done.returncode == 0, done.stderr
    assert says in done.stdout
    assert snapshot(folder) == before  # no -wal, no -shm, not a byte of the file


def test_mcp_reads_it_too(locked):
    folder, db = locked
    before = snapshot(folder)
    request = (
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
        '"capabilities":{},"clientInfo":{"name":"t","version":"1"}}}\n'
        '{"jsonrpc":"2.0","method":"notifications/initialized"}\n'
        '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_sessions",'
        '"arguments":{}}}\n'
    )
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", f"--bounding-set={NO_OVERRIDE}", f"--inh-caps={NO_OVERRIDE}", "--"]
    server = subprocess.Popen(
        [*prefix, *SESSIOND, "mcp", "--db", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write(request)
    server.stdin.flush()
    answers = [server.stdout.readline() for _ in range(2)]  # initialize, then the call
    server.stdin.close()
    server.wait(timeout=30)
    assert "Zanzibar notes" in answers[1], answers
    assert snapshot(folder) == before


def test_turns_left_in_a_write_ahead_log_are_explained(tmp_path):
    folder = tmp_path / "crashed"
    folder.mkdir()
    db = folder / "sessions.db"
    with open_store(str(db)) as store:
        s = store.start_session("t")
    # A writer that dies holding turns in its -wal, never checkpointed.
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from sessiond.store import open_store\n"
            "store = open_store(sys.argv[1])\n"
            "store.append(int(sys.argv[2]), 'prompt', 'a turn only the wal has')\n"
            "print('ok', flush=True)\n"
            "os.kill(os.getpid(), 9)\n",
            str(db),
            str(s.id),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "ok"
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    (folder / "sessions.db-shm").unlink(missing_ok=True)  # as a copy or a backup has it
    assert (folder / "sessions.db-wal").stat().st_size > 0
    os.chmod(folder, 0o555)
    try:
        done = as_a_reader("ls", "--db", str(db))
    finally:
        os.chmod(folder, 0o755)
    assert done.returncode == 4
    assert "write-ahead log" in done.stderr and "user who can" in done.stderr
