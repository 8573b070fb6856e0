"""`python -m bench.postgres`: issue 15's Speed figures against a local PostgreSQL.

Everything sessiond does here goes through a real `sessiond` process over
pipes (`SESSIOND_DB=postgresql://...`, so the password never shows in `ps`);
the floors are raw psycopg in this process, on the store's own schema (its
indexes included), nothing around them:

- pipelined: 10,000 appends put on the daemon's pipe at once (group commit)
  vs a floor appending in transactions of 100 (one `UPDATE ... RETURNING`
  for the seqs, an executemany of the 100 rows with their tsvectors);
- sequential: append round trips through the daemon vs a floor doing one
  append per transaction (BEGIN, UPDATE ... RETURNING, INSERT, COMMIT),
  taking turns request by request so that noise falls on both;
- search: `session/search` p50 for a rare word (10 events hold it) and for a
  common one, at 1,000,000 events seeded in bulk through the store's schema;
- the feed's lag at the store level (the daemons' notification lag is the
  server's to measure): from an append's answer to the event in another
  store's feed.

Each run has schemas of its own (`bench_...`, dropped at the end) in the
database of `--url`, else $SESSIOND_BENCH_PG_URL, else $SESSIOND_TEST_PG_URL.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import psycopg

from bench import floors
from bench.rpc import Peer
from bench.run import append_chunks, append_params, log, pct
from sessiond.store.postgres.migrations import NOW_MS
from sessiond.store.postgres.rows import index_words
from sessiond.store.postgres.store import PostgresStore
from sessiond.store.postgres.words import tsvector_sql

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "postgres.json")
RARE = "xylophone"

FULL = {
    "raw_appends": 10_000,  # per round, in transactions of 100
    "sequential": 300,  # round trips per round, per side
    "rounds": 3,
    "pipelined": 10_000,
    "search_events": 1_000_000,
    "search_requests": 200,
}
QUICK = {
    "raw_appends": 2_000,
    "sequential": 100,
    "rounds": 2,
    "pipelined": 2_000,
    "search_events": 50_000,
    "search_requests": 50,
}

UPDATE = (
    "UPDATE sessions SET event_count = event_count + %s WHERE id = 1 AND ended_at IS NULL"
    " RETURNING event_count"
)
INSERT = (
    "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
    f" VALUES (1, %s, %s, %s, {NOW_MS}, to_tsvector('simple', %s))"
)


class Schemas:
    """Fresh schemas in the bench database, each with sessiond's schema and
    one open session (id 1); all dropped by `close`."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.admin.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        self.made: list[str] = []

    def new(self) -> str:
        name = f"bench_{uuid.uuid4().hex[:12]}"
        self.admin.execute(f"CREATE SCHEMA {name}")
        self.made.append(name)
        parts = urlsplit(self.url)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
        query.append(("options", f"-csearch_path={name}"))
        url = urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
        with PostgresStore(url) as store:
            store.start_session("bench")
        return url

    def close(self) -> None:
        for name in self.made:
            self.admin.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        self.admin.close()


def sessiond(url: str) -> Peer:
    return Peer([sys.executable, "-m", "sessiond"], env={**os.environ, "SESSIOND_DB": url})


def raw_batched(url: str, n: int) -> float:
    """The pipelined floor: appends per second in transactions of 100."""
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for start in range(0, n, 100):
            with conn.transaction():
                row = conn.execute(UPDATE, (100,)).fetchone()
                assert row is not None
                first = row[0] - 99
                rows = [
                    (first + k, floors.KINDS[(start + k) & 1], text, text)
                    for k, text in ((k, floors.TEXTS[(start + k) & 63]) for k in range(100))
                ]
                conn.cursor().executemany(INSERT, rows)
        return n / (time.perf_counter() - t0)


def pipelined(url: str, n: int) -> float:
    """Appends per second through the daemon with `n` in flight; checks every answer."""
    peer = sessiond(url)
    try:
        peer.initialize()
        first = peer.next_id
        peer.next_id += n
        blob = b"".join(append_chunks(n, n, first))
        t0 = time.perf_counter()
        answers = peer.pipelined([blob], n, n, 1)
        elapsed = time.perf_counter() - t0
    finally:
        peer.close()
    seqs = sorted(json.loads(a)["result"]["seq"] for a in answers)
    if seqs != list(range(1, n + 1)):
        raise AssertionError("pipelined appends: the answers are not seq 1..n")
    return n / elapsed


