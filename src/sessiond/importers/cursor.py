"""Cursor: the conversations in its `state.vscdb`, and its agent transcripts.

Cursor is closed source: this follows public third-party readers of its files
(research notes in the fixtures' README), not Cursor's own code.

**The database.** `<Cursor user folder>/globalStorage/state.vscdb` (SQLite, WAL
mode, written while Cursor runs; opened read-only through its write-ahead
log, nothing created beside it). Its table `cursorDiskKV(key, value)` holds
one `composerData:<composerId>` row per conversation ("composer"): `name`
(the title), `createdAt`/`lastUpdatedAt` (ms), `status`, `modelConfig`,
`createdOnBranch`, `workspaceIdentifier`, `subComposerIds`, and its messages
("bubbles"): inline in `conversation` (older), or listed in order in
`fullConversationHeadersOnly` with each bubble its own
`bubbleId:<composerId>:<bubbleId>` row (newer). A bubble's `type` is 1 for the
person and 2 for the assistant; `text` (else the editor's `richText`),
`createdAt` (ISO), `toolFormerData` (a tool call: `name`, `params`/`rawArgs`,
`result`, `status`), `tokenCount`, `modelInfo.modelName`, `thinking`.
Only `cursorDiskKV` rows of those two kinds (and `messageRequestContext` for
the folder) are read: never `ItemTable`, where Cursor keeps its login tokens,
and a composer's encryption-key fields are never kept.

A composer is a session (`sourceId` its id, `cliVersion` `cursor`: Cursor
records no version), its `name` the title; a sub-composer (`subComposerIds`)
a child session. The person's bubbles are `prompt` events (their words:
Cursor keeps attachments apart), the assistant's text `system` events with
`meta.model` and `meta.usage` (`tokenCount`, when not zero; Cursor does not
say whether its input count includes cached tokens, so there is no cache
split), each tool call two `command` events (call, result) with `meta.tool`
and `meta.isError` (status `error`, or a non-zero exit code). Left out:
thinking, code-block and checkpoint rows, the unsent draft. The project is
the composer's `workspaceIdentifier`, else the workspace whose
`composer.composerData` lists it (its `workspace.json`), else the root of its
request context; the branch `createdOnBranch`.

What was imported is kept per composer: a signature of its row (rowid and
length: Cursor rewrites the row on each change) and digests of the bubbles
imported, so a changed composer adds only its new bubbles, each once it is
finished (not while Cursor is generating it), and a rewind keeps what was
imported.

**Agent transcripts** (`~/.cursor/projects/<folder slug>/agent-transcripts/`):
`<id>/<id>.jsonl` (`{role, message: {content: [blocks]}}` lines and
`{type: "turn_ended"}`) and the older `<id>.txt`. The person's words are the
inside of `<user_query>`; other tagged blocks (`<user_info>`, attachments)
are context Cursor added. They record no times: events take the file's time
when read. A transcript whose id is a composer in Cursor's database is that
conversation, imported from the database, and skipped.

No resume: `cursor-agent --resume` takes the ids of the Cursor CLI's own
chats (`~/.cursor/chats`), which are not these.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import attrs

from sessiond.importers.base import (
    MAX_LINE_BYTES,
    UNFINISHED,
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    SourceUnreadable,
    Turns,
    block_text,
    call_text,
    child_id,
    load_json_line,
    ms_from_epoch,
    parse_time,
    session_id,
    uri_path,
    vscode_user_dirs,
    walk_files,
    workspace_folder,
)
from sessiond.importers.lines import read_lines
from sessiond.importers.source import Source, file_stamp, stat_signature
from sessiond.importers.sqlite_source import open_read_only
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "cursor"
DB_NAME = "state.vscdb"
TRANSCRIPTS = "agent-transcripts"
MARK_EVERY = 100  # composers between marks
BUBBLES_AT_ONCE = 500  # bubble rows a query (under SQLite's least limit of parameters, 999)
MAX_TXT_BYTES = 32 << 20
_DIGEST = 10  # hex characters of a bubble id's digest kept per composer
_TOOL_DONE = frozenset({"completed", "error", "cancelled", "rejected", "aborted"})
_TAG_BLOCK = re.compile(r"\s*<([A-Za-z_][\w-]*)>.*</\1>\s*", re.S)
_QUERY = re.compile(r"<user_query>(.*?)</user_query>", re.S)
# Folders of ~/.cursor that hold no transcripts (extensions, the CLI's chats).
_SKIP_DIRS = (".git", "node_modules", "extensions", "chats", "ai-tracking")
_WINDOWS = re.compile(r"[A-Za-z]:[\\/]")
_WORKSPACE = re.compile(r"^Workspace Path: *(\S.*?)\s*$", re.M)


def home() -> Path:
    return Path.home() / ".cursor"


def _json(value: object) -> Json:
    """A row's value (TEXT or BLOB holding JSON), or None."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def _digest(bubble: str) -> str:
    return hashlib.sha1(bubble.encode("utf-8", "surrogatepass")).hexdigest()[:_DIGEST]


