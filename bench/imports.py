"""`python -m bench.imports`: how fast `sessiond import` is (issue 13).

Generates a Claude Code transcript set of 100,000 lines (100 sessions, a
side chain in each) and an llm 0.31 logs.db of 100,000 responses, imports
each into a new SQLite store through `run_import` (as `sessiond import`
does, in-process), then imports the same files again (nothing new: the
no-op re-import, goal <= 5% of the first). Reports events/s beside the
pipelined append rate of the last `python -m bench` run (goal >= 0.5x), and
the CPU an idle `sessiond import --watch` uses over 30 s, from /proc.

    python -m bench.imports            # full sizes
    python -m bench.imports --quick    # 10,000 lines / responses, 5 s idle
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LLM_SCHEMA = HERE.parent / "tests" / "importers" / "fixtures" / "llm" / "schema-0.31.sql"
LATEST = HERE / "results" / "latest.json"

WORDS = [
    "the",
    "build",
    "cache",
    "key",
    "runner",
    "home",
    "pin",
    "test",
    "parser",
    "flag",
    "module",
    "import",
    "rename",
    "fix",
    "error",
    "log",
    "value",
    "file",
    "path",
    "commit",
    "branch",
    "merge",
    "query",
    "index",
    "page",
    "table",
    "row",
    "column",
]


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def make_claude(root: Path, lines: int, sessions: int = 100) -> int:
    """`lines` transcript lines over `sessions` files; returns the events
    they hold (every line one event)."""
    rng = random.Random(13)
    project = root / "projects" / "-home-bench-proj"
    project.mkdir(parents=True)
    per = lines // sessions
    for s in range(sessions):
        sid = f"00000000-0000-4000-8000-{s:012d}"
        out = []
        for i in range(per):
            when = f"2025-10-01T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}.000Z"
            side = 40 <= i < 50  # a sub-agent's side chain, in the main file
            base = {
                "sessionId": sid,
                "uuid": f"{s}-{i}",
                "parentUuid": f"{s}-{i - 1}",
                "timestamp": when,
                "version": "2.0.14",
                "isSidechain": side,
                "cwd": "/home/bench/proj",
                "gitBranch": "main",
                "userType": "external",
            }
            if side:
                base["agentId"] = f"agent{s}"
            turn = i % 4
            if turn == 0:
                line = {
                    **base,
                    "type": "user",
                    "message": {"role": "user", "content": _text(rng, 20)},
                }
            elif turn == 1:
                line = {
                    **base,
                    "type": "assistant",
                    "message": {
                        "id": f"msg_{s}_{i}",
                        "role": "assistant",
                        "model": "claude-sonnet-4-5",
                        "content": [
                            {
                                "type": "tool_use",
                                "id": f"toolu_{s}_{i}",
                                "name": "Bash",
                                "input": {"command": _text(rng, 6)},
                            }
                        ],
                    },
                }
            elif turn == 2:
                line = {
                    **base,
                    "type": "user",
                    "message": {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": f"toolu_{s}_{i - 1}",
                                "content": _text(rng, 60),
                            }
                        ],
                    },
                }
            else:
                line = {
                    **base,
                    "type": "assistant",
                    "message": {
                        "id": f"msg_{s}_{i}",
                        "role": "assistant",
                        "model": "claude-sonnet-4-5",
                        "content": [{"type": "text", "text": _text(rng, 40)}],
                    },
                }
            out.append(json.dumps(line))
        (project / f"{sid}.jsonl").write_text("\n".join(out) + "\n")
    return per * sessions


def make_llm(folder: Path, responses: int, per_conversation: int = 10) -> int:
    """An llm 0.31 logs.db of `responses` responses; returns its events."""
    rng = random.Random(31)
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "logs.db")
    conn.executescript(LLM_SCHEMA.read_text())
    conversations = []
    rows = []
    for r in range(responses):
        conv = f"01jbench{r // per_conversation:018d}"
        if r % per_conversation == 0:
            conversations.append((conv, _text(rng, 5), "gpt-4o-mini"))
        rows.append(
            (
                f"01jresp{r:019d}",
                "gpt-4o-mini",
                _text(rng, 20),
                None,
                "{}",
                _text(rng, 60),
                conv,
                800,
                f"2024-11-02T10:{(r // 60) % 60:02d}:{r % 60:02d}+00:00",
            )
        )
    conn.executemany("INSERT INTO conversations VALUES (?, ?, ?)", conversations)
    conn.executemany(
        "INSERT INTO responses (id, model, prompt, system, options_json, response,"
        " conversation_id, duration_ms, datetime_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.commit()
    conn.close()
    return responses * 2


def time_import(db: str, source: str, path: Path) -> tuple[float, int]:
    from sessiond.importers.run import run_import
    from sessiond.store import open_store

    with open_store(db) as store:
        started = time.perf_counter()
        summary = run_import(store, source, [path], progress=False)
        return time.perf_counter() - started, summary.events_added


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


def measure(
    lines: int,
    responses: int,
    idle_seconds: float,
    root: Path | None = None,
    beside: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Import each source's files twice (the second a no-op), then watch the
    Claude Code files idle for `idle_seconds` (0: not at all).

    `root`: where the files and stores go (kept; default a temporary folder,
    removed); `beside` is called right before and right after each first
    import, so that a caller can measure what the import is compared with
    beside it.
    """
    if root is None:
        with tempfile.TemporaryDirectory(prefix="sessiond-bench-imports-") as tmp:
            return measure(lines, responses, idle_seconds, Path(tmp), beside)
    figures: dict[str, Any] = {}
    for name, source, make, size in (
        ("claude_code", "claude-code", lambda: make_claude(root / "claude", lines), lines),
        ("llm", "llm", lambda: make_llm(root / "llm", responses), responses),
    ):
        expected = make()
        path = root / ("claude" if source == "claude-code" else "llm")
        db = str(root / f"{name}.db")
        if beside is not None:
            beside()
        first, added = time_import(db, source, path)
        if beside is not None:
            beside()
        assert added == expected, f"{name}: {added} events imported, {expected} expected"
        again, added_again = time_import(db, source, path)
        assert added_again == 0
        figures[name] = {
            "size": size,
            "events": added,
            "seconds": first,
            "events_per_s": added / first,
            "noop_seconds": again,
            "noop_share": again / first,
        }
    if idle_seconds > 0:
        figures["watch_idle_cpu"] = watch_idle(root, idle_seconds)
    return figures


