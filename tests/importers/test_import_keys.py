"""What each source keeps a file's import state under: what the file is,
never where it is; and the key an import before version 3 used (the path),
for the writer to take over once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sessiond.importers import load
from support.importing import FIXTURES

CASES = [
    # (source, fixture file, the path was its key before version 3)
    ("claude-code", "claude-code/weather/-home-dana-src-weather-cli/agent-5f6e7d8c.jsonl", True),
    (
        "claude-code",
        "claude-code/weather/-home-dana-src-weather-cli/4c2e9a71-3b5d-4f80-9c1e-7a6b5d4c3e2f.jsonl",
        False,
    ),
    (
        "codex",
        "codex/weather-home/sessions/rollout-2025-05-20-1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9.json",
        False,  # not read at all before version 3
    ),
    ("aider", "aider/weather/.aider.chat.history.md", True),
]


@pytest.mark.parametrize(("source", "name", "was_path"), CASES)
def test_a_file_copied_elsewhere_has_the_same_key(tmp_path, source, name, was_path):
    reader = load(source)
    original = FIXTURES / name
    elsewhere = tmp_path / "moved" / Path(name).parent.name / original.name
    elsewhere.parent.mkdir(parents=True)
    shutil.copy(original, elsewhere)
    if original.suffix == ".json":  # a TypeScript-era rollout is known with its siblings
        for sibling in original.parent.glob("rollout-*.json"):
            shutil.copy(sibling, elsewhere.parent / sibling.name)

    assert reader.key(elsewhere) == reader.key(original)
    assert str(original.parent) not in reader.key(original)
    legacy = reader.legacy_keys(elsewhere)  # type: ignore[attr-defined]
    assert legacy == ([str(elsewhere.resolve())] if was_path else [])


def test_a_codex_rollout_without_an_id_in_its_name_had_its_path_as_key(tmp_path):
    reader = load("codex")
    path = tmp_path / "rollout-backup.jsonl"
    shutil.copy(
        FIXTURES
        / "codex/codex-home/sessions/rollout-2025-05-07T17-24-21-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl",
        path,
    )

    assert reader.key(path) == "rollout-5973b6c0-94b8-487b-a530-2aeb6098ae0e"
    assert reader.legacy_keys(path) == [str(path.resolve())]  # type: ignore[attr-defined]
