"""Bringing other tools' history into sessiond (`sessiond import`).

`IMPORTERS` is the one list of sources: each name (the contract's source
name) and the module that reads it. Each module holds `SOURCE`, an instance
of a `importers.source.Source` subclass, which finds the tool's files and
turns them into sessions and events without touching the store;
`importers.writer` stores what they yield and `importers.run.run_import`
runs one source, once or following it. Adding a source is one module and
one row here: the CLI, its `--list` and the editors' pickers read this list.
Nothing but this table is imported until a source is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sessiond.importers.source import Source

#: source name -> the module that reads it, in the order pickers list them.
IMPORTERS: dict[str, str] = {
    "claude-code": "sessiond.importers.claude_code",
    "codex": "sessiond.importers.codex",
    "llm": "sessiond.importers.llm",
    "aider": "sessiond.importers.aider",
    "sessiond": "sessiond.importers.sessiond_db",
}


def load(name: str) -> Source[Any]:
    """The source called `name` (a name in IMPORTERS); ValueError for another."""
    if name not in IMPORTERS:
        known = ", ".join(IMPORTERS)
        raise ValueError(f"unknown source {name!r}; sessiond imports from {known}")
    source: Source[Any] = importlib.import_module(IMPORTERS[name]).SOURCE
    assert source.name == name, f"{IMPORTERS[name]} serves {source.name!r}, listed as {name!r}"
    return source


__all__ = ["IMPORTERS", "load"]
