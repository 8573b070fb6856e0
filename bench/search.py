"""Issue 11's figures: search at 1,000,000 events of realistic text, the
index's cost in bytes, and the v1 -> v2 migration.

The history is `bench.corpus`'s: a v1 file written in bulk, then opened once
by `SqliteStore` (timed: that is the migration a person's first v2 start
runs), which makes it the v2 file every search below reads. Searches go
through a real daemon over pipes, `sessiond search` is the real command.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import statistics
import subprocess
import time
from typing import Any

from bench import corpus
from bench.common import cli_cmd, goal, log, ms, pct, sessiond_cmd
from bench.rpc import Peer
from sessiond.store import SqliteStore
from sessiond.store.sqlite.migrations import LATEST_VERSION

# Every kind of query the issue names, on the corpus's words.
QUERIES = {
    "a rare word": corpus.RARE,
    "the most common word": "the",
    "a phrase of common words": '"of the"',
    "a 2-letter prefix": "co*",
    "a 3-letter prefix": "com*",
    "OR": "deploy OR rollback",
    "exclusion": "commit -branch",
    "a question": "how do I undo the last commit",
}
PREFIXES = ("a 2-letter prefix", "a 3-letter prefix")
LIMIT = 20


def prepare(tmp: str, events: int, sessions: int) -> dict[str, Any]:
    """Write the v1 file, migrate a copy (timed) and return both paths with
    their sizes."""
    v1, v2 = f"{tmp}/corpus-v1.db", f"{tmp}/corpus-v2.db"
    t0 = time.perf_counter()
    corpus.write_v1(v1, events, sessions)
    written = time.perf_counter() - t0
    shutil.copyfile(v1, v2)
    # The migration logs a warning for big files: not the benchmark's output.
    logging.getLogger("sessiond").addHandler(logging.NullHandler())
    t0 = time.perf_counter()
    SqliteStore(v2).close()
    migrated = time.perf_counter() - t0
    conn = sqlite3.connect(f"file:{v2}?mode=ro", uri=True)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        indexed = conn.execute(
            "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", (corpus.RARE,)
        ).fetchone()[0]
        sequence = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    finally:
        conn.close()
    if (
        version != LATEST_VERSION
        or indexed != corpus.RARE_EVENTS
        or sequence.get("events") != events
    ):
        raise AssertionError(
            f"the migrated file is not what it should be: version {version}, "
            f"{indexed} rare hits, sqlite_sequence {sequence}"
        )
    count, text = corpus.text_bytes(v1)
    return {
        "v1": v1,
        "v2": v2,
        "events": events,
        "sessions": sessions,
        "v1_write_s": written,
        "migration_s": migrated,
        "text_bytes_per_event": text / count,
        "v1_bytes_per_event": corpus.bytes_in_use(v1) / count,
        "v2_bytes_per_event": corpus.bytes_in_use(v2) / count,
        "v2_file_bytes_per_event": corpus.file_bytes(v2) / count,
    }


def daemon_searches(db: str, n: int, rounds: int) -> dict[str, Any]:
    """p50/p99 of `session/search` per query kind, and of `session/count`,
    which takes turns with the rare word (n requests each, per round)."""
    peer = Peer(sessiond_cmd(db))
    times: dict[str, list[float]] = {key: [] for key in QUERIES}
    times["count"] = []
    found: dict[str, int] = {}
    count_params = {"sessionId": 1}
    try:
        peer.initialize()
        for key, query in QUERIES.items():
            hits = peer.call("session/search", {"query": query, "limit": LIMIT})["hits"]
            found[key] = len(hits)
            if not hits or (key == "a rare word" and len(hits) != corpus.RARE_EVENTS):
                raise AssertionError(f"{query!r} found {len(hits)} hits")
            peer.timed("session/search", {"query": query, "limit": LIMIT}, 5)  # warm up
        peer.timed("session/count", count_params, 20)
        for _ in range(rounds):
            for key, query in QUERIES.items():
                params = {"query": query, "limit": LIMIT}
                if key == "a rare word":
                    for _ in range(n):
                        times["count"] += peer.timed("session/count", count_params, 1)
                        times[key] += peer.timed("session/search", params, 1)
                else:
                    times[key] += peer.timed("session/search", params, n)
    finally:
        peer.close()
    out: dict[str, Any] = {
        key: {"p50": pct(v, 0.5), "p99": pct(v, 0.99), "query": QUERIES.get(key)}
        for key, v in times.items()
    }
    for key, hits in found.items():
        out[key]["hits"] = hits
    return out


def cli_search(db: str, runs: int) -> dict[str, float]:
    """Medians: `sessiond search RARE` and `sessiond --help`, spawn to exit,
    taking turns."""
    got: dict[str, list[float]] = {"search": [], "help": []}
    search = [*cli_cmd(), "--db", db, "search", corpus.RARE]
    helps = [*cli_cmd(), "--help"]
    for i in range(runs + 1):
        for which, cmd in (("search", search), ("help", helps))[:: 1 if i & 1 else -1]:
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            took = time.perf_counter() - t0
            if done.returncode != 0 or (which == "search" and corpus.RARE not in done.stdout):
                raise AssertionError(f"{' '.join(cmd[-3:])} failed: {done.stderr[-300:]}")
            if i:  # the first of each warms the disk cache
                got[which].append(took)
    return {k: statistics.median(v) for k, v in got.items()}


def measure(tmp: str, sizes: dict[str, int]) -> dict[str, Any]:
    log(f"search: writing a v1 file of {sizes['search_events']:,} realistic turns, migrating it")
    f = prepare(tmp, sizes["search_events"], sizes["search_sessions"])
    log("search: through the daemon")
    f["daemon"] = daemon_searches(f["v2"], sizes["search_requests"], sizes["search_rounds"])
    log("search: `sessiond search` end to end")
    f["cli"] = cli_search(f["v2"], sizes["cli_runs"])
    return f


def rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    d = f["daemon"]
    out = [
        (
            "`session/count` round trip p50 / p99 (beside the rare word)",
            f"{ms(d['count']['p50'])} / {ms(d['count']['p99'])}",
        )
    ]
    for key in QUERIES:
        q = d[key]
        out.append(
            (
                f"`session/search` {key} (`{q['query']}`, {q['hits']} hits of {LIMIT}): p50 / p99",
                f"{ms(q['p50'])} / {ms(q['p99'])}",
            )
        )
    out += [
        (
            "`sessiond search WORD` / `sessiond --help`, spawn to exit (median)",
            f"{ms(f['cli']['search'])} / {ms(f['cli']['help'])}",
        ),
        (
            f"v1 file of {f['events']:,} turns written in bulk / v1 -> v2 migration "
            "(open by the store)",
            f"{f['v1_write_s']:.1f} s / {f['migration_s']:.1f} s",
        ),
        (
            f"database bytes per event, realistic turns ({f['text_bytes_per_event']:.0f} "
            "bytes of text each): v1 / v2 (pages in use)",
            f"{f['v1_bytes_per_event']:.0f} / {f['v2_bytes_per_event']:.0f}",
        ),
    ]
    return out


def goals(f: dict[str, Any]) -> list[dict[str, Any]]:
    d = f["daemon"]
    kinds = [key for key in QUERIES]
    worst = max(kinds, key=lambda k: d[k]["p99"])
    worst_prefix = max(PREFIXES, key=lambda k: d[k]["p50"])
    return [
        goal(
            "search a rare word p50 vs `session/count` p50",
            d["a rare word"]["p50"] / d["count"]["p50"],
            3.0,
            "<=",
            issue=11,
        ),
        goal(
            f"search p99, every query kind (worst: {worst})",
            d[worst]["p99"] * 1000,
            50,
            "<=",
            "ms",
            issue=11,
        ),
        goal(
            f"search p50, prefix queries (worst: {worst_prefix})",
            d[worst_prefix]["p50"] * 1000,
            30,
            "<=",
            "ms",
            issue=11,
        ),
        goal(
            "`sessiond search WORD` vs `sessiond --help`",
            f["cli"]["search"] / f["cli"]["help"],
            1.5,
            "<=",
            issue=11,
        ),
        goal(
            "database bytes per event vs v1, realistic turns",
            f["v2_bytes_per_event"] / f["v1_bytes_per_event"],
            1.5,
            "<=",
            issue=11,
        ),
    ]
