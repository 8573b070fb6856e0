"""`sessiond stats [--since DATE|Nd] [--by day|model|project|source] [--json]`.

Sessions, prompts, replies and tokens per UTC day (newest first), or per
model, project or source (largest first), as a table with a bar per row
that fits the terminal; `--json` prints the rows as the wire's JSON lines.
The store keeps daily sums, so this reads one row per session and day.
"""

from __future__ import annotations

import argparse
import re
import sys

from sessiond.cli.common import (
    UsageError,
    add_filters,
    db_of,
    open_for_reading,
    project_of,
    source_of,
    terminal_width,
)

DAY_MS = 86_400_000
_DAYS = re.compile(r"^(\d{1,5})d$")
_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "--since",
        metavar="DATE|Nd",
        help="from this UTC date (YYYY-MM-DD), or the last N days, today included (7d)",
    )
    parser.add_argument(
        "--by",
        choices=["day", "model", "project", "source"],
        default="day",
        help="one row per day (the default, newest first), model, project or source",
    )
    add_filters(parser)
    parser.add_argument("-n", "--limit", type=int, default=30, help="how many rows (default 30)")
    parser.add_argument("--json", action="store_true", help="every row as a JSON line")


def since_ms(value: str | None, now_ms: int) -> int | None:
    """--since as milliseconds: a UTC date's midnight, or that of N-1 days
    before today's (so 7d is 7 whole days, today one of them)."""
    if value is None:
        return None
    import datetime

    days = _DAYS.match(value.strip())
    if days:
        count = int(days[1])
        if count < 1:
            raise UsageError("--since Nd needs N of 1 or more (1d is today)")
        return (now_ms // DAY_MS - (count - 1)) * DAY_MS
    if _DATE.match(value.strip()):
        try:
            day = datetime.date.fromisoformat(value.strip())
        except ValueError:
            day = None
        if day is not None:
            midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
            return int(midnight.timestamp() * 1000)
    shown = value if len(value) <= 40 else value[:37] + "..."
    raise UsageError(f"--since takes a date (2026-03-01) or a number of days (7d); got {shown!r}")


def run(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError(f"-n must be 1 or more; got {args.limit}")
    project, source = project_of(args), source_of(args)
    from sessiond import render
    from sessiond.cli.common import more_hint, nothing_listed
    from sessiond.models import now_ms

    since = since_ms(args.since, now_ms())
    with open_for_reading(db_of(args)) as store:
        rows = store.usage(args.by, since=since, project=project, source=source)
        if not rows and not args.json:
            print(nothing_listed(store, project, source) if since is None else "nothing since then")
            return 0
    if args.json:
        from sessiond.wire.convert import unstructure

        for row in rows:
            print(render.safe_json(unstructure(row)))
        return 0
    shown = rows[: args.limit]
    ascii_only = (sys.stdout.encoding or "").lower().replace("-", "") != "utf8"
    for line in render.stats_table(shown, args.by, terminal_width(), ascii_only):
        print(line)
    if len(rows) > len(shown):
        sys.stdout.flush()
        print(more_hint(len(shown), len(rows) - len(shown), len(rows), "rows"), file=sys.stderr)
    return 0
