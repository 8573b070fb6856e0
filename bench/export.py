"""`python -m bench.export`: how fast and how lean `sessiond export` is (issue 10).

Seeds one session of 100,000 events and one of 10,000 through the store
interface (in-process, batched: only the seeding is in-process), then runs
the real command, `python -m sessiond export ULID --format markdown|jsonl`,
in interleaved rounds so that a shared machine's noise falls on both
formats. Reports the median wall time of each, the ratio (goal: markdown
within 1.5x of jsonl) and each run's peak RSS (the child's ru_maxrss) at
both sizes: an export that streams uses the same memory for 10,000 events
as for 100,000.

    python -m bench.export            # 100,000 events, 5 rounds
    python -m bench.export --quick    # 20,000 events, 3 rounds
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

FORMATS = ("markdown", "jsonl")
RATIO_GOAL = 1.5
BATCH = 5_000

_VOCABULARY = (
    "the build cache key runner home pin test parser flag module import rename fix error "
    "log value file path commit branch merge query index page table row café naïve 日本語"
)
WORDS = tuple(_VOCABULARY.split())


def _turn(rng: random.Random) -> tuple[str, str]:
    """A turn as chats have them: prose, code with fences and backticks, the
    odd control character a tool's output brings along."""
    prose = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 60)))
    roll = rng.random()
    if roll < 0.45:
        return "prompt", prose
    if roll < 0.8:
        code = "\n".join(f"    x{i} = `{rng.choice(WORDS)}`" for i in range(rng.randint(1, 12)))
        return "system", f"{prose}\n\n```python\n{code}\n```\nand `inline` code."
    if roll < 0.98:
        return "command", f"$ git {rng.choice(WORDS)}\n{prose}"
    return "warn", f"\x1b[31m{prose}\x1b[0m\r"


def seed(db: str, sizes: tuple[int, ...]) -> dict[int, str]:
    """One session per size, each with that many events; their ULIDs by size."""
    from sessiond.store import open_store

    rng = random.Random(10)
    ulids = {}
    with open_store(db) as store:
        for size in sizes:
            session = store.start_session("bench.export")
            for start in range(0, size, BATCH):
                batch = [(session.id, *_turn(rng)) for _ in range(min(BATCH, size - start))]
                for outcome in store.append_many(batch):
                    if isinstance(outcome, Exception):
                        raise outcome
            ulids[size] = session.ulid
    return ulids


