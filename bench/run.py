"""`python -m bench`: every speed figure of issues 6, 10, 11, 12, 13, 15 and
17 in one run, and the goals with their ratios.

Each part lives in its own module (`appends`, `search`, `live`, `imports`,
`mcp`, `export`, `postgres`); this one runs them in order, writes one JSON
file and prints one report. The things a ratio compares are measured in the
same run, in rounds that take turns (see each module).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import json
import os
import platform
import shutil
import sqlite3
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import appends, chat_start, export, imports, live, mcp, report, search, semantic, v3
from bench.common import (  # noqa: F401 (bench.postgres imports these from here)
    append_chunks,
    append_params,
    log,
    pct,
    sessiond_cmd,
)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "results", "latest.json")
QUICK_OUT = os.path.join(HERE, "results", "quick.json")  # git-ignored

FULL: dict[str, Any] = {
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
    "search_events": 1_000_000,
    "search_sessions": 10_000,
    # Small rounds: a burst of outside load falls on every kind, not on one.
    "search_requests": 10,  # per query kind, per round
    "search_rounds": 30,
    "cli_runs": 7,
    "mcp_calls": 100,  # per query, per side, per round
    "mcp_rounds": 3,
    "mcp_starts": 5,
    "lag_probes": 200,
    "lag_gap_s": 0.02,  # mean pause between two probes
    "loaders": 8,
    "live_pipelined_rounds": 3,
    "idle_seconds": 30,
    "import_size": 100_000,  # Claude Code lines, and llm responses
    "export_events": 100_000,
    "export_rounds": 5,
    "v3_appends": 20_000,  # per round, per daemon
    "v3_rounds": 4,
    "chat_rounds": 10,
    **semantic.SIZES_FOR_RUN,
}
QUICK: dict[str, Any] = {
    **FULL,
    "raw_appends": 500,
    "sequential": 100,
    "rounds": 2,
    "pipelined": 2_000,
    "pipelined_rounds": 2,
    "read_requests": 50,
    "read_rounds": 2,
    "big_events": 20_000,
    "big_sessions": 5_000,
    "cold_runs": 3,
    "long_appends": 20_000,
    "long_window": 2_000,
    "search_events": 50_000,
    "search_sessions": 500,
    "search_requests": 5,
    "search_rounds": 8,
    "cli_runs": 3,
    "mcp_calls": 30,
    "mcp_rounds": 2,
    "mcp_starts": 2,
    "lag_probes": 40,
    "live_pipelined_rounds": 2,
    "idle_seconds": 5,
    "import_size": 10_000,
    "export_events": 20_000,
    "export_rounds": 3,
    "v3_appends": 2_000,
    "v3_rounds": 2,
    "chat_rounds": 3,
    **semantic.QUICK_FOR_RUN,
}

# search_history beside session/find: the rare word (where the fixed cost
# of each side shows most), a common pair, a prefix and a question.
MCP_QUERIES = (search.QUERIES["a rare word"], "deploy OR rollback", "com*", "undo the last commit")
PG_HOW = (
    "set SESSIOND_BENCH_PG_URL=postgresql://USER:PASSWORD@localhost/DB "
    "(a database the bench may make schemas in)"
)


def run_mcp(db: str, s: dict[str, Any]) -> dict[str, Any]:
    log("mcp: imports, starts, search_history beside session/find")
    f: dict[str, Any] = dict(mcp.import_times(runs=3))
    f["start"] = mcp.starts(db, s["mcp_starts"])
    f["search"] = mcp.searches(db, s["mcp_calls"], s["mcp_rounds"], MCP_QUERIES)
    return f


def run_imports(tmp: str, s: dict[str, Any], pipelined_db: str) -> dict[str, Any]:
    log(f"imports: every source, {s['import_size']:,} events each")
    root = Path(tmp) / "imports"
    root.mkdir()
    # A round of pipelined appends right before and right after each first
    # import: each source's ratio is to the mean of its two rounds.
    return imports.measure(
        s["import_size"],
        s["import_size"],
        0,
        root,
        beside=lambda: appends.pipelined(pipelined_db, s["pipelined"]),
    )


def run_idle(tmp: str, s: dict[str, Any]) -> dict[str, Any]:
    """The idle daemons and the idle `import --watch`, over the same seconds."""
    log(f"idle: daemons and `import --watch`, {s['idle_seconds']} s")
    watched: list[float] = []
    watcher = threading.Thread(
        target=lambda: watched.append(imports.watch_idle(Path(tmp) / "imports", s["idle_seconds"]))
    )
    watcher.start()
    try:
        daemons = live.idle(tmp, s["idle_seconds"])
    finally:
        watcher.join()
    if not watched:
        raise AssertionError("the idle `import --watch` was not measured")
    return {**daemons, "watch": watched[0]}


PART_SECONDS: dict[str, float] = {}


def guarded(name: str, part: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one part; a part that fails is reported as failed, and the run
    goes on with the others. Its wall time goes to PART_SECONDS."""
    t0 = time.perf_counter()
    try:
        return part()
    except Exception as exc:
        log(f"{name} FAILED:")
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        PART_SECONDS[name] = time.perf_counter() - t0
        log(f"{name}: {PART_SECONDS[name]:.0f} s")


