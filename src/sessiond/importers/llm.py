"""llm (simonw/llm): its `logs.db`, opened read-only.

Where: `$LLM_USER_PATH/logs.db`, else `logs.db` in llm's app folder
(`click.get_app_dir("io.datasette.llm")`: `~/.config/io.datasette.llm` on
Linux, `~/Library/Application Support/io.datasette.llm` on macOS,
`%APPDATA%\\io.datasette.llm` on Windows).

Two generations of tables, both read (llm/migrations.py):

- from 0.5 up to 0.31: `conversations(id, name, model)` and `responses(id,
  model, resolved_model, prompt, system, response, conversation_id,
  datetime_utc, duration_ms, input_tokens, output_tokens, token_details,
  ...)`, with `tool_calls` (the calls a response made) and `tool_results`
  (results sent with the *next* prompt, stored on that next response; an
  `exception` when the tool failed);
- from 0.32 on: `threads(id, name, forked_from)` and `turns(id, thread_id,
  parent_message_hash, tip_message_hash, model, resolved_model,
  datetime_utc, duration_ms, input_tokens, output_tokens, token_details)`
  over a content-addressed `messages`/`parts` store. A thread's id is its
  conversation's, and a response whose id is also a turn's is that turn
  (llm's own `LEGACY_LOG_ROWS_SQL` rule), so each turn is taken once.

Before 0.5 llm logged to a `log` (later `logs`) table that it migrates to
`responses` the next time it runs: such a file is not recognised, with a
sentence saying so.

A conversation (thread) is a session: its id is the ulid and the `sourceId`
(`llm chat --cid` takes it), its `name` the title, `cli_version` is `llm`
(logs.db records no version), a fork's parent is `forked_from`; llm records
no folder or branch. Per response or turn: tool results, then the prompt
(`prompt`), the reply (`system`) and its tool calls (`command`, `meta.tool`);
the reply's time is the response's start plus `duration_ms`. The reply (else
the first call) carries the model (`resolved_model`, else `model`) and the
usage: `input_tokens`/`output_tokens` as the model's plugin counted them,
with `token_details` split where it says how (OpenAI's and Gemini's input
count includes cached tokens; Anthropic's cache reads and writes are apart;
Gemini's thinking tokens are output). `datetime_utc` is UTC, with or without
a zone. Left out: system prompts (instructions, not turns), reasoning,
attachments, fragments' provenance.

Bounded: only the columns used are read, a row at a time, no value over
`MAX_VALUE_BYTES` (SQLite's length limit: a generated column or a value
built from fragments that would be larger skips its row, counted), and the
message chains are walked with a visited set (a cycle ends the walk).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from sessiond.importers.base import (
    MAX_LINE_BYTES,
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    SourceUnreadable,
    Turns,
    block_text,
    call_text,
    in_range,
    parse_time,
    session_id,
    split_openai_usage,
)
from sessiond.importers.source import DatabaseSource, NoRun
from sessiond.importers.sqlite_source import open_read_only
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "llm"
CHUNK = 200  # rows per query
#: No value longer is read (SQLite's SQLITE_LIMIT_LENGTH on the connection).
MAX_VALUE_BYTES = MAX_LINE_BYTES
_MAX_CHAIN = 1_000_000  # messages walked in one chain at most
#: The most text one response or turn may hold, all its parts together.
MAX_RECORD_BYTES = 2 * MAX_VALUE_BYTES


class _BadRecord(Exception):
    """One row that cannot be read (the reason is the message)."""


class _Budget:
    """The text one response or turn has taken so far, held to MAX_RECORD_BYTES."""

    def __init__(self) -> None:
        self.left = MAX_RECORD_BYTES

    def spend(self, *values: object) -> None:
        for value in values:
            if isinstance(value, str | bytes):
                self.left -= len(value)
        if self.left < 0:
            raise _BadRecord(f"records holding over {MAX_RECORD_BYTES >> 20} MiB of text")


def app_dir() -> Path:
    """llm's user folder, as llm's `user_dir()` finds it."""
    env = os.environ.get("LLM_USER_PATH")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("APPDATA") or os.path.expanduser("~")
        return Path(base) / "io.datasette.llm"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "io.datasette.llm"
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(xdg) / "io.datasette.llm"


def _open(path: Path) -> sqlite3.Connection:
    conn = open_read_only(path)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    return conn


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_xinfo([{table}])")}


def recognise(path: Path, conn: sqlite3.Connection, tables: set[str]) -> None:
    """NotRecognised unless the file holds llm's tables of 0.5 or later."""
    if {"responses", "conversations"} <= tables or {"turns", "threads"} <= tables:
        return
    if "log" in tables or "logs" in tables:
        raise NotRecognised(
            f"{path} is an llm logs.db from before llm 0.5 (its log table): sessiond reads "
            "the responses table llm 0.5 made; running any llm command once moves the log there"
        )
    if {"sessions", "events"} <= tables:
        raise NotRecognised(f"{path} is not llm's logs.db: it looks like a sessiond database")
    raise NotRecognised(f"{path} is not llm's logs.db: it has none of llm's tables")


