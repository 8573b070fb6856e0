"""What an import is keyed by, and imports that meet each other.

- Two imports of the same files at once store each event once (issue 25:
  400,000 events for 200,000 lines before), on both stores.
- A transcript replaced by an atomic rename, cut, or cut and grown again is
  read again without doubles, never from the old offset of another file.
- A session removed for good is not brought back by the next import, and a
  `trash empty` during an import does not stop it.
- State an older sessiond kept under a file's path is taken over.
- Titles are clipped to what a title may hold.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sessiond.importers import writer
from sessiond.importers.run import run_import
from sessiond.store import open_store
from sessiond.store.base import ImportedSession

SID = "7f3c2a10-5b6d-4e8f-9a1b-2c3d4e5f6a7b"


def line(n: int, sid: str = SID) -> str:
    kind = "user" if n % 2 == 0 else "assistant"
    content = (
        f"turn {n} of the long one" if kind == "user" else [{"type": "text", "text": f"reply {n}"}]
    )
    return json.dumps(
        {
            "type": kind,
            "sessionId": sid,
            "uuid": f"00000000-0000-4000-8000-{n:012d}",
            "parentUuid": None if n == 0 else f"00000000-0000-4000-8000-{n - 1:012d}",
            "timestamp": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
            "cwd": "/home/ann/src/api",
            "version": "2.1.100",
            "message": {"role": kind, "content": content, "id": f"msg_{n}"},
        }
    )


def transcript(folder: Path, lines: range, sid: str = SID) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{sid}.jsonl"
    path.write_text("".join(line(n, sid) + "\n" for n in lines))
    return path


def count(store, ulid: str = SID) -> int:
    session = store.get_session(ulid)
    return 0 if session is None else session.event_count


def test_two_imports_at_once_store_each_event_once(store_db, tmp_path):
    projects = tmp_path / "projects"
    transcript(projects / "-home-ann-src-api", range(6000))
    with open_store(store_db):
        pass  # created (and migrated) before the two race for it
    env = {**os.environ, "SESSIOND_DB": store_db}
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "sessiond", "import", "claude-code", str(projects)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    outputs = [r.communicate(timeout=300) for r in runs]
    assert [r.returncode for r in runs] == [0, 0], outputs
    with open_store(store_db) as store:
        assert count(store) == 6000
        events = store.events(store.get_session(SID).id, 10_000)
    assert [e.seq for e in events] == list(range(1, 6001))
    assert len({e.text for e in events}) == 6000


def test_a_transcript_replaced_or_cut_is_read_again_without_doubles(store, tmp_path):
    folder = tmp_path / "projects" / "-p"
    path = transcript(folder, range(10))
    run_import(store, "claude-code", [path])
    assert count(store) == 10
    # Replaced by an atomic rename with the same turns and more: only the new ones.
    fresh = folder / "new.tmp"
    fresh.write_text("".join(line(n) + "\n" for n in range(14)))
    os.replace(fresh, path)
    again = run_import(store, "claude-code", [path])
    assert count(store) == 14 and again.events_added == 4
    # Cut short, then grown past where it was read to: nothing lost, nothing twice.
    path.write_text("".join(line(n) + "\n" for n in range(3)))
    assert run_import(store, "claude-code", [path]).events_added == 0
    path.write_text("".join(line(n) + "\n" for n in range(20)))
    again = run_import(store, "claude-code", [path])
    assert again.events_added == 6 and count(store) == 20
    texts = [e.text for e in store.events(store.get_session(SID).id, 100)]
    assert len(texts) == len(set(texts)) == 20


def test_a_session_removed_for_good_is_not_brought_back(store, tmp_path):
    path = transcript(tmp_path / "projects" / "-p", range(4))
    run_import(store, "claude-code", [path])
    session = store.get_session(SID)
    store.delete_session(session.id)
    assert store.purge([session.id]) == 1
    with path.open("a") as f:
        f.write(line(4) + "\n")
    again = run_import(store, "claude-code", [path])
    assert store.get_session(SID) is None and again.events_added == 0
    assert "removed for good" in again.render()


class PurgesMidway:
    """The store, with the session emptied from the trash after the first batch."""

    def __init__(self, store):
        self._store = store
        self.batches = 0

    def __getattr__(self, name):
        return getattr(self._store, name)

    def import_many_later(self, parts, *args, **kwargs):
        session = self._store.get_session(SID)
        if session is not None and not self.batches:  # after its first batch
            self.batches += 1
            self._store.delete_session(session.id)
            self._store.purge([session.id])
        return self._store.import_many_later(parts, *args, **kwargs)


def test_trash_empty_during_an_import_does_not_stop_it(store, tmp_path, monkeypatch):
    from sessiond.importers import claude_code

    monkeypatch.setattr(claude_code, "MARK_EVERY", 1)
    monkeypatch.setattr(writer, "BATCH_EVENTS", 5)
    projects = tmp_path / "projects" / "-p"
    transcript(projects, range(40))
    other = "11111111-2222-4333-8444-555555555555"
    transcript(projects, range(6), sid=other)
    summary = run_import(PurgesMidway(store), "claude-code", [projects])
    assert store.get_session(SID) is None
    assert count(store, other) == 6  # the next file was imported all the same
    assert "removed for good while importing" in summary.render()


def test_state_kept_under_the_files_path_is_taken_over(store, tmp_path, monkeypatch):
    import sqlite3

    from sessiond.importers import load
    from support.importing import FIXTURES

    db = tmp_path / "logs.db"
    with sqlite3.connect(db) as conn:
        for version in ("0.31", "0.32"):
            conn.executescript((FIXTURES / "llm" / f"schema-{version}.sql").read_text())
            conn.executescript((FIXTURES / "llm" / f"logs-{version}.sql").read_text())
    llm = type(load("llm"))
    # An older sessiond kept the state under the file's path.
    with monkeypatch.context() as old:
        old.setattr(llm, "key", lambda self, path: str(path.resolve()))
        first = run_import(store, "llm", [db])
    assert first.events_added > 0
    with sqlite3.connect(db) as conn:  # llm wrote nothing since, but the file was touched
        conn.execute("PRAGMA user_version = user_version")
    os.utime(db, None)
    again = run_import(store, "llm", [db])
    assert again.events_added == 0 and again.sessions_added == 0


def test_a_title_is_clipped_to_what_a_title_holds(store, tmp_path):
    other = tmp_path / "laptop.db"
    with open_store(str(other)) as laptop:
        s = laptop.start_session("x", ulid="LONGTITLE")
        laptop.append(s.id, "prompt", "hi")
        laptop.rename_session(s.id, "t" * 256)
    import sqlite3

    with sqlite3.connect(other) as conn:  # as a hostile or broken file may hold it
        conn.execute("UPDATE sessions SET title = ? WHERE ulid = 'LONGTITLE'", ("x" * (4 << 20),))
    run_import(store, "sessiond", [other])
    assert store.get_session("LONGTITLE").title == "x" * 256


@pytest.mark.parametrize("field", ["cli_version", "source_id", "branch"])
def test_every_field_is_fitted(store, field):
    from sessiond.importers import load
    from sessiond.importers.summary import Summary

    w = writer.Writer(store, load("claude-code"), Summary("claude-code"), None)  # type: ignore[arg-type]
    fields = {"ulid": "u", "cli_version": "v", "started_at": 0, field: "y" * 1000}
    fitted = w._fit(ImportedSession(**fields))
    assert len(getattr(fitted, field)) == 256
    assert fitted.source == "claude-code"


def test_a_file_swapped_for_a_fifo_after_listing_does_not_block(store, tmp_path, monkeypatch):
    from sessiond.importers import load

    folder = tmp_path / "projects" / "-p"
    path = transcript(folder, range(4))
    source = type(load("claude-code"))
    listed = source.sources

    def swapped(self, paths):
        found = listed(self, paths)
        path.unlink()
        os.mkfifo(path)  # nothing will ever write to it
        return found

    monkeypatch.setattr(source, "sources", swapped)
    summary = run_import(store, "claude-code", [tmp_path / "projects"], progress=True)
    assert summary.events_added == 0
    assert summary.failed == [(str(path), "is not a regular file")]
