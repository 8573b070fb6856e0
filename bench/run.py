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
from pathlib import Path
from typing import Any

from bench import appends, export, imports, live, mcp, search
from bench.common import (  # noqa: F401 (bench.postgres imports these from here)
    append_chunks,
    append_params,
    goal,
    log,
    ms,
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
    "search_requests": 100,  # per query kind, per round
    "search_rounds": 3,
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
    "search_requests": 20,
    "search_rounds": 2,
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
}

# search_history beside session/search: the rare word (where the fixed cost
# of each side shows most), a common pair, a prefix and a question.
MCP_QUERIES = (search.QUERIES["a rare word"], "deploy OR rollback", "com*", "undo the last commit")
PG_HOW = (
    "set SESSIOND_BENCH_PG_URL=postgresql://USER:PASSWORD@localhost/DB "
    "(a database the bench may make schemas in)"
)


def run_mcp(db: str, s: dict[str, Any]) -> dict[str, Any]:
    log("mcp: imports, starts, search_history beside session/search")
    f: dict[str, Any] = dict(mcp.import_times(runs=3))
    f["start"] = mcp.starts(db, s["mcp_starts"])
    f["search"] = mcp.searches(db, s["mcp_calls"], s["mcp_rounds"], MCP_QUERIES)
    return f


def run_imports(tmp: str, s: dict[str, Any], pipelined_db: str) -> dict[str, Any]:
    log(f"imports: {s['import_size']:,} Claude Code lines, {s['import_size']:,} llm responses")
    rates: list[float] = []
    root = Path(tmp) / "imports"
    root.mkdir()
    f = imports.measure(
        s["import_size"],
        s["import_size"],
        0,
        root,
        beside=lambda: rates.append(appends.pipelined(pipelined_db, s["pipelined"])),
    )
    f["pipelined_beside"] = rates
    return f


def run_idle(tmp: str, s: dict[str, Any]) -> tuple[dict[str, Any], float]:
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
    return daemons, watched[0]


def run_postgres(quick: bool, tmp: str) -> dict[str, Any]:
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
    return result


# The report


