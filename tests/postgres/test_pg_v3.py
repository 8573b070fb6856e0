"""Version 3 on PostgreSQL: what the shared cases (tests/unit/
test_store_rich_history.py) cannot show.

- Every v3 string (source, sourceId, project, branch, meta's model and tool)
  round-trips exactly, U+0000 and U+0001 included, on both stores; an
  event's meta comes back as it was given, keys in order (PostgreSQL keeps
  it as the same JSON text as SQLite; jsonb would reorder keys and refuse
  U+0000).
- The project filter compares bytes in a database whose own collation
  (ICU) would put `/x/A~` inside `/x/A`'s range, through the index.
- Processes appending with meta at once: the sums, the models, the daily
  table and the last activity are exact, and created_at grows with seq.
- The feed's Added events carry meta.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
import uuid

import pytest

from sessiond.models import Usage, make_meta
from sessiond.store import Added, ImportedEvent, ImportedSession, open_store
from sessiond.store.rows import meta_json
from support.postgres import need_psycopg

psycopg = need_psycopg()

NUL = "a\x00b\x01c\x01\x01d"


def test_v3_strings_round_trip_exactly(store):
    s = store.start_session(
        "t", source="src" + NUL, source_id="id" + NUL, project="/p/" + NUL, branch="b" + NUL
    )
    got = store.get_session(s.ulid)
    assert (got.source, got.source_id, got.project, got.branch) == (
        "src" + NUL,
        "id" + NUL,
        "/p/" + NUL,
        "b" + NUL,
    )
    # Models that sort differently once escaped ("\x00" < "\x01", but their
    # escapes "\x010" > "\x01\x01") come back in the order of their names.
    metas = [
        make_meta(model="m\x01", usage=Usage(1, 2, 3, 4)),
        make_meta(model="m\x00", tool="t" + NUL, is_error=False),
        {"usage": {"outputTokens": 7}, "model": "m" + NUL},  # keys not in the usual order
    ]
    store.append_many([(s.id, "system", f"r{i}", m) for i, m in enumerate(metas)])
    events = store.events(s.id, 10)
    assert [e.meta for e in events] == metas
    assert list(events[2].meta) == ["usage", "model"]
    got = store.session_by_id(s.id)
    assert got.models == ["m\x00", "m\x01", "m" + NUL]
    assert got.usage == Usage(1, 9, 3, 4)
    assert {r.key for r in store.usage("model")} == {"m\x00", "m\x01", "m" + NUL}
    assert [r.key for r in store.usage("project")] == ["/p/" + NUL]
    assert [r.key for r in store.usage("source", project="/p")] == ["src" + NUL]
    for project in ("/p/" + NUL, "/p/", "/p"):
        assert [x.ulid for x in store.list_sessions(5, project=project)] == [s.ulid]
    assert store.list_sessions(5, project="/p/a") == []
    assert store.count_sessions(source="src" + NUL) == 1
    store.append(s.id, "prompt", "kettle")
    assert [h.seq for h in store.search("kettle", 5, project="/p/" + NUL)] == [4]
    assert store.search("kettle", 5, source="src") == []
    # Imports keep them too.
    made, _ = store.import_session(
        ImportedSession("imp", "tool", 1000, source="s" + NUL, project="/q/" + NUL)
    )
    store.import_events(made.id, [ImportedEvent("system", "x", 2000, {"model": "i" + NUL})])
    imported = store.get_session("imp")
    assert (imported.source, imported.project, imported.models) == (
        "s" + NUL,
        "/q/" + NUL,
        ["i" + NUL],
    )
    assert store.events(made.id, 5)[0].meta == {"model": "i" + NUL}


def test_meta_is_stored_as_the_json_sqlite_keeps(postgres_url):
    meta = {"usage": {"inputTokens": 1}, "model": "é\x00😀", "isError": True}
    with open_store(postgres_url) as store:
        s = store.start_session("t")
        store.append_many([(s.id, "system", "r", meta), (s.id, "prompt", "q", None)])
    with psycopg.connect(postgres_url) as conn:
        stored = conn.execute("SELECT meta FROM events ORDER BY seq").fetchall()
    assert stored == [(meta_json(meta),), (None,)]
    assert json.loads(stored[0][0]) == meta


def test_the_feed_gives_meta_with_each_added_event(postgres_url):
    meta = make_meta(model="opus", usage=Usage(1, 2, 0, 0), tool="Bash")
    with open_store(postgres_url) as writer, open_store(postgres_url) as reader:
        feed = reader.feed()
        try:
            s = writer.start_session("t")
            writer.append_many([(s.id, "system", "r", meta), (s.id, "prompt", "q")])
            added: list[Added] = []
            deadline = time.monotonic() + 20
            while len(added) < 2 and time.monotonic() < deadline:
                fd = feed.fileno()
                if fd is not None and not feed.more:
                    select.select([fd], [], [], 0.5)
                added += [c for c in feed.poll() if isinstance(c, Added)]
        finally:
            feed.close()
    assert [(c.event.seq, c.event.meta) for c in added] == [(1, meta), (2, None)]


@pytest.fixture
def icu_database(postgres_admin):
    """A new database whose own collation is ICU's English, where `/x/A~`
    sorts between `/x/A/` and `/x/A0`."""
    name = f"sessiond_icu_{uuid.uuid4().hex[:12]}"
    try:
        postgres_admin.run(
            f"CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en'"
            " LOCALE 'C.UTF-8'"
        )
    except psycopg.Error as exc:
        pytest.skip(f"this server cannot make an ICU database: {exc}")
    yield postgres_admin.url_for(database=name)
    postgres_admin.run(f"DROP DATABASE {name} WITH (FORCE)")


def test_the_project_filter_compares_bytes_whatever_the_collation(icu_database):
    with psycopg.connect(icu_database) as conn:
        # Without COLLATE "C", this database would list /x/A~ under /x/A.
        assert conn.execute("SELECT '/x/A~' >= '/x/A/' AND '/x/A~' < '/x/A0'").fetchone() == (True,)
    with open_store(icu_database) as store:
        for project in ("/x/A", "/x/A/b", "/x/A~", "/x/a", "/x/A-b", "/x/AB"):
            s = store.start_session("t", ulid=project, project=project, source="llm")
            store.append(s.id, "prompt", "kettle")
        assert sorted(s.ulid for s in store.list_sessions(10, project="/x/A")) == [
            "/x/A",
            "/x/A/b",
        ]
        assert store.count_sessions(project="/x/A") == 2
        assert sorted(h.session.ulid for h in store.search("kettle", 10, project="/x/A")) == [
            "/x/A",
            "/x/A/b",
        ]
        assert [(r.key, r.sessions) for r in store.usage("source", project="/x/A")] == [("llm", 2)]
    with psycopg.connect(icu_database) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = conn.execute(
            "EXPLAIN SELECT id FROM sessions AS s WHERE s.project COLLATE \"C\" >= '/x/A/'"
            " AND s.project COLLATE \"C\" < '/x/A0'"
        ).fetchall()
    assert "sessions_project" in " ".join(row[0] for row in plan)


APPENDER = """
import sys
from sessiond.store import open_store
url, a, b, who, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
store = open_store(url)
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # the start signal: every process appends at once
i = 0
while i < n:
    # Batches of 1 to 4, over one session or both.
    items = []
    for k in range(1 + i % 4):
        if i + k < n:
            meta = {"model": who, "usage": {"inputTokens": 1, "outputTokens": 2}}
            items.append((a if (i + k) % 3 else b, "system" if k % 2 else "prompt", "t", meta))
    for outcome in store.append_many(items):
        assert outcome.seq >= 1, outcome
    i += len(items)
