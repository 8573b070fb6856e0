"""Gemini CLI: the chat recordings under `~/.gemini/tmp/<project>/chats/`.

`$GEMINI_CLI_HOME` stands for the home folder when set (the files are then
under `$GEMINI_CLI_HOME/.gemini`); the layout is the same on every system.
`<project>` is a short slug of the project folder (v0.29 and later) or the
sha256 of its path (earlier; v0.29 copies those folders to slug folders, so
the same session can be in both). Each session file has one of two shapes:

- up to v0.38, `session-<time>-<id8>.json`: one JSON document
  (`ConversationRecord`: `sessionId`, `projectHash`, `startTime`, `summary`,
  `messages`), written whole again after every change;
- from v0.39, `session-<time>-<id8>.jsonl`: a log of changes, one record a
  line: a metadata line first, then messages (a message is written again
  whole, under the same `id`, each time it changes: with its tokens, with
  its tool calls), `{"$set": {...}}` (metadata, and with `messages` a
  checkpoint that replaces them all), `{"$rewindTo": id}` (the person took
  the conversation back to before that message). Resuming a `.json` session
  writes a full copy of it to a `.jsonl` of the same name.

Sub-agents' sessions are `chats/<parent sessionId>/<agent sessionId>.json(l)`
and become child sessions of the main one.

A session is known by its `sessionId`, whatever file or folder holds it: its
import state keeps digests of what was already yielded (messages, tool
calls and results), so a copy in another folder, the `.jsonl` copy of a
`.json` session, a rewrite and a rewind add only what is new. A rewind
keeps every turn the file records, those taken back included: they were
real turns, and what an import stores does not depend on when it ran.

What becomes what: the person's `user` messages are `prompt`s (what they
typed: `displayContent`, else the text before the `@file` expansion), tool
results Gemini CLI records as `user` messages are not (their tool call has
them), nor the environment and hook context it injects, nor messages first
seen in a `$set.messages` checkpoint (a `/compress` summary). A `gemini`
message is a `system` event with the model and token usage, then for each
tool call a `command` for the call and one for its result (`isError` for an
error or a cancelled call). `error` messages are `alert`s, `warning`s and a
cancelled request are `warn`s. Left out: thoughts (hidden reasoning), other
UI notices, `logs.json` (prompts only, also in the chats) and `/chat save`
checkpoints (copies without times).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib
from collections.abc import Iterator, Mapping
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
    head_lines,
    load_json_line,
    looks_like,
    made_id,
    parse_time,
    session_id,
)
from sessiond.importers.lines import read_records
from sessiond.importers.source import FileSource
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "gemini-cli"
MARK_EVERY = 2000
#: A whole-document session is read at once: larger ones are not read.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
#: Bytes before the offset a `.jsonl` was read to whose checksum says the
#: file is still the one read (not rewritten, not another copy).
CHECK_BYTES = 64

_SESSION_ID = re.compile(rb'"sessionId"\s*:\s*"([0-9A-Za-z_-]{1,64})"')
#: `REFERENCE_CONTENT_START`: the `@file` expansion Gemini CLI appends to a prompt.
REFERENCE_START = "\n--- Content from referenced files ---"
_SYSTEM_NOTE = re.compile(r"\s*<system_note>.*</system_note>\s*", re.S)
#: User turns Gemini CLI writes itself (`isIgnoredUserContent`, IDE context).
_INJECTED = (
    "<session_context>",
    "<hook_context>",
    "Here is the user's editor context",
    "Here is a summary of changes in the user's editor context",
)
_TERMINAL = frozenset({"success", "error", "cancelled"})
_SKIP_DIRS = ("tool-outputs", "checkpoints", ".git", "node_modules")


def gemini_dir() -> Path:
    """`~/.gemini`, the home folder being `$GEMINI_CLI_HOME` when set."""
    base = os.environ.get("GEMINI_CLI_HOME")
    return (Path(base).expanduser() if base else Path.home()) / ".gemini"


def _unit(*parts: str) -> str:
    """The short digest a yielded piece is remembered by in the state."""
    joined = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(joined, digest_size=6).hexdigest()


def _parts(value: object) -> list[dict[str, Json]]:
    """A `PartListUnion` (a string, one Part, or a list of both) as Parts."""
    if isinstance(value, str):
        return [{"text": value}]
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [
            {"text": p} if isinstance(p, str) else p for p in value if isinstance(p, str | dict)
        ]
    return []


def _attachment(part: dict[str, Json]) -> str | None:
    data = part.get("inlineData")
    if isinstance(data, dict):
        return f"[{data.get('mimeType') or 'attachment'}]"
    data = part.get("fileData")
    if isinstance(data, dict):
        return f"[{data.get('fileUri') or data.get('mimeType') or 'file'}]"
    return None


def _text(value: object) -> str:
    """The visible text of a PartListUnion (thought parts left out)."""
    return "".join(
        p["text"] for p in _parts(value) if isinstance(p.get("text"), str) and not p.get("thought")
    )


def _prompt(record: dict[str, Json]) -> str | None:
    """What the person typed in a `user` message; None when Gemini CLI wrote
    it (a tool result, injected context)."""
    content = _parts(record.get("content"))
    texts = [p["text"] for p in content if isinstance(p.get("text"), str)]
    if not texts and any("functionResponse" in p for p in content):
        return None
    if "".join(texts).lstrip().startswith(_INJECTED):
        return None
    shown = record.get("displayContent")
    pieces: list[str] = []
    for part in _parts(shown) if shown is not None else content:
        text = part.get("text")
        if isinstance(text, str):
            if text.startswith(REFERENCE_START):
                break  # the files an @reference pulled in follow
            if not _SYSTEM_NOTE.fullmatch(text):
                pieces.append(text)
        else:
            note = _attachment(part)
            if note is not None:
                pieces.append(note)
    return "".join(pieces)


def _usage(tokens: object) -> Usage | None:
    """Gemini's counts: `input` (promptTokenCount) includes the `cached`
    ones, `tool` (toolUsePromptTokenCount) is input counted apart, `thoughts`
    is output."""
    if not isinstance(tokens, dict):
        return None

    def count(name: str) -> int:
        value = tokens.get(name)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    cached = count("cached")
    return Usage(
        input_tokens=max(0, count("input") - cached) + count("tool"),
        output_tokens=count("output") + count("thoughts"),
        cache_read_tokens=cached,
    )


def _result_text(call: dict[str, Json]) -> str:
    pieces = []
    for part in _parts(call.get("result")):
        response = part.get("functionResponse")
        if isinstance(response, dict):
            body = response.get("response")
            if isinstance(body, dict) and isinstance(body.get("output"), str):
                pieces.append(body["output"])
            elif isinstance(body, dict) and isinstance(body.get("error"), str):
                pieces.append(body["error"])
            elif body is not None:
                pieces.append(json.dumps(body, ensure_ascii=False))
        elif isinstance(part.get("text"), str):
            pieces.append(part["text"])
        else:
            note = _attachment(part)
            if note is not None:
                pieces.append(note)
    text = "\n".join(p for p in pieces if p)
    if not text and isinstance(call.get("resultDisplay"), str):
        text = call["resultDisplay"]
    return text


def _failed(call: dict[str, Json]) -> bool:
    if call.get("status") in ("error", "cancelled"):
        return True
    for part in _parts(call.get("result")):
        response = part.get("functionResponse")
        if isinstance(response, dict):
            body = response.get("response")
            if isinstance(body, dict) and body.get("error") is not None:
                return True
    return False


def _chats_folder(path: Path) -> Path | None:
    for folder in (path.parent, path.parent.parent):
        if folder.name == "chats":
            return folder
    return None


def _read_small(path: Path, limit: int) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


@attrs.define
class _Run:
    """What one import run learns across files: each project temp folder's
    project, each Gemini folder's registry."""

    projects: dict[tuple[str, str], str | None] = attrs.field(factory=dict)
    registries: dict[str, dict[str, str]] = attrs.field(factory=dict)

    def registry(self, gemini: Path) -> dict[str, str]:
        """`projects.json`: project root -> slug."""
        key = str(gemini)
        if key not in self.registries:
            found: dict[str, str] = {}
            data = _read_small(gemini / "projects.json", 1 << 20)
            try:
                parsed = json.loads(data) if data else None
            except (ValueError, RecursionError):
                parsed = None
            projects = parsed.get("projects") if isinstance(parsed, dict) else None
            if isinstance(projects, dict):
                found = {k: v for k, v in projects.items() if isinstance(v, str) and k}
            self.registries[key] = found
        return self.registries[key]

    def project(self, path: Path, project_hash: str | None) -> str | None:
        """The folder a session file's project temp folder stands for:
        its `.project_root`, its slug in `projects.json`, or the root whose
        sha256 is the folder's name or the session's `projectHash`."""
        chats = _chats_folder(path)
        if chats is None:
            return None
        temp = chats.parent
        key = (str(temp), project_hash or "")
        if key not in self.projects:
            self.projects[key] = self._find(temp, project_hash)
        return self.projects[key]

    def _find(self, temp: Path, project_hash: str | None) -> str | None:
        own = _root_file(temp)
        if own is not None:
            return own
        tmp = temp.parent
        gemini = tmp.parent
        registry = self.registry(gemini) if tmp.name == "tmp" else {}
        for root, slug in registry.items():
            if slug == temp.name:
                return root
        candidates = list(registry)
        try:
            siblings = sorted(tmp.iterdir()) if tmp.name == "tmp" else []
        except OSError:
            siblings = []
        for sibling in siblings:
            marked = _root_file(sibling)
            if marked is not None:
                candidates.append(marked)
        wanted = {temp.name.lower(), (project_hash or "").lower()} - {""}
        for root in candidates:
            if hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest() in wanted:
                return root
        return None


