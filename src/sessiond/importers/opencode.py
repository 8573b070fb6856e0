"""OpenCode: its `opencode.db` (1.2 and later) and its older `storage/` folder.

Both live in OpenCode's data folder, `$XDG_DATA_HOME/opencode` or
`~/.local/share/opencode` on every system (OpenCode uses the xdg-basedir
rule on macOS and Windows too); `$OPENCODE_DB` names another database.

- `opencode.db` (and `opencode-<channel>.db`), SQLite in WAL mode, opened
  read-only without creating a file beside it: tables `session`, `message`
  and `part`, each message's and part's JSON in `data`. Columns are read by
  name, so later schemas with more columns read the same; times are
  milliseconds.
- `storage/` (OpenCode up to 1.1, left in place by the move to SQLite):
  `session/<projectID>/<sessionID>.json`, `message/<sessionID>/<id>.json`,
  `part/<messageID>/<id>.json`. A session also in the `opencode.db` beside
  the folder is read from the database only.

A session is a session here (its id the `sourceId`); a child session (made
by the `task` tool for a sub-agent) is a child whose ulid starts with its
parent's. Its title is OpenCode's unless it is the default "New session -
<time>". A fork (`/fork`) is a session of its own with the turns it copied:
OpenCode records no link to the session it came from, and resuming it
reopens those turns, so they are imported with it.

What becomes what: a user message's typed text is a `prompt`, without the
parts OpenCode adds on the person's behalf (`synthetic` or `ignored`: the
file an `@file` pulled in, plan-mode reminders, the `@agent` nudge). A
command the person ran with `!` is a `command` ("! git diff --stat") with
its output. An assistant message gives a `system` event per text part and
two `command` events per tool part (call, result; `isError` for a failed
call or a shell command that exited non-zero), then an `alert` for an API
error (`warn` when the person interrupted it); a retry is a `warn`. Each
assistant message names its model, and its first event carries the token
usage of all its steps. Left out: reasoning, step and snapshot parts,
compaction summaries, todos, diffs and share links.

A message is read once it is finished; the import state keeps, per
session, the last message read (its time and id), so a message deleted by
a revert stays imported and the turns after it come after it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import attrs

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    SourceUnreadable,
    Turns,
    call_text,
    child_id,
    ms_from_epoch,
    session_id,
)
from sessiond.importers.source import Source, stat_signature
from sessiond.importers.sqlite_source import open_read_only
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "opencode"
#: A message's or part's JSON larger than this is skipped, never held.
MAX_RECORD_BYTES = 16 * 1024 * 1024
#: Messages read between two marks.
MARK_EVERY = 500
#: Messages whose parts are read in one query (under SQLite's least limit
#: of parameters, 999).
PARTS_AT_ONCE = 500
#: How far before the last change seen a database is looked at again: a
#: write that committed late with an earlier time is still found.
SLACK_MS = 60_000

_DEFAULT_TITLE = re.compile(
    r"(New session - |Child session - )\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z"
)
SHELL_MARKER = "The following tool was executed by the user"
_ABORTED = "MessageAbortedError"
_SQLITE_HEADER = b"SQLite format 3\x00"


def data_dir() -> Path:
    """OpenCode's data folder (xdg-basedir's rule, on every system)."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "opencode"


def _json(raw: object) -> dict[str, Json] | None:
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(raw, str):
        return None
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _dict(value: object) -> dict[str, Json]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


@attrs.frozen
class _Session:
    """A session as either store records it."""

    id: str
    created: int
    title: str | None
    parent: str | None
    directory: str | None
    version: str | None


@attrs.frozen
class _Message:
    id: str
    created: int  # for the order: the row's time_created, else the message's time.created
    info: dict[str, Json]


def _session_info(data: dict[str, Json], sid: str) -> _Session | None:
    created = ms_from_epoch(_dict(data.get("time")).get("created"))
    if created is None:
        return None
    return _Session(
        sid,
        created,
        _str(data.get("title")),
        _str(data.get("parentID")),
        _str(data.get("directory")),
        _str(data.get("version")),
    )


def _title(title: str | None) -> str | None:
    if title is None or not title.strip() or _DEFAULT_TITLE.fullmatch(title):
        return None
    return title.strip()[:256]


