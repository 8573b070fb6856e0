"""`sessiond resume ULID [--print]`: reopen a session in the program it came
from, in its project folder.

The command is the source's own (`importers.load(name).resume`, `{id}` its
`sourceId`): `claude --resume ID`, `codex resume ID`, ... For sessiond's own
clients: `sessiond chat --continue ULID` for `sessiond-chat`, Neovim's
`:SessiondContinue ULID` for `nvim`; a VS Code session is reopened from VS
Code, which this says how to do. The program runs in place of sessiond
(exec), so it has the terminal to itself. `--print` prints the command,
shell-quoted, and runs nothing. Exit 1 when the session cannot be resumed
(no resume command, no id, the program or the folder missing).
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import sys
from typing import TYPE_CHECKING, NamedTuple

from sessiond.cli.common import db_of, open_for_reading, resolve

if TYPE_CHECKING:
    from sessiond.models import Session

EXIT_CANNOT = 1
# An id that goes on a command line: nothing a program could take for an
# option (a leading '-') or a shell for anything but a word.
_SAFE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:@+=-]{0,255}$")
NVIM_INSTALL = (
    "Install Neovim (https://neovim.io) and the sessiond.nvim plugin (editors/nvim in "
    "sessiond's repository)."
)


class CannotResume(Exception):
    """Why a session cannot be reopened, in a sentence."""


class Plan(NamedTuple):
    argv: list[str]  # the command, argv[0] the program as a person types it
    program: str  # what must be on PATH
    install: str | None
    env: dict[str, str]  # added to the environment (never shown)


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument("ulid", metavar="ULID", help="the session's ULID or a unique prefix")
    parser.add_argument(
        "--print", action="store_true", help="only print the command (shell-quoted), run nothing"
    )


def _source(session: Session) -> str | None:
    if session.source:
        return session.source
    if session.cli_version.split()[:1] == ["sessiond-chat"]:
        return "sessiond-chat"  # written before version 3 named sources
    return None


def plan(session: Session, db: str | None) -> Plan:
    """How to reopen `session` (CannotResume: why it cannot be)."""
    from sessiond.render import one_line

    source = _source(session)
    if source is None:
        raise CannotResume(
            f"sessiond does not know which program held {session.ulid} (it has no source), "
            "so it cannot reopen it"
        )
    if source == "sessiond-chat":
        env = {} if db is None else {"SESSIOND_DB": db}
        return Plan(["sessiond", "chat", "--continue", session.ulid], "sessiond", None, env)
    if source == "nvim":
        return Plan(["nvim", f"+SessiondContinue {session.ulid}"], "nvim", NVIM_INSTALL, {})
    if source == "vscode":
        folder = (
            f"`code {shlex.quote(one_line(session.project, 4096))}`"
            if session.project
            else "VS Code"
        )
        raise CannotResume(
            f"{session.ulid} was held in VS Code, which has no command to reopen it: open "
            f"{folder}, then run 'sessiond: Continue Session' from the Command Palette and "
            "pick it in the sessiond sidebar"
        )
    from sessiond.importers import IMPORTERS, load

    shown = one_line(source, 64)
    if source not in IMPORTERS or source == "sessiond":
        raise CannotResume(f"sessiond knows no command that reopens a session of {shown!r}")
    tool = load(source)
    if tool.resume is None:
        raise CannotResume(f"{tool.label} has no command that reopens a session")
    if session.source_id is None:
        hint = ""
        if session.parent_ulid:
            hint = f"; `sessiond resume {session.parent_ulid}` reopens the one it belongs to"
        raise CannotResume(f"{session.ulid} has no id in {tool.label} to reopen it by{hint}")
    if not _SAFE_ID.match(session.source_id):
        raise CannotResume(
            f"{session.ulid}'s id in {tool.label} ({one_line(session.source_id, 80)!r}) is not "
            "one sessiond puts on a command line"
        )
    argv = [part.replace("{id}", session.source_id) for part in tool.resume]
    return Plan(argv, argv[0], tool.install, {})


def run(args: argparse.Namespace) -> int:
    from sessiond.render import one_line, safe_text

    given = getattr(args, "db", None)
    with open_for_reading(db_of(args)) as store:
        session = resolve(store, args.ulid)
    try:
        how = plan(session, given)
    except CannotResume as exc:
        print(f"sessiond: {exc}", file=sys.stderr)
        return EXIT_CANNOT
    folder = session.project
    found = shutil.which(how.program)
    if args.print:
        shown = [folder or "", *how.argv]
        if any(safe_text(part) != part for part in shown):
            print(
                f"sessiond: {session.ulid}'s folder or id holds control characters; "
                "sessiond does not print them raw as a command",
                file=sys.stderr,
            )
            return EXIT_CANNOT
        command = shlex.join(how.argv)
        if how.program == "sessiond" and given is not None and "://" not in given:
            command = shlex.join([*how.argv[:1], "--db", given, *how.argv[1:]])
        print(f"cd {shlex.quote(folder)} && {command}" if folder else command)
        if how.env and "://" in (given or ""):
            print("(with SESSIOND_DB set to the same database)", file=sys.stderr)
        if found is None:
            print(f"sessiond: {_missing(how)}", file=sys.stderr)
        return 0
    if found is None and how.program == "sessiond":
        found = sys.executable
        how = how._replace(argv=[sys.executable, "-m", "sessiond", *how.argv[1:]])
    if found is None:
        print(f"sessiond: {_missing(how)}", file=sys.stderr)
        return EXIT_CANNOT
    if folder is not None:
        if not os.path.isdir(folder):
            print(
                f"sessiond: {session.ulid}'s folder {one_line(folder, 4096)} is not there any "
                f"more; `sessiond resume {args.ulid} --print` shows the command to run elsewhere",
                file=sys.stderr,
            )
            return EXIT_CANNOT
        os.chdir(folder)
    else:
        print(
            f"sessiond: {session.ulid} names no project folder; resuming it here",
            file=sys.stderr,
        )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(found, how.argv, {**os.environ, **how.env})


def _missing(how: Plan) -> str:
    message = f"{how.program} is not installed (not found on PATH)"
    return f"{message}: {how.install}" if how.install else message
