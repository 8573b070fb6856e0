"""`sessiond chat`: the terminal chat client (see `sessiond.cli.chat.terminal`)."""

from __future__ import annotations

import argparse

from sessiond.cli.common import db_of


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "--continue",
        dest="cont",
        action="store_true",
        help="continue the last session (a new session whose parent it is)",
    )
    parser.add_argument(
        "--engine-base-url",
        metavar="URL",
        default=None,
        help="the chat engine (OpenAI-compatible), e.g. http://localhost:11434/v1 for "
        "Ollama; default $SESSIOND_ENGINE_BASE_URL",
    )
    parser.add_argument(
        "--model", metavar="NAME", default=None, help="the engine's model (default: its first)"
    )


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.chat.daemon_client import daemon_command
    from sessiond.cli.chat.terminal import run_chat

    return run_chat(daemon_command(db_of(args)), args.cont, args.engine_base_url, args.model)
