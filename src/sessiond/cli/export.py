"""`sessiond export ULID|--all --format markdown|jsonl`: streamed, page by page."""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import UsageError, db_of, open_for_reading, resolve
from sessiond.cli.show import every_event


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "ulid", metavar="ULID", nargs="?", help="the session's ULID or a unique prefix"
    )
    parser.add_argument("--all", action="store_true", help="every session (the trash left out)")
    parser.add_argument("--format", choices=["markdown", "jsonl"], default="markdown")


def run(args: argparse.Namespace) -> int:
    if (args.ulid is None) == (not args.all):
        raise UsageError("give one session's ULID, or --all for every session")
    from sessiond import render
    from sessiond.wire.params import MAX_LIMIT

    write = sys.stdout.write
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
        for index, session in enumerate(sessions):
            events = every_event(store, session)
            if args.format == "markdown":
                if index:
                    write("\n")
                lines = render.markdown(session, events)
            else:
                lines = render.jsonl(session, events)
            for line in lines:
                write(line)
                write("\n")
    return 0