def _size(path: Path, state: Mapping[str, Json]) -> int:
    conn = _open(path)
    try:
        tables = _tables(conn)
        total = 0
        if "responses" in tables:
            total += conn.execute(
                "SELECT count(*) FROM responses WHERE rowid > ?", (state.get("r", 0),)
            ).fetchone()[0]
        if "turns" in tables:
            total += conn.execute(
                "SELECT count(*) FROM turns WHERE rowid > ?", (state.get("t", 0),)
            ).fetchone()[0]
        return int(total)
    finally:
        conn.close()


def _time(value: object) -> int | None:
    return parse_time(value, naive="utc")


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _name(value: object) -> str | None:
    return value.strip()[:256] if isinstance(value, str) and value.strip() else None


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _details(value: object) -> dict[str, Any]:
    if not isinstance(value, str) or not value:
        return {}
    try:
        found = json.loads(value)
    except (ValueError, RecursionError):
        return {}
    return found if isinstance(found, dict) else {}


def _dig(details: dict[str, Any], *keys: str) -> object:
    value: object = details
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def usage(input_tokens: object, output_tokens: object, token_details: object) -> Usage | None:
    """The usage of one response as llm's plugin recorded it: `input_tokens`
    and `output_tokens`, with `token_details` (each plugin's own extra counts)
    telling the cached part apart where it says it."""
    given, out = _count(input_tokens), _count(output_tokens)
    details = _details(token_details)
    included = _count(
        _dig(details, "prompt_tokens_details", "cached_tokens")  # OpenAI chat
        or _dig(details, "input_tokens_details", "cached_tokens")  # OpenAI responses
        or details.get("cachedContentTokenCount")  # Gemini
    )
    split = split_openai_usage(given, out, included, 0, _count(details.get("thoughtsTokenCount")))
    if split is None:
        return None
    fresh, out, read, write = split
    # Anthropic's cache reads and writes are counted apart from its input.
    read += _count(details.get("cache_read_input_tokens"))
    write += _count(details.get("cache_creation_input_tokens"))
    if not (fresh or out or read or write):
        return None
    return Usage(fresh, out, read, write)


def _rows(
    conn: sqlite3.Connection,
    table: str,
    columns: str,
    after: int,
    where: str = "",
) -> Iterator[tuple[Any, ...] | int]:
    """The rows of `table` after rowid `after`, `columns` each, one at a
    time (a row is never fetched with many others); a row whose value is over
    SQLite's length limit comes as its rowid alone (to be skipped)."""
    while True:
        ids = [
            r[0]
            for r in conn.execute(
                f"SELECT rowid FROM [{table}] t WHERE rowid > ?{where} ORDER BY rowid LIMIT ?",
                (after, CHUNK),
            )
        ]
        if not ids:
            return
        try:
            cursor = conn.execute(
                f"SELECT rowid, {columns} FROM [{table}] t WHERE rowid > ? AND rowid <= ?{where}"
                " ORDER BY rowid",
                (after, ids[-1]),
            )
            got = 0
            for row in cursor:
                got += 1
                yield row
        except (sqlite3.DataError, sqlite3.OperationalError) as exc:
            if "too big" not in str(exc):
                raise
            # One row at a time from the one that failed, its own failure skipped.
            for rowid in ids[got:]:
                try:
                    row = conn.execute(
                        f"SELECT rowid, {columns} FROM [{table}] t WHERE rowid = ?", (rowid,)
                    ).fetchone()
                except (sqlite3.DataError, sqlite3.OperationalError) as again:
                    if "too big" not in str(again):
                        raise
                    yield rowid
                else:
                    if row is not None:
                        yield row
        after = ids[-1]


