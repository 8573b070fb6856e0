"""`sessiond import SOURCE [PATH ...] [--watch]`: bring in another tool's history.

Prints a summary (sessions and events added, what was skipped and why) and
exits 0, unless nothing at all could be read: 3 when no file was found, 1
when files were found but none could be read. The store is created when it
does not exist yet (a first import is how a history starts).

`sessiond import --list [--json]` lists the sources (from
`importers.IMPORTERS`), where each keeps its history on this machine and
whether any is there: the editors build their pickers from it.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from sessiond.importers import IMPORTERS


def add_arguments(parser: argparse.ArgumentParser, _name: str = "import") -> None:
    parser.add_argument(
        "source",
        metavar="SOURCE",
        nargs="?",
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
    parser.add_argument(
        "--list",
        action="store_true",
        help="list the sources, where each keeps its history and whether it is there",
    )
    parser.add_argument(
        "--json", action="store_true", help="with --list: one JSON object per source and line"
    )


def sources_found() -> list[dict[str, Any]]:
    """Every source, in the table's order, with its default places and
    whether any of them exists on this machine."""
    from sessiond.importers import load

    rows: list[dict[str, Any]] = []
    for name in IMPORTERS:
        source = load(name)
        paths = source.default_paths()
        rows.append(
            {
                "name": name,
                "label": source.label,
                "description": source.description,
                "paths": [str(p) for p in paths],
                "found": any(p.exists() for p in paths),
            }
        )
    return rows


def list_sources(as_json: bool) -> int:
    import json

    from sessiond.render import safe_text

    rows = sources_found()
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return 0
    width = max(len(str(r["name"])) for r in rows)
    for row in rows:
        where = ", ".join(row["paths"]) if row["paths"] else "(give its path)"
        mark = "found" if row["found"] else "     "
        print(f"{row['name']:<{width}}  {mark}  {safe_text(str(row['description']))}")
        print(f"{'':<{width}}         {safe_text(where)}")
    return 0


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.common import UsageError, db_of

    if args.list:
        return list_sources(args.json)
    if args.source is None:
        raise UsageError(
            "say which history to import: sessiond import SOURCE [PATH ...], SOURCE one of "
            + ", ".join(IMPORTERS)
            + " (sessiond import --list shows where each keeps it)"
        )
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
