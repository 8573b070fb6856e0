"""`sessiond mcp`: the history as Model Context Protocol tools, over stdio."""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "--log-level",
        default="warning",
        choices=["debug", "info", "warning", "error"],
        help="how much to log to stderr (default warning)",
    )


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.common import db_of
    from sessiond.mcp import serve_mcp

    return serve_mcp(db_of(args), args.log_level)
