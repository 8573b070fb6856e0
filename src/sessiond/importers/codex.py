"""Codex CLI: the rollouts under `$CODEX_HOME/sessions/` (default `~/.codex`).

`sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`, one
`{timestamp, type, payload}` per line (codex-rs `RolloutLine`): `session_meta`
(`id`, `forked_from_id`, `cli_version`, `source`), `response_item` (`message`,
`function_call`, `function_call_output`, `custom_tool_call`,
`local_shell_call`, `web_search_call`, `reasoning`, ...), `event_msg`
(`user_message`, `agent_message`, `turn_aborted`, `token_count`, ...),
`turn_context`, `compacted`. Very old rollouts sit directly in `sessions/`:
a bare `{id, timestamp, instructions}` first line, then bare response items
and `{record_type: "state"}` lines, with no time of their own.

Each chat message is written twice, as a `response_item` and as an
`event_msg`: it is taken once, where it first appears. Messages Codex itself
injects into the user's role (`<environment_context>`, `<user_instructions>`,
AGENTS.md, skills, `<turn_aborted>`: codex-rs `is_contextual_user_fragment`)
are not the person's turns and are left out, as are reasoning, token counts,
turn contexts and compaction summaries. A shell command the person ran
(`<user_shell_command>`) is a `command`. Titles come from
`$CODEX_HOME/session_index.jsonl` (`thread_name`) and `thread_name_updated`.
A forked or spawned session's parent is `forked_from_id` or the sub-agent's
`parent_thread_id`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path

import attrs

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    Turns,
    block_text,
    call_text,
    load_json_line,
    parse_time,
    session_id,
)
from sessiond.importers.lines import read_lines, read_records
from sessiond.importers.source import FileSource
from sessiond.store.base import ImportedEvent, ImportedSession

MARK_EVERY = 2000

_NAME = re.compile(
    r"rollout-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2})-"
    r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.jsonl"
)
# (start, end) markers of the text Codex injects as if the user wrote it.
_INJECTED = (
    ("# agents.md instructions for ", "</instructions>"),
    ("<environment_context>", "</environment_context>"),
    ("<user_instructions>", "</user_instructions>"),
    ("<skill>", "</skill>"),
    ("<turn_aborted>", "</turn_aborted>"),
    ("<plugins>", "</plugins>"),
    ("<subagents>", "</subagents>"),
    ("<subagent_notification>", "</subagent_notification>"),
)
_SHELL = ("<user_shell_command>", "</user_shell_command>")
_PENDING_MAX = 16


def home() -> Path:
    base = os.environ.get("CODEX_HOME")
    return Path(base).expanduser() if base else Path.home() / ".codex"


def _matches(text: str, markers: tuple[str, str]) -> bool:
    stripped = text.strip().lower()
    return stripped.startswith(markers[0]) and stripped.endswith(markers[1])


def _user_text(items: Sequence[str]) -> tuple[str, str] | None:
    """(kind, text) of the person's part of a user message's texts."""
    kept = [t for t in items if t.strip() and not any(_matches(t, m) for m in _INJECTED)]
    if not kept:
        return None
    if len(kept) == 1 and _matches(kept[0], _SHELL):
        inner = kept[0].strip()[len(_SHELL[0]) : -len(_SHELL[1])]
        return "command", inner.strip()
    return "prompt", "\n".join(kept)


def _output_text(output: object) -> str:
    # Older rollouts wrap a shell result as JSON text {"output": ..., "metadata": ...}.
    if isinstance(output, str) and output.startswith('{"output":'):
        try:
            wrapped = json.loads(output)
        except (ValueError, RecursionError):
            return output
        if isinstance(wrapped, dict) and isinstance(wrapped.get("output"), str):
            return str(wrapped["output"])
    if isinstance(output, dict) and "content" in output:
        return block_text(output.get("content"))
    return block_text(output)


@attrs.define
class _Run:
    """What one import run learns across rollouts."""

    # session_index.jsonl path -> thread id -> name
    indexes: dict[str, dict[str, str]] = attrs.field(factory=dict)


def _index_names(path: Path, run: _Run) -> dict[str, str]:
    """Thread names from the session_index.jsonl of the Codex home above
    `path` (the newest entry per id wins), read once per import."""
    cache = run.indexes
    for folder in list(path.parents)[:5]:
        index = folder / "session_index.jsonl"
        if str(index) in cache:
            return cache[str(index)]
        if index.is_file():
            names: dict[str, str] = {}
            for line in read_lines(index, 0, 1 << 20):
                entry = load_json_line(line.data) if line.data else None
                if not isinstance(entry, dict):
                    continue
                ident, name = entry.get("id"), entry.get("thread_name")
                if isinstance(ident, str) and isinstance(name, str) and name.strip():
                    names[ident] = name.strip()[:256]
            cache[str(index)] = names
            return names
    return {}


class _Rollout:
    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        state = state or {}
        self.path = path
        self.names = _index_names(path, run)
        self.session: list[Json] | None = state.get("s")  # [ulid, cli, started, parent, title]
        self.last: int | None = state.get("last")
        self.pend: dict[str, list[list[str]]] = {
            role: [list(p) for p in pend] for role, pend in state.get("pend", {}).items()
        }
        self.events: list[ImportedEvent] = []
        self.title_changed = False

    def state(self, offset: int) -> dict[str, Json]:
        return {"offset": offset, "s": self.session, "last": self.last, "pend": self.pend}

    def imported(self) -> ImportedSession:
        assert self.session is not None
        ulid, cli, started, parent, title = self.session
        return ImportedSession(ulid, cli, started, title=title, parent_ulid=parent)

    def start(self, ulid: str, cli: str, started: int, parent: str | None) -> None:
        if self.session is None:
            self.session = [ulid, cli[:256], started, parent, self.names.get(ulid)]

    def start_from_name(self) -> bool:
        named = _NAME.fullmatch(self.path.name)
        if named is None:
            return False
        when = datetime.strptime(named.group(1), "%Y-%m-%dT%H-%M-%S")  # local time
        self.start(named.group(2), "codex", int(when.timestamp() * 1000), None)
        return True

    def meta(self, meta: dict[str, Json], when: int | None) -> str | None:
        ulid = session_id(meta.get("id"))
        started = parse_time(meta.get("timestamp")) or when
        if ulid is None or started is None:
            return "session lines without an id or a time"
        version = meta.get("cli_version")
        cli = f"codex {version}" if isinstance(version, str) and version else "codex"
        parent = session_id(meta.get("forked_from_id"))
        source = meta.get("source")
        if parent is None and isinstance(source, dict):
            spawn = (
                (source.get("subagent") or {}) if isinstance(source.get("subagent"), dict) else {}
            )
            thread = spawn.get("thread_spawn")
            if isinstance(thread, dict):
                parent = session_id(thread.get("parent_thread_id"))
        self.start(ulid, cli, started, parent)
        self.last = self.last or started
        return None

    def add(self, kind: str, text: str, when: int | None) -> str | None:
        if self.session is None and not self.start_from_name():
            return "lines before the rollout's session line"
        assert self.session is not None
        moment = when if when is not None else (self.last or self.session[2])
        if text.strip():
            self.events.append(ImportedEvent(kind, text, moment))
        return None

    def chat(self, role: str, kind: str, text: str, stream: str, when: int | None) -> str | None:
        """A chat message from one of the two streams, taken once."""
        digest = hashlib.sha1(text.strip().encode("utf-8", "surrogatepass")).hexdigest()[:16]
        pending = self.pend.setdefault(role, [])
        for i, (seen, seen_stream) in enumerate(pending):
            if seen == digest and seen_stream != stream:
                del pending[i]
                return None
        pending.append([digest, stream])
        del pending[:-_PENDING_MAX]
        return self.add(kind, text, when)

    def item(self, item: dict[str, Json], when: int | None) -> str | None:
        kind = item.get("type")
        if kind == "message":
            role = item.get("role")
            texts = [
                c["text"]
                for c in item.get("content") or []
                if isinstance(c, dict) and isinstance(c.get("text"), str)
            ]
            if role == "user":
                taken = _user_text(texts)
                if taken is not None:
                    return self.chat("user", taken[0], taken[1], "item", when)
            elif role == "assistant":
                return self.chat("assistant", "system", "".join(texts), "item", when)
            return None
        if kind in ("function_call", "custom_tool_call"):
            args = item.get("arguments") if kind == "function_call" else item.get("input")
            return self.add("command", call_text(item.get("name"), args), when)
        if kind in ("function_call_output", "custom_tool_call_output"):
            return self.add("command", _output_text(item.get("output")), when)
        if kind == "local_shell_call":
            action = item.get("action") or {}
            command = action.get("command") if isinstance(action, dict) else None
            if isinstance(command, list) and all(isinstance(c, str) for c in command):
                return self.add("command", "shell " + shlex.join(command), when)
        elif kind == "web_search_call":
            action = item.get("action") or {}
            query = action.get("query") if isinstance(action, dict) else None
            if isinstance(query, str):
                return self.add("command", f"web_search {query}", when)
        return None

    def event(self, event: dict[str, Json], when: int | None) -> str | None:
        kind = event.get("type")
        if kind == "user_message" and isinstance(event.get("message"), str):
            if event.get("kind") in ("user_instructions", "environment_context"):
                return None
            taken = _user_text([event["message"]])
            if taken is not None:
                return self.chat("user", taken[0], taken[1], "event", when)
        elif kind == "agent_message" and isinstance(event.get("message"), str):
            return self.chat("assistant", "system", event["message"], "event", when)
        elif kind == "turn_aborted":
            reason = event.get("reason")
            return self.add("warn", f"turn aborted: {reason}" if reason else "turn aborted", when)
        elif kind == "thread_name_updated" and self.session is not None:
            name = event.get("thread_name")
            if isinstance(name, str) and name.strip():
                self.session[4] = name.strip()[:256]
                self.title_changed = True
        return None

    def line(self, line: dict[str, Json]) -> str | None:
        kind = line.get("type")
        if "payload" in line and kind in (
            "session_meta",
            "response_item",
            "event_msg",
            "turn_context",
            "compacted",
        ):
            when = parse_time(line.get("timestamp"))
            if when is not None:
                self.last = when
            payload = line["payload"]
            if not isinstance(payload, dict):
                return "lines whose payload is not an object"
            if kind == "session_meta":
                return self.meta(payload, when)
            if kind == "response_item":
                return self.item(payload, when)
            if kind == "event_msg":
                return self.event(payload, when)
            return None
        if kind is None and "id" in line and "timestamp" in line:
            return self.meta(line, None)  # the first line of a very old rollout
        if line.get("record_type") is not None:
            return None
        if isinstance(kind, str):
            return self.item(line, None)  # a very old rollout's bare item
        return "lines of a shape Codex does not write"

    def flush(self) -> Iterator[Turns]:
        if self.events:
            yield Turns(self.imported(), self.events)
            self.events = []


class Codex(FileSource[_Run]):
    name = "codex"
    label = "Codex CLI"
    url = "https://github.com/openai/codex"
    description = "Codex CLI's rollouts (~/.codex/sessions and archived_sessions)"

    def default_paths(self) -> list[Path]:
        return [home() / "sessions", home() / "archived_sessions"]

    def wanted(self, path: Path) -> bool:
        return path.name.startswith("rollout-") and path.suffix == ".jsonl"

    def order(self, path: Path) -> tuple[object, ...]:
        # Oldest first (the name starts with the local start time): a fork's
        # parent is imported before it.
        return (path.name, str(path))

    def key(self, path: Path) -> str:
        """A rollout is known by its session's uuid, so archiving it (a move to
        archived_sessions/) does not import it again."""
        named = _NAME.fullmatch(path.name)
        return f"rollout-{named.group(2).lower()}" if named else str(path.resolve())

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        rollout = _Rollout(path, state, run)
        offset, start, records = yield from read_records(path, state, rollout, MARK_EVERY)
        if rollout.title_changed:
            yield Turns(rollout.imported())
        yield Mark(rollout.state(offset), offset - start, records)

    def finish(self, run: _Run) -> Iterator[Item]:
        """Names given in the session index to sessions imported before."""
        for names in run.indexes.values():
            for ulid, name in names.items():
                if session_id(ulid):
                    yield Turns(ImportedSession(ulid, "codex", 0, title=name), update_only=True)


SOURCE = Codex()