def section_rows(r: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    f, s = r["figures"], r["sizes"]
    im, mc, ex = f["imports"], f["mcp"], f["export"]
    sections = [
        ("Appends, reads, start, memory (issue 6)", appends.rows(f["appends"], s)),
        (f"Search at {s['search_events']:,} realistic turns (issue 11)", search.rows(f["search"])),
        ("Live updates (issue 12)", live.rows(f["live"], f["idle"])),
    ]
    rows = []
    for name, label, unit in (
        ("claude_code", "Claude Code transcripts", "lines"),
        ("llm", "llm logs.db", "responses"),
    ):
        g = im[name]
        rows += [
            (
                f"`sessiond import` {label}: {g['size']:,} {unit}, {g['events']:,} events",
                f"{g['events_per_s']:,.0f} events/s, {g['seconds']:.2f} s",
            ),
            ("no-op re-import of the same", f"{g['noop_seconds'] * 1000:.1f} ms"),
        ]
    rows += [
        (
            "pipelined appends beside each import (for the ratio)",
            " / ".join(f"{x:,.0f} /s" for x in im["pipelined_beside"]),
        ),
        (
            f"`import --watch`, idle {s['idle_seconds']} s: CPU",
            f"{f['watch_idle']:.3%} of one core",
        ),
    ]
    sections.append(("Import (issue 13)", rows))
    rows = [
        ("MCP SDK import (`mcp`, -X importtime)", ms(mc["sdk_import_s"])),
        (
            "`sessiond mcp` / daemon: spawn to `initialize` answer",
            f"{ms(mc['start']['mcp'])} / {ms(mc['start']['daemon'])}",
        ),
    ]
    for query, q in mc["search"].items():
        rows.append(
            (
                f"`{query}`: search_history (MCP) / session/search (daemon), p50",
                f"{ms(q['mcp_p50'])} / {ms(q['daemon_p50'])} ({q['ratio']:.2f}x)",
            )
        )
    sections.append((f"MCP, on the same {s['search_events']:,} turns (issue 17)", rows))
    big, small = ex["events"], ex["small_events"]
    rows = [
        (
            f"`sessiond export --format {fmt}`, {big:,} events: median",
            f"{ex['median_seconds'][fmt]:.3f} s",
        )
        for fmt in export.FORMATS
    ]
    rows += [
        (
            f"export --format {fmt}: peak RSS at {small:,} / {big:,} events",
            " / ".join(f"{ex['peak_rss_kib'][fmt][n] / 1024:.1f} MB" for n in (small, big)),
        )
        for fmt in export.FORMATS
    ]
    sections.append(("Export (issue 10)", rows))
    pg = f["postgres"]
    if "skipped" in pg:
        sections.append(("PostgreSQL (issue 15)", [("not measured", pg["skipped"])]))
    else:
        sections.append(("PostgreSQL (issue 15)", pg_rows(pg["table"])))
    return sections


def pg_rows(text: str) -> list[tuple[str, str]]:
    """The figure rows of bench.postgres's own table."""
    rows = []
    for line in text.split("\n\n", 2)[1].splitlines():
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        if len(cells) == 2 and cells[0] not in ("figure", "---"):
            rows.append((cells[0], cells[1]))
    return rows


def all_goals(r: dict[str, Any]) -> list[dict[str, Any]]:
    f, s = r["figures"], r["sizes"]
    out = appends.goals(f["appends"], s)
    out += search.goals(f["search"])
    out += live.goals(f["live"], f["idle"])
    im = f["imports"]
    beside = sorted(im["pipelined_beside"])[len(im["pipelined_beside"]) // 2]
    for name, label in (("claude_code", "Claude Code"), ("llm", "llm")):
        out.append(
            goal(
                f"import {label} vs pipelined appends",
                im[name]["events_per_s"] / beside,
                0.5,
                ">=",
                issue=13,
            )
        )
        out.append(
            goal(
                f"no-op re-import {label} vs first",
                im[name]["noop_share"] * 100,
                5,
                "<=",
                "%",
                issue=13,
            )
        )
    worst = max(mc["ratio"] for mc in f["mcp"]["search"].values())
    out.append(
        goal("search_history p50 vs session/search p50 (worst query)", worst, 2.0, "<=", issue=17)
    )
    ex = f["export"]
    big, small = ex["events"], ex["small_events"]
    growth = max(
        ex["peak_rss_kib"][fmt][big] / ex["peak_rss_kib"][fmt][small] for fmt in export.FORMATS
    )
    out.append(
        goal(f"export markdown time vs jsonl, {big:,} events", ex["ratio"], 1.5, "<=", issue=10)
    )
    out.append(
        goal(f"export peak RSS at {big:,} vs {small:,} events (flat)", growth, 1.2, "<=", issue=10)
    )
    pg = f["postgres"]
    if "skipped" in pg:
        why = "not measured (no server given)"
        out += [
            goal(
                "PostgreSQL: pipelined appends vs raw psycopg, transactions of 100",
                None,
                0.5,
                ">=",
                "x",
                15,
                why,
            ),
            goal("PostgreSQL: sequential append p50 vs raw psycopg", None, 1.5, "<=", "x", 15, why),
            goal("PostgreSQL: search p50, a rare word", None, 10, "<=", "ms", 15, why),
        ]
    else:
        out += [{**g, "issue": 15, "note": None} for g in pg["goals"]]
    return out


def table(r: dict[str, Any]) -> str:
    lines = [
        f"sessiond benchmark — {r['when']} — {r['machine']}" + (" — QUICK" if r["quick"] else ""),
    ]
    for title, rows in section_rows(r):
        lines += ["", f"**{title}**", "", "| figure | value |", "| --- | --- |"]
        lines += [f"| {name} | {value} |" for name, value in rows]
    lines += ["", "| goal | issue | measured | target | |", "| --- | --- | --- | --- | --- |"]
    for g in r["goals"]:
        unit = g["unit"]
        sep = "" if unit in ("x", "%") else " "
        limit = f"{g['op']} {g['limit']}{sep}{unit}"
        if g["value"] is None:
            lines.append(f"| {g['goal']} | {g['issue']} | — | {limit} | {g['note']} |")
            continue
        digits = 2 if unit == "x" else 1
        value = f"{g['value']:.{digits}f}{sep}{unit}"
        state = "met" if g["met"] else "NOT MET"
        lines.append(f"| {g['goal']} | {g['issue']} | {value} | {limit} | {state} |")
    lines += ["", f"benchmark wall time: {r['wall_s']:.0f} s"]
    return "\n".join(lines)


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
        f["appends"] = appends.measure(tmp, s)
        f["search"] = search.measure(tmp, s)
        f["mcp"] = run_mcp(f["search"]["v2"], s)
        for key in ("v1", "v2"):
            os.remove(f["search"][key])  # a gigabyte between them
        f["live"] = live.measure(tmp, s)
        f["imports"] = run_imports(tmp, s, os.path.join(tmp, "piped.db"))
        f["idle"], f["watch_idle"] = run_idle(tmp, s)
        log(f"export: {s['export_events']:,} events, markdown and jsonl")
        f["export"] = export.measure(s["export_events"], s["export_rounds"])
        f["postgres"] = run_postgres(args.quick, tmp)
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
    }
    result["goals"] = all_goals(result)
    text = table(result)
    result["table"] = text
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out + ".tmp", "w") as sink:
        json.dump(result, sink, indent=2)
    os.replace(out + ".tmp", out)
    print(text)
    print(f"\n(written to {os.path.relpath(out)})")
    return 0
