"""llm (simonw/llm): its `logs.db`, opened read-only.

Where: `$LLM_USER_PATH/logs.db`, else `logs.db` in llm's app folder
(`click.get_app_dir("io.datasette.llm")`: `~/.config/io.datasette.llm` on
Linux, `~/Library/Application Support/io.datasette.llm` on macOS,
`%APPDATA%\\io.datasette.llm` on Windows).

Two generations of tables, both read (llm/migrations.py):

- up to 0.31: `conversations(id, name, model)` and `responses(id, prompt,
  system, response, conversation_id, datetime_utc, duration_ms, ...)`, with
  `tool_calls` (the calls a response made) and `tool_results` (results sent
  with the *next* prompt, stored on that next response);
- from 0.32 on: `threads(id, name, forked_from)` and `turns(id, thread_id,
  parent_message_hash, tip_message_hash, datetime_utc, duration_ms)` over a
  content-addressed `messages`/`parts` store. A thread's id is its
  conversation's, and a response whose id is also a turn's is that turn
  (llm's own `LEGACY_LOG_ROWS_SQL` rule), so each turn is taken once.

A conversation (thread) is a session: its id is the ulid, its `name` the
title, `cli_version` is `llm` (logs.db records no version), a fork's parent
is `forked_from`. Per response or turn: tool results, then the prompt
(`prompt`), the reply (`system`) and its tool calls (`command`); the reply's
time is the response's start plus `duration_ms`. `datetime_utc` is UTC,
with or without a zone. Left out: system prompts (instructions, not turns),
reasoning, attachments, fragments' provenance, token counts.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    Skipped,
    SourceUnreadable,
    Turns,
    block_text,
    call_text,
    parse_time,
    session_id,
)
from sessiond.importers.source import DatabaseSource, NoRun
from sessiond.importers.sqlite_source import open_read_only
from sessiond.store.base import ImportedEvent, ImportedSession

CHUNK = 2000  # rows per query


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


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _size(path: Path, state: Mapping[str, Json]) -> int:
    conn = open_read_only(path)
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


def _legacy(conn: sqlite3.Connection, tables: set[str], after: int) -> Iterator[tuple[Any, ...]]:
    """(rowid, session, events) per response after rowid `after`."""
    not_turn = " AND r.id NOT IN (SELECT id FROM turns)" if "turns" in tables else ""
    has_tools = {"tool_calls", "tool_results"} <= tables
    while True:
        rows = conn.execute(
            "SELECT r.rowid, r.id, r.prompt, r.response, r.conversation_id, r.datetime_utc,"
            " r.duration_ms, c.name FROM responses r"
            " LEFT JOIN conversations c ON c.id = r.conversation_id"
            f" WHERE r.rowid > ?{not_turn} ORDER BY r.rowid LIMIT ?",
            (after, CHUNK),
        ).fetchall()
        if not rows:
            return
        calls: dict[str, list[str]] = {}
        results: dict[str, list[str]] = {}
        if has_tools:
            span = (after, rows[-1][0])
            inside = "SELECT id FROM responses WHERE rowid > ? AND rowid <= ?"
            for rid, name, args in conn.execute(
                f"SELECT response_id, name, arguments FROM tool_calls"
                f" WHERE response_id IN ({inside}) ORDER BY id",
                span,
            ):
                calls.setdefault(rid, []).append(call_text(name, args))
            for rid, output in conn.execute(
                f"SELECT response_id, output FROM tool_results"
                f" WHERE response_id IN ({inside}) ORDER BY id",
                span,
            ):
                results.setdefault(rid, []).append(_text(output))
        for rowid, rid, prompt, response, conversation, when, duration, name in rows:
            yield (
                rowid,
                rid,
                prompt,
                response,
                conversation,
                when,
                duration,
                name,
                calls.get(rid, []),
                results.get(rid, []),
            )
        after = rows[-1][0]


class _Chains:
    """Messages and parts of llm 0.32's content-addressed store."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.fragments: dict[int, str] = {}

    def message(self, digest: str) -> tuple[str | None, str] | None:
        row = self.conn.execute(
            "SELECT parent_hash, role FROM messages WHERE hash = ?", (digest,)
        ).fetchone()
        return None if row is None else (row[0], _text(row[1]))

    def fragment(self, ident: int) -> str:
        if ident not in self.fragments:
            row = self.conn.execute("SELECT content FROM fragments WHERE id = ?", (ident,))
            found = row.fetchone()
            self.fragments[ident] = _text(found[0]) if found else ""
        return self.fragments[ident]

    def parts(self, digest: str) -> list[tuple[str, str]]:
        """(kind, text) events of one message's parts, in order."""
        events = []
        for kind, role, text, payload in self.conn.execute(
            "SELECT p.type, m.role, p.text, p.payload FROM parts p"
            " JOIN messages m ON m.hash = p.message_hash"
            " WHERE p.message_hash = ? ORDER BY p.position",
            (digest,),
        ):
            try:
                data = json.loads(payload) if payload else {}
            except (ValueError, RecursionError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            if kind == "text":
                if text is None and isinstance(data.get("text_ref"), list):
                    text = "".join(
                        piece.get("literal", "")
                        if "literal" in piece
                        else self.fragment(piece.get("fragment", -1))
                        for piece in data["text_ref"]
                        if isinstance(piece, dict)
                    )
                if role == "user":
                    events.append(("prompt", _text(text)))
                elif role == "assistant":
                    events.append(("system", _text(text)))
            elif kind == "tool_call":
                events.append(("command", call_text(data.get("name"), data.get("arguments"))))
            elif kind == "tool_result":
                events.append(("command", block_text(data.get("output"))))
        return events

    def turn(self, parent: str | None, tip: str | None) -> tuple[list[str], list[str]]:
        """The messages a turn added: its new input (after the last reply in
        the chain it was sent) and its output (from `parent` to `tip`)."""
        outputs: list[str] = []
        digest = tip
        while digest is not None and digest != parent:
            found = self.message(digest)
            if found is None:
                break
            outputs.append(digest)
            digest = found[0]
        inputs: list[str] = []
        digest = parent
        while digest is not None:
            found = self.message(digest)
            if found is None or found[1] == "assistant":
                break
            if found[1] != "system":
                inputs.append(digest)
            digest = found[0]
        return inputs[::-1], outputs[::-1]


def _read(path: Path, state: Mapping[str, Json] | None) -> Iterator[Item]:
    state = dict(state or {})
    conn = open_read_only(path)
    try:
        tables = _tables(conn)
        done = 0
        if {"responses", "conversations"} <= tables:
            for row in _legacy(conn, tables, int(state.get("r", 0))):
                rowid, rid, prompt, response, conversation, when, duration, name, calls, results = (
                    row
                )
                ulid = session_id(conversation) or session_id(rid)
                start = _time(when)
                if ulid is None or start is None:
                    yield Skipped("responses without a conversation id or a time")
                else:
                    reply = start + (duration if isinstance(duration, int) else 0)
                    events = [ImportedEvent("command", r, start) for r in results if r]
                    if _text(prompt).strip():
                        events.append(ImportedEvent("prompt", prompt, start))
                    if _text(response).strip():
                        events.append(ImportedEvent("system", response, reply))
                    events += [ImportedEvent("command", c, reply) for c in calls]
                    title = name.strip()[:256] if isinstance(name, str) and name.strip() else None
                    yield Turns(ImportedSession(ulid, "llm", start, title=title), events)
                state["r"] = rowid
                done += 1
                yield Mark(dict(state), done, 1)
        if {"turns", "threads", "messages", "parts"} <= tables:
            chains = _Chains(conn)
            after = int(state.get("t", 0))
            while True:
                rows = conn.execute(
                    "SELECT t.rowid, t.thread_id, t.parent_message_hash, t.tip_message_hash,"
                    " t.datetime_utc, t.duration_ms, th.name, th.forked_from FROM turns t"
                    " LEFT JOIN threads th ON th.id = t.thread_id"
                    " WHERE t.rowid > ? ORDER BY t.rowid LIMIT ?",
                    (after, CHUNK),
                ).fetchall()
                if not rows:
                    break
                for rowid, thread, parent, tip, when, duration, name, forked in rows:
                    ulid, start = session_id(thread), _time(when)
                    if ulid is None or start is None:
                        yield Skipped("turns without a thread id or a time")
                    else:
                        reply = start + (duration if isinstance(duration, int) else 0)
                        inputs, outputs = chains.turn(parent, tip)
                        events = [
                            ImportedEvent(kind, text, start)
                            for digest in inputs
                            for kind, text in chains.parts(digest)
                            if text.strip()
                        ] + [
                            ImportedEvent(kind, text, reply)
                            for digest in outputs
                            for kind, text in chains.parts(digest)
                            if text.strip()
                        ]
                        title = (
                            name.strip()[:256] if isinstance(name, str) and name.strip() else None
                        )
                        session = ImportedSession(
                            ulid, "llm", start, title=title, parent_ulid=session_id(forked)
                        )
                        yield Turns(session, events)
                    state["t"] = after = rowid
                    done += 1
                    yield Mark(dict(state), done, 1)
        yield Mark(dict(state), done, 0)
    finally:
        conn.close()


class Llm(DatabaseSource[NoRun]):
    name = "llm"
    label = "llm"
    url = "https://llm.datasette.io/"
    description = (
        "llm's logs.db (conversations and responses up to 0.31, threads and turns from 0.32)"
    )
    file_name = "logs.db"

    def default_paths(self) -> list[Path]:
        return [app_dir() / "logs.db"]

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        try:
            return _size(path, state or {})
        except sqlite3.Error as exc:
            raise SourceUnreadable(
                f"{path} could not be read as llm's logs database ({exc})"
            ) from None

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
