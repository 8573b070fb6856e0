"""Secrets are not kept, whichever source brings them (contract v3, "Privacy").

For each source: its own fixture files, with a word of their first prompt
replaced by a real-format secret, imported through the real reader, writer
and store. No stored text holds the secret; `[redacted:github-token]` stands
in its place. The same files with `keep_secrets` keep it (the option works).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from sessiond.importers import IMPORTERS, load
from sessiond.importers.run import run_import
from sessiond.store import SqliteStore
from support.importing import FIXTURES

SECRET = "ghp_" + "R8vT2mQ9xKcW4pLz7NbY3hJd6FsA1eGu0oXi"
WORD = re.compile(r"[A-Za-z]{6,}")


def build(source: str, tree: Path) -> list[Path]:
    """The paths to import for `source`, its SQL dumps made into databases."""
    if source == "llm":
        db = tree / "logs.db"
        with sqlite3.connect(db) as conn:
            for version in ("0.31", "0.32"):
                conn.executescript((tree / f"schema-{version}.sql").read_text())
                conn.executescript((tree / f"logs-{version}.sql").read_text())
        return [db]
    for dump in sorted(tree.rglob("*.sql")):
        target = dump.with_suffix("") if dump.stem.endswith(".vscdb") else dump.with_suffix(".db")
        with sqlite3.connect(target) as conn:
            conn.executescript(dump.read_text())
        dump.unlink()
    if source == "sessiond":
        db = tree / "other.db"
        with SqliteStore(str(db)) as other:
            s = other.start_session("sessiond-chat 0.1", ulid="OTHERMACHINE1")
            other.append(s.id, "prompt", "please remember the deployment notes")
        return [db]
    return [tree]


def first_word(source: str, paths: list[Path]) -> str:
    """A word of the first prompt the source reads from these files."""
    from support.importing import read_source

    found = read_source(source, paths)
    for events in found.events.values():
        for event in events:
            if event.kind == "prompt":
                words = WORD.findall(event.text)
                if words:
                    return max(words, key=len)
    raise AssertionError(f"{source}: no prompt with a word in its fixtures")


def seeded(source: str, tmp: Path) -> tuple[list[Path], str]:
    """The source's fixtures with a secret in place of a word of a prompt."""
    tree = tmp / "fixture"
    if source == "sessiond":
        tree.mkdir()
    else:
        shutil.copytree(FIXTURES / source, tree)
    plain = tmp / "plain"
    shutil.copytree(tree, plain)
    word = first_word(source, build(source, plain))
    for path in tree.rglob("*"):
        if path.is_file() and path.suffix in (".jsonl", ".json", ".md", ".sql", ".txt"):
            text = path.read_text(encoding="utf-8")
            if word in text:
                path.write_text(text.replace(word, SECRET), encoding="utf-8")
    if source == "sessiond":
        paths = build(source, tree)
        with SqliteStore(str(paths[0]), keep_secrets=True) as other:
            s = other.get_session("OTHERMACHINE1")
            other.append(s.id, "prompt", f"the token is {SECRET}")
        return paths, word
    return build(source, tree), word


def stored_texts(store) -> list[str]:
    texts = []
    for deleted in (False, True):
        for session in store.list_sessions(10_000, deleted):
            texts += [e.text for e in store.events(session.id, 10_000)]
            texts.append(session.title or "")
    return texts


@pytest.mark.parametrize("source", list(IMPORTERS))
def test_a_secret_in_any_source_is_not_kept(source, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no default place is read
    paths, _word = seeded(source, tmp_path)
    with SqliteStore(str(tmp_path / "store.db")) as store:
        summary = run_import(store, source, paths, progress=False)
        assert summary.events_added > 0, summary.render()
        texts = stored_texts(store)
    joined = "\n".join(texts)
    assert SECRET not in joined
    assert "[redacted:github-token]" in joined
    with SqliteStore(str(tmp_path / "kept.db"), keep_secrets=True) as kept:
        run_import(kept, source, paths, progress=False)
        assert SECRET in "\n".join(stored_texts(kept))


def test_every_source_is_covered():
    assert {load(name).name for name in IMPORTERS} == set(IMPORTERS)
