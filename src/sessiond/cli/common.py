"""What every command shares: the database option, opening the store for a
person, finding a session by ULID prefix (and naming it by the shortest
one), the filters, exit codes, the terminal.

Nothing here imports the store at module level: `sessiond --help` loads
this module and should stay quick.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from sessiond.models import Session
    from sessiond.store import Store

EXIT_OK = 0
EXIT_NO_MATCH = 1  # `search` and `find` found nothing, as grep does
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_STORAGE = 4

#: The wire's largest session/list and session/search limit
#: (`sessiond.wire.params.MAX_LIMIT`, which takes long to import; a test
#: holds the two equal).
MAX_LIMIT = 10_000
#: A short ULID has at least this many characters (git shortens hashes to 7).
SHORT_ID = 8
#: A sub-agent's part after its parent's short ULID: at least this many.
SHORT_AGENT = 4
#: How many sessions sharing a prefix are read to see that they are all one
#: session and its sub-agents.
_PEEK = 1000


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


def add_filters(parser: argparse.ArgumentParser, what: str = "sessions") -> None:
    """--project DIR and --source S, as `ls`, `find`, `search` and `stats` take them."""
    parser.add_argument(
        "--project",
        metavar="DIR",
        help=f"only {what} held in DIR or a folder under it ('.': the current folder)",
    )
    parser.add_argument(
        "--source", metavar="S", help=f"only {what} from S (claude-code, codex, sessiond-chat, ...)"
    )


def project_of(args: argparse.Namespace) -> str | None:
    """--project as the store takes it: an absolute path, '.' the current
    folder, `~` the home folder, no trailing '/'."""
    value = getattr(args, "project", None)
    if value is None:
        return None
    if not value.strip():
        raise UsageError("--project is empty; give a folder, or '.' for the current one")
    path = os.path.abspath(os.path.expanduser(value))
    return path.rstrip("/") or "/"


def source_of(args: argparse.Namespace) -> str | None:
    value = getattr(args, "source", None)
    if value is not None and not value.strip():
        raise UsageError("--source is empty; give a source's name, such as claude-code")
    return value


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
    from sessiond.store import MEMORY, is_postgres, open_store

    if db == MEMORY or is_postgres(db):
        return open_store(db)
    if not os.path.exists(db):
        raise NotFound(f"no database at {db} yet (nothing recorded)")
    folder = os.path.dirname(os.path.abspath(db))
    if os.access(db, os.W_OK) and os.access(folder, os.W_OK):
        return open_store(db)
    return open_store(db, read_only=True)


def open_for_writing(db: str) -> Store:
    from sessiond.store import MEMORY, is_postgres, open_store

    if db != MEMORY and not is_postgres(db) and not os.path.exists(db):
        raise NotFound(f"no database at {db} yet (nothing recorded)")
    return open_store(db)


# Sessions and their sub-agents


def is_subagent(session: Session) -> bool:
    """A sub-agent's side conversation: a child whose ulid is its parent's
    and `_<agent>` (contract v3, "Also in version 3")."""
    parent = session.parent_ulid
    return parent is not None and session.ulid.startswith(parent + "_")


def _descends(session: Session, parent: Session) -> bool:
    return session.ulid.startswith(parent.ulid + "_")


def _candidates(store: Store, prefix: str) -> list[Session]:
    """The sessions `prefix` names: one, or several when it is ambiguous. A
    parent's prefix names the parent over its `_<agent>` children."""
    found = store.find_sessions(prefix, 2)
    if len(found) < 2:
        return found
    first, second = found
    parent = first if _descends(second, first) else second if _descends(first, second) else None
    if parent is None:
        return found
    every = store.find_sessions(prefix, _PEEK)
    if len(every) < _PEEK and all(s.id == parent.id or _descends(s, parent) for s in every):
        return [parent]
    return found


def _either_case(store: Store, prefix: str) -> list[Session]:
    return _candidates(store, prefix) or (
        _candidates(store, prefix.upper()) if prefix.upper() != prefix else []
    )


def _shown(prefix: str) -> str:
    return repr(prefix if len(prefix) <= 64 else prefix[:61] + "...")


def _one(found: list[Session], prefix: str) -> Session:
    if len(found) > 1:
        listed = ", ".join(s.ulid for s in found)
        raise NotFound(
            f"{_shown(prefix)} matches more than one session ({listed}, ...); give more of it"
        )
    return found[0]


def resolve(store: Store, prefix: str) -> Session:
    """The one session whose ULID is or starts with `prefix` (any case); a
    parent's prefix names the parent over its sub-agents, and `PARENT_AGENT`
    (a prefix of each, as `ls` shows a sub-agent) names a sub-agent."""
    found = _either_case(store, prefix)
    if found:
        return _one(found, prefix)
    if "_" in prefix:
        head, tail = prefix.split("_", 1)
        parents = _either_case(store, head) if head else []
        if len(parents) == 1:
            child = _child(store, parents[0], tail, prefix)
            if child is not None:
                return child
    raise NotFound(f"no session's ULID is or starts with {_shown(prefix)}")


