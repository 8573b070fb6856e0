"""The SQLite store's quick reader: the dispatching thread answers a find or
a search of a few rare plain words itself, and hands everything else back
(`TooSlow`) at once, before FTS5 reads a common word's matches; what it
answers is what the worker threads' reader answers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from sessiond.errors import InvalidParams
from sessiond.store import SqliteStore
from sessiond.store.base import TooSlow
from sessiond.store.sqlite.reader import QUICK_MATCHES


@pytest.fixture
def filled(tmp_path):
    store = SqliteStore(str(tmp_path / "s.db"))
    s = store.start_session("t", project="/p/a")
    common = [(s.id, "prompt", f"the deploy step {i} of the pipeline") for i in range(150)]
    store.append_many(common)
    rare = store.start_session("t", project="/p/b")
    store.append_many([(rare.id, "prompt", "the xylophone in the deploy notes")])
    store.rename_session(rare.id, "marimba")
    yield store, rare
    store.close()


def test_a_rare_word_is_answered_as_the_slow_reader_answers_it(filled) -> None:
    store, rare = filled
    quick, slow = store.quick_reader(), store.reader()
    assert quick is not None and slow is not None
    for query in ("xylophone", "marimba", "xylophone marimba"):
        got = quick.find(query, 5)
        assert got == slow.find(query, 5)
        assert got[0][0].session.id == rare.id
    assert quick.search("xylophone", 5) == slow.search("xylophone", 5)
    quick.close()
    slow.close()


@pytest.mark.parametrize(
    "query", ["deploy", "pipeline", '"of the"', "dep*", "xylophone OR marimba", "xylophone -deploy"]
)
def test_common_words_and_operators_are_handed_back(filled, query) -> None:
    store, _ = filled
    quick = store.quick_reader()
    assert quick is not None
    with pytest.raises(TooSlow):
        quick.find(query, 5)
    with pytest.raises(TooSlow):
        quick.search(query, 5)
    # ... and the quick reader goes on answering.
    assert quick.find("xylophone", 5)[0]
    quick.close()


def test_a_refused_query_is_refused_where_the_slow_reads_are(filled) -> None:
    store, _ = filled
    quick = store.quick_reader()
    assert quick is not None
    with pytest.raises(TooSlow):
        quick.find("-", 5)
    with pytest.raises(InvalidParams):
        store.find("-", 5)
    quick.close()


@contextlib.contextmanager
def ocarinas(tmp_path: Any, n: int) -> Iterator[tuple[SqliteStore, int, Any]]:
    """A store whose one session holds `n` events with the word `ocarina`,
    with its session id and a quick reader of it."""
    store = SqliteStore(str(tmp_path / "o.db"))
    s = store.start_session("t")
    store.append_many([(s.id, "prompt", f"ocarina {i}") for i in range(n)])
    quick = store.quick_reader()
    assert quick is not None
    try:
        yield store, s.id, quick
    finally:
        quick.close()
        store.close()


def test_a_word_in_as_many_events_as_the_threshold_is_handed_back(tmp_path) -> None:
    with ocarinas(tmp_path, QUICK_MATCHES - 1) as (store, sid, quick):
        assert quick.find("ocarina", 1)[0]
        store.append(sid, "prompt", "ocarina again")
        with pytest.raises(TooSlow):
            quick.find("ocarina", 1)


def test_a_word_counted_once_is_counted_again_only_when_it_may_have_grown(tmp_path) -> None:
    with ocarinas(tmp_path, QUICK_MATCHES - 3) as (store, sid, quick):
        counts: list[str] = []
        quick._conn.set_trace_callback(  # type: ignore[attr-defined]
            lambda sql: counts.append(sql) if sql.startswith("SELECT count(*)") else None
        )
        for _ in range(3):
            assert quick.find("ocarina", 1)[0]
        assert len(counts) == 1  # counted once: nothing was added since
        store.append_many([(sid, "prompt", "something else") for _ in range(2)])
        assert quick.find("ocarina", 1)[0]
        assert len(counts) == 1  # 97 + 2 added since: still under the threshold, uncounted
        store.append(sid, "prompt", "ocarina once more")
        assert quick.find("ocarina", 1)[0]  # 97 + 3 may be 100: counted again (98)
        assert len(counts) == 2
        store.append(sid, "prompt", "ocarina, and the hundredth")
        store.append(sid, "prompt", "ocarina, one past")
        with pytest.raises(TooSlow):
            quick.find("ocarina", 1)
