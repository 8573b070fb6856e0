"""The folders are the architecture, and stay so.

- the import-linter contracts in pyproject.toml hold (the layers: commands,
  then the daemon, importers and MCP apart from each other, then the store,
  the wire and the shared ground; the terminal chat never imports the daemon);
- no import cycle among sessiond's modules, counting every import, lazy ones
  inside functions and ones only for type checking included;
- `src/sessiond` holds at most 5 modules besides its packages.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import grimp
import pytest

import sessiond

PACKAGE = Path(sessiond.__file__).parent
REPO = Path(__file__).resolve().parents[1]


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_modules():
    graph = grimp.build_graph("sessiond", exclude_type_checking_imports=False)
    assert cycles(graph) == [], "modules that import each other, directly or around a loop"


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("a", "a.b", "a.c", "a.d"):
        graph.add_module(module)
    graph.add_import(importer="a.b", imported="a.c")
    graph.add_import(importer="a.c", imported="a.d")
    graph.add_import(importer="a.d", imported="a.b")
    assert cycles(graph) == [["a.b", "a.c", "a.d"]]


def test_the_layer_contracts_hold():
    from importlinter.cli import lint_imports

    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out):
            code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    finally:
        os.chdir(cwd)
    assert code == 0, out.getvalue()


@pytest.mark.parametrize("limit", [5])
def test_few_modules_at_the_top(limit: int):
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= limit, f"src/sessiond holds {top}: put modules in the package they serve"
