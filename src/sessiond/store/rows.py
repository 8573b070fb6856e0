"""Records read from rows, as both stores select them (the same SQL on each).

Version 3 keeps with each session what listing shows, so that a list stays
one read: its last activity, its token sums (four columns, all NULL while no
event has usage) and its models (JSON: model -> how many events name it).
An event's `meta` is stored as compact JSON, NULL when it has none.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from sessiond.models import Event, Meta, Session, Usage, rfc3339

# A Session's columns, from `sessions AS s` and its parent `p`.
SESSION_FIELDS = """
    s.id, s.ulid, s.started_at, s.ended_at, s.engine_base_url, s.cli_version,
    p.ulid, s.event_count, s.title, s.preview, s.deleted_at,
    s.source, s.source_id, s.project, s.branch, coalesce(s.last_activity_at, s.started_at),
    s.usage_input, s.usage_output, s.usage_cache_read, s.usage_cache_write, s.models
"""
SESSION_COLUMNS = f"""{SESSION_FIELDS}
    FROM sessions AS s LEFT JOIN sessions AS p ON p.id = s.parent_id
"""
#: How many columns SESSION_FIELDS selects (a row of more holds other columns after).
SESSION_WIDTH = 21


def _stamp(ms: object) -> str | None:
    return None if ms is None else rfc3339(ms)  # type: ignore[arg-type]


def _same(value: str) -> str:
    return value


def models_list(stored: object) -> list[str]:
    """The models of a session, the most used first (ties by name)."""
    if not stored:
        return []
    counts: dict[str, int] = json.loads(stored) if isinstance(stored, str) else stored  # type: ignore[assignment]
    return [m for m, _ in sorted(counts.items(), key=lambda mc: (-mc[1], mc[0]))]


def session_row(row: tuple[object, ...], text: Callable[[str], str] = _same) -> Session:
    """A Session from the columns of SESSION_COLUMNS, in order; `text` reads
    a stored string back (PostgreSQL stores some characters escaped)."""

    def maybe(value: object) -> str | None:
        return None if value is None else text(value)  # type: ignore[arg-type]

    usage = None
    if row[16] is not None:
        usage = Usage(row[16], row[17], row[18], row[19])  # type: ignore[arg-type]
    return Session(
        id=row[0],  # type: ignore[arg-type]
        ulid=text(row[1]),  # type: ignore[arg-type]
        started_at=rfc3339(row[2]),  # type: ignore[arg-type]
        ended_at=_stamp(row[3]),
        engine_base_url=maybe(row[4]),
        cli_version=text(row[5]),  # type: ignore[arg-type]
        parent_ulid=maybe(row[6]),
        event_count=row[7],  # type: ignore[arg-type]
        title=maybe(row[8]),
        preview=maybe(row[9]),
        deleted_at=_stamp(row[10]),
        source=maybe(row[11]),
        source_id=maybe(row[12]),
        project=maybe(row[13]),
        branch=maybe(row[14]),
        last_activity_at=rfc3339(row[15]),  # type: ignore[arg-type]
        usage=usage,
        models=models_list(row[20]),
    )


def meta_json(meta: Meta | None) -> str | None:
    """How an event's meta is stored."""
    if not meta:
        return None
    return _COMPACT.encode(meta)


# json.dumps with options makes an encoder each call: a third of its time here.
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def read_meta(stored: object) -> Meta | None:
    if stored is None:
        return None
    if isinstance(stored, str):
        value: Meta = json.loads(stored)
        return value
    return stored  # type: ignore[return-value]


def event_row(
    session_id: int, row: tuple[object, ...], text: Callable[[str], str] = _same
) -> Event:
    """An Event from (seq, kind, text, created_at, meta)."""
    seq, kind, body, created, meta = row
    return Event(
        session_id,
        seq,  # type: ignore[arg-type]
        kind,  # type: ignore[arg-type]
        text(body),  # type: ignore[arg-type]
        rfc3339(created),  # type: ignore[arg-type]
        read_meta(meta),
    )


def folder_filter(column: str, folder: str, ph: str = "?") -> tuple[str, list[object]]:
    """SQL (with `ph` placeholders) for "`column` is `folder` or a folder
    under it": an index range per separator, never LIKE (its wildcards). A
    trailing separator of `folder` is ignored; "/" matches every absolute
    path. (PostgreSQL passes a column with COLLATE "C": ranges are bytes.)"""
    base = folder.rstrip("/\\")
    if not base:  # the root
        return f"({column} >= {ph} AND {column} < {ph})", ["/", "0"]
    return (
        f"({column} = {ph} OR ({column} >= {ph} AND {column} < {ph})"
        f" OR ({column} >= {ph} AND {column} < {ph}))",
        [base, base + "/", base + "0", base + "\\", base + "]"],
    )


def session_filter(
    project: str | None, source: str | None, ph: str = "?", project_column: str = "s.project"
) -> tuple[list[str], list[object]]:
    """The conditions on `sessions AS s` of the v3 filters, and their values."""
    sql: list[str] = []
    params: list[object] = []
    if project is not None:
        condition, values = folder_filter(project_column, project, ph)
        sql.append(condition)
        params.extend(values)
    if source is not None:
        sql.append(f"s.source = {ph}")
        params.append(source)
    return sql, params


def list_filter(
    deleted: bool,
    project: str | None,
    source: str | None,
    ph: str = "?",
    project_column: str = "s.project",
) -> tuple[str, list[object]]:
    """WHERE of `session/list` (and its count) on `sessions AS s`."""
    sql, params = session_filter(project, source, ph, project_column)
    sql.insert(0, "s.deleted_at IS NOT NULL" if deleted else "s.deleted_at IS NULL")
    return " AND ".join(sql), params


def list_order(deleted: bool, order_by: str) -> str:
    """ORDER BY of `session/list`: the trash by when it was trashed, else by
    start or by last activity, newest first, ties by id."""
    if deleted:
        return "s.deleted_at DESC, s.id DESC"
    if order_by == "activity":
        return "s.last_activity_at DESC, s.id DESC"
    return "s.started_at DESC, s.id DESC"
