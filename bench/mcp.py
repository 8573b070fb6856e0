"""`python -m bench.mcp`: what `sessiond mcp` costs, beside the daemon.

- the MCP SDK's import time (`python -X importtime`, the `mcp` package and
  all it pulls in), and a whole `import sessiond.mcp.server`;
- start: spawn `sessiond mcp` to its `initialize` answer, beside the daemon's
  spawn to its own `initialize` answer (median of runs);
- `search_history` round trips through `sessiond mcp` against `session/find`
  (what `search_history` asks the store since version 3) through the daemon,
  for the same queries on the same database, in interleaved rounds: p50
  each and their ratio (goal: at most 2x).

Both servers are real processes over pipes; each side's client frames by
hand (newline-delimited JSON for MCP, Content-Length for the daemon), so
neither client library is measured. The history is written through the
store (`append_many`), so the search index is the real one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.common import pct, sessiond_cmd
from bench.rpc import Peer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "mcp.json")

FULL = {"sessions": 1000, "events": 50, "calls": 300, "rounds": 3, "starts": 7}
QUICK = {"sessions": 100, "events": 20, "calls": 60, "rounds": 2, "starts": 3}
QUERIES = ("cache key", "migrat*", '"git rebase"', "how did we fix the flaky docker build")
# What search_history does through the daemon.
DAEMON_METHOD = "session/find"
GOAL_RATIO = 2.0

# The vocabulary of the benchmark's turns (a few hundred hits per query).
_WORDS = (  # noqa: SIM905 (one readable line of words)
    "cache key runner workspace migration migrate migrated deploy rollback staging "
    "git rebase merge commit branch test flaky build docker image python node sqlite "
    "postgres index query schema session editor agent prompt reply error timeout retry"
).split()


def log(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def seed(path: str, sessions: int, events: int) -> None:
    """`sessions` sessions of `events` turns of 20 to 60 words, through the store."""
    from sessiond.store import open_store

    rng = random.Random(17)
    with open_store(path) as store:
        for n in range(sessions):
            sid = store.start_session(f"bench-client {n % 4}").id
            batch = [
                (
                    sid,
                    "prompt" if i % 2 == 0 else "system",
                    " ".join(rng.choices(_WORDS, k=rng.randint(20, 60))),
                )
                for i in range(events)
            ]
            for outcome in store.append_many(batch):
                if isinstance(outcome, Exception):
                    raise outcome
            store.end_session(sid)


class McpPeer:
    """`sessiond mcp` on pipes: one JSON message per line."""

    def __init__(self, db: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sessiond", "mcp", "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.out = self.proc.stdout
        self.buf = b""
        self.next_id = 0

    def _line(self) -> bytes:
        while b"\n" not in self.buf:
            ready, _, _ = select.select([self.out], [], [], 60)
            chunk = os.read(self.out.fileno(), 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError(f"sessiond mcp gave no answer (exit {self.proc.poll()})")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line

    def send(self, message: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(message, separators=(",", ":")).encode() + b"\n")

    def call(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        answer: dict[str, Any] = json.loads(self._line())
        if "error" in answer:
            raise RuntimeError(f"{method} failed: {answer['error']}")
        return dict(answer["result"])

    def initialize(self) -> dict[str, Any]:
        result = self.call(
            "initialize",
            {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "bench", "version": "1"},
            },
        )
        self.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        return result

    def timed_search(self, query: str, n: int) -> list[float]:
        times = []
        params = {"name": "search_history", "arguments": {"query": query, "limit": 10}}
        for _ in range(n):
            t0 = time.perf_counter()
            result = self.call("tools/call", params)
            times.append(time.perf_counter() - t0)
            if result.get("isError"):
                raise RuntimeError(f"search_history failed: {result['content']}")
        return times

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        code = self.proc.wait(timeout=60)
        self.out.close()
        return code


def import_times(runs: int = 5) -> dict[str, float]:
    """Seconds: the `mcp` package's cumulative import (-X importtime, the
    median of `runs`), and `import sessiond.mcp.server` from spawn to exit
    less `python -c pass`."""
    sdk, whole, bare = [], [], []
    for _ in range(runs):
        run = subprocess.run(
            [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "import mcp.server.lowlevel, mcp.server.stdio",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"\|\s+(\d+) \|\s*mcp$", run.stderr, flags=re.M)
        assert found, run.stderr[-500:]
        sdk.append(int(found[1]) / 1e6)
        for target, code in ((whole, "import sessiond.mcp.server"), (bare, "pass")):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], check=True)
            target.append(time.perf_counter() - t0)
    return {
        "sdk_import_s": statistics.median(sdk),
        "server_import_s": statistics.median(whole) - statistics.median(bare),
    }


def starts(db: str, runs: int) -> dict[str, float]:
    """Medians, seconds: spawn to the `initialize` answer, MCP and daemon."""
    got: dict[str, list[float]] = {"mcp": [], "daemon": []}
    for _ in range(runs):
        t0 = time.perf_counter()
        peer = McpPeer(db)
        peer.initialize()
        got["mcp"].append(time.perf_counter() - t0)
        peer.close()
        t0 = time.perf_counter()
        daemon = Peer(sessiond_cmd(db))
        daemon.initialize()
        got["daemon"].append(time.perf_counter() - t0)
        daemon.close()
    return {k: statistics.median(v) for k, v in got.items()}


def searches(
    db: str, calls: int, rounds: int, queries: tuple[str, ...] = QUERIES
) -> dict[str, dict[str, float]]:
    """p50 per query, through MCP and through the daemon, interleaved."""
    mcp, daemon = McpPeer(db), Peer(sessiond_cmd(db))
    times: dict[str, dict[str, list[float]]] = {q: {"mcp": [], "daemon": []} for q in queries}
    try:
        mcp.initialize()
        daemon.initialize()
        for query in queries:
            found = daemon.call(DAEMON_METHOD, {"query": query, "limit": 10})["results"]
            if not found:
                raise AssertionError(f"the benchmark history has no session for {query!r}")
            mcp.timed_search(query, 10)  # warm up both
            daemon.timed(DAEMON_METHOD, {"query": query, "limit": 10}, 10)
        for _ in range(rounds):
            for query in queries:
                times[query]["mcp"] += mcp.timed_search(query, calls)
                times[query]["daemon"] += daemon.timed(
                    DAEMON_METHOD, {"query": query, "limit": 10}, calls
                )
    finally:
        mcp.close()
        daemon.close()
    out = {}
    for query, both in times.items():
        m, d = pct(both["mcp"], 0.5), pct(both["daemon"], 0.5)
        out[query] = {"mcp_p50": m, "daemon_p50": d, "ratio": m / d}
    return out


def table(r: dict[str, Any]) -> str:
    def ms(x: float) -> str:
        return f"{x * 1000:.3f} ms"

    f = r["figures"]
    lines = [
        f"sessiond mcp benchmark — {r['when']}" + (" — QUICK" if r["quick"] else ""),
        f"history: {r['sizes']['sessions']:,} sessions x {r['sizes']['events']} turns",
        "",
        "| figure | value |",
        "| --- | --- |",
        f"| MCP SDK import (`mcp`, -X importtime) | {ms(f['sdk_import_s'])} |",
        f"| `import sessiond.mcp.server` (less `python -c pass`) | {ms(f['server_import_s'])} |",
        f"| start to `initialize` answer: `sessiond mcp` / daemon | "
        f"{ms(f['start']['mcp'])} / {ms(f['start']['daemon'])} |",
    ]
    for query, q in f["search"].items():
        lines.append(
            f"| `{query}`: search_history (MCP) / session/find (daemon), p50 | "
            f"{ms(q['mcp_p50'])} / {ms(q['daemon_p50'])} ({q['ratio']:.2f}x) |"
        )
    worst = max(q["ratio"] for q in f["search"].values())
    lines += [
        "",
        "| goal | measured | target | |",
        "| --- | --- | --- | --- |",
        f"| search_history p50 vs session/find p50 (worst query) | {worst:.2f}x | "
        f"<= {GOAL_RATIO:.1f}x | {'met' if worst <= GOAL_RATIO else 'MISSED'} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mcp", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"the JSON file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    tmp = tempfile.mkdtemp(prefix="sessiond-bench-mcp-")
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    try:
        db = os.path.join(tmp, "history.db")
        log(f"seeding {sizes['sessions']:,} sessions x {sizes['events']} turns")
        seed(db, sizes["sessions"], sizes["events"])
        log("imports")
        figures.update(import_times())
        log("starts")
        figures["start"] = starts(db, sizes["starts"])
        log("searches")
        figures["search"] = searches(db, sizes["calls"], sizes["rounds"])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    import datetime

    result: dict[str, Any] = {
        "when": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": args.quick,
        "sizes": sizes,
        "figures": figures,
        "wall_s": time.perf_counter() - started,
    }
    result["table"] = table(result)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w") as out:
        json.dump(result, out, indent=2)
    os.replace(args.out + ".tmp", args.out)
    print(result["table"])
    print(f"\n(written to {os.path.relpath(args.out)}; {result['wall_s']:.0f} s)")
    return 0 if max(q["ratio"] for q in figures["search"].values()) <= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
