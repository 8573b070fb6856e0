"""`sessiond ls`: sessions, last active first, each sub-agent under its
parent, with where and in what they were held and their titles."""

from __future__ import annotations

import argparse
import sys

from sessiond.cli.common import (
    MAX_LIMIT,
    UsageError,
    add_filters,
    db_of,
    open_for_reading,
    project_of,
    source_of,
    terminal_width,
)

# A live session with no event for this long is shown as "stale": its writer
# most likely went away without ending it (`sessiond end ULID` ends it).
STALE_AFTER_MS = 12 * 3600 * 1000


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument("-n", "--limit", type=int, default=50, help="how many (default 50)")
    add_filters(parser)
    parser.add_argument("--json", action="store_true", help="one JSON Session per line")
    parser.add_argument("--utc", action="store_true", help="dates in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.limit <= MAX_LIMIT:
        raise UsageError(f"-n must be from 1 to {MAX_LIMIT}; got {args.limit}")
    project, source = project_of(args), source_of(args)
    from sessiond import render
    from sessiond.cli.common import more_hint, nothing_listed, short_ids, under_parents

    with open_for_reading(db_of(args)) as store:
        sessions = store.list_sessions(
            args.limit, project=project, source=source, order_by="activity"
        )
        if args.json:
            from sessiond.wire.convert import unstructure

            for session in sessions:
                print(render.safe_json(unstructure(session)))
            return 0
        if not sessions:
            print(nothing_listed(store, project, source))
            return 0
        clock = render.Clock(args.utc)
        stale = frozenset(
            s.id
            for s in sessions
            if s.ended_at is None
            and render.ms_of(s.last_activity_at or s.started_at) < clock.now_ms - STALE_AFTER_MS
        )
        ordered, depth = under_parents(sessions)
        ids = short_ids(store, ordered)
        print(render.sessions_table(ordered, clock, terminal_width(), stale, ids=ids, depth=depth))
        more = 0
        if len(sessions) == args.limit:
            more = store.count_sessions(project=project, source=source) - len(sessions)
    if more > 0:
        sys.stdout.flush()
        print(more_hint(len(sessions), more, MAX_LIMIT), file=sys.stderr)
    return 0
