"""`sessiond rm ULID`, `sessiond restore ULID`, `sessiond trash [empty]`.

Nothing leaves the store but through `trash empty`, which first shows what
will go and asks (on a terminal), or needs `--yes` (without one).
"""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import UsageError, db_of, open_for_reading, open_for_writing, resolve
from sessiond.wire.params import MAX_LIMIT

DAY_MS = 86_400_000


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name in ("rm", "restore"):
        parser.add_argument("ulid", metavar="ULID", help="the session's ULID or a unique prefix")
        return
    parser.add_argument("action", nargs="?", choices=["empty"], help="remove the trash for good")
    parser.add_argument(
        "--older-than",
        type=float,
        metavar="DAYS",
        help="with empty: only sessions in the trash for more than DAYS days",
    )
    parser.add_argument("--yes", action="store_true", help="with empty: do not ask")
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    from sessiond import render

    if args.command == "rm":
        with open_for_writing(db_of(args)) as store:
            session = store.delete_session(resolve(store, args.ulid).id)
        print(f"moved {session.ulid} to the trash ({render.label(session) or 'untitled'})")
        print(f"undo: sessiond restore {session.ulid}")
        return 0
    if args.command == "restore":
        with open_for_writing(db_of(args)) as store:
            session = store.restore_session(resolve(store, args.ulid).id)
        print(f"restored {session.ulid} ({render.label(session) or 'untitled'})")
        return 0
    clock = render.Clock(args.utc)
    if args.action != "empty":
        with open_for_reading(db_of(args)) as store:
            trashed = store.list_sessions(MAX_LIMIT, deleted=True)
        if not trashed:
            print("the trash is empty")
            return 0
        print(render.sessions_table(trashed, clock))
        print(
            f"\n{render.plural(len(trashed), 'session')} in the trash; "
            "`sessiond restore ULID` brings one back, "
            "`sessiond trash empty` removes them for good"
        )
        return 0
    return _empty(args, clock)


def _empty(args: argparse.Namespace, clock: object) -> int:
    from sessiond import render
    from sessiond.models import now_ms
    from sessiond.wire.convert import parse_time

    if args.older_than is not None and args.older_than < 0:
        raise UsageError("--older-than must be a number of days, 0 or more")
    with open_for_writing(db_of(args)) as store:
        trashed = store.list_sessions(MAX_LIMIT, deleted=True)
        if args.older_than is not None:
            cutoff = now_ms() - args.older_than * DAY_MS
            trashed = [
                s
                for s in trashed
                if s.deleted_at and parse_time(s.deleted_at, "deletedAt") < cutoff
            ]
        if not trashed:
            print(
                "nothing to remove: the trash is empty"
                if args.older_than is None
                else "nothing in the trash is that old"
            )
            return 0
        events = sum(s.event_count for s in trashed)
        print(render.sessions_table(trashed, clock if isinstance(clock, render.Clock) else None))
        print(
            f"\nthis removes {render.plural(len(trashed), 'session')} and their "
            f"{render.plural(events, 'event')} for good"
        )
        if not args.yes:
            if not sys.stdin.isatty():
                raise UsageError("not on a terminal, so not asking: add --yes to remove them")
            answer = input("remove them for good? [y/N] ").strip().lower()
            if answer not in ("y", "yes"):
                print("nothing removed")
                return 0
        removed = store.purge([s.id for s in trashed])
    print(f"removed {render.plural(removed, 'session')} for good")
    return 0
