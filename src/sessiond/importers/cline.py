"""Cline: its task folders in VS Code's globalStorage, and its newer sessions.

Where: `globalStorage/saoudrizwan.claude-dev/` under the `User` folder of VS
Code, Code - Insiders, VSCodium (and Cursor, Windsurf, VS Code's server and
Flatpak builds, `$VSCODE_PORTABLE`), on Linux, macOS and Windows; and Cline's
own data folder (`$CLINE_DATA_DIR`, else `${CLINE_DIR:-~/.cline}/data`), where
its JetBrains plug-in and command line keep the same `tasks/` and where Cline
4.1+ keeps its SDK sessions (`sessions/`, or `$CLINE_SESSION_DATA_DIR`).

Task folders (`tasks/<taskId>/`, the id the time the task began, in ms) are
read by `importers.cline_tasks`: `ui_messages.json` for the chat (the task as
typed, `say: "task"`, and the person's feedback are prompts; the assistant's
text, completions and questions `system`; each tool, command, browser and MCP
call a `command`), `api_conversation_history.json` for the tool results and
their failures, `task_metadata.json` for Cline's version and models, and the
task list (`state/taskHistory.json` since Cline 3.28, before in VS Code's
`state.vscdb`) for the folder the task began in. Usage per request from
`api_req_started` (`tokensIn` is input read from no cache, but for the
OpenAI-compatible provider, whose count includes the cached part). Cline
records no title (its list shows the first message) and no branch; a task
started from another (`new_task`) records no link to it.

SDK sessions (Cline 4.1+: the SDK extension and the `cline` command line)
are `sessions/<id>/<id>.messages.json`, an object whose `messages` are
model-side messages (`role`, `content` blocks, `ts`, `modelInfo`, `metrics`),
with the manifest `<id>.json` beside it (`cwd`, `model`, `started_at`,
`metadata.title`); a sub-agent's messages are `sessions/<root>/<agent>.messages.json`,
a child session of the root. The person's words are inside the
`<user_input mode="...">` wrapper Cline puts around them (`<mode_notice>`,
attached files and the notices Cline adds on its own are left out). A task
begun in the classic extension and resumed in the SDK one keeps its id: its
SDK file repeats the old conversation up to Cline's "legacy conversation"
notice, and only what follows is imported (the rest comes from the task folder).

Resume: none. Classic tasks are reopened from Cline's history view in the
editor; `cline --id <id>` resumes only the command line's own SDK sessions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from sessiond.importers.base import (
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
    made_id,
    ms_from_epoch,
    parse_time,
    session_id,
)
from sessiond.importers.cline_tasks import (
    ANSWERED_BY_PERSON,
    UI_FILE,
    Environment,
    TaskRun,
    TaskSource,
    is_new,
    load_json_file,
    result_failed,
    token_count,
)
from sessiond.importers.json_stream import (
    Cut,
    Element,
    EmptyDocument,
    Member,
    NotAJsonDocument,
    element_object,
    read_elements,
)
from sessiond.importers.source import file_stamp
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

SESSION_SUFFIX = ".messages.json"
MARK_EVERY = 1000
#: What Cline appends to a classic task's conversation when the SDK extension
#: resumes it (`apps/vscode/src/sdk/legacy-task-handling.ts`).
LEGACY_RESUME_NOTICE = (
    "Warning: this is a legacy conversation, which means tool names may have changed."
)

#: The chat's tool names (`ClineSayTool.tool`) by the model's.
_TOOLS = {
    "readFile": "read_file",
    "listFilesTopLevel": "list_files",
    "listFilesRecursive": "list_files",
    "listCodeDefinitionNames": "list_code_definition_names",
    "searchFiles": "search_files",
    "newFileCreated": "write_to_file",
    "webFetch": "web_fetch",
    "webSearch": "web_search",
    "summarizeTask": "summarize_task",
    "useSkill": "use_skill",
}
_SEARCH_REPLACE = re.compile(r"^-{3,} SEARCH\s*$", re.M)
_USER_INPUT = re.compile(r"<user_input\b[^>]*>(.*?)</user_input>", re.S)
_USER_COMMAND = re.compile(r"<user_command\b([^>]*)>(.*?)</user_command>", re.S)
_SLASH = re.compile(r'slash="([^"]+)"')
_MODE_NOTICE = re.compile(r"<mode_notice>.*?</mode_notice>", re.S)
_FILE_CONTENT = re.compile(r"<file_content\b[^>]*>.*?</file_content>", re.S)


def data_dir() -> Path:
    """Cline's own data folder (`resolveClineDataDir`)."""
    explicit = os.environ.get("CLINE_DATA_DIR", "").strip()
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("CLINE_DIR", "").strip()
    root = Path(base).expanduser() if base else Path.home() / ".cline"
    return root / "data"


