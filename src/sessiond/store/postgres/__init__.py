"""The PostgreSQL store (being built; see issue 15)."""

from __future__ import annotations

from sessiond.errors import StorageError
from sessiond.store.base import Store


def open_postgres(uri: str, *, max_text_bytes: int, read_only: bool = False) -> Store:
    raise StorageError("PostgreSQL stores are not supported by this sessiond yet")
