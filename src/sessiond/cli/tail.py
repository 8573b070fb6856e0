"""`sessiond tail [ULID] [-f]`: a session's last turns; -f follows new ones."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "ulid", metavar="ULID", nargs="?", help="the session (default: the latest; with -f, any)"
    )
    parser.add_argument("-n", "--lines", type=int, default=10, help="how many turns (default 10)")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing new turns")
    parser.add_argument("--utc", action="store_true", help="times in UTC, not local time")


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.following import tail

    return tail(args)
