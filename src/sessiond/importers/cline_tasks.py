"""Cline's and Roo Code's task folders: what `cline` and `roo` share.

Roo Code is a fork of Cline, and both keep a task as a folder
`tasks/<taskId>/` in the extension's VS Code `globalStorage`:

- `ui_messages.json`: the chat as the person saw it, a JSON array of
  `ClineMessage` (`{ts, type: "say"|"ask", say?, ask?, text?, partial?, ...}`),
  the timeline read here: the person's words as typed (no injected context),
  the assistant's text, each tool call, errors, and per model request an
  `api_req_started` whose JSON carries its token counts;
- `api_conversation_history.json`: the messages as sent to the model
  (Anthropic shape, with `ts` on each message in newer versions). Read for the
  tool results the chat does not show (file reads and edits, with failures),
  Roo's model (`<model>` in the injected `<environment_details>`), and the
  folder and branch those details name;
- the task list (Cline's `state/taskHistory.json`, Roo's
  `tasks/<id>/history_item.json` and `tasks/_index.json`, or before both the
  extension's `taskHistory` in VS Code's `state.vscdb`): the workspace folder
  and Roo's parent task.

Both files are rewritten whole (written aside, then renamed over), so a task
is read from its start each time and what was already imported is known by
the messages' times: `Mark.state` keeps the last imported message's `ts` (and
how many messages shared it), for the chat and for the tool results apart.
Messages still changing are left for the next import: a reply still
streaming (`partial`), the model request still being answered (its
`api_req_started` without a cost), a command's output still coming. A task
the tool left like that for STALE_MS is taken as it is.

A rewind in the tool (restoring a checkpoint, editing a message) deletes
messages: what was imported stays, and the messages written after it, newer
than the last imported one, come in. A clock set back while a task runs
would hide its next messages (they look older than the imported ones).
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import re
import sqlite3
import stat
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import attrs

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
    load_json_text,
    made_id,
    ms_from_epoch,
    session_id,
    walk_files,
)
from sessiond.importers.json_stream import (
    Cut,
    Element,
    EmptyDocument,
    NotAJsonDocument,
    Piece,
    element_object,
    read_elements,
)
from sessiond.importers.source import Source, file_stamp, stat_part, stat_signature
from sessiond.importers.sqlite_source import open_read_only
from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

UI_FILE = "ui_messages.json"
#: A UUID of version 7: its first 48 bits are the time it was made (ms).
_UUID7 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.I)
API_FILE = "api_conversation_history.json"
#: The model history's first name (Cline and Roo rename it when they open the task).
OLD_API_FILE = "claude_messages.json"
#: A task unchanged this long is taken as it stands, unfinished request and all.
STALE_MS = 10 * 60 * 1000
#: Events between two marks (each mark a point the next import can resume from).
MARK_EVERY = 1000
#: Index files (task lists) larger than this are not read.
MAX_INDEX_BYTES = 64 << 20
#: Folders never walked into: checkpoints are shadow git repositories,
#: puppeteer a downloaded browser.
SKIP_DIRS = ("checkpoints", "puppeteer", "cache", "node_modules", ".git")

#: VS Code and the editors built on it, by their folder under the user's
#: configuration folder (Linux `~/.config`, macOS `~/Library/Application
#: Support`, Windows `%APPDATA%`).
VSCODE_PRODUCTS = (
    "Code",
    "Code - Insiders",
    "VSCodium",
    "VSCodium - Insiders",
    "Cursor",
    "Windsurf",
)
#: VS Code's server (Remote - SSH, WSL, containers, code-server-like hosts),
#: under the home folder.
VSCODE_SERVERS = (".vscode-server", ".vscode-server-insiders", ".vscodium-server")
#: Flatpak builds (Linux): app id, product folder.
VSCODE_FLATPAKS = (
    ("com.visualstudio.code", "Code"),
    ("com.visualstudio.code.insiders", "Code - Insiders"),
    ("com.vscodium.codium", "VSCodium"),
)

_ENV_OPEN = "<environment_details>"
_CWD = re.compile(r"^# Current (?:Working|Workspace) Directory \((.+?)\) Files\s*$", re.M)
_GIT_STATUS = re.compile(r"^# Git Status\s*\n## ([^\n]+)", re.M)
_MODEL = re.compile(r"<model>([^<\n]{1,200})</model>")
#: A result given as text: `[read_file for 'x'] Result:`, `[attempt_completion]
#: Result:`, and older Roo's `[new_task completed] Result:` for a subtask's end.
_RESULT_HEAD = re.compile(r"^\[([A-Za-z0-9_.:/-]{1,100})(?: for '.*?'| completed)?\] Result:", re.S)
_EXIT_CODE = re.compile(r"\bExit code: (-?\d+)")
_ABSOLUTE = re.compile(r"^(?:/|[A-Za-z]:[\\/]|\\\\)")

#: The tools whose results are the person's answer (a prompt already) or nothing.
ANSWERED_BY_PERSON = frozenset(
    {"attempt_completion", "ask_followup_question", "plan_mode_respond", "act_mode_respond"}
)
#: How a tool result says it failed (Cline's and Roo's `formatResponse` and
#: command results).
FAILURE_STARTS = (
    "The user denied this operation",
    "The tool execution failed",
    "[ERROR]",
    "Error:",
    "Missing value for required parameter",
    "Command failed with exit code",
    "Command terminated by signal",
    "Command execution blocked",
    "Command execution was not successful",
)
#: Chat messages that are errors (`alert`) and warnings (`warn`), with the
#: words for one that has no text of its own.
ALERTS = {
    "error": "An error occurred.",
    "api_req_failed": "The request failed.",
    "mistake_limit_reached": "The assistant made too many mistakes in a row.",
    "clineignore_error": "A file blocked by .clineignore was asked for.",
    "rooignore_error": "A file blocked by .rooignore was asked for.",
    "command_permission_denied": "A command was refused by the permission settings.",
    "condense_context_error": "Condensing the conversation failed.",
}
WARNINGS = {
    "error_retry": "The request failed; retrying.",
    "api_req_retried": "The request was retried.",
    "api_req_retry_delayed": "The request will be retried.",
    "api_req_rate_limit_wait": "Waiting for the provider's rate limit.",
    "shell_integration_warning": "The terminal's shell integration is not available.",
    "shell_integration_warning_with_suggestion": "The terminal's shell integration is off.",
    "diff_error": "An edit could not be applied.",
    "too_many_tools_warning": "Too many tools are enabled.",
    "auto_approval_max_req_reached": "The auto-approved request limit was reached.",
}
#: Fields of a tool message that only steer the chat view.
_VIEW_ONLY = frozenset(
    {
        "tool",
        "operationIsLocatedInWorkspace",
        "isOutsideWorkspace",
        "isProtected",
        "startLineNumbers",
    }
)


def user_dirs() -> list[Path]:
    """Every VS Code-family `User` folder this machine may have (existing or not)."""
    home = Path.home()
    dirs: list[Path] = []
    portable = os.environ.get("VSCODE_PORTABLE")
    if portable:
        dirs.append(Path(portable).expanduser() / "user-data" / "User")
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    dirs += [base / product / "User" for product in VSCODE_PRODUCTS]
    dirs += [home / server / "data" / "User" for server in VSCODE_SERVERS]
    if sys.platform.startswith("linux"):
        for app, product in VSCODE_FLATPAKS:
            dirs.append(home / ".var" / "app" / app / "config" / product / "User")
    return dirs


_USAGE_KEYS = frozenset(("tokensIn", "tokensOut", "cacheReads", "cacheWrites"))


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def token_count(value: object) -> int:
    """A token count: a non-negative integer, else 0."""
    if type(value) is int:  # the usual case, first
        return value if value > 0 else 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if value != value or value in (float("inf"), float("-inf")):
        return 0
    return max(0, int(value))


def _json_object(text: object) -> dict[str, Json] | None:
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        value = load_json_text(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def load_json_file(path: Path) -> Json:
    """A small JSON file (an index, metadata) whole, or None when it is
    missing, too large or not JSON."""
    try:
        if path.stat().st_size > MAX_INDEX_BYTES:
            return None
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def api_path(task_dir: Path) -> Path | None:
    """The task's model history, under its name or its first one."""
    for name in (API_FILE, OLD_API_FILE):
        if (task_dir / name).is_file():
            return task_dir / name
    return None


