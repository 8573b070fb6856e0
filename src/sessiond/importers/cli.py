"""`sessiond import SOURCE [PATH ...] [--watch]`: bring in another tool's history.

Prints a summary (sessions and events added, what was skipped and why) and
exits 0, unless nothing at all could be read: 3 when no file was found, 1
when files were found but none could be read. The store is created when it
does not exist yet (a first import is how a history starts).
"""

from __future__ import annotations

import argparse
import sys
import time

from sessiond.importers import IMPORTERS


def add_arguments(parser: argparse.ArgumentParser, _name: str = "import") -> None:
    parser.add_argument(
        "source",
        metavar="SOURCE",
        choices=list(IMPORTERS),
        help="where the history comes from: " + ", ".join(IMPORTERS),
    )
    parser.add_argument(
        "paths",
        metavar="PATH",
        nargs="*",
        help="files or folders to read (default: the tool's own place, e.g. "
        "~/.claude/projects, $CODEX_HOME/sessions, llm's logs.db)",
    )
    parser.add_argument(
        "--watch",
        action="store_true",
        help="keep following the files and import new turns as the tool writes them (Ctrl-C stops)",
    )


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.common import UsageError, db_of
    from sessiond.errors import SessiondError
    from sessiond.importers.run import run_import
    from sessiond.importers.summary import Summary
    from sessiond.store import open_store

    summary = Summary(args.source)

    def told(done: Summary) -> None:
        sessions = len(done.sessions_continued) + done.sessions_added
        print(
            f"{time.strftime('%H:%M:%S')} +{done.events_added:,} "
            f"event{'' if done.events_added == 1 else 's'} in {sessions:,} "
            f"session{'' if sessions == 1 else 's'}",
            flush=True,
        )

    with open_store(db_of(args)) as store:
        try:
            run_import(
                store,
                args.source,
                args.paths,
                watch=args.watch,
                err=sys.stderr,
                summary=summary,
                on_pass=told,
            )
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        except SessiondError:
            print(summary.render(), flush=True)  # what was stored before it stays stored
            raise
    print(summary.render())
    return summary.exit_code
