"""`sessiond tail`'s work: the last turns, then (with -f) every new one."""

from __future__ import annotations

import argparse
import sys
import time

from sessiond.cli.common import NotFound, UsageError, db_of, open_for_reading
from sessiond.cli.show import session_of

POLL_S = 0.2


def tail(args: argparse.Namespace) -> int:
    from sessiond import render
    from sessiond.store import Added, Started

    if not 0 <= args.lines <= 10_000:
        raise UsageError(f"-n must be from 0 to 10000; got {args.lines}")
    clock = render.Clock(args.utc)
    with open_for_reading(db_of(args)) as store:
        # Without a ULID, -f follows every session, after the latest's last turns.
        only = args.ulid is not None or not args.follow
        try:
            session = session_of(store, args.ulid)
        except NotFound:
            if only:
                raise
            session = None
        feed = store.feed() if args.follow else None
        seen = 0  # the last seq shown of `session`: the feed may bring it again
        if session is not None:
            print(f"== {session.ulid}  {render.label(session) or '(untitled)'}")
            last = store.events(session.id, args.lines)
            for line in render.replay(last, clock):
                print(line)
            seen = last[-1].seq if last else 0
            earlier = (last[0].seq - 1) if last else 0
            if earlier > 0:
                sys.stdout.flush()
                wanted = min(10_000, earlier + len(last))
                print(f"{render.plural(earlier, 'earlier turn')} (-n {wanted})", file=sys.stderr)
        if feed is None:
            return 0
        sys.stdout.flush()
        names = {} if session is None else {session.id: session.ulid}
        shown = first = None if session is None else session.id
        if not only:
            session = None
        try:
            while True:
                for change in feed.poll():
                    if isinstance(change, Started):
                        names[change.session.id] = change.session.ulid
                    if not isinstance(change, Added):
                        continue
                    event = change.event
                    if event.session_id == first and event.seq <= seen:
                        continue
                    if session is not None and event.session_id != session.id:
                        continue
                    if shown != event.session_id:
                        ulid = (
                            names.get(event.session_id)
                            or store.session_by_id(event.session_id).ulid
                        )
                        names[event.session_id] = ulid
                        print(f"== {ulid}")
                        shown = event.session_id
                    for line in render.replay([event], clock):
                        print(line)
                sys.stdout.flush()
                if not feed.more:
                    time.sleep(POLL_S)
        except KeyboardInterrupt:
            return 0
        finally:
            feed.close()