@contextlib.contextmanager
def _bounded(what: str) -> Iterator[None]:
    """A value over SQLite's length limit read inside: its row is skipped."""
    try:
        yield
    except (sqlite3.DataError, sqlite3.OperationalError) as exc:
        if "too big" not in str(exc):
            raise
        raise _BadRecord(f"{what} hold a value over {MAX_VALUE_BYTES >> 20} MiB") from None


class _Tools:
    """The tool calls and results of legacy responses, a response at a time.

    llm's `tool_calls` and `tool_results` have no index on `response_id`
    (llm/migrations.py m017 makes none): looking up each response's rows
    there would scan the whole table per response, an import quadratic in
    the responses. So, unless the file has such an index, the pairs
    (response_id, id) of the responses still to read are copied once into an
    indexed temporary table (SQLite's temp store, on this connection only;
    nothing is written to llm's file) and each response's rows are found
    through it, by id."""

    def __init__(self, conn: sqlite3.Connection, tables: set[str], after: int = 0):
        self.conn = conn
        self.budget = _Budget()
        self.on = {"tool_calls", "tool_results"} <= tables
        self.exception = self.on and "exception" in _columns(conn, "tool_results")
        failed = "t.exception" if self.exception else "NULL"
        self.calls_sql = self._lookup("tool_calls", "t.name, t.arguments", after)
        self.results_sql = self._lookup("tool_results", f"t.output, t.name, {failed}", after)

    def _lookup(self, table: str, columns: str, after: int) -> str:
        """The query of one response's rows of `table` (`columns`, by id)."""
        if not self.on or _indexed(self.conn, table, "response_id"):
            return f"SELECT {columns} FROM [{table}] t WHERE t.response_id = ? ORDER BY t.id"
        temp = f"sessiond_{table}"
        try:
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{temp}")
            self.conn.execute(
                f"CREATE TEMP TABLE {temp} AS SELECT response_id, id FROM [{table}]"
                " WHERE response_id IN (SELECT id FROM responses WHERE rowid > ?)",
                (after,),
            )
            self.conn.execute(f"CREATE INDEX temp.{temp}_response ON {temp} (response_id, id)")
        except (sqlite3.DataError, sqlite3.OperationalError) as exc:
            if "too big" not in str(exc):
                raise
            # An id over the length limit: each response's rows looked up as
            # they are (that response alone is then skipped, as it fails).
            return f"SELECT {columns} FROM [{table}] t WHERE t.response_id = ? ORDER BY t.id"
        return (
            f"SELECT {columns} FROM temp.{temp} k JOIN [{table}] t ON t.id = k.id"
            " WHERE k.response_id = ? ORDER BY k.id"
        )

    def calls(self, response: str) -> list[tuple[str, str | None]]:
        if not self.on:
            return []
        found = []
        with _bounded("responses whose tool calls"):
            for name, args in self.conn.execute(self.calls_sql, (response,)):
                self.budget.spend(name, args)
                found.append((call_text(name, args), _name(name)))
        return found

    def results(self, response: str) -> list[tuple[str, str | None, bool | None]]:
        if not self.on:
            return []
        found = []
        with _bounded("responses whose tool results"):
            for output, name, error in self.conn.execute(self.results_sql, (response,)):
                self.budget.spend(output, name)
                found.append((_text(output), _name(name), True if error else None))
        return found


def _indexed(conn: sqlite3.Connection, table: str, column: str) -> bool:
    """Whether an index of `table` starts with `column`."""
    for index in conn.execute(f"PRAGMA index_list([{table}])").fetchall():
        first = conn.execute(f"PRAGMA index_info([{index[1]}])").fetchone()
        if first is not None and first[2] == column:
            return True
    return False


