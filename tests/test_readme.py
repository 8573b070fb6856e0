"""The README stays true to the code: its command list is the CLI's table,
its importer table is `importers.IMPORTERS`, and every verb has help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sessiond.cli import COMMANDS, build_parser
from sessiond.importers import IMPORTERS

README = (Path(__file__).parent.parent / "README.md").read_text()


def after_marker(marker: str) -> str:
    start = README.index(f"<!-- {marker}:")
    return README[start : README.index("\n\n", README.index("\n", start) + 1)]


def test_the_command_list_is_the_cli_table():
    block = after_marker("commands")
    listed = set(re.findall(r"^sessiond(?: ([a-z]+))?", block, re.M)) - {""}
    assert listed == {c.name for c in COMMANDS} - {"serve"}
    assert "sessiond serve" in block


def test_the_importer_table_is_the_importers_table():
    block = after_marker("importers")
    assert re.findall(r"^\| `([a-z-]+)` \|", block, re.M) == list(IMPORTERS)


@pytest.mark.parametrize("verb", [c.name for c in COMMANDS])
def test_every_verb_has_help(verb, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([verb, "--help"])
    assert done.value.code == 0
    assert verb in capsys.readouterr().out
