"""The SQLite store (no pygls here). See `store.Store` for its contract."""

from sessiond.store.files import describe_sqlite_error
from sessiond.store.migrations import LATEST_VERSION, MIGRATIONS, Migration
from sessiond.store.store import MEMORY, Store, check_text

__all__ = [
    "LATEST_VERSION",
    "MEMORY",
    "MIGRATIONS",
    "Migration",
    "Store",
    "check_text",
    "describe_sqlite_error",
]
