"""The writer: a killed import neither loses nor repeats events, texts the
store cannot hold are made to fit, a missing parent does not stop a child."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path

import pytest

from sessiond.importers import claude_code, writer
from sessiond.importers.run import run_import
from sessiond.store import open_store
from support.importing import Died, PartByPart, everything, kinds_texts, sessions


class Killed(Exception):
    """Stands for the process dying: nothing after it runs."""


class DiesAfter:
    """The store, until `commits` event transactions have committed."""

    def __init__(self, store, commits: int):
        self._store = store
        self.left = commits

    def __getattr__(self, name):
        return getattr(self._store, name)

    def import_many_later(self, *args, **kwargs):
        # What the writer commits by (the commit goes on beside the reading).
        if self.left == 0:
            raise Killed
        self.left -= 1
        return self._store.import_many_later(*args, **kwargs)


def test_an_import_killed_between_any_two_batches_ends_the_same_when_run_again(
    tmp_path, copy, monkeypatch
):
    # Small batches and marks, so that one batch holds several sessions (the
    # older transcript interleaves its side chains with the main one).
    monkeypatch.setattr(claude_code, "MARK_EVERY", 1)
    monkeypatch.setattr(writer, "BATCH_EVENTS", 3)
    monkeypatch.setattr(writer, "BATCH_SESSIONS", 1)  # and no file's end waits for the next
    projects = copy("claude-code") / "projects"
    with open_store(str(tmp_path / "whole.db")) as whole:
        run_import(whole, "claude-code", [projects])
        expected = everything(whole)

    kills = 0
    for commits in range(100):
        with open_store(str(tmp_path / f"killed-{commits}.db")) as store:
            try:
                run_import(DiesAfter(store, commits), "claude-code", [projects])
            except Killed:
                kills += 1
            else:
                break  # past the last transaction: nothing left to kill
            run_import(store, "claude-code", [projects])
            assert everything(store) == expected, f"killed after {commits} commits"
            assert run_import(store, "claude-code", [projects]).events_added == 0
    assert kills >= 10


def test_an_import_killed_between_any_two_parts_of_a_store_committing_each_alone(
    tmp_path, copy, monkeypatch
):
    """The base class's `import_many` (PostgreSQL's) commits each session's
    part on its own: each part's state must hold should the process die
    right after it."""
    monkeypatch.setattr(claude_code, "MARK_EVERY", 1)
    monkeypatch.setattr(writer, "BATCH_EVENTS", 3)
    projects = copy("claude-code") / "projects"
    with open_store(str(tmp_path / "whole.db")) as whole:
        run_import(PartByPart(whole), "claude-code", [projects])
        expected = everything(whole)

    kills = 0
    for parts in range(200):
        with open_store(str(tmp_path / f"killed-{parts}.db")) as store:
            try:
                run_import(PartByPart(store, parts), "claude-code", [projects])
            except Died:
                kills += 1
            else:
                break
            run_import(PartByPart(store), "claude-code", [projects])
            assert everything(store) == expected, f"killed after {parts} parts"
            assert run_import(store, "claude-code", [projects]).events_added == 0
    assert kills >= 10


@pytest.mark.parametrize("each_alone", [False, True], ids=["one-transaction", "part-by-part"])
def test_a_session_purged_amid_others_of_one_file_does_not_hold_them_back(
    store, tmp_path, each_alone
):
    """A file holding many sessions (another sessiond's database, llm's,
    Cursor's): one of them emptied from the trash here is left out, and the
    others' new events still come (they were lost, on every import, when the
    purged one's part was refused before theirs)."""
    other = tmp_path / "laptop.db"
    with open_store(str(other)) as laptop:
        ids = [laptop.start_session("chat", ulid=f"01S{i}").id for i in range(3)]
        laptop.append_many([(sid, "prompt", f"first {sid}") for sid in ids])
    into = PartByPart(store) if each_alone else store
    run_import(into, "sessiond", [other])
    middle = store.get_session("01S1")
    store.delete_session(middle.id)
    store.purge([middle.id])
    with open_store(str(other)) as laptop:
        laptop.append_many([(sid, "prompt", f"second {sid}") for sid in ids])

    again = run_import(into, "sessiond", [other])

    assert again.events_added == 2 and store.get_session("01S1") is None
    assert [store.get_session(f"01S{i}").event_count for i in (0, 2)] == [2, 2]
    assert "removed for good earlier" in again.render()
    assert "at the same time" not in again.render()
    assert run_import(into, "sessiond", [other]).events_added == 0


def test_texts_over_the_stores_limit_are_cut_and_bad_characters_replaced(tmp_path):
    folder = tmp_path / "projects" / "p"
    folder.mkdir(parents=True)
    sid = "9a8b7c6d-0000-4000-8000-000000000001"
    lines = [
        {
            "type": "user",
            "sessionId": sid,
            "uuid": "1",
            "timestamp": "2025-01-01T00:00:00Z",
            "version": "2.0.0",
            "message": {"role": "user", "content": "é" * 300},
        },
        {
            "type": "user",
            "sessionId": sid,
            "uuid": "2",
            "timestamp": "2025-01-01T00:00:01Z",
            "version": "2.0.0",
            "message": {"role": "user", "content": "lone \ud800 surrogate"},
        },
    ]
    (folder / f"{sid}.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")

    with open_store(str(tmp_path / "small.db"), max_text_bytes=200) as store:
        summary = run_import(store, "claude-code", [tmp_path / "projects"])
        (long_kind, long_text), (_, odd) = kinds_texts(store, sid)

    assert long_kind == "prompt" and len(long_text.encode()) <= 200
    assert long_text.startswith("é" * 50) and long_text.endswith("left out by sessiond import]")
    assert odd == "lone \ufffd surrogate"
    assert summary.notes == {
        "texts over 200 bytes, cut to fit": 1,
        "texts with characters UTF-8 cannot hold, replaced by \ufffd": 1,
    }


def test_a_sub_agent_whose_main_session_is_gone_is_imported_unlinked(store, copy):
    main = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"
    agents = copy("claude-code") / "projects" / "-home-ann-proj" / main / "subagents"

    summary = run_import(store, "claude-code", [agents])

    assert sessions(store)[f"{main}_a1b2c3d4"][2] is None
    assert summary.notes == {"sessions whose parent is not in the store (kept unlinked)": 1}


def test_state_written_by_another_version_is_reported_not_guessed(store, copy):
    projects = copy("claude-code") / "projects"
    store.set_import_state("claude-code", "0b7e4f3c-2a19-4d5e-8c6b-7f1a2b3c4d5e.jsonl", '{"v": 99}')

    summary = run_import(store, "claude-code", [projects])

    assert [why for _, why in summary.failed] == [
        "its import state was written by another version of sessiond"
    ]
    assert "0b7e4f3c-2a19-4d5e-8c6b-7f1a2b3c4d5e" not in sessions(store)


@pytest.mark.parametrize(
    "source", ["claude-code", "codex", "gemini-cli", "opencode", "aider", "llm"]
)
def test_a_missing_path_is_nothing_found(store, tmp_path: Path, source):
    summary = run_import(store, source, [tmp_path / "nowhere"])
    assert summary.files == 0 and summary.exit_code == 3
    assert "Nothing to import" in summary.render()


def test_a_stop_request_ends_at_a_committed_batch_and_the_next_import_goes_on(
    tmp_path, copy, monkeypatch
):
    monkeypatch.setattr(claude_code, "MARK_EVERY", 1)
    monkeypatch.setattr(writer, "BATCH_EVENTS", 2)
    projects = copy("claude-code") / "projects"
    with open_store(str(tmp_path / "whole.db")) as whole:
        run_import(whole, "claude-code", [projects])
        expected = everything(whole)

    with open_store(str(tmp_path / "stopped.db")) as store:
        stop = threading.Event()

        class StopsAfterOne(DiesAfter):
            def import_many_later(self, *args, **kwargs):
                stop.set()  # as Ctrl-C does: the import ends at its next mark
                return self._store.import_many_later(*args, **kwargs)

        stopped = run_import(StopsAfterOne(store, 0), "claude-code", [projects], stop=stop)
        assert stopped.stopped and 0 < stopped.events_added < 29
        assert "Stopped early on request" in stopped.render()
        rest = run_import(store, "claude-code", [projects])
        assert stopped.events_added + rest.events_added == 29
        assert everything(store) == expected


def test_a_progress_bar_is_drawn_only_where_asked(store, copy):
    projects = copy("claude-code") / "projects"
    drawn = io.StringIO()
    run_import(store, "claude-code", [projects], progress=True, err=drawn)
    assert "import claude-code" in drawn.getvalue()
    quiet = io.StringIO()  # not a terminal: no bar by default
    run_import(store, "claude-code", [projects], err=quiet)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("bulk", [True, False])
def test_a_first_pass_reads_every_state_once_and_a_watch_pass_each_alone(store, bulk):
    from sessiond.importers import load
    from sessiond.importers.summary import Summary

    asked: list[str] = []

    class Counting:
        def __getattr__(self, name):
            if name in ("import_states", "get_import_state", "session_ulids", "get_session"):
                asked.append(name)
            return getattr(store, name)

    store.set_import_state("claude-code", "a", "1")
    store.set_import_state("claude-code", "b", "2")
    w = writer.Writer(
        Counting(), load("claude-code"), Summary("claude-code"), threading.Event(), bulk=bulk
    )
    assert (w.state("a"), w.state("b"), w.state("c")) == ("1", "2", None)
    assert not w.stored("01ABC") and not w.stored("01DEF")
    if bulk:  # many files: every state and ulid in one read each
        assert asked == ["import_states", "session_ulids"]
    else:  # a --watch pass of a file or two: asked for each
        assert asked == ["get_import_state"] * 3 + ["get_session"] * 2


def test_a_bulk_pass_collects_cycles_less_often_and_puts_that_back(store, copy, monkeypatch):
    import gc

    from sessiond.importers import run

    seen: list[int] = []
    original = writer.Writer.import_file

    def noting(self, path, run_):
        seen.append(gc.get_threshold()[0])
        return original(self, path, run_)

    monkeypatch.setattr(writer.Writer, "import_file", noting)
    projects = copy("claude-code") / "projects"
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        run_import(store, "claude-code", [projects])
        assert seen and set(seen) == {run.BULK_COLLECT_EVERY}
        assert gc.get_threshold() == (700, *before[1:])

        # Put back when the pass fails too, and one turned off stays off.
        def failing(self, path, run_):
            raise Killed

        monkeypatch.setattr(writer.Writer, "import_file", failing)
        with pytest.raises(Killed):
            run_import(store, "claude-code", [projects])
        assert gc.get_threshold() == (700, *before[1:])
        gc.set_threshold(0, *before[1:])
        monkeypatch.setattr(writer.Writer, "import_file", noting)
        seen.clear()
        run_import(store, "claude-code", [projects])
        assert seen and set(seen) == {0}
    finally:
        gc.set_threshold(*before)
