"""Vectors for search by meaning on PostgreSQL: the bytes `sessiond.semantic`
makes, kept in `embeddings` (one row per turn, `bytea`) under
`embedding_space` (how they were made), as the SQLite store keeps them;
nothing here knows numpy.

With pgvector (the `vector` extension) in the database, each int8 vector is
also kept as a `halfvec` in `embedding_vectors`, under an HNSW index by
cosine distance, and the nearest turns to a question are found by the server
(`nearest`): the process asking holds nothing in memory. `sessiond index`
(`make_space`) makes that table when the extension is there, or can be made
by this role (`CREATE EXTENSION vector` needs a superuser: pgvector is not
a trusted extension), and fills it from the vectors already kept. Without
pgvector the server only keeps and hands back bytes, and the code above the
store holds the bits in memory for the first pass and rescores with the
int8 vectors, as on SQLite.

Writing vectors (`make_space`, `put`) takes an advisory lock of the schema
for the rest of the transaction (`migrations.EMBED_LOCK`): writers take
turns, so the vectors' row ids are handed out in commit order, and a
process that read the bits up to a row id never misses a row committed
after with a smaller one. The space is read under that lock too, so vectors
made for a space another process replaced meanwhile are refused.
"""

from __future__ import annotations

import array
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessiond.models import Found
from sessiond.store.base import EMBEDDED_KINDS, Space
from sessiond.store.postgres.migrations import EMBED_LOCK, NOW_MS, extension_schema
from sessiond.store.postgres.rows import from_db

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]

logger = logging.getLogger(__name__)

#: Turns the HNSW index is asked for at most (pgvector's hnsw.ef_search).
MOST_NEAREST = 1000

#: Characters of a turn handed to the embedder (as on SQLite, `OPENING`
#: there): more than any model's word pieces take.
OPENING = 4000
_KINDS = ", ".join(f"'{k}'" for k in EMBEDDED_KINDS)


def _lock(conn: Connection) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", (EMBED_LOCK,))


def space(conn: Connection) -> Space | None:
    row = conn.execute(
        "SELECT model, dims, tokens, scale, mean, created_at FROM embedding_space"
    ).fetchone()
    if row is None:
        return None
    model, dims, tokens, scale, mean, created = row
    return Space(str(model), int(dims), int(tokens), float(scale), bytes(mean), int(created))


def make_space(conn: Connection, wanted: Space) -> Space:
    """(In a write transaction.)"""
    _lock(conn)
    stored = space(conn)
    if stored is not None and (
        stored.model,
        stored.dims,
        stored.tokens,
        stored.scale,
        stored.mean,
    ) == (wanted.model, wanted.dims, wanted.tokens, wanted.scale, wanted.mean):
        _make_vectors(conn, stored)  # pgvector may have come since
        return stored
    # DELETE, not TRUNCATE: readers in a snapshot taken before still see
    # the rows (TRUNCATE would empty their snapshot too), and no reader waits.
    # pgvector's table is made anew (its vectors' size is the space's).
    conn.execute("DROP TABLE IF EXISTS embedding_vectors")
    conn.execute("DELETE FROM embeddings")
    conn.execute(
        "INSERT INTO embedding_space (id, model, dims, tokens, scale, mean, created_at)"
        f" VALUES (1, %s, %s, %s, %s, %s, greatest({NOW_MS}, %s))"
        " ON CONFLICT (id) DO UPDATE SET model = excluded.model, dims = excluded.dims,"
        " tokens = excluded.tokens, scale = excluded.scale, mean = excluded.mean,"
        " created_at = excluded.created_at",
        (
            wanted.model,
            wanted.dims,
            wanted.tokens,
            wanted.scale,
            wanted.mean,
            0 if stored is None else stored.created_at + 1,
        ),
    )
    made = space(conn)
    assert made is not None
    _make_vectors(conn, made)
    return made


# pgvector


def vector_schema(conn: Connection) -> str | None:
    """The schema pgvector's types live in, or None when it is not
    installed in this database."""
    return extension_schema(conn, "vector")