@attrs.frozen
class Environment:
    """What one `<environment_details>` block says of where the task runs."""

    cwd: str | None = None
    branch: str | None = None
    model: str | None = None


def environment(text: str) -> Environment:
    """The working folder, git branch and model an `<environment_details>`
    block names (Cline's `# Current Working Directory (<cwd>) Files`, Roo's
    `# Current Workspace Directory (<cwd>) Files`, Roo's `# Git Status` and
    `<model>` in `# Current Mode`)."""
    cwd = branch = None
    found = _CWD.search(text)
    if found and _ABSOLUTE.match(found.group(1)):
        cwd = found.group(1)
    found = _GIT_STATUS.search(text)
    if found:
        head = found.group(1).strip()
        if head.startswith("No commits yet on "):
            head = head[len("No commits yet on ") :]
        if not head.startswith("HEAD (no branch)"):
            name = head.split("...")[0].split(" ")[0]
            branch = name or None
    return Environment(cwd, branch, environment_model(text))


def environment_model(text: str) -> str | None:
    """The model an `<environment_details>` block names (`environment`'s
    alone: what each request's block is read for)."""
    found = _MODEL.search(text)
    return (found.group(1).strip() or None) if found else None


def result_failed(text: str, flagged: object) -> bool:
    """Whether a tool result reports a failure: flagged `is_error`, or
    worded as Cline's and Roo's failures are."""
    if flagged is True:
        return True
    head = text.lstrip()[:400]
    if head.startswith(FAILURE_STARTS):
        return True
    code = _EXIT_CODE.search(head)
    return code is not None and code.group(1) != "0"


# The task list


class Histories:
    """The task list's items (`HistoryItem`: folder, parent, model), found
    per storage folder in the places each version kept them."""

    def __init__(self, source: TaskSource):
        self.source = source
        self.loaded: dict[str, dict[str, dict[str, Json]]] = {}
        self.vscdb: dict[Path, dict[str, dict[str, Json]]] = {}

    def item(self, tasks_dir: Path, task_id: str) -> dict[str, Json] | None:
        own = self.source.own_history_item(tasks_dir / task_id)
        if own is not None:
            return own
        found = self._index(tasks_dir).get(task_id)
        if found is not None:
            return found
        return self._from_vscdb(tasks_dir.parent.parent / "state.vscdb").get(task_id)

    def parent(self, tasks_dir: Path, task_id: str) -> str | None:
        """The task's parent, from the task list when it has the task (one
        file read for every task: a parent never changes), else as `item`."""
        listed = self._index(tasks_dir).get(task_id)
        if listed is not None:
            return self.source.parent_task(listed)
        return self.source.parent_task(self.item(tasks_dir, task_id))

    def _index(self, tasks_dir: Path) -> dict[str, dict[str, Json]]:
        where = os.fspath(tasks_dir)  # a string's hash is kept, a new Path's is not
        found = self.loaded.get(where)
        if found is None:
            found = self.loaded[where] = _by_id(self.source.history_index(tasks_dir))
        return found

    def _from_vscdb(self, path: Path) -> dict[str, dict[str, Json]]:
        """`taskHistory` in VS Code's `state.vscdb` (the extension's global
        state, one JSON value under its id), where the list was kept first."""
        if path in self.vscdb:
            return self.vscdb[path]
        found: dict[str, dict[str, Json]] = {}
        self.vscdb[path] = found
        if not path.is_file():
            return found
        try:
            conn = open_read_only(path)
        except SourceUnreadable:
            return found
        try:
            row = conn.execute(
                "SELECT value FROM ItemTable WHERE key = ? COLLATE NOCASE",
                (self.source.state_key,),
            ).fetchone()
        except sqlite3.Error:
            row = None
        finally:
            conn.close()
        if row is None:
            return found
        try:
            value = json.loads(row[0])
        except (TypeError, ValueError, RecursionError):
            return found
        if isinstance(value, dict):
            found.update(_by_id(value.get("taskHistory")))
        return found


