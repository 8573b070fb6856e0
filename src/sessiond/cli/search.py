"""`sessiond search QUERY`: hits, best first; exit 1 when nothing matched."""

from __future__ import annotations

import argparse

from sessiond.cli.common import EXIT_NO_MATCH, UsageError, db_of, open_for_reading, use_color
from sessiond.models import EVENT_KINDS
from sessiond.wire.params import MAX_LIMIT

BOLD_RED = ("\x1b[1;31m", "\x1b[0m")


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "query",
        metavar="QUERY",
        nargs="+",
        help='words (all must occur), "a phrase", word*, -word, a OR b',
    )
    parser.add_argument("-n", "--limit", type=int, default=20, help="how many hits (default 20)")
    parser.add_argument("--json", action="store_true", help="the Hit objects as JSON lines")
    parser.add_argument(
        "--kind", action="append", choices=EVENT_KINDS, help="only these kinds (repeatable)"
    )
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"-n must be from 1 to {MAX_LIMIT}; got {args.limit}")
    from sessiond import render
    from sessiond.wire.convert import unstructure

    with open_for_reading(db_of(args)) as store:
        hits = store.search(" ".join(args.query), args.limit, kinds=args.kind)
    if args.json:
        for hit in hits:
            print(render.safe_json(unstructure(hit)))
    else:
        clock = render.Clock(args.utc)
        mark = BOLD_RED if use_color() else None
        for hit in hits:
            for line in render.hit_lines(hit, clock, mark):
                print(line)
    return 0 if hits else EXIT_NO_MATCH
