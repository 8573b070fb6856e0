"""Codex CLI: the rollouts under `$CODEX_HOME/sessions/` (default `~/.codex`).

`sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`, one
`{timestamp, type, payload}` per line (codex-rs `RolloutLine`): `session_meta`
(`id`, `forked_from_id`, `cli_version`, `source`, `cwd`, `git.branch`),
`response_item` (`message`, `function_call`, `function_call_output`,
`custom_tool_call`, `local_shell_call`, `web_search_call`, `reasoning`, ...),
`event_msg` (`user_message`, `agent_message`, `turn_aborted`, `error`,
`token_count`, ...), `turn_context` (`model`), `compacted`. Older rollouts sit directly in
`sessions/`: a bare `{id, timestamp, instructions}` first line, then bare
response items and `{record_type: "state"}` lines, with no time of their own.
The first, TypeScript, Codex CLI wrote `sessions/rollout-<UTC date>-<uuid>.json`:
one JSON document `{session: {timestamp, id, instructions}, items: [...]}`
rewritten whole on every save, and its first release took a new id on every
save (one session, many overlapping files): such files are one session when
they share an item id or one's items begin the other's, known by the id of
the oldest, and each item is taken once.

Each chat message is written twice, as a `response_item` and as an
`event_msg`: it is taken once, where it first appears. Messages Codex itself
injects into the user's role (`<environment_context>`, `<user_instructions>`,
AGENTS.md, skills, `<turn_aborted>`: codex-rs `is_contextual_user_fragment`)
are not the person's turns and are left out, as is the wrapper Codex's IDE
extension and desktop app put around what the person typed (`# Context from
my IDE setup:` / `# Files mentioned by the user:` ... `## My request for
Codex:`), reasoning, turn contexts and compaction summaries. A shell command
the person ran (`<user_shell_command>`) is a `command`, an aborted turn a
`warn`, an `error` event (an API or stream failure) an `alert`. A fork's rollout
begins with a copy of its parent's history (the parent's `session_meta` and
items again, re-stamped): the copy is recognised line by line against the
parent's rollout (or, without it, as the lines stamped with the copy's
first time) and left out. Titles come from `$CODEX_HOME/session_index.jsonl`
(`thread_name`) and `thread_name_updated`. A forked or spawned session's
parent is `forked_from_id` or the sub-agent's `parent_thread_id`.

Version 3: `sourceId` is the thread id (`codex resume` takes it; none for the
TypeScript era's files, which it cannot resume), `project` the
`session_meta.cwd`, `branch` its `git.branch`; replies and tool calls carry
the `turn_context` model; each `token_count`'s `last_token_usage` is the
usage of the model's last reply or call before it (its `input_tokens`
include `cached_input_tokens`, split; reasoning is output); repeated counts
(the same totals) are taken once; a call and its output carry the tool's
name, an output with a non-zero exit code `isError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    Turns,
    block_text,
    call_text,
    head_digest,
    head_lines,
    in_range,
    load_json_line,
    looks_like,
    parse_time,
    session_id,
    split_openai_usage,
    walk_files,
)
from sessiond.importers.lines import read_lines, read_records
from sessiond.importers.source import FileSource, file_stamp
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

MARK_EVERY = 2000
NAME = "codex"
#: The largest TypeScript-era rollout (one JSON document) read whole.
MAX_DOCUMENT_BYTES = 64 << 20

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_NAME = re.compile(rf"rollout-(\d{{4}}-\d{{2}}-\d{{2}}T\d{{2}}-\d{{2}}-\d{{2}})-({_UUID})\.jsonl")
_ANY_ID = re.compile(rf"rollout-.*?({_UUID})\.jsonl?")
_TS_NAME = re.compile(rf"rollout-\d{{4}}-\d{{2}}-\d{{2}}-({_UUID})\.json")
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
# The IDE extension's and the desktop app's wrapper around the person's request.
_WRAPPED = ("# Context from my IDE setup:", "# Files mentioned by the user:")
_REQUEST = re.compile(r"^## My request(?: for Codex)?:[ \t]*$", re.M)
_AMBIENT = re.compile(r"\s*<in-app-browser-context\b[^>]*>[\s\S]*?</in-app-browser-context>\s*")
_IMAGE_FRAME = re.compile(r"\s*(?:<image\b[^>]*>|</image>)\s*")
_EXIT = re.compile(r"\A(?:Exit code|Process exited with code):?\s*(-?\d+)")
_LOCAL_ID = re.compile(r"(error|unknown-model|diff|compact-error|compact)-(\d{10,14})")
_PENDING_MAX = 16
_KEEP_CALLS = 128
_COPY_SLACK_MS = 2000  # a fork's copied lines without the parent: within this of the first
_LINE_TYPES = frozenset(("session_meta", "response_item", "event_msg", "turn_context", "compacted"))


def home() -> Path:
    base = os.environ.get("CODEX_HOME")
    return Path(base).expanduser() if base else Path.home() / ".codex"


def _matches(text: str, markers: tuple[str, str]) -> bool:
    stripped = text.strip().lower()
    return stripped.startswith(markers[0]) and stripped.endswith(markers[1])


def _injected(text: str) -> bool:
    """Whether `text` is one of the blocks Codex adds to the person's turn."""
    stripped = text.strip().lower()  # once, not once a marker
    return any(stripped.startswith(start) and stripped.endswith(end) for start, end in _INJECTED)