def _root_file(folder: Path) -> str | None:
    data = _read_small(folder / ".project_root", 4096)
    if not data:
        return None
    text = data.decode("utf-8", "replace").strip()
    return text if text and "\n" not in text else None


class _Conversation:
    """One session being read; `save()` is what its import state carries."""

    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        self.path = path
        self.run = run
        self.saved = dict(state or {})
        self.units: set[str] = set(self.saved.get("u") or [])
        self.meta: dict[str, Json] = dict(self.saved.get("m") or {})
        self.title_sent: str | None = self.saved.get("t")
        self.made = bool(self.saved.get("made"))
        self.events: list[ImportedEvent] = []
        chats = _chats_folder(path)
        parent = path.parent.name if chats is not None and chats != path.parent else None
        self.parent = session_id(parent)

    def save(self, **extra: Json) -> dict[str, Json]:
        return {
            **self.saved,
            **extra,
            "u": sorted(self.units),
            "m": self.meta,
            "t": self.title_sent,
            "made": self.made,
        }

    # What the session is

    def ulid(self) -> str:
        sid = str(self.meta["id"])
        own = session_id(sid) or made_id("gemini", sid)
        return child_id(self.parent, own) if self.parent is not None else own

    def title(self) -> str | None:
        summary = self.meta.get("summary")
        if isinstance(summary, str) and summary.strip():
            return summary.strip()[:256]
        return None

    def imported(self) -> ImportedSession:
        project = self.run.project(self.path, self.meta.get("hash"))
        if project is None and isinstance(self.meta.get("dir"), str):
            project = self.meta["dir"]
        return ImportedSession(
            self.ulid(),
            NAME,
            int(self.meta.get("start") or 0),
            title=self.title(),
            parent_ulid=self.parent,
            source=NAME,
            source_id=str(self.meta["id"])[:256],
            project=project or None,
        )

    def header(self, record: dict[str, Json]) -> None:
        """The metadata line (or a whole record): the session's id, start,
        project hash, kind, folders and summary."""
        if not self.meta.get("id"):
            self.meta["id"] = record["sessionId"]
        start = parse_time(record.get("startTime"), naive="utc")
        if start is not None and not self.meta.get("start"):
            self.meta["start"] = start
        if isinstance(record.get("projectHash"), str):
            self.meta["hash"] = record["projectHash"]
        self.update(record)

    def update(self, values: dict[str, Json]) -> None:
        """`$set` values (or a header's): the summary and folders."""
        if isinstance(values.get("summary"), str):
            self.meta["summary"] = values["summary"]
        folders = values.get("directories")
        if isinstance(folders, list) and folders and isinstance(folders[0], str):
            self.meta["dir"] = folders[0]

    # Messages

    def add(self, kind: str, text: str, when: int, meta: dict[str, Json] | None = None) -> None:
        if not self.meta.get("start"):
            self.meta["start"] = when
        self.events.append(ImportedEvent(kind, text, when, meta))

    def message(self, record: dict[str, Json], checkpoint: bool = False) -> str | None:
        """One message record; a checkpoint's messages count only when the
        message was recorded on its own before (else Gemini CLI made it)."""
        mid = record["id"]
        seen = _unit("s", mid)
        if checkpoint and seen not in self.units:
            return None
        kind = record.get("type")
        if kind not in ("user", "gemini", "info", "error", "warning"):
            return "messages of a type Gemini CLI does not write"
        when = parse_time(record.get("timestamp"), naive="utc")
        if when is None:
            return "messages without a time"
        if kind == "gemini":
            self.units.add(seen)
            self.reply(mid, record, when)
            return None
        if seen in self.units:
            return None  # a message other than a reply is taken once
        self.units.add(seen)
        if kind == "user":
            text = _prompt(record)
            if text is not None and text.strip():
                self.add("prompt", text, when)
            return None
        text = _text(record.get("content"))
        if not text.strip():
            return None
        if kind == "error":
            self.add("alert", text, when)
        elif kind == "warning" or text.startswith("Request cancelled"):
            self.add("warn", text, when)
        return None

    def reply(self, mid: str, record: dict[str, Json], when: int) -> None:
        """A model turn: its text, then each tool call and, once it ended,
        its result. The usage goes on the first event yielded for it."""
        model = record.get("model") if isinstance(record.get("model"), str) else None
        usage = _usage(record.get("tokens"))
        usage_unit = _unit("u", mid)

        def meta(tool: str | None = None) -> dict[str, Json] | None:
            nonlocal usage
            given = None
            if usage is not None and usage_unit not in self.units:
                self.units.add(usage_unit)
                given, usage = usage, None
            return make_meta(model=model, usage=given, tool=tool)

        text_unit = _unit("g", mid)
        text = _text(record.get("content"))
        if text_unit not in self.units and text.strip():
            self.units.add(text_unit)
            self.add("system", text, when, meta())
        calls = record.get("toolCalls")
        for i, call in enumerate(calls if isinstance(calls, list) else []):
            if not isinstance(call, dict):
                continue
            name = call.get("name") if isinstance(call.get("name"), str) else None
            ident = str(call["id"]) if isinstance(call.get("id"), str) else f"#{i}"
            call_unit = _unit("c", mid, ident)
            if call_unit not in self.units:
                self.units.add(call_unit)
                self.add("command", call_text(name, call.get("args")), when, meta(name))
            result_unit = _unit("r", mid, ident)
            status = call.get("status")
            ended = status in _TERMINAL or (status is None and call.get("result") is not None)
            if ended and result_unit not in self.units:
                self.units.add(result_unit)
                done = parse_time(call.get("timestamp"), naive="utc") or when
                self.add(
                    "command",
                    _result_text(call),
                    max(done, when),
                    make_meta(tool=name, is_error=_failed(call)),
                )

    # The JSON-lines log

    def line(self, record: dict[str, Json]) -> str | None:
        if isinstance(record.get("$rewindTo"), str):
            return None  # what was taken back stays: see the module's note
        if isinstance(record.get("id"), str):
            if not self.meta.get("id"):
                raise NotRecognised(
                    f"{self.path} has messages before any Gemini CLI session line: "
                    "not a Gemini CLI chat recording"
                )
            return self.message(record)
        if isinstance(record.get("$set"), dict):
            values = record["$set"]
            self.update(values)
            messages = values.get("messages")
            if isinstance(messages, list):
                for message in messages:
                    if isinstance(message, dict) and isinstance(message.get("id"), str):
                        self.message(message, checkpoint=True)
            return None
        if isinstance(record.get("sessionId"), str) and isinstance(record.get("projectHash"), str):
            self.header(record)
            messages = record.get("messages")  # a whole record on one line
            if isinstance(messages, list):
                for message in messages:
                    if isinstance(message, dict) and isinstance(message.get("id"), str):
                        self.message(message)
            return None
        if not self.meta.get("id"):
            raise NotRecognised(f"{self.path} is not a Gemini CLI chat recording: {_looks(record)}")
        return "lines of a shape Gemini CLI does not write"

    def flush(self) -> Iterator[Item]:
        if self.events and self.meta.get("id"):
            self.made = True
            self.title_sent = self.title()
            yield Turns(self.imported(), self.events)
        self.events = []

    def retitle(self) -> Iterator[Item]:
        """The summary, written later than the turns, for a stored session."""
        if self.made and self.meta.get("id") and self.title() != self.title_sent:
            self.title_sent = self.title()
            yield Turns(self.imported(), update_only=True)


