"""Claude Code: the transcripts under `~/.claude/projects/`.

One JSON object per line (`<project>/<sessionId>.jsonl`). Lines of type
`user` and `assistant` carry `sessionId`, `uuid`, `parentUuid`, `timestamp`,
`version`, `isSidechain` and `message` (`content` a string or a list of
blocks: `text`, `tool_use`, `tool_result`, `thinking`, `image`). One API
message may be written as several lines sharing `message.id`. A sub-agent's
conversation is `isSidechain: true` lines, in the main file (older) or in
`<sessionId>/subagents/agent-<agentId>.jsonl`; it becomes a session of its
own whose parent is the main session. Titles: `custom-title` (the person's
/rename), else `ai-title`, else a `summary` line (keyed by its last
message's `leafUuid`).

What becomes what: the person's text is a `prompt`; a slash command or `!`
shell input they typed is a `command`, and its output (`<local-command-
stdout>`, `<bash-stdout>`) a `command`; assistant text is `system`; each
`tool_use` and `tool_result` is a `command`; an interruption marker is
`warn`, an API error message `alert`. Left out: thinking, images, lines the
tool marks `isMeta` (injected reminders and caveats), compaction summaries,
and bookkeeping lines (file-history snapshots, queue operations, ...).
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
    Skipped,
    Turns,
    block_text,
    call_text,
    child_id,
    parse_time,
    session_id,
)
from sessiond.importers.lines import read_records
from sessiond.importers.source import FileSource
from sessiond.store.base import ImportedEvent, ImportedSession

MARK_EVERY = 2000  # lines between marks

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_TITLE_PRIORITY = {"summary": 1, "ai-title": 2, "custom-title": 3}


def _tag(text: str, name: str) -> str | None:
    found = re.search(rf"<{name}>(.*?)</{name}>", text, re.S)
    return found.group(1) if found else None


def _person_text(text: str) -> tuple[str, str] | None:
    """(kind, text) for text the person's side of a transcript carries."""
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
        if head.startswith(("<local-command-caveat>", "<system-reminder>")):
            return None
    if head.startswith("[Request interrupted by user"):
        return "warn", text
    return "prompt", text


