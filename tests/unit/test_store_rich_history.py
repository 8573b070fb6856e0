"""Version 3 on every store: where, with what and at what cost.

Sessions know their source, sourceId, project and branch; events their meta;
a session sums its events' usage and models and knows its last activity;
lists filter by project (that folder and every one under it) and source and
order by activity; `usage` (stats/usage) sums by day, model, project and
source, exactly within since/until, the trash left out.
"""

from __future__ import annotations

from sessiond.models import Usage, make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

DAY = 86_400_000
T0 = 1_764_547_200_000  # 2025-12-01T00:00:00Z


def meta(model: str, i: int = 0, o: int = 0, cr: int = 0, cw: int = 0) -> dict:
    return make_meta(model=model, usage=Usage(i, o, cr, cw))  # type: ignore[return-value]


def test_start_keeps_where_the_session_is_held(store):
    s = store.start_session(
        "vscode 1", source="vscode", source_id="abc", project="/home/ann/src/api", branch="main"
    )
    got = store.get_session(s.ulid)
    assert (got.source, got.source_id, got.project, got.branch) == (
        "vscode",
        "abc",
        "/home/ann/src/api",
        "main",
    )
    assert got.last_activity_at == got.started_at
    assert got.usage is None and got.models == []


def test_appends_with_meta_sum_usage_models_and_activity(store):
    s = store.start_session("t")
    store.append_many(
        [
            (s.id, "prompt", "hi", None),
            (s.id, "system", "a", meta("big", 10, 20, 300, 40)),
            (s.id, "system", "b", meta("small", 1, 2)),
            (s.id, "system", "c", meta("big", 0, 5)),
            (s.id, "command", "ls", make_meta(tool="Bash", is_error=True)),
        ]
    )
    got = store.session_by_id(s.id)
    assert got.usage == Usage(11, 27, 300, 40)
    assert got.models == ["big", "small"]
    events = store.events(s.id, 10)
    assert events[0].meta is None
    assert events[1].meta == {
        "model": "big",
        "usage": {
            "inputTokens": 10,
            "outputTokens": 20,
            "cacheReadTokens": 300,
            "cacheWriteTokens": 40,
        },
    }
    assert events[4].meta == {"tool": "Bash", "isError": True}
    assert got.last_activity_at == events[-1].created_at
    # The session's sums survive a reopen: they are stored, not kept in memory.
    assert store.get_session(s.ulid).usage == Usage(11, 27, 300, 40)


def test_lists_filter_by_project_and_below_and_by_source(store):
    made = {}
    for name, project, source in [
        ("api", "/home/ann/src/api", "claude-code"),
        ("api-sub", "/home/ann/src/api/web", "codex"),
        ("api2", "/home/ann/src/api2", "claude-code"),
        ("win", "C:\\Users\\ann\\api", "copilot-chat"),
        ("none", None, None),
    ]:
        made[name] = store.start_session("t", ulid=name, project=project, source=source)

    def ulids(**kw):
        return sorted(s.ulid for s in store.list_sessions(100, **kw))

    assert ulids(project="/home/ann/src/api") == ["api", "api-sub"]
    assert ulids(project="/home/ann/src/api/") == ["api", "api-sub"]
    assert ulids(project="/home/ann/src") == ["api", "api-sub", "api2"]
    assert ulids(project="/") == ["api", "api-sub", "api2"]
    assert ulids(project="C:\\Users\\ann") == ["win"]
    assert ulids(project="/home/ann/src/ap") == []
    assert ulids(source="claude-code") == ["api", "api2"]
    assert ulids(project="/home/ann/src", source="codex") == ["api-sub"]
    assert store.count_sessions(project="/home/ann/src") == 3
    store.delete_session(made["api"].id)
    assert ulids(project="/home/ann/src/api") == ["api-sub"]


def test_ordered_by_activity_a_resumed_session_comes_first(store):
    # Started at known times, long before the append below.
    old, _ = store.import_session(ImportedSession("old", "t", T0))
    store.import_session(ImportedSession("new", "t", T0 + DAY))
    assert [s.ulid for s in store.list_sessions(2)] == ["new", "old"]
    assert [s.ulid for s in store.list_sessions(2, order_by="activity")] == ["new", "old"]
    store.append(old.id, "prompt", "back to it")
    assert [s.ulid for s in store.list_sessions(2, order_by="activity")] == ["old", "new"]
    assert [s.ulid for s in store.list_sessions(2)] == ["new", "old"]


def test_search_filters_by_project_and_source(store):
    a = store.start_session("t", project="/p/a", source="codex")
    b = store.start_session("t", project="/p/b", source="llm")
    store.append(a.id, "prompt", "zebra in a")
    store.append(b.id, "prompt", "zebra in b")
    assert [h.session.ulid for h in store.search("zebra", 10, project="/p/a")] == [a.ulid]
    assert [h.session.ulid for h in store.search("zebra", 10, source="llm")] == [b.ulid]
    assert store.search("zebra", 10, project="/p/c") == []


def imported(store, ulid, project, source, events):
    session, _ = store.import_session(
        ImportedSession(ulid, source, events[0][0], project=project, source=source)
    )
    store.import_events(session.id, [ImportedEvent(k, t, at, m) for at, k, t, m in events])
    return session


