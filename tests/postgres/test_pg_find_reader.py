"""What version 3 added on PostgreSQL beside the shared store tests:
migration 3's bigrams for events stored before it, the title index kept by
every write of a title, imports that meet (compare-and-set under a lock),
and the reader: its own connection, one snapshot, stopped past its
deadline, reconnected after a break."""

from __future__ import annotations

import threading
import time

import pytest

from sessiond.errors import StorageError
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession, StateMoved
from sessiond.store.postgres.migrations import MIGRATIONS, migrate
from support.postgres import need_psycopg

psycopg = need_psycopg()


@pytest.fixture
def open_pg(postgres_url):
    """Opens stores on one new PostgreSQL schema; closed after the test."""
    opened = []

    def open_():
        opened.append(open_store(postgres_url))
        return opened[-1]

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def pg(open_pg):
    return open_pg()


def at_version_2_with_cjk(url):
    """A version-2 schema whose events were indexed as version 2 did (whole
    words: a run of CJK characters is one lexeme) and a session titled in
    Japanese."""
    with psycopg.connect(url, autocommit=True) as conn:
        migrate(conn, "test", MIGRATIONS[:2])
        conn.execute(
            "INSERT INTO sessions (ulid, started_at, cli_version, event_count, title)"
            " VALUES ('JA', 1000, 'v0', 2, 'データベースの移行')"
        )
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv) VALUES"
            " (1, 1, 'prompt', '最新の状態にアップデート please', 2000,"
            "  $$'最新の状態にアップテート':1 'please':2$$),"
            " (1, 2, 'system', 'plain words only', 3000, $$'plain':1 'words':2 'only':3$$)"
        )


def test_migration_3_indexes_cjk_events_and_titles_stored_before(postgres_url):
    at_version_2_with_cjk(postgres_url)
    with psycopg.connect(postgres_url) as conn:  # version 2 finds no part of a run
        assert not conn.execute("SELECT 1 FROM events WHERE tsv @@ $$'最新'$$::tsquery").fetchall()
    with open_store(postgres_url) as store:
        for word in ("最新", "状態", "アップデート", "最"):
            assert [h.seq for h in store.search(word, 5)] == [1], word
        assert [h.seq for h in store.search("please", 5)] == [1]
        assert [h.seq for h in store.search("plain", 5)] == [2]
        found, relaxed = store.find("移行", 5)  # in the title only
        assert [f.session.ulid for f in found] == ["JA"] and not relaxed


def test_every_write_of_a_title_keeps_its_index(pg):
    store = pg
    s = store.start_session("t")
    store.append(s.id, "prompt", "nothing here")
    store.rename_session(s.id, "kettle descaling")
    assert [f.session.id for f in store.find("kettle", 5)[0]] == [s.id]
    store.rename_session(s.id, "teapot")
    assert store.find("kettle", 5)[0] == []
    assert [f.session.id for f in store.find("teapot", 5)[0]] == [s.id]
    store.rename_session(s.id, None)
    assert store.find("teapot", 5)[0] == []
    imported, _ = store.import_session(ImportedSession("IMP", "x", 0, title="granite worktop"))
    assert [f.session.id for f in store.find("granite", 5)[0]] == [imported.id]


def test_an_import_that_read_an_older_state_writes_nothing(open_pg):
    one, two = open_pg(), open_pg()
    s, _ = one.import_session(ImportedSession("CAS", "x", 0))
    one.import_events(s.id, [ImportedEvent("prompt", "a", 1)], checkpoint=("src", "f", "1"))
    # Both read state "1"; the second commits first.
    two.import_events(
        s.id, [ImportedEvent("prompt", "b", 2)], checkpoint=("src", "f", "2"), expect="1"
    )
    with pytest.raises(StateMoved):
        one.import_events(
            s.id, [ImportedEvent("prompt", "b", 2)], checkpoint=("src", "f", "2"), expect="1"
        )
    with pytest.raises(StateMoved):
        one.set_import_state("src", "f", "3", expect="1")
    assert [e.text for e in one.events(s.id, 10)] == ["a", "b"]
    assert one.get_import_state("src", "f") == "2"
    one.set_import_state("src", "f", "3", expect="2")
    assert two.get_import_state("src", "f") == "3"


def test_a_checkpoint_waits_for_the_import_holding_the_same_file(
    open_pg, postgres_url, postgres_admin
):
    """The second import's check waits for the first's transaction, then
    reads what it committed: a row lock could not hold a state not written
    yet (expect None), the advisory lock on (source, key) does."""
    first, second = open_pg(), open_pg()
    s, _ = first.import_session(ImportedSession("WAIT", "x", 0))
    with psycopg.connect(postgres_url) as holder:
        # Hold the pair's lock as an import's transaction would.
        holder.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended("
            "current_schema() || ' ' || 'src' || ' ' || 'g', %s))",
            (0x73657333,),
        )
        holder.execute(
            "INSERT INTO import_state (source, key, state) VALUES ('src', 'g', 'theirs')"
        )
        outcome: list[object] = []

        def importing() -> None:
            try:
                second.import_events(
                    s.id,
                    [ImportedEvent("prompt", "x", 1)],
                    checkpoint=("src", "g", "mine"),
                    expect=None,
                )
                outcome.append("stored")
            except StateMoved as exc:
                outcome.append(exc)

        thread = threading.Thread(target=importing)
        thread.start()
        # The import waits for the holder's lock (seen by the server).
        deadline = time.monotonic() + 10
        while not postgres_admin.run(
            "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND pid <> %s",
            (holder.info.backend_pid,),
        ):
            assert time.monotonic() < deadline, "the import never waited for the lock"
            time.sleep(0.01)
        assert outcome == []
        holder.commit()
        thread.join(10)
    assert len(outcome) == 1 and isinstance(outcome[0], StateMoved)
    assert first.get_session("WAIT").event_count == 0