def _digests(packed: object) -> set[str]:
    if not isinstance(packed, str):
        return set()
    return {packed[i : i + _DIGEST] for i in range(0, len(packed), _DIGEST)}


def _rich_text(raw: object) -> str:
    """The text of Cursor's editor state (Lexical JSON, as a string)."""
    data = _json(raw) if isinstance(raw, str) else raw
    blocks = ("paragraph", "code", "heading", "quote", "listitem")

    def walk(node: object, depth: int) -> str:
        if not isinstance(node, dict) or depth > 64:
            return ""
        own = node.get("text")
        text = own if isinstance(own, str) else ""
        children = node.get("children")
        if isinstance(children, list):
            text += "".join(walk(child, depth + 1) for child in children)
        return text + "\n" if node.get("type") in blocks else text

    root = data.get("root") if isinstance(data, dict) else None
    return walk(root, 0).strip()


def _bubble_time(bubble: dict[str, Json]) -> int | None:
    created = bubble.get("createdAt")
    when = parse_time(created, naive="utc") if isinstance(created, str) else ms_from_epoch(created)
    if when is None:
        when = ms_from_epoch(bubble.get("timestamp"))
    timing = bubble.get("timingInfo")
    if when is None and isinstance(timing, dict):
        when = ms_from_epoch(timing.get("clientEndTime")) or ms_from_epoch(
            timing.get("clientRpcSendTime")
        )
    return when


def _usage(bubble: dict[str, Json]) -> Usage | None:
    counts = bubble.get("tokenCount")
    if not isinstance(counts, dict):
        return None
    found = []
    for field in ("inputTokens", "outputTokens"):
        value = counts.get(field)
        found.append(value if isinstance(value, int) and not isinstance(value, bool) else 0)
    if not any(n > 0 for n in found):
        return None  # zeros mean "not recorded" in Cursor's rows
    return Usage(input_tokens=max(found[0], 0), output_tokens=max(found[1], 0))


def _model(bubble: dict[str, Json], composer: dict[str, Json]) -> str | None:
    info = bubble.get("modelInfo")
    name = info.get("modelName") if isinstance(info, dict) else None
    if not isinstance(name, str) or not name.strip():
        config = composer.get("modelConfig")
        name = config.get("modelName") if isinstance(config, dict) else None
    if isinstance(name, str) and name.strip() and name.strip() != "default":
        return name.strip()[:200]
    return None


def _tool_result(raw: object) -> tuple[str, dict[str, Json]]:
    """A tool's result as text, and the object it was (when it was one)."""
    data = _json(raw) if isinstance(raw, str) else raw
    if not isinstance(data, dict):
        return (raw if isinstance(raw, str) else block_text(data)), {}
    for field in ("output", "contents", "content", "text", "markdown"):
        if isinstance(data.get(field), str):
            return data[field], data
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")), data


def _tool_events(tool: dict[str, Json], when: int, usage: Usage | None) -> list[ImportedEvent]:
    name = tool.get("name")
    name = name if isinstance(name, str) and name else "tool"
    args = tool.get("params") if tool.get("params") not in (None, "") else tool.get("rawArgs")
    events = [
        ImportedEvent(
            "command", call_text(name, args), when, make_meta(tool=name[:200], usage=usage)
        )
    ]
    status = tool.get("status")
    text, result = _tool_result(tool.get("result"))
    extra = tool.get("additionalData")
    failed = status == "error" or (isinstance(extra, dict) and extra.get("status") == "error")
    for field in ("exitCode", "exitCodeV2"):
        code = result.get(field)
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            failed = True
    if text.strip():
        events.append(
            ImportedEvent("command", text, when, make_meta(tool=name[:200], is_error=failed))
        )
    if status == "cancelled" or result.get("rejected") is True:
        events.append(ImportedEvent("warn", f"tool call cancelled: {name}", when))
    return events