class Cline(TaskSource):
    name = "cline"
    label = "Cline"
    url = "https://cline.bot"
    description = (
        "Cline's tasks (VS Code globalStorage saoudrizwan.claude-dev, ~/.cline/data) "
        "and its SDK sessions"
    )
    install = "Install the Cline extension in VS Code (saoudrizwan.claude-dev)."
    extension_ids = ("saoudrizwan.claude-dev",)
    state_key = "saoudrizwan.claude-dev"

    def default_paths(self) -> list[Path]:
        paths = [*super().default_paths(), data_dir()]
        sessions = os.environ.get("CLINE_SESSION_DATA_DIR", "").strip()
        if sessions:
            paths.append(Path(sessions).expanduser())
        return paths

    # Task folders

    def own_history_item(self, task_dir: Path) -> dict[str, Json] | None:
        return None

    def history_index(self, tasks_dir: Path) -> object:
        return load_json_file(tasks_dir.parent / "state" / "taskHistory.json")

    def not_this_tool(self, first: dict[str, Json]) -> str | None:
        if first.get("type") == "say" and first.get("say") == "task":
            return None
        if first.get("type") == "say" and first.get("say") == "text":
            return "it looks like a Roo Code task (its first message is not Cline's task message)"
        return "its first message is not a Cline task's"

    def first_text_is_the_task(self) -> bool:
        return False

    def usage(self, info: dict[str, Json], message: dict[str, Json]) -> Usage:
        tokens_in, cache_reads = (
            token_count(info.get("tokensIn")),
            token_count(info.get("cacheReads")),
        )
        model = message.get("modelInfo")
        if isinstance(model, dict) and model.get("providerId") == "openai":
            # The OpenAI-compatible provider reports prompt_tokens, cache included.
            tokens_in = max(0, tokens_in - cache_reads)
        return Usage(
            input_tokens=tokens_in,
            output_tokens=token_count(info.get("tokensOut")),
            cache_read_tokens=cache_reads,
            cache_write_tokens=token_count(info.get("cacheWrites")),
        )

    def tool_name(self, shown: str, payload: dict[str, Json]) -> str:
        if shown == "editedExistingFile":
            content = payload.get("content")
            diff = isinstance(content, str) and _SEARCH_REPLACE.search(content[:4096])
            return "replace_in_file" if diff else "write_to_file"
        return _TOOLS.get(shown, shown)

    def session_facts(
        self, task_dir: Path, item: dict[str, Json] | None, env: Environment
    ) -> tuple[str, str | None, str | None]:
        version = None
        metadata = load_json_file(task_dir / "task_metadata.json")
        history = metadata.get("environment_history") if isinstance(metadata, dict) else None
        if isinstance(history, list):
            for entry in history:
                if isinstance(entry, dict) and isinstance(entry.get("cline_version"), str):
                    version = entry["cline_version"].strip() or None
                    break
        item = item or {}
        project = None
        for candidate in (
            item.get("cwdOnTaskInitialization"),
            env.cwd,
            item.get("shadowGitConfigWorkTree"),
        ):
            if isinstance(candidate, str) and candidate.strip():
                project = candidate
                break
        return (f"cline {version}" if version else "cline"), project, None

    def model_timeline(self, task_dir: Path, item: dict[str, Json] | None) -> list[tuple[int, str]]:
        metadata = load_json_file(task_dir / "task_metadata.json")
        usage = metadata.get("model_usage") if isinstance(metadata, dict) else None
        found: list[tuple[int, str]] = []
        if isinstance(usage, list):
            for entry in usage:
                if not isinstance(entry, dict):
                    continue
                when, model = ms_from_epoch(entry.get("ts")), entry.get("model_id")
                if when is not None and isinstance(model, str) and model:
                    found.append((when, model))
        return sorted(found)

    # Both kinds of files

    def wanted_name(self, name: str) -> bool:
        return name == UI_FILE or name.endswith(SESSION_SUFFIX)

    def _task_file(self, path: Path) -> Path:
        if path.parent.name and path.name == f"{path.parent.name}.json":
            # A session's manifest stands for its messages.
            messages = path.with_name(f"{path.parent.name}{SESSION_SUFFIX}")
            if messages.is_file():
                return messages
        return super()._task_file(path)

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        found = super().sources(paths)
        # Task folders first (a resumed task's SDK file continues its folder's
        # session), then sessions, each root before its sub-agents.
        return sorted(found, key=lambda p: (1, *_session_order(p)) if _is_session(p) else (0,))

    def key(self, path: Path) -> str:
        if _is_session(path):
            return f"session/{_session_ids(path)[1]}"
        return super().key(path)

    def stamp(self, path: Path) -> list[int]:
        if _is_session(path):
            return file_stamp(path)
        return super().stamp(path)

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        if _is_session(path):
            return path.stat().st_size
        return super().size(path, state)

    def watched(self, path: Path) -> Path | None:
        if path.name.endswith(SESSION_SUFFIX):
            return path
        return super().watched(path)

    def read(self, path: Path, state: Mapping[str, Json] | None, run: TaskRun) -> Iterator[Item]:
        if _is_session(path):
            yield from SessionReader(self, path, state).read()
        else:
            yield from super().read(path, state, run)