def test_the_reader_stops_a_read_past_its_deadline_and_reads_on(pg):
    store = pg
    from sessiond.store.postgres.reader import PostgresReader

    s = store.start_session("t")
    store.append(s.id, "prompt", "kettle")
    reader = store.reader()
    assert isinstance(reader, PostgresReader)
    try:
        reader.deadline_s = 0.5
        # One statement past the deadline: the server stops it.
        started = time.monotonic()
        with pytest.raises(StorageError, match=r"still running after 0\.5 s and was stopped"):
            reader._read("session/search", lambda conn, _u: conn.execute("SELECT pg_sleep(5)"))
        assert time.monotonic() - started < 3

        # Statements each within it, together past it: the timer stops the read.
        def two(conn, _u):
            conn.execute("SELECT pg_sleep(0.35)")
            conn.execute("SELECT pg_sleep(0.35)")

        reader.close()  # the next read connects again, with the new deadline
        with pytest.raises(StorageError, match="was stopped"):
            reader._read("session/find", two)
        # And reads go on, on the same reader.
        assert [h.seq for h in reader.search("kettle", 5)] == [1]
        assert [f.session.id for f in reader.find("kettle", 5)[0]] == [s.id]
        assert reader.usage("day")[0].prompts == 1
    finally:
        reader.close()


def test_the_reader_reconnects_after_its_connection_broke(pg, postgres_admin):
    store = pg
    s = store.start_session("t")
    store.append(s.id, "prompt", "kettle")
    reader = store.reader()
    try:
        assert len(reader.search("kettle", 5)) == 1
        pid = reader._conn.info.backend_pid
        assert postgres_admin.run("SELECT pg_terminate_backend(%s)", (pid,)) == [(True,)]
        assert len(reader.search("kettle", 5)) == 1
    finally:
        reader.close()


def test_a_read_sees_one_snapshot(pg, postgres_url):
    store = pg
    """find's reads (each term, the titles, the sessions, the turns) see one
    state: a session trashed between them is seen whole or not at all."""
    from sessiond.store.find import Match
    from sessiond.store.postgres import find as pg_find

    s = store.start_session("t")
    store.append(s.id, "prompt", "kettle teapot")
    other = open_store(postgres_url)
    real = pg_find.PostgresFind.term_matches

    def trash_between(self, term, limit):  # type: ignore[no-untyped-def]
        found: list[Match] = real(self, term, limit)
        if term.words == ("kettl",):
            other.delete_session(s.id)  # commits before the next term is read
        return found

    try:
        pg_find.PostgresFind.term_matches = trash_between  # type: ignore[method-assign]
        found, relaxed = store.find("kettle teapot", 5)
    finally:
        pg_find.PostgresFind.term_matches = real  # type: ignore[method-assign]
        other.close()
    assert [f.session.id for f in found] == [s.id] and not relaxed
    assert store.find("kettle teapot", 5)[0] == []


def test_long_queries_asked_in_parts_find_what_the_whole_finds(pg, postgres_url, monkeypatch):
    """A query of many groups asks the index for the rarest two and checks
    the rest on its rows; left-out words are checked, never asked: the
    same hits as the whole query asked of the index at once."""
    import random

    from sessiond.store.postgres import plan

    rng = random.Random(5)
    vocabulary = [f"{a}{b}x" for a in "abcdefgh" for b in "klmnop"]
    s = pg.start_session("t")
    texts = [" ".join(rng.choices(vocabulary, k=rng.randint(3, 25))) for _ in range(1500)]
    pg.append_many([(s.id, "prompt", text) for text in texts])
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("ANALYZE events")  # the statistics the parts are chosen by
    queries = [
        " ".join(rng.sample(vocabulary, 3)),
        " ".join(w[:1] + "*" for w in rng.sample(vocabulary, 5)),
        "ak* -bkx -" + " -".join(rng.sample(vocabulary, 20)),
        f"{vocabulary[0]} OR {vocabulary[1]} cl* dm* -en* -fo*",
        " ".join(f'"{a} {b}"' for a, b in zip(vocabulary[:6], vocabulary[6:12], strict=True)),
    ]
    parted = {q: [(h.seq, h.snippet) for h in pg.search(q, 50)] for q in queries}
    assert any(parted.values())  # the queries find something
    monkeypatch.setattr(plan, "DRIVERS", 1000)
    monkeypatch.setattr(plan, "_KEPT", type(plan._KEPT)())
    for q in queries:
        assert [(h.seq, h.snippet) for h in pg.search(q, 50)] == parted[q], q