class _Transcript:
    """The state of one file's read: what `Mark.state` carries between runs."""

    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        state = state or {}
        self.fallback_id = path.stem
        self.run = run
        self.sessions: dict[str, list[Json]] = dict(state.get("s", {}))
        self.titles: dict[str, list[Json]] = dict(state.get("t", {}))
        self.side: dict[str, str] = dict(state.get("side", {}))
        msg = state.get("msg") or [None, []]
        self.msg_id: str | None = msg[0]
        self.msg_seen: set[str] = set(msg[1])
        self.last_time: dict[str, int] = dict(state.get("last", {}))
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
            "msg": [self.msg_id, sorted(self.msg_seen)],
            "last": self.last_time,
        }

    def imported(self, ulid: str) -> ImportedSession:
        version, started, parent = self.sessions[ulid]
        title = self.titles.get(ulid, [0, None])[1]
        cli = f"claude-code {version}" if version else "claude-code"
        return ImportedSession(ulid, cli[:256], started, title=title, parent_ulid=parent)

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
        if ulid not in self.sessions:
            version = line.get("version")
            self.sessions[ulid] = [version if isinstance(version, str) else None, when, parent]

    def title(self, ulid: str | None, kind: str, text: object) -> None:
        if ulid is None or not isinstance(text, str) or not text.strip():
            return
        priority = _TITLE_PRIORITY[kind]
        if priority >= self.titles.get(ulid, [0, None])[0]:
            self.titles[ulid] = [priority, text.strip()[:256]]
            self.changed_titles.add(ulid)

    def add(self, ulid: str, kind: str, text: str, when: int) -> None:
        self.pending.setdefault(ulid, []).append(ImportedEvent(kind, text, when))

    def line(self, line: dict[str, Json]) -> str | None:
        """Take one line in; the reason when it cannot be read."""
        kind = line.get("type")
        if kind in ("user", "assistant", "system"):
            return self.message(line, kind)
        if kind in ("custom-title", "ai-title"):
            field = "customTitle" if kind == "custom-title" else "aiTitle"
            self.title(session_id(line.get("sessionId")), kind, line.get(field))
        elif kind == "summary":
            leaf = line.get("leafUuid")
            if isinstance(leaf, str) and isinstance(line.get("summary"), str):
                self.run.summaries.append((leaf, line["summary"]))
        return None

    def message(self, line: dict[str, Json], kind: str) -> str | None:
        found = self.session_of(line)
        if found is None:
            return "lines without a usable session id"
        ulid, parent = found
        when = parse_time(line.get("timestamp"))
        if when is None:
            when = self.last_time.get(ulid)
            if when is None:
                return "lines without a time"
        self.register(ulid, parent, line, when)
        self.last_time[ulid] = when
        uuid = line.get("uuid")
        if kind == "system":
            self.system(ulid, line, when)
            return None
        if line.get("isSidechain") is not True and isinstance(uuid, str):
            self.run.uuids[uuid] = ulid
        message = line.get("message")
        if not isinstance(message, dict):
            return "user or assistant lines without a message"
        if line.get("isMeta") or line.get("isCompactSummary"):
            return None
        content = message.get("content")
        if kind == "user":
            self.user(ulid, content, when)
        else:
            self.assistant(ulid, message, content, when, bool(line.get("isApiErrorMessage")))
        return None

    def user(self, ulid: str, content: object, when: int) -> None:
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                taken = _person_text(block["text"])
                if taken is not None and taken[1].strip():
                    self.add(ulid, taken[0], taken[1], when)
            elif block.get("type") == "tool_result":
                self.add(ulid, "command", block_text(block.get("content")), when)

    def assistant(
        self, ulid: str, message: dict[str, Json], content: object, when: int, error: bool
    ) -> None:
        msg_id = message.get("id")
        if msg_id != self.msg_id:
            self.msg_id = msg_id if isinstance(msg_id, str) else None
            self.msg_seen = set()
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return
        for block in blocks:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "text" and isinstance(block.get("text"), str):
                text = block["text"]
                seen = "t" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
                event = ("alert" if error else "system"), text
            elif block.get("type") == "tool_use":
                event = "command", call_text(block.get("name"), block.get("input"))
                seen = "u" + str(block.get("id"))
            else:
                continue
            # A streamed message's lines repeat nothing in today's format;
            # if one does, its block is taken once.
            if self.msg_id is not None:
                if seen in self.msg_seen:
                    continue
                self.msg_seen.add(seen)
            if event[1].strip():
                self.add(ulid, event[0], event[1], when)

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

    def resolve_summaries(self) -> Iterator[Turns]:
        """Summaries whose conversation has been read by now become titles."""
        uuids = self.run.uuids
        left = []
        for leaf, text in self.run.summaries:
            target = uuids.get(leaf)
            if target is None:
                left.append((leaf, text))
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
    # (leafUuid, summary) lines whose conversation is not read yet
    summaries: list[tuple[str, str]] = attrs.field(factory=list)
    # message uuid -> the ulid of the session it belongs to
    uuids: dict[str, str] = attrs.field(factory=dict)


class ClaudeCode(FileSource[_Run]):
    name = "claude-code"
    label = "Claude Code"
    url = "https://docs.anthropic.com/en/docs/claude-code"
    description = (
        "Claude Code's transcripts (~/.claude/projects/*/*.jsonl), sub-agents as child sessions"
    )

    def default_paths(self) -> list[Path]:
        """`$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects`."""
        base = os.environ.get("CLAUDE_CONFIG_DIR")
        root = Path(base).expanduser() if base else Path.home() / ".claude"
        return [root / "projects"]

    def wanted(self, path: Path) -> bool:
        return path.suffix == ".jsonl"

    def order(self, path: Path) -> tuple[object, ...]:
        # Main transcripts before sub-agents' files, so a parent exists first.
        side = path.name.startswith("agent-") or path.parent.name == "subagents"
        return (1 if side else 0, str(path))

    def key(self, path: Path) -> str:
        """A transcript named by its session's uuid is known by that name (and
        its sub-agent folder), so a moved project folder is not read twice."""
        if _UUID.fullmatch(path.stem):
            return path.name
        if path.parent.name == "subagents" and _UUID.fullmatch(path.parent.parent.name):
            return f"{path.parent.parent.name}/subagents/{path.name}"
        return str(path.resolve())

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        transcript = _Transcript(path, state, run)
        offset, start, records = yield from read_records(path, state, transcript, MARK_EVERY)
        yield from transcript.resolve_summaries()
        for ulid in sorted(transcript.changed_titles):
            if ulid in transcript.sessions:
                yield Turns(transcript.imported(ulid))
        yield Mark(transcript.state(offset), offset - start, records)

    def finish(self, run: _Run) -> Iterator[Item]:
        left = len(run.summaries)
        if left:
            yield Skipped("summary lines whose conversation was not read in this import", left)


SOURCE = ClaudeCode()
