"""Copilot Chat: VS Code's own chat sessions, for Code, Code - Insiders and
VSCodium (and Code - OSS, VSCodium - Insiders, a portable install).

VS Code itself keeps the chat panel's sessions (the Copilot extension only
fills in each response's `result`), one file per session, named by its
`sessionId`, under the user folder's `User/` (`chatSessionStore.ts`):

- `workspaceStorage/<workspace>/chatSessions/<id>.json`: the whole session,
  rewritten on every save (VS Code before 1.109, or `chat.useLogSessionStorage`
  off). Three shapes: no `version` (v1), `version: 2` (`computedTitle`),
  `version: 3` (`customTitle`);
- `.../chatSessions/<id>.jsonl` (1.109 on): a log of changes to that same
  object (`objectMutationLog.ts`): `{kind: 0, v}` the whole state, `{kind: 1,
  k, v?}` set the value at path `k` (no `v`: unset), `{kind: 2, k, v?, i?}`
  truncate the array at `k` to `i` then append `v`, `{kind: 3, k}` delete.
  VS Code compacts it in place into one `kind: 0` line after 1024 entries;
- `globalStorage/emptyWindowChatSessions/` (and the older
  `workspaceStorage/no-workspace/chatSessions/`): windows without a folder.

Both files of one session are read together (the `.json` first, then the
log, which VS Code reads in its place). `workspace.json` beside
`chatSessions/` names the project folder (a `vscode-remote:` folder is the
path on the remote machine); `repoData.localBranch` the branch. VS Code lists
only its most recent sessions; every file on disk is imported.

What becomes what, per request: `message.text`, what the person typed, is the
`prompt` (never `result.metadata.renderedUserMessage`: that is the prompt as
sent to the model, with the attachments and instructions VS Code added, which
are kept apart in `variableData`). The response's markdown parts are `system`
events (split where other parts sit), each tool invocation two `command`
events (call, result) with `meta.tool` (its `toolId`) and `meta.isError`, an
edit group a `command` (`edit`), a `warning` part `warn`; a tool call the
person denied or skipped is a `warn`, a cancelled response `warn`, an error
`alert`. Left out: thinking, progress and UI parts, the unsent draft, queued
messages not yet sent (they are imported once sent, as requests). Parts of a
sub-agent (`subAgentInvocationId`) form a child session whose prompt is the
`runSubagent` call's. Requests VS Code made itself (`isSystemInitiated`,
`requestSource`, a clicked `confirmation`) have no prompt.

`meta.model` is `result.metadata.resolvedModel` (the model that answered),
else `modelId` without its `copilot/` vendor. `meta.usage` is the request's
`promptTokens`/`completionTokens` (else `result.metadata.promptTokens`/
`outputTokens`), on the response's last `system` event. Copilot takes them
from the last model call of the turn, OpenAI-style: the prompt count includes
cached tokens, and VS Code keeps no cached count, so there is no cache split.

A request is imported once, known by its text, time and position among
equal ones (not its id: VS Code gives a request that had none a new one when
it moves a session into the log); its response once it is sealed
(`modelState` complete, cancelled or failed, or a later request exists). The
log's state is kept between imports without the requests already imported,
so an import goes on from its byte offset; a rewind or edit in VS Code keeps
what was imported and adds what follows. No resume: VS Code has no command
that reopens a chat session.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from sessiond.importers.base import (
    UNFINISHED,
    VSCODE_PRODUCTS,
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    Turns,
    block_text,
    call_text,
    child_id,
    load_json_line,
    ms_from_epoch,
    session_id,
    uri_path,
    vscode_user_dirs,
    walk_files,
    workspace_folder,
)
from sessiond.importers.lines import read_lines
from sessiond.importers.source import Source, file_stamp, stat_signature
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "copilot-chat"
SESSION_FOLDERS = ("chatSessions", "emptyWindowChatSessions")
SUFFIXES = (".json", ".jsonl")
#: A whole-session `.json` larger than this is not read (it would be held whole).
MAX_JSON_BYTES = 64 << 20
#: The head of a log that tells it apart from its compacted rewrite.
HEAD_BYTES = 64 << 10
TITLE_CHARS = 200  # VS Code's own default title: the first line, 200 characters
_STUB = "_sessiond_imported"
# Top-level fields of a session that are read; the rest (the draft, pending
# messages, repository diffs) is dropped from the kept log state.
_KEEP = frozenset(
    {
        "version",
        "sessionId",
        "creationDate",
        "customTitle",
        "computedTitle",
        "requests",
        "repoData",
        "workingDirectory",
    }
)
# The fields of a request that are read; a request kept in the log's state
# (one whose response is not finished) keeps only these, without the
# attachments, the login of its agent's requester or the rendered prompt.
_REQUEST_KEEP = frozenset(
    {
        "message",
        "timestamp",
        "response",
        "result",
        "responseErrorDetails",
        "modelState",
        "isCanceled",
        "responseTimestamp",
        "modelId",
        "promptTokens",
        "completionTokens",
        "agent",
        "isSystemInitiated",
        "hiddenFromTranscript",
        "requestHiddenFromTranscript",
        "requestSource",
        "confirmation",
        "isHidden",
        "_sessiond_base",
        "_sessiond_id",
    }
)
_METADATA_KEEP = ("resolvedModel", "promptTokens", "outputTokens")
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_NO_PROMPT = (
    "isSystemInitiated",
    "hiddenFromTranscript",
    "requestHiddenFromTranscript",
    "requestSource",
    "confirmation",
    "isHidden",
)


def _text(value: object) -> str:
    """The text of a string or of a serialized `IMarkdownString` (`{value}`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("value"), str):
        return str(value["value"])
    return ""