def _is_session(path: Path) -> bool:
    return path.name.endswith(SESSION_SUFFIX)


def _session_ids(path: Path) -> tuple[str, str]:
    """(root session id, this file's session id) from a messages file's place:
    `<root>/<root>.messages.json`, or a sub-agent's `<root>/<agent>.messages.json`."""
    root = path.parent.name
    stem = path.name[: -len(SESSION_SUFFIX)]
    if stem == root:
        return root, root
    return root, f"{root}__{stem}"


def _session_order(path: Path) -> tuple[object, ...]:
    root, own = _session_ids(path)
    return (root, own != root, own)


def person_text(text: str) -> tuple[bool, bool, str]:
    """(whether the text carries the wrapper Cline puts around what the
    person sends, whether it is a slash command, the person's words): the
    inside of `<user_input mode="...">`, a `<user_command slash="x">` as
    `/x ...`, without `<mode_notice>` elements or inlined file contents
    (`formatDisplayUserInput` in Cline's `@cline/shared`)."""
    commands = list(_USER_COMMAND.finditer(text))
    inputs = list(_USER_INPUT.finditer(text))
    if inputs:
        body = "\n".join(found.group(1) for found in inputs)
    elif commands:
        body = ""
    else:
        body = text
    for found in commands:
        slash = _SLASH.search(found.group(1))
        inner = found.group(2).strip()
        line = f"/{slash.group(1)} {inner}".strip() if slash else inner
        whole = found.group(0)
        body = body.replace(whole, line) if whole in body else f"{line}\n{body}"
    body = _FILE_CONTENT.sub("", _MODE_NOTICE.sub("", body))
    return bool(inputs or commands), bool(commands), body.strip()


