"""Rules every store applies the same way before it writes, and the bounds
of search shared by every engine."""

from __future__ import annotations

from sessiond.errors import InvalidParams, PayloadTooLarge
from sessiond.models import EVENT_KINDS

# Ids and seqs are 64-bit integers in every store: none is outside this range.
SQL_INT_MAX = 2**63 - 1

# Search ranks the newest WINDOW matches (after the filters); a term in more
# than COMMON events matches but is left out of the rank (store.sqlite.search).
WINDOW = 2_000
COMMON = 10_000

_KINDS = frozenset(EVENT_KINDS)


def storable(value: int) -> bool:
    return -SQL_INT_MAX - 1 <= value <= SQL_INT_MAX


def check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise InvalidParams(f"'kind' must be one of {', '.join(EVENT_KINDS)}; got {kind!r}")


def check_text(text: str, max_bytes: int, field: str = "text") -> None:
    """Refuse text that cannot be stored as UTF-8 or is over `max_bytes`."""
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise InvalidParams(
            f"'{field}' is not valid Unicode: it holds a lone surrogate at position "
            f"{exc.start}, which cannot be stored as UTF-8"
        ) from None
    if size > max_bytes:
        raise PayloadTooLarge(
            f"'{field}' is {size} bytes as UTF-8, over this server's limit of "
            f"{max_bytes} bytes (maxTextBytes)"
        )