def _vectors_at(conn: Connection) -> str | None:
    """pgvector's schema when this store keeps its vectors there (the table
    `embedding_vectors` exists), else None: one read."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_extension AS x JOIN pg_namespace AS n"
        " ON n.oid = x.extnamespace WHERE x.extname = 'vector'"
        " AND to_regclass('embedding_vectors') IS NOT NULL"
    ).fetchone()
    return None if row is None else str(row[0])


def _halfvec(q8: bytes) -> str:
    """An int8 vector as pgvector's text form (cosine does not see the scale)."""
    return "[" + ",".join(map(str, array.array("b", q8))) + "]"


def _make_vectors(conn: Connection, made: Space) -> None:
    """(In `make_space`'s transaction.) The pgvector table and its index,
    when pgvector is there (or can be made), filled from `embeddings`."""
    from psycopg import sql

    if _vectors_at(conn) is not None:
        return
    ext = vector_schema(conn)
    if ext is None:
        available = conn.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
        ).fetchone()
        if available is None:
            return
        try:
            with conn.transaction():  # a savepoint: refused, nothing else is undone
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        except Exception as exc:  # psycopg.Error: not allowed to this role
            logger.info("pgvector is installed but cannot be enabled here: %s", exc)
            return
        ext = vector_schema(conn)
        if ext is None:
            return
    halfvec = sql.SQL("{}.halfvec({})").format(sql.Identifier(ext), sql.Literal(made.dims))
    ops = sql.SQL("{}.halfvec_cosine_ops").format(sql.Identifier(ext))
    conn.execute(
        sql.SQL(
            "CREATE TABLE embedding_vectors (event_id bigint PRIMARY KEY"
            " REFERENCES embeddings(event_id) ON DELETE CASCADE, v {} NOT NULL)"
        ).format(halfvec)
    )
    conn.execute(
        sql.SQL(
            "CREATE INDEX embedding_vectors_near ON embedding_vectors USING hnsw (v {})"
        ).format(ops)
    )
    with conn.cursor(name="embedding_vectors_fill") as cursor:
        cursor.execute("SELECT event_id, q8 FROM embeddings ORDER BY id")
        while rows := cursor.fetchmany(5000):
            _put_vectors(conn, ext, [(int(e), bytes(q)) for e, q in rows])


def _put_vectors(conn: Connection, ext: str, rows: Sequence[tuple[int, bytes]]) -> None:
    from psycopg import sql

    if not rows:
        return
    conn.execute(
        sql.SQL(
            "INSERT INTO embedding_vectors (event_id, v) SELECT x.id, x.v::{}.halfvec"
            " FROM unnest(%s::bigint[], %s::text[]) AS x(id, v)"
        ).format(sql.Identifier(ext)),
        ([e for e, _ in rows], [_halfvec(q) for _, q in rows]),
    )


def nearest(conn: Connection, q8: bytes, k: int) -> list[tuple[int, float]] | None:
    """The `k` turns nearest `q8` by pgvector's HNSW index, (event id,
    cosine) nearest first; None without pgvector's table."""
    from psycopg import sql

    ext = _vectors_at(conn)
    if ext is None:
        return None
    k = max(1, min(k, MOST_NEAREST))
    near = _halfvec(q8)
    with conn.transaction():
        # The index returns at most ef_search rows (40 by default).
        conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(max(k, 40)),))
        rows = conn.execute(
            sql.SQL(
                "SELECT event_id, v OPERATOR({ext}.<=>) %s::{ext}.halfvec FROM embedding_vectors"
                " ORDER BY v OPERATOR({ext}.<=>) %s::{ext}.halfvec LIMIT %s"
            ).format(ext=sql.Identifier(ext)),
            (near, near, k),
        ).fetchall()
    return [(int(e), 1.0 - float(d)) for e, d in rows]


