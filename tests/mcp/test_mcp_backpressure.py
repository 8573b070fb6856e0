"""Backpressure: `sessiond mcp` stops reading stdin while its answers wait
unsent, so a client that sends thousands of requests without reading cannot
make it grow; every answer still arrives once the client reads.

Prints the server's peak RSS (from wait4, through a small launcher). Before
it paused its input, 3,000 unread answers took it from 73 to 504 MB.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from support.mcpkit import Measured, seed, tool_call

# Thousands of answers of 80 KB: about half a minute.
pytestmark = pytest.mark.slow

PEAK_LIMIT_MB = 300
REQUESTS = 3000


def whole_answer(answer: dict[str, Any]) -> None:
    """An answer to read_session of the wide session: its newest 13 turns."""
    result = answer["result"]
    assert not result.get("isError"), result
    assert [e["seq"] for e in result["structuredContent"]["events"]] == list(range(18, 31))


def test_thousands_of_unread_answers_keep_it_small(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    ids = set(range(1, REQUESTS + 1))
    # The newest turns of the wide session that fit one answer: about 80 KB.
    requests = b"".join(tool_call(i, "read_session", ulid=seeded.wide, limit=500) for i in ids)

    server = Measured(db, whole_answer)
    try:
        server.initialize()
        unsent = server.flood(requests, idle=3.0)
        # It stopped reading: the requests it has not taken wait in this process.
        assert unsent, f"sessiond mcp read all {REQUESTS:,} requests with no answer read"
        server.start_reading()
        server.stdin.write(unsent)
        server.stdin.flush()
        server.wait_answered(ids)
        code, peak = server.finish()
    finally:
        server.close()
    sent = len(requests) - len(unsent)
    print(
        f"\n{REQUESTS:,} read_session calls of 80 KB answers, sent unread: the server "
        f"stopped reading after {sent:,} of {len(requests):,} bytes; peak RSS {peak:.0f} MB"
    )
    assert code == 0, server.stderr()
    assert peak <= PEAK_LIMIT_MB, f"sessiond mcp grew to {peak:.0f} MB"


def test_answers_arrive_although_the_client_reads_only_after_closing_stdin(
    tmp_path: Path,
) -> None:
    """A client that sends everything, closes stdin, then reads: every request
    read is answered before the server ends (the SDK's server cancels what is
    still running once it sees the end of input), and it exits 0."""
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    ids = set(range(1, 201))
    server = Measured(db, whole_answer)
    try:
        server.initialize()
        # 30 KB of requests (the pipe holds them); 16 MB of answers.
        server.stdin.write(
            b"".join(tool_call(i, "read_session", ulid=seeded.wide, limit=500) for i in ids)
        )
        server.stdin.close()
        server.start_reading()
        server.wait_answered(ids)
        code, _ = server.finish()
    finally:
        server.close()
    assert code == 0, server.stderr()


def test_a_client_that_leaves_without_reading_does_not_hold_it(tmp_path: Path) -> None:
    """Output full, then the client closes its end of stdout and stdin: the
    server must not wait for a drain that cannot come. It ends, saying so."""
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    server = Measured(db)
    try:
        server.initialize()
        requests = b"".join(
            tool_call(i, "read_session", ulid=seeded.wide, limit=500) for i in range(1, 3001)
        )
        unsent = server.flood(requests, idle=3.0)
        assert unsent  # it stopped reading: its output is full
        server.stdout.close()
        server.stdin.write(unsent)  # it reads again, as nothing can wait to be sent
        code, _ = server.finish()
    finally:
        server.close()
    assert code == 0, server.stderr()
    assert "the client closed stdout" in server.stderr()