def watch_idle(root: Path, seconds: float) -> float:
    """`idle_cpu` of a watcher on the Claude Code files `measure` left in `root`."""
    return idle_cpu(
        str(root / "claude_code.db"), "claude-code", root / "claude" / "projects", seconds
    )


def report(figures: dict[str, Any]) -> str:
    pipelined = None
    if LATEST.exists():
        figures_then = json.loads(LATEST.read_text()).get("figures", {})
        pipelined = figures_then.get("appends", figures_then).get("pipelined_per_s")
    rows = ["| figure | value |", "| --- | --- |"]
    goals = ["| goal | measured | target | |", "| --- | --- | --- | --- |"]
    for name, label, unit in (
        ("claude_code", "Claude Code transcripts", "lines"),
        ("llm", "llm logs.db", "responses"),
    ):
        f = figures[name]
        rows.append(
            f"| import {label}: {f['size']:,} {unit}, {f['events']:,} events | "
            f"{f['events_per_s']:,.0f} events/s, {f['seconds']:.2f} s |"
        )
        rows.append(f"| no-op re-import of the same | {f['noop_seconds'] * 1000:.1f} ms |")
        share = f["noop_share"]
        goals.append(
            f"| {label}: no-op re-import vs first | {share:.1%} | <= 5% | "
            f"{'met' if share <= 0.05 else 'NOT met'} |"
        )
        if pipelined:
            ratio = f["events_per_s"] / pipelined
            goals.append(
                f"| {label}: import vs pipelined appends ({pipelined:,.0f}/s) | "
                f"{ratio:.2f}x | >= 0.5x | {'met' if ratio >= 0.5 else 'NOT met'} |"
            )
    if "watch_idle_cpu" in figures:
        rows.append(
            f"| `import --watch`, idle: CPU | {figures['watch_idle_cpu']:.3%} of one core |"
        )
    return "\n".join(rows) + "\n\n" + "\n".join(goals)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.imports", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, 5 s idle")
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=None,
        help="how long to measure the idle watcher (0: not at all)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    size = 10_000 if args.quick else 100_000
    idle = args.idle_seconds if args.idle_seconds is not None else (5.0 if args.quick else 30.0)
    figures = measure(size, size, idle)
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
