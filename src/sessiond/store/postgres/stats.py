"""`stats/usage` on PostgreSQL: the daily usage table, and the events of cut
days (`store.stats` holds what both stores share), read in one snapshot."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sessiond.models import UsageRow
from sessiond.store.postgres.rows import PROJECT, maybe_from_db, maybe_to_db
from sessiond.store.rows import session_filter
from sessiond.store.stats import Key, add_cut_events, collect, day_spans, key_column

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


def _key(group_by: str, value: Any) -> Key:
    """A key as read from the table: days are integers, names went through to_db."""
    return value if group_by == "day" else maybe_from_db(value)


def usage(
    conn: Connection,
    group_by: str,
    since: int | None,
    until: int | None,
    project: str | None,
    source: str | None,
) -> list[UsageRow]:
    (first, end), cut = day_spans(since, until)
    sql, params = session_filter(
        maybe_to_db(project), maybe_to_db(source), "%s", project_column=PROJECT
    )
    sql.insert(0, "s.deleted_at IS NULL")
    days: list[str] = []
    bounds: list[object] = []
    if first is not None:
        days.append("u.day >= %s")
        bounds.append(first)
    if end is not None:
        days.append("u.day < %s")
        bounds.append(end)
    where = " AND ".join(sql + days)
    key = key_column(group_by)
    source_sql = f"FROM usage_daily AS u JOIN sessions AS s ON s.id = u.session_id WHERE {where}"
    with conn.transaction():
        # One snapshot for every read below, as SQLite's one read transaction.
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        whole = conn.execute(
            f"SELECT {key}, sum(u.prompts)::bigint, sum(u.replies)::bigint,"
            " sum(u.input)::bigint, sum(u.output)::bigint, sum(u.cache_read)::bigint,"
            f" sum(u.cache_write)::bigint {source_sql} GROUP BY 1",
            (*params, *bounds),
        ).fetchall()
        pairs = conn.execute(
            f"SELECT DISTINCT {key}, u.session_id {source_sql}", (*params, *bounds)
        ).fetchall()
        totals = collect(
            group_by,
            [(_key(group_by, k), *counts) for k, *counts in whole],
            [(_key(group_by, k), sid) for k, sid in pairs],
        )
        keys: dict[int, Key] = {}
        for day, start, stop in cut:
            where_cut = " AND ".join([*sql, "u.day = %s"])
            active = conn.execute(
                "SELECT DISTINCT u.session_id, s.project, s.source FROM usage_daily AS u"
                f" JOIN sessions AS s ON s.id = u.session_id WHERE {where_cut}",
                (*params, day),
            ).fetchall()
            for session_id, project_of, source_of in active:
                keys[session_id] = maybe_from_db(project_of if group_by == "project" else source_of)
            events = conn.execute(
                "SELECT session_id, kind, meta, created_at FROM events"
                " WHERE session_id = ANY(%s::bigint[]) AND created_at >= %s AND created_at < %s",
                ([row[0] for row in active], start, stop),
            ).fetchall()
            add_cut_events(totals, group_by, events, keys.__getitem__)
    return totals.rows(group_by)
