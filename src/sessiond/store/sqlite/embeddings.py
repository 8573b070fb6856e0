"""Vectors for search by meaning on SQLite: the bytes `sessiond.semantic`
makes, kept in `embeddings` (one row per turn) under `embedding_space` (how
they were made). Nothing here knows numpy: rows in, rows out.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from sessiond.models import Found, now_ms
from sessiond.store.base import EMBEDDED_KINDS, Space

#: Characters of a turn handed to the embedder: more than any model's word
#: pieces take (128 word pieces are about 500 characters of English, 128 of
#: Chinese), so the text need not be read whole.
OPENING = 4000
_KINDS = ", ".join(f"'{k}'" for k in EMBEDDED_KINDS)


def space(conn: sqlite3.Connection) -> Space | None:
    row = conn.execute(
        "SELECT model, dims, tokens, scale, mean, created_at FROM embedding_space"
    ).fetchone()
    return None if row is None else Space(*row)


def make_space(conn: sqlite3.Connection, wanted: Space) -> Space:
    """(In a write transaction.)"""
    stored = space(conn)
    if stored is not None and (
        stored.model,
        stored.dims,
        stored.tokens,
        stored.scale,
        stored.mean,
    ) == (wanted.model, wanted.dims, wanted.tokens, wanted.scale, wanted.mean):
        return stored
    created = now_ms()
    if stored is not None and created <= stored.created_at:
        created = stored.created_at + 1
    conn.execute("DELETE FROM embeddings")
    conn.execute(
        "INSERT OR REPLACE INTO embedding_space (id, model, dims, tokens, scale, mean, created_at)"
        " VALUES (1, ?, ?, ?, ?, ?, ?)",
        (wanted.model, wanted.dims, wanted.tokens, wanted.scale, wanted.mean, created),
    )
    made = space(conn)
    assert made is not None
    return made


def unembedded(
    conn: sqlite3.Connection, above: int, limit: int, below: int | None, newest_first: bool
) -> list[tuple[int, str]]:
    order = "DESC" if newest_first else ""
    bound = "" if below is None else " AND e.id < ?"
    params: list[object] = [OPENING, above]
    if below is not None:
        params.append(below)
    rows = conn.execute(
        "SELECT e.id, substr(e.text, 1, ?) FROM events AS e"
        f" WHERE e.id > ?{bound} AND e.kind IN ({_KINDS})"
        " AND NOT EXISTS (SELECT 1 FROM embeddings AS m WHERE m.event_id = e.id)"
        f" ORDER BY e.id {order} LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [(int(i), str(t)) for i, t in rows]


def put(conn: sqlite3.Connection, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
    """(In a write transaction.)"""
    stored = space(conn)
    if stored is None or stored.created_at != created_at:
        return 0
    kept = 0
    for event_id, q8, bits in rows:
        if conn.execute("SELECT 1 FROM events WHERE id = ?", (event_id,)).fetchone() is None:
            continue
        # A turn embedded again (its text redacted) gets a new row id, so
        # that the processes holding the bits read it again.
        conn.execute("DELETE FROM embeddings WHERE event_id = ?", (event_id,))
        conn.execute(
            "INSERT INTO embeddings (event_id, q8, bits) VALUES (?, ?, ?)", (event_id, q8, bits)
        )
        kept += 1
    return kept


def counts(conn: sqlite3.Connection) -> tuple[int, int, int]:
    done, newest = conn.execute(
        "SELECT count(*), coalesce(max(event_id), 0) FROM embeddings"
    ).fetchone()
    return (
        int(done),
        int(conn.execute(f"SELECT count(*) FROM events WHERE kind IN ({_KINDS})").fetchone()[0]),
        int(newest),
    )


def bits(conn: sqlite3.Connection, after: int, limit: int) -> tuple[int, list[int], bytes]:
    rows = conn.execute(
        "SELECT id, event_id, bits FROM embeddings WHERE id > ? ORDER BY id LIMIT ?",
        (after, limit),
    ).fetchall()
    if not rows:
        return after, [], b""
    return rows[-1][0], [r[1] for r in rows], b"".join(r[2] for r in rows)


def q8(conn: sqlite3.Connection, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    for start in range(0, len(event_ids), 500):
        chunk = list(event_ids[start : start + 500])
        marks = ", ".join("?" * len(chunk))
        out += conn.execute(
            f"SELECT event_id, q8 FROM embeddings WHERE event_id IN ({marks})", chunk
        ).fetchall()
    return out


def find_near(
    conn: sqlite3.Connection,
    near: Sequence[tuple[int, float]],
    limit: int,
    query: str,
    project: str | None,
    source: str | None,
    since: int | None,
    until: int | None,
) -> list[Found]:
    """`store.find.found_near` over `conn`, in one snapshot."""
    from sessiond.store.find import found_near
    from sessiond.store.sqlite.find import SqliteFind

    conn.execute("BEGIN")
    try:
        backend = SqliteFind(conn, project, source, since, until)
        return found_near(backend, near, limit, query)
    finally:
        conn.execute("COMMIT")
