"""Roo Code: its task folders in VS Code's globalStorage.

Where: `globalStorage/rooveterinaryinc.roo-cline/` (and the nightly build's
`rooveterinaryinc.roo-code-nightly/`) under the `User` folder of VS Code,
Code - Insiders, VSCodium (and Cursor, Windsurf, VS Code's server and Flatpak
builds, `$VSCODE_PORTABLE`) on Linux, macOS and Windows; the folder the
`roo-cline.customStoragePath` setting names in those editors' `settings.json`;
and the Roo command line's `~/.vscode-mock/global-storage/`.

Roo Code is a fork of Cline, and its task folders have Cline's shape
(`importers.cline_tasks` reads both). What differs: the task is the chat's
first `say: "text"` (Roo has no `say: "task"`); a command is only asked
(`ask: "command"`); the task list is per task (`history_item.json`, since
3.49, with `tasks/_index.json` a cache of them; before, VS Code's
`state.vscdb`), with no model and the workspace as `workspace`; the model of
each request is the `<model>` of the `<environment_details>` Roo adds to the
person's turn in the model history, the branch that block's `# Git Status`.

A subtask (Roo's `new_task`, the only sub-agent Roo records) is a session of
its own whose parent is the task that started it (`parentTaskId`). Its ulid
is its parent's ulid and eight characters of its own id (the random end of
its UUID), so it starts with its parent's and the trash moves it along; its
`sourceId` stays its task id. A subtask's first prompt is the text its parent
gave it, as Claude Code's sub-agents' are.

Usage per request from `api_req_started`: since Roo 3.29.5 its `tokensIn`
counts every input token, cache reads and writes included, and these are
taken out; the records of older versions, told apart by the `request` text
they still carry, count only what no cache held (but for OpenAI-protocol
providers, whose count includes cache reads).

Resume: none. VS Code tasks are reopened from Roo's history view; the Roo
command line (`roo --session-id <id>`) resumes only its own tasks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sessiond.importers.base import Json
from sessiond.importers.cline_tasks import (
    Environment,
    TaskSource,
    load_json_file,
    token_count,
    user_dirs,
)
from sessiond.models import Usage

#: The chat's tool names (`ClineSayTool.tool`) by the model's, where one
#: name stands for one tool (an edited file may be any of several).
_TOOLS = {
    "readFile": "read_file",
    "appliedDiff": "apply_diff",
    "newFileCreated": "write_to_file",
    "listFilesTopLevel": "list_files",
    "listFilesRecursive": "list_files",
    "listCodeDefinitionNames": "list_code_definition_names",
    "searchFiles": "search_files",
    "codebaseSearch": "codebase_search",
    "switchMode": "switch_mode",
    "newTask": "new_task",
    "generateImage": "generate_image",
    "runSlashCommand": "run_slash_command",
    "updateTodoList": "update_todo_list",
    "readCommandOutput": "read_command_output",
    "fetchInstructions": "fetch_instructions",
    "insertContent": "insert_content",
    "searchAndReplace": "search_and_replace",
}
_SETTING = re.compile(r'"roo-cline\.customStoragePath"\s*:\s*("(?:[^"\\\n]|\\.)*")')


def custom_storage_paths() -> list[Path]:
    """The folders `roo-cline.customStoragePath` names in the editors'
    user settings (`settings.json`, JSON with comments)."""
    found: list[Path] = []
    for user in user_dirs():
        try:
            text = (user / "settings.json").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _SETTING.finditer(text):
            line = text[text.rfind("\n", 0, match.start()) + 1 : match.start()]
            if "//" in line:
                continue  # commented out
            try:
                value = json.loads(match.group(1))
            except ValueError:
                continue
            if isinstance(value, str) and value.strip():
                found.append(Path(value.strip()).expanduser())
    return found


class Roo(TaskSource):
    name = "roo"
    label = "Roo Code"
    url = "https://roocode.com"
    description = (
        "Roo Code's tasks (VS Code globalStorage rooveterinaryinc.roo-cline), "
        "subtasks as child sessions"
    )
    install = "Install the Roo Code extension in VS Code (RooVeterinaryInc.roo-cline)."
    extension_ids = ("rooveterinaryinc.roo-cline", "rooveterinaryinc.roo-code-nightly")
    state_key = "RooVeterinaryInc.roo-cline"
    has_subtasks = True

    def default_paths(self) -> list[Path]:
        cli = Path.home() / ".vscode-mock" / "global-storage"
        paths = [*super().default_paths(), *custom_storage_paths(), cli]
        return list(dict.fromkeys(paths))

    def own_history_item(self, task_dir: Path) -> dict[str, Json] | None:
        item = load_json_file(task_dir / "history_item.json")
        return item if isinstance(item, dict) else None

    def history_index(self, tasks_dir: Path) -> object:
        index = load_json_file(tasks_dir / "_index.json")
        return index.get("entries") if isinstance(index, dict) else None

    def not_this_tool(self, first: dict[str, Json]) -> str | None:
        if first.get("type") == "say" and first.get("say") == "text":
            return None
        if first.get("type") == "say" and first.get("say") == "task":
            return "it looks like a Cline task (Roo Code's first message is the task as text)"
        return "its first message is not a Roo Code task's"

    def first_text_is_the_task(self) -> bool:
        return True

    def usage(self, info: dict[str, Json], message: dict[str, Json]) -> Usage:
        tokens_in = token_count(info.get("tokensIn"))
        reads, writes = token_count(info.get("cacheReads")), token_count(info.get("cacheWrites"))
        if "request" in info:
            # Before 3.29.5: the provider's own input count.
            if info.get("apiProtocol") == "openai":
                tokens_in -= reads
        else:
            tokens_in -= reads + writes
        return Usage(
            input_tokens=max(0, tokens_in),
            output_tokens=token_count(info.get("tokensOut")),
            cache_read_tokens=reads,
            cache_write_tokens=writes,
        )

    def tool_name(self, shown: str, payload: dict[str, Json]) -> str:
        return _TOOLS.get(shown, shown)

    def session_facts(
        self, task_dir: Path, item: dict[str, Json] | None, env: Environment
    ) -> tuple[str, str | None, str | None]:
        workspace = (item or {}).get("workspace")
        project = workspace if isinstance(workspace, str) and workspace.strip() else env.cwd
        return "roo", project, env.branch

    def parent_task(self, item: dict[str, Json] | None) -> str | None:
        parent = (item or {}).get("parentTaskId")
        return parent if isinstance(parent, str) and parent else None


SOURCE = Roo()