def _message_text(value: object) -> str:
    """A tool's progress message as plain text: `[](file:///x)` links as the
    path they name, other links as their label."""

    def link(found: re.Match[str]) -> str:
        label, target = found.group(1), found.group(2)
        return label or uri_path(target) or target

    return _LINK.sub(link, _text(value)).strip()


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _digest(*parts: str) -> str:
    joined = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha1(joined).hexdigest()[:16]


def _prompt_text(request: dict[str, Json]) -> str:
    message = request.get("message")
    if isinstance(message, str):
        return message
    if isinstance(message, dict) and isinstance(message.get("text"), str):
        return str(message["text"])
    return ""


def _model(request: dict[str, Json]) -> str | None:
    result = request.get("result")
    metadata = result.get("metadata") if isinstance(result, dict) else None
    if isinstance(metadata, dict):
        resolved = metadata.get("resolvedModel")
        if isinstance(resolved, str) and resolved.strip():
            return resolved.strip()[:200]
    chosen = request.get("modelId")
    if isinstance(chosen, str) and chosen.strip():
        chosen = chosen.strip()
        return (chosen[len("copilot/") :] if chosen.startswith("copilot/") else chosen)[:200]
    return None


def _usage(request: dict[str, Json]) -> Usage | None:
    prompt, output = _int(request.get("promptTokens")), _int(request.get("completionTokens"))
    if prompt is None and output is None:
        result = request.get("result")
        metadata = result.get("metadata") if isinstance(result, dict) else None
        if isinstance(metadata, dict):
            prompt, output = _int(metadata.get("promptTokens")), _int(metadata.get("outputTokens"))
    if not prompt and not output:
        return None
    return Usage(input_tokens=prompt or 0, output_tokens=output or 0)


def _trim(request: dict[str, Json]) -> None:
    """Drop from a request what is not read (kept in the import state)."""
    for key in [k for k in request if k not in _REQUEST_KEEP]:
        del request[key]
    agent = request.get("agent")
    if isinstance(agent, dict):
        request["agent"] = {"extensionVersion": agent.get("extensionVersion")}
    result = request.get("result")
    if isinstance(result, dict):
        metadata = result.get("metadata")
        kept: dict[str, Json] = {}
        if isinstance(metadata, dict):
            kept = {k: metadata[k] for k in _METADATA_KEEP if k in metadata}
            rounds = metadata.get("toolCallRounds")
            calls = [
                {"id": call.get("id"), "arguments": call.get("arguments")}
                for round_ in (rounds if isinstance(rounds, list) else [])
                if isinstance(round_, dict) and isinstance(round_.get("toolCalls"), list)
                for call in round_["toolCalls"]
                if isinstance(call, dict)
            ]
            if calls:
                kept["toolCallRounds"] = [{"toolCalls": calls}]
        request["result"] = {k: result[k] for k in ("errorDetails", "timings") if k in result} | (
            {"metadata": kept} if kept else {}
        )