def _by_id(items: object) -> dict[str, dict[str, Json]]:
    found: dict[str, dict[str, Json]] = {}
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found[item["id"]] = item
    return found


@attrs.define
class TaskRun:
    """What one import run keeps across tasks: the task lists read, and the
    ulids given to tasks (a child's starts with its parent's)."""

    histories: Histories
    ulids: dict[str, str] = attrs.field(factory=dict)


# What one read of a task carries on to the next (Mark.state)


@attrs.define
class Progress:
    ui: list[int] = attrs.field(factory=lambda: [-1, 0])  # last ts imported, and how many had it
    api: list[int] = attrs.field(factory=lambda: [-1, 0])  # the same for tool results
    usage: list[int] | None = None  # a request's counts not yet on an event
    usage_model: str | None = None
    request_model: str | None = None  # the model of the request under way (Cline)
    done: str | None = None  # the last completion's digest
    mcp: str | None = None  # the last MCP tool called

    def copy(self) -> Progress:
        return attrs.evolve(
            self,
            ui=list(self.ui),
            api=list(self.api),
            usage=None if self.usage is None else list(self.usage),
        )

    def dump(self) -> dict[str, Json]:
        return {
            "ui": self.ui,
            "api": self.api,
            "u": self.usage,
            "um": self.usage_model,
            "rm": self.request_model,
            "done": self.done,
            "mcp": self.mcp,
        }

    @classmethod
    def load(cls, state: Mapping[str, Json]) -> Progress:
        def pair(value: object) -> list[int]:
            if (
                isinstance(value, list)
                and len(value) == 2
                and all(isinstance(v, int) for v in value)
            ):
                return [int(value[0]), int(value[1])]
            return [-1, 0]

        usage = state.get("u")
        return cls(
            ui=pair(state.get("ui")),
            api=pair(state.get("api")),
            usage=[token_count(v) for v in usage]
            if isinstance(usage, list) and len(usage) == 4
            else None,
            usage_model=_str(state.get("um")),
            request_model=_str(state.get("rm")),
            done=_str(state.get("done")),
            mcp=_str(state.get("mcp")),
        )


def is_new(mark: list[int], ts: int, seen: int) -> bool:
    """Whether the message at `ts` (the `seen`-th with that time in this
    read) is past `mark` ([last ts imported, how many with it])."""
    return ts > mark[0] or (ts == mark[0] and seen >= mark[1])


class ApiFile:
    """A task's model history, split once for all that looks at it (whether
    it times its messages, the first environment, its messages in turn): its
    first pieces are kept, parsed once, for those that look only at its head.
    Each looker catches `OSError` and `NotAJsonDocument` as a read of its
    own would raise them, at the same piece."""

    HEAD = 6

    def __init__(self, path: Path | None):
        self.path = path
        self._pieces: Iterator[Piece] | None = None
        self._error: OSError | NotAJsonDocument | None = None
        self._ended = path is None
        self.head: list[Piece] = []
        self._parsed: dict[int, dict[str, object] | str] = {}
        self.pulled = 0

    def _pull(self) -> Piece | None:
        if self._error is not None:
            raise self._error
        if self._ended:
            return None
        if self._pieces is None:
            assert self.path is not None
            self._pieces = read_elements(self.path)
        try:
            piece = next(self._pieces)
        except StopIteration:
            self._ended = True
            return None
        except (OSError, NotAJsonDocument) as exc:
            self._error = exc
            raise
        if len(self.head) < self.HEAD:
            self.head.append(piece)
        self.pulled += 1
        return piece

    def first(self, count: int) -> Iterator[Piece]:
        """Its first `count` pieces (at most HEAD)."""
        for i in range(min(count, self.HEAD)):
            if i < len(self.head):
                yield self.head[i]
            elif self.pulled > i:
                return  # ended, or read on by `__iter__` past an error
            else:
                piece = self._pull()
                if piece is None:
                    return
                yield piece

    def parsed(self, index: int, piece: Element) -> dict[str, object] | str:
        """`parse_element` of the head's piece `index`, once."""
        assert not piece.dropped
        found = self._parsed.get(index)
        if found is None:
            found = self._parsed[index] = element_object(piece)
        return found

    def __iter__(self) -> Iterator[Piece]:
        """Every piece, once (those of the head first, as kept)."""
        i = 0
        while True:
            if i < self.pulled:
                if i >= len(self.head):
                    raise RuntimeError("the model history is read once")
                piece: Piece | None = self.head[i]
            else:
                piece = self._pull()
                if piece is None:
                    return
            i += 1
            assert piece is not None
            yield piece


@attrs.frozen
class ApiItem:
    """What the model-side history adds to the chat: a tool result, or the
    model named for the turns that follow."""

    ts: int
    result: tuple[str, str, bool] | None = None  # tool, text, failed
    model: str | None = None


