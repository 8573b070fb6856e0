"""Helpers every part of the benchmark shares: commands, percentiles, the
append requests, goal rows and the log line."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from typing import Any

from bench import floors

HERE = os.path.dirname(os.path.abspath(__file__))
STDLIB_LOOP = os.path.join(HERE, "stdlib_loop.py")


def sessiond_cmd(db: str) -> list[str]:
    return [sys.executable, "-m", "sessiond", "--db", db]


def stdlib_cmd(db: str) -> list[str]:
    return [sys.executable, STDLIB_LOOP, db]


def cli_cmd() -> list[str]:
    """The `sessiond` command as a person types it (the console script)."""
    found = shutil.which("sessiond")
    return [found] if found else [sys.executable, "-m", "sessiond"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def log(text: str) -> None:
    print(f"  .. {text}", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def append_params(i: int, session_id: int = 1) -> dict[str, Any]:
    return {"sessionId": session_id, "kind": floors.KINDS[i & 1], "text": floors.TEXTS[i & 63]}


# Append bodies by template (the client must not be what limits the rate).
_PARAMS_JSON = [json.dumps(append_params(i), separators=(",", ":")).encode() for i in range(64)]
_APPEND = b'{"jsonrpc":"2.0","id":%d,"method":"session/append","params":%s}'


def append_chunks(n: int, per_chunk: int, first_id: int, session_id: int = 1) -> Iterator[bytes]:
    """Pipelined append requests, `per_chunk` frames per bytes object."""
    params = _PARAMS_JSON
    if session_id != 1:
        params = [p.replace(b'"sessionId":1,', b'"sessionId":%d,' % session_id) for p in params]
    for start in range(0, n, per_chunk):
        parts = []
        for i in range(start, min(n, start + per_chunk)):
            body = _APPEND % (first_id + i, params[i & 63])
            parts.append(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        yield b"".join(parts)


def goal(
    name: str,
    value: float | None,
    limit: float,
    op: str,
    unit: str = "x",
    issue: int = 6,
    note: str | None = None,
) -> dict[str, Any]:
    """One goal row. `value` None: not measured, `note` says why."""
    met = None if value is None else (value <= limit if op == "<=" else value >= limit)
    return {
        "goal": name,
        "issue": issue,
        "value": value,
        "limit": limit,
        "op": op,
        "unit": unit,
        "met": met,
        "note": note,
    }
