"""Reading rows of the SQLite schema into the store's records."""

from __future__ import annotations

from sessiond.store.checks import SQL_INT_MAX, storable
from sessiond.store.rows import SESSION_COLUMNS, SESSION_FIELDS, session_row

__all__ = ["SESSION_COLUMNS", "SESSION_FIELDS", "SQL_INT_MAX", "session_row", "storable"]
