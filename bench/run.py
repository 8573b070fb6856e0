"""`python -m bench`: every figure of issue 6 in one run, and the ratios.

Everything sessiond does here goes through a real `sessiond` process over
pipes (`python -m sessiond --db PATH`); only the large read fixtures are
seeded in bulk (see `floors.seed`). Measurements of the things a ratio
compares are interleaved in rounds, so that the noise of a shared machine
falls on both sides.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

from bench import floors
from bench.rpc import Peer

HERE = os.path.dirname(os.path.abspath(__file__))
STDLIB_LOOP = os.path.join(HERE, "stdlib_loop.py")
DEFAULT_OUT = os.path.join(HERE, "results", "latest.json")

FULL = {
    "raw_appends": 3000,  # per round
    "sequential": 300,  # round trips per round, per server
    "rounds": 4,
    "pipelined": 10_000,  # in flight at once
    "pipelined_rounds": 3,
    "read_requests": 200,  # per read, per size, per round
    "read_rounds": 3,
    "big_events": 1_000_000,
    "big_sessions": 100_000,
    "small_events": 100,
    "small_sessions": 50,
    "cold_runs": 7,
    "long_appends": 1_000_000,
    "long_window": 10_000,
}
QUICK = {
    "raw_appends": 500,
    "sequential": 100,
    "rounds": 2,
    "pipelined": 2_000,
    "pipelined_rounds": 2,
    "read_requests": 50,
    "read_rounds": 2,
    "big_events": 20_000,
    "big_sessions": 5_000,
    "small_events": 100,
    "small_sessions": 50,
    "cold_runs": 3,
    "long_appends": 20_000,
    "long_window": 2_000,
}

CHUNK = 1000  # requests per write in the long run


def sessiond_cmd(db: str) -> list[str]:
    return [sys.executable, "-m", "sessiond", "--db", db]


def stdlib_cmd(db: str) -> list[str]:
    return [sys.executable, STDLIB_LOOP, db]


def append_params(i: int) -> dict[str, Any]:
    return {"sessionId": 1, "kind": floors.KINDS[i & 1], "text": floors.TEXTS[i & 63]}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def log(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


# Append bodies by template (the client must not be what limits the rate).
_PARAMS_JSON = [json.dumps(append_params(i), separators=(",", ":")).encode() for i in range(64)]
_APPEND = b'{"jsonrpc":"2.0","id":%d,"method":"session/append","params":%s}'


def append_chunks(n: int, per_chunk: int, first_id: int) -> Iterator[bytes]:
    """Pipelined append requests, `per_chunk` frames per bytes object."""
    for start in range(0, n, per_chunk):
        parts = []
        for i in range(start, min(n, start + per_chunk)):
            body = _APPEND % (first_id + i, _PARAMS_JSON[i & 63])
            parts.append(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        yield b"".join(parts)


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


def pipelined(db: str, n: int) -> float:
    """Appends per second with `n` in flight; checks every answer."""
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
    """p50/p99 of tail, list and count at both sizes, interleaved."""
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


# The report


def goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    f = r["figures"]
    reads = f["reads"]

    def row(name: str, value: float, limit: float, op: str, unit: str = "x") -> dict[str, Any]:
        met = value <= limit if op == "<=" else value >= limit
        return {"goal": name, "value": value, "limit": limit, "op": op, "unit": unit, "met": met}

    return [
        row(
            "sequential append p50 vs stdlib loop",
            f["sessiond_seq_p50"] / f["stdlib_seq_p50"],
            1.5,
            "<=",
        ),
        row(
            "pipelined appends/s vs raw in-process",
            f["pipelined_per_s"] / f["raw_per_s"],
            1.0,
            ">=",
        ),
        row(
            "tail 100: big vs small",
            reads["tail_big"]["p50"] / reads["tail_small"]["p50"],
            1.5,
            "<=",
        ),
        row(
            "list 50: big vs small",
            reads["list_big"]["p50"] / reads["list_small"]["p50"],
            1.5,
            "<=",
        ),
        row(
            "count: big vs small",
            reads["count_big"]["p50"] / reads["count_small"]["p50"],
            1.5,
            "<=",
        ),
        row(
            "cold start (new database) vs pygls import", f["cold_new"] / f["cold_pygls"], 1.2, "<="
        ),
        row(
            f"cold start ({r['sizes']['big_events']:,} events) vs pygls import",
            f["cold_big"] / f["cold_pygls"],
            1.2,
            "<=",
        ),
        row("peak RSS after the long run", f["long"]["peak_rss_kb"] / 1024, 80, "<=", "MB"),
        row(
            "RSS growth, 10% to 100% of the long run",
            f["long"]["rss_growth_kb"] / 1024,
            2,
            "<=",
            "MB",
        ),
    ]


def table(r: dict[str, Any]) -> str:
    f = r["figures"]
    s = r["sizes"]
    rd = f["reads"]
    lg = f["long"]

    def ms(x: float) -> str:
        return f"{x * 1000:.3f} ms"

    lines = [
        f"sessiond benchmark — {r['when']} — {r['machine']}" + (" — QUICK" if r["quick"] else ""),
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| floor: raw in-process appends, one commit each | {f['raw_per_s']:,.0f} /s |",
        f"| floor: stdlib stdio loop, sequential append p50 / p99 "
        f"| {ms(f['stdlib_seq_p50'])} / {ms(f['stdlib_seq_p99'])} |",
        f"| sessiond: sequential append p50 / p99 "
        f"| {ms(f['sessiond_seq_p50'])} / {ms(f['sessiond_seq_p99'])} |",
        f"| sessiond: pipelined appends ({s['pipelined']:,} in flight) "
        f"| {f['pipelined_per_s']:,.0f} /s |",
    ]
    for key, label, small, big in (
        ("tail", "`session/events` tail of 100", "100 events", f"{s['big_events']:,} events"),
        ("list", "`session/list` of 50", "50 sessions", f"{s['big_sessions']:,} sessions"),
        ("count", "`session/count`", "100 events", f"{s['big_events']:,} events"),
    ):
        lines.append(
            f"| sessiond: {label}, p50 at {small} / at {big} "
            f"| {ms(rd[key + '_small']['p50'])} / {ms(rd[key + '_big']['p50'])} |"
        )
    lines += [
        f"| cold start: `import pygls.lsp.server` alone | {ms(f['cold_pygls'])} |",
        "| cold start: sessiond, spawn to `initialize` answer: new database / "
        f"{s['small_events']} events / {s['big_events']:,} events "
        f"| {ms(f['cold_new'])} / {ms(f['cold_existing'])} / {ms(f['cold_big'])} |",
        f"| sessiond: {lg['appends']:,} pipelined appends ({s['long_window']:,} in flight) "
        f"| {lg['appends_per_s']:,.0f} /s, {lg['seconds']:.0f} s |",
        "| sessiond: RSS at 0 / 10% / 100% of them | "
        + " / ".join(
            f"{kb / 1024:.1f} MB"
            for _, kb in (
                lg["rss_samples_kb"][0],
                lg["rss_samples_kb"][1],
                lg["rss_samples_kb"][-1],
            )
        )
        + " |",
        f"| sessiond: peak RSS (VmHWM) | {lg['peak_rss_kb'] / 1024:.1f} MB |",
        f"| database bytes per event ({lg['text_bytes_per_event']:.0f} bytes of text each) "
        f"| {lg['db_bytes_per_event']:.0f} |",
        "",
        "| goal | measured | target | |",
        "| --- | --- | --- | --- |",
    ]
    for g in r["goals"]:
        unit = g["unit"]
        value = f"{g['value']:.2f}{unit}" if unit == "x" else f"{g['value']:.1f} {unit}"
        limit = f"{g['op']} {g['limit']}{unit}" if unit == "x" else f"{g['op']} {g['limit']} {unit}"
        lines.append(f"| {g['goal']} | {value} | {limit} | {'met' if g['met'] else 'NOT MET'} |")
    lines.append("")
    lines.append(f"benchmark wall time: {r['wall_s']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the JSON file (default {DEFAULT_OUT})")
    parser.add_argument("--tmp", default=None, help="where the databases go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    tmp = tempfile.mkdtemp(prefix="sessiond-bench-", dir=args.tmp)
    started = time.perf_counter()
    f: dict[str, Any] = {}
    try:
        db, db2 = os.path.join(tmp, "seq-stdlib.db"), os.path.join(tmp, "seq-sessiond.db")
        raw, stdlib, ours, piped = [], [], [], []
        log("floors and appends, interleaved")
        for _ in range(sizes["rounds"]):
            raw.append(floors.raw_appends(os.path.join(tmp, "raw.db"), sizes["raw_appends"]))
            floors.new_db(db)
            floors.new_db(db2)
            a, b = sequential([stdlib_cmd(db), sessiond_cmd(db2)], sizes["sequential"])
            stdlib += a
            ours += b
        for _ in range(sizes["pipelined_rounds"]):
            raw.append(floors.raw_appends(os.path.join(tmp, "raw.db"), sizes["raw_appends"]))
            piped.append(pipelined(os.path.join(tmp, "piped.db"), sizes["pipelined"]))
        f["raw_per_s"] = statistics.median(raw)
        f["raw_rounds"] = raw
        f["pipelined_per_s"] = statistics.median(piped)
        f["pipelined_rounds"] = piped
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

        log(f"{sizes['long_appends']:,} appends")
        f["long"] = long_run(
            os.path.join(tmp, "long.db"), sizes["long_appends"], sizes["long_window"]
        )
    finally:
        if args.keep:
            log(f"databases kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    result: dict[str, Any] = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        "quick": args.quick,
        "sizes": sizes,
        "figures": f,
        "wall_s": time.perf_counter() - started,
    }
    result["goals"] = goals(result)
    text = table(result)
    result["table"] = text
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as out:
        json.dump(result, out, indent=2)
    os.replace(args.out + ".tmp", args.out)
    print(text)
    print(f"\n(written to {os.path.relpath(args.out)})")
    return 0