# Runs a command in a grandchild and reports its time and peak RSS. The
# child's own ru_maxrss would not do: Linux starts a forked child's peak at
# its parent's RSS, and the parent here holds the seeding's memory. Forked
# from this small launcher instead, the floor is a bare interpreter's (shown
# in the report as "python -c pass").
LAUNCHER = """
import os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
_, status, usage = os.wait4(pid, 0)
elapsed = time.perf_counter() - began
print(elapsed, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def launch(args: list[str], out: Path) -> tuple[float, int]:
    """`python ARGS` with stdout to `out`: (seconds, peak RSS in KiB)."""
    with out.open("wb") as sink:
        done = subprocess.run(
            [sys.executable, "-c", LAUNCHER, *args], stdout=sink, stderr=subprocess.PIPE, text=True
        )
    seconds, peak, code = done.stderr.split()[-3:]
    if done.returncode != 0 or code != "0":
        raise SystemExit(f"python {' '.join(args)} failed:\n{done.stderr}")
    return float(seconds), int(peak)


def export(db: str, ulid: str, fmt: str, out: Path) -> tuple[float, int]:
    """One `sessiond export` run: (seconds, peak RSS in KiB)."""
    return launch(["-m", "sessiond", "export", ulid, "--format", fmt, "--db", db], out)


def check(out: Path, fmt: str, events: int) -> None:
    """The export holds every event (so a fast run is not a short one)."""
    with out.open(encoding="utf-8") as text:
        if fmt == "jsonl":
            # The first line is the session, each after it an event.
            count = sum(1 for line in text if "kind" in json.loads(line))
        else:
            count = sum(1 for line in text if line.startswith("## "))
    if count != events:
        raise SystemExit(f"{fmt} export holds {count} events, not {events}")


def measure(events: int, rounds: int) -> dict[str, Any]:
    small = max(1, events // 10)
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        db = os.path.join(tmp, "export.db")
        began = time.perf_counter()
        ulids = seed(db, (events, small))
        seeded = time.perf_counter() - began
        out = Path(tmp) / "out"
        times: dict[str, list[float]] = {fmt: [] for fmt in FORMATS}
        rss: dict[str, dict[int, int]] = {fmt: {} for fmt in FORMATS}
        for fmt in FORMATS:  # a warm-up run each, checked whole
            export(db, ulids[events], fmt, out)
            check(out, fmt, events)
        for index in range(rounds):
            order = FORMATS if index % 2 == 0 else FORMATS[::-1]
            for fmt in order:
                seconds, peak = export(db, ulids[events], fmt, out)
                times[fmt].append(seconds)
                rss[fmt][events] = max(rss[fmt].get(events, 0), peak)
        for fmt in FORMATS:
            _seconds, peak = export(db, ulids[small], fmt, out)
            rss[fmt][small] = peak
        cli_start = min(launch(["-m", "sessiond", "--version"], out)[0] for _ in range(3))
        floor = launch(["-c", "pass"], out)[1]
    medians = {fmt: statistics.median(values) for fmt, values in times.items()}
    return {
        "events": events,
        "small_events": small,
        "rounds": rounds,
        "seed_seconds": seeded,
        "seconds": times,
        "median_seconds": medians,
        "ratio": medians["markdown"] / medians["jsonl"],
        "peak_rss_kib": rss,
        "cli_start_seconds": cli_start,
        "floor_rss_kib": floor,
    }


def _mb(kib: int) -> str:
    return f"{kib / 1024:.1f} MB"


def report(f: dict[str, Any]) -> str:
    big, small = f["events"], f["small_events"]
    rows = [
        ("seeding (in-process, not measured below)", f"{f['seed_seconds']:.1f} s"),
        ("`sessiond --version` (CLI start-up, best of 3)", f"{f['cli_start_seconds']:.3f} s"),
        ("peak RSS of `python -c pass` (the floor)", _mb(f["floor_rss_kib"])),
    ]
    for fmt in FORMATS:
        runs = ", ".join(f"{s:.2f}" for s in f["seconds"][fmt])
        rows.append(
            (
                f"export --format {fmt}, {big:,} events: median (runs)",
                f"{f['median_seconds'][fmt]:.3f} s ({runs})",
            )
        )
    for fmt in FORMATS:
        rss = f["peak_rss_kib"][fmt]
        rows.append(
            (
                f"export --format {fmt}: peak RSS at {small:,} / {big:,} events",
                f"{_mb(rss[small])} / {_mb(rss[big])}",
            )
        )
    met = "met" if f["ratio"] <= RATIO_GOAL else "NOT met"
    growth = max(f["peak_rss_kib"][fmt][big] / f["peak_rss_kib"][fmt][small] for fmt in FORMATS)
    lines = [
        f"sessiond export benchmark — {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} — "
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}",
        "",
        "| figure | value |",
        "| --- | --- |",
        *(f"| {name} | {value} |" for name, value in rows),
        "",
        "| goal | measured | target | |",
        "| --- | --- | --- | --- |",
        f"| markdown time vs jsonl, {big:,} events | {f['ratio']:.2f}x | <= {RATIO_GOAL}x "
        f"| {met} |",
        f"| peak RSS at {big:,} vs {small:,} events (streaming) | {growth:.2f}x | ~1.0x | "
        f"{'met' if growth <= 1.2 else 'NOT met'} |",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20,000 events, 3 rounds")
    parser.add_argument("--events", type=int, default=None, help="events in the big session")
    parser.add_argument("--rounds", type=int, default=None, help="timed runs of each format")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    events = args.events or (20_000 if args.quick else 100_000)
    rounds = args.rounds or (3 if args.quick else 5)
    figures = measure(events, rounds)
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
