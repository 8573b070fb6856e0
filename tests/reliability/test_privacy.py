"""Privacy: private files and folders, no network socket, stdout carries
frames only, and an event's text never reaches the logs at the default level.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from support.daemon import Daemon, frame, started

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow

SECRET = "SECRET-7f3a the person's private words"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_folders_are_0700_and_files_0600_whatever_the_umask(tmp_path: Path) -> None:
    db = tmp_path / "a" / "b" / "sessions.db"
    old = os.umask(0)  # the most permissive umask a person could have
    try:
        daemon = started(db, log=tmp_path / "stderr")
    finally:
        os.umask(old)
    with daemon:
        sid = daemon.call("session/start", {"cliVersion": "privacy"})["id"]
        daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "x"})
        # While it runs, the WAL and its index exist too.
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert mode(path) == 0o600, path
        for folder in (tmp_path / "a", tmp_path / "a" / "b"):
            assert mode(folder) == 0o700, folder


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def _network_inodes(pid: int) -> set[str]:
    found = set()
    for table in ("tcp", "tcp6", "udp", "udp6", "raw", "raw6", "udplite", "udplite6"):
        path = Path(f"/proc/{pid}/net/{table}")
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            found.add(line.split()[9])
    return found


def test_the_daemon_opens_no_network_socket(tmp_path: Path) -> None:
    with started(tmp_path / "net.db") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "net"})["id"]
        daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "x"})
        daemon.call("session/list", {"limit": 5})
        pid = daemon.proc.pid
        mine = _socket_inodes(pid)  # asyncio's own socketpair is AF_UNIX: allowed
        assert not mine & _network_inodes(pid), "sessiond holds a TCP/UDP/raw socket"
        # The check itself can see a network socket: ours, from this process.
        import socket

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            assert _socket_inodes(os.getpid()) & _network_inodes(os.getpid())


def _provoke(daemon: Daemon) -> None:
    """Appends with the secret text down every path that could log."""
    sid = daemon.call("session/start", {"cliVersion": "logs"})["id"]
    for params in [
        {"sessionId": sid, "kind": "prompt", "text": SECRET},  # stored
        {"sessionId": sid, "kind": "prompt", "text": SECRET * 300},  # too large
        {"sessionId": sid, "kind": "nope", "text": SECRET},  # bad kind
        {"sessionId": 10**30, "kind": "prompt", "text": SECRET},  # no such session
        {"sessionId": sid, "kind": "prompt", "text": [SECRET]},  # not a string
        {"sessionId": sid, "kind": "prompt", "text": SECRET + "\ud800"},  # lone surrogate
    ]:
        reply = daemon.answer(daemon.request("session/append", params))
        assert SECRET not in str(reply.get("error", {}).get("message", ""))
    daemon.call("milestone/set", {"key": "k", "value": SECRET})
    daemon.call("session/end", {"sessionId": sid})
    ended = daemon.answer(
        daemon.request("session/append", {"sessionId": sid, "kind": "prompt", "text": SECRET})
    )
    assert ended["error"]["code"] == 1003
    daemon.send(frame(b'{"text": "' + SECRET.encode()))  # cut short: not JSON
    (reply,) = daemon.take_unmatched(1)
    assert reply["error"]["code"] == -32700


@pytest.mark.parametrize("to_file", [False, True], ids=["stderr", "log-file"])
def test_event_text_never_reaches_the_logs(tmp_path: Path, to_file: bool) -> None:
    log = tmp_path / "sessiond.log"
    extra = ("--max-text-bytes", "4096", *(("--log-file", str(log)) if to_file else ()))
    with started(tmp_path / "logs.db", *extra) as daemon:
        _provoke(daemon)
        assert daemon.stop() == 0
        assert daemon.stdout_error is None  # and stdout held frames only
        written = daemon.stderr_text() + (log.read_text() if to_file else "")
    assert SECRET[:12] not in written
    # The same run at debug level does log: the check above can fail.
    with started(tmp_path / "debug.db", *extra, "--log-level", "debug") as daemon:
        daemon.call("session/last")
        assert daemon.stop() == 0
        debug = daemon.stderr_text() + (log.read_text() if to_file else "")
    assert "DEBUG" in debug
