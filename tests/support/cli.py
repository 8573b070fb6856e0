"""The `sessiond` command run as a process, as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys

SESSIOND = [sys.executable, "-m", "sessiond"]


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SESSIOND, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