def _usage(parts: Sequence[dict[str, Json]], info: dict[str, Json]) -> Usage | None:
    """The tokens of every step of an assistant message (its `step-finish`
    parts; else the message's own count, which holds the last step only).
    OpenCode's `input` leaves the cache reads and writes out; reasoning is
    output."""
    steps = [_dict(p.get("tokens")) for p in parts if p.get("type") == "step-finish"]
    counts = steps or [_dict(info.get("tokens"))]
    usage = Usage(
        input_tokens=sum(_int(t.get("input")) for t in counts),
        output_tokens=sum(_int(t.get("output")) + _int(t.get("reasoning")) for t in counts),
        cache_read_tokens=sum(_int(_dict(t.get("cache")).get("read")) for t in counts),
        cache_write_tokens=sum(_int(_dict(t.get("cache")).get("write")) for t in counts),
    )
    return usage if usage != Usage() else None


def _finished(message: _Message, parts: Sequence[dict[str, Json]], later: bool) -> bool:
    """Whether OpenCode is done writing a message: a user message once it has
    its parts, an assistant message once it completed or failed (or another
    message follows it)."""
    if later:
        return True
    if message.info.get("role") == "user":
        return bool(parts)
    time = _dict(message.info.get("time"))
    return time.get("completed") is not None or message.info.get("error") is not None


def _is_shell(parts: Sequence[dict[str, Json]]) -> bool:
    return any(
        p.get("type") == "text" and str(p.get("text", "")).startswith(SHELL_MARKER) for p in parts
    )


def _prompt(parts: Sequence[dict[str, Json]]) -> str:
    """The person's text: text parts OpenCode did not add, and a note for
    each attached file not already named in it."""
    texts = [
        p["text"]
        for p in parts
        if p.get("type") == "text"
        and isinstance(p.get("text"), str)
        and not p.get("synthetic")
        and not p.get("ignored")
    ]
    typed = "\n".join(texts)
    notes = []
    for part in parts:
        if part.get("type") != "file":
            continue
        mention = _dict(_dict(part.get("source")).get("text")).get("value")
        if isinstance(mention, str) and mention and mention in typed:
            continue
        name = _str(part.get("filename"))
        url = _str(part.get("url"))
        if name is None and url is not None and not url.startswith("data:"):
            name = url.rsplit("/", 1)[-1]
        notes.append(f"[file: {name or part.get('mime') or 'attachment'}]")
    return "\n".join([typed, *notes] if typed.strip() else notes)


def _events(
    message: _Message, parts: Sequence[dict[str, Json]], shell: bool
) -> list[ImportedEvent]:
    """The events of one finished message."""
    info = message.info
    time = _dict(info.get("time"))
    when = ms_from_epoch(time.get("created")) or message.created
    if info.get("role") == "user":
        text = _prompt(parts)
        return [ImportedEvent("prompt", text, when)] if text.strip() else []
    if info.get("role") != "assistant" or info.get("summary") is True:
        return []  # a compaction summary is OpenCode's, not a turn
    model = _str(info.get("modelID"))
    usage = _usage(parts, info)
    events: list[ImportedEvent] = []

    def meta(tool: str | None = None) -> dict[str, Json] | None:
        nonlocal usage
        given, usage = usage, None
        return make_meta(model=model, usage=given, tool=tool)

    for part in parts:
        kind = part.get("type")
        span = _dict(part.get("time"))
        if kind == "text" and not part.get("synthetic") and not part.get("ignored"):
            said = part.get("text")
            if isinstance(said, str) and said.strip():
                at = ms_from_epoch(span.get("end")) or ms_from_epoch(span.get("start")) or when
                events.append(ImportedEvent("system", said, at, meta()))
        elif kind == "tool":
            events += _tool(part, when, shell, model if not shell else None, meta)
        elif kind == "retry":
            error = _dict(part.get("error"))
            reason = _str(_dict(error.get("data")).get("message")) or _str(error.get("name"))
            at = ms_from_epoch(span.get("created")) or when
            attempt = part.get("attempt")
            events.append(
                ImportedEvent("warn", f"retry {attempt}: {reason or 'the request failed'}", at)
            )
    error = _dict(info.get("error"))
    if error:
        data = _dict(error.get("data"))
        reason = _str(data.get("message")) or _str(error.get("name")) or "error"
        at = ms_from_epoch(time.get("completed")) or when
        kind = "warn" if error.get("name") == _ABORTED else "alert"
        events.append(ImportedEvent(kind, reason, at))
    return events


