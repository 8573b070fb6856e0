"""`sessiond search QUERY`: turns, best first; exit 1 when nothing matched.

The turn-level view: every turn that matches is a hit (`sessiond find`
answers with sessions instead). A `-word` is the query's exclusion, not an
option: `sessiond search git -docker`.
"""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import (
    EXIT_NO_MATCH,
    MAX_LIMIT,
    UsageError,
    add_filters,
    db_of,
    open_for_reading,
    project_of,
    source_of,
    use_color,
)
from sessiond.models import EVENT_KINDS

BOLD_RED = ("\x1b[1;31m", "\x1b[0m")
#: A word that begins with '-' and is no option is a query word (cli.__init__).
DASH_WORDS = True


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "query",
        metavar="QUERY",
        nargs="+",
        help='words (all must occur), "a phrase", word*, -word (left out), a OR b',
    )
    parser.add_argument("-n", "--limit", type=int, default=20, help="how many hits (default 20)")
    parser.add_argument("--json", action="store_true", help="the Hit objects as JSON lines")
    parser.add_argument(
        "--kind",
        action="append",
        choices=[*EVENT_KINDS, "reply"],
        help="only these kinds (repeatable; reply is the wire's system)",
    )
    add_filters(parser, "turns of sessions")
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"-n must be from 1 to {MAX_LIMIT}; got {args.limit}")
    project, source = project_of(args), source_of(args)
    from sessiond import render
    from sessiond.cli import unmark
    from sessiond.cli.common import more_hint, short_ids, terminal_width

    query = " ".join(unmark(args.query))
    kinds = None if args.kind is None else ["system" if k == "reply" else k for k in args.kind]
    with open_for_reading(db_of(args)) as store:
        hits = store.search(
            query,
            min(args.limit + 1, MAX_LIMIT),
            kinds=kinds,
            project=project,
            source=source,
        )
        ids = {} if args.json else short_ids(store, [h.session for h in hits[: args.limit]])
    more = len(hits) > args.limit
    hits = hits[: args.limit]
    if args.json:
        from sessiond.wire.convert import unstructure

        for hit in hits:
            print(render.safe_json(unstructure(hit)))
    else:
        clock = render.Clock(args.utc)
        mark = BOLD_RED if use_color() else None
        width = terminal_width()
        for line in render.hits_lines(hits, clock, mark, ids, width):
            print(line)
    if not hits and sys.stdout.isatty():
        print("no matches", file=sys.stderr)
    elif more and not args.json:
        sys.stdout.flush()
        print(more_hint(len(hits), None, MAX_LIMIT, "hits"), file=sys.stderr)
    return 0 if hits else EXIT_NO_MATCH