def seeded(store):
    """Three sessions over three days, with models and tokens; one trashed."""
    imported(
        store,
        "a",
        "/p/a",
        "claude-code",
        [
            (T0 + 1000, "prompt", "q1", None),
            (T0 + 2000, "system", "r1", meta("opus", 100, 10, 1000, 50)),
            (T0 + DAY + 5000, "prompt", "q2", None),
            (T0 + DAY + 6000, "system", "r2", meta("sonnet", 1, 2, 3, 4)),
        ],
    )
    imported(
        store,
        "b",
        "/p/b",
        "codex",
        [
            (T0 + DAY + 1000, "prompt", "q", None),
            (T0 + DAY + 2000, "system", "r", meta("gpt", 7, 8)),
            (T0 + 2 * DAY + 12 * 3_600_000, "system", "late", meta("gpt", 1, 1)),
        ],
    )
    trashed = imported(
        store,
        "c",
        "/p/a",
        "claude-code",
        [(T0 + 1000, "prompt", "gone", None), (T0 + 2000, "system", "x", meta("opus", 9, 9))],
    )
    store.delete_session(trashed.id)


def rows(store, group_by, **kw):
    return [
        (
            r.key,
            r.sessions,
            r.prompts,
            r.replies,
            r.input_tokens,
            r.output_tokens,
            r.cache_read_tokens,
            r.cache_write_tokens,
        )
        for r in store.usage(group_by, **kw)
    ]


def test_usage_by_day_model_project_and_source(store):
    seeded(store)
    assert rows(store, "day") == [
        ("2025-12-03", 1, 0, 1, 1, 1, 0, 0),
        ("2025-12-02", 2, 2, 2, 8, 10, 3, 4),
        ("2025-12-01", 1, 1, 1, 100, 10, 1000, 50),
    ]
    assert rows(store, "model") == [
        ("opus", 1, 0, 1, 100, 10, 1000, 50),
        ("gpt", 1, 0, 2, 8, 9, 0, 0),
        ("sonnet", 1, 0, 1, 1, 2, 3, 4),
        (None, 2, 3, 0, 0, 0, 0, 0),
    ]
    assert rows(store, "project") == [
        ("/p/a", 1, 2, 2, 101, 12, 1003, 54),
        ("/p/b", 1, 1, 2, 8, 9, 0, 0),
    ]
    assert rows(store, "source", project="/p") == [
        ("claude-code", 1, 2, 2, 101, 12, 1003, 54),
        ("codex", 1, 1, 2, 8, 9, 0, 0),
    ]
    assert rows(store, "source", source="codex") == [("codex", 1, 1, 2, 8, 9, 0, 0)]


def test_usage_within_since_and_until_is_exact(store):
    seeded(store)
    # Whole days only.
    assert rows(store, "day", since=T0 + DAY, until=T0 + 2 * DAY) == [
        ("2025-12-02", 2, 2, 2, 8, 10, 3, 4)
    ]
    # Days cut in the middle: only the events inside count.
    assert rows(store, "day", since=T0 + 1500, until=T0 + DAY + 1500) == [
        ("2025-12-02", 1, 1, 0, 0, 0, 0, 0),
        ("2025-12-01", 1, 0, 1, 100, 10, 1000, 50),
    ]
    assert rows(store, "model", since=T0 + 1500, until=T0 + DAY + 5500) == [
        ("opus", 1, 0, 1, 100, 10, 1000, 50),
        ("gpt", 1, 0, 1, 7, 8, 0, 0),
        (None, 2, 2, 0, 0, 0, 0, 0),
    ]
    # Within one day.
    assert rows(store, "project", since=T0 + DAY + 1500, until=T0 + DAY + 5500) == [
        ("/p/b", 1, 0, 1, 7, 8, 0, 0),
        ("/p/a", 1, 1, 0, 0, 0, 0, 0),
    ]
    # A session seen on a cut day and a whole day counts once.
    assert rows(store, "source", since=T0 + 1500) == [
        ("claude-code", 1, 1, 2, 101, 12, 1003, 54),
        ("codex", 1, 1, 2, 8, 9, 0, 0),
    ]
    assert rows(store, "day", since=T0 + 3 * DAY) == []


def test_usage_of_appended_events_and_purge(store):
    s = store.start_session("t", source="sessiond-chat")
    store.append_many([(s.id, "prompt", "q", None), (s.id, "system", "r", meta("m", 3, 4))])
    [row] = rows(store, "source")
    assert row == ("sessiond-chat", 1, 1, 1, 3, 4, 0, 0)
    store.delete_session(s.id)
    assert rows(store, "source") == []
    store.restore_session(s.id)
    assert rows(store, "source") == [row]
    store.delete_session(s.id)
    assert store.purge([s.id]) == 1
    assert rows(store, "day") == []


def test_imported_sessions_keep_their_fields_and_meta(store):
    session, created = store.import_session(
        ImportedSession(
            "imp-1",
            "claude-code 2.0.1",
            T0,
            source="claude-code",
            source_id="imp-1",
            project="/home/ann/src/api",
            branch="feature/x",
        )
    )
    assert created
    store.import_events(
        session.id,
        [
            ImportedEvent("prompt", "q", T0 + 10),
            ImportedEvent("command", "Bash ls", T0 + 20, make_meta(tool="Bash")),
            ImportedEvent("system", "r", T0 + 30, meta("opus", 1, 2, 3, 4)),
        ],
    )
    got = store.get_session("imp-1")
    assert (got.source, got.source_id, got.project, got.branch) == (
        "claude-code",
        "imp-1",
        "/home/ann/src/api",
        "feature/x",
    )
    assert got.usage == Usage(1, 2, 3, 4) and got.models == ["opus"]
    assert got.last_activity_at == "2025-12-01T00:00:00.030Z"
    assert [e.meta for e in store.events(session.id, 10)] == [
        None,
        {"tool": "Bash"},
        meta("opus", 1, 2, 3, 4),
    ]
