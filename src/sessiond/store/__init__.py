"""The store: its interface (`base.Store`), the SQLite and PostgreSQL
implementations beside it, and the search query language they share.

`open_store(db)` picks the implementation from `--db`: a
`postgresql://` (or `postgres://`) URI is a PostgreSQL server, anything else
a SQLite file path (or `:memory:`). Nothing above this package knows which
one it talks to.
"""

from __future__ import annotations

from sessiond import DEFAULT_MAX_TEXT_BYTES
from sessiond.models import UsageRow
from sessiond.store.base import (
    Added,
    AppendItem,
    Change,
    Changed,
    Feed,
    ImportedEvent,
    ImportedSession,
    Started,
    Store,
)
from sessiond.store.checks import check_text
from sessiond.store.sqlite.store import MEMORY, SqliteStore

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(db: str) -> bool:
    return db.startswith(POSTGRES_SCHEMES)


def open_store(
    db: str,
    *,
    max_text_bytes: int = DEFAULT_MAX_TEXT_BYTES,
    read_only: bool = False,
    keep_secrets: bool | None = None,
) -> Store:
    """The store `db` names, opened (and migrated, unless `read_only`).

    Credentials in every text are redacted before they are stored, unless
    `keep_secrets` (default: SESSIOND_KEEP_SECRETS=1).

    Raises a `sessiond.errors.StorageError` (or a subclass) saying why when
    it cannot be opened.
    """
    if is_postgres(db):
        from sessiond.store.postgres import open_postgres

        return open_postgres(
            db, max_text_bytes=max_text_bytes, read_only=read_only, keep_secrets=keep_secrets
        )
    return SqliteStore(
        db, max_text_bytes=max_text_bytes, read_only=read_only, keep_secrets=keep_secrets
    )


__all__ = [
    "MEMORY",
    "Added",
    "AppendItem",
    "Change",
    "Changed",
    "Feed",
    "ImportedEvent",
    "ImportedSession",
    "SqliteStore",
    "Started",
    "Store",
    "UsageRow",
    "check_text",
    "is_postgres",
    "open_store",
]
