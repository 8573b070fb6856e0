"""The `sessiond` command line: one verb per module, dispatched by `COMMANDS`.

Each verb's module has `add_arguments(parser, name)` and `run(args) -> int`,
and imports what it needs only when it runs: `sessiond --help` loads no
verb, and `sessiond VERB` loads that verb alone. A verb's options may come
before or after its positional arguments (contract v3: argparse's
intermixed parsing). Exit codes: 0 done, 1 `search`/`find` found nothing,
2 usage, 3 not found, 4 storage (see `cli.common`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NamedTuple

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


class Command(NamedTuple):
    name: str
    help: str
    module: str  # under sessiond.cli, or a full module path

    def load(self) -> ModuleType:
        name = self.module if "." in self.module else f"sessiond.cli.{self.module}"
        return importlib.import_module(name)


COMMANDS: tuple[Command, ...] = (
    Command("serve", "serve JSON-RPC on stdin/stdout (the default)", "serve"),
    Command("chat", "chat in the terminal, recorded by sessiond", "chat"),
    Command("ls", "list sessions, last active first", "ls"),
    Command("show", "replay a session's events", "show"),
    Command("tail", "print a session's last turns; -f follows new ones", "tail"),
    Command("export", "write sessions as markdown, JSON lines or a web page", "export"),
    Command("find", "the sessions that answer a question, best first", "find"),
    Command("search", "full-text search of every turn", "search"),
    Command("stats", "sessions, turns and tokens per day, model, project or source", "stats"),
    Command("resume", "reopen a session in the program it came from", "resume"),
    Command("rename", "give a session a title", "rename"),
    Command("end", "end a live session (one whose writer is gone)", "end"),
    Command("rm", "move a session to the trash", "trash"),
    Command("restore", "bring a session back from the trash", "trash"),
    Command("trash", "list the trash; 'trash empty' removes it for good", "trash"),
    Command("import", "bring in another tool's history", "importing"),
    Command("redact", "replace credentials stored before by [redacted:KIND]", "redact"),
    Command("index", "make the history searchable by meaning (needs the extra)", "index"),
    Command("mcp", "serve the history to agents over MCP (stdio)", "mcp"),
)
_BY_NAME = {c.name: c for c in COMMANDS}
# What stands before a query word that begins with '-' on the way through
# argparse (it would take `-docker` for an option); `run` never sees it.
DASH_WORD = "\x00"


def _top_parser(verbs: bool) -> argparse.ArgumentParser:
    """`sessiond [OPTIONS]`: the serve options, and (for --help) the verbs."""
    parser = argparse.ArgumentParser(
        prog="sessiond",
        description="A local history service for chat sessions in editors. With no "
        "command, serves JSON-RPC on stdin/stdout.",
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"sessiond {__version__}")
    add_db_option(parser)
    _BY_NAME["serve"].load().add_serve_options(parser)
    if verbs:
        listed = parser.add_subparsers(dest="command", metavar="COMMAND")
        for command in COMMANDS:
            listed.add_parser(command.name, help=command.help, add_help=False)
    return parser


def _verb_parser(command: Command, module: ModuleType) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"sessiond {command.name}", description=command.help, allow_abbrev=False
    )
    add_db_option(parser)
    module.add_arguments(parser, command.name)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The whole command line in one parser, every verb loaded (for tests and
    documentation; `main` builds only the verb it runs)."""
    parser = _top_parser(verbs=False)
    verbs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        try:
            module = command.load()
        except ImportError:
            continue  # an optional part that is not installed
        sub = verbs.add_parser(
            command.name, help=command.help, description=command.help, allow_abbrev=False
        )
        add_db_option(sub)
        module.add_arguments(sub, command.name)
    return parser


def _verb_at(parser: argparse.ArgumentParser, argv: Sequence[str]) -> int | None:
    """Where the verb is in `argv`: the first word that is neither an option
    of `sessiond` itself nor an option's value (None: there is none)."""
    takes_value = {
        option
        for action in parser._actions
        if action.nargs != 0
        for option in action.option_strings
    }
    at = 0
    while at < len(argv):
        word = argv[at]
        if word == "--":
            return at + 1 if at + 1 < len(argv) else None
        if not word.startswith("-") or word == "-":
            return at
        at += 2 if word in takes_value else 1
    return None


def _did_you_mean(word: str) -> str:
    import difflib

    names = [c.name for c in COMMANDS]
    close = difflib.get_close_matches(word, names, n=1, cutoff=0.6)
    shown = word if len(word) <= 40 else word[:37] + "..."
    message = f"unknown command {shown!r}"  # repr shows any control character escaped
    if close:
        return f"{message}; did you mean {close[0]!r}?"
    return f"{message}; the commands are {', '.join(names)} (sessiond --help says more)"


def _dash_words(parser: argparse.ArgumentParser, words: Sequence[str]) -> list[str]:
    """A query's `-word` exclusions kept as words: every word that begins with
    a single '-' and is no option of the verb (nor a short option with its
    value attached, such as -n5) is marked so argparse leaves it in place;
    after `--`, every word is a query word."""
    options = parser._option_string_actions
    marked: list[str] = []
    rest = False
    for word in words:
        if rest:
            marked.append(DASH_WORD + word if word.startswith("-") else word)
        elif word == "--":
            rest = True
        elif word.startswith("-") and not word.startswith("--") and len(word) > 1:
            short = options.get(word[:2])
            if word in options or (
                short is not None and short.nargs != 0 and word[2:].lstrip("=").isdigit()
            ):
                marked.append(word)
            else:
                marked.append(DASH_WORD + word)
        else:
            marked.append(word)
    return marked


def unmark(words: Sequence[str]) -> list[str]:
    """The words as the person typed them (see `_dash_words`)."""
    return [w[1:] if w.startswith(DASH_WORD) else w for w in words]


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"sessiond: {message}\n")
    return code


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    top = _top_parser(verbs=False)
    at = _verb_at(top, argv)
    if at is None:
        args = _top_parser(verbs=True).parse_args(argv)
        args.command = "serve"
        return args
    word = argv[at]
    command = _BY_NAME.get(word)
    if command is None:
        top.exit(EXIT_USAGE, f"sessiond: {_did_you_mean(word)}\n")
    before = [w for w in argv[:at] if w != "--"]
    args = _top_parser(verbs=True).parse_args(before) if before else argparse.Namespace()
    module = command.load()
    parser = _verb_parser(command, module)
    rest = list(argv[at + 1 :])
    if getattr(module, "DASH_WORDS", False):
        rest = _dash_words(parser, rest)
    elif "--" in rest:
        # After `--` every word is an argument, also one that looks like an
        # option (a ULID a client chose, `sessiond resume -- -h`): marked,
        # since argparse's intermixed parsing (3.11) reads options past `--`.
        at_dashes = rest.index("--")
        rest = rest[:at_dashes] + [
            DASH_WORD + w if w.startswith("-") else w for w in rest[at_dashes + 1 :]
        ]
    parsed = parser.parse_intermixed_args(rest)
    for key, value in vars(parsed).items():
        if isinstance(value, str) and value.startswith(DASH_WORD):
            value = value[1:]
        elif isinstance(value, list) and not getattr(module, "DASH_WORDS", False):
            value = [v[1:] if isinstance(v, str) and v.startswith(DASH_WORD) else v for v in value]
        setattr(args, key, value)
    args.command = command.name
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(list(sys.argv[1:] if argv is None else argv))
    command = _BY_NAME[args.command]
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
