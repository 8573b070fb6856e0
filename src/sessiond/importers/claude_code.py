"""Claude Code: the transcripts under `~/.claude/projects/`.

One JSON object per line (`<project>/<sessionId>.jsonl`). Lines of type
`user`, `assistant`, `system` and `attachment` carry `sessionId`, `uuid`,
`parentUuid`, `timestamp`, `version`, `cwd`, `gitBranch`, `isSidechain`;
`user` and `assistant` lines a `message` (`content` a string or a list of
blocks: `text`, `tool_use`, `tool_result`, `thinking`, `image`). One API
message may be written as several lines sharing `message.id`, each
repeating its `model` and `usage`. A sub-agent's conversation is
`isSidechain: true` lines, in the main file (older), in
`<project>/agent-<agentId>.jsonl` (older still) or in
`<sessionId>/subagents/agent-<agentId>.jsonl`; it becomes a session of its
own whose parent is the main session. Titles: `custom-title` (the person's
/rename), else `ai-title`, else a `summary` line (keyed by its last
message's `leafUuid`, possibly in another transcript, also one imported in
an earlier run: the project's transcripts are searched for it).

What becomes what: the person's text is a `prompt`, without what an editor
added to it (`<ide_opened_file>`, `<ide_selection>`: Claude Code's own
pattern, and leading `<system-reminder>` blocks); a message typed while
Claude works and absorbed into the running turn (an `attachment` of type
`queued_command` whose origin is absent or human) is a `prompt` too, and the
`queue-operation` lines that note the queue are never read as turns, so no
message counts twice (Claude Code's own rule). A slash command or `!` shell
input they typed is a `command`, and its output (`<local-command-stdout>`,
`<bash-stdout>`) a `command`; assistant text is `system`; each `tool_use`
and `tool_result` is a `command` with `meta.tool` (a result with `is_error`
has `meta.isError`); an interruption marker is `warn`, an API error message
`alert`. Replies and calls carry `meta.model`; `message.usage` (uncached
input, cache writes and reads, output) is counted once per `message.id`, on
its first event. Left out: thinking, images, lines the tool marks `isMeta`
(injected reminders and caveats), messages whose `origin` is not the person
(background task notifications), compaction summaries, and bookkeeping lines.

The session's `sourceId` is its `sessionId` (`claude --resume` takes it;
sub-agents have none), `project` the `cwd` and `branch` the `gitBranch` of
its first line that has one.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
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
    child_id,
    head_digest,
    head_lines,
    load_json_line,
    looks_like,
    parse_time,
    session_id,
)
from sessiond.importers.lines import read_lines, read_records
from sessiond.importers.source import FileSource
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

MARK_EVERY = 2000  # lines between marks
NAME = "claude-code"

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TITLE_PRIORITY = {"summary": 1, "ai-title": 2, "custom-title": 3}
# Claude Code's own pattern for the context its IDE extensions put into a
# message (global, then the text is trimmed).
_IDE = re.compile(r"<(ide_opened_file|ide_selection)(?:\s[^>]*)?>[\s\S]*?</\1>\n?")
_REMINDER = re.compile(r"\s*<system-reminder>[\s\S]*?</system-reminder>")
# A line's own "uuid" key (not an escaped one inside a string).
_UUID_KEY = re.compile(rb'(?<!\\)"uuid":\s*"([0-9a-fA-F-]{36})"')
_KEEP_TOOLS = 256  # tool_use ids remembered to name their results
_KEEP_QUEUED = 64  # queued messages remembered to never take twice
_LINE_TYPES = frozenset(
    (
        "user",
        "assistant",
        "system",
        "attachment",
        "summary",
        "custom-title",
        "ai-title",
        "last-prompt",
        "queue-operation",
        "file-history-snapshot",
        "progress",
    )
)


def strip_injected(text: str) -> str:
    """`text` without what Claude Code's editor integrations put into a
    person's message, nor leading system reminders; trimmed when anything
    was taken out."""
    cut = _IDE.sub("", text)
    while True:
        found = _REMINDER.match(cut)
        if found is None:
            break
        cut = cut[found.end() :]
    return text if cut == text else cut.strip()


def _tag(text: str, name: str) -> str | None:
    found = re.search(rf"<{name}>(.*?)</{name}>", text, re.S)
    return found.group(1) if found else None


def _person_text(text: str) -> tuple[str, str] | None:
    """(kind, text) for text the person's side of a transcript carries."""
    text = strip_injected(text)
    head = text.lstrip()[:64]
    if head.startswith("<"):
        name = _tag(text, "command-name")
        if name is not None:
            args = _tag(text, "command-args") or ""
            return "command", f"{name.strip()} {args.strip()}".strip()
        for tag in ("local-command-stdout", "local-command-stderr"):
            if head.startswith(f"<{tag}>"):
                return "command", _tag(text, tag) or ""
        if head.startswith("<bash-input>"):
            return "command", "! " + (_tag(text, "bash-input") or "")
        if head.startswith(("<bash-stdout>", "<bash-stderr>")):
            out = [_tag(text, "bash-stdout") or "", _tag(text, "bash-stderr") or ""]
            return "command", "\n".join(part for part in out if part)
        if head.startswith(("<local-command-caveat>", "<task-notification>")):
            return None
    if head.startswith("[Request interrupted by user"):
        return "warn", text
    return "prompt", text