@attrs.define
class _Run:
    """What one import run learns across files."""

    # composer ids in the Cursor databases read or looked at in this run
    ids: set[str] = attrs.field(factory=set)
    looked: set[str] = attrs.field(factory=set)
    # database path -> composer id -> the folder of the workspace that lists it
    workspaces: dict[str, dict[str, str]] = attrs.field(factory=dict)
    # the workspace folders Cursor knows, for transcripts' folder names
    folders: list[str] | None = None


def _workspaces(db: Path, run: _Run) -> dict[str, str]:
    """composer id -> project folder, from the workspace databases beside
    `db` (`workspaceStorage/*/state.vscdb`, `composer.composerData`)."""
    key = str(db)
    if key in run.workspaces:
        return run.workspaces[key]
    found: dict[str, str] = {}
    storage = db.parent.parent / "workspaceStorage"
    try:
        folders = sorted(p for p in storage.iterdir() if p.is_dir())
    except OSError:
        folders = []
    for folder in folders:
        if not (folder / DB_NAME).is_file():
            continue
        project = workspace_folder(folder / "workspace.json")
        if project is None:
            continue
        try:
            conn = open_read_only(folder / DB_NAME)
        except SourceUnreadable:
            continue
        try:
            row = conn.execute(
                "SELECT value FROM ItemTable WHERE key = 'composer.composerData'"
            ).fetchone()
        except sqlite3.Error:
            row = None
        finally:
            conn.close()
        data = _json(row[0]) if row else None
        heads = data.get("allComposers") if isinstance(data, dict) else None
        for head in heads if isinstance(heads, list) else []:
            ident = head.get("composerId") if isinstance(head, dict) else None
            if isinstance(ident, str):
                found.setdefault(ident, project)
    run.workspaces[key] = found
    return found


def _composer_ids(db: Path) -> set[str]:
    conn = open_read_only(db)
    try:
        return {
            key.split(":", 1)[1]
            for (key,) in conn.execute(
                "SELECT key FROM cursorDiskKV"
                " WHERE key >= 'composerData:' AND key < 'composerData;'"
            )
        }
    except sqlite3.Error:
        return set()
    finally:
        conn.close()