def _state_value(request: dict[str, Json]) -> int | None:
    state = request.get("modelState")
    if isinstance(state, dict):
        return _int(state.get("value"))
    return None


def _sealed(request: dict[str, Json], last: bool) -> bool:
    """Whether a request's response will not change any more."""
    if not last:
        return True
    if isinstance(request.get("modelState"), dict):
        return _state_value(request) in (1, 2, 3)
    # Before modelState: a result, or a cancellation, ends it.
    return bool(request.get("result")) or request.get("isCanceled") is True


def _cancelled(request: dict[str, Json]) -> bool:
    return _state_value(request) == 2 or request.get("isCanceled") is True


def _end_time(request: dict[str, Json], start: int) -> int:
    """When a response ended: `modelState.completedAt`, else the request's time
    plus `result.timings.totalElapsed`, else `responseTimestamp`."""
    state = request.get("modelState")
    if isinstance(state, dict):
        done = ms_from_epoch(state.get("completedAt"))
        if done is not None:
            return max(done, start)
    result = request.get("result")
    timings = result.get("timings") if isinstance(result, dict) else None
    if isinstance(timings, dict):
        elapsed = _int(timings.get("totalElapsed"))
        if elapsed is not None:
            return start + elapsed
    began = ms_from_epoch(request.get("responseTimestamp"))
    return max(began, start) if began is not None else start


def _tool_input(part: dict[str, Json], rounds: Mapping[str, Json]) -> object:
    """What a tool invocation was called with."""
    data = part.get("toolSpecificData")
    if isinstance(data, dict):
        kind = data.get("kind")
        if kind == "terminal":
            line = data.get("commandLine")
            if isinstance(line, dict):
                for field in ("userEdited", "toolEdited", "original"):
                    if isinstance(line.get(field), str) and line[field]:
                        return line[field]
            if isinstance(data.get("command"), str):
                return data["command"]
        elif kind == "input" and "rawInput" in data:
            return data["rawInput"]
        elif kind == "subagent":
            prompt = data.get("prompt")
            if isinstance(prompt, str) and prompt:
                return prompt
    details = part.get("resultDetails")
    if isinstance(details, dict) and isinstance(details.get("input"), str):
        return details["input"]
    call = part.get("toolCallId")
    if isinstance(call, str) and call in rounds:
        return rounds[call]
    return _message_text(part.get("invocationMessage"))


def _tool_output(part: dict[str, Json]) -> tuple[str, bool]:
    """A tool invocation's result text, and whether it failed."""
    failed = False
    data = part.get("toolSpecificData")
    details = part.get("resultDetails")
    if isinstance(details, dict) and details.get("isError") is True:
        failed = True
    texts: list[str] = []
    if isinstance(data, dict) and data.get("kind") == "terminal":
        state = data.get("terminalCommandState")
        code = state.get("exitCode") if isinstance(state, dict) else None
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            failed = True
        output = data.get("terminalCommandOutput")
        if isinstance(output, dict) and isinstance(output.get("text"), str):
            texts.append(_ANSI.sub("", output["text"]).replace("\r\n", "\n"))
    if not texts and isinstance(details, dict) and isinstance(details.get("output"), list):
        for item in details["output"]:
            if not isinstance(item, dict) or not isinstance(item.get("value"), str):
                continue
            mime = item.get("mimeType")
            if item.get("isText") is True or (isinstance(mime, str) and mime.startswith("text/")):
                texts.append(item["value"])
    if not texts and isinstance(data, dict) and data.get("kind") == "subagent":
        texts.append(block_text(data.get("result")) if data.get("result") is not None else "")
    if not any(t.strip() for t in texts):
        texts = [_message_text(part.get("pastTenseMessage"))]
    return "\n".join(t for t in texts if t), failed


def _edit_text(part: dict[str, Json]) -> str:
    where = uri_path(part.get("uri")) or "a file"
    pieces = []
    for group in part.get("edits") or []:
        for edit in group if isinstance(group, list) else []:
            if isinstance(edit, dict) and isinstance(edit.get("text"), str):
                pieces.append(edit["text"])
    return f"{where}\n{''.join(pieces)}".rstrip()


