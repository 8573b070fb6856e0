"""What redaction costs per text: `python -m bench.redact_speed [--quick]`.

In process, no server: `sessiond.store.redact` on texts of the kinds a
history holds (prose, code, logs, JSON tool output) cut to 20, 200, 2,000 and
50,000 characters, with its pre-check (`redact`, what the store runs) and
without it (`redact_every_rule`: every rule on every text), then on the
test corpora (`tests/data/secrets/`: ordinary texts and texts with a
secret), then on `bench.floors.TEXTS`, the ~120-character texts the append
benchmarks send.

Prose is this repository's README.md, protocol.md and bench/README.md; code
its own Python (not the redaction module, which is full of key prefixes);
logs and JSON are generated here with a fixed seed. Each figure is the best
of 5 rounds of at least 0.2 s (0.05 s with --quick), in microseconds per
text; "fired" is how many of the texts got past the pre-check.

The last line turns the append texts' cost into the ratio it would leave
of an append rate of 80,000 events/s (12.5 µs per event), the daemon's
pipelined rate: the goal is 0.9 or more.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench import floors
from sessiond.store.redact import _triggered, redact, redact_every_rule

ROOT = Path(__file__).resolve().parent.parent
LENGTHS = (20, 200, 2_000, 50_000)
APPEND_RATE = 80_000  # events/s, pipelined appends


def sources(rng: random.Random) -> dict[str, str]:
    prose = "\n\n".join(
        (ROOT / name).read_text(encoding="utf-8")
        for name in ("README.md", "protocol.md", "bench/README.md")
    )
    code = "\n\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "src" / "sessiond").rglob("*.py"))
        if path.name != "redact.py"
    )
    logs = "\n".join(
        f"2025-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.{rng.randrange(1000):03d}Z "
        f"{rng.choice(['INFO', 'INFO', 'DEBUG', 'WARN', 'ERROR'])} "
        f"[{rng.choice(['store', 'rpc', 'importer', 'notify'])}] "
        f"{rng.choice(['append', 'search', 'import', 'checkpoint'])} "
        f"session={rng.getrandbits(64):016x} events={rng.randrange(1, 500)} "
        f"dur_ms={rng.random() * 40:.2f} path=/home/ada/api/src/{rng.choice(['a', 'b'])}.py"
        for i in range(20_000)
    )
    tool = json.dumps(
        [
            {
                "type": "tool_result",
                "tool_use_id": f"toolu_{rng.getrandbits(96):024x}",
                "content": {
                    "stdout": f"{rng.randrange(300)} passed, {rng.randrange(3)} failed in "
                    f"{rng.random() * 9:.2f}s",
                    "exit_code": rng.randrange(2),
                    "files": [f"src/mod_{rng.randrange(99)}.py" for _ in range(3)],
                },
                "usage": {"input_tokens": rng.randrange(9999), "output_tokens": rng.randrange(999)},
            }
            for _ in range(3_000)
        ],
        indent=1,
    )
    return {"prose": prose, "code": code, "logs": logs, "JSON": tool}


def windows(source: str, length: int, count: int, rng: random.Random) -> list[str]:
    while len(source) < length + 1:
        source += "\n" + source
    return [
        source[start : start + length]
        for start in (rng.randrange(len(source) - length) for _ in range(count))
    ]


def per_text(fn: Callable[[str], object], texts: list[str], min_time: float) -> float:
    """Best of 5 rounds, in microseconds per text."""
    best = float("inf")
    for _ in range(5):
        rounds = 0
        start = time.perf_counter()
        while True:
            for text in texts:
                fn(text)
            rounds += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        best = min(best, elapsed / rounds / len(texts))
    return best * 1e6


def corpus(name: str) -> list[str]:
    path = ROOT / "tests" / "data" / "secrets" / name
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="shorter rounds")
    args = parser.parse_args()
    min_time = 0.05 if args.quick else 0.2
    rng = random.Random(7)
    texts_of = sources(rng)

    print(f"{'texts':<8}{'chars':>8}{'count':>7}{'fired':>7}{'pre-check':>12}{'every rule':>12}")
    for kind, source in texts_of.items():
        for length in LENGTHS:
            count = 20 if length >= 50_000 else 300
            texts = windows(source, length, count, rng)
            fired = sum(1 for text in texts if _triggered(text))
            fast = per_text(redact, texts, min_time)
            slow = per_text(redact_every_rule, texts, min_time)
            print(f"{kind:<8}{length:>8,}{count:>7}{fired:>7}{fast:>10.2f}µs{slow:>10.2f}µs")

    print()
    for label, texts in (
        ("ordinary corpus", corpus("ordinary.jsonl")),
        ("secrets corpus", corpus("secrets.jsonl")),
        ("append texts (bench.floors.TEXTS)", list(floors.TEXTS)),
    ):
        chars = sorted(len(text) for text in texts)
        fast = per_text(redact, texts, min_time)
        slow = per_text(redact_every_rule, texts, min_time)
        print(
            f"{label}: {len(texts)} texts, median {chars[len(chars) // 2]} chars: "
            f"{fast:.2f} µs per text with the pre-check, {slow:.2f} µs without"
        )
    budget = 1e6 / APPEND_RATE
    print(
        f"at {APPEND_RATE:,} appends/s ({budget:.1f} µs each), redacting the append texts "
        f"leaves {budget / (budget + fast):.3f}x of the rate (goal: 0.9x)"
    )


if __name__ == "__main__":
    main()