class SessionReader:
    """One read of an SDK session's messages file (rewritten whole), from its
    start; messages past the last imported one (by `ts`) are new."""

    def __init__(self, source: Cline, path: Path, state: Mapping[str, Json] | None):
        self.source = source
        self.path = path
        self.first_read = state is None
        state = state or {}
        mark = state.get("m")
        self.mark = (
            [int(mark[0]), int(mark[1])] if isinstance(mark, list) and _pair(mark) else [-1, 0]
        )
        self.session_state: list[Json] | None = (
            state.get("s") if isinstance(state.get("s"), list) else None
        )
        self.root, self.own = _session_ids(path)
        manifest = load_json_file(path.parent / f"{self.root}.json")
        self.manifest: dict[str, Json] = manifest if isinstance(manifest, dict) else {}
        metadata = self.manifest.get("metadata")
        self.metadata: dict[str, Json] = metadata if isinstance(metadata, dict) else {}
        # A classic task resumed here: its old conversation comes first, up to
        # Cline's notice; that part is imported from the task folder.
        self.legacy = self.root.isdigit() or bool(
            self.metadata.get("legacyTask") or self.metadata.get("migratedFromLegacyTask")
        )
        self.names: dict[str, str] = {}
        self.seen: dict[int, int] = {}
        self.wrapped_seen = False
        self.out: list[ImportedEvent] = []
        self.offset = 0
        self.records = 0
        self.last_ts = parse_time(self.manifest.get("started_at"), naive="utc")

    def session(self) -> ImportedSession:
        assert self.session_state is not None
        ulid, started, project, parent, title = self.session_state
        return ImportedSession(
            str(ulid),
            "cline",
            int(started),
            title=title if isinstance(title, str) else None,
            parent_ulid=parent if isinstance(parent, str) else None,
            source=self.source.name,
            source_id=self.own,
            project=project if isinstance(project, str) else None,
        )

    def begin_session(self, started: int, first_prompt: str | None) -> None:
        if self.session_state is not None:
            return
        root_ulid = session_id(self.root) or made_id("cline", self.root)
        if self.own == self.root:
            ulid, parent = root_ulid, None
        else:
            ulid, parent = child_id(root_ulid, self.own[len(self.root) + 2 :]), root_ulid
        project = None
        for key in ("cwd", "workspace_root"):
            value = self.manifest.get(key)
            if isinstance(value, str) and value.strip():
                project = value
                break
        # Cline's title is the first message until the person renames the
        # session: only a title that is not the prompt is one.
        title = None
        given = self.metadata.get("title")
        if self.own == self.root and isinstance(given, str):
            shown = person_text(given)[2].strip()
            prompt = self.manifest.get("prompt")
            prompts = {(first_prompt or "").strip()}
            if isinstance(prompt, str):
                prompts.add(person_text(prompt)[2].strip())
            if shown and shown not in prompts:
                title = shown[:256]
        self.session_state = [ulid, started, project, parent, title]

    def read(self) -> Iterator[Item]:
        header: dict[str, Json] = {}
        try:
            for piece in read_elements(self.path, member="messages"):
                if isinstance(piece, Member):
                    header[piece.key] = piece.value
                    continue
                if isinstance(piece, Cut):
                    yield Skipped("a session file that ends mid-record (read again once complete)")
                    break
                self.offset = piece.end
                problem = self.element(piece, header)
                if problem is not None:
                    yield Skipped(problem)
                else:
                    self.records += 1
                if len(self.out) >= MARK_EVERY:
                    yield from self.flush()
        except EmptyDocument:
            pass  # Cline truncates the file before writing it again
        except NotAJsonDocument as exc:
            raise NotRecognised(f"not a Cline session's messages file: {exc}") from None
        except OSError as exc:
            raise SourceUnreadable(f"{self.path} cannot be read ({exc.strerror or exc})") from None
        yield from self.flush()

    def flush(self) -> Iterator[Item]:
        if self.out and self.session_state is not None:
            yield Turns(self.session(), self.out)
        self.out = []
        yield Mark({"s": self.session_state, "m": self.mark}, self.offset, self.records)
        self.records = 0

    def element(self, piece: Element, header: dict[str, Json]) -> str | None:
        if piece.dropped:
            return "records over 32 MiB"
        message = element_object(piece)
        if isinstance(message, str):
            return message
        role = message.get("role")
        if role not in ("user", "assistant"):
            if self.first_read and self.records == 0:
                raise NotRecognised("it does not hold Cline's session messages")
            return "messages without a role"
        ts = ms_from_epoch(message.get("ts"))
        if ts is None:
            ts = self.last_ts
        if ts is None:
            return "messages without a time"
        self.last_ts = ts
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list):
            return "messages without content"
        if role == "assistant":
            for block in blocks:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    self.names[str(block.get("id"))] = str(block.get("name") or "tool")
        if self.legacy:
            if role == "user" and any(
                LEGACY_RESUME_NOTICE in text for text in _block_texts(blocks)
            ):
                self.legacy = False
            return None
        seen = self.seen.get(ts, 0)
        self.seen[ts] = seen + 1
        if not is_new(self.mark, ts, seen):
            if role == "user":
                self.wrapped_seen |= any(person_text(t)[0] for t in _block_texts(blocks))
            return None
        self.mark = [ts, seen + 1]
        if role == "user":
            self.user(blocks, ts)
        else:
            self.assistant(message, blocks, ts)
        return None

    def emit(self, kind: str, text: str, ts: int, meta: dict[str, Json] | None = None) -> None:
        if kind == "prompt":
            self.begin_session(ts, text)
        else:
            self.begin_session(ts, None)
        self.out.append(ImportedEvent(kind, text, ts, meta))

    def user(self, blocks: list[Json], ts: int) -> None:
        words: list[str] = []
        slash = False
        for block in blocks:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            if kind == "tool_result":
                tool = _str(block.get("name")) or self.names.get(
                    str(block.get("tool_use_id")), "tool"
                )
                if tool in ANSWERED_BY_PERSON:
                    continue
                text = block_text(block.get("content"))
                if text.strip():
                    failed = result_failed(text, block.get("is_error"))
                    self.emit(
                        "command", text, ts, make_meta(tool=tool, is_error=True if failed else None)
                    )
            elif kind == "text" and isinstance(block.get("text"), str):
                text = block["text"]
                if LEGACY_RESUME_NOTICE in text:
                    continue
                wrapped, command, said = person_text(text)
                if wrapped:
                    self.wrapped_seen = True
                elif self.wrapped_seen:
                    continue  # a notice Cline added on its own (loops, recovery)
                slash |= command
                if said:
                    words.append(said)
        if words:
            # A slash command the person typed is a command, as the contract has it.
            self.emit("command" if slash else "prompt", "\n\n".join(words), ts)

    def assistant(self, message: dict[str, Json], blocks: list[Json], ts: int) -> None:
        info = message.get("modelInfo")
        model = _str(info.get("id")) if isinstance(info, dict) else None
        model = model or _str(self.manifest.get("model"))
        usage = _usage(message.get("metrics"))
        for block in blocks:
            if not isinstance(block, dict):
                continue
            kind = block.get("type")
            tool: str | None = None
            if kind == "text" and isinstance(block.get("text"), str) and block["text"].strip():
                event, text = "system", str(block["text"])
            elif kind == "tool_use":
                tool = str(block.get("name") or "tool")
                event, text = "command", call_text(tool, block.get("input"))
            else:
                continue
            self.emit(event, text, ts, make_meta(model=model, usage=usage, tool=tool))
            usage = None


def _pair(value: object) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _block_texts(blocks: list[Json]) -> Iterator[str]:
    for block in blocks:
        if (
            isinstance(block, dict)
            and block.get("type") == "text"
            and isinstance(block.get("text"), str)
        ):
            yield block["text"]


def _usage(metrics: object) -> Usage | None:
    """An SDK message's counts: its `inputTokens` include the cached ones
    (AI SDK totals), split here into input from no cache and cache reads/writes."""
    if not isinstance(metrics, dict):
        return None
    reads, writes = (
        token_count(metrics.get("cacheReadTokens")),
        token_count(metrics.get("cacheWriteTokens")),
    )
    return Usage(
        input_tokens=max(0, token_count(metrics.get("inputTokens")) - reads - writes),
        output_tokens=token_count(metrics.get("outputTokens")),
        cache_read_tokens=reads,
        cache_write_tokens=writes,
    )


SOURCE = Cline()
