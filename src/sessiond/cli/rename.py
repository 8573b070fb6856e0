"""`sessiond rename ULID TITLE`: set (or with an empty TITLE, clear) a title."""

from __future__ import annotations

import argparse

from sessiond.cli.common import UsageError, db_of, open_for_writing, resolve


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument("ulid", metavar="ULID", help="the session's ULID or a unique prefix")
    parser.add_argument(
        "title", metavar="TITLE", nargs="+", help="the new title, one or more words ('' clears it)"
    )


def run(args: argparse.Namespace) -> int:
    title = " ".join(args.title).strip() or None
    if title is not None and len(title) > 256:
        raise UsageError(f"a title has at most 256 characters; this one has {len(title)}")
    from sessiond.render import label

    with open_for_writing(db_of(args)) as store:
        session = store.rename_session(resolve(store, args.ulid).id, title)
    shown = label(session) or "(no title)"
    print(f"{session.ulid}: {shown}")
    return 0