store.close()
"""


def test_processes_appending_with_meta_keep_exact_sums(postgres_url):
    procs_n, per_proc = 4, 300
    with open_store(postgres_url) as store:
        a, b = store.start_session("a"), store.start_session("b")
        args = [postgres_url, str(a.id), str(b.id)]
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", APPENDER, *args, f"p{k}", str(per_proc)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            for k in range(procs_n)
        ]
        for proc in procs:
            assert proc.stdout.readline() == "ready\n"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        assert [p.wait(timeout=300) for p in procs] == [0] * procs_n
        events = {s.id: store.events(s.id, 10_000) for s in (a, b)}
        sessions = {s.id: store.session_by_id(s.id) for s in (a, b)}
        by_model = {r.key: r for r in store.usage("model")}
    total = procs_n * per_proc
    assert sum(len(e) for e in events.values()) == total
    for session_id, got in events.items():
        assert [e.seq for e in got] == list(range(1, len(got) + 1))
        times = [e.created_at for e in got]
        assert times == sorted(times)  # the clock is read once the session is locked
        session = sessions[session_id]
        assert session.last_activity_at == times[-1]
        assert session.usage == Usage(len(got), 2 * len(got), 0, 0)
        assert sorted(session.models) == [f"p{k}" for k in range(procs_n)]
    for k in range(procs_n):
        row = by_model[f"p{k}"]
        assert (row.sessions, row.prompts + row.replies) == (2, per_proc)
        assert (row.input_tokens, row.output_tokens) == (per_proc, 2 * per_proc)
    with psycopg.connect(postgres_url) as conn:
        daily = conn.execute(
            "SELECT session_id, model, sum(prompts), sum(replies), sum(input) FROM usage_daily"
            " GROUP BY 1, 2 ORDER BY 1, 2"
        ).fetchall()
        counted = conn.execute(
            "SELECT session_id, meta::jsonb ->> 'model', count(*) FILTER (WHERE kind = 'prompt'),"
            " count(*) FILTER (WHERE kind = 'system'), count(*) FROM events GROUP BY 1, 2"
            " ORDER BY 1, 2"
        ).fetchall()
    assert daily == counted


def test_purge_removes_the_sessions_daily_usage(postgres_url):
    with open_store(postgres_url) as store:
        kept, gone = store.start_session("k"), store.start_session("g")
        for s in (kept, gone):
            store.append_many([(s.id, "system", "r", {"model": "m"})])
        store.delete_session(gone.id)
        assert store.purge([gone.id]) == 1
    with psycopg.connect(postgres_url) as conn:
        left = conn.execute("SELECT DISTINCT session_id FROM usage_daily").fetchall()
    assert left == [(kept.id,)]


def test_the_daemon_on_postgresql_speaks_version_3(postgres_url):
    """A real `sessiond serve` on the schema (the URI in its environment, never
    on its command line): start with where, pipelined appends with meta, the
    filters, the order, stats/usage and the events' meta, over the pipe."""
    from bench.rpc import Peer, request

    peer = Peer(
        [sys.executable, "-m", "sessiond", "serve"],
        env={**os.environ, "SESSIOND_DB": postgres_url},
    )
    try:
        caps = peer.initialize()["capabilities"]["experimental"]["sessiond"]
        assert caps["protocolVersion"] == 3
        where = {"source": "codex", "sourceId": "th-1", "project": "/w/api", "branch": "main"}
        a = peer.call("session/start", {"cliVersion": "t", **where})
        b = peer.call("session/start", {"cliVersion": "t", "project": "/w/web"})
        assert {k: a[k] for k in where} == where and a["lastActivityAt"] == a["startedAt"]
        usage = {"inputTokens": 3, "outputTokens": 4, "cacheReadTokens": 5}
        params = [
            {"sessionId": a["id"], "kind": "prompt", "text": f"zebra {i}"}
            if i % 2 == 0
            else {
                "sessionId": a["id"],
                "kind": "system",
                "text": "r",
                "meta": {"model": "m", "usage": usage},
            }
            for i in range(200)
        ]
        first = peer.next_id
        peer.next_id += len(params)
        peer.write(b"".join(request(first + i, "session/append", p) for i, p in enumerate(params)))
        answers = [json.loads(body) for body in peer.read_frames(len(params))]
        assert sorted(x["result"]["seq"] for x in answers) == list(range(1, 201))
        got = peer.call("session/get", {"ulid": a["ulid"]})
        assert got["usage"] == {
            **usage,
            "inputTokens": 300,
            "outputTokens": 400,
            "cacheReadTokens": 500,
            "cacheWriteTokens": 0,
        }
        assert got["models"] == ["m"] and got["eventCount"] == 200
        assert got["lastActivityAt"] > got["startedAt"]
        listed = peer.call("session/list", {"limit": 10, "orderBy": "activity"})["sessions"]
        assert [s["id"] for s in listed] == [a["id"], b["id"]]
        assert [s["id"] for s in peer.call("session/list", {"limit": 10})["sessions"]] == [
            b["id"],
            a["id"],
        ]
        assert [
            s["id"]
            for s in peer.call("session/list", {"limit": 10, "project": "/w/api/"})["sessions"]
        ] == [a["id"]]
        assert peer.call("session/list", {"limit": 10, "source": "llm"}) == {"sessions": []}
        hits = peer.call("session/search", {"query": "zebra", "limit": 3, "project": "/w"})["hits"]
        assert len(hits) == 3 and {h["session"]["id"] for h in hits} == {a["id"]}
        assert peer.call("session/search", {"query": "zebra", "limit": 3, "project": "/w/web"}) == {
            "hits": []
        }
        rows = peer.call("stats/usage", {"groupBy": "source"})["rows"]
        assert rows == [
            {
                "key": "codex",
                "sessions": 1,
                "prompts": 100,
                "replies": 100,
                "inputTokens": 300,
                "outputTokens": 400,
                "cacheReadTokens": 500,
                "cacheWriteTokens": 0,
            }
        ]
        events = peer.call("session/events", {"sessionId": a["id"], "limit": 2})["events"]
        assert [e["meta"] for e in events] == [None, {"model": "m", "usage": usage}]
    finally:
        assert peer.close() == 0