def _child(store: Store, parent: Session, rest: str, prefix: str) -> Session | None:
    found = _candidates(store, f"{parent.ulid}_{rest}")
    if found:
        return _one(found, prefix)
    if "_" in rest:
        head, tail = rest.split("_", 1)
        found = _candidates(store, f"{parent.ulid}_{head}")
        if len(found) == 1:
            return _child(store, found[0], tail, prefix)
    return None


def short_ids(store: Store, sessions: Iterable[Session]) -> dict[int, str]:
    """Each session's shortest name that `resolve` takes back to it, as git
    shortens hashes: its ULID's shortest unique prefix of at least 8
    characters; a sub-agent's, its parent's and `_` and the shortest prefix
    of its own part (at least 4) that names it among its parent's."""
    names: dict[int, str] = {}
    parents: dict[str, Session | None] = {}

    def name(session: Session) -> str:
        known = names.get(session.id)
        if known is not None:
            return known
        if is_subagent(session):
            parent_ulid = session.parent_ulid or ""
            if parent_ulid not in parents:
                parents[parent_ulid] = store.get_session(parent_ulid)
            parent = parents[parent_ulid]
            if parent is not None:
                tail = session.ulid[len(parent_ulid) + 1 :]
                short = tail
                for size in range(min(SHORT_AGENT, len(tail)), len(tail)):
                    found = _candidates(store, f"{parent_ulid}_{tail[:size]}")
                    if [s.id for s in found] == [session.id]:
                        short = tail[:size]
                        break
                names[session.id] = f"{name(parent)}_{short}"
                return names[session.id]
        short = session.ulid
        for size in range(min(SHORT_ID, len(session.ulid)), len(session.ulid)):
            if [s.id for s in _candidates(store, session.ulid[:size])] == [session.id]:
                short = session.ulid[:size]
                break
        names[session.id] = short
        return short

    for session in sessions:
        name(session)
    return names


def under_parents(sessions: list[Session]) -> tuple[list[Session], dict[int, int]]:
    """The sessions in their order, each sub-agent moved under its parent when
    its parent is among them, and how deep each is (0 for the others)."""
    listed = {s.ulid for s in sessions}
    children: dict[str, list[Session]] = {}
    top: list[Session] = []
    for s in sessions:
        if is_subagent(s) and s.parent_ulid in listed:
            children.setdefault(s.parent_ulid or "", []).append(s)
        else:
            top.append(s)
    ordered: list[Session] = []
    depth: dict[int, int] = {}

    def walk(session: Session, level: int) -> None:
        ordered.append(session)
        depth[session.id] = level
        for child in children.get(session.ulid, ()):
            walk(child, level + 1)

    for session in top:
        walk(session, 0)
    return ordered, depth


def nothing_listed(store: Store, project: str | None, source: str | None) -> str:
    """Why a list is empty: no sessions at all, or none in that project or
    from that source (naming the sources there are)."""
    if project is None and source is None:
        return "no sessions yet"
    from sessiond.render import one_line

    where = []
    if project is not None:
        where.append(f"in {one_line(project, 4096)}")
    if source is not None:
        where.append(f"from {one_line(source, 256)!r}")
    message = f"no sessions {' and '.join(where)}"
    if source is not None:
        known = sorted(r.key for r in store.usage("source") if r.key)
        if known and source not in known:
            message += f"; the sources here are {', '.join(one_line(k, 64) for k in known)}"
    return message


def latest(store: Store) -> Session:
    """The session last active that is not a sub-agent's ("the latest" when a
    person gives no ULID)."""
    for limit in (20, MAX_LIMIT):
        sessions = store.list_sessions(limit, order_by="activity")
        for session in sessions:
            if not is_subagent(session):
                return session
        if len(sessions) < limit:
            break
    if sessions:
        return sessions[0]
    raise NotFound("no sessions yet")


# The terminal


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


def say(text: str, stream: IO[str] | None = None) -> None:
    """Print a sentence, wrapped to the terminal's width when on one."""
    stream = stream or sys.stdout
    width = terminal_width(stream)
    if width is not None and len(text) > width:
        import textwrap

        text = textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
    print(text, file=stream)


def more_hint(shown: int, more: int | None, limit_max: int, noun: str = "") -> str:
    """`3 more (-n 23)` for a list cut at `shown`; `more` None: an unknown
    number more."""
    wanted = min(limit_max, shown * 2 if more is None else shown + more)
    what = f" {noun}" if noun else ""
    if more is None:
        return f"more{what} than these {shown} (-n {wanted})"
    return f"{more:,} more{what} (-n {wanted})"
