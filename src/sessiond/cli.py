"""The `sessiond` command line: serve, chat, ls, show, export."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from sessiond import DEFAULT_MAX_TEXT_BYTES, __version__
from sessiond.errors import SchemaTooNew, SessiondError
from sessiond.models import Session
from sessiond.store import MEMORY, Store

EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4


def default_db() -> str:
    """`--db`, else $SESSIOND_DB, else sessions.db in the user data folder."""
    env = os.environ.get("SESSIOND_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("sessiond", appauthor=False), "sessions.db")


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the database file (default: $SESSIOND_DB, else sessions.db in the user data "
        "folder); ':memory:' for an in-memory store",
    )


def _serve_options(parser: argparse.ArgumentParser) -> None:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sessiond",
        description="A local history service for chat sessions in editors. With no "
        "command, serves JSON-RPC on stdin/stdout.",
    )
    parser.add_argument("--version", action="version", version=f"sessiond {__version__}")
    _db_option(parser)
    _serve_options(parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve JSON-RPC on stdin/stdout (the default)")
    _db_option(serve)
    _serve_options(serve)

    chat = commands.add_parser("chat", help="chat in the terminal, recorded by sessiond")
    _db_option(chat)
    chat.add_argument(
        "--continue",
        dest="cont",
        action="store_true",
        help="continue the last session (a new session whose parent it is)",
    )
    chat.add_argument("--engine-base-url", metavar="URL", help="record this engine URL")

    ls = commands.add_parser("ls", help="list sessions, newest first")
    _db_option(ls)
    ls.add_argument("-n", "--limit", type=int, default=50, help="how many (default 50)")

    show = commands.add_parser("show", help="replay a session's events")
    _db_option(show)
    show.add_argument("ulid", metavar="ULID", help="the session's ULID, or a unique prefix")

    export = commands.add_parser("export", help="write a session as markdown or JSON lines")
    _db_option(export)
    export.add_argument("ulid", metavar="ULID", help="the session's ULID, or a unique prefix")
    export.add_argument("--format", choices=["markdown", "jsonl"], default="markdown")
    return parser


def _setup_logging(level: str, log_file: str | None) -> None:
    handler: logging.Handler = (
        logging.FileHandler(log_file) if log_file else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level.upper())


def _resolve(store: Store, prefix: str) -> Session:
    found = store.find_sessions(prefix) or store.find_sessions(prefix.upper())
    if not found:
        raise LookupError(f"no session's ULID is or starts with {prefix!r}")
    if len(found) > 1:
        shown = ", ".join(s.ulid for s in found)
        raise LookupError(
            f"{prefix!r} matches more than one session ({shown}, ...); give more of it"
        )
    return found[0]


def _serve(db: str, args: argparse.Namespace) -> int:
    from sessiond.server import run_stdio

    _setup_logging(getattr(args, "log_level", "warning"), getattr(args, "log_file", None))
    max_bytes = getattr(args, "max_text_bytes", DEFAULT_MAX_TEXT_BYTES)
    if max_bytes < 1:
        sys.stderr.write("sessiond: --max-text-bytes must be at least 1\n")
        return EXIT_USAGE
    store = Store(db, max_text_bytes=max_bytes)
    logging.getLogger("sessiond").info("serving %s on stdio", db)
    return run_stdio(store)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    db = getattr(args, "db", None) or default_db()
    command = args.command or "serve"
    try:
        if command == "serve":
            return _serve(db, args)
        if command == "chat":
            from sessiond.chat import run_chat
            from sessiond.client import daemon_command

            return run_chat(daemon_command(db), args.cont, args.engine_base_url)
        if db != MEMORY and not os.path.exists(db):
            sys.stderr.write(f"sessiond: no database at {db} yet (nothing recorded)\n")
            return EXIT_NOT_FOUND
        with Store(db) as store:
            return _read(store, command, args)
    except SchemaTooNew as exc:
        sys.stderr.write(f"sessiond: {exc.message}\n")
        return EXIT_STORAGE
    except SessiondError as exc:
        sys.stderr.write(f"sessiond: {exc.message}\n")
        return EXIT_STORAGE
    except LookupError as exc:
        sys.stderr.write(f"sessiond: {exc.args[0]}\n")
        return EXIT_NOT_FOUND
    except BrokenPipeError:
        # `sessiond show X | head` closed the pipe: not an error for a person.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _read(store: Store, command: str, args: argparse.Namespace) -> int:
    from sessiond import render

    if command == "ls":
        sessions = store.list_sessions(max(0, min(args.limit, 10_000)))
        prompts = store.first_prompts([s.id for s in sessions])
        print(render.sessions_table(sessions, prompts))
        return 0
    session = _resolve(store, args.ulid)
    events = render.all_events(store, session.id)
    if command == "show":
        print(render.session_heading(session))
        print()
        for line in render.replay(events):
            print(line)
    elif args.format == "markdown":
        for line in render.markdown(session, events):
            print(line)
    else:
        for line in render.jsonl(events):
            print(line)
    return 0
