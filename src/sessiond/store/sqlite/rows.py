"""Reading rows of the SQLite schema into the store's records."""

from __future__ import annotations

from sessiond.models import Session, rfc3339
from sessiond.store.checks import SQL_INT_MAX, storable

__all__ = ["SESSION_COLUMNS", "SESSION_FIELDS", "SQL_INT_MAX", "session_row", "storable"]

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


def session_row(row: tuple[object, ...]) -> Session:
    """A Session from the columns of SESSION_COLUMNS, in order."""
    return Session(
        id=row[0],  # type: ignore[arg-type]
        ulid=row[1],  # type: ignore[arg-type]
        started_at=rfc3339(row[2]),  # type: ignore[arg-type]
        ended_at=_stamp(row[3]),
        engine_base_url=row[4],  # type: ignore[arg-type]
        cli_version=row[5],  # type: ignore[arg-type]
        parent_ulid=row[6],  # type: ignore[arg-type]
        event_count=row[7],  # type: ignore[arg-type]
        title=row[8],  # type: ignore[arg-type]
        preview=row[9],  # type: ignore[arg-type]
        deleted_at=_stamp(row[10]),
    )