def _tool(
    part: dict[str, Json],
    when: int,
    shell: bool,
    model: str | None,
    meta: Callable[[str | None], dict[str, Json] | None],
) -> list[ImportedEvent]:
    """A tool part's call and, once it ended, its result."""
    name = _str(part.get("tool"))
    state = _dict(part.get("state"))
    status = state.get("status")
    args = _dict(state.get("input"))
    span = _dict(state.get("time"))
    start = ms_from_epoch(span.get("start")) or when
    if shell:
        command = args.get("command")
        call = ImportedEvent("command", f"! {command}", start, make_meta(tool=name))
    else:
        call = ImportedEvent("command", call_text(name, args), start, meta(name))
    if status not in ("completed", "error"):
        return [call]
    end = ms_from_epoch(span.get("end")) or start
    if status == "error":
        text, failed = str(state.get("error") or ""), True
    else:
        output = state.get("output")
        text = output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)
        exit_code = _dict(state.get("metadata")).get("exit")
        failed = name == "bash" and isinstance(exit_code, int) and exit_code != 0
    return [call, ImportedEvent("command", text, end, make_meta(tool=name, is_error=failed))]


# What a store's reader is given for one session, and how it keeps its place


class _Reader:
    """One store's sessions and messages, for `_read_sessions`."""

    def messages(self, sid: str, after: list[Json] | None) -> Iterator[_Message | str]:
        """Messages after the (created, id) `after`, oldest first; a string
        is a record that could not be read."""
        raise NotImplementedError

    def parts(self, message: _Message) -> tuple[list[dict[str, Json]], int]:
        """A message's parts in order, and how many could not be read."""
        raise NotImplementedError

    def parts_of(
        self, messages: Sequence[_Message]
    ) -> dict[str, tuple[list[dict[str, Json]], int]]:
        """`parts` of each of `messages`, by message id."""
        return {message.id: self.parts(message) for message in messages}

    def message(self, sid: str, mid: str) -> _Message | None:
        raise NotImplementedError

    def project(self, sid: str) -> str | None:
        raise NotImplementedError


class _Place:
    """Where one store's import stands: per session, the last message read."""

    def __init__(self, state: Mapping[str, Json] | None):
        saved = dict(state or {})
        self.saved = saved
        self.frontier: dict[str, list[Json]] = dict(saved.get("f") or {})
        self.pending: set[str] = set(saved.get("p") or [])

    def save(self, **extra: Json) -> dict[str, Json]:
        return {**self.saved, **extra, "f": self.frontier, "p": sorted(self.pending)}


def _ulid(sid: str, parents: Callable[[str], str | None], depth: int = 0) -> str:
    """A session's ulid: its id, or for a child its parent's ulid and its id."""
    parent = parents(sid)
    if parent is None or depth > 8 or session_id(parent) is None:
        return session_id(sid) or sid[:64]
    return child_id(_ulid(parent, parents, depth + 1), sid)