class _Database:
    """One read of Cursor's global database, against what was imported."""

    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        self.path = path
        self.run = run
        self.composers: dict[str, dict[str, Json]] = dict((state or {}).get("c") or {})
        self.conn = open_read_only(path)

    def bubble_rows(self, ident: str, bubble_ids: list[str]) -> dict[str, str | bytes]:
        """The stored rows of a composer's bubbles, by bubble id, in one
        query (not one a bubble: 75,000 of them for 100,000 events)."""
        prefix = f"bubbleId:{ident}:"
        marks = ", ".join("?" * len(bubble_ids))
        found = self.conn.execute(
            f"SELECT key, value FROM cursorDiskKV WHERE key IN ({marks})",
            [prefix + bubble_id for bubble_id in bubble_ids],
        )
        return {key[len(prefix) :]: value for key, value in found if value is not None}

    def value(self, key: str) -> Json:
        row = self.conn.execute("SELECT value FROM cursorDiskKV WHERE key = ?", (key,)).fetchone()
        return _json(row[0]) if row else None

    def project(self, ident: str, data: dict[str, Json]) -> str | None:
        workspace = data.get("workspaceIdentifier")
        if isinstance(workspace, dict):
            found = uri_path(workspace.get("uri"))
            if found is not None:
                return found
        found = _workspaces(self.path, self.run).get(ident)
        if found is not None:
            return found
        row = self.conn.execute(
            "SELECT value FROM cursorDiskKV WHERE key >= ? AND key < ? LIMIT 1",
            (f"messageRequestContext:{ident}:", f"messageRequestContext:{ident};"),
        ).fetchone()
        context = _json(row[0]) if row else None
        layouts = context.get("projectLayouts") if isinstance(context, dict) else None
        for layout in layouts if isinstance(layouts, list) else []:
            layout = _json(layout) if isinstance(layout, str) else layout
            root = layout.get("rootPath") if isinstance(layout, dict) else None
            if isinstance(root, str) and (root.startswith("/") or _WINDOWS.match(root)):
                return root
        return None

    def read(self) -> Iterator[Item]:
        tables = {
            name
            for (name,) in self.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        if "cursorDiskKV" not in tables:
            raise NotRecognised(
                f"{self.path} is not Cursor's database: it has no cursorDiskKV table"
                " (VS Code's own state.vscdb?)"
            )
        rows = self.conn.execute(
            "SELECT rowid, key, length(value) FROM cursorDiskKV"
            " WHERE key >= 'composerData:' AND key < 'composerData;'"
        ).fetchall()
        if not rows and self.path.parent.parent.name == "workspaceStorage":
            raise NotRecognised(
                f"{self.path} is a Cursor workspace database: Cursor keeps its conversations"
                " in globalStorage/state.vscdb"
            )
        signatures = {key.split(":", 1)[1]: [rowid, length] for rowid, key, length in rows}
        self.run.ids.update(signatures)
        self.run.looked.add(str(self.path.resolve()))
        changed: dict[str, dict[str, Json]] = {}
        skipped = 0
        for ident, signature in signatures.items():
            if (self.composers.get(ident) or {}).get("s") == signature:
                continue
            data = self.value(f"composerData:{ident}")
            if not isinstance(data, dict):
                skipped += 1
                self.composers[ident] = {**(self.composers.get(ident) or {}), "s": signature}
                continue
            changed[ident] = data
        if skipped:
            yield Skipped("composer rows that are not a JSON object", skipped)
        parents: dict[str, str] = {
            ident: entry["p"]
            for ident, entry in self.composers.items()
            if isinstance(entry, dict) and isinstance(entry.get("p"), str)
        }
        for ident, data in changed.items():
            children = data.get("subComposerIds")
            for child in children if isinstance(children, list) else []:
                if isinstance(child, str) and child != ident and child not in parents:
                    parents[child] = ident

        def depth(ident: str) -> int:
            seen = 0
            while ident in parents and seen < 32:
                ident, seen = parents[ident], seen + 1
            return seen

        done = records = 0
        for ident in sorted(changed, key=lambda i: (depth(i), i)):
            yield from self.composer(ident, changed[ident], signatures[ident], parents.get(ident))
            done += 1
            records += 1
            if done % MARK_EVERY == 0:
                yield Mark(self.state(), done, records)
                records = 0
        yield Mark(self.state(), done, records)

    def state(self) -> dict[str, Json]:
        return {"c": dict(self.composers)}

    def composer(
        self, ident: str, data: dict[str, Json], signature: list[int], parent: str | None
    ) -> Iterator[Item]:
        entry = dict(self.composers.get(ident) or {})
        parent_ulid = None
        if parent is not None and parent in self.composers:
            parent_ulid = (self.composers[parent] or {}).get("u") or parent
        ulid = entry.get("u")
        if not isinstance(ulid, str):
            # A child's ulid starts with its parent's; once read, a session's
            # ulid stays what it was.
            ulid = session_id(ident) or f"cursor-{_digest(ident)}"
            if parent_ulid is not None and not entry:
                ulid = child_id(parent_ulid, ident)
        if parent_ulid is None and entry.get("p"):
            parent_ulid = (self.composers.get(entry["p"]) or {}).get("u") or entry["p"]
        created = ms_from_epoch(data.get("createdAt"))
        last = entry.get("t")
        last = last if isinstance(last, int) else created
        project = entry.get("j")
        if not isinstance(project, str):
            project = self.project(ident, data)
        if project is None and parent is not None:
            project = (self.composers.get(parent) or {}).get("j")  # a sub-composer's
        done = _digests(entry.get("h"))
        events: list[ImportedEvent] = []
        skipped = untimed = 0
        inline: dict[str, dict[str, Json]] = {}
        order: list[str] = []
        conversation = data.get("conversation")
        if isinstance(conversation, list) and conversation:
            for listed in conversation:
                if isinstance(listed, dict) and isinstance(listed.get("bubbleId"), str):
                    inline[listed["bubbleId"]] = listed
                    order.append(listed["bubbleId"])
        else:
            headers = data.get("fullConversationHeadersOnly")
            for header in headers if isinstance(headers, list) else []:
                if isinstance(header, dict) and isinstance(header.get("bubbleId"), str):
                    order.append(header["bubbleId"])
            mapped = data.get("conversationMap")
            if isinstance(mapped, dict):
                inline.update({k: v for k, v in mapped.items() if isinstance(v, dict)})
        generating = data.get("status") == "generating"
        busy = data.get("generatingBubbleIds")
        busy_ids = {b for b in busy if isinstance(b, str)} if isinstance(busy, list) else set()
        keys = [_digest(bubble_id) for bubble_id in order]
        # The rows of the bubbles not read yet, BUBBLES_AT_ONCE to a query.
        unread = [
            b for b, k in zip(order, keys, strict=True) if k not in done and not inline.get(b)
        ]
        at = {bubble_id: i for i, bubble_id in enumerate(unread)}
        rows: dict[str, str | bytes] = {}
        for position, bubble_id in enumerate(order):
            key = keys[position]
            if key in done:
                continue
            bubble: Json = inline.get(bubble_id)
            if not bubble:
                if bubble_id not in rows and bubble_id in at:
                    first = at[bubble_id]
                    rows = self.bubble_rows(ident, unread[first : first + BUBBLES_AT_ONCE])
                raw = rows.get(bubble_id)
                bubble = _json(raw) if raw is not None else None
            if not isinstance(bubble, dict):
                if generating:
                    break  # may not be written yet
                skipped += 1
                done.add(key)
                continue
            if generating and bubble.get("type") != 1:
                tool = bubble.get("toolFormerData")
                unfinished = isinstance(tool, dict) and tool.get("status") not in _TOOL_DONE
                if bubble_id in busy_ids or position == len(order) - 1 or unfinished:
                    break  # read once Cursor has finished it
            when = _bubble_time(bubble)
            if when is not None:
                last = when if last is None else max(last, when)
            done.add(key)
            if last is None:
                untimed += 1
                continue
            events += self.bubble(bubble, data, last)
        if skipped:
            yield Skipped(
                "messages listed in a conversation whose row is missing or empty", skipped
            )
        if untimed:
            yield Skipped("messages without a time (nor their conversation)", untimed)
        name = data.get("name")
        title = name.strip()[:256] if isinstance(name, str) and name.strip() else None
        branch = data.get("createdOnBranch")
        session = ImportedSession(
            ulid,
            NAME,
            created if created is not None else (last or 0),
            title=title,
            parent_ulid=parent_ulid,
            source=NAME,
            source_id=ident,
            project=project,
            branch=branch.strip()[:256] if isinstance(branch, str) and branch.strip() else None,
        )
        if events:
            yield Turns(session, events)
        elif title is not None and entry.get("h"):
            yield Turns(session, update_only=True)
        entry.update(s=signature, h="".join(sorted(done)))
        if not isinstance(entry.get("u"), str) and ulid != ident:
            entry["u"] = ulid
        if last is not None:
            entry["t"] = last
        if parent is not None:
            entry["p"] = parent
        if project is not None:
            entry["j"] = project
        self.composers[ident] = entry

    def bubble(
        self, bubble: dict[str, Json], composer: dict[str, Json], when: int
    ) -> list[ImportedEvent]:
        text = bubble.get("text")
        text = (
            text if isinstance(text, str) and text.strip() else _rich_text(bubble.get("richText"))
        )
        tool = bubble.get("toolFormerData")
        usage = _usage(bubble)
        events = []
        if bubble.get("type") == 1:
            if text.strip():
                events.append(ImportedEvent("prompt", text, when))
        elif text.strip():
            meta = make_meta(model=_model(bubble, composer), usage=usage)
            events.append(ImportedEvent("system", text, when, meta))
            usage = None
        if isinstance(tool, dict) and (tool.get("name") or tool.get("result") is not None):
            events += _tool_events(tool, when, usage)
        return events


class _Transcript:
    """One agent transcript (`.jsonl`), read from where the last import stopped."""

    def __init__(self, path: Path, state: Mapping[str, Json], fallback: str | None):
        self.path = path
        self.session: list[Json] | None = state.get("s")  # [ulid, started, project]
        self.tools: dict[str, str] = dict(state.get("tools") or {})
        self.when = int(path.stat().st_mtime * 1000)
        self.project: str | None = None  # from the <user_info> Cursor adds
        self.fallback = fallback  # from the folder's name
        self.events: list[ImportedEvent] = []

    def start(self) -> None:
        if self.session is None:
            ulid = session_id(self.path.stem) or f"cursor-{_digest(self.path.stem)}"
            self.session = [ulid, self.when, self.project or self.fallback]

    def imported(self) -> ImportedSession:
        assert self.session is not None
        ulid, started, project = self.session
        return ImportedSession(ulid, NAME, started, source=NAME, source_id=ulid, project=project)

    def add(
        self, kind: str, text: str, tool: str | None = None, is_error: bool | None = None
    ) -> None:
        if text.strip():
            self.start()
            meta = make_meta(tool=tool, is_error=is_error)
            self.events.append(ImportedEvent(kind, text, self.when, meta))

    def user_text(self, text: str) -> None:
        queries = _QUERY.findall(text)
        if queries:
            for query in queries:
                self.add("prompt", query.strip())
            return
        if _TAG_BLOCK.fullmatch(text):
            found = _WORKSPACE.search(text)
            if found and self.project is None:
                self.project = found.group(1)
            return  # context Cursor added, not the person's words
        self.add("prompt", text.strip())

    def line(self, record: dict[str, Json]) -> str | None:
        if record.get("type") == "turn_ended":
            status = record.get("status")
            if status == "aborted":
                self.add("warn", "turn aborted")
            elif status == "error":
                self.add("alert", "turn ended with an error")
            return None
        role = record.get("role")
        message = record.get("message")
        if role not in ("user", "assistant") or not isinstance(message, dict):
            return "transcript lines of a shape Cursor does not write"
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks if isinstance(blocks, list) else []:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                if role == "user":
                    self.user_text(block["text"])
                else:
                    self.add("system", block["text"])
            elif kind == "tool_use":
                name = block.get("name")
                name = name if isinstance(name, str) and name else "tool"
                if isinstance(block.get("id"), str):
                    self.tools[block["id"]] = name
                    while len(self.tools) > 64:
                        del self.tools[next(iter(self.tools))]
                self.add("command", call_text(name, block.get("input")), tool=name[:200])
            elif kind == "tool_result":
                used = block.get("tool_use_id")
                name = self.tools.get(used) if isinstance(used, str) else None
                self.add(
                    "command",
                    block_text(block.get("content")),
                    tool=name,
                    is_error=True if block.get("is_error") is True else None,
                )
        return None

    def flush(self) -> Iterator[Item]:
        if self.events:
            yield Turns(self.imported(), self.events)
            self.events = []

    def state(self, offset: int) -> dict[str, Json]:
        return {"offset": offset, "s": self.session, "tools": self.tools}


def _txt_events(text: str) -> list[tuple[str, str, str | None]]:
    """(kind, text, tool) of an older plain-text transcript: `user:` and
    `assistant:` blocks, `[Tool call] Name` with `  key: value` lines and
    `[Tool result] Name`."""
    events: list[tuple[str, str, str | None]] = []
    role: str | None = None
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        lines.clear()
        if role == "user":
            queries = _QUERY.findall(body)
            for query in queries or ([] if _TAG_BLOCK.fullmatch(body) else [body]):
                if query.strip():
                    events.append(("prompt", query.strip(), None))
        elif role == "assistant" and body:
            events.append(("system", body, None))

    pending: tuple[str, dict[str, str]] | None = None
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line in ("user:", "assistant:"):
            if pending:
                events.append(("command", call_text(pending[0], pending[1]), pending[0]))
                pending = None
            close()
            role = line[:-1]
            continue
        if role == "assistant" and line.startswith("[Tool call] "):
            close()
            pending = (line[len("[Tool call] ") :].strip() or "tool", {})
            continue
        if pending is not None:
            field = re.match(r"\s+([\w.-]+): ?(.*)", line)
            if field:
                pending[1][field.group(1)] = field.group(2)
                continue
            events.append(("command", call_text(pending[0], pending[1]), pending[0]))
            pending = None
        if role == "assistant" and line.startswith("[Tool result] "):
            close()
            continue  # the result's text is not in this format
        lines.append(line)
    if pending:
        events.append(("command", call_text(pending[0], pending[1]), pending[0]))
    close()
    return events


def _transcript_line(record: object) -> bool:
    if not isinstance(record, dict):
        return False
    return record.get("type") == "turn_ended" or (
        record.get("role") in ("user", "assistant") and isinstance(record.get("message"), dict)
    )


def _slug(folder: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "-", folder.lstrip("/\\"))


class Cursor(Source[_Run]):
    name = NAME
    label = "Cursor"
    url = "https://cursor.com"
    description = (
        "Cursor's conversations (globalStorage/state.vscdb) and agent transcripts"
        " (~/.cursor/projects/*/agent-transcripts)"
    )
    unit = "rows"
    resume = None
    install = "Install Cursor from https://cursor.com"

    def default_paths(self) -> list[Path]:
        """Cursor's `globalStorage` folder (its database, and the write-ahead
        log Cursor creates beside it while it runs, for `--watch`) and
        `~/.cursor/projects`."""
        users = vscode_user_dirs({"Cursor": None})
        return [*(user / "globalStorage" for user in users), home() / "projects"]

    @staticmethod
    def is_transcript(path: Path) -> bool:
        parents = path.parent.name, path.parent.parent.name
        return TRANSCRIPTS in parents and path.suffix in (".jsonl", ".txt")

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        databases: list[Path] = []
        transcripts: list[Path] = []
        for path in paths:
            if path.is_file():
                (transcripts if self.is_transcript(path) else databases).append(path)
                continue
            if not path.is_dir():
                continue
            found = [
                candidate
                for candidate in (
                    path / DB_NAME if path.name == "globalStorage" else None,
                    path / "globalStorage" / DB_NAME,
                    path / "User" / "globalStorage" / DB_NAME,
                )
                if candidate is not None and candidate.is_file()
            ]
            if found:
                databases += found
            else:
                transcripts += walk_files(path, self.is_transcript, _SKIP_DIRS)
        # Databases first: a transcript of a conversation they hold is skipped.
        return list(dict.fromkeys([*databases, *sorted(transcripts)]))

    def key(self, path: Path) -> str:
        """A transcript is known by its id (its name); Cursor's database by
        what it is, one per installation: the state kept is per composer id."""
        if self.is_transcript(path):
            return f"agent-transcript {path.name}"
        return "cursor state.vscdb"

    def stamp(self, path: Path) -> list[int]:
        if self.is_transcript(path):
            return file_stamp(path)
        parts = []
        for suffix in ("", "-wal"):
            try:
                parts += file_stamp(Path(f"{path}{suffix}"))
            except FileNotFoundError:
                parts += [0, 0]
        return parts

    def signature(self, path: Path) -> str | None:
        if self.is_transcript(path):
            return stat_signature(path)
        return stat_signature(path, f"{path}-wal")

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        if self.is_transcript(path):
            return 1
        try:
            return len(_composer_ids(path))
        except SourceUnreadable:
            return 0

    def shrunk(self, path: Path, state: Mapping[str, Json]) -> bool:
        if path.suffix == ".jsonl" and self.is_transcript(path):
            return path.stat().st_size < int(state.get("offset", 0))
        return False

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        if self.is_transcript(path):
            yield from self.read_transcript(path, state or {}, run)
            return
        try:
            with open(path, "rb") as f:
                header = f.read(16)
        except OSError as exc:
            raise SourceUnreadable(f"{path} cannot be opened ({exc.strerror or exc})") from None
        if header != b"SQLite format 3\x00":
            raise NotRecognised(
                f"{path} is not Cursor's database nor an agent transcript: it is not an SQLite"
                " file, and not in an agent-transcripts folder"
            )
        database = _Database(path, state, run)
        try:
            yield from database.read()
        except sqlite3.Error as exc:
            raise SourceUnreadable(
                f"{path} could not be read as Cursor's database ({exc})"
            ) from None
        finally:
            database.conn.close()

    def in_database(self, ident: str, run: _Run) -> bool:
        """Whether a transcript's id is a composer of a Cursor database: read in
        this run, or at Cursor's own place."""
        for folder in self.default_paths()[:-1]:
            db = folder / DB_NAME
            where = str(db.resolve()) if db.is_file() else None
            if where is not None and where not in run.looked:
                run.looked.add(where)
                try:
                    run.ids |= _composer_ids(db)
                except SourceUnreadable:
                    continue
        return ident in run.ids

    def transcript_project(self, path: Path, run: _Run) -> str | None:
        """The folder a transcript's `projects/<slug>` stands for, when a Cursor
        workspace names a folder of that slug."""
        if path.parent.name == TRANSCRIPTS:  # <slug>/agent-transcripts/<id>.txt
            slug = path.parent.parent.name
        else:  # <slug>/agent-transcripts/<id>/<id>.jsonl
            slug = path.parent.parent.parent.name
        if run.folders is None:
            run.folders = []
            for user in vscode_user_dirs({"Cursor": None}):
                storage = user / "workspaceStorage"
                try:
                    spaces = sorted(storage.iterdir())
                except OSError:
                    continue
                for space in spaces:
                    folder = workspace_folder(space / "workspace.json")
                    if folder is not None:
                        run.folders.append(folder)
        matches = {folder for folder in run.folders if slug and _slug(folder) == slug}
        return matches.pop() if len(matches) == 1 else None

    def read_transcript(self, path: Path, state: Mapping[str, Json], run: _Run) -> Iterator[Item]:
        ident = path.stem
        if state.get("db") or (not state and self.in_database(ident, run)):
            # The same conversation as a composer in Cursor's database: read there.
            yield Mark({"db": True}, 1, 1 if not state else 0)
            return
        if path.suffix == ".txt":
            yield from self.read_txt(path, state, run)
            return
        fallback = self.transcript_project(path, run) if "s" not in state else None
        transcript = _Transcript(path, state, fallback)
        offset = int(state.get("offset", 0))
        start, records = offset, 0
        for line in read_lines(path, offset):
            if line.data is None:
                offset = line.end
                yield Skipped(f"lines over {MAX_LINE_BYTES >> 20} MiB")
                continue
            record = load_json_line(line.data)
            if offset == 0 and line.finished and not _transcript_line(record):
                raise NotRecognised(
                    f"{path} is not a Cursor agent transcript: its first line is not a"
                    " {role, message} or turn_ended line"
                )
            if isinstance(record, str):
                if not line.finished:
                    yield Skipped(UNFINISHED)
                    break
                yield Skipped(record)
            else:
                problem = transcript.line(record)
                if problem is None:
                    records += 1
                else:
                    yield Skipped(problem)
            offset = line.end
        yield from transcript.flush()
        yield Mark(transcript.state(offset), 1 if offset > start else 0, records)

    def read_txt(self, path: Path, state: Mapping[str, Json], run: _Run) -> Iterator[Item]:
        size = path.stat().st_size
        if size > MAX_TXT_BYTES:
            yield Skipped(f"transcripts over {MAX_TXT_BYTES >> 20} MiB")
            yield Mark(dict(state), 1, 0)
            return
        text = path.read_bytes().decode("utf-8", "replace")
        if not text.lstrip().startswith(("user:", "assistant:")):
            raise NotRecognised(
                f"{path} is not a Cursor agent transcript: it does not start with user: or"
                " assistant:"
            )
        found = _txt_events(text)
        session = state.get("s")
        when = int(path.stat().st_mtime * 1000)
        if not isinstance(session, list):
            ulid = session_id(path.stem) or f"cursor-{_digest(path.stem)}"
            project = _WORKSPACE.search(text)
            folder = project.group(1) if project else self.transcript_project(path, run)
            session = [ulid, when, folder]
        seen = int(state.get("n", 0))
        events = [
            ImportedEvent(kind, body, when, make_meta(tool=tool) if tool else None)
            for kind, body, tool in found[seen:]
        ]
        if events:
            ulid, started, project = session
            yield Turns(
                ImportedSession(ulid, NAME, started, source=NAME, source_id=ulid, project=project),
                events,
            )
        yield Mark({"n": max(seen, len(found)), "s": session}, 1, len(events))

    def watched(self, path: Path) -> Path | None:
        if self.is_transcript(path):
            return path
        name = path.name
        for suffix in ("-wal", "-shm", "-journal"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        if name == DB_NAME and path.parent.name == "globalStorage":
            return path.with_name(name)
        return None


SOURCE = Cursor()