def run_postgres(quick: bool, tmp: str, lag_probes: int, lag_gap_s: float) -> dict[str, Any]:
    url = os.environ.get("SESSIOND_BENCH_PG_URL")
    if not url:
        return {"skipped": f"no server given: {PG_HOW}"}
    try:
        from bench import postgres
    except ImportError as exc:
        return {"skipped": f"bench.postgres cannot run here ({exc})"}
    log("postgres (bench.postgres)")
    out = os.path.join(tmp, "postgres.json")
    args = ["--url", url, "--out", out] + (["--quick"] if quick else [])
    with contextlib.redirect_stdout(io.StringIO()):
        postgres.main(args)
    result: dict[str, Any] = json.loads(Path(out).read_text())
    log("postgres: notification lag across two daemons")
    schemas = postgres.Schemas(url)
    try:
        result["live_lag"] = live.lag(schemas.new(), lag_probes, 0, lag_gap_s, fresh=False)
    except live.NotServed as exc:
        result["live_lag"] = {"served": False, "why": str(exc)}
    finally:
        schemas.close()
    from bench import pg_lag

    seconds = 15.0 if quick else 40.0
    log(f"postgres: notification lag under issue 25's load, {seconds:.0f} s (bench.pg_lag)")
    result["lag_under_load"] = pg_lag.measure(
        url, seconds=seconds, import_lines=4_000 if quick else 20_000
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    parser.add_argument(
        "--out",
        default=None,
        help=f"the JSON file (default {DEFAULT_OUT}; with --quick, {QUICK_OUT})",
    )
    parser.add_argument("--tmp", default=None, help="where the databases go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args(argv)
    out = args.out or (QUICK_OUT if args.quick else DEFAULT_OUT)
    s = QUICK if args.quick else FULL
    tmp = tempfile.mkdtemp(prefix="sessiond-bench-", dir=args.tmp)
    started = time.perf_counter()
    f: dict[str, Any] = {}
    try:
        f["appends"] = guarded("appends", lambda: appends.measure(tmp, s))
        f["search"] = guarded("search", lambda: search.measure(tmp, s))
        f["mcp"] = guarded("mcp", lambda: run_mcp(f["search"]["v2"], s))
        f["v3"] = guarded("v3", lambda: v3.measure(tmp, f["search"]["v2"], s))
        # Search by meaning over a copy of the same million turns (the
        # search part's store; SESSIOND_BENCH_BIG_DB names another).
        big = os.environ.get("SESSIOND_BENCH_BIG_DB") or f["search"].get("v2", "")
        f["semantic"] = guarded("semantic", lambda: semantic.measure(tmp, big, s))
        for key in ("v1", "v2"):  # a gigabyte between them
            with contextlib.suppress(KeyError, OSError):
                os.remove(f["search"][key])
        f["live"] = guarded("live", lambda: live.measure(tmp, s))
        piped = os.path.join(tmp, "piped.db")
        f["imports"] = guarded("imports", lambda: run_imports(tmp, s, piped))
        f["idle"] = guarded("idle", lambda: run_idle(tmp, s))
        log(f"export: {s['export_events']:,} events, markdown and jsonl")
        f["export"] = guarded(
            "export", lambda: export.measure(s["export_events"], s["export_rounds"])
        )
        log(f"chat: time to a prompt that reads keys, {s['chat_rounds']} rounds")
        f["chat"] = guarded("chat", lambda: chat_start.measure(s["chat_rounds"]))
        pg = (args.quick, tmp, s["lag_probes"], s["lag_gap_s"])
        f["postgres"] = guarded("postgres", lambda: run_postgres(*pg))
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
        "sizes": s,
        "figures": f,
        "wall_s": time.perf_counter() - started,
        "part_s": PART_SECONDS,
    }
    tables, result["goals"] = report.build(result)
    text = report.table(result, tables)
    result["table"] = text
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out + ".tmp", "w") as sink:
        json.dump(result, sink, indent=2)
    os.replace(out + ".tmp", out)
    print(text)
    print(f"\n(written to {os.path.relpath(out)})")
    return 1 if any(g["note"] == "FAILED" for g in result["goals"]) else 0
