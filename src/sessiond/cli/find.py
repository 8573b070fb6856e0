"""`sessiond find QUERY`: the sessions that answer a question, best first.

One block per session: its short ULID, when it was last active, where (its
source and project), its title or preview, then its best turns with the
matches marked. A session matches when every word occurs somewhere in it;
when none holds them all, the closest come back, said to be relaxed. Exit 1
when nothing matched, as `search`.
"""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import (
    EXIT_NO_MATCH,
    UsageError,
    add_filters,
    db_of,
    open_for_reading,
    project_of,
    source_of,
    use_color,
)

BOLD_RED = ("\x1b[1;31m", "\x1b[0m")  # as `search` marks matches
MAX_FIND = 100  # session/find's largest limit (contract v3)
DASH_WORDS = True  # `-word` leaves a word out (cli.__init__)


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "query",
        metavar="QUERY",
        nargs="+",
        help='what the session was about: words, "a phrase", word*, -word (left out), a OR b',
    )
    parser.add_argument(
        "-n",
        "--limit",
        type=int,
        default=10,
        help=f"how many sessions (default 10, at most {MAX_FIND})",
    )
    add_filters(parser)
    parser.add_argument(
        "--words",
        action="store_true",
        help="by words alone, not by meaning too (when `sessiond index` made that possible)",
    )
    parser.add_argument(
        "--json", action="store_true", help="the results ({session, score, hits}) as JSON lines"
    )
    parser.add_argument("--utc", action="store_true", help="dates in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_FIND:
        raise UsageError(f"-n must be from 1 to {MAX_FIND}; got {args.limit}")
    project, source = project_of(args), source_of(args)
    from sessiond import render
    from sessiond.cli import unmark
    from sessiond.cli.common import more_hint, short_ids, terminal_width

    query = " ".join(unmark(args.query))
    from sessiond.semantic import hybrid

    with open_for_reading(db_of(args)) as store:
        results, relaxed = hybrid.find(
            store,
            query,
            min(args.limit + 1, MAX_FIND),
            project=project,
            source=source,
            words=args.words,
        )
        more = len(results) > args.limit
        results = results[: args.limit]
        ids = {} if args.json else short_ids(store, [r.session for r in results])
    if args.json:
        from sessiond.wire.convert import unstructure

        if relaxed and results:
            print(render.RELAXED, file=sys.stderr)
        for result in results:
            print(render.safe_json(unstructure(result)))
    else:
        if relaxed and results:
            print(render.RELAXED)
            print()
        clock = render.Clock(args.utc)
        mark = BOLD_RED if use_color() else None
        for line in render.found_lines(results, ids, clock, mark, terminal_width()):
            print(line)
        if more:
            sys.stdout.flush()
            print(more_hint(len(results), None, MAX_FIND, "sessions"), file=sys.stderr)
    if not results and sys.stdout.isatty():
        print("no matches", file=sys.stderr)
    return 0 if results else EXIT_NO_MATCH