class TaskSource(Source[TaskRun]):
    """A VS Code extension that keeps Cline-shaped task folders."""

    unit = "B"
    resume = None
    #: The extension's folders in `globalStorage` (publisher.name, lower case).
    extension_ids: ClassVar[tuple[str, ...]]
    #: The extension's key in VS Code's `state.vscdb` (its id as published).
    state_key: ClassVar[str]
    #: Whether a task may have a parent task (`parent_task`).
    has_subtasks: ClassVar[bool] = False

    # What differs between Cline and Roo Code

    @abc.abstractmethod
    def own_history_item(self, task_dir: Path) -> dict[str, Json] | None:
        """The task's own list item, where it has a file of its own."""

    @abc.abstractmethod
    def history_index(self, tasks_dir: Path) -> object:
        """The task list beside `tasks_dir` (a list of items, or None)."""

    @abc.abstractmethod
    def not_this_tool(self, first: dict[str, Json]) -> str | None:
        """Why a task whose first message is `first` is another tool's, or None."""

    @abc.abstractmethod
    def first_text_is_the_task(self) -> bool:
        """Whether the task's first `say: "text"` is the person's task (Roo)."""

    @abc.abstractmethod
    def usage(self, info: dict[str, Json], message: dict[str, Json]) -> Usage:
        """A request's token counts (`api_req_started`), split per the contract."""

    @abc.abstractmethod
    def tool_name(self, shown: str, payload: dict[str, Json]) -> str:
        """The tool a chat `tool` message shows (`readFile`), by its API name."""

    @abc.abstractmethod
    def session_facts(
        self, task_dir: Path, item: dict[str, Json] | None, env: Environment
    ) -> tuple[str, str | None, str | None]:
        """cliVersion, project and branch of a task."""

    def parent_task(self, item: dict[str, Json] | None) -> str | None:
        """The task that started this one (Roo's subtasks)."""
        return None

    def model_timeline(self, task_dir: Path, item: dict[str, Json] | None) -> list[tuple[int, str]]:
        """(ts, model) as recorded beside the task, oldest first."""
        return []

    # Where

    def default_paths(self) -> list[Path]:
        return [user / "globalStorage" / ext for user in user_dirs() for ext in self.extension_ids]

    def wanted(self, path: Path) -> bool:
        return self.wanted_name(path.name)

    def wanted_name(self, name: str) -> bool:
        """`wanted` by a file's name alone (what it looks at)."""
        return name == UI_FILE

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        found: list[Path] = []
        for path in paths:
            if path.is_dir():
                found.extend(
                    walk_files(path, self.wanted, SKIP_DIRS, self.wanted_name, ("tasks", UI_FILE))
                )
            elif path.is_file():
                found.append(self._task_file(path))
        found = list(dict.fromkeys(found))
        histories = Histories(self)
        return sorted(found, key=lambda p: self._order(p, histories))

    def _task_file(self, path: Path) -> Path:
        """A task's file given by name stands for its task (its chat)."""
        if path.name in (API_FILE, OLD_API_FILE, "task_metadata.json", "history_item.json"):
            sibling = path.with_name(UI_FILE)
            if sibling.is_file():
                return sibling
        return path

    def _order(self, path: Path, histories: Histories) -> tuple[object, ...]:
        """Parents before their children, then by task id (Cline's are times).

        A task named by a UUIDv7 (Roo since 3.2x) was made after its parent:
        those come last, by id (the time they were made), their parents not
        looked up; the older tasks, named at random, first, by depth."""
        task_id = path.parent.name
        if self.has_subtasks and _UUID7.fullmatch(task_id):
            return (1, 0, task_id.lower(), str(path))
        depth, seen = 0, {task_id}
        if path.name == UI_FILE and self.has_subtasks:
            tasks_dir = path.parent.parent
            parent = histories.parent(tasks_dir, task_id)
            while parent is not None and parent not in seen and depth < 32:
                depth += 1
                seen.add(parent)
                parent = histories.parent(tasks_dir, parent)
        return (0, depth, task_id.zfill(20), str(path))

    def key(self, path: Path) -> str:
        """The task id, the folder's name: the same task copied or moved is
        known again."""
        if path.name == UI_FILE:
            return f"task/{path.parent.name}"
        try:
            with open(path, "rb") as f:
                head = f.read(4096)
        except OSError:
            return str(path.resolve())
        return f"file/{path.name}/{hashlib.sha256(head).hexdigest()[:16]}"

    def stamp(self, path: Path) -> list[int]:
        """The chat's and the model history's sizes and times, and whether
        the task has been left alone for STALE_MS (an unfinished request is
        then taken as it stands)."""
        parts = file_stamp(path)
        newest = parts[1]
        api = api_path(path.parent) if path.name == UI_FILE else None
        if api is not None:
            more = file_stamp(api)
            parts += more
            newest = max(newest, more[1])
        stale = time.time_ns() - newest > STALE_MS * 1_000_000
        return [*parts, int(stale)]

    def signature(self, path: Path) -> str | None:
        """The chat's and the model history's stat, and whether the task has
        been left alone for STALE_MS (what `stamp` reads, without `api_path`'s
        two looks)."""
        if path.name != UI_FILE:
            return stat_signature(path)
        name = os.fspath(path)
        try:
            ui = os.stat(name)
        except OSError:
            return None
        if not stat.S_ISREG(ui.st_mode):
            return None
        parts, newest = [stat_part(ui)], ui.st_mtime_ns
        folder = os.path.dirname(name)
        for each in (API_FILE, OLD_API_FILE):
            try:
                st = os.stat(os.path.join(folder, each))
            except FileNotFoundError:
                continue
            except OSError:
                return None
            if stat.S_ISREG(st.st_mode):
                parts.append(stat_part(st))
                newest = max(newest, st.st_mtime_ns)
                break
        stale = time.time_ns() - newest > STALE_MS * 1_000_000
        parts.append("stale" if stale else "fresh")
        return " ".join(parts)

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        total = path.stat().st_size
        api = api_path(path.parent) if path.name == UI_FILE else None
        if api is not None:
            total += api.stat().st_size
        return total

    def watched(self, path: Path) -> Path | None:
        if (
            path.name in (UI_FILE, API_FILE, OLD_API_FILE, "history_item.json")
            and path.parent.parent.name == "tasks"
        ):
            return path.with_name(UI_FILE)
        return None

    def new_run(self) -> TaskRun:
        return TaskRun(Histories(self))

    def read(self, path: Path, state: Mapping[str, Json] | None, run: TaskRun) -> Iterator[Item]:
        yield from TaskReader(self, path, state, run).read()

    # Ulids

    def task_ulid(self, tasks_dir: Path, task_id: str, run: TaskRun, depth: int = 0) -> str:
        """The task's ulid: its id, or for a subtask its parent's ulid with a
        short key of its own (so the trash moves it with its parent)."""
        known = run.ulids.get(task_id)
        if known is not None:
            return known
        own = session_id(task_id) or made_id(self.name, task_id)
        parent = self.parent_task(run.histories.item(tasks_dir, task_id))
        ulid = own
        if parent is not None and parent != task_id and depth < 32:
            parent_ulid = self.task_ulid(tasks_dir, parent, run, depth + 1)
            ulid = child_id(parent_ulid, short_key(task_id))
        run.ulids[task_id] = ulid
        return ulid


