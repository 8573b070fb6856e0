"""`sessiond chat`: the terminal chat client (see `sessiond.cli.chat.terminal`)."""

from __future__ import annotations

import argparse

from sessiond.cli.common import db_of


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    # SUPPRESS: the same options given before `chat` (`sessiond --log-level debug
    # chat`) are not overwritten by the defaults here.
    parser.add_argument(
        "--continue",
        dest="cont",
        nargs="?",
        const=True,
        default=False,
        metavar="ULID",
        help="continue the last session, or the one named (a new session whose parent it is)",
    )
    parser.add_argument(
        "--engine-base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="the chat engine (OpenAI-compatible), e.g. http://localhost:11434/v1 for "
        "Ollama; default $SESSIOND_ENGINE_BASE_URL",
    )
    parser.add_argument(
        "--model",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the engine's model (default $SESSIOND_ENGINE_MODEL, else a chat model the "
        "engine lists)",
    )
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["debug", "info", "warning", "error"],
        help="how much the chat's daemon logs (default warning)",
    )
    parser.add_argument(
        "--log-file",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="where the chat's daemon logs (default: shown in the terminal)",
    )


def daemon_options(args: argparse.Namespace) -> list[str]:
    """The daemon's command-line options from the chat's: none that could hold a secret."""
    import os

    extra: list[str] = []
    level = getattr(args, "log_level", None)
    if level:
        extra += ["--log-level", level]
    log_file = getattr(args, "log_file", None)
    if log_file:
        extra += ["--log-file", os.path.abspath(log_file)]
    max_bytes = getattr(args, "max_text_bytes", None)
    if max_bytes is not None:
        extra += ["--max-text-bytes", str(max_bytes)]
    return extra


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.chat.daemon_client import daemon_command, daemon_env
    from sessiond.cli.chat.terminal import run_chat

    return run_chat(
        daemon_command(daemon_options(args)),
        daemon_env(db_of(args)),
        args.cont,
        getattr(args, "engine_base_url", None),
        getattr(args, "model", None) or getattr(args, "engine_model", None),
    )
