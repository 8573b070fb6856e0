"""Shared pieces of the importer tests: a real SQLite store in tmp, fixture
trees copied where a test may append to them, and readers of the result
through the store interface."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessiond.store import Store, open_store
from support.importing import FIXTURES


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "sessions.db")


@pytest.fixture
def store(db: str) -> Iterator[Store]:
    opened = open_store(db)
    yield opened
    opened.close()


@pytest.fixture
def copy(tmp_path: Path):
    """copy(name) -> a fresh copy of fixtures/<name> (the test may write it)."""

    def _copy(name: str) -> Path:
        target = tmp_path / "sources" / name
        shutil.copytree(FIXTURES / name, target)
        return target

    return _copy


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Local time is India's (+05:30, no daylight saving) for the test."""
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    yield "+05:30"
    monkeypatch.undo()
    time.tzset()