def _usage(value: object) -> Usage | None:
    """Anthropic's usage (input_tokens are those read from no cache)."""
    if not isinstance(value, dict):
        return None
    counts = []
    for key in (
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
    ):
        count = value.get(key)
        if count is None:
            count = 0
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            return None
        counts.append(count)
    if not any(counts):
        return None
    return Usage(*counts)


def _most(a: Usage | None, b: Usage | None) -> Usage | None:
    """Each count's larger value: a streamed message's later lines count more."""
    if a is None or b is None:
        return a or b
    return Usage(*(max(x, y) for x, y in zip(attrs.astuple(a), attrs.astuple(b), strict=True)))


def _text_of(value: object) -> str | None:
    """A string, or the text blocks of a list joined (images left out)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [
            b["text"]
            for b in value
            if isinstance(b, dict) and b.get("type") == "text" and isinstance(b.get("text"), str)
        ]
        return "\n".join(texts)
    return None


def _field(line: dict[str, Json], key: str, limit: int) -> str | None:
    value = line.get(key)
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


class _Transcript:
    """The state of one file's read: what `Mark.state` carries between runs."""

    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        state = state or {}
        self.fallback_id = path.stem
        self.folder = path.parent
        self.run = run
        # ulid -> [version, started, parent, cwd, branch]
        self.sessions: dict[str, list[Json]] = {
            ulid: [*info, None, None][:5] for ulid, info in state.get("s", {}).items()
        }
        self.titles: dict[str, list[Json]] = dict(state.get("t", {}))
        self.side: dict[str, str] = dict(state.get("side", {}))
        msg = [*(state.get("msg") or []), None, [], True][:3]
        self.msg_id: str | None = msg[0]
        self.msg_seen: set[str] = set(msg[1])
        self.usage_done: bool = bool(msg[2])
        self.msg_usage: Usage | None = None
        self.usage_at: tuple[str, int] | None = None  # the pending event holding it
        self.last_time: dict[str, int] = dict(state.get("last", {}))
        self.tools: dict[str, str] = dict(state.get("tools", {}))
        self.queued: list[str] = list(state.get("queued", []))
        self.pending: dict[str, list[ImportedEvent]] = {}
        self.changed_titles: set[str] = set()

    def state(self, offset: int) -> dict[str, Json]:
        tails: dict[str, str] = {}
        for uuid, child in self.side.items():
            tails[child] = uuid  # the newest line of each side chain (insertion order)
        return {
            "offset": offset,
            "s": self.sessions,
            "t": self.titles,
            "side": {uuid: child for child, uuid in tails.items()},
            "msg": [self.msg_id, sorted(self.msg_seen), self.usage_done],
            "last": self.last_time,
            "tools": dict(list(self.tools.items())[-_KEEP_TOOLS:]),
            "queued": self.queued[-_KEEP_QUEUED:],
        }

    def imported(self, ulid: str) -> ImportedSession:
        version, started, parent, cwd, branch = self.sessions[ulid]
        title = self.titles.get(ulid, [0, None])[1]
        cli = f"{NAME} {version}" if version else NAME
        return ImportedSession(
            ulid,
            cli[:256],
            started,
            title=title,
            parent_ulid=parent,
            source=NAME,
            source_id=ulid if parent is None else None,
            project=cwd,
            branch=branch,
        )

    def session_of(self, line: dict[str, Json]) -> tuple[str, str | None] | None:
        """The line's session, and its parent when it is a side conversation."""
        given = line.get("sessionId")
        main = session_id(self.fallback_id if given is None else given)
        if main is None or line.get("isSidechain") is not True:
            return None if main is None else (main, None)
        agent = line.get("agentId")
        uuid = line.get("uuid")
        if isinstance(agent, str) and agent:
            child = child_id(main, agent)
        else:
            # Older side chains have no agent id: a chain is known by its
            # first line, and each line follows its parentUuid.
            parent_uuid = line.get("parentUuid")
            found = self.side.get(parent_uuid) if isinstance(parent_uuid, str) else None
            child = found or child_id(main, uuid if isinstance(uuid, str) else "sidechain")
        if isinstance(uuid, str):
            self.side[uuid] = child
        return child, main

    def register(self, ulid: str, parent: str | None, line: dict[str, Json], when: int) -> None:
        self.run.sessions[ulid] = self
        info = self.sessions.get(ulid)
        if info is None:
            version = line.get("version")
            info = self.sessions[ulid] = [
                version if isinstance(version, str) else None,
                when,
                parent,
                None,
                None,
            ]
        # The version, folder and branch of the first line that has them.
        if info[0] is None:
            info[0] = _field(line, "version", 64)
        if info[3] is None:
            info[3] = _field(line, "cwd", 4096)
        if info[4] is None:
            info[4] = _field(line, "gitBranch", 256)

    def title(self, ulid: str | None, kind: str, text: object) -> None:
        if ulid is None or not isinstance(text, str) or not text.strip():
            return
        priority = _TITLE_PRIORITY[kind]
        if priority >= self.titles.get(ulid, [0, None])[0]:
            self.titles[ulid] = [priority, text.strip()[:256]]
            self.changed_titles.add(ulid)

    def add(self, ulid: str, kind: str, text: str, when: int, meta: Json = None) -> int:
        events = self.pending.setdefault(ulid, [])
        events.append(ImportedEvent(kind, text, when, meta))
        return len(events) - 1

    def line(self, line: dict[str, Json]) -> str | None:
        """Take one line in; the reason when it cannot be read."""
        try:
            return self._line(line)
        except (TypeError, AttributeError, ValueError):
            return "lines with a value of an unexpected type"

    def _line(self, line: dict[str, Json]) -> str | None:
        kind = line.get("type")
        if kind in ("user", "assistant", "system", "attachment"):
            return self.message(line, kind)
        if kind in ("custom-title", "ai-title"):
            field = "customTitle" if kind == "custom-title" else "aiTitle"
            self.title(session_id(line.get("sessionId")), kind, line.get(field))
        elif kind == "summary":
            leaf = line.get("leafUuid")
            if isinstance(leaf, str) and isinstance(line.get("summary"), str):
                self.run.summaries.append((leaf, line["summary"], str(self.folder)))
        return None

    def message(self, line: dict[str, Json], kind: str) -> str | None:
        found = self.session_of(line)
        if found is None:
            return "lines without a usable session id"
        ulid, parent = found
        when = parse_time(line.get("timestamp"))
        if when is None:
            if line.get("timestamp") is not None:
                return "lines whose time is not one sessiond can store"
            when = self.last_time.get(ulid)
            if when is None:
                return "lines without a time"
        self.register(ulid, parent, line, when)
        self.last_time[ulid] = when
        uuid = line.get("uuid")
        if line.get("isSidechain") is not True and isinstance(uuid, str):
            self.run.uuids[uuid] = ulid  # a summary's leafUuid may name it
        if kind == "system":
            self.system(ulid, line, when)
            return None
        if kind == "attachment":
            self.attachment(ulid, line, when)
            return None
        message = line.get("message")
        if not isinstance(message, dict):
            return "user or assistant lines without a message"
        if line.get("isMeta") or line.get("isCompactSummary"):
            return None
        content = message.get("content")
        if not isinstance(content, str | list):
            return "user or assistant lines whose content is neither text nor blocks"
        if kind == "user":
            origin = line.get("origin")
            typed = origin is None or (isinstance(origin, dict) and origin.get("kind") == "human")
            self.user(ulid, content, when, typed and uuid not in self.queued)
        else:
            self.assistant(ulid, message, content, when, bool(line.get("isApiErrorMessage")))
        return None

    def user(self, ulid: str, content: object, when: int, typed: bool) -> None:
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                taken = _person_text(block["text"]) if typed else None
                if taken is not None and taken[1].strip():
                    self.add(ulid, taken[0], taken[1], when)
            elif block.get("type") == "tool_result":
                ident = block.get("tool_use_id")
                tool = self.tools.get(ident) if isinstance(ident, str) else None
                failed = True if block.get("is_error") is True else None
                meta = make_meta(tool=tool, is_error=failed)
                self.add(ulid, "command", block_text(block.get("content")), when, meta)

    def attachment(self, ulid: str, line: dict[str, Json], when: int) -> None:
        """A message typed while Claude worked, absorbed into the running turn."""
        att = line.get("attachment")
        if not isinstance(att, dict) or att.get("type") != "queued_command":
            return
        if line.get("isMeta") or att.get("isMeta"):
            return
        origin = att.get("origin")
        if origin is not None and not (isinstance(origin, dict) and origin.get("kind") == "human"):
            return
        mode = att.get("commandMode")
        if mode not in (None, "prompt", "bash"):
            return  # a task notification, not the person
        text = _text_of(att.get("prompt"))
        if text is None:
            return
        text = strip_injected(text)
        if not text.strip() or text.lstrip().startswith("<task-notification>"):
            return
        source = att.get("source_uuid")
        if isinstance(source, str):
            self.queued.append(source)
            del self.queued[:-_KEEP_QUEUED]
        if mode == "bash":
            self.add(ulid, "command", "! " + text, when)
        else:
            self.add(ulid, "prompt", text, when)

    def assistant(
        self, ulid: str, message: dict[str, Json], content: object, when: int, error: bool
    ) -> None:
        msg_id = message.get("id")
        if not isinstance(msg_id, str) or msg_id != self.msg_id:
            self.msg_id = msg_id if isinstance(msg_id, str) else None
            self.msg_seen = set()
            self.msg_usage, self.usage_at, self.usage_done = None, None, False
        model = message.get("model")
        if error or not isinstance(model, str) or not model or model == "<synthetic>":
            model = None
        if not error:
            grown = _most(self.msg_usage, _usage(message.get("usage")))
            if grown != self.msg_usage:
                self.msg_usage = grown
                self.regrow_usage(model)
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return
        for block in blocks:
            if not isinstance(block, dict):
                continue
            tool = None
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                text = block["text"]
                seen = "t" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
                event = ("alert" if error else "system"), text
            elif block.get("type") == "tool_use":
                name = block.get("name")
                tool = name if isinstance(name, str) and name else None
                ident = block.get("id")
                if isinstance(ident, str) and tool is not None:
                    self.tools[ident] = tool
                    if len(self.tools) > 2 * _KEEP_TOOLS:
                        self.tools = dict(list(self.tools.items())[-_KEEP_TOOLS:])
                event = "command", call_text(name, block.get("input"))
                seen = "u" + str(ident)
            else:
                continue
            # A streamed message's lines repeat nothing in today's format;
            # if one does, its block is taken once.
            if self.msg_id is not None:
                if seen in self.msg_seen:
                    continue
                self.msg_seen.add(seen)
            if not event[1].strip():
                continue
            usage = None
            if not self.usage_done and self.msg_usage is not None:
                usage, self.usage_done = self.msg_usage, True
            index = self.add(ulid, event[0], event[1], when, make_meta(model, usage, tool))
            if usage is not None:
                self.usage_at = (ulid, index)

    def regrow_usage(self, model: str | None) -> None:
        """A later line of a message already counted carries larger counts:
        its event (while not handed out yet) takes them."""
        if self.usage_at is None:
            return
        ulid, index = self.usage_at
        events = self.pending.get(ulid)
        if events is None or index >= len(events):
            return
        event = events[index]
        meta = dict(event.meta or {})
        meta.update(make_meta(usage=self.msg_usage) or {})
        events[index] = attrs.evolve(event, meta=meta)

    def system(self, ulid: str, line: dict[str, Json], when: int) -> None:
        content = line.get("content")
        if not isinstance(content, str) or not content.strip():
            return
        if line.get("subtype") == "local_command":
            taken = _person_text(content)
            if taken is not None and taken[1].strip():
                self.add(ulid, taken[0], taken[1], when)
        elif line.get("level") == "error":
            self.add(ulid, "alert", content, when)
        elif line.get("level") == "warning":
            self.add(ulid, "warn", content, when)

    def flush(self) -> Iterator[Turns]:
        for ulid, events in self.pending.items():
            yield Turns(self.imported(ulid), events)
        self.pending = {}
        self.usage_at = None

    def resolve_summaries(self) -> Iterator[Turns]:
        """Summaries whose conversation has been read by now become titles."""
        uuids = self.run.uuids
        left = []
        for leaf, text, folder in self.run.summaries:
            target = uuids.get(leaf)
            if target is None:
                left.append((leaf, text, folder))
            elif target in self.sessions:
                self.title(target, "summary", text)
            else:
                owner = self.run.sessions[target]
                owner.title(target, "summary", text)
                if owner is not self:
                    yield Turns(owner.imported(target), update_only=True)
        self.run.summaries = left


