"""The `sessiond` command line: one verb per module, dispatched by `COMMANDS`.

Each verb's module has `add_arguments(parser)` and `run(args) -> int`, and
imports what it needs only when it runs, so that `sessiond --help` and the
read commands start without pygls. Exit codes: 0 done, 1 `search` found
nothing, 2 usage, 3 not found, 4 storage (see `cli.common`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

import attrs

from sessiond import __version__
from sessiond.cli.common import (
    EXIT_NOT_FOUND,
    EXIT_STORAGE,
    EXIT_USAGE,
    NotFound,
    UsageError,
    add_db_option,
)
from sessiond.errors import InvalidParams, SessiondError


@attrs.frozen
class Command:
    name: str
    help: str
    module: str  # under sessiond.cli, or a full module path

    def load(self) -> ModuleType:
        name = self.module if "." in self.module else f"sessiond.cli.{self.module}"
        return importlib.import_module(name)


COMMANDS: tuple[Command, ...] = (
    Command("serve", "serve JSON-RPC on stdin/stdout (the default)", "serve"),
    Command("chat", "chat in the terminal, recorded by sessiond", "chat"),
    Command("ls", "list sessions, newest first", "ls"),
    Command("show", "replay a session's events", "show"),
    Command("tail", "print a session's last turns; -f follows new ones", "tail"),
    Command("export", "write sessions as markdown or JSON lines", "export"),
    Command("search", "full-text search of every session", "search"),
    Command("rename", "give a session a title", "rename"),
    Command("end", "end a live session (one whose writer is gone)", "end"),
    Command("rm", "move a session to the trash", "trash"),
    Command("restore", "bring a session back from the trash", "trash"),
    Command("trash", "list the trash; 'trash empty' removes it for good", "trash"),
    Command("import", "bring in another tool's history", "importing"),
    Command("mcp", "serve the history to agents over MCP (stdio)", "mcp"),
)
_BY_NAME = {c.name: c for c in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sessiond",
        description="A local history service for chat sessions in editors. With no "
        "command, serves JSON-RPC on stdin/stdout.",
    )
    parser.add_argument("--version", action="version", version=f"sessiond {__version__}")
    add_db_option(parser)
    serve = _BY_NAME["serve"].load()
    serve.add_serve_options(parser)
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        try:
            module = command.load()
        except ImportError:
            continue  # an optional part that is not installed
        sub = verbs.add_parser(command.name, help=command.help, description=command.help)
        add_db_option(sub)
        module.add_arguments(sub, command.name)
    return parser


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"sessiond: {message}\n")
    return code


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = _BY_NAME[args.command or "serve"]
    args.command = command.name
    try:
        return int(command.load().run(args))
    except UsageError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except NotFound as exc:
        return _fail(str(exc.args[0]), EXIT_NOT_FOUND)
    except InvalidParams as exc:
        return _fail(exc.message, EXIT_USAGE)
    except SessiondError as exc:
        return _fail(exc.message, EXIT_STORAGE)
    except BrokenPipeError:
        # `sessiond show X | head` closed the pipe: not an error for a person.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return 130