class _Chains:
    """Messages and parts of llm 0.32's content-addressed store."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.budget = _Budget()
        self.fragments: dict[int, str] = {}

    def message(self, digest: str) -> tuple[str | None, str] | None:
        row = self.conn.execute(
            "SELECT parent_hash, role FROM messages WHERE hash = ?", (digest,)
        ).fetchone()
        if row is None:
            return None
        parent = row[0] if isinstance(row[0], str) else None
        return parent, _text(row[1])

    def fragment(self, ident: object) -> str:
        if isinstance(ident, bool) or not isinstance(ident, int):
            raise _BadRecord("turns whose fragment reference is not a fragment id")
        if ident not in self.fragments:
            row = self.conn.execute("SELECT content FROM fragments WHERE id = ?", (ident,))
            found = row.fetchone()
            if len(self.fragments) > 256:
                self.fragments.clear()
            self.fragments[ident] = _text(found[0]) if found else ""
        return self.fragments[ident]

    def joined(self, pieces: list[Any]) -> str:
        """A text made of literals and fragments, never over MAX_VALUE_BYTES."""
        out: list[str] = []
        size = 0
        for piece in pieces:
            if not isinstance(piece, dict):
                raise _BadRecord("turns whose text reference is not an object")
            if "literal" in piece:
                text = piece["literal"]
                if not isinstance(text, str):
                    raise _BadRecord("turns whose text literal is not text")
            else:
                text = self.fragment(piece.get("fragment"))
            size += len(text)
            if size > MAX_VALUE_BYTES:
                raise _BadRecord(f"turns whose text is over {MAX_VALUE_BYTES >> 20} MiB")
            self.budget.spend(text)
            out.append(text)
        return "".join(out)

    def parts(self, digest: str) -> list[tuple[str, str, str | None, bool | None, bool]]:
        """(kind, text, tool, failed, written by the model) of one message's
        parts, in order."""
        events: list[tuple[str, str, str | None, bool | None, bool]] = []
        rows = []
        with _bounded("turns whose parts"):
            for row in self.conn.execute(
                "SELECT p.type, m.role, p.text, p.payload, p.tool_name FROM parts p"
                " JOIN messages m ON m.hash = p.message_hash"
                " WHERE p.message_hash = ? ORDER BY p.position",
                (digest,),
            ):
                self.budget.spend(*row)
                rows.append(row)
        for kind, role, text, payload, tool_name in rows:
            try:
                data = json.loads(payload) if isinstance(payload, str) and payload else {}
            except (ValueError, RecursionError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            tool = _name(data.get("name")) or _name(tool_name)
            if kind == "text":
                if text is None and "text_ref" in data:
                    if not isinstance(data["text_ref"], list):
                        raise _BadRecord("turns whose text reference is not a list")
                    text = self.joined(data["text_ref"])
                if role == "user":
                    events.append(("prompt", _text(text), None, None, False))
                elif role == "assistant":
                    events.append(("system", _text(text), None, None, True))
            elif kind == "tool_call":
                text = call_text(data.get("name") or tool_name, data.get("arguments"))
                events.append(("command", text, tool, None, True))
            elif kind == "tool_result":
                failed = bool(data.get("exception")) or data.get("is_error") is True
                output = block_text(data.get("output"))
                events.append(("command", output, tool, True if failed else None, False))
        return events

    def turn(self, parent: str | None, tip: str | None) -> tuple[list[str], list[str]]:
        """The messages a turn added: its new input (after the last reply in
        the chain it was sent) and its output (from `parent` to `tip`). A
        chain that comes back to a message already walked ends there."""
        outputs: list[str] = []
        seen: set[str] = set()
        digest = tip
        while digest is not None and digest != parent and digest not in seen:
            seen.add(digest)
            found = self.message(digest)
            if found is None or len(seen) > _MAX_CHAIN:
                break
            outputs.append(digest)
            digest = found[0]
        inputs: list[str] = []
        seen = set()
        digest = parent
        while digest is not None and digest not in seen:
            seen.add(digest)
            found = self.message(digest)
            if found is None or found[1] == "assistant" or len(seen) > _MAX_CHAIN:
                break
            if found[1] != "system":
                inputs.append(digest)
            digest = found[0]
        return inputs[::-1], outputs[::-1]


def _model(model: object, resolved: object) -> str | None:
    return _name(resolved) or _name(model)


def _with_meta(
    events: list[tuple[ImportedEvent, bool]], model: str | None, spent: Usage | None
) -> list[ImportedEvent]:
    """The events of one response, each with whether the model wrote it (a
    reply, a tool call): those carry the model, and the reply (else the
    first call) the response's usage."""
    carrier = next((i for i, (e, _) in enumerate(events) if e.kind == "system"), None)
    if carrier is None:
        carrier = next((i for i, (_, by_model) in enumerate(events) if by_model), None)
    out = []
    for i, (event, by_model) in enumerate(events):
        extra = make_meta(model if by_model else None, spent if i == carrier else None)
        if extra:
            event = ImportedEvent(
                event.kind, event.text, event.created_at, {**(event.meta or {}), **extra}
            )
        out.append(event)
    return out


