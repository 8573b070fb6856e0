"""Bringing other tools' history into sessiond (`sessiond import`).

`IMPORTERS` names each source and the module that reads it; each module has
NAME, META (url, description) and a reader that yields sessions and events
without touching the store (see `importers.base`). `importers.writer` stores
what they yield; `run_import` (in `importers.run`) runs one source, once or
following it. Nothing is imported here until it is used: the CLI builds its
parser from `importers.cli` on every command.
"""

from __future__ import annotations

from typing import Any

#: source name -> the module that reads it, in the order the help lists them.
IMPORTERS: dict[str, str] = {
    "claude-code": "sessiond.importers.claude_code",
    "codex": "sessiond.importers.codex",
    "llm": "sessiond.importers.llm",
    "aider": "sessiond.importers.aider",
    "sessiond": "sessiond.importers.sessiond_db",
}


def __getattr__(name: str) -> Any:
    if name in ("run_import", "load"):
        from sessiond.importers import run

        return getattr(run, name)
    if name == "Summary":
        from sessiond.importers.summary import Summary

        return Summary
    raise AttributeError(name)


__all__ = ["IMPORTERS", "Summary", "load", "run_import"]