class _Response:
    """The events of one sealed response, for the session and its sub-agents."""

    def __init__(self, request: dict[str, Json], when: int):
        self.request = request
        self.when = when
        self.model = _model(request)
        self.events: dict[str | None, list[ImportedEvent]] = {None: []}
        self.markdown: dict[str | None, list[str]] = {}
        self.agents: dict[str, dict[str, Json]] = {}  # sub-agent id -> its runSubagent call
        result = request.get("result")
        metadata = result.get("metadata") if isinstance(result, dict) else None
        rounds = metadata.get("toolCallRounds") if isinstance(metadata, dict) else None
        self.rounds: dict[str, Json] = {}
        for round_ in rounds if isinstance(rounds, list) else []:
            calls = round_.get("toolCalls") if isinstance(round_, dict) else None
            for call in calls if isinstance(calls, list) else []:
                if isinstance(call, dict) and isinstance(call.get("id"), str):
                    self.rounds[call["id"]] = call.get("arguments")

    def add(self, target: str | None, kind: str, text: str, **meta: Any) -> None:
        if text.strip():
            self.events.setdefault(target, []).append(
                ImportedEvent(kind, text, self.when, make_meta(**meta))
            )

    def flush(self, target: str | None) -> None:
        text = "".join(self.markdown.pop(target, [])).strip()
        model = self.model if target is None else None
        self.add(target, "system", text, model=model)

    def part(self, part: object) -> None:
        if isinstance(part, str):
            self.markdown.setdefault(None, []).append(part)
            return
        if not isinstance(part, dict):
            return
        kind = part.get("kind")
        agent = part.get("subAgentInvocationId")
        target = agent if isinstance(agent, str) and agent else None
        if kind is None and isinstance(part.get("value"), str):
            self.markdown.setdefault(target, []).append(part["value"])
        elif kind in ("markdownContent", "markdownVuln"):
            self.markdown.setdefault(target, []).append(_text(part.get("content")))
        elif kind == "inlineReference":
            ref = part.get("inlineReference")
            name = part.get("name")
            if not isinstance(name, str) or not name:
                name = ref.get("name") if isinstance(ref, dict) else None
            if not isinstance(name, str) or not name:
                location = ref.get("uri") if isinstance(ref, dict) and "uri" in ref else ref
                path = uri_path(location) or ""
                name = re.split(r"[\\/]", path)[-1] if path else ""
            if name:
                self.markdown.setdefault(target, []).append(f"`{name}`")
        elif kind in ("toolInvocationSerialized", "toolInvocation"):
            self.flush(target)
            self.tool(target, part)
        elif kind in ("textEditGroup", "notebookEditGroup"):
            self.flush(target)
            self.add(target, "command", f"edit {_edit_text(part)}", tool="edit")
        elif kind == "warning":
            self.flush(target)
            self.add(target, "warn", _text(part.get("content")))

    def tool(self, target: str | None, part: dict[str, Json]) -> None:
        name = part.get("toolId")
        name = name if isinstance(name, str) and name else "tool"
        self.add(
            target, "command", call_text(name, _tool_input(part, self.rounds)), tool=name[:200]
        )
        data = part.get("toolSpecificData")
        call = part.get("toolCallId")
        if isinstance(data, dict) and data.get("kind") == "subagent" and isinstance(call, str):
            self.agents[call] = data
        confirmed = part.get("isConfirmed")
        if isinstance(confirmed, dict) and confirmed.get("type") in (0, 5):
            verb = "denied" if confirmed.get("type") == 0 else "skipped"
            self.add(target, "warn", f"tool call {verb} by the person: {name}")
            return
        if part.get("isComplete") is False:
            return
        text, failed = _tool_output(part)
        self.add(target, "command", text, tool=name[:200], is_error=failed)

    def build(self) -> dict[str | None, list[ImportedEvent]]:
        parts = self.request.get("response")
        if isinstance(parts, str):
            parts = [parts]
        for part in parts if isinstance(parts, list) else []:
            self.part(part)
        for target in list(self.markdown):
            self.flush(target)
        main = self.events[None]
        usage = _usage(self.request)
        if usage is not None and main:
            # On the last reply, else on the response's last event.
            kinds = [event.kind for event in main]
            at = len(kinds) - 1 - kinds[::-1].index("system") if "system" in kinds else -1
            meta = dict(main[at].meta or {})
            meta.update(make_meta(usage=usage) or {})
            main[at] = attrs.evolve(main[at], meta=meta)
        result = self.request.get("result")
        errors = result.get("errorDetails") if isinstance(result, dict) else None
        if not isinstance(errors, dict):
            errors = self.request.get("responseErrorDetails")
        if _cancelled(self.request):
            self.add(None, "warn", "response cancelled")
        elif isinstance(errors, dict) and _text(errors.get("message")).strip():
            self.add(None, "alert", _text(errors.get("message")))
        elif _state_value(self.request) == 3:
            self.add(None, "alert", "response failed")
        return self.events


