"""Readers of an import's result through the store interface, and of a
source tree's bytes (shared by the importer tests)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from sessiond.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "importers" / "fixtures"


def events(store: Store, ulid: str) -> list[tuple[str, str, str]]:
    """(kind, text, createdAt) of every event of the session `ulid`."""
    session = store.get_session(ulid)
    assert session is not None, f"no session {ulid}"
    return [(e.kind, e.text, e.created_at) for e in store.events(session.id, 10_000)]


def kinds_texts(store: Store, ulid: str) -> list[tuple[str, str]]:
    return [(kind, text) for kind, text, _ in events(store, ulid)]


def sessions(store: Store) -> dict[str, tuple[str, str | None, str | None, str, int]]:
    """ulid -> (cliVersion, title, parentUlid, startedAt, eventCount)."""
    return {
        s.ulid: (s.cli_version, s.title, s.parent_ulid, s.started_at, s.event_count)
        for s in store.list_sessions(10_000)
    }


def everything(store: Store) -> dict[str, list[tuple[str, str, str]]]:
    return {ulid: events(store, ulid) for ulid in sessions(store)}


def digests(root: Path) -> dict[str, str]:
    """sha256 of every file under `root`, to show a source was not written."""
    found = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            found[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found
