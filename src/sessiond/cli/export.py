"""`sessiond export ULID|--all --format markdown|jsonl|html`: streamed, page by page.

markdown renders (a person's turns quoted, replies as their own markdown,
commands fenced); jsonl is the session on the first line, then its events;
html is one self-contained page: its style inline, no script, nothing
fetched, every stored text escaped.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable

from sessiond.cli.common import MAX_LIMIT, UsageError, db_of, open_for_reading, resolve
from sessiond.cli.show import every_event


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "ulid", metavar="ULID", nargs="?", help="the session's ULID or a unique prefix"
    )
    parser.add_argument("--all", action="store_true", help="every session (the trash left out)")
    parser.add_argument(
        "--format",
        choices=["markdown", "jsonl", "html"],
        default="markdown",
        help="markdown (the default), JSON lines (the session, then its events) or one web page",
    )


def run(args: argparse.Namespace) -> int:
    if (args.ulid is None) == (not args.all):
        raise UsageError("give one session's ULID, or --all for every session")
    from sessiond import render

    write = sys.stdout.write

    def lines(it: Iterable[str]) -> None:
        for line in it:
            write(line)
            write("\n")

    with open_for_reading(db_of(args)) as store:
        if args.all:
            sessions = list(reversed(store.list_sessions(MAX_LIMIT)))
            # list_sessions stops at MAX_LIMIT; older ones follow by start time.
            if store.count_sessions() > len(sessions):
                raise UsageError(
                    f"--all exports up to {MAX_LIMIT} sessions at once; export the rest by ULID"
                )
        else:
            sessions = [resolve(store, args.ulid)]
        if args.format == "html":
            only = sessions[0] if len(sessions) == 1 else None
            title = (only.title or f"Session {only.ulid}") if only else "sessiond: every session"
            lines(render.html_head(title))
        for index, session in enumerate(sessions):
            events = every_event(store, session)
            if args.format == "markdown":
                if index:
                    write("\n")
                lines(render.markdown(session, events))
            elif args.format == "html":
                lines(render.html_session(session, events))
            else:
                lines(render.jsonl(session, events))
        if args.format == "html":
            lines(render.html_tail())
    return 0