def _looks(record: dict[str, Json]) -> str:
    """What a JSON line of another program looks like, in a few words."""
    if "payload" in record and "type" in record:
        return "its lines look like a Codex rollout"
    if "sessionId" in record and ("uuid" in record or "message" in record):
        return "its lines look like a Claude Code transcript"
    return "its first line is JSON without a Gemini CLI session id"


class _Log:
    """The `Records` of `lines.read_records` for a `.jsonl` session."""

    def __init__(self, conversation: _Conversation):
        self.conversation = conversation

    def line(self, record: dict[str, Json]) -> str | None:
        return self.conversation.line(record)

    def flush(self) -> Iterator[Item]:
        return self.conversation.flush()

    def state(self, offset: int) -> dict[str, Json]:
        return self.conversation.save(offset=offset, ok=_check(self.conversation.path, offset))


def _check(path: Path, offset: int) -> int:
    """A checksum of the bytes just before `offset`."""
    start = max(0, offset - CHECK_BYTES)
    try:
        with open(path, "rb") as f:
            f.seek(start)
            return zlib.crc32(f.read(offset - start))
    except OSError:
        return -1


def _is_log(path: Path) -> bool:
    """Whether the file is JSON lines (its first line a JSON object, or a
    `.jsonl` whose first line is not the `{` of a pretty-printed document)
    rather than one document."""
    head = _read_small(path, 1 << 16) or b""
    first = head.split(b"\n", 1)[0].strip()
    if first and isinstance(load_json_line(first), dict):
        return True
    return path.suffix == ".jsonl" and first != b"{"