@attrs.define
class _Run:
    """What one import run learns across transcripts."""

    # ulid -> the transcript that holds the session, for summaries read later
    sessions: dict[str, _Transcript] = attrs.field(factory=dict)
    # (leafUuid, summary, folder of its file) lines whose conversation is not read yet
    summaries: list[tuple[str, str, str]] = attrs.field(factory=list)
    # message uuid -> the ulid of the session it belongs to
    uuids: dict[str, str] = attrs.field(factory=dict)


def _find_leaves(folder: Path, leaves: set[str]) -> dict[str, tuple[str, bool]]:
    """leaf uuid -> (its session, whether that session has a title of its
    own) for the main-conversation messages found in `folder`'s transcripts:
    the conversations that summaries read in this run name, imported in an
    earlier one."""
    found: dict[str, tuple[str, bool]] = {}
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file())
    except OSError:
        return found
    for path in files:
        titled: set[str] = set()
        hits: dict[str, str] = {}
        try:
            for line in read_lines(path, 0):
                data = line.data
                if data is None or not line.finished:
                    continue
                if b'-title"' in data[:200]:
                    record = load_json_line(data)
                    if isinstance(record, dict) and record.get("type") in (
                        "custom-title",
                        "ai-title",
                    ):
                        sid = session_id(record.get("sessionId"))
                        if sid is not None:
                            titled.add(sid)
                        continue
                for match in _UUID_KEY.finditer(data):
                    leaf = match.group(1).decode()
                    if leaf not in leaves or leaf in hits:
                        continue
                    record = load_json_line(data)
                    if not isinstance(record, dict) or record.get("uuid") != leaf:
                        continue
                    if record.get("isSidechain") is True:
                        continue
                    sid = session_id(record.get("sessionId", path.stem))
                    if sid is not None:
                        hits[leaf] = sid
        except OSError:
            continue
        for leaf, sid in hits.items():
            found[leaf] = (sid, sid in titled)
        if len(found) == len(leaves):
            break
    return found