def _legacy(conn: sqlite3.Connection, tables: set[str], state: dict[str, Json]) -> Iterator[Item]:
    """A session's turns per response after rowid `state["r"]`."""
    where = " AND t.id NOT IN (SELECT id FROM turns)" if "turns" in tables else ""
    have = _columns(conn, "responses")
    optional = [
        c if c in have else "NULL"
        for c in ("resolved_model", "input_tokens", "output_tokens", "token_details")
    ]
    columns = (
        "t.id, t.prompt, t.response, t.conversation_id, t.datetime_utc, t.duration_ms,"
        " (SELECT name FROM conversations c WHERE c.id = t.conversation_id), t.model, "
        + ", ".join(optional)
    )
    after = int(state.get("r", 0))
    tools = _Tools(conn, tables, after)
    for row in _rows(conn, "responses", columns, after, where):
        if isinstance(row, int):
            yield Skipped(f"responses with a value over {MAX_VALUE_BYTES >> 20} MiB")
            state["r"] = row
            yield Mark(dict(state), 1, 0)
            continue
        rowid, rid, prompt, response, conversation, when, duration, name = row[:8]
        model, resolved, given, out, details = row[8:]
        state["r"] = rowid
        ulid = session_id(conversation) or session_id(rid)
        start = _time(when)
        if ulid is None:
            yield Skipped("responses without a conversation id")
        elif start is None:
            yield Skipped("responses whose time cannot be read")
        elif not isinstance(rid, str):
            yield Skipped("responses whose id is not text")
        else:
            reply = in_range(start + _count(duration)) or start
            tools.budget = _Budget()
            tools.budget.spend(prompt, response)
            try:
                results, calls = tools.results(rid), tools.calls(rid)
            except _BadRecord as exc:
                yield Skipped(str(exc))
                yield Mark(dict(state), 1, 0)
                continue
            events = [
                (ImportedEvent("command", text, start, make_meta(tool=tool, is_error=bad)), False)
                for text, tool, bad in results
                if text
            ]
            if _text(prompt).strip():
                events.append((ImportedEvent("prompt", prompt, start), False))
            if _text(response).strip():
                events.append((ImportedEvent("system", response, reply), True))
            events += [
                (ImportedEvent("command", text, reply, make_meta(tool=tool)), True)
                for text, tool in calls
            ]
            session = ImportedSession(
                ulid,
                NAME,
                start,
                title=_name(name),
                source=NAME,
                source_id=session_id(conversation),
            )
            spent = usage(given, out, details)
            yield Turns(session, _with_meta(events, _model(model, resolved), spent))
        yield Mark(dict(state), 1, 1)


def _threads(conn: sqlite3.Connection, state: dict[str, Json]) -> Iterator[Item]:
    """A session's turns per 0.32 turn after rowid `state["t"]`."""
    chains = _Chains(conn)
    have = _columns(conn, "turns")
    optional = [
        c if c in have else "NULL"
        for c in ("model", "resolved_model", "input_tokens", "output_tokens", "token_details")
    ]
    columns = (
        "t.thread_id, t.parent_message_hash, t.tip_message_hash, t.datetime_utc, t.duration_ms,"
        " (SELECT name FROM threads h WHERE h.id = t.thread_id),"
        " (SELECT forked_from FROM threads h WHERE h.id = t.thread_id), " + ", ".join(optional)
    )
    for row in _rows(conn, "turns", columns, int(state.get("t", 0))):
        if isinstance(row, int):
            yield Skipped(f"turns with a value over {MAX_VALUE_BYTES >> 20} MiB")
            state["t"] = row
            yield Mark(dict(state), 1, 0)
            continue
        rowid, thread, parent, tip, when, duration, name, forked = row[:8]
        model, resolved, given, out, details = row[8:]
        state["t"] = rowid
        ulid, start = session_id(thread), _time(when)
        if ulid is None:
            yield Skipped("turns without a thread id")
        elif start is None:
            yield Skipped("turns whose time cannot be read")
        else:
            reply = in_range(start + _count(duration)) or start
            chains.budget = _Budget()
            try:
                inputs, outputs = chains.turn(_hash(parent), _hash(tip))
                events = [
                    (ImportedEvent(kind, text, at, make_meta(tool=tool, is_error=bad)), by_model)
                    for at, digests in ((start, inputs), (reply, outputs))
                    for digest in digests
                    for kind, text, tool, bad, by_model in chains.parts(digest)
                    if text.strip()
                ]
            except _BadRecord as exc:
                yield Skipped(str(exc))
            else:
                session = ImportedSession(
                    ulid,
                    NAME,
                    start,
                    title=_name(name),
                    parent_ulid=session_id(forked),
                    source=NAME,
                    source_id=ulid,
                )
                spent = usage(given, out, details)
                yield Turns(session, _with_meta(events, _model(model, resolved), spent))
        yield Mark(dict(state), 1, 1)