class GeminiCli(FileSource[_Run]):
    name = NAME
    label = "Gemini CLI"
    url = "https://github.com/google-gemini/gemini-cli"
    description = (
        "Gemini CLI's chats (~/.gemini/tmp/*/chats, .json and .jsonl), sub-agents as child sessions"
    )
    resume = ("gemini", "--resume", "{id}")
    install = "npm install -g @google/gemini-cli"
    skip_dirs = _SKIP_DIRS

    def check(self, path: Path, state: Mapping[str, Json] | None) -> str | None:
        """None: a session's `.json` and its `.jsonl` share one key, and the
        reader checks what it read itself (`ok`, the bytes before its offset)."""
        return None

    def default_paths(self) -> list[Path]:
        """`~/.gemini/tmp` (`$GEMINI_CLI_HOME/.gemini/tmp`), on every system."""
        return [gemini_dir() / "tmp"]

    def wanted(self, path: Path) -> bool:
        if path.suffix not in (".json", ".jsonl"):
            return False
        if path.parent.name == "chats":
            return path.name.startswith("session-")
        return path.parent.parent.name == "chats"

    def order(self, path: Path) -> tuple[object, ...]:
        # Main sessions before sub-agents, so that a parent is stored first.
        return (0 if path.parent.name == "chats" else 1, path.name, str(path))

    def key(self, path: Path) -> str:
        """The session's id from the file's head (its first line, or the
        document's first key): the same session in a hash and a slug
        folder, or as `.json` and `.jsonl`, is one session."""
        head = _read_small(path, 4096) or b""
        found = _SESSION_ID.search(head)
        if found is not None:
            return f"session {found.group(1).decode()}"
        return "head " + hashlib.sha256(head).hexdigest()[:32]

    def stamp(self, path: Path) -> list[int]:
        """Size and checksums of the first and last 4 KiB, not the time: the
        same session copied to another folder (the slug copy of a hash
        folder) has the same stamp, so reading one leaves the other
        unchanged. Gemini CLI's every write changes the size or, for a whole
        document, its `lastUpdated` near the head."""
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4096)
            f.seek(max(0, size - 4096))
            tail = f.read(4096)
        return [size, zlib.crc32(head), zlib.crc32(tail)]

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        total = path.stat().st_size
        offset = int((state or {}).get("offset", 0))
        return total - offset if 0 < offset <= total else total

    def shrunk(self, path: Path, state: Mapping[str, Json]) -> bool:
        return False  # a rewritten or other copy is read again, by content

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        conversation = _Conversation(path, state, run)
        if path.stat().st_size == 0:
            yield Mark(conversation.save(), 0, 0)  # nothing written yet
        elif _is_log(path):
            yield from self._log(path, state or {}, conversation)
        else:
            yield from self._document(path, state or {}, conversation)

    def _log(
        self, path: Path, state: Mapping[str, Json], conversation: _Conversation
    ) -> Iterator[Item]:
        offset = int(state.get("offset", 0))
        if offset and (offset > path.stat().st_size or _check(path, offset) != state.get("ok")):
            offset = 0  # not the file read before: read it all, by content
        if offset == 0:
            lines = [line for line in head_lines(path) if line.strip()]
            if lines and not any(isinstance(load_json_line(line), dict) for line in lines):
                with open(path, "rb") as f:
                    first = f.read(16)
                raise NotRecognised(
                    f"{path} is not a Gemini CLI chat recording: it looks like "
                    f"{looks_like(lines, first)}"
                )
        log = _Log(conversation)
        end, start, records = yield from read_records(path, {"offset": offset}, log, MARK_EVERY)
        yield from conversation.retitle()
        yield Mark(log.state(end), end - start, records)

    def _document(
        self, path: Path, state: Mapping[str, Json], conversation: _Conversation
    ) -> Iterator[Item]:
        size = path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            raise SourceUnreadable(
                f"{path} is {size:,} bytes, over the {MAX_DOCUMENT_BYTES:,} a Gemini CLI "
                "session document is read up to"
            )
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:32]
        if state.get("doc") == digest:
            yield Mark(conversation.save(), len(data), 0)
            return
        try:
            document = json.loads(data)
        except (ValueError, RecursionError):
            if b'"sessionId"' in data[:4096]:
                raise SourceUnreadable(
                    f"{path} is not whole JSON at the moment (Gemini CLI rewrites it in "
                    "place); it is read again when it changes"
                ) from None
            raise NotRecognised(
                f"{path} is neither JSON lines nor a JSON document: not a Gemini CLI chat recording"
            ) from None
        if isinstance(document, list):
            raise NotRecognised(
                f"{path} is a JSON list (as Gemini CLI's prompt log, logs.json, is), "
                "not a chat recording"
            )
        if not isinstance(document, dict) or not isinstance(document.get("sessionId"), str):
            saved = isinstance(document, dict) and "history" in document
            raise NotRecognised(
                f"{path} is a /chat save checkpoint, not a chat recording (its turns are "
                "in the session it was saved from)"
                if saved
                else f"{path} is JSON without a Gemini CLI sessionId: not a chat recording"
            )
        conversation.header(document)
        messages = document.get("messages")
        records = 0
        for message in messages if isinstance(messages, list) else []:
            if not isinstance(message, dict) or not isinstance(message.get("id"), str):
                yield Skipped("messages without an id")
                continue
            problem = conversation.message(message)
            if problem is None:
                records += 1
            else:
                yield Skipped(problem)
        yield from conversation.flush()
        yield from conversation.retitle()
        yield Mark(conversation.save(doc=digest), len(data), records)


SOURCE = GeminiCli()
