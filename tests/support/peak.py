"""A process's peak memory, measured from its own start.

`launched(command, peak_file)` is the command run through a small launcher
that forks it and, when it ends, writes its peak RSS (kB) to `peak_file`.
wait4 on a process started by the (large) test process would not do: Linux
folds the spawning process's high-water mark into its child's ru_maxrss at
exec, so late in a long run every daemon would "peak" at pytest's own size.
The launcher's own fork starts the count from the launcher's small size.
"""

from __future__ import annotations

import sys
from pathlib import Path

LAUNCH = """
import os, sys

pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def launched(command: list[str], peak_file: Path) -> list[str]:
    """`command` (its first item an executable path) run through the launcher."""
    return [sys.executable, "-c", LAUNCH, str(peak_file), *command]


def peak_mb(peak_file: Path) -> int:
    """The peak RSS the launcher wrote, in MB."""
    return int(peak_file.read_text()) // 1024