def unwrap(text: str) -> str:
    """What the person typed, without the wrapper Codex's IDE extension and
    desktop app put around it (the text after its last `## My request...:`
    line); `text` itself when it has none."""
    body = _AMBIENT.sub("", text, count=1) if text.lstrip().startswith("<in-app") else text
    if not body.lstrip().startswith(_WRAPPED):
        return text if body is text else body.strip()
    marks = list(_REQUEST.finditer(body))
    if not marks:
        return text
    return body[marks[-1].end() :].strip("\n")


def _user_text(items: Sequence[str]) -> tuple[str, str] | None:
    """(kind, text) of the person's part of a user message's texts."""
    kept = [
        unwrap(t) for t in items if t.strip() and not _injected(t) and not _IMAGE_FRAME.fullmatch(t)
    ]
    kept = [t for t in kept if t.strip()]
    if not kept:
        return None
    if len(kept) == 1 and _matches(kept[0], _SHELL):
        inner = kept[0].strip()[len(_SHELL[0]) : -len(_SHELL[1])]
        return "command", inner.strip()
    return "prompt", "\n".join(kept)


def _output(output: object) -> tuple[str, bool | None]:
    """A tool output's text, and True when it says the call failed."""
    failed: bool | None = None
    # Older rollouts wrap a shell result as JSON text {"output": ..., "metadata": ...}.
    if isinstance(output, str) and output.startswith('{"output":'):
        try:
            wrapped = json.loads(output)
        except (ValueError, RecursionError):
            return output, None
        if isinstance(wrapped, dict) and isinstance(wrapped.get("output"), str):
            meta = wrapped.get("metadata")
            code = meta.get("exit_code") if isinstance(meta, dict) else None
            if isinstance(code, int) and not isinstance(code, bool):
                failed = True if code != 0 else None
            return str(wrapped["output"]), failed
    if isinstance(output, dict) and "content" in output:
        if output.get("success") is False:
            failed = True
        return block_text(output.get("content")), failed
    text = block_text(output)
    code = _EXIT.match(text)
    if code is not None and int(code.group(1)) != 0:
        failed = True
    return text, failed