def _read_sessions(
    reader: _Reader,
    place: _Place,
    sessions: Iterator[_Session],
    parents: Callable[[str], str | None],
    counted: Callable[[str], bool],
    final: Mapping[str, Json],
) -> Iterator[Item]:
    """Every session's finished messages past where the import stands, as
    Turns, with a Mark every MARK_EVERY messages and `final` in the last.

    A session seen for the first time whose turns the store may already
    have from the other store (`counted`: the database's sessions that are
    also in `storage/`) is yielded with `first_seq`, so the store adds only
    the events past the ones it has."""
    read = 0
    for session in sessions:
        ulid = _ulid(session.id, parents)
        parent = parents(session.id)
        imported = ImportedSession(
            ulid,
            f"{NAME} {session.version}"[:256] if session.version else NAME,
            session.created,
            title=_title(session.title),
            parent_ulid=_ulid(parent, parents) if parent is not None else None,
            source=NAME,
            source_id=session.id[:256],
            project=session.directory or reader.project(session.id),
        )
        after = place.frontier.get(session.id)
        first_seq = 1 if after is None and counted(session.id) else None
        events: list[ImportedEvent] = []
        shells: set[str] = set()  # user messages read that mark a command run
        plain: set[str] = set()  # and those that do not
        place.pending.discard(session.id)
        listed = list(reader.messages(session.id, after))
        fetched: dict[str, tuple[list[dict[str, Json]], int]] = {}
        for i, message in enumerate(listed):
            if isinstance(message, str):
                yield Skipped(message)
                continue
            if message.id not in fetched:
                # The parts of this message and of the next ones, together.
                ahead = listed[i : i + PARTS_AT_ONCE]
                fetched = reader.parts_of([m for m in ahead if isinstance(m, _Message)])
            parts, unreadable = fetched.pop(message.id)
            if unreadable:
                yield Skipped(f"parts over {MAX_RECORD_BYTES >> 20} MiB or not JSON", unreadable)
            if not _finished(message, parts, later=i + 1 < len(listed)):
                place.pending.add(session.id)
                break
            if message.info.get("role") == "user":
                (shells if _is_shell(parts) else plain).add(message.id)
            parent_id = _str(message.info.get("parentID"))
            # A parent read in this import is known; one read before is
            # looked up (its row and parts again).
            shell = parent_id is not None and (
                parent_id in shells
                or (parent_id not in plain and _shell_message(reader, session.id, parent_id))
            )
            events += _events(message, parts, shell)
            place.frontier[session.id] = [message.created, message.id]
            read += 1
            if read % MARK_EVERY == 0:
                if events:
                    yield Turns(imported, events, first_seq=first_seq)
                    if first_seq is not None:
                        first_seq += len(events)
                    events = []
                yield Mark(place.save(), read, MARK_EVERY)
        if events:
            yield Turns(imported, events, first_seq=first_seq)
        elif after is not None and imported.title is not None:
            yield Turns(imported, update_only=True)  # a new title for a stored session
    yield Mark(place.save(**final), read, read % MARK_EVERY)


def _shell_message(reader: _Reader, sid: str, mid: str) -> bool:
    """Whether the user message `mid` (read in an earlier import) is the
    marker of a command the person ran."""
    message = reader.message(sid, mid)
    return message is not None and _is_shell(reader.parts(message)[0])


# opencode.db


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f'PRAGMA table_info("{table}")')}