@attrs.define
class _Run:
    """What one import run keeps across sessions: the project folder of each
    workspace storage folder, read once."""

    projects: dict[str, str | None] = attrs.field(factory=dict)


class _Session:
    """One session's read: its two files, against what was imported before."""

    def __init__(self, path: Path, state: Mapping[str, Json] | None, run: _Run):
        state = state or {}
        self.path = path
        self.run = run
        self.seen: dict[str, int] = dict(state.get("seen") or {})
        self.json_stamp: Json = state.get("json")
        self.log: dict[str, Json] | None = state.get("log")
        self.default_title: str | None = state.get("dt")
        self.cli: str | None = state.get("cli")
        self.doc: dict[str, Json] = {}
        self.events: dict[str, list[ImportedEvent]] = {}
        self.children: dict[str, ImportedSession] = {}
        self.records = 0
        self.skipped: list[Skipped] = []

    # The session

    def ulid(self) -> str:
        found = session_id(self.doc.get("sessionId"))
        return found or session_id(self.path.stem) or f"copilot-{_digest(self.path.stem)}"

    def project(self) -> str | None:
        folder = self.path.parent
        if folder.name == "chatSessions" and folder.parent.name != "no-workspace":
            where = str(folder.parent)
            if where not in self.run.projects:
                self.run.projects[where] = workspace_folder(folder.parent / "workspace.json")
            if self.run.projects[where] is not None:
                return self.run.projects[where]
        return uri_path(self.doc.get("workingDirectory"))

    def title(self) -> str | None:
        for field in ("customTitle", "computedTitle"):
            value = self.doc.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()[:256]
        return self.default_title

    def started(self) -> int:
        created = ms_from_epoch(self.doc.get("creationDate"))
        if created is not None:
            return created
        for request in self.requests():
            when = ms_from_epoch(request.get("timestamp"))
            if when is not None:
                return when
        return 0

    def imported(self) -> ImportedSession:
        repo = self.doc.get("repoData")
        branch = repo.get("localBranch") if isinstance(repo, dict) else None
        ulid = self.ulid()
        return ImportedSession(
            ulid,
            self.cli or NAME,
            self.started(),
            title=self.title(),
            source=NAME,
            source_id=ulid,
            project=self.project(),
            branch=branch[:256] if isinstance(branch, str) and branch else None,
        )

    def requests(self) -> list[dict[str, Json]]:
        found = self.doc.get("requests")
        return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []

    # Requests

    def scan(self, stub: bool) -> None:
        """Import what is new in the requests: each one's prompt once, its
        response once sealed (then, in a log's kept state, only a stub of it
        stays)."""
        requests = self.doc.get("requests")
        if not isinstance(requests, list):
            return
        if requests and isinstance(requests[0], dict) and _STUB not in requests[0]:
            first = _prompt_text(requests[0]).split("\n")[0][:TITLE_CHARS].strip()
            if first:
                self.default_title = first
        created = ms_from_epoch(self.doc.get("creationDate"))
        for i, request in enumerate(requests):
            if not isinstance(request, dict) or _STUB in request:
                continue
            ident = request.get("_sessiond_id")
            if not isinstance(ident, str):
                ident = self.identify(requests, i, request, created)
            status = self.seen.get(ident, 0)
            when = ms_from_epoch(request.get("timestamp"))
            when = when if when is not None else created
            if when is None:
                if status < 2:
                    self.skipped.append(Skipped("requests without a time (nor their session)"))
                    self.seen[ident] = 2
                continue
            if status == 0:
                self.prompt(request, when)
                self.seen[ident] = status = 1
            if _sealed(request, i == len(requests) - 1):
                if status < 2:
                    self.response(request, when)
                    self.seen[ident] = 2
                if stub:
                    requests[i] = {_STUB: ident, "b": request.get("_sessiond_base")}
            if stub and _STUB not in requests[i]:
                _trim(request)

    def identify(
        self, requests: list[Json], i: int, request: dict[str, Json], created: int | None
    ) -> str:
        when = ms_from_epoch(request.get("timestamp"))
        base = _digest(str(when if when is not None else created), _prompt_text(request))
        same = 0
        for other in requests[:i]:
            if isinstance(other, dict) and other.get("_sessiond_base", other.get("b")) == base:
                same += 1
        ident = _digest(base, str(same))
        request["_sessiond_base"], request["_sessiond_id"] = base, ident
        return ident

    def prompt(self, request: dict[str, Json], when: int) -> None:
        agent = request.get("agent")
        version = agent.get("extensionVersion") if isinstance(agent, dict) else None
        if isinstance(version, str) and version.strip():
            self.cli = f"{NAME} {version.strip()}"[:256]
        if any(request.get(flag) for flag in _NO_PROMPT):
            return
        text = _prompt_text(request)
        if text.strip():
            self.events.setdefault(self.ulid(), []).append(ImportedEvent("prompt", text, when))

    def response(self, request: dict[str, Json], when: int) -> None:
        response = _Response(request, _end_time(request, when))
        built = response.build()
        ulid = self.ulid()
        self.events.setdefault(ulid, []).extend(built.pop(None))
        for agent, events in built.items():
            assert agent is not None
            call = response.agents.get(agent, {})
            child = child_id(ulid, agent)
            prompt = call.get("prompt")
            if isinstance(prompt, str) and prompt.strip():
                events.insert(0, ImportedEvent("prompt", prompt, response.when))
            name = call.get("description") or call.get("agentName")
            self.children[child] = ImportedSession(
                child,
                self.cli or NAME,
                response.when,
                title=name.strip()[:256] if isinstance(name, str) and name.strip() else None,
                parent_ulid=ulid,
                source=NAME,
                project=self.project(),
            )
            self.events.setdefault(child, []).extend(events)

    # The two files

    def read_json(self, path: Path, other_exists: bool) -> None:
        try:
            stamp = file_stamp(path)
        except OSError:
            return
        if stamp == self.json_stamp:
            return
        if stamp[0] > MAX_JSON_BYTES:
            self.skipped.append(Skipped(f"session files over {MAX_JSON_BYTES >> 20} MiB"))
            self.json_stamp = stamp
            return
        data = path.read_bytes()
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            if data.lstrip()[:1] == b"{":
                # VS Code rewrites the whole file: one read mid-write is cut short.
                self.skipped.append(
                    Skipped("session files cut short (read again once VS Code rewrites them)")
                )
                return
            doc = None
        if not isinstance(doc, dict) or not isinstance(doc.get("requests"), list):
            if other_exists:
                self.skipped.append(Skipped("session files that are not VS Code chat sessions"))
                return
            raise NotRecognised(
                f"{path} is not a VS Code chat session: it is not a JSON object with requests"
            )
        self.json_stamp = stamp
        self.records += 1
        self.doc = {k: v for k, v in doc.items() if k in _KEEP}
        self.scan(stub=False)
        self.doc.pop("requests", None)  # the log's state, when there is one, takes over

    def read_log(self, path: Path) -> None:
        log = self.log or {}
        offset = int(log.get("offset", 0))
        head = log.get("head")
        doc = log.get("doc")
        if offset and not self.same_log(path, offset, head):
            offset, head, doc = 0, None, None  # compacted (rewritten) by VS Code: replay it
        kept = {k: v for k, v in self.doc.items() if k != "requests"}
        self.doc = doc if isinstance(doc, dict) else {}
        first = offset == 0
        for line in read_lines(path, offset):
            if line.data is None:
                self.skipped.append(Skipped("log lines over 32 MiB"))
                offset = line.end
                continue
            if not line.finished:
                self.skipped.append(Skipped(UNFINISHED))
                break
            entry = load_json_line(line.data)
            if first:
                first = False
                if not isinstance(entry, dict) or entry.get("kind") != 0:
                    raise NotRecognised(
                        f"{path} is not a VS Code chat session log: its first line is not "
                        "a {kind: 0} snapshot of a session"
                    )
                head = [line.end, hashlib.sha256(line.data[:HEAD_BYTES]).hexdigest()[:32]]
            if isinstance(entry, str):
                self.skipped.append(Skipped(f"log {entry}"))
            else:
                problem = self.apply(entry)
                if problem is None:
                    self.records += 1
                    self.scan(stub=True)
                else:
                    self.skipped.append(Skipped(problem))
            offset = line.end
        for key, value in kept.items():
            self.doc.setdefault(key, value)
        self.log = {"offset": offset, "head": head, "doc": self.doc} if head else None

    @staticmethod
    def same_log(path: Path, offset: int, head: Json) -> bool:
        """Whether `path` is still the log read to `offset` (VS Code rewrites
        it whole when it compacts it)."""
        if not isinstance(head, list) or len(head) != 2:
            return False
        try:
            if os.path.getsize(path) < offset:
                return False
            end = int(head[0])
            with open(path, "rb") as f:
                start = f.read(min(HEAD_BYTES, end))
                f.seek(end - 1)
                newline = f.read(1)
        except (OSError, ValueError):
            return False
        digest = hashlib.sha256(start.rstrip(b"\n")).hexdigest()[:32]
        return newline == b"\n" and digest == head[1]

    def apply(self, entry: dict[str, Json]) -> str | None:
        """Apply one log entry to the kept state; the reason when it cannot be."""
        kind = entry.get("kind")
        if kind == 0:
            value = entry.get("v")
            if not isinstance(value, dict):
                return "log snapshots that are not an object"
            self.doc = {k: v for k, v in value.items() if k in _KEEP}
            self.trim_repo()
            return None
        path = entry.get("k")
        if kind not in (1, 2, 3) or not isinstance(path, list) or not path:
            return "log lines of a shape VS Code does not write"
        if path[0] not in _KEEP:
            return None  # a field that is not read (the draft, queued messages)
        parent: Json = self.doc
        for step in path[:-1]:
            parent = self.child(parent, step)
            if parent is None:
                return "log entries for a path the session does not have"
            if isinstance(parent, dict) and _STUB in parent:
                return None  # a request imported before: nothing more is read of it
        last = path[-1]
        if kind == 2:
            array = self.child(parent, last)
            if array is None and isinstance(parent, dict) and isinstance(last, str):
                array = parent[last] = []
            if not isinstance(array, list):
                return "log entries for a path the session does not have"
            cut = entry.get("i")
            if isinstance(cut, int) and not isinstance(cut, bool) and cut >= 0:
                del array[cut:]
            values = entry.get("v")
            if isinstance(values, list):
                array.extend(values)
        elif isinstance(parent, dict) and isinstance(last, str):
            if kind == 1 and "v" in entry:
                parent[last] = entry["v"]
            else:
                parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            parent[last] = entry.get("v") if kind == 1 else None
        else:
            return "log entries for a path the session does not have"
        if path[0] == "repoData":
            self.trim_repo()
        return None

    @staticmethod
    def child(parent: Json, step: Json) -> Json:
        if isinstance(parent, dict) and isinstance(step, str):
            return parent.get(step)
        if (
            isinstance(parent, list)
            and isinstance(step, int)
            and not isinstance(step, bool)
            and 0 <= step < len(parent)
        ):
            return parent[step]
        return None

    def trim_repo(self) -> None:
        repo = self.doc.get("repoData")
        if isinstance(repo, dict):
            branch = repo.get("localBranch")
            self.doc["repoData"] = {"localBranch": branch} if isinstance(branch, str) else {}

    def state(self) -> dict[str, Json]:
        return {
            "seen": dict(self.seen),
            "json": self.json_stamp,
            "log": self.log,
            "dt": self.default_title,
            "cli": self.cli,
        }


