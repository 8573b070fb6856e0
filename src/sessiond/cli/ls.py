"""`sessiond ls`: sessions, newest first, with their titles or first prompts."""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import UsageError, db_of, open_for_reading, terminal_width
from sessiond.models import Session
from sessiond.store import Store
from sessiond.wire.params import MAX_LIMIT

# A live session with no event for this long is shown as "stale": its writer
# most likely went away without ending it (`sessiond end ULID` ends it).
STALE_AFTER_MS = 12 * 3600 * 1000


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument("-n", "--limit", type=int, default=50, help="how many (default 50)")
    parser.add_argument("--json", action="store_true", help="one JSON Session per line")
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"-n must be from 1 to {MAX_LIMIT}; got {args.limit}")
    from sessiond import render
    from sessiond.models import now_ms
    from sessiond.wire.convert import unstructure

    with open_for_reading(db_of(args)) as store:
        sessions = store.list_sessions(args.limit)
        if args.json:
            for session in sessions:
                print(render.safe_json(unstructure(session)))
            return 0
        now = now_ms()
        stale = frozenset(
            s.id
            for s in sessions
            if s.ended_at is None and _idle_since(store, s) < now - STALE_AFTER_MS
        )
        clock = render.Clock(args.utc)
        print(render.sessions_table(sessions, clock, terminal_width(), stale))
        more = store.count_sessions() - len(sessions) if len(sessions) == args.limit else 0
        if more > 0:
            sys.stdout.flush()
            print(f"... and {more} more (-n N shows more)", file=sys.stderr)
    return 0


def _idle_since(store: Store, session: Session) -> int:
    """When the session last changed: its newest event, else its start."""
    import datetime

    events = store.events(session.id, 1)
    stamp = events[-1].created_at if events else session.started_at
    return int(datetime.datetime.fromisoformat(stamp).timestamp() * 1000)