class _Database(_Reader):
    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        self.session_cols = _columns(conn, "session") if "session" in tables else set()
        self.message_cols = _columns(conn, "message") if "message" in tables else set()
        self.part_cols = _columns(conn, "part") if "part" in tables else set()
        needed = (
            {"id", "time_created"} <= self.session_cols
            and {"id", "session_id", "data"} <= self.message_cols
            and {"id", "message_id", "data"} <= self.part_cols
        )
        if not needed:
            raise NotRecognised(
                f"{path} is an SQLite database without OpenCode's session, message and "
                "part tables: not OpenCode's opencode.db"
            )
        self.projects: dict[str, str] = {}
        if "project" in tables and {"id", "worktree"} <= _columns(conn, "project"):
            for pid, worktree in conn.execute("SELECT id, worktree FROM project"):
                if isinstance(worktree, str) and worktree not in ("", "/"):
                    self.projects[str(pid)] = worktree
        self.rows: dict[str, dict[str, Json]] = {}
        self.untimed = 0  # sessions whose time cannot be stored

    def _col(self, name: str) -> str:
        return name if name in self.session_cols else "NULL"

    def all_sessions(self) -> list[dict[str, Json]]:
        names = ["id", "time_created", "title", "parent_id", "directory", "version", "project_id"]
        cols = ", ".join(self._col(n) for n in names)
        rows = self.conn.execute(f"SELECT {cols} FROM session ORDER BY time_created, id")
        found = []
        for row in rows:
            record = dict(zip(names, row, strict=True))
            if isinstance(record["id"], str):
                self.rows[record["id"]] = record
                found.append(record)
        return found

    def parent(self, sid: str) -> str | None:
        row = self.rows.get(sid)
        return _str(row.get("parent_id")) if row else None

    def sessions(self, changed: set[str] | None) -> Iterator[_Session]:
        for row in self.all_sessions():
            sid = row["id"]
            if changed is not None and sid not in changed:
                continue
            created = ms_from_epoch(row["time_created"])
            if created is None:
                self.untimed += 1
                continue
            yield _Session(
                sid,
                created,
                _str(row["title"]),
                _str(row["parent_id"]),
                _str(row["directory"]),
                _str(row["version"]),
            )

    def project(self, sid: str) -> str | None:
        row = self.rows.get(sid)
        return self.projects.get(str(row.get("project_id"))) if row else None

    def changed(self, since: int) -> set[str]:
        """Sessions with a row written after `since` (ms)."""
        found: set[str] = set()
        if "time_updated" in self.session_cols:
            found |= {
                r[0]
                for r in self.conn.execute(
                    "SELECT id FROM session WHERE time_updated > ?", (since,)
                )
            }
        if "time_updated" in self.message_cols:
            found |= {
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT session_id FROM message WHERE time_updated > ?", (since,)
                )
            }
        if "time_updated" in self.part_cols:
            if "session_id" in self.part_cols:
                query = "SELECT DISTINCT session_id FROM part WHERE time_updated > ?"
            else:
                query = (
                    "SELECT DISTINCT m.session_id FROM part p JOIN message m ON m.id = p.message_id"
                    " WHERE p.time_updated > ?"
                )
            found |= {r[0] for r in self.conn.execute(query, (since,))}
        return found

    def latest(self) -> int | None:
        """The newest write time of any row, when every table records one."""
        times = []
        for table, cols in (
            ("session", self.session_cols),
            ("message", self.message_cols),
            ("part", self.part_cols),
        ):
            if "time_updated" not in cols:
                return None
            row = self.conn.execute(f"SELECT max(time_updated) FROM {table}").fetchone()
            times.append(_int(row[0]))
        return max(times)

    def _order(self) -> str:
        return "time_created, id" if "time_created" in self.message_cols else "id"

    def _message(self, mid: str, created: object, data: object, size: object) -> _Message | str:
        if isinstance(size, int) and size > MAX_RECORD_BYTES:
            return f"messages over {MAX_RECORD_BYTES >> 20} MiB"
        info = _json(data)
        if info is None:
            return "messages that are not JSON"
        when = ms_from_epoch(created) or ms_from_epoch(_dict(info.get("time")).get("created"))
        if when is None:
            return "messages without a time"
        return _Message(mid, when, info)

    def messages(self, sid: str, after: list[Json] | None) -> Iterator[_Message | str]:
        created = "time_created" if "time_created" in self.message_cols else "NULL"
        data = f"CASE WHEN length(data) > {MAX_RECORD_BYTES} THEN NULL ELSE data END"
        query = f"SELECT id, {created}, {data}, length(data) FROM message WHERE session_id = ?"
        args: list[Json] = [sid]
        if after is not None and created != "NULL":
            query += " AND (time_created > ? OR (time_created = ? AND id > ?))"
            args += [after[0], after[0], after[1]]
        elif after is not None:
            query += " AND id > ?"
            args.append(after[1])
        for mid, when, raw, size in self.conn.execute(f"{query} ORDER BY {self._order()}", args):
            yield self._message(str(mid), when, raw, size)

    def message(self, sid: str, mid: str) -> _Message | None:
        created = "time_created" if "time_created" in self.message_cols else "NULL"
        row = self.conn.execute(
            f"SELECT id, {created}, data, length(data) FROM message"
            " WHERE id = ? AND session_id = ?",
            (mid, sid),
        ).fetchone()
        if row is None:
            return None
        found = self._message(str(row[0]), row[1], row[2], row[3])
        return found if isinstance(found, _Message) else None

    def parts_of(
        self, messages: Sequence[_Message]
    ) -> dict[str, tuple[list[dict[str, Json]], int]]:
        """In one query (not one a message: 50,000 of them for 100,000
        events), each message's parts in the order `parts` gives."""
        order = "time_created, id" if "time_created" in self.part_cols else "id"
        data = f"CASE WHEN length(data) > {MAX_RECORD_BYTES} THEN NULL ELSE data END"
        found: dict[str, tuple[list[dict[str, Json]], int]] = {}
        bad: dict[str, int] = {}
        for message in messages:
            found[message.id], bad[message.id] = ([], 0), 0
        ids = list(found)
        if not ids:
            return found
        marks = ", ".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT message_id, id, {data} FROM part WHERE message_id IN ({marks})"
            f" ORDER BY {order}",
            ids,
        )
        for mid, pid, raw in rows:
            part, key = _json(raw), str(mid)
            if part is None:
                bad[key] += 1
            else:
                found[key][0].append({**part, "id": pid})
        return {mid: (parts, bad[mid]) for mid, (parts, _) in found.items()}

    def parts(self, message: _Message) -> tuple[list[dict[str, Json]], int]:
        order = "time_created, id" if "time_created" in self.part_cols else "id"
        data = f"CASE WHEN length(data) > {MAX_RECORD_BYTES} THEN NULL ELSE data END"
        parts, bad = [], 0
        for pid, raw in self.conn.execute(
            f"SELECT id, {data} FROM part WHERE message_id = ? ORDER BY {order}", (message.id,)
        ):
            part = _json(raw)
            if part is None:
                bad += 1
            else:
                parts.append({**part, "id": pid})
        return parts, bad


