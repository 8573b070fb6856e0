"""Another sessiond database, merged by ULID: the frozen v1 fixture of the
reliability tests, and a v2 database made by the store itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from sessiond.importers.run import run_import
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.importing import digests, events, kinds_texts, sessions

V1 = Path(__file__).parent.parent / "reliability" / "fixtures"


def test_a_v1_database_merges_whole_and_is_not_written(store, tmp_path):
    source = tmp_path / "other" / "v1.db"
    source.parent.mkdir()
    shutil.copy(V1 / "v1.db", source)
    before = digests(source.parent)
    expected = json.loads((V1 / "v1.json").read_text())

    summary = run_import(store, "sessiond", [source])

    assert sessions(store) == {
        s["ulid"]: (s["cliVersion"], None, s["parentUlid"], s["startedAt"], s["eventCount"])
        for s in expected["sessions"]
    }
    for s in expected["sessions"]:
        assert events(store, s["ulid"]) == [
            (e["kind"], e["text"], e["createdAt"]) for e in expected["events"][str(s["id"])]
        ]
    assert summary.sessions_added == 3 and summary.events_added == 46
    assert digests(source.parent) == before


def test_titles_come_along_the_trash_does_not_and_merging_again_adds_nothing(store, tmp_path):
    other = tmp_path / "laptop.db"
    with open_store(str(other)) as laptop:
        kept = laptop.start_session("chat 1.0", ulid="01LAPTOPKEPT")
        laptop.append_many(
            [(kept.id, "prompt", "hello from the laptop"), (kept.id, "system", "hi")]
        )
        laptop.rename_session(kept.id, "Laptop chat")
        child = laptop.start_session("chat 1.0", ulid="01LAPTOPCHILD", parent_ulid="01LAPTOPKEPT")
        laptop.append(child.id, "prompt", "continued")
        gone = laptop.start_session("chat 1.0", ulid="01LAPTOPGONE")
        laptop.append(gone.id, "prompt", "deleted on the laptop")
        laptop.delete_session(gone.id)

    first = run_import(store, "sessiond", [other])

    assert sessions(store) == {
        "01LAPTOPKEPT": ("chat 1.0", "Laptop chat", None, kept.started_at, 2),
        "01LAPTOPCHILD": ("chat 1.0", None, "01LAPTOPKEPT", child.started_at, 1),
    }
    assert first.skipped == {"sessions in the other database's trash (left out)": 1}
    assert run_import(store, "sessiond", [other]).events_added == 0

    # The laptop goes on; only what is new comes over, after what is here.
    with open_store(str(other)) as laptop:
        laptop.append(laptop.get_session("01LAPTOPCHILD").id, "system", "and on")
    assert run_import(store, "sessiond", [other]).events_added == 1
    assert kinds_texts(store, "01LAPTOPCHILD") == [("prompt", "continued"), ("system", "and on")]


def test_a_session_both_have_gets_only_the_events_past_the_ones_here(store, tmp_path):
    other = tmp_path / "copy.db"
    with open_store(str(other)) as copy:
        shared = copy.start_session("chat 1.0", ulid="01SHARED")
        copy.append_many([(shared.id, "prompt", f"turn {i}") for i in range(5)])
    here, _ = store.import_session(ImportedSession("01SHARED", "chat 1.0", 1))
    store.import_events(here.id, [ImportedEvent("prompt", f"turn {i}", 1) for i in range(3)])

    merged = run_import(store, "sessiond", [other])

    assert merged.events_added == 2
    assert [text for _, text in kinds_texts(store, "01SHARED")] == [f"turn {i}" for i in range(5)]


def test_the_database_being_imported_into_is_refused(store, db):
    with pytest.raises(ValueError, match="is the database being imported into"):
        run_import(store, "sessiond", [db])
