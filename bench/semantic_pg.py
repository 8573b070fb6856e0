"""Search by meaning on PostgreSQL beside SQLite, at a modest size:
`session/find` p50/p99, hybrid and words alone in turn, through one daemon
per store (`bench.semantic.finds`, the same questions).

Both stores get the same history: the first `--sessions` sessions of the big
store (`--big`, default /work/big/v3.db; never modified), their events
imported through the stores' own import (`Store.import_events`), and the
same **synthetic vectors** as bench.semantic's million-turn part (real
embeddings of a sample of the turns, each turn's vector a mix of two of them
plus noise), written through `Store.put_embeddings`. With pgvector
in the database, PostgreSQL keeps them in its HNSW index too and finds the
nearest turns itself (`pgvector_rows` says whether it did). The daemon on
PostgreSQL gets its URI in its environment (`SESSIOND_DB`), never on its
command line; the URI is $SESSIOND_BENCH_PG_URL, else $SESSIOND_TEST_PG_URL
(a schema of its own, dropped at the end).

Run: `python -m bench.semantic_pg [--sessions N] [--out FILE]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from bench.common import log
from bench.semantic import BIG, finds

#: Events imported per call.
CHUNK = 5000


def copy_history(big: str, sessions: int, store: Any) -> dict[str, Any]:
    """The first `sessions` sessions of `big` (and their events) into `store`."""
    from sessiond.store.base import ImportedEvent, ImportedSession

    src = sqlite3.connect(f"file:{big}?mode=ro", uri=True)
    t0 = time.perf_counter()
    events = 0
    try:
        rows = src.execute(
            "SELECT id, ulid, cli_version, started_at, title, ended_at, source, project"
            " FROM sessions ORDER BY id LIMIT ?",
            (sessions,),
        ).fetchall()
        for sid, ulid, cli, started, title, ended, source, project in rows:
            session, _ = store.import_session(
                ImportedSession(
                    ulid=ulid,
                    cli_version=cli,
                    started_at=started,
                    title=title,
                    ended_at=ended,
                    source=source,
                    project=project,
                )
            )
            turns = [
                ImportedEvent(kind, text, created)
                for kind, text, created in src.execute(
                    "SELECT kind, text, created_at FROM events WHERE session_id = ? ORDER BY seq",
                    (sid,),
                )
            ]
            for start in range(0, len(turns), CHUNK):
                store.import_events(session.id, turns[start : start + CHUNK])
            events += len(turns)
    finally:
        src.close()
    return {"sessions": len(rows), "events": events, "import_s": time.perf_counter() - t0}


def synthetic_vectors(store: Any, sample: int, seed: int = 27) -> dict[str, Any]:
    """Every embeddable turn of `store` a synthetic vector (bench.semantic's
    recipe), through `make_embedding_space` and `put_embeddings`."""
    import numpy as np

    from sessiond.semantic import model, vectors

    rows: list[tuple[int, str]] = []
    while batch := store.unembedded(rows[-1][0] if rows else 0, 50_000):
        rows += batch
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(rows), size=min(sample, len(rows)), replace=False)
    base = model.shared().embed([rows[int(i)][1] for i in picks])
    kept = store.make_embedding_space(vectors.space())
    t0 = time.perf_counter()
    for start in range(0, len(rows), 10_000):
        ids = [r[0] for r in rows[start : start + 10_000]]
        n = len(ids)
        a = base[rng.integers(0, len(base), n)]
        b = base[rng.integers(0, len(base), n)]
        w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
        noise = rng.normal(0, 0.35 / np.sqrt(base.shape[1]), (n, base.shape[1]))
        v = (w * a + (1 - w) * b + noise.astype(np.float32)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        store.put_embeddings(vectors.as_rows(ids, v, kept), kept.created_at)
    return {"vectors": len(rows), "write_s": time.perf_counter() - t0}


def schema_url(url: str, name: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={name}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


def pgvector_rows(url: str, schema: str) -> int | None:
    """Vectors in pgvector's table of `schema` (None: no such table, the
    store answers from the bits in memory)."""
    import psycopg

    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT to_regclass(%s)", (f"{schema}.embedding_vectors",)).fetchone()
        if not found or found[0] is None:
            return None
        row = conn.execute(f"SELECT count(*) FROM {schema}.embedding_vectors").fetchone()
        return int(row[0]) if row else None


def measure(url: str, big: str, sessions: int, sample: int, n: int, rounds: int) -> dict[str, Any]:
    import psycopg

    from sessiond.store import open_store

    def admin(sql: str) -> None:
        # A connection per statement: the test server may be restarted by
        # other work meanwhile.
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql)

    out: dict[str, Any] = {"load": os.getloadavg()[0]}
    name = f"bench_{uuid.uuid4().hex[:12]}"
    tmp = tempfile.mkdtemp(prefix="sessiond-semantic-pg-")
    admin("CREATE EXTENSION IF NOT EXISTS unaccent")
    admin(f"CREATE SCHEMA {name}")
    try:
        for kind, db in (
            ("sqlite", os.path.join(tmp, "s.db")),
            ("postgres", schema_url(url, name)),
        ):
            log(f"semantic on {kind}: {sessions:,} sessions of {big}")
            with open_store(db) as store:
                copied = copy_history(big, sessions, store)
                log(f"semantic on {kind}: synthetic vectors")
                copied.update(synthetic_vectors(store, sample))
            if kind == "postgres":
                admin(f"ANALYZE {name}.events, {name}.sessions, {name}.embeddings")
                copied["pgvector_rows"] = pgvector_rows(url, name)
            log(f"semantic on {kind}: session/find, hybrid and words alone")
            out[kind] = {**copied, "find": finds(db, n, rounds)}
    finally:
        admin(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_after"] = os.getloadavg()[0]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.semantic_pg", description=__doc__)
    parser.add_argument("--big", default=BIG)
    parser.add_argument("--sessions", type=int, default=1000, help="about 100 turns each")
    parser.add_argument("--sample", type=int, default=1000, help="turns really embedded")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    url = os.environ.get("SESSIOND_BENCH_PG_URL") or os.environ.get("SESSIOND_TEST_PG_URL")
    if not url:
        print("set SESSIOND_BENCH_PG_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    f = measure(url, args.big, args.sessions, args.sample, args.requests, args.rounds)
    for kind in ("sqlite", "postgres"):
        k = f[kind]
        where = ""
        if kind == "postgres":
            rows = k.get("pgvector_rows")
            where = " (none in pgvector)" if rows is None else f" ({rows:,} in pgvector's HNSW)"
        print(
            f"{kind}: {k['sessions']:,} sessions, {k['events']:,} events,"
            f" {k['vectors']:,} vectors{where}"
        )
        for mode in ("hybrid", "words"):
            a = k["find"]["all"][mode]
            cpu = k["find"]["cpu_per_query"][mode]
            p50, p99 = a["p50"] * 1000, a["p99"] * 1000
            print(
                f"  session/find {mode:6}: p50 {p50:.1f} ms, p99 {p99:.1f} ms,"
                f" daemon CPU {cpu * 1000:.1f} ms a question"
            )
        for key, t in k["find"]["times"].items():
            print(f"    {key}: p50 {t['p50'] * 1000:.1f} ms, p99 {t['p99'] * 1000:.1f} ms")
    print(f"load average {f['load']:.2f} before, {f['load_after']:.2f} after")
    if args.out:
        Path(args.out).write_text(json.dumps(f, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