def _db_key(path: Path) -> str:
    """What a database is: its name and its oldest session (a copy of it, or
    it moved, is the same history)."""
    try:
        conn = open_read_only(path)
        try:
            row = conn.execute(
                "SELECT id FROM session ORDER BY time_created, id LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
    except Exception:  # a file that is not OpenCode's is reported when read
        row = None
    first = row[0] if row is not None and isinstance(row[0], str) else "-"
    return f"db {path.name} {first}"


def _read_database(path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
    try:
        with open(path, "rb") as f:
            header = f.read(16)
    except OSError as exc:
        raise SourceUnreadable(f"{path} cannot be opened ({exc.strerror or exc})") from None
    if header != _SQLITE_HEADER:
        raise NotRecognised(f"{path} is not an SQLite database: not OpenCode's opencode.db")
    conn = open_read_only(path)
    try:
        db = _Database(conn, path)
        place = _Place(state)
        watermark = _int(place.saved.get("w"))
        latest = db.latest()
        changed = None
        if watermark and latest is not None:
            changed = db.changed(watermark - SLACK_MS) | place.pending
        sessions = list(db.sessions(changed))
        if db.untimed:
            yield Skipped("sessions without a time sessiond can store", db.untimed)
        run.database_ids.setdefault(str(path.resolve()), set()).update(db.rows)
        extra = {"w": latest} if latest is not None else {}
        migrated = run.storage_ids(path.parent / "storage")
        # The watermark moves with the last Mark only, once every changed
        # session was read.
        yield from _read_sessions(
            db, place, iter(sessions), db.parent, migrated.__contains__, extra
        )
    except sqlite3.Error as exc:
        raise SourceUnreadable(f"{path} could not be read as OpenCode's database ({exc})") from None
    finally:
        conn.close()


# storage/


def _load(path: Path) -> dict[str, Json] | str:
    try:
        size = path.stat().st_size
        if size > MAX_RECORD_BYTES:
            return f"files over {MAX_RECORD_BYTES >> 20} MiB"
        data = path.read_bytes()
    except OSError:
        return "files that could not be opened"
    value = _json(data)
    return value if value is not None else "files that are not a JSON object"


class _Storage(_Reader):
    """One session of a `storage/` folder."""

    def __init__(self, root: Path, run: _Run):
        self.root = root
        self.run = run

    def session_file(self, sid: str) -> Path | None:
        for found in sorted((self.root / "session").glob(f"*/{sid}.json")):
            return found
        return None

    def parent(self, sid: str) -> str | None:
        cache = self.run.storage_parents
        key = f"{self.root}\0{sid}"
        if key not in cache:
            where = self.session_file(sid)
            data = _load(where) if where is not None else None
            cache[key] = _str(data.get("parentID")) if isinstance(data, dict) else None
        return cache[key]

    def project(self, sid: str) -> str | None:
        where = self.session_file(sid)
        if where is None:
            return None
        data = _load(self.root / "project" / f"{where.parent.name}.json")
        worktree = data.get("worktree") if isinstance(data, dict) else None
        return worktree if isinstance(worktree, str) and worktree not in ("", "/") else None

    def _message(self, path: Path) -> _Message | str:
        data = _load(path)
        if isinstance(data, str):
            return data.replace("files", "messages", 1)
        when = ms_from_epoch(_dict(data.get("time")).get("created"))
        if when is None:
            return "messages without a time"
        return _Message(path.stem, when, data)

    def messages(self, sid: str, after: list[Json] | None) -> Iterator[_Message | str]:
        found: list[_Message] = []
        for path in sorted((self.root / "message" / sid).glob("msg_*.json")):
            message = self._message(path)
            if isinstance(message, str):
                yield message
            elif after is None or [message.created, message.id] > after:
                found.append(message)
        yield from sorted(found, key=lambda m: (m.created, m.id))

    def message(self, sid: str, mid: str) -> _Message | None:
        found = self._message(self.root / "message" / sid / f"{mid}.json")
        return found if isinstance(found, _Message) else None

    def parts(self, message: _Message) -> tuple[list[dict[str, Json]], int]:
        parts, bad = [], 0
        for path in sorted((self.root / "part" / message.id).glob("prt_*.json")):
            part = _load(path)
            if isinstance(part, str):
                bad += 1
            else:
                parts.append({**part, "id": path.stem})
        return parts, bad


def _storage_root(path: Path) -> Path | None:
    """The `storage/` folder of a session file `storage/session/<project>/<id>.json`."""
    root = path.parent.parent.parent
    return root if path.parent.parent.name == "session" else None


def _never(sid: str) -> bool:
    """A storage/ session is never one the store may have from elsewhere:
    one the database holds is not read here."""
    return False


def _read_storage(path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
    data = _load(path)
    root = _storage_root(path)
    sid = path.stem
    if isinstance(data, str) or root is None or not sid.startswith("ses_"):
        raise NotRecognised(
            f"{path} is not an OpenCode session file (storage/session/<project>/ses_….json)"
        )
    if not isinstance(data.get("time"), dict):
        raise NotRecognised(f"{path} has no session times: not an OpenCode session file")
    info = _session_info(data, sid)
    place = _Place(state)
    if info is None:
        yield Skipped("sessions without a time sessiond can store")
        yield Mark(place.save(), 0, 0)
        return
    if sid in run.ids_in_database(root.parent):
        yield Mark(place.save(), 0, 0)  # opencode.db has it: read from there
        return
    storage = _Storage(root, run)
    yield from _read_sessions(storage, place, iter([info]), storage.parent, _never, {})


def _storage_stamp(path: Path) -> list[int]:
    """The session file's, its messages' and their parts' count, total size
    and newest change."""
    count, total, newest = 0, 0, 0
    root = _storage_root(path)
    files = [path]
    if root is not None:
        messages = sorted((root / "message" / path.stem).glob("*.json"))
        files += messages
        for message in messages:
            files += (root / "part" / message.stem).glob("*.json")
    for file in files:
        try:
            st = file.stat()
        except OSError:
            continue
        count, total, newest = count + 1, total + st.st_size, max(newest, st.st_mtime_ns)
    return [count, total, newest]


@attrs.define
class _Run:
    """What one import run learns across files."""

    #: resolved database path -> the session ids it holds
    database_ids: dict[str, set[str]] = attrs.field(factory=dict)
    #: storage root and session id -> its parent session id
    storage_parents: dict[str, str | None] = attrs.field(factory=dict)
    #: resolved storage folder -> the session ids it holds
    storage: dict[str, set[str]] = attrs.field(factory=dict)

    def storage_ids(self, storage: Path) -> set[str]:
        """The sessions a `storage/` folder holds (by their file names)."""
        key = str(storage.resolve())
        if key not in self.storage:
            self.storage[key] = {p.stem for p in (storage / "session").glob("*/ses_*.json")}
        return self.storage[key]

    def ids_in_database(self, folder: Path) -> set[str]:
        """The sessions of the `opencode.db` in `folder` (none if there is none)."""
        path = folder / "opencode.db"
        key = str(path.resolve())
        if key not in self.database_ids:
            ids: set[str] = set()
            if path.is_file():
                try:
                    conn = open_read_only(path)
                    try:
                        ids = {r[0] for r in conn.execute("SELECT id FROM session")}
                    finally:
                        conn.close()
                except (SourceUnreadable, sqlite3.Error):
                    ids = set()
            self.database_ids[key] = ids
        return self.database_ids[key]


class OpenCode(Source[_Run]):
    name = NAME
    label = "OpenCode"
    url = "https://opencode.ai"
    description = (
        "OpenCode's opencode.db and its older storage/ folder, sub-agents as child sessions"
    )
    unit = "rows"
    resume = ("opencode", "--session", "{id}")
    install = "npm install -g opencode-ai"

    def default_paths(self) -> list[Path]:
        """OpenCode's data folder; on Windows also `%APPDATA%\\opencode`; and
        `$OPENCODE_DB` (absolute, or a name in the data folder)."""
        paths = [data_dir()]
        if sys.platform == "win32" and os.environ.get("APPDATA"):
            paths.append(Path(os.environ["APPDATA"]) / "opencode")
        named = os.environ.get("OPENCODE_DB")
        if named and named != ":memory:":
            where = Path(named).expanduser()
            paths.append(where if where.is_absolute() else data_dir() / where)
        return list(dict.fromkeys(paths))

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        """Databases first (`opencode*.db`), then `storage/` sessions, oldest
        first (session ids sort newest first)."""
        databases: list[Path] = []
        sessions: list[Path] = []
        for path in paths:
            if path.is_file():
                (sessions if path.suffix == ".json" else databases).append(path)
            elif path.is_dir():
                if path.name == "storage" and (path / "session").is_dir():
                    storage = path
                else:
                    databases += sorted(p for p in path.glob("opencode*.db") if p.is_file())
                    storage = path / "storage"
                found = (storage / "session").glob("*/ses_*.json")
                sessions += sorted(found, key=lambda p: p.name, reverse=True)
        return list(dict.fromkeys(databases + sessions))

    def key(self, path: Path) -> str:
        if path.suffix == ".json":
            return f"storage {path.stem}"
        return _db_key(path)

    def stamp(self, path: Path) -> list[int]:
        if path.suffix == ".json":
            return _storage_stamp(path)
        parts = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{path}{suffix}")
            except FileNotFoundError:
                parts += [0, 0]
            else:
                parts += [st.st_size, st.st_mtime_ns]
        return parts

    def signature(self, path: Path) -> str | None:
        """None for a `storage/` session: its stamp is its messages' and
        parts' files' too."""
        if path.suffix == ".json":
            return None
        return stat_signature(path, f"{path}-wal")

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        if path.suffix == ".json":
            return 1
        conn = open_read_only(path)
        try:
            since = _int((state or {}).get("w")) - SLACK_MS
            row = conn.execute("SELECT count(*) FROM message WHERE time_updated > ?", (since,))
            return int(row.fetchone()[0])
        except sqlite3.Error:
            return 0
        finally:
            conn.close()

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        if path.suffix == ".json":
            yield from _read_storage(path, state, run)
        else:
            yield from _read_database(path, state, run)

    def watched(self, path: Path) -> Path | None:
        name = path.name
        for suffix in ("-wal", "-shm", "-journal"):
            if name.endswith(suffix):
                return self.watched(path.with_name(name[: -len(suffix)]))
        if path.suffix == ".db":
            return path
        if path.suffix != ".json":
            return None
        kind = path.parent.parent.name
        storage = path.parent.parent.parent
        if kind == "session" and path.name.startswith("ses_"):
            return path
        sid: str | None = None
        if kind == "message":
            sid = path.parent.name
        elif kind == "part":
            part = _load(path)
            sid = _str(part.get("sessionID")) if isinstance(part, dict) else None
        if sid is None or storage.name != "storage":
            return None
        return _Storage(storage, _Run()).session_file(sid)


SOURCE = OpenCode()