def sequential(daemon_url: str, raw_url: str, n: int) -> tuple[list[float], list[float]]:
    """`n` append round trips through the daemon and `n` single-append
    transactions by raw psycopg, taking turns; seconds each."""
    peer = sessiond(daemon_url)
    ours: list[float] = []
    raw: list[float] = []
    with psycopg.connect(raw_url, autocommit=True) as conn:
        try:
            peer.initialize()
            peer.timed("session/append", append_params(0), 20)  # warm up
            for i in range(n + 20):
                text = floors.TEXTS[i & 63]
                t0 = time.perf_counter()
                with conn.transaction():
                    row = conn.execute(UPDATE, (1,)).fetchone()
                    assert row is not None
                    conn.execute(INSERT, (row[0], floors.KINDS[i & 1], text, text))
                took = time.perf_counter() - t0
                if i >= 20:  # the first ones warm the plan cache up
                    raw.append(took)
                    ours += peer.timed("session/append", append_params(i), 1)
        finally:
            peer.close()
    return ours, raw


def seed_search(url: str, n: int) -> None:
    """`n` events in session 1, in bulk through the store's schema: the
    texts the other figures append, and RARE in 10 of them."""
    texts = [*floors.TEXTS, floors.TEXTS[0] + f" {RARE}"]
    every = max(1, n // 10)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute(
            "CREATE TEMP TABLE seed_texts AS SELECT t.k, t.text, t.words"
            " FROM unnest(%s::int[], %s::text[], %s::text[]) AS t(k, text, words)",
            (list(range(len(texts))), texts, [index_words(t) for t in texts]),
        )
        unaccent = conn.execute(
            "SELECT quote_ident(n.nspname) || '.unaccent' FROM pg_extension AS x"
            " JOIN pg_namespace AS n ON n.oid = x.extnamespace WHERE x.extname = 'unaccent'"
        ).fetchone()
        assert unaccent is not None
        conn.execute(
            f"ALTER TABLE seed_texts ADD COLUMN tsv tsvector;"
            f" UPDATE seed_texts AS s SET tsv = {tsvector_sql(unaccent[0], 's.words')}"
        )
        conn.execute("DROP INDEX events_search")
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
            " SELECT 1, g, CASE WHEN g %% 2 = 0 THEN 'prompt' ELSE 'system' END, t.text,"
            " %s + g * 10, t.tsv FROM generate_series(1, %s) AS g JOIN seed_texts AS t"
            " ON t.k = CASE WHEN g %% %s = 0 THEN 64 ELSE g %% 64 END",
            (floors.BASE_MS, n, every),
        )
        conn.execute("CREATE INDEX events_search ON events USING gin (tsv)")
        conn.execute("UPDATE sessions SET event_count = %s WHERE id = 1", (n,))
        conn.execute("VACUUM ANALYZE events")


def search(url: str, n: int) -> dict[str, float]:
    """p50/p99 of `session/search` for the rare word and for a common one."""
    peer = sessiond(url)
    out: dict[str, float] = {}
    try:
        peer.initialize()
        for key, query, expected in (("rare", RARE, 10), ("common", "quick brown", 10)):
            params = {"query": query, "limit": 10}
            hits = peer.call("session/search", params)["hits"]
            if len(hits) != expected:
                raise AssertionError(f"{query!r} found {len(hits)} hits, not {expected}")
            peer.timed("session/search", params, 10)  # warm up
            times = peer.timed("session/search", params, n)
            out[f"{key}_p50"], out[f"{key}_p99"] = pct(times, 0.5), pct(times, 0.99)
    finally:
        peer.close()
    return out


def feed_lag(url: str, n: int) -> dict[str, float]:
    """Store level, two stores in one process: from an append's answer to
    the feed handing its event over (woken by NOTIFY), p50/p99 of `n`."""
    import select

    from sessiond.store import Added

    times: list[float] = []
    with PostgresStore(url) as writer, PostgresStore(url) as reader:
        feed = reader.feed()
        try:
            for i in range(n):
                writer.append(1, "system", floors.TEXTS[i & 63])
                t0 = time.perf_counter()
                got: list[Any] = []
                while not any(isinstance(c, Added) for c in got):
                    fd = feed.fileno()
                    if fd is not None and not feed.more:
                        select.select([fd], [], [], 5)
                    got += feed.poll()
                times.append(time.perf_counter() - t0)
        finally:
            feed.close()
    return {"p50": pct(times, 0.5), "p99": pct(times, 0.99)}


# The report


def goals(f: dict[str, Any], sizes: dict[str, int]) -> list[dict[str, Any]]:
    def row(name: str, value: float, limit: float, op: str, unit: str) -> dict[str, Any]:
        met = value <= limit if op == "<=" else value >= limit
        return {"goal": name, "value": value, "limit": limit, "op": op, "unit": unit, "met": met}

    return [
        row(
            "pipelined appends/s vs raw psycopg in transactions of 100",
            f["pipelined_per_s"] / f["raw_batched_per_s"],
            0.5,
            ">=",
            "x",
        ),
        row(
            "sequential append p50 vs a raw psycopg single-append transaction",
            f["sessiond_seq_p50"] / f["raw_seq_p50"],
            1.5,
            "<=",
            "x",
        ),
        row(
            f"search p50, a rare word at {sizes['search_events']:,} events",
            f["search"]["rare_p50"] * 1000,
            10,
            "<=",
            "ms",
        ),
    ]


