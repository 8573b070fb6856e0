"""PostgreSQL under load (issue 25, item 12): the feed reads each range of
events through the index whatever the planner knows of the table, and a
big import refreshes the statistics search is planned with."""

from __future__ import annotations

import json

from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.postgres import need_psycopg

psycopg = need_psycopg()

from sessiond.store.postgres import feed, store  # noqa: E402 (needs psycopg)


def plan_nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


def test_the_feed_reads_events_through_the_index_when_few_sessions_hold_them(postgres_url):
    """Four sessions holding 200,000 events (four daemons appending at full
    speed): a join the planner could flatten chose a scan of every event,
    230 ms a poll, and the feed fell behind for good."""
    with open_store(postgres_url) as s:
        ids = [s.start_session("t").id for _ in range(4)]
        s.append_many([(i, "prompt", "x") for i in ids])
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv)"
            " SELECT s, g, 'system', 'bulk', 0, ''::tsvector"
            " FROM unnest(%s::bigint[]) AS s, generate_series(2, 50001) AS g",
            (ids,),
        )
        conn.execute(
            "INSERT INTO changes (session_id, what, first_seq, last_seq, at)"
            " SELECT s, 'a', 2, 50001, 0 FROM unnest(%s::bigint[]) AS s",
            (ids,),
        )
        conn.execute("ANALYZE events")
        (plan,) = conn.execute(
            "EXPLAIN (FORMAT JSON) " + feed._READ,
            {"after": 0, "rid": 0, "rseq": 0, "limit": 500},
        ).fetchone()
    nodes = list(plan_nodes((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]))
    scanned = {n.get("Relation Name") for n in nodes if n["Node Type"] == "Seq Scan"}
    assert "events" not in scanned
    assert any(n.get("Index Name") == "events_session_id_seq_key" for n in nodes)


def analyzed(url):
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'events'::regclass"
        ).fetchone()
    return row[0]


def test_a_big_import_refreshes_the_statistics(postgres_url, monkeypatch):
    monkeypatch.setattr(store, "ANALYZE_AFTER", 1_000)
    with open_store(postgres_url) as s:
        session, _ = s.import_session(ImportedSession("BIG", "x", 0))
        s.import_events(session.id, [ImportedEvent("prompt", f"turn {i}", i) for i in range(600)])
        s.import_events(session.id, [ImportedEvent("prompt", f"more {i}", i) for i in range(600)])
        # ANALYZE reads every row of a table this small: the planner now
        # knows the 1,200 events the import added.
        assert analyzed(postgres_url) == 1_200
        assert s._unanalyzed == 0


def test_a_small_import_leaves_the_statistics_to_autovacuum(postgres_url):
    with open_store(postgres_url) as s:
        session, _ = s.import_session(ImportedSession("SMALL", "x", 0))
        s.import_events(session.id, [ImportedEvent("prompt", "t", i) for i in range(10)])
        assert s._unanalyzed == 10  # counted, not yet worth an ANALYZE
