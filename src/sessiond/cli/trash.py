"""`sessiond rm ULID`, `sessiond restore ULID`, `sessiond trash [empty]`.

Nothing leaves the store but through `trash empty`, which first shows what
will go and asks (on a terminal), or needs `--yes` (without one).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from sessiond.cli.common import (
    MAX_LIMIT,
    UsageError,
    db_of,
    open_for_reading,
    open_for_writing,
    resolve,
    say,
    short_ids,
    terminal_width,
    under_parents,
)

if TYPE_CHECKING:
    from sessiond import render
    from sessiond.models import Session
    from sessiond.store import Store

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
            session = resolve(store, args.ulid)
            if session.deleted_at is None:
                print(
                    f"{session.ulid} is not in the trash: nothing to restore "
                    f"({render.label(session) or 'untitled'})"
                )
                return 0
            session = store.restore_session(session.id)
        print(f"restored {session.ulid} ({render.label(session) or 'untitled'})")
        return 0
    clock = render.Clock(args.utc)
    if args.action != "empty":
        with open_for_reading(db_of(args)) as store:
            trashed = store.list_sessions(MAX_LIMIT, deleted=True)
            if not trashed:
                print("the trash is empty")
                return 0
            print(_table(store, trashed, clock))
        print()
        say(
            f"{render.plural(len(trashed), 'session')} in the trash; "
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
        print(_table(store, trashed, clock if isinstance(clock, render.Clock) else None))
        their = "its" if len(trashed) == 1 else "their"
        print()
        say(
            f"this removes {render.plural(len(trashed), 'session')} and {their} "
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


def _table(store: Store, trashed: list[Session], clock: render.Clock | None) -> str:
    """The trash as `ls` shows sessions: short ULIDs, sub-agents under their
    parents, when each was trashed, fitted to the terminal."""
    from sessiond import render

    ordered, depth = under_parents(trashed)
    return render.sessions_table(
        ordered,
        clock,
        terminal_width(),
        ids=short_ids(store, ordered),
        depth=depth,
        when="deleted",
    )