def short_key(task_id: str) -> str:
    """Eight characters that tell a subtask from its siblings: the random
    tail of its UUID, else a digest of its id."""
    bare = task_id.replace("-", "").lower()
    if len(bare) == 32 and all(c in "0123456789abcdef" for c in bare):
        return bare[-8:]
    return hashlib.sha256(task_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]


class TaskReader:
    """One read of one task folder, from its start; yields what is new."""

    def __init__(
        self, source: TaskSource, path: Path, state: Mapping[str, Json] | None, run: TaskRun
    ):
        self.source = source
        self.path = path
        self.task_dir = path.parent
        self.task_id = path.parent.name
        self.run = run
        self.first_read = state is None
        state = state or {}
        self.p = Progress.load(state)
        self.session_state: list[Json] | None = (
            state.get("s") if isinstance(state.get("s"), list) else None
        )
        self.api_mode: bool | None = state.get("mode") == "api" if "mode" in state else None
        self.item: dict[str, Json] | None = None
        self.timeline: list[tuple[int, str]] = []
        self.fallback_model: str | None = None
        self.api_model: str | None = None
        self.chat_results = False  # results from the chat (a model history without times)
        # What this read produces
        self.out: list[ImportedEvent] = []
        self.held: list[ImportedEvent] = []
        self.hold: str | None = None  # "api", "partial" or "output"
        self.hold_state: Progress | None = None
        self.output: list[str] = []  # a command's output chunks (chat-only results)
        self.output_ts = 0
        self.index = 0
        self.ui_seen: dict[int, int] = {}
        self.api_seen: dict[int, int] = {}
        self.api_items: Iterator[ApiItem] = iter(())
        self.api_file: ApiFile | None = None  # once looked for
        self.api_next: ApiItem | None = None
        self.ui_offset = 0
        self.api_offset = 0
        self.records = 0
        self._request: tuple[str, dict[str, Json]] | None = None  # `request_info`'s last

    # The session

    def session(self) -> ImportedSession:
        assert self.session_state is not None
        ulid, started, cli, project, branch, parent = self.session_state
        return ImportedSession(
            str(ulid),
            str(cli),
            int(started),
            parent_ulid=parent if isinstance(parent, str) else None,
            source=self.source.name,
            source_id=self.task_id,
            project=project if isinstance(project, str) else None,
            branch=branch if isinstance(branch, str) else None,
        )

    def begin_session(self, started: int) -> None:
        if self.session_state is not None:
            return
        env = self.first_environment()
        cli, project, branch = self.source.session_facts(self.task_dir, self.item, env)
        tasks_dir = self.task_dir.parent
        if self.path.name == UI_FILE:
            ulid = self.source.task_ulid(tasks_dir, self.task_id, self.run)
        else:
            ulid = made_id(self.source.name, self.source.key(self.path))
        parent_id = self.source.parent_task(self.item)
        parent = None
        if parent_id is not None and parent_id != self.task_id:
            parent = self.source.task_ulid(tasks_dir, parent_id, self.run)
        self.session_state = [ulid, started, cli[:256], project, branch, parent]

    def api(self) -> ApiFile:
        """The model history, split once for this read (`ApiFile`)."""
        if self.api_file is None:
            self.api_file = ApiFile(api_path(self.task_dir))
        return self.api_file

    def first_environment(self) -> Environment:
        """The first `<environment_details>` of the model history (the folder,
        branch and model the task started with)."""
        api = self.api()
        if api.path is None:
            return Environment()
        try:
            for count, piece in enumerate(api.first(6)):
                if not isinstance(piece, Element) or piece.dropped:
                    break
                message = api.parsed(count, piece)
                if isinstance(message, str) or message.get("role") != "user":
                    continue
                for text in _texts(message.get("content")):
                    if text.lstrip().startswith(_ENV_OPEN):
                        return environment(text)
        except (OSError, NotAJsonDocument):
            pass
        return Environment()

    # Reading

    def read(self) -> Iterator[Item]:
        tasks_dir = self.task_dir.parent
        if self.path.name == UI_FILE:
            self.item = self.run.histories.item(tasks_dir, self.task_id)
        self.timeline = self.source.model_timeline(self.task_dir, self.item)
        self.fallback_model = _str((self.item or {}).get("modelId"))
        if self.api_mode is None:
            self.api_mode = self._api_has_times()
        self.chat_results = self.api_mode is False
        if self.api_mode:
            self.api_items = self._api_items()
            self.api_next = next(self.api_items, None)
        try:
            pieces = read_elements(self.path)
            for piece in pieces:
                if isinstance(piece, Cut):
                    yield Skipped("a task file that ends mid-record (read again once complete)")
                    break
                if isinstance(piece, Element):
                    self.ui_offset = piece.end
                    problem = self.element(piece)
                    if problem is not None:
                        yield Skipped(problem)
                    else:
                        self.records += 1
                    if not self.hold and len(self.out) >= MARK_EVERY:
                        yield from self.flush()
        except EmptyDocument:
            pass  # nothing written yet: nothing to take
        except NotAJsonDocument as exc:
            raise NotRecognised(f"not a {self.source.label} task's {UI_FILE}: {exc}") from None
        except OSError as exc:
            raise SourceUnreadable(f"{self.path} cannot be read ({exc.strerror or exc})") from None
        self.end()
        yield from self.flush()

    def _api_has_times(self) -> bool | None:
        """Whether the model history times its messages (`ts`, newer
        versions): its tool results are then placed in the chat by time, else
        taken from the chat. None while it has no message yet (Cline writes
        it once the first request is sent): then no result is taken at all,
        and the next read decides."""
        api = self.api()
        if api.path is None:
            return None
        try:
            for piece in api.first(1):
                if isinstance(piece, Element) and not piece.dropped:
                    message = api.parsed(0, piece)
                    return (
                        isinstance(message, dict) and ms_from_epoch(message.get("ts")) is not None
                    )
                break
        except (OSError, NotAJsonDocument):
            return None
        return None

    def element(self, piece: Element) -> str | None:
        if piece.dropped:
            self.index += 1
            return "records over 32 MiB"
        message = element_object(piece)
        if isinstance(message, str):
            self.index += 1
            return message
        index, self.index = self.index, self.index + 1
        ts = ms_from_epoch(message.get("ts"))
        kind = message.get("type")
        if kind not in ("say", "ask"):
            if self.first_read and index == 0:
                raise NotRecognised(f"it does not hold {self.source.label}'s chat messages")
            return "messages that are neither said nor asked"
        if ts is None:
            return "messages without a time"
        if self.first_read and index == 0:
            why = self.source.not_this_tool(message)
            if why is not None:
                raise NotRecognised(why)
        self.drain(ts)
        seen = self.ui_seen.get(ts, 0)
        self.ui_seen[ts] = seen + 1
        self.before(message, kind)
        if not is_new(self.p.ui, ts, seen):
            return None
        self.p.ui = [ts, seen + 1]
        self.begin_session(ts)
        self.message(message, kind, ts, index)
        return None

    # Holding back what is still changing

    def before(self, message: dict[str, Json], kind: object) -> None:
        """Release or begin a hold, before `message` is taken."""
        say = message.get("say") if kind == "say" else None
        output = say == "command_output" or (
            kind == "ask" and message.get("ask") == "command_output"
        )
        if self.output and not (output and self.chat_results):
            self.end_output()
        if self.hold == "partial" or (self.hold == "output" and not output):
            self.release()
        if say == "api_req_started":
            if self.hold == "api":
                self.release()
            info = self.request_info(message.get("text"))
            if "cost" not in info and "cancelReason" not in info and self.hold is None:
                self.begin_hold("api")
        elif message.get("partial") is True and self.hold is None:
            self.begin_hold("partial")
        elif output and self.chat_results and self.hold is None:
            self.begin_hold("output")

    def request_info(self, text: object) -> dict[str, Json]:
        """An `api_req_started` message's JSON text, parsed once for `before`
        and `request` (read only)."""
        last = self._request
        if last is not None and last[0] is text:
            return last[1]
        info = _json_object(text) or {}
        if isinstance(text, str):
            self._request = (text, info)
        return info

    def begin_hold(self, why: str) -> None:
        self.hold, self.hold_state = why, self.p.copy()

    def release(self) -> None:
        self.out.extend(self.held)
        self.held, self.hold, self.hold_state = [], None, None

    def end(self) -> None:
        """The end of the chat: what is still changing waits, unless the task
        was left alone long enough (its files' times looked at only then)."""
        if self.hold is not None and self.source.stamp(self.path)[-1] != 1:
            assert self.hold_state is not None
            self.p = self.hold_state
            self.held, self.hold, self.hold_state, self.output = [], None, None, []
            return
        if self.output:
            self.end_output()
        self.release()
        self.drain(None)

    def flush(self) -> Iterator[Item]:
        if self.out and self.session_state is not None:
            yield Turns(self.session(), self.out)
        self.out = []
        state: dict[str, Json] = {"s": self.session_state}
        if self.api_mode is not None:
            state["mode"] = "api" if self.api_mode else "ui"
        state.update(self.p.dump())
        yield Mark(state, self.ui_offset + self.api_offset, self.records)
        self.records = 0

    # Events

    def emit(self, kind: str, text: str, ts: int, meta: dict[str, Json] | None = None) -> None:
        event = ImportedEvent(kind, text, ts, meta)
        (self.held if self.hold else self.out).append(event)

    def model_at(self, ts: int, message: dict[str, Json] | None = None) -> str | None:
        info = message.get("modelInfo") if message is not None else None
        if isinstance(info, dict) and _str(info.get("modelId")):
            return str(info["modelId"])
        if self.p.request_model:
            return self.p.request_model
        if self.api_model:
            return self.api_model
        chosen = None
        for when, model in self.timeline:
            if when <= ts or chosen is None:
                chosen = model
            else:
                break
        return chosen or self.fallback_model

    def assistant(
        self, kind: str, text: str, ts: int, message: dict[str, Json], **meta: Any
    ) -> None:
        """An event the model produced: its model, and the request's usage
        if none of its events carries it yet."""
        if not text.strip():
            return
        model = self.model_at(ts, message)
        usage = None
        if self.p.usage is not None:
            usage = Usage(*self.p.usage)
            model = self.p.usage_model or model
            self.p.usage, self.p.usage_model = None, None
        self.emit(kind, text, ts, make_meta(model=model, usage=usage, **meta))

    def call(self, tool: str, text: str, ts: int, message: dict[str, Json]) -> None:
        self.assistant("command", text, ts, message, tool=tool)

    def message(self, m: dict[str, Json], kind: str, ts: int, index: int) -> None:
        text = m.get("text") if isinstance(m.get("text"), str) else ""
        assert isinstance(text, str)
        if kind == "say":
            self.said(str(m.get("say")), text, ts, m, index)
        else:
            self.asked(str(m.get("ask")), text, ts, m)

    def said(self, say: str, text: str, ts: int, m: dict[str, Json], index: int) -> None:
        if say in ("task", "user_feedback") or (
            say == "text" and index == 0 and self.source.first_text_is_the_task()
        ):
            if text.strip():
                self.emit("prompt", text, ts)
        elif say == "text":
            self.assistant("system", text, ts, m)
        elif say == "completion_result":
            self.assistant("system", text, ts, m)
            self.p.done = digest(text)
        elif say in ALERTS:
            self.emit("alert", text if text.strip() else ALERTS[say], ts)
        elif say == "diff_error" and text.strip() and "\n" not in text.strip():
            self.emit("warn", f"An edit to {text.strip()} could not be applied.", ts)
        elif say in WARNINGS:
            self.emit("warn", text if text.strip() else WARNINGS[say], ts)
        elif say == "api_req_started":
            self.request(text, ts, m)
        elif say in ("api_req_finished", "subagent_usage"):
            self.add_usage(_json_object(text) or {}, m, ts)
        elif say == "command":
            self.call("execute_command", text, ts, m)
        elif say == "command_output":
            self.take_output(text, ts)
        elif say == "tool":
            self.tool(text, ts, m)
        elif say in ("browser_action_launch", "browser_action"):
            self.browser(say, text, ts, m)
        elif say == "use_mcp_server":
            self.mcp(text, ts, m)
        elif say == "use_subagents":
            self.call(
                "use_subagents", call_text("use_subagents", _json_object(text) or text), ts, m
            )
        elif self.chat_results:
            self.chat_result(say, text, ts)

    def asked(self, ask: str, text: str, ts: int, m: dict[str, Json]) -> None:
        if ask == "followup":
            self.assistant("system", _question(text), ts, m)
        elif ask in ("plan_mode_respond", "act_mode_respond"):
            payload = _json_object(text)
            reply = _str(payload.get("response")) if payload else None
            self.assistant("system", _with_options(reply or text, payload), ts, m)
        elif ask == "completion_result":
            if text.strip() and digest(text) != self.p.done:
                self.assistant("system", text, ts, m)
                self.p.done = digest(text)
        elif ask == "command":
            command = text[: -len("REQ_APP")] if text.endswith("REQ_APP") else text
            self.call("execute_command", command, ts, m)
        elif ask == "command_output":
            self.take_output(text, ts)
        elif ask == "tool":
            self.tool(text, ts, m)
        elif ask in ALERTS:
            self.emit("alert", text if text.strip() else ALERTS[ask], ts)
        elif ask in WARNINGS:
            self.emit("warn", text if text.strip() else WARNINGS[ask], ts)
        elif ask == "browser_action_launch":
            self.browser(ask, text, ts, m)
        elif ask == "use_mcp_server":
            self.mcp(text, ts, m)
        elif ask in ("new_task", "condense", "summarize_task", "report_bug", "use_subagents"):
            payload = _json_object(text)
            self.call(ask, call_text(ask, payload if payload is not None else text), ts, m)

    def request(self, text: str, ts: int, m: dict[str, Json]) -> None:
        """A model request: its model, its counts, how it ended."""
        info = self.request_info(text)
        model_info = m.get("modelInfo")
        model = _str(model_info.get("modelId")) if isinstance(model_info, dict) else None
        self.p.request_model = model
        self.add_usage(info, m, ts)
        reason = info.get("cancelReason")
        if reason == "user_cancelled":
            self.emit("warn", "The request was cancelled.", ts)
        elif reason in ("streaming_failed", "retries_exhausted"):
            why = _str(info.get("streamingFailedMessage"))
            head = (
                "The response failed"
                if reason == "streaming_failed"
                else "The request failed after retries"
            )
            self.emit("alert", f"{head}: {why}" if why else f"{head}.", ts)

    def add_usage(self, info: dict[str, Json], m: dict[str, Json], ts: int) -> None:
        if info.keys().isdisjoint(_USAGE_KEYS):
            return
        usage = self.source.usage(info, m)
        if self.p.usage is None:
            self.p.usage = [0, 0, 0, 0]
        counts = (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_tokens,
            usage.cache_write_tokens,
        )
        self.p.usage = [a + b for a, b in zip(self.p.usage, counts, strict=True)]
        self.p.usage_model = self.model_at(ts, m)

    def tool(self, text: str, ts: int, m: dict[str, Json]) -> None:
        payload = _json_object(text)
        if payload is None:
            self.call("tool", text, ts, m)
            return
        shown = _str(payload.get("tool")) or "tool"
        name = self.source.tool_name(shown, payload)
        args = {k: v for k, v in payload.items() if k not in _VIEW_ONLY and v not in (None, "", [])}
        self.call(name, call_text(name, args), ts, m)

    def browser(self, kind: str, text: str, ts: int, m: dict[str, Json]) -> None:
        payload = _json_object(text)
        if kind.endswith("launch"):
            args: object = {"action": "launch", "url": text}
        else:
            args = payload if payload is not None else text
        self.call("browser_action", call_text("browser_action", args), ts, m)

    def mcp(self, text: str, ts: int, m: dict[str, Json]) -> None:
        payload = _json_object(text) or {}
        server = _str(payload.get("serverName")) or "mcp"
        tool_name = _str(payload.get("toolName"))
        if tool_name:
            name = f"{server}/{tool_name}"
            args: object = payload.get("arguments") or ""
        else:
            name = "access_mcp_resource"
            args = {"server": server, "uri": payload.get("uri")}
        self.p.mcp = name
        self.call(name, call_text(name, args), ts, m)

    # Results the chat shows (read when the model history has no times)

    def take_output(self, text: str, ts: int) -> None:
        if not self.chat_results:
            return
        if not self.output:
            self.output_ts = ts
        self.output.append(text)

    def end_output(self) -> None:
        text = "".join(self.output).strip("\n")
        self.output = []
        if text.strip():
            self.emit("command", text, self.output_ts, make_meta(tool="execute_command"))

    def chat_result(self, say: str, text: str, ts: int) -> None:
        if say == "mcp_server_response":
            tool = self.p.mcp or "use_mcp_tool"
        elif say == "browser_action_result":
            payload = _json_object(text) or {}
            parts = [str(payload[k]) for k in ("currentUrl", "logs") if _str(payload.get(k))]
            text, tool = "\n".join(parts), "browser_action"
        elif say == "subtask_result":
            tool = "new_task"
        elif say == "codebase_search_result":
            tool = "codebase_search"
        else:
            return
        if text.strip():
            self.emit("command", text, ts, make_meta(tool=tool))

    # Results from the model history, in time with the chat

    def drain(self, before: int | None) -> None:
        """Take the model history's items older than `before` (all: None)."""
        while self.api_next is not None and (before is None or self.api_next.ts < before):
            item, self.api_next = self.api_next, next(self.api_items, None)
            if item.model is not None:
                self.api_model = item.model
            if item.result is None:
                continue
            seen = self.api_seen.get(item.ts, 0)
            self.api_seen[item.ts] = seen + 1
            if not is_new(self.p.api, item.ts, seen):
                continue
            self.p.api = [item.ts, seen + 1]
            self.begin_session(item.ts)
            tool, text, failed = item.result
            self.emit(
                "command", text, item.ts, make_meta(tool=tool, is_error=True if failed else None)
            )

    def _api_items(self) -> Iterator[ApiItem]:
        api = self.api()
        if api.path is None:
            return
        names: dict[str, str] = {}
        last = 0
        try:
            for index, piece in enumerate(api):
                if not isinstance(piece, Element):
                    break
                self.api_offset = piece.end
                if piece.dropped:
                    continue
                if index < ApiFile.HEAD:
                    message = api.parsed(index, piece)
                else:
                    message = element_object(piece)
                if isinstance(message, str):
                    continue
                ts = ms_from_epoch(message.get("ts"))
                last = ts if ts is not None else last
                yield from _api_message(message, last, names)
        except (OSError, NotAJsonDocument):
            return


