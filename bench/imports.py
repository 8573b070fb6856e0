"""`python -m bench.imports`: how fast `sessiond import` is, for every source
(issues 13 and 23).

For each source of `sessiond.importers.IMPORTERS`, `bench.import_inputs`
writes about `size` events' worth of that tool's history in the tool's own
shape (many sessions, tool calls, usage, titles, realistic texts); the files
are imported into a new SQLite store through `run_import` (as `sessiond
import` does, in-process), then imported again (nothing new: the no-op
re-import; goals: <= 5% of the first, and under 50 ms for 100,000 events).
The store's event count is checked against what the generator wrote, and the
version-3 fields it filled are counted. Each first import is compared with
pipelined appends (`bench.appends.pipelined`, 10,000 in flight to a real
daemon) measured right before and right after it (goal >= 0.5x), and the
CPU seconds the import took are kept beside its seconds (on a shared,
loaded machine the two differ by several times); the CPU an idle `sessiond
import --watch` uses over 30 s is read from /proc. `--profile` runs the
slow ones again under cProfile and says where their time goes: the reader,
the writer or the store (each with the SQLite, json and re calls it makes).

    python -m bench.imports                    # every source, 100,000 events each
    python -m bench.imports --quick            # 10,000 events each, 5 s idle
    python -m bench.imports --only cursor --only cline --profile
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import import_inputs

HERE = Path(__file__).resolve().parent
LATEST = HERE / "results" / "latest.json"
NOOP_GOAL_S = 0.050  # issue 23: a no-op re-import of 100,000 events
RATIO_GOAL = 0.5  # issue 13/23: import events/s vs pipelined appends

#: source -> its generator. Claude Code and llm first: `bench.report` reads
#: the pipelined rounds beside them as the first four of `pipelined_beside`.
MAKERS: dict[str, Callable[[Path, int], import_inputs.Input]] = {
    "claude-code": import_inputs.make_claude_code,
    "llm": import_inputs.make_llm,
    "codex": import_inputs.make_codex,
    "gemini-cli": import_inputs.make_gemini_cli,
    "opencode": import_inputs.make_opencode,
    "aider": import_inputs.make_aider,
    "copilot-chat": import_inputs.make_copilot_chat,
    "cursor": import_inputs.make_cursor,
    "cline": import_inputs.make_cline,
    "roo": import_inputs.make_roo,
    "sessiond": import_inputs.make_sessiond,
}


def folder_of(source: str) -> str:
    """Where a source's input goes under the bench's root (Claude Code's in
    `claude/`, where `watch_idle` and `bench.run` look for it)."""
    return "claude" if source == "claude-code" else source


def db_of(root: Path, source: str) -> Path:
    return root / f"{source.replace('-', '_')}.db"


def time_import(db: str, source: str, paths: list[Path]) -> tuple[float, Any, float]:
    """Seconds `run_import` takes (the store opened before), its Summary,
    and the CPU seconds this process spent meanwhile (on a loaded machine,
    far fewer than the seconds)."""
    from sessiond.importers.run import run_import
    from sessiond.store import open_store

    with open_store(db) as store:
        cpu, started = time.process_time(), time.perf_counter()
        summary = run_import(store, source, paths, progress=False)
        return time.perf_counter() - started, summary, time.process_time() - cpu


def stored(db: str) -> dict[str, Any]:
    """What the store holds: events, sessions, and how many of them have
    each version-3 field."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sessions = conn.execute(
            "SELECT count(*), count(source), count(source_id), count(project), count(branch),"
            " count(title), count(parent_id) FROM sessions"
        ).fetchone()
        events = conn.execute(
            "SELECT count(*), count(meta), sum(json_extract(meta, '$.model') IS NOT NULL),"
            " sum(json_extract(meta, '$.usage') IS NOT NULL),"
            " sum(json_extract(meta, '$.tool') IS NOT NULL),"
            " sum(json_extract(meta, '$.isError') = 1) FROM events"
        ).fetchone()
    finally:
        conn.close()
    of_sessions = ("sessions", "source", "sourceId", "project", "branch", "title", "parent")
    found = dict(zip(of_sessions, (int(v or 0) for v in sessions), strict=True))
    of_events = ("events", "meta", "model", "usage", "tool", "isError")
    found |= dict(zip(of_events, (int(v or 0) for v in events), strict=True))
    return found


