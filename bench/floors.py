"""Floors and fixtures: in-process SQLite, no server.

`raw_appends` is the floor for pipelined appends: sessiond's own append
statements, with the daemon's pragmas, one transaction and one commit each.
The fixtures are seeded in bulk through the store's schema (the store opens
and migrates the file; the rows go in with executemany, synchronous=OFF), so
that the 1,000,000-event and 100,000-session databases take seconds, not the
hours one-commit appends would. They are for reads of events and sessions
only: their rows are not in the search index (search has its own history,
`bench.corpus`).
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator

from sessiond.store import SqliteStore

APPEND_UPDATE = (
    "UPDATE sessions SET event_count = event_count + 1"
    " WHERE id = ? AND ended_at IS NULL RETURNING event_count"
)
APPEND_INSERT = (
    "INSERT INTO events (session_id, seq, kind, text, created_at) VALUES (?, ?, ?, ?, ?)"
)
INDEX_INSERT = "INSERT INTO events_fts (rowid, text) VALUES (?, ?)"

# Event texts: ~120 bytes, a little varied, like short chat turns.
TEXTS = [
    f"turn {i}: " + "the quick brown fox jumps over the lazy dog, " * 2 + "x" * (i % 17)
    for i in range(64)
]
KINDS = ("prompt", "system")
BASE_MS = 1_764_000_000_000  # late 2025


def remove_db(path: str) -> None:
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            os.remove(name)


def new_db(path: str, sessions: int = 1) -> None:
    """A fresh, migrated database with `sessions` open sessions (ids 1..)."""
    seed(path, sessions, 0)


def db_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))


def seed(path: str, sessions: int, events: int) -> None:
    """`sessions` sessions; session 1 holds `events` events; the rest one each.

    Session 1 is the oldest, so `session/list` never finds it on top.
    """
    remove_db(path)
    SqliteStore(path).close()  # schema and pragmas by the store itself
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO sessions (id, ulid, started_at, cli_version, event_count)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (i, f"01BENCH{i:019d}", BASE_MS + i * 60_000, "bench", events if i == 1 else 1)
            for i in range(1, sessions + 1)
        ),
    )

    def rows() -> Iterator[tuple[int, int, str, str, int]]:
        for seq in range(1, events + 1):
            yield (1, seq, KINDS[seq & 1], TEXTS[seq & 63], BASE_MS + seq * 10)
        for i in range(2, sessions + 1):
            yield (i, 1, "prompt", TEXTS[i & 63], BASE_MS + i * 60_000)

    conn.executemany(APPEND_INSERT, rows())
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def raw_appends(path: str, n: int, index: bool = False) -> float:
    """Appends per second: in-process, the daemon's pragmas, one commit each.

    Without `index`, the row only (version 1's work: the floor of issue 6's
    goal, kept for issue 11's); with it, the search index's row too, as the
    store writes it since version 2."""
    new_db(path)
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    t0 = time.perf_counter()
    for i in range(n):
        conn.execute("BEGIN IMMEDIATE")
        seq = conn.execute(APPEND_UPDATE, (1,)).fetchone()[0]
        text = TEXTS[i & 63]
        cursor = conn.execute(APPEND_INSERT, (1, seq, "prompt", text, time.time_ns() // 1_000_000))
        if index:
            conn.execute(INDEX_INSERT, (cursor.lastrowid, text))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    conn.close()
    return n / elapsed
