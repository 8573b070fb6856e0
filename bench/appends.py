"""Issue 6's figures, on today's schema: appends beside their floors, reads
at two sizes, cold start, and a long run with its memory and file size.

Everything sessiond does here goes through a real `sessiond` process over
pipes (`python -m sessiond --db PATH`); only the large read fixtures are
seeded in bulk (see `floors.seed`). The things a ratio compares are
measured in rounds that take turns, so that the noise of a shared machine
falls on both sides.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from typing import Any

from bench import corpus, floors
from bench.common import (
    append_chunks,
    append_params,
    goal,
    log,
    ms,
    pct,
    sessiond_cmd,
    stdlib_cmd,
)
from bench.rpc import Peer

CHUNK = 1000  # requests per write in the long run

# The measurements


def sequential(cmds: list[list[str]], n: int) -> list[list[float]]:
    """`n` append round trips to each server, one after another; seconds each.

    The servers run side by side and take turns request by request (who goes
    first alternates), so that a slow moment of the shared disk or CPU falls
    on both alike.
    """
    peers = [Peer(cmd) for cmd in cmds]
    try:
        for peer in peers:
            peer.initialize()
            peer.timed("session/append", append_params(0), 20)  # warm up
        out: list[list[float]] = [[] for _ in peers]
        for i in range(n):
            order = range(len(peers)) if i & 1 else reversed(range(len(peers)))
            for k in order:
                out[k] += peers[k].timed("session/append", append_params(i), 1)
        return out
    finally:
        for peer in peers:
            peer.close()


def pipelined(db: str, n: int, fresh: bool = True) -> float:
    """Appends per second with `n` in flight to session 1; checks every
    answer. `fresh`: on a new database (else on the one at `db`, whose
    session 1 must be empty)."""
    if fresh:
        floors.new_db(db)
    peer = Peer(sessiond_cmd(db))
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
    replies = [json.loads(a) for a in answers]
    ids = [r["id"] for r in replies]
    seqs = sorted(r["result"]["seq"] for r in replies)
    if sorted(ids) != list(range(first, first + n)) or seqs != list(range(1, n + 1)):
        raise AssertionError("pipelined appends: answers are not seq 1..n, one per request")
    return n / elapsed


def reads(small_db: str, big_db: str, n: int, rounds: int) -> dict[str, dict[str, float]]:
    """p50/p99 of tail, list and count at both sizes, interleaved.

    This client and both daemons run on one CPU (the daemons inherit this
    process's affinity): left to the scheduler, which of two cores each
    daemon lands on moved a 40 to 120 µs `session/count` round trip by 2x
    between the two daemons, whatever their database.
    """
    cpus = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cpus)})
    try:
        return _reads(small_db, big_db, n, rounds)
    finally:
        os.sched_setaffinity(0, cpus)


def _reads(small_db: str, big_db: str, n: int, rounds: int) -> dict[str, dict[str, float]]:
    requests = {
        "tail": ("session/events", {"sessionId": 1, "limit": 100}),
        "list": ("session/list", {"limit": 50}),
        "count": ("session/count", {"sessionId": 1}),
    }
    peers = {"small": Peer(sessiond_cmd(small_db)), "big": Peer(sessiond_cmd(big_db))}
    times: dict[str, list[float]] = {f"{k}_{s}": [] for k in requests for s in peers}
    try:
        for peer in peers.values():
            peer.initialize()
            tail = peer.call("session/events", {"sessionId": 1, "limit": 100})["events"]
            listed = peer.call("session/list", {"limit": 50})["sessions"]
            if len(tail) != 100 or len(listed) != 50:
                raise AssertionError("a read fixture is smaller than it should be")
            for method, params in requests.values():
                peer.timed(method, params, 10)  # warm up
        for _ in range(rounds):
            for key, (method, params) in requests.items():
                for size, peer in peers.items():
                    times[f"{key}_{size}"] += peer.timed(method, params, n)
    finally:
        for peer in peers.values():
            peer.close()
    return {k: {"p50": pct(v, 0.5), "p99": pct(v, 0.99)} for k, v in times.items()}


def cold_start(tmp: str, existing_db: str, big_db: str, runs: int) -> dict[str, float]:
    """Medians: spawn to the `initialize` answer (new, existing and big database),
    and `python -c "import pygls.lsp.server"` from spawn to exit."""
    got: dict[str, list[float]] = {"pygls": [], "new": [], "existing": [], "big": []}
    for i in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import pygls.lsp.server"], check=True)
        got["pygls"].append(time.perf_counter() - t0)
        for which, db in (
            ("new", os.path.join(tmp, f"cold-{i}.db")),
            ("existing", existing_db),
            ("big", big_db),
        ):
            t0 = time.perf_counter()
            peer = Peer(sessiond_cmd(db))
            peer.initialize()
            got[which].append(time.perf_counter() - t0)
            peer.close()
    return {k: statistics.median(v) for k, v in got.items()}


def long_run(db: str, n: int, window: int) -> dict[str, Any]:
    """`n` appends through one daemon, `window` in flight: rate, RSS over time."""
    floors.new_db(db)
    peer = Peer(sessiond_cmd(db))
    samples: list[tuple[int, int]] = []
    step = max(CHUNK, n // 10)
    try:
        peer.initialize()
        samples.append((0, peer.rss_kb()[0]))
        first = peer.next_id
        peer.next_id += n

        def on_chunk(answered: int) -> None:
            if answered % step == 0:
                samples.append((answered, peer.rss_kb()[0]))

        per_chunk = min(CHUNK, window)
        t0 = time.perf_counter()
        peer.pipelined(
            append_chunks(n, per_chunk, first),
            n,
            per_chunk,
            max(1, window // per_chunk),
            on_chunk,
        )
        elapsed = time.perf_counter() - t0
        count = peer.call("session/count", {"sessionId": 1})["count"]
        peak = peer.rss_kb()[1]
    finally:
        peer.close()
    if count != n:
        raise AssertionError(f"{n} appends answered but session/count says {count}")
    conn = sqlite3.connect(db)
    stored, text_bytes = conn.execute("SELECT count(*), sum(length(text)) FROM events").fetchone()
    conn.close()
    if stored != n:
        raise AssertionError(f"{n} appends answered but {stored} are in the database")
    size = floors.db_bytes(db)
    after_warmup = samples[1][1] if len(samples) > 1 else samples[0][1]
    return {
        "appends": n,
        "appends_per_s": n / elapsed,
        "seconds": elapsed,
        "rss_samples_kb": samples,
        "peak_rss_kb": peak,
        "rss_growth_kb": samples[-1][1] - after_warmup,
        "db_bytes": size,
        "db_bytes_per_event": size / n,
        "text_bytes_per_event": text_bytes / n,
    }


def measure(tmp: str, sizes: dict[str, int]) -> dict[str, Any]:
    f: dict[str, Any] = {}
    db, db2 = os.path.join(tmp, "seq-stdlib.db"), os.path.join(tmp, "seq-sessiond.db")
    raw, indexed, stdlib, ours, piped = [], [], [], [], []
    raw_db = os.path.join(tmp, "raw.db")
    log("floors and appends, interleaved")
    for _ in range(sizes["rounds"]):
        raw.append(floors.raw_appends(raw_db, sizes["raw_appends"]))
        indexed.append(floors.raw_appends(raw_db, sizes["raw_appends"], index=True))
        floors.new_db(db)
        floors.new_db(db2)
        a, b = sequential([stdlib_cmd(db), sessiond_cmd(db2)], sizes["sequential"])
        stdlib += a
        ours += b
    for _ in range(sizes["pipelined_rounds"]):
        raw.append(floors.raw_appends(raw_db, sizes["raw_appends"]))
        piped.append(pipelined(os.path.join(tmp, "piped.db"), sizes["pipelined"]))
    f["raw_per_s"], f["raw_rounds"] = statistics.median(raw), raw
    f["raw_indexed_per_s"], f["raw_indexed_rounds"] = statistics.median(indexed), indexed
    f["pipelined_per_s"], f["pipelined_rounds"] = statistics.median(piped), piped
    f["stdlib_seq_p50"], f["stdlib_seq_p99"] = pct(stdlib, 0.5), pct(stdlib, 0.99)
    f["sessiond_seq_p50"], f["sessiond_seq_p99"] = pct(ours, 0.5), pct(ours, 0.99)

    log(f"seeding {sizes['big_events']:,} events / {sizes['big_sessions']:,} sessions")
    small_db, big_db = os.path.join(tmp, "small.db"), os.path.join(tmp, "big.db")
    t0 = time.perf_counter()
    floors.seed(small_db, sizes["small_sessions"], sizes["small_events"])
    floors.seed(big_db, sizes["big_sessions"], sizes["big_events"])
    f["seed_s"] = time.perf_counter() - t0
    log("reads")
    f["reads"] = reads(small_db, big_db, sizes["read_requests"], sizes["read_rounds"])
    log("cold start")
    cold = cold_start(tmp, small_db, big_db, sizes["cold_runs"])
    f["cold_pygls"], f["cold_new"], f["cold_existing"], f["cold_big"] = (
        cold["pygls"],
        cold["new"],
        cold["existing"],
        cold["big"],
    )
    for path in (small_db, big_db):
        floors.remove_db(path)

    log(f"{sizes['long_appends']:,} appends")
    long_db = os.path.join(tmp, "long.db")
    f["long"] = long_run(long_db, sizes["long_appends"], sizes["long_window"])
    floors.remove_db(long_db)
    # The same events in a version-1 file: what the search index costs.
    v1_db = os.path.join(tmp, "long-v1.db")
    corpus.write_v1_fixed(v1_db, sizes["long_appends"])
    f["long"]["v1_db_bytes_per_event"] = corpus.file_bytes(v1_db) / sizes["long_appends"]
    floors.remove_db(v1_db)
    return f


def rows(f: dict[str, Any], s: dict[str, int]) -> list[tuple[str, str]]:
    rd, lg = f["reads"], f["long"]
    out = [
        (
            "floor: raw in-process appends, one commit each, no search index",
            f"{f['raw_per_s']:,.0f} /s",
        ),
        ("(the same floor with the search index written too)", f"{f['raw_indexed_per_s']:,.0f} /s"),
        (
            "floor: stdlib stdio loop, sequential append p50 / p99",
            f"{ms(f['stdlib_seq_p50'])} / {ms(f['stdlib_seq_p99'])}",
        ),
        (
            "sessiond: sequential append p50 / p99",
            f"{ms(f['sessiond_seq_p50'])} / {ms(f['sessiond_seq_p99'])}",
        ),
        (
            f"sessiond: pipelined appends ({s['pipelined']:,} in flight)",
            f"{f['pipelined_per_s']:,.0f} /s",
        ),
    ]
    for key, label, small, big in (
        ("tail", "`session/events` tail of 100", "100 events", f"{s['big_events']:,} events"),
        ("list", "`session/list` of 50", "50 sessions", f"{s['big_sessions']:,} sessions"),
        ("count", "`session/count`", "100 events", f"{s['big_events']:,} events"),
    ):
        out.append(
            (
                f"sessiond: {label}, p50 at {small} / at {big}",
                f"{ms(rd[key + '_small']['p50'])} / {ms(rd[key + '_big']['p50'])}",
            )
        )
    samples = lg["rss_samples_kb"]
    out += [
        ("cold start: `import pygls.lsp.server` alone", ms(f["cold_pygls"])),
        (
            f"cold start: sessiond, spawn to `initialize` answer: new database / "
            f"{s['small_events']} events / {s['big_events']:,} events",
            f"{ms(f['cold_new'])} / {ms(f['cold_existing'])} / {ms(f['cold_big'])}",
        ),
        (
            f"sessiond: {lg['appends']:,} pipelined appends ({s['long_window']:,} in flight)",
            f"{lg['appends_per_s']:,.0f} /s, {lg['seconds']:.0f} s",
        ),
        (
            "sessiond: RSS at 0 / 10% / 100% of them",
            " / ".join(f"{kb / 1024:.1f} MB" for _, kb in (samples[0], samples[1], samples[-1])),
        ),
        ("sessiond: peak RSS (VmHWM)", f"{lg['peak_rss_kb'] / 1024:.1f} MB"),
        (
            f"database bytes per event, those appends ({lg['text_bytes_per_event']:.0f} bytes "
            "of text each): v1 file of the same events / v2 as the daemon wrote it",
            f"{lg['v1_db_bytes_per_event']:.0f} / {lg['db_bytes_per_event']:.0f}",
        ),
    ]
    return out


def goals(f: dict[str, Any], s: dict[str, int]) -> list[dict[str, Any]]:
    rd, lg = f["reads"], f["long"]
    return [
        goal(
            "sequential append p50 vs stdlib loop",
            f["sessiond_seq_p50"] / f["stdlib_seq_p50"],
            1.5,
            "<=",
        ),
        goal(
            "pipelined appends/s vs raw in-process (no index)",
            f["pipelined_per_s"] / f["raw_per_s"],
            1.0,
            ">=",
        ),
        goal("tail 100: big vs small", rd["tail_big"]["p50"] / rd["tail_small"]["p50"], 1.5, "<="),
        goal("list 50: big vs small", rd["list_big"]["p50"] / rd["list_small"]["p50"], 1.5, "<="),
        goal("count: big vs small", rd["count_big"]["p50"] / rd["count_small"]["p50"], 1.5, "<="),
        goal(
            "cold start (new database) vs pygls import", f["cold_new"] / f["cold_pygls"], 1.2, "<="
        ),
        goal(
            f"cold start ({s['big_events']:,} events) vs pygls import",
            f["cold_big"] / f["cold_pygls"],
            1.2,
            "<=",
        ),
        goal("peak RSS after the long run", lg["peak_rss_kb"] / 1024, 80, "<=", "MB"),
        goal("RSS growth, 10% to 100% of the long run", lg["rss_growth_kb"] / 1024, 2, "<=", "MB"),
        goal(
            "database bytes per event vs v1, the appends' fixed texts",
            lg["db_bytes_per_event"] / lg["v1_db_bytes_per_event"],
            1.5,
            "<=",
            issue=11,
        ),
    ]