def _hash(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read(path: Path, state: Mapping[str, Json] | None) -> Iterator[Item]:
    state = dict(state or {})
    conn = _open(path)
    try:
        tables = _tables(conn)
        recognise(path, conn, tables)
        done = 0
        parts: list[Callable[[], Iterator[Item]]] = []
        if {"responses", "conversations"} <= tables:
            parts.append(lambda: _legacy(conn, tables, state))
        if {"turns", "threads", "messages", "parts"} <= tables:
            parts.append(lambda: _threads(conn, state))
        for part in parts:
            for item in part():
                if isinstance(item, Mark):
                    done += item.done
                    item = Mark(item.state, done, item.records)
                yield item
        yield Mark(dict(state), done, 0)
    finally:
        conn.close()


def identity(path: Path) -> str | None:
    """What this logs.db is, wherever it is: the time llm made it (its first
    migration's), else its first response's or turn's id."""
    conn = _open(path)
    try:
        tables = _tables(conn)
        for table, column in (
            ("_llm_migrations", "name || ' ' || applied_at"),
            ("responses", "id"),
        ):
            if table in tables:
                row = conn.execute(
                    f"SELECT {column} FROM [{table}] ORDER BY rowid LIMIT 1"
                ).fetchone()
                if row is not None and isinstance(row[0], str) and row[0]:
                    return hashlib.sha256(f"{table} {row[0]}".encode()).hexdigest()[:32]
        if "turns" in tables:
            row = conn.execute("SELECT id FROM turns ORDER BY rowid LIMIT 1").fetchone()
            if row is not None and isinstance(row[0], str) and row[0]:
                return hashlib.sha256(f"turns {row[0]}".encode()).hexdigest()[:32]
        return None
    finally:
        conn.close()


class Llm(DatabaseSource[NoRun]):
    name = NAME
    label = "llm"
    url = "https://llm.datasette.io/"
    description = (
        "llm's logs.db (conversations and responses up to 0.31, threads and turns from 0.32)"
    )
    file_name = "logs.db"
    resume = ("llm", "chat", "--cid", "{id}")
    install = "pipx install llm"

    def default_paths(self) -> list[Path]:
        return [app_dir() / "logs.db"]

    def key(self, path: Path) -> str:
        """The database's own identity (`identity`): a logs.db restored or
        copied to another folder is the same one, its conversations not
        read again. Only a database with no migration and no row yet (nothing
        to import) is known by its path."""
        try:
            found = identity(path)
        except (sqlite3.Error, SourceUnreadable, OSError):
            found = None
        return f"logs-{found}" if found else str(path.resolve())

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        try:
            return _size(path, state or {})
        except sqlite3.Error as exc:
            raise SourceUnreadable(
                f"{path} could not be read as llm's logs database ({exc})"
            ) from None

    def legacy_keys(self, path: Path) -> list[str]:
        """The keys an import before version 3 kept this file's state under
        (its path, where the key is now what the file is): for the writer to
        take that state over once, so an upgrade does not import it again."""
        return [str(path.resolve())]

    def new_run(self) -> NoRun:
        return NoRun()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: NoRun) -> Iterator[Item]:
        try:
            yield from _read(path, state)
        except sqlite3.Error as exc:
            raise SourceUnreadable(
                f"{path} could not be read as llm's logs database ({exc})"
            ) from None


SOURCE = Llm()
