"""`sessiond end ULID`: end a live session, e.g. one whose writer died."""

from __future__ import annotations

import argparse

from sessiond.cli.common import db_of, open_for_writing, resolve


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument("ulid", metavar="ULID", help="the session's ULID or a unique prefix")


def run(args: argparse.Namespace) -> int:
    with open_for_writing(db_of(args)) as store:
        found = resolve(store, args.ulid)
        was_live = found.ended_at is None
        session = store.end_session(found.id)
    print(f"{session.ulid}: {'ended' if was_live else 'had already ended'} {session.ended_at}")
    return 0