def _texts(content: object) -> Iterator[str]:
    if isinstance(content, str):
        yield content
    elif isinstance(content, list):
        for block in content:
            if (
                isinstance(block, dict)
                and block.get("type") == "text"
                and isinstance(block.get("text"), str)
            ):
                yield block["text"]


def _tool_use_name(block: dict[str, Json]) -> str:
    name = _str(block.get("name")) or "tool"
    given = block.get("input")
    if name == "use_mcp_tool" and isinstance(given, dict):
        server, tool = _str(given.get("server_name")), _str(given.get("tool_name"))
        if server and tool:
            return f"{server}/{tool}"
    return name


def _api_message(message: dict[str, Json], ts: int, names: dict[str, str]) -> Iterator[ApiItem]:
    """The tool results (and the model named) in one model-history message."""
    content = message.get("content")
    if message.get("role") == "assistant":
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    names[str(block.get("id"))] = _tool_use_name(block)
        return
    if message.get("role") != "user":
        return
    blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
    if not isinstance(blocks, list):
        return
    model = None
    open_result: list[Any] | None = None  # [tool, [texts]] of a result given as text
    results: list[tuple[str, str, bool]] = []

    def close() -> None:
        nonlocal open_result
        if open_result is not None:
            tool, parts = open_result
            text = "\n".join(parts).strip()
            if tool not in ANSWERED_BY_PERSON and text:
                results.append((tool, text, result_failed(text, None)))
            open_result = None

    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "tool_result":
            close()
            tool = names.get(str(block.get("tool_use_id")), "tool")
            text = block_text(block.get("content"))
            if tool not in ANSWERED_BY_PERSON:
                results.append((tool, text, result_failed(text, block.get("is_error"))))
        elif kind == "text" and isinstance(block.get("text"), str):
            text = block["text"]
            head = text.lstrip()
            if head.startswith(_ENV_OPEN):
                close()
                model = environment_model(text) or model
                continue
            found = _RESULT_HEAD.match(head)
            if found:
                close()
                open_result = [found.group(1), [head[found.end() :]]]
            elif open_result is not None:
                open_result[1].append(text)
    close()
    if model is not None:
        yield ApiItem(ts, model=model)
    for result in results:
        yield ApiItem(ts, result=result)


def _question(text: str) -> str:
    payload = _json_object(text)
    if payload is None:
        return text
    question = _str(payload.get("question")) or ""
    return _with_options(question, payload)


def _with_options(text: str, payload: dict[str, Json] | None) -> str:
    """A question or plan with the answers it offered (Cline's `options`,
    Roo's `suggest`)."""
    if payload is None:
        return text
    offered: list[str] = []
    options = payload.get("options")
    if isinstance(options, str):
        try:
            options = json.loads(options)
        except (ValueError, RecursionError):
            options = None
    if isinstance(options, list):
        offered += [o for o in options if isinstance(o, str) and o]
    suggest = payload.get("suggest")
    if isinstance(suggest, list):
        for s in suggest:
            answer = s.get("answer") if isinstance(s, dict) else s
            if isinstance(answer, str) and answer:
                offered.append(answer)
    if not offered:
        return text
    return text + "\n" + "\n".join(f"- {o}" for o in offered)