def unembedded(
    conn: Connection, above: int, limit: int, below: int | None, newest_first: bool
) -> list[tuple[int, str]]:
    order = "DESC" if newest_first else ""
    bound = "" if below is None else " AND e.id < %s"
    # Twice the opening as stored (`rows.to_db` writes a character as at
    # most two), then cut once read back: never half an escape.
    params: list[object] = [2 * OPENING, above]
    if below is not None:
        params.append(below)
    rows = conn.execute(
        "SELECT e.id, left(e.text, %s) FROM events AS e"
        f" WHERE e.id > %s{bound} AND e.kind IN ({_KINDS})"
        " AND NOT EXISTS (SELECT 1 FROM embeddings AS m WHERE m.event_id = e.id)"
        f" ORDER BY e.id {order} LIMIT %s",
        (*params, limit),
    ).fetchall()
    return [(int(i), from_db(str(t))[:OPENING]) for i, t in rows]


def put(conn: Connection, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
    """(In a write transaction.)"""
    _lock(conn)
    stored = space(conn)
    if stored is None or stored.created_at != created_at or not rows:
        return 0
    # A turn given twice: its last vector, in the place it was last given.
    last = {event_id: n for n, (event_id, _, _) in enumerate(rows)}
    # Turns removed meanwhile are left out. Each turn is locked first (a
    # purge under way is waited for, and its turns are then gone), so a
    # purge, which removes the turn and then its vector, never waits for
    # this while this waits for it.
    present = {
        int(row[0])
        for row in conn.execute(
            "SELECT id FROM events WHERE id = ANY(%s::bigint[]) ORDER BY id FOR KEY SHARE",
            (list(last),),
        ).fetchall()
    }
    kept = [rows[n] for n in sorted(last.values()) if rows[n][0] in present]
    if not kept:
        return 0
    ids = [r[0] for r in kept]
    # A turn embedded again (its text redacted) gets a new row id, so that
    # the processes holding the bits read it again.
    conn.execute("DELETE FROM embeddings WHERE event_id = ANY(%s::bigint[])", (ids,))
    conn.execute(
        "INSERT INTO embeddings (event_id, q8, bits)"
        " SELECT x.id, x.q8, x.bits FROM unnest(%s::bigint[], %s::bytea[], %s::bytea[])"
        " WITH ORDINALITY AS x(id, q8, bits, n) ORDER BY x.n",
        (ids, [r[1] for r in kept], [r[2] for r in kept]),
    )
    ext = _vectors_at(conn)
    if ext is not None:
        _put_vectors(conn, ext, [(r[0], r[1]) for r in kept])
    return len(kept)


def counts(conn: Connection) -> tuple[int, int, int]:
    row = conn.execute(
        "SELECT (SELECT count(*) FROM embeddings),"
        f" (SELECT count(*) FROM events WHERE kind IN ({_KINDS})),"
        " (SELECT coalesce(max(event_id), 0) FROM embeddings)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def bits(conn: Connection, after: int, limit: int) -> tuple[int, list[int], bytes]:
    # One row back, the bits already joined: a million turns' bits are 48 MB,
    # read in chunks of `limit`.
    row = conn.execute(
        "SELECT max(id), array_agg(event_id ORDER BY id), string_agg(bits, ''::bytea ORDER BY id)"
        " FROM (SELECT id, event_id, bits FROM embeddings WHERE id > %s ORDER BY id LIMIT %s) AS b",
        (after, limit),
    ).fetchone()
    if row is None or row[0] is None:
        return after, [], b""
    return int(row[0]), [int(i) for i in row[1]], bytes(row[2])


def q8(conn: Connection, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
    if not event_ids:
        return []
    rows = conn.execute(
        "SELECT event_id, q8 FROM embeddings WHERE event_id = ANY(%s::bigint[])",
        (list(event_ids),),
    ).fetchall()
    return [(int(e), bytes(v)) for e, v in rows]


def find_near(
    conn: Connection,
    unaccent: str,
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
    from sessiond.store.postgres.find import PostgresFind

    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        backend = PostgresFind(conn, unaccent, {}, project, source, since, until)
        return found_near(backend, near, limit, query)
