"""`sessiond show [ULID]`: replay a session (the latest when no ULID is given)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import TYPE_CHECKING

from sessiond.cli.common import db_of, latest, open_for_reading, resolve

if TYPE_CHECKING:
    from sessiond.models import Event, Session
    from sessiond.store import Store

PAGE = 1000


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "ulid",
        metavar="ULID",
        nargs="?",
        help="the session's ULID or a unique prefix (default: the latest)",
    )
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def session_of(store: Store, ulid: str | None) -> Session:
    """The session `ulid` names, else the one last active (never a sub-agent)."""
    return resolve(store, ulid) if ulid is not None else latest(store)


def every_event(store: Store, session: Session, after: int = 0) -> Iterator[Event]:
    """A session's events, oldest first, read a page at a time (never all at once)."""
    while True:
        page = store.events_after(session.id, after, PAGE)
        yield from page
        if len(page) < PAGE:
            return
        after = page[-1].seq


def run(args: argparse.Namespace) -> int:
    from sessiond import render

    with open_for_reading(db_of(args)) as store:
        session = session_of(store, args.ulid)
        clock = render.Clock(args.utc)
        print(render.session_heading(session, clock))
        print()
        for line in render.replay(every_event(store, session), clock):
            print(line)
    return 0
