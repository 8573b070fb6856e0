"""What every command shares: the database option, opening the store for a
person, finding a session by ULID prefix, exit codes, the terminal."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from typing import IO

from sessiond.models import Session
from sessiond.store import MEMORY, Store, is_postgres, open_store

EXIT_OK = 0
EXIT_NO_MATCH = 1  # `search` found nothing, as grep does
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4


class UsageError(Exception):
    """A command was given something it cannot use (exit 2)."""


class NotFound(LookupError):
    """No session or database matches what the person asked for (exit 3)."""


def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        default=argparse.SUPPRESS,
        help="the database: a file (default: $SESSIOND_DB, else sessions.db in the user "
        "data folder), ':memory:', or a postgresql:// URI",
    )


def default_db() -> str:
    """$SESSIOND_DB, else sessions.db in the user data folder."""
    env = os.environ.get("SESSIOND_DB")
    if env:
        return env
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir("sessiond", appauthor=False), "sessions.db")


def db_of(args: argparse.Namespace) -> str:
    """The database the command names; an empty --db is a mistake, never the default."""
    db = getattr(args, "db", None)
    if db is None:
        return default_db()
    if not db.strip():
        raise UsageError("--db is empty; give a database file, ':memory:' or a postgresql:// URI")
    return str(db)


def open_for_reading(db: str) -> Store:
    """The store, for a command that only reads: a file the person can only
    read is opened read-only, and a missing one is NotFound (nothing recorded)."""
    if db == MEMORY or is_postgres(db):
        return open_store(db)
    if not os.path.exists(db):
        raise NotFound(f"no database at {db} yet (nothing recorded)")
    folder = os.path.dirname(os.path.abspath(db))
    if os.access(db, os.W_OK) and os.access(folder, os.W_OK):
        return open_store(db)
    return open_store(db, read_only=True)


def open_for_writing(db: str) -> Store:
    if db != MEMORY and not is_postgres(db) and not os.path.exists(db):
        raise NotFound(f"no database at {db} yet (nothing recorded)")
    return open_store(db)


def resolve(store: Store, prefix: str) -> Session:
    """The one session whose ULID is or starts with `prefix` (any case)."""
    found = store.find_sessions(prefix) or store.find_sessions(prefix.upper())
    shown = prefix if len(prefix) <= 64 else prefix[:61] + "..."
    if not found:
        raise NotFound(f"no session's ULID is or starts with {shown!r}")
    if len(found) > 1:
        listed = ", ".join(s.ulid for s in found)
        raise NotFound(f"{shown!r} matches more than one session ({listed}, ...); give more of it")
    return found[0]


def terminal_width(stream: IO[str] | None = None) -> int | None:
    """The terminal's width when `stream` is one, else None (no cutting)."""
    stream = stream or sys.stdout
    if not stream.isatty():
        return None
    return shutil.get_terminal_size((100, 24)).columns


def use_color(stream: IO[str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    stream = stream or sys.stdout
    return stream.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
