"""Rules every store applies the same way before it writes, and the bounds
of search shared by every engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sessiond.errors import InvalidParams, PayloadTooLarge, SessiondError, SessionNotFound
from sessiond.models import EVENT_KINDS, Appended

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


def screen(
    items: Sequence[tuple[Any, ...]], max_bytes: int
) -> tuple[list[Appended | Exception], list[int]]:
    """The first step of every group append: each item refused for its own
    reason (kind, text, an id no store can hold) gets its error in the
    outcomes; the indexes of the others, still to be written, are returned."""
    outcomes: list[Appended | Exception] = []
    pending: list[int] = []
    for item in items:
        session_id, kind, text = item[0], item[1], item[2]
        try:
            check_kind(kind)
            check_text(text, max_bytes)
            if not storable(session_id):
                raise SessionNotFound(f"no session has the id {session_id}")
        except SessiondError as exc:
            outcomes.append(exc)
            continue
        pending.append(len(outcomes))
        outcomes.append(Appended(0, ""))
    return outcomes, pending
