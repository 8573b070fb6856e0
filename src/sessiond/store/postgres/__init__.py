"""The PostgreSQL store: several machines, one history (`store.py`).

psycopg 3 is an optional dependency (`pip install 'sessiond[postgres]'`),
imported only when a `postgresql://` URI is opened.
"""

from __future__ import annotations

from sessiond.errors import StorageError
from sessiond.store.base import Store
from sessiond.store.postgres.uri import redact


def open_postgres(
    uri: str, *, max_text_bytes: int, read_only: bool = False, keep_secrets: bool | None = None
) -> Store:
    """The store on the PostgreSQL server `uri` names, connected and migrated
    (unless `read_only`). Every text is redacted before it is stored unless
    `keep_secrets` (`store.checks.redactor`). Raises StorageError (or a subclass) saying why when
    it cannot be opened, naming the extra to install when psycopg is missing."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise StorageError(
            f"--db names a PostgreSQL server ({redact(uri)}), and this sessiond was installed "
            "without PostgreSQL support; install it with: pip install 'sessiond[postgres]'"
        ) from None
    from sessiond.store.postgres.store import PostgresStore

    return PostgresStore(
        uri, max_text_bytes=max_text_bytes, read_only=read_only, keep_secrets=keep_secrets
    )
