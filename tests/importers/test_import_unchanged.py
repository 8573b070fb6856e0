"""A file not changed since it was last read to its end is skipped on its
stat alone (`Source.signature`, the rows `Writer.seen` reads), on both
stores: its key, stamp and import state are not looked at. A file changed
in place with its size and time put back is looked at again (its change
time differs); a tree moved elsewhere is checked by key and stamp and adds
nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sessiond.importers import claude_code
from sessiond.importers.run import run_import
from sessiond.importers.writer import SEEN, STATE_VERSION
from sessiond.store import open_store
from support.importing import everything


def _stamped(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files whose stamp the Claude Code importer reads from now on."""
    stamped: list[Path] = []
    original = claude_code.ClaudeCode.stamp

    def stamp(self: claude_code.ClaudeCode, path: Path) -> list[int]:
        stamped.append(path)
        return original(self, path)

    monkeypatch.setattr(claude_code.ClaudeCode, "stamp", stamp)
    return stamped


def test_an_unchanged_file_is_skipped_without_its_stamp(store_db, copy, monkeypatch):
    projects = copy("claude-code") / "projects"
    with open_store(store_db) as store:
        first = run_import(store, "claude-code", [projects])
        assert first.events_added > 0
        stamped = _stamped(monkeypatch)
        again = run_import(store, "claude-code", [projects])
        assert again.events_added == 0 and again.sessions_added == 0
        assert again.unchanged == again.files == first.files
        assert stamped == []
        rows = store.import_states("claude-code", SEEN)
    assert sorted(rows) == sorted(SEEN + str(p) for p in projects.rglob("*.jsonl"))
    assert all(value.startswith(f"{STATE_VERSION} ") for value in rows.values())


def test_a_file_changed_in_place_with_size_and_time_put_back_is_looked_at(
    store_db, copy, monkeypatch
):
    projects = copy("claude-code") / "projects"
    changed = sorted(projects.rglob("*.jsonl"))[0]
    with open_store(store_db) as store:
        run_import(store, "claude-code", [projects])
        expected = everything(store)
        before = os.stat(changed)
        data = changed.read_bytes()
        at = data.index(b'"timestamp"')  # a byte of a key, same size
        changed.write_bytes(data[:at] + b"'" + data[at + 1 :])
        os.utime(changed, ns=(before.st_atime_ns, before.st_mtime_ns))
        after = os.stat(changed)
        assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
        assert after.st_ctime_ns != before.st_ctime_ns  # the import took longer than a tick
        stamped = _stamped(monkeypatch)

        again = run_import(store, "claude-code", [projects])

        assert stamped == [changed]  # the others skipped on their stat
        assert again.events_added == 0 and everything(store) == expected
        stamped.clear()
        assert run_import(store, "claude-code", [projects]).events_added == 0
        assert stamped == []  # noted again as it is now


@pytest.mark.parametrize(
    "source, fixture, noted",
    [
        ("claude-code", "claude-code", True),
        ("codex", "codex", True),
        ("gemini-cli", "gemini-cli", True),
        ("aider", "aider", True),
        ("copilot-chat", "copilot-chat", True),
        # a storage/ session's stamp is its messages' files' too: no signature
        ("opencode", "opencode", False),
    ],
)
def test_a_tree_moved_elsewhere_adds_nothing(store_db, copy, tmp_path, source, fixture, noted):
    tree = copy(fixture)
    with open_store(store_db) as store:
        first = run_import(store, source, [tree])
        assert first.events_added > 0
        expected = everything(store)
        moved = tmp_path / "elsewhere" / "tree"
        moved.parent.mkdir()
        os.rename(tree, moved)

        again = run_import(store, source, [moved])

        assert (again.events_added, again.sessions_added) == (0, 0), again.render()
        assert everything(store) == expected
        # Noted at its new place: the next import skips it on its stat.
        rows = store.import_states(source, SEEN)
        assert any(key.startswith(SEEN + str(moved) + os.sep) for key in rows) == noted
        assert run_import(store, source, [moved]).events_added == 0