def _pair(path: Path) -> tuple[Path, Path]:
    """A session's document and its log (either may not exist)."""
    base = os.path.splitext(path)[0]
    return Path(base + ".json"), Path(base + ".jsonl")


class CopilotChat(Source[_Run]):
    name = NAME
    label = "Copilot Chat"
    url = "https://code.visualstudio.com/docs/copilot/chat/copilot-chat"
    description = (
        "VS Code's chat sessions (workspaceStorage/*/chatSessions and emptyWindowChatSessions),"
        " for Code, Code - Insiders and VSCodium"
    )
    unit = "B"
    resume = None
    install = (
        "Install VS Code (https://code.visualstudio.com) and its GitHub Copilot Chat extension"
    )

    def default_paths(self) -> list[Path]:
        places = []
        for user in vscode_user_dirs(VSCODE_PRODUCTS):
            places += [
                user / "workspaceStorage",
                user / "globalStorage" / "emptyWindowChatSessions",
            ]
        return places

    def wanted(self, path: Path) -> bool:
        return path.suffix in SUFFIXES and path.parent.name in SESSION_FOLDERS

    def representative(self, path: Path) -> Path:
        """The one file a session's pair is listed by: its log when it has one."""
        as_json, as_log = _pair(path)
        return as_log if as_log.exists() or path == as_log else as_json

    def found(self, root: Path) -> list[Path]:
        """Session files under a user folder, a workspace storage folder, one
        workspace's folder, globalStorage or a session folder."""
        if root.name in SESSION_FOLDERS:
            folders = [root]
        else:
            folders = [
                *root.glob("chatSessions"),
                *root.glob("emptyWindowChatSessions"),
                *root.glob("*/chatSessions"),
                *root.glob("workspaceStorage/*/chatSessions"),
                *root.glob("globalStorage/emptyWindowChatSessions"),
                *root.glob("User/workspaceStorage/*/chatSessions"),
                *root.glob("User/globalStorage/emptyWindowChatSessions"),
            ]
        if not folders:
            return list(walk_files(root, self.wanted, (".git", "node_modules")))
        files = []
        for folder in sorted(set(folders)):
            try:
                with os.scandir(folder) as listing:  # the type from the listing: no stat
                    names = sorted(
                        entry.name
                        for entry in listing
                        if os.path.splitext(entry.name)[1] in SUFFIXES and entry.is_file()
                    )
            except OSError:
                continue
            files += [folder / name for name in names]
        return files

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        found: list[Path] = []
        given: list[Path] = []
        for path in paths:
            if path.is_dir():
                found.extend(self.found(path))
            elif path.is_file():
                given.append(path)
        # A session's log, when listed beside its document, stands for both
        # (no look for it on disk: the listing has every file of the folder).
        listed = {os.fspath(p): p for p in found}
        chosen = [listed.get(os.path.splitext(name)[0] + ".jsonl", p) for name, p in listed.items()]
        chosen += [self.representative(p) for p in given]
        return sorted(dict.fromkeys(chosen), key=str)

    def key(self, path: Path) -> str:
        """A session is known by its id (the file's name), whichever of its
        two files is read and wherever they are."""
        return f"chat-session {path.with_suffix('').name}"

    def stamp(self, path: Path) -> list[int]:
        parts: list[int] = []
        for each in _pair(path):
            try:
                parts += file_stamp(each)
            except FileNotFoundError:
                parts += [0, 0]
        return parts

    def signature(self, path: Path) -> str | None:
        name = os.fspath(path)
        base, suffix = os.path.splitext(name)
        return stat_signature(path, base + (".json" if suffix == ".jsonl" else ".jsonl"))

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        as_json, as_log = _pair(path)
        log = (state or {}).get("log") or {}
        total = 0
        if as_json.exists() and file_stamp(as_json) != (state or {}).get("json"):
            total += as_json.stat().st_size
        if as_log.exists():
            total += max(0, as_log.stat().st_size - int(log.get("offset", 0)))
        return total

    def new_run(self) -> _Run:
        return _Run()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: _Run) -> Iterator[Item]:
        session = _Session(path, state, run)
        as_json, as_log = _pair(path)
        before = self.size(path, state)
        if as_json.exists():
            session.read_json(as_json, as_log.exists())
        if as_log.exists():
            session.read_log(as_log)
        yield from session.skipped
        if session.doc or session.events:
            main = session.imported()
            events = session.events.pop(main.ulid, [])
            if events:
                yield Turns(main, events)
            elif main.title is not None:
                yield Turns(main, update_only=True)
            for ulid, child in session.children.items():
                if session.events.get(ulid):
                    yield Turns(child, session.events[ulid])
        yield Mark(session.state(), before, session.records)

    def watched(self, path: Path) -> Path | None:
        return self.representative(path) if self.wanted(path) else None


SOURCE = CopilotChat()
