"""A Session read from a row, as both stores select it (the same SQL on each)."""

from __future__ import annotations

from collections.abc import Callable

from sessiond.models import Session, rfc3339

# A Session's columns, from `sessions AS s` and its parent `p`.
SESSION_FIELDS = """
    s.id, s.ulid, s.started_at, s.ended_at, s.engine_base_url, s.cli_version,
    p.ulid, s.event_count, s.title, s.preview, s.deleted_at
"""
SESSION_COLUMNS = f"""{SESSION_FIELDS}
    FROM sessions AS s LEFT JOIN sessions AS p ON p.id = s.parent_id
"""


def _stamp(ms: object) -> str | None:
    return None if ms is None else rfc3339(ms)  # type: ignore[arg-type]


def _same(value: str) -> str:
    return value


def session_row(row: tuple[object, ...], text: Callable[[str], str] = _same) -> Session:
    """A Session from the columns of SESSION_COLUMNS, in order; `text` reads
    a stored string back (PostgreSQL stores some characters escaped)."""

    def maybe(value: object) -> str | None:
        return None if value is None else text(value)  # type: ignore[arg-type]

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
    )