def disk_bytes(paths: list[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        else:
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def measure_source(
    source: str, size: int, root: Path, beside: Callable[[], object] | None = None
) -> dict[str, Any]:
    """Write `source`'s input of about `size` events under `root`, import it
    into a new store, and again; `beside` is called right before and right
    after the first import (a float it returns is kept as the rate the
    import is compared with)."""
    folder = root / folder_of(source)
    db = db_of(root, source)
    for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    made = MAKERS[source](folder, size)
    generated = time.perf_counter() - t0
    rates: list[object] = []
    if beside is not None:
        rates.append(beside())
    first, summary, cpu = time_import(str(db), source, made.paths)
    if beside is not None:
        rates.append(beside())
    again, summary_again, _ = time_import(str(db), source, made.paths)
    held = stored(str(db))
    f: dict[str, Any] = {
        "paths": [str(p) for p in made.paths],
        "size": size,
        "input_bytes": disk_bytes(made.paths),
        "generate_s": generated,
        "expected_events": made.events,
        "expected_sessions": made.sessions,
        "events": held["events"],
        "added": summary.events_added,
        "seconds": first,
        "cpu_seconds": cpu,
        "events_per_s": summary.events_added / first if first else 0.0,
        "noop_seconds": again,
        "noop_share": again / first if first else 0.0,
        "noop_added": summary_again.events_added,
        "skipped": dict(summary.skipped),
        "failed": [list(x) for x in summary.failed],
        "stored": held,
    }
    numbers = [r for r in rates if isinstance(r, float)]
    if rates and len(numbers) == len(rates):
        f["pipelined_beside"] = numbers
        f["ratio"] = f["events_per_s"] / (sum(numbers) / len(numbers))
    return f


def measure(
    lines: int,
    responses: int,
    idle_seconds: float,
    root: Path | None = None,
    beside: Callable[[], object] | None = None,
    only: list[str] | None = None,
    keep: bool = False,
) -> dict[str, Any]:
    """Measure every source (`only`: these) at about `lines` events each
    (llm at `responses`), then watch the Claude Code files idle for
    `idle_seconds` (0: not at all).

    `root`: where the files and stores go (default a temporary folder,
    removed). Each source's files and store are removed once measured
    unless `keep`, but Claude Code's (for `watch_idle`). `beside` is called
    right before and right after each first import, in the order of
    `MAKERS` (so a caller can measure what the import is compared with
    beside it; a float it returns is also kept per source).

    Returns {"sources": {name: figures}} and, for `bench.report`, the
    figures of Claude Code and llm under "claude_code" and "llm".
    """
    if root is None:
        with tempfile.TemporaryDirectory(prefix="sessiond-bench-imports-") as tmp:
            return measure(lines, responses, idle_seconds, Path(tmp), beside, only, keep)
    figures: dict[str, Any] = {"sources": {}}
    for source in MAKERS:
        if only and source not in only:
            continue
        size = responses if source == "llm" else lines
        f = measure_source(source, size, root, beside)
        figures["sources"][source] = f
        if source in ("claude-code", "llm"):
            figures[source.replace("-", "_")] = f
        if not keep and source != "claude-code":
            shutil.rmtree(root / folder_of(source), ignore_errors=True)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_of(root, source)}{suffix}").unlink(missing_ok=True)
    if idle_seconds > 0 and "claude-code" in figures["sources"]:
        figures["watch_idle_cpu"] = watch_idle(root, idle_seconds)
    return figures


def idle_cpu(db: str, source: str, path: Path, seconds: float) -> float:
    """CPU share (of one core) of an idle `sessiond import --watch`."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessiond", "--db", db, "import", source, str(path), "--watch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        while "watching" not in proc.stderr.readline():
            if proc.poll() is not None:
                raise RuntimeError("the watcher exited before watching")
        tick = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / tick  # utime + stime

        time.sleep(1.0)  # let the catch-up pass after 'watching' finish
        before, started = cpu(), time.monotonic()
        time.sleep(seconds)
        return (cpu() - before) / (time.monotonic() - started)
    finally:
        proc.send_signal(2)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def watch_idle(root: Path, seconds: float) -> float:
    """`idle_cpu` of a watcher on the Claude Code files `measure` left in `root`."""
    return idle_cpu(
        str(db_of(root, "claude-code")), "claude-code", root / "claude" / "projects", seconds
    )


# Where an import's time goes: each profiled function's own time, charged to
# the part of sessiond its file is in; the time of Python's own functions and
# of C calls (SQLite, json, re, pathlib) to the sessiond functions calling
# them, shared by the time each caller spent in them.
LAYERS = (
    ("writer", "sessiond/importers/writer.py"),
    ("writer", "sessiond/importers/run.py"),
    ("reader", "sessiond/importers/"),
    ("store", "sessiond/store/"),
    ("sessiond, other", "sessiond/"),
)


def layer_of(func: tuple[str, int, str]) -> str | None:
    """The layer a function's file is in (None: not sessiond's)."""
    where = func[0].replace(os.sep, "/")
    for layer, mark in LAYERS:
        if mark in where:
            return layer
    return None


def charge(stats: dict[Any, Any]) -> dict[str, float]:
    """Own time per layer, each function outside sessiond charged to its
    sessiond callers (through other such functions), as shares of the
    time each caller spent in it."""
    shares: dict[Any, dict[str, float]] = {}

    def share(func: Any, seen: frozenset[Any]) -> dict[str, float]:
        if func in shares:
            return shares[func]
        own = layer_of(func)
        if own is not None:
            return {own: 1.0}
        callers = stats[func][4] if func in stats else {}
        weights: dict[str, float] = {}
        total = 0.0
        for caller, (_cc, _nc, tt, ct) in callers.items():
            weight = tt or ct or 1e-9
            if caller in seen:
                continue
            for layer, part in share(caller, seen | {func}).items():
                weights[layer] = weights.get(layer, 0.0) + weight * part
            total += weight
        found = {k: v / total for k, v in weights.items()} if total else {"outside sessiond": 1.0}
        shares[func] = found
        return found

    layers: dict[str, float] = {}
    for func, (_cc, _nc, own, _ct, _callers) in stats.items():
        for layer, part in share(func, frozenset()).items():
            layers[layer] = layers.get(layer, 0.0) + own * part
    return layers


def c_time(stats: dict[Any, Any]) -> dict[str, float]:
    """Own time of the library calls that matter: SQLite, json (its C scanner
    runs inside decoder.py's raw_decode), regular expressions."""
    found = {"SQLite (sqlite3 calls)": 0.0, "json": 0.0, "re (C)": 0.0}
    for func, (_cc, _nc, own, _ct, _callers) in stats.items():
        where = func[0].replace(os.sep, "/")
        if where == "~" and "sqlite3." in func[2]:
            found["SQLite (sqlite3 calls)"] += own
        elif where == "~" and "re.Pattern" in func[2]:
            found["re (C)"] += own
        elif "/json/" in where:
            found["json"] += own
    return found


def profile(source: str, paths: list[Path], db: Path, top: int = 14) -> dict[str, Any]:
    """An import of `paths` by `source` into the store at `db` under
    cProfile (a new store: the first import; the store a first import
    filled: the no-op re-import): seconds of own time per layer (`charge`),
    of the library calls that matter (`c_time`), and the functions with the
    most own time. cProfile slows Python code more than C code: the wall
    time and the shares are those of the profiled run."""
    from sessiond.importers.run import run_import
    from sessiond.store import open_store

    prof = cProfile.Profile()
    with open_store(str(db)) as store:
        started = time.perf_counter()
        prof.enable()
        summary = run_import(store, source, paths, progress=False)
        prof.disable()
        wall = time.perf_counter() - started
    stats = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    layers = charge(stats)
    rows = sorted(
        (
            (own, cumulative, calls, func)
            for func, (_cc, calls, own, cumulative, _) in stats.items()
        ),
        reverse=True,
    )
    return {
        "added": summary.events_added,
        "files": summary.files,
        "wall_s": wall,
        "layers": dict(sorted(layers.items(), key=lambda kv: -kv[1])),
        "c_calls": c_time(stats),
        "top": [
            {
                "function": f"{Path(func[0]).name}:{func[1]} {func[2]}",
                "own_s": own,
                "cumulative_s": cum,
                "calls": calls,
            }
            for own, cum, calls, func in rows[:top]
        ],
    }


def report(figures: dict[str, Any]) -> str:
    """A table of every source measured, then the goals."""
    rows = [
        "| source | sessions | events stored / written | first import | events/s"
        " | pipelined beside | ratio | no-op re-import | v3 fields filled |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    goals = ["| goal | measured | target | |", "| --- | --- | --- | --- |"]
    for source, f in figures["sources"].items():
        held = f["stored"]
        check = "" if held["events"] == f["expected_events"] else " (DIFFERS)"
        piped = f.get("pipelined_beside")
        ratio = f.get("ratio")
        rows.append(
            f"| {source} | {held['sessions']:,} | {held['events']:,} / {f['expected_events']:,}"
            f"{check} | {f['seconds']:.2f} s (CPU {f['cpu_seconds']:.2f} s)"
            f" | {f['events_per_s']:,.0f}"
            f" | {' / '.join(f'{r:,.0f}' for r in piped) if piped else '—'}"
            f" | {f'{ratio:.2f}x' if ratio is not None else '—'}"
            f" | {f['noop_seconds'] * 1000:.1f} ms | {filled(held)} |"
        )
        if ratio is not None:
            goals.append(
                f"| {source}: import vs pipelined appends | {ratio:.2f}x | >= {RATIO_GOAL}x"
                f" | {'met' if ratio >= RATIO_GOAL else 'NOT met'} |"
            )
        noop = f["noop_seconds"]
        goals.append(
            f"| {source}: no-op re-import of {held['events']:,} events | {noop * 1000:.1f} ms"
            f" | < {NOOP_GOAL_S * 1000:.0f} ms (for 100,000)"
            f" | {'met' if noop < NOOP_GOAL_S else 'NOT met'} |"
        )
    out = "\n".join(rows) + "\n\n" + "\n".join(goals)
    if "watch_idle_cpu" in figures:
        out += (
            f"\n\n`import --watch` on the Claude Code files, idle: {figures['watch_idle_cpu']:.3%}"
        )
        out += " of one core"
    return out


def filled(held: dict[str, Any]) -> str:
    """The version-3 fields as shares of the sessions (source, sourceId,
    project, branch, title) and of the events (model, usage, tool)."""
    s, e = max(1, held["sessions"]), max(1, held["events"])
    parts = [f"{k} {held[k] / s:.0%}" for k in ("sourceId", "project", "branch", "title")]
    parts += [f"{k} {held[k] / e:.0%}" for k in ("model", "usage", "tool")]
    return ", ".join(parts)


def profile_report(source: str, what: str, p: dict[str, Any]) -> str:
    lines = [
        f"**{source}, {what}** ({p['files']:,} files): {p['wall_s']:.2f} s under cProfile,"
        f" {p['added']:,} events added",
        "",
        "| part (with the library and C calls it makes) | own time | share |",
        "| --- | ---: | ---: |",
    ]
    total = sum(p["layers"].values()) or 1.0
    lines += [f"| {k} | {v:.2f} s | {v / total:.0%} |" for k, v in p["layers"].items()]
    lines += [f"| of which {k} | {v:.2f} s | {v / total:.0%} |" for k, v in p["c_calls"].items()]
    lines += ["", "| function | own | cumulative | calls |", "| --- | ---: | ---: | ---: |"]
    lines += [
        f"| `{t['function']}` | {t['own_s']:.2f} s | {t['cumulative_s']:.2f} s | {t['calls']:,} |"
        for t in p["top"]
    ]
    return "\n".join(lines)


def profiles(source: str, f: dict[str, Any], root: Path, into: dict[str, Any]) -> None:
    """Profile `source`'s first import when under 0.5x the appends beside
    it, and its no-op re-import when over 50 ms, on the files `f` measured."""
    from bench.common import log

    paths = [Path(p) for p in f["paths"]]
    if f.get("ratio", 1.0) < RATIO_GOAL:
        log(f"imports: profiling {source}, first import")
        db = root / "profile.db"
        into[f"{source}: first import"] = profile(source, paths, db)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    if f["noop_seconds"] >= NOOP_GOAL_S:
        log(f"imports: profiling {source}, no-op re-import")
        into[f"{source}: no-op re-import"] = profile(source, paths, db_of(root, source))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="10,000 events per source, 5 s idle")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(MAKERS),
        metavar="SOURCE",
        help="measure this source only (repeat for several)",
    )
    parser.add_argument("--size", type=int, help="events per source (default 100,000)")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=None,
        help="how long to measure the idle watcher (0: not at all)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile (cProfile) each first import under 0.5x the appends, and each"
        " no-op re-import over 50 ms",
    )
    parser.add_argument("--pipelined", type=int, help="appends in flight per round")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    size = args.size or (10_000 if args.quick else 100_000)
    idle = args.idle_seconds if args.idle_seconds is not None else (5.0 if args.quick else 30.0)
    n_piped = args.pipelined or (2_000 if args.quick else 10_000)
    from bench import appends
    from bench.common import log

    with tempfile.TemporaryDirectory(prefix="sessiond-bench-imports-") as tmp:
        root = Path(tmp)
        piped_db = str(root / "piped.db")

        def beside() -> float:
            return appends.pipelined(piped_db, n_piped)

        log(f"imports: {size:,} events per source, pipelined appends beside each")
        figures: dict[str, Any] = {"sources": {}}
        for source in MAKERS:
            if args.only and source not in args.only:
                continue
            log(f"imports: {source}")
            f = measure_source(source, size, root, beside)
            figures["sources"][source] = f
            log(
                f"imports: {source}: {f['events_per_s']:,.0f} events/s,"
                f" {f.get('ratio', 0):.2f}x the appends, no-op {f['noop_seconds'] * 1000:.1f} ms"
            )
            if args.profile:
                profiles(source, f, root, figures.setdefault("profiles", {}))
            if source != "claude-code":
                shutil.rmtree(root / folder_of(source), ignore_errors=True)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db_of(root, source)}{suffix}").unlink(missing_ok=True)
        if idle > 0 and "claude-code" in figures["sources"]:
            figures["watch_idle_cpu"] = watch_idle(root, idle)
        print(report(figures))
        for name, p in figures.get("profiles", {}).items():
            source, _, what = name.partition(": ")
            print()
            print(profile_report(source, what, p))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
