"""`stats/usage` on SQLite: the daily usage table, and the events of cut days."""

from __future__ import annotations

import sqlite3

from sessiond.models import UsageRow
from sessiond.store.rows import session_filter
from sessiond.store.stats import add_cut_events, collect, day_spans, key_column


def usage(
    conn: sqlite3.Connection,
    group_by: str,
    since: int | None,
    until: int | None,
    project: str | None,
    source: str | None,
) -> list[UsageRow]:
    (first, end), cut = day_spans(since, until)
    sql, params = session_filter(project, source)
    sql.insert(0, "s.deleted_at IS NULL")
    days: list[str] = []
    bounds: list[object] = []
    if first is not None:
        days.append("u.day >= ?")
        bounds.append(first)
    if end is not None:
        days.append("u.day < ?")
        bounds.append(end)
    where = " AND ".join(sql + days)
    key = key_column(group_by)
    source_sql = f"FROM usage_daily AS u JOIN sessions AS s ON s.id = u.session_id WHERE {where}"
    conn.execute("BEGIN")
    try:
        whole = conn.execute(
            f"SELECT {key}, sum(u.prompts), sum(u.replies), sum(u.input), sum(u.output),"
            f" sum(u.cache_read), sum(u.cache_write) {source_sql} GROUP BY 1",
            (*params, *bounds),
        ).fetchall()
        pairs = conn.execute(
            f"SELECT DISTINCT {key}, u.session_id {source_sql}", (*params, *bounds)
        ).fetchall()
        totals = collect(group_by, whole, pairs)
        keys: dict[int, object] = {}
        for day, start, stop in cut:
            where_cut = " AND ".join([*sql, "u.day = ?"])
            active = conn.execute(
                "SELECT u.session_id, s.project, s.source FROM usage_daily AS u"
                f" JOIN sessions AS s ON s.id = u.session_id WHERE {where_cut}"
                " GROUP BY u.session_id",
                (*params, day),
            ).fetchall()
            for session_id, project_of, source_of in active:
                keys[session_id] = project_of if group_by == "project" else source_of
            ids = [row[0] for row in active]
            events = []
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                events += conn.execute(
                    "SELECT session_id, kind, meta, created_at FROM events"
                    f" WHERE session_id IN ({', '.join('?' * len(chunk))})"
                    " AND created_at >= ? AND created_at < ?",
                    (*chunk, start, stop),
                ).fetchall()
            add_cut_events(totals, group_by, events, lambda sid: keys[sid])  # type: ignore[arg-type,return-value]
    finally:
        conn.execute("COMMIT")
    return totals.rows(group_by)