class ClaudeCode(FileSource[_Run]):
    name = NAME
    label = "Claude Code"
    url = "https://docs.anthropic.com/en/docs/claude-code"
    description = (
        "Claude Code's transcripts (~/.claude/projects/*/*.jsonl), sub-agents as child sessions"
    )
    resume = ("claude", "--resume", "{id}")
    install = "npm install -g @anthropic-ai/claude-code"

    def default_paths(self) -> list[Path]:
        """`$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects` (the same
        on Linux, macOS and Windows: Claude Code keeps it in the home folder)."""
        base = os.environ.get("CLAUDE_CONFIG_DIR")
        root = Path(base).expanduser() if base else Path.home() / ".claude"
        return [root / "projects"]

    def wanted(self, path: Path) -> bool:
        return path.suffix == ".jsonl"

    def order(self, path: Path) -> tuple[object, ...]:
        # Main transcripts before sub-agents' files, so a parent exists first
        # (told from the path as a string: no Path made for its parent).
        name = os.fspath(path)
        folder, base = os.path.split(name)
        side = base.startswith("agent-") or os.path.basename(folder) == "subagents"
        return (1 if side else 0, name)

    def key(self, path: Path) -> str:
        """A transcript named by its session's uuid is known by that name (and
        its sub-agent folder); another (an older `agent-*.jsonl` beside the
        transcripts, a renamed file) by the session id of its first lines and
        a digest of its first line, so a moved or copied project is not read
        twice. Only a file with no complete line yet is known by its path."""
        if _UUID.fullmatch(path.stem):
            return path.name
        if path.parent.name == "subagents" and _UUID.fullmatch(path.parent.parent.name):
            return f"{path.parent.parent.name}/subagents/{path.name}"
        try:
            lines = head_lines(path)
        except OSError:
            lines = []
        if not lines:
            return str(path.resolve())
        sid = None
        for raw in lines:
            record = load_json_line(raw)
            if isinstance(record, dict) and session_id(record.get("sessionId")):
                sid = record["sessionId"]
                break
        if sid is not None and path.name.startswith("agent-"):
            return f"{sid}/subagents/{path.name}"
        return f"{sid or 'head'}/{head_digest(lines[0])}"

    def legacy_keys(self, path: Path) -> list[str]:
        """The keys an import before version 3 kept this file's state under
        (its path, where the key is now what the file is): for the writer to
        take that state over once, so an upgrade does not import it again."""
        old = str(path.resolve())
        return [old] if self.key(path) != old and not _UUID.fullmatch(path.stem) else []

    def new_run(self) -> _Run:
        return _Run()

    def recognise(self, path: Path) -> None:
        """NotRecognised when the file's first lines are none of Claude Code's."""
        lines = head_lines(path)
        if not lines:
            return  # nothing complete yet: nothing to tell
        for raw in lines:
            record = load_json_line(raw)
            if isinstance(record, dict) and (
                "sessionId" in record or record.get("type") in _LINE_TYPES
            ):
                return
        with open(path, "rb") as f:
            first = f.read(16)
        raise NotRecognised(
            f"{path} is not a Claude Code transcript: it looks like {looks_like(lines, first)}"
        )

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        if not int((state or {}).get("offset", 0)):
            self.recognise(path)
        transcript = _Transcript(path, state, run)
        offset, start, records = yield from read_records(path, state, transcript, MARK_EVERY)
        yield from transcript.resolve_summaries()
        for ulid in sorted(transcript.changed_titles):
            if ulid in transcript.sessions:
                yield Turns(transcript.imported(ulid))
        yield Mark(transcript.state(offset), offset - start, records)

    def finish(self, run: _Run) -> Iterator[Item]:
        """Summaries naming a conversation imported in an earlier run: found
        in the transcripts beside the file that held them."""
        by_folder: dict[str, dict[str, str]] = {}
        for leaf, text, folder in run.summaries:
            by_folder.setdefault(folder, {})[leaf] = text
        left = 0
        for folder, summaries in by_folder.items():
            found = _find_leaves(Path(folder), set(summaries))
            for leaf, text in summaries.items():
                if leaf not in found:
                    left += 1
                    continue
                ulid, titled = found[leaf]
                if titled:
                    continue  # the session's own title (custom or AI) stays
                session = ImportedSession(ulid, NAME, 0, title=text.strip()[:256] or None)
                if session.title is not None:
                    yield Turns(session, update_only=True)
        run.summaries = []
        if left:
            yield Skipped("summary lines whose conversation was not found", left)


SOURCE = ClaudeCode()
