"""`sessiond [serve]`: JSON-RPC on stdin/stdout, for editors."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from sessiond import DEFAULT_MAX_TEXT_BYTES
from sessiond.cli.common import EXIT_USAGE, db_of


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--stdio",
        action="store_true",
        default=argparse.SUPPRESS,
        help="serve on stdin/stdout (the default; VS Code passes it)",
    )
    parser.add_argument(
        "--max-text-bytes",
        type=int,
        metavar="N",
        default=argparse.SUPPRESS,
        help=f"largest text or value, in UTF-8 bytes (default {DEFAULT_MAX_TEXT_BYTES})",
    )
    parser.add_argument(
        "--log-level",
        default=argparse.SUPPRESS,
        choices=["debug", "info", "warning", "error"],
        help="how much to log to stderr (default warning)",
    )
    parser.add_argument(
        "--log-file", metavar="PATH", default=argparse.SUPPRESS, help="log here instead of stderr"
    )
    parser.add_argument(
        "--engine-base-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="the chat engine for chat/send (OpenAI-compatible, e.g. "
        "http://localhost:11434/v1); default $SESSIOND_ENGINE_BASE_URL",
    )
    parser.add_argument(
        "--keep-secrets",
        action="store_true",
        default=argparse.SUPPRESS,
        help="store credentials as they come (default: each is replaced by [redacted:KIND]; "
        "also SESSIOND_KEEP_SECRETS=1)",
    )
    parser.add_argument(
        "--engine-model",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="the engine's model (default $SESSIOND_ENGINE_MODEL, else the first it lists)",
    )


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    add_serve_options(parser)


def private_log(path: str) -> logging.Handler:
    """A log file created 0600, like the database: its lines name sessions
    and files, and nobody else's business."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.close(fd)
    return logging.FileHandler(path)


def setup_logging(level: str, log_file: str | None) -> None:
    handler: logging.Handler = (
        private_log(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())


def run(args: argparse.Namespace) -> int:
    setup_logging(getattr(args, "log_level", "warning"), getattr(args, "log_file", None))
    max_bytes = getattr(args, "max_text_bytes", DEFAULT_MAX_TEXT_BYTES)
    if max_bytes < 1:
        sys.stderr.write("sessiond: --max-text-bytes must be at least 1\n")
        return EXIT_USAGE
    db = db_of(args)
    if sys.stdin is not None and sys.stdin.isatty():
        sys.stderr.write(
            "sessiond speaks JSON-RPC on stdin/stdout, for editors. To chat in this "
            "terminal, run `sessiond chat`; `sessiond --help` lists every command. "
            "(Ctrl-D or Ctrl-C leaves.)\n"
        )
    from sessiond.daemon.server import run_stdio
    from sessiond.store import open_store

    keep = True if getattr(args, "keep_secrets", False) else None  # None: the environment says
    store = open_store(db, max_text_bytes=max_bytes, keep_secrets=keep)
    logging.getLogger("sessiond").info("serving %s on stdio", store.where)
    return run_stdio(
        store, getattr(args, "engine_base_url", None), getattr(args, "engine_model", None), db
    )
