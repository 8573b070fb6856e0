"""Nothing of the extra is imported by what does not search by meaning: the
command line's help, `ls`, a `find` on a store without vectors, and the
daemon's start (even on a store with vectors, where it starts the embedder
as a process of its own). Checked with `python -X importtime`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sessiond.semantic import indexing, model
from sessiond.store import SqliteStore
from support.daemon import request_bytes
from support.semantic import HEAVY, fill, imported


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("imports") / "history.db")
    store = SqliteStore(db)
    fill(store)
    indexing.index(store, model.documents(), indexing.prepare(store))
    store.close()
    return db


def importtime(*args: str, stdin: bytes = b"") -> tuple[int, set[str], bytes]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sessiond", *args],
        input=stdin,
        capture_output=True,
        timeout=120,
    )
    return done.returncode, imported(done.stderr.decode()), done.stdout


def test_the_report_is_read() -> None:
    code, names, _ = importtime("--help")
    assert code == 0 and "sessiond" in names and "argparse" in names


@pytest.mark.parametrize(
    "args", [("--help",), ("ls",), ("ls", "--json"), ("search", "autovacuum")], ids=str
)
def test_commands_that_do_not_search_by_meaning_import_none_of_it(indexed, args) -> None:
    code, names, _ = importtime(*args, "--db", indexed)
    assert code == 0
    assert not names & set(HEAVY)


def test_find_on_a_store_without_vectors_imports_none_of_it(tmp_path: Path) -> None:
    db = str(tmp_path / "plain.db")
    store = SqliteStore(db)
    fill(store)
    store.close()
    code, names, out = importtime("find", "autovacuum", "--db", db)
    assert code == 0 and b"autovacuum" in out.replace(b"\x1b[1;31m", b"").replace(b"\x1b[0m", b"")
    assert not names & set(HEAVY)


def test_find_with_vectors_does_import_it(indexed) -> None:
    # The control: the check above would see the modules if they came.
    code, names, _ = importtime("find", "the bug with clocks", "--db", indexed)
    assert code == 0 and {"numpy", "onnxruntime", "tokenizers"} <= names


def test_the_daemon_starts_and_appends_without_it(indexed) -> None:
    frames = b"".join(
        [
            request_bytes(1, "initialize", {"capabilities": {}}),
            request_bytes(None, "initialized", {}),
            request_bytes(2, "session/append", {"sessionId": 1, "kind": "prompt", "text": "hi"}),
            request_bytes(3, "shutdown"),
            request_bytes(None, "exit"),
        ]
    )
    code, names, out = importtime("--db", indexed, stdin=frames)
    assert code == 0
    assert b'"semantic":true' in out and b'"seq":4' in out
    assert not names & set(HEAVY)
