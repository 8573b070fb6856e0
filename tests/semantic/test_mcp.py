"""MCP's search_history finds sessions as session/find does: by meaning too,
on a store with vectors, opened read-only as `sessiond mcp` opens it."""

from __future__ import annotations

from pathlib import Path

from sessiond.mcp.tools import search_history
from sessiond.semantic import indexing, model
from sessiond.store import SqliteStore
from support.semantic import PARAPHRASES, fill


def test_search_history_finds_a_question_in_other_words(tmp_path: Path) -> None:
    db = str(tmp_path / "history.db")
    store = SqliteStore(db)
    names = fill(store)
    indexing.index(store, model.documents(), indexing.prepare(store))
    store.close()
    reading = SqliteStore(db, read_only=True)
    try:
        for question, answer in PARAPHRASES.items():
            got = search_history(reading, {"query": question, "limit": 3})
            first = got.data["results"][0]["session"]
            assert first["id"] == names[answer], question
    finally:
        reading.close()