def _fingerprint(kind: object, payload: object) -> str:
    """What a rollout line is, without its time: a fork's copy of its
    parent's lines has the same type and payload, stamped anew."""
    text = json.dumps([kind, payload], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _rollout_id(path: Path) -> str | None:
    """The session id in a rollout's name."""
    named = _ANY_ID.fullmatch(path.name)
    return named.group(1).lower() if named else None


@attrs.define
class _Run:
    """What one import run learns across rollouts."""

    # session_index.jsonl path -> thread id -> name
    indexes: dict[str, dict[str, str]] = attrs.field(factory=dict)
    # a rollout's folder -> the names of the index above it
    near: dict[str, dict[str, str]] = attrs.field(factory=dict)
    # session id -> its rollout, read in this run or found in the Codex home
    rollouts: dict[str, Path] = attrs.field(factory=dict)
    homes: set[str] = attrs.field(factory=set)
    # session id -> the fingerprints of its rollout's lines (a fork's parent)
    lines: dict[str, list[str]] = attrs.field(factory=dict)

    def rollout(self, ident: str, near: Path) -> Path | None:
        """The rollout of session `ident`, looked for in the Codex home of `near`."""
        found = self.rollouts.get(ident)
        if found is not None:
            return found
        for folder in near.parents:
            if folder.name in ("sessions", "archived_sessions"):
                places = [folder.parent / "sessions", folder.parent / "archived_sessions"]
                break
        else:
            places = [near.parent]  # a rollout outside a Codex home: its folder only
        for place in places:
            if str(place) in self.homes or not place.is_dir():
                continue
            self.homes.add(str(place))
            paths = (
                walk_files(place, _wanted)
                if place.name in ("sessions", "archived_sessions")
                else (p for p in sorted(place.iterdir()) if p.is_file() and _wanted(p))
            )
            for path in paths:
                named = _rollout_id(path)
                if named is not None and path.suffix == ".jsonl":
                    self.rollouts.setdefault(named, path)
        return self.rollouts.get(ident)

    def fingerprints(self, ident: str, near: Path) -> list[str] | None:
        """The fingerprints of session `ident`'s rollout lines (None: not here)."""
        if ident in self.lines:
            return self.lines[ident]
        path = self.rollout(ident, near)
        if path is None or path == near:
            return None
        prints: list[str] = []
        try:
            for line in read_lines(path, 0):
                record = load_json_line(line.data) if line.data and line.finished else None
                if isinstance(record, dict) and "payload" in record:
                    prints.append(_fingerprint(record.get("type"), record["payload"]))
        except OSError:
            return None
        self.lines[ident] = prints
        return prints


def _wanted(path: Path) -> bool:
    return path.name.startswith("rollout-") and path.suffix in (".jsonl", ".json")


def _index_names(path: Path, run: _Run) -> dict[str, str]:
    """Thread names from the session_index.jsonl of the Codex home above
    `path` (the newest entry per id wins), read once per import (and looked
    for once per folder of rollouts)."""
    near = run.near.get(str(path.parent))
    if near is None:
        near = run.near[str(path.parent)] = _find_index_names(path, run)
    return near


def _find_index_names(path: Path, run: _Run) -> dict[str, str]:
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


def _usage(info: object) -> tuple[Usage, Json] | None:
    """The usage of a token_count's last reply, and its totals (to tell a
    repeated count)."""
    if not isinstance(info, dict):
        return None
    last, total = info.get("last_token_usage"), info.get("total_token_usage")
    if not isinstance(last, dict):
        return None
    split = split_openai_usage(
        last.get("input_tokens"),
        last.get("output_tokens"),
        last.get("cached_input_tokens"),
        last.get("cache_write_input_tokens"),
    )
    if split is None:
        return None
    return Usage(split[0], split[1], split[2], split[3]), total


class _Rollout:
    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        state = state or {}
        self.path = path
        self.run = run
        self.names = _index_names(path, run)
        # [ulid, cli, started, parent, title, project, branch]
        session = state.get("s")
        self.session: list[Json] | None = (
            [*session, None, None][:7] if session is not None else None
        )
        self.last: int | None = state.get("last")
        self.pend: dict[str, list[list[str]]] = {
            role: [list(p) for p in pend] for role, pend in state.get("pend", {}).items()
        }
        self.model: str | None = state.get("model")
        self.calls: dict[str, str] = dict(state.get("calls", {}))
        self.total: Json = state.get("total")
        # A fork's copy of its parent: None (none, or over), else
        # {"at": first copied time, "of": parent id, "i": lines of it matched}
        self.copy: dict[str, Json] | None = state.get("copy")
        self.own = bool(state.get("own"))  # an own line was read (no copy can start)
        self.events: list[ImportedEvent] = []
        self.last_model_event: int | None = None
        self.title_changed = False

    def state(self, offset: int) -> dict[str, Json]:
        return {
            "offset": offset,
            "s": self.session,
            "last": self.last,
            "pend": self.pend,
            "model": self.model,
            "calls": dict(list(self.calls.items())[-_KEEP_CALLS:]),
            "total": self.total,
            "copy": self.copy,
            "own": self.own,
        }

    def imported(self) -> ImportedSession:
        assert self.session is not None
        ulid, cli, started, parent, title, project, branch = self.session
        return ImportedSession(
            ulid,
            cli,
            started,
            title=title,
            parent_ulid=parent,
            source=NAME,
            source_id=ulid,
            project=project,
            branch=branch,
        )

    def start(
        self,
        ulid: str,
        cli: str,
        started: int,
        parent: str | None,
        project: str | None = None,
        branch: str | None = None,
    ) -> None:
        if self.session is None:
            self.session = [ulid, cli[:256], started, parent, self.names.get(ulid), project, branch]

    def start_from_name(self) -> bool:
        named = _NAME.fullmatch(self.path.name)
        if named is None:
            return False
        day, clock = named.group(1).split("T")
        when = parse_time(f"{day}T{clock.replace('-', ':')}")  # local time
        if when is None:
            return False
        self.start(named.group(2), NAME, when, None)
        return True

    def meta(self, meta: dict[str, Json], when: int | None) -> str | None:
        ulid = session_id(meta.get("id"))
        started = parse_time(meta.get("timestamp")) or when
        if ulid is None or started is None:
            return "session lines without an id or a time"
        if self.session is not None and ulid != self.session[0]:
            return None  # an ancestor's, copied into a fork (see `copied`)
        version = meta.get("cli_version")
        cli = f"{NAME} {version}" if isinstance(version, str) and version else NAME
        parent = session_id(meta.get("forked_from_id"))
        source = meta.get("source")
        if parent is None and isinstance(source, dict):
            spawn = source.get("subagent")
            thread = spawn.get("thread_spawn") if isinstance(spawn, dict) else None
            if isinstance(thread, dict):
                parent = session_id(thread.get("parent_thread_id"))
        cwd = meta.get("cwd")
        project = cwd if isinstance(cwd, str) and 0 < len(cwd) <= 4096 else None
        git = meta.get("git")
        branch = git.get("branch") if isinstance(git, dict) else None
        branch = branch if isinstance(branch, str) and 0 < len(branch) <= 256 else None
        self.start(ulid, cli, started, parent, project, branch)
        self.last = self.last or started
        return None

    def add(
        self, kind: str, text: str, when: int | None, meta: Json = None, model: bool = False
    ) -> str | None:
        if self.session is None and not self.start_from_name():
            return "lines before the rollout's session line"
        assert self.session is not None
        self.own = True
        moment = when if when is not None else (self.last or self.session[2])
        if text.strip():
            if model and self.model:
                meta = {**(meta or {}), "model": self.model}
            self.events.append(ImportedEvent(kind, text, moment, meta))
            if model:
                self.last_model_event = len(self.events) - 1
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
        return self.add(kind, text, when, model=role == "assistant")

    def call(self, item: dict[str, Json], name: object, text: str, when: int | None) -> str | None:
        tool = name if isinstance(name, str) and name else None
        ident = item.get("call_id")
        if isinstance(ident, str) and tool is not None:
            self.calls[ident] = tool
            if len(self.calls) > 2 * _KEEP_CALLS:
                self.calls = dict(list(self.calls.items())[-_KEEP_CALLS:])
        return self.add("command", text, when, make_meta(tool=tool), model=True)

    def result(self, item: dict[str, Json], when: int | None) -> str | None:
        ident = item.get("call_id")
        tool = self.calls.get(ident) if isinstance(ident, str) else None
        text, failed = _output(item.get("output"))
        return self.add("command", text, when, make_meta(tool=tool, is_error=failed))

    def item(self, item: dict[str, Json], when: int | None) -> str | None:
        kind = item.get("type")
        if kind == "message":
            role = item.get("role")
            content = item.get("content")
            if content is None:
                content = []
            if not isinstance(content, list):
                return "messages whose content is not a list"
            texts = [
                c["text"] for c in content if isinstance(c, dict) and isinstance(c.get("text"), str)
            ]
            if role == "user":
                taken = _user_text(texts)
                if taken is not None:
                    return self.chat("user", taken[0], taken[1], "item", when)
            elif role == "assistant":
                if str(item.get("id", "")).startswith("compact-"):
                    return None  # the TypeScript CLI's /compact summary
                return self.chat("assistant", "system", "".join(texts), "item", when)
            elif role == "system":
                return self.notice(item, "\n".join(texts), when)
            return None
        if kind == "function_call":
            name = item.get("name")
            return self.call(item, name, call_text(name, item.get("arguments")), when)
        if kind == "custom_tool_call":
            name = item.get("name")
            return self.call(item, name, call_text(name, item.get("input")), when)
        if kind in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            return self.result(item, when)
        if kind == "local_shell_call":
            action = item.get("action") or {}
            command = action.get("command") if isinstance(action, dict) else None
            if isinstance(command, list) and all(isinstance(c, str) for c in command):
                return self.call(item, "local_shell", "shell " + shlex.join(command), when)
        elif kind == "web_search_call":
            action = item.get("action") or {}
            query = action.get("query") if isinstance(action, dict) else None
            if isinstance(query, str):
                return self.call(item, "web_search", f"web_search {query}", when)
        return None

    def notice(self, item: dict[str, Json], text: str, when: int | None) -> str | None:
        """A notice the TypeScript CLI kept as a system message (an API error,
        an unknown model, /diff's output), at the time its id records."""
        local = _LOCAL_ID.fullmatch(str(item.get("id", "")))
        if local is not None:
            moment = in_range(int(local.group(2)))
            when = moment if moment is not None else when
        kind = local.group(1) if local else ""
        if kind == "diff":
            return self.add("command", text, when)
        return self.add("warn" if kind == "unknown-model" else "alert", text, when)

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
        elif kind == "error" and isinstance(event.get("message"), str):
            return self.add("alert", event["message"], when)  # an API or stream failure
        elif kind == "turn_aborted":
            reason = event.get("reason")
            return self.add("warn", f"turn aborted: {reason}" if reason else "turn aborted", when)
        elif kind == "thread_name_updated" and self.session is not None:
            name = event.get("thread_name")
            if isinstance(name, str) and name.strip():
                self.session[4] = name.strip()[:256]
                self.title_changed = True
        elif kind == "token_count":
            self.count(event.get("info"))
        return None

    def count(self, info: object) -> None:
        """A token count: the usage of the model's last reply or call."""
        found = _usage(info)
        if found is None:
            return
        usage, total = found
        if total is not None and total == self.total:
            return  # Codex repeats a count
        self.total = total
        if self.last_model_event is None:
            return  # its reply was handed out before this count (a mark between)
        event = self.events[self.last_model_event]
        meta = {**(event.meta or {}), **(make_meta(usage=usage) or {})}
        # Made anew, not attrs.evolve'd (which looks up the fields each time).
        self.events[self.last_model_event] = ImportedEvent(
            event.kind, event.text, event.created_at, meta
        )
        self.last_model_event = None

    def copied(self, kind: object, payload: object, when: int | None) -> bool:
        """Whether this line is part of a fork's copy of its parent's history
        (never read as the fork's own)."""
        if self.copy is None:
            if self.own or self.session is None or kind != "session_meta":
                return False
            ident = session_id(payload.get("id")) if isinstance(payload, dict) else None
            if ident is None or ident == self.session[0]:
                return False
            # The first ancestor's session line after the fork's own: the copy.
            self.copy = {"at": when, "of": ident, "i": 0}
        parent = self.copy.get("of")
        prints = self.run.fingerprints(parent, self.path) if isinstance(parent, str) else None
        if prints is not None:
            mark = _fingerprint(kind, payload)
            start = int(self.copy.get("i", 0))
            for i in range(start, min(len(prints), start + 1000)):
                if prints[i] == mark:
                    self.copy["i"] = i + 1
                    return True
        else:
            at = self.copy.get("at")
            if isinstance(at, int) and when is not None and abs(when - at) <= _COPY_SLACK_MS:
                return True
        self.copy, self.own = None, True
        return False

    def line(self, line: dict[str, Json]) -> str | None:
        try:
            return self._line(line)
        except (TypeError, AttributeError, ValueError):
            return "lines with a value of an unexpected type"

    def _line(self, line: dict[str, Json]) -> str | None:
        kind = line.get("type")
        if "payload" in line and kind in _LINE_TYPES:
            when = parse_time(line.get("timestamp"))
            if when is None and line.get("timestamp") is not None:
                return "lines whose time is not one sessiond can store"
            payload = line["payload"]
            if not isinstance(payload, dict):
                return "lines whose payload is not an object"
            if self.copied(kind, payload, when):
                return None
            if when is not None:
                self.last = when
            if kind == "session_meta":
                return self.meta(payload, when)
            if kind == "response_item":
                return self.item(payload, when)
            if kind == "event_msg":
                return self.event(payload, when)
            if kind == "turn_context":
                model = payload.get("model")
                if isinstance(model, str) and model:
                    self.model = model[:256]
            return None
        if kind is None and "id" in line and "timestamp" in line:
            return self.meta(line, None)  # the first line of an older rollout
        if line.get("record_type") is not None:
            return None
        if isinstance(kind, str):
            return self.item(line, None)  # an older rollout's bare item
        return "lines of a shape Codex does not write"

    def flush(self) -> Iterator[Turns]:
        if self.events:
            yield Turns(self.imported(), self.events)
            self.events = []
        self.last_model_event = None


# The TypeScript CLI's rollouts: one JSON document per save.


@attrs.frozen
class _Document:
    """What a TypeScript-era rollout says, enough to group the files of
    one session."""

    path: Path
    ident: str
    started: int
    prints: tuple[str, ...]  # each item's fingerprint
    ids: frozenset[str]  # the items' own ids


def _load_document(path: Path) -> tuple[str, int, list[Json]] | str:
    """(session id, time, items) of a TypeScript-era rollout, or why not."""
    try:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            return f"over {MAX_DOCUMENT_BYTES >> 20} MiB, more than a Codex rollout document holds"
        with open(path, "rb") as f:
            value = json.loads(f.read())
    except (OSError, ValueError, RecursionError):
        return "not a JSON document that can be read"
    if not isinstance(value, dict):
        return "a JSON document that is not an object"
    session, items = value.get("session"), value.get("items")
    if not isinstance(session, dict) or not isinstance(items, list):
        return "a JSON document without a rollout's session and items"
    ident = session_id(session.get("id"))
    when = parse_time(session.get("timestamp"))
    if ident is None or when is None:
        return "a rollout document without a session id or time"
    return ident.lower(), when, items


class _Documents:
    """The TypeScript-era rollouts of the folders looked at, each parsed once
    per change (a small cache on the source, as `key` has no run)."""

    def __init__(self) -> None:
        self.cache: dict[str, tuple[list[int], _Document | str]] = {}

    def document(self, path: Path) -> _Document | str:
        try:
            stamp = file_stamp(path)
        except OSError as exc:
            return exc.strerror or "cannot be read"
        cached = self.cache.get(str(path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        loaded = _load_document(path)
        found: _Document | str
        if isinstance(loaded, str):
            found = loaded
        else:
            ident, started, items = loaded
            found = _Document(
                path,
                ident,
                started,
                tuple(_fingerprint(i.get("type"), i) if isinstance(i, dict) else "" for i in items),
                frozenset(
                    i["id"] for i in items if isinstance(i, dict) and isinstance(i.get("id"), str)
                ),
            )
        if len(self.cache) > 4096:
            self.cache.clear()
        self.cache[str(path)] = (stamp, found)
        return found

    def chain(self, path: Path) -> list[_Document]:
        """The documents of `path`'s session, oldest first: those of its folder
        that share an item id with it or begin one another, transitively."""
        own = self.document(path)
        if isinstance(own, str):
            return []
        others = []
        for sibling in sorted(path.parent.glob("rollout-*.json")):
            if sibling != path:
                found = self.document(sibling)
                if not isinstance(found, str):
                    others.append(found)
        group = [own]
        changed = True
        while changed:
            changed = False
            for doc in list(others):
                if any(_same_session(doc, member) for member in group):
                    group.append(doc)
                    others.remove(doc)
                    changed = True
        return sorted(group, key=lambda d: (d.started, d.ident))


def _named_items(items: list[Json], prints: Sequence[str]) -> Iterator[tuple[str, Json]]:
    """Each item with what it is known by across saves: its own id, else its
    content and how many times that content came before (a second "yes" is
    a turn of its own)."""
    times: dict[str, int] = {}
    for item, mark in zip(items, prints, strict=False):
        ident = item.get("id") if isinstance(item, dict) else None
        if isinstance(ident, str):
            yield f"id:{ident}", item
        else:
            times[mark] = times.get(mark, 0) + 1
            yield f"at:{mark}:{times[mark]}", item


def _same_session(a: _Document, b: _Document) -> bool:
    if a.ids & b.ids:
        return True
    short, long = (a, b) if len(a.prints) <= len(b.prints) else (b, a)
    return bool(short.prints) and long.prints[: len(short.prints)] == short.prints


class Codex(FileSource[_Run]):
    name = NAME
    label = "Codex CLI"
    url = "https://github.com/openai/codex"
    description = "Codex CLI's rollouts (~/.codex/sessions and archived_sessions)"
    resume = ("codex", "resume", "{id}")
    install = "npm install -g @openai/codex"

    def __init__(self) -> None:
        self.documents = _Documents()

    def default_paths(self) -> list[Path]:
        """`$CODEX_HOME/sessions` and `archived_sessions`, else under `~/.codex`
        (the same on Linux, macOS and Windows)."""
        return [home() / "sessions", home() / "archived_sessions"]

    def wanted(self, path: Path) -> bool:
        return _wanted(path)

    def order(self, path: Path) -> tuple[object, ...]:
        # Oldest first (the name starts with the start time): a fork's
        # parent is imported before it.
        return (path.name, str(path))

    def key(self, path: Path) -> str:
        """A rollout is known by its session's uuid (from its name, else from
        its first line, else a digest of that line), so archiving or moving
        it does not import it again; the TypeScript era's overlapping files
        of one session share the key of the session."""
        if path.suffix == ".json":
            chain = self.documents.chain(path)
            if chain:
                return f"rollout-ts-{chain[0].ident}"
            return str(path.resolve())
        named = _NAME.fullmatch(path.name)
        if named:
            return f"rollout-{named.group(2).lower()}"
        try:
            lines = head_lines(path)
        except OSError:
            lines = []
        if not lines:
            return str(path.resolve())
        first = load_json_line(lines[0])
        if isinstance(first, dict):
            payload = first.get("payload") if first.get("type") == "session_meta" else first
            ident = session_id(payload.get("id")) if isinstance(payload, dict) else None
            if ident is not None:
                return f"rollout-{ident.lower()}"
        return f"rollout-head-{head_digest(lines[0])}"

    def stamp(self, path: Path) -> list[int]:
        """A TypeScript-era file's stamp is its session's files' stamps: one
        unchanged session is not read again for each of its files."""
        if path.suffix == ".json":
            chain = self.documents.chain(path)
            if chain:
                return [n for doc in chain for n in file_stamp(doc.path)]
        return file_stamp(path)

    def signature(self, path: Path) -> str | None:
        """None for a TypeScript-era file: its key and stamp are its session's
        other files' too."""
        return None if path.suffix == ".json" else super().signature(path)

    def legacy_keys(self, path: Path) -> list[str]:
        """The keys an import before version 3 kept this file's state under
        (its path, where the key is now what the file is): for the writer to
        take that state over once, so an upgrade does not import it again."""
        if path.suffix != ".jsonl" or _NAME.fullmatch(path.name):
            return []
        return [str(path.resolve())]  # (resolved only when asked for: a syscall a folder)

    def new_run(self) -> _Run:
        return _Run()

    def recognise(self, path: Path) -> None:
        lines = head_lines(path)
        if not lines:
            return
        for raw in lines:
            record = load_json_line(raw)
            if not isinstance(record, dict):
                continue
            if record.get("type") in _LINE_TYPES and "payload" in record:
                return
            if "id" in record and "timestamp" in record and "sessionId" not in record:
                return  # an older rollout's first line
            if record.get("record_type") is not None:
                return
        with open(path, "rb") as f:
            first = f.read(16)
        raise NotRecognised(
            f"{path} is not a Codex rollout: it looks like {looks_like(lines, first)}"
        )

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        if path.suffix == ".json":
            yield from self.read_document(path, state)
            return
        if not int((state or {}).get("offset", 0)):
            self.recognise(path)
        named = _rollout_id(path)
        if named is not None:
            run.rollouts.setdefault(named, path)
        rollout = _Rollout(path, state, run)
        offset, start, records = yield from read_records(path, state, rollout, MARK_EVERY)
        if rollout.title_changed:
            yield Turns(rollout.imported())
        yield Mark(rollout.state(offset), offset - start, records)

    def read_document(self, path: Path, state: Mapping[str, Json] | None) -> Iterator[Item]:
        """A TypeScript-era session: its files merged, the items past those
        already taken (`n` in the state)."""
        own = self.documents.document(path)
        if isinstance(own, str):
            raise NotRecognised(f"{path} is not a Codex rollout: it is {own}")
        chain = self.documents.chain(path)
        items: list[tuple[str, Json]] = []
        merged: set[str] = set()
        for doc in sorted(chain, key=lambda d: -len(d.prints)):
            loaded = _load_document(doc.path)
            if isinstance(loaded, str):
                continue
            for name, item in _named_items(loaded[2], doc.prints):
                if name not in merged:
                    merged.add(name)
                    items.append((name, item))
        taken = set((state or {}).get("taken", []))
        session = chain[0]
        rollout = _Rollout(path, None, _Run())
        rollout.calls = dict((state or {}).get("calls", {}))
        rollout.start(session.ident, NAME, session.started, None)
        assert rollout.session is not None
        rollout.session[4] = None
        skipped = 0
        for name, item in items:
            if name in taken:
                continue
            if not isinstance(item, dict):
                skipped += 1
                continue
            try:
                problem = rollout.item(item, session.started)
            except (TypeError, AttributeError, ValueError):
                problem = "items with a value of an unexpected type"
            if problem is not None:
                yield Skipped(problem)
        if skipped:
            yield Skipped("items that are not objects", skipped)
        if rollout.events:
            yield Turns(_document_session(rollout.imported()), rollout.events)
        state_out = {
            "taken": sorted(taken | {name for name, _ in items}),
            "calls": dict(list(rollout.calls.items())[-_KEEP_CALLS:]),
        }
        yield Mark(state_out, path.stat().st_size, len(items) - len(taken & merged))

    def finish(self, run: _Run) -> Iterator[Item]:
        """Names given in the session index to sessions imported before."""
        for names in run.indexes.values():
            for ulid, name in names.items():
                if session_id(ulid):
                    yield Turns(ImportedSession(ulid, NAME, 0, title=name), update_only=True)


def _document_session(session: ImportedSession) -> ImportedSession:
    """A TypeScript-era session: `codex resume` cannot open it (no sourceId),
    and it recorded no folder or branch."""
    return attrs.evolve(session, source_id=None)


SOURCE = Codex()