def table(r: dict[str, Any]) -> str:
    f, s = r["figures"], r["sizes"]

    def ms(x: float) -> str:
        return f"{x * 1000:.3f} ms"

    lines = [
        f"sessiond on PostgreSQL — {r['when']} — {r['machine']}"
        + (" — QUICK" if r["quick"] else ""),
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| floor: raw psycopg appends, transactions of 100 | {f['raw_batched_per_s']:,.0f} /s |",
        f"| floor: raw psycopg single-append transaction p50 / p99 "
        f"| {ms(f['raw_seq_p50'])} / {ms(f['raw_seq_p99'])} |",
        f"| sessiond: sequential append p50 / p99 "
        f"| {ms(f['sessiond_seq_p50'])} / {ms(f['sessiond_seq_p99'])} |",
        f"| sessiond: pipelined appends ({s['pipelined']:,} in flight) "
        f"| {f['pipelined_per_s']:,.0f} /s |",
        f"| sessiond: `session/search` p50 / p99 at {s['search_events']:,} events, a rare word "
        f"| {ms(f['search']['rare_p50'])} / {ms(f['search']['rare_p99'])} |",
        f"| sessiond: `session/search` p50 / p99, a phrase in every event "
        f"| {ms(f['search']['common_p50'])} / {ms(f['search']['common_p99'])} |",
        f"| store: feed lag, an append's answer to the feed's event (LISTEN/NOTIFY), p50 / p99 "
        f"| {ms(f['feed_lag']['p50'])} / {ms(f['feed_lag']['p99'])} |",
        f"| seeding {s['search_events']:,} events in bulk | {f['seed_s']:.0f} s |",
        "",
        "| goal | measured | target | |",
        "| --- | --- | --- | --- |",
    ]
    for g in r["goals"]:
        unit = g["unit"]
        value = f"{g['value']:.2f}{unit}" if unit == "x" else f"{g['value']:.2f} {unit}"
        limit = f"{g['op']} {g['limit']}{unit}" if unit == "x" else f"{g['op']} {g['limit']} {unit}"
        lines.append(f"| {g['goal']} | {value} | {limit} | {'met' if g['met'] else 'NOT MET'} |")
    lines += ["", f"benchmark wall time: {r['wall_s']:.0f} s"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.postgres", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--url", default=None, help="a PostgreSQL database to make schemas in")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the JSON file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    url = (
        args.url
        or os.environ.get("SESSIOND_BENCH_PG_URL")
        or os.environ.get("SESSIOND_TEST_PG_URL")
    )
    if not url:
        print("give a PostgreSQL URL: --url, or $SESSIOND_BENCH_PG_URL", file=sys.stderr)
        return 2
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    schemas = Schemas(url)
    f: dict[str, Any] = {}
    try:
        log("appends, pipelined and sequential, beside their floors")
        raw, piped, ours, single = [], [], [], []
        for _ in range(sizes["rounds"]):
            raw.append(raw_batched(schemas.new(), sizes["raw_appends"]))
            piped.append(pipelined(schemas.new(), sizes["pipelined"]))
            a, b = sequential(schemas.new(), schemas.new(), sizes["sequential"])
            ours += a
            single += b
        f["raw_batched_per_s"], f["raw_batched_rounds"] = statistics.median(raw), raw
        f["pipelined_per_s"], f["pipelined_rounds"] = statistics.median(piped), piped
        f["sessiond_seq_p50"], f["sessiond_seq_p99"] = pct(ours, 0.5), pct(ours, 0.99)
        f["raw_seq_p50"], f["raw_seq_p99"] = pct(single, 0.5), pct(single, 0.99)

        log("feed lag")
        f["feed_lag"] = feed_lag(schemas.new(), sizes["sequential"])

        log(f"seeding {sizes['search_events']:,} events")
        big = schemas.new()
        t0 = time.perf_counter()
        seed_search(big, sizes["search_events"])
        f["seed_s"] = time.perf_counter() - t0
        log("search")
        f["search"] = search(big, sizes["search_requests"])
    finally:
        schemas.close()
    with psycopg.connect(url) as conn:
        server = conn.execute("SHOW server_version").fetchone()
    result: dict[str, Any] = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, PostgreSQL {server[0] if server else '?'}, "
        f"psycopg {psycopg.__version__}",
        "quick": args.quick,
        "sizes": sizes,
        "figures": f,
        "wall_s": time.perf_counter() - started,
    }
    result["goals"] = goals(f, sizes)
    text = table(result)
    result["table"] = text
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as out:
        json.dump(result, out, indent=2)
    os.replace(args.out + ".tmp", args.out)
    print(text)
    print(f"\n(written to {os.path.relpath(args.out)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
