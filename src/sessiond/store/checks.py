"""Rules every store applies the same way before it writes, and the bounds
of search shared by every engine."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from sessiond.errors import InvalidParams, PayloadTooLarge, SessiondError, SessionNotFound
from sessiond.models import EVENT_KINDS, Appended, Meta
from sessiond.store.base import ImportedEvent, ImportedSession

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


def utf8_size(text: str) -> int:
    """How many bytes `text` is as UTF-8 (UnicodeEncodeError for a lone
    surrogate). An ASCII text (a flag every str carries) is not encoded."""
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def check_text(text: str, max_bytes: int, field: str = "text") -> None:
    """Refuse text that cannot be stored as UTF-8 or is over `max_bytes`."""
    try:
        size = utf8_size(text)
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


Redact = Callable[[str], str]


def keep(text: str) -> str:
    """The redaction of a store started with --keep-secrets: none."""
    return text


def redactor(keep_secrets: bool | None) -> Redact:
    """What every text passes through before it is stored: `store.redact`,
    unless secrets are kept (`--keep-secrets`, or SESSIOND_KEEP_SECRETS=1
    when not said)."""
    if keep_secrets is None:
        keep_secrets = os.environ.get("SESSIOND_KEEP_SECRETS", "") == "1"
    if keep_secrets:
        return keep
    return _redact_when_needed


_loaded: Redact | None = None


def _redact_when_needed(text: str) -> str:
    """`store.redact.redact`, imported at the first text stored: compiling its
    patterns would cost a command that only reads (`ls`, `show`) tens of ms."""
    global _loaded
    if _loaded is None:
        from sessiond.store.redact import redact

        _loaded = redact
    return _loaded(text)


def clean_meta(meta: Meta | None, redact: Redact) -> Meta | None:
    """An event's meta with its strings (model, tool) redacted."""
    if not meta:
        return meta
    changed = None
    for key in ("model", "tool"):
        value = meta.get(key)
        if isinstance(value, str):
            clean = redact(value)
            if clean is not value:
                changed = changed or dict(meta)
                changed[key] = clean[:256]
    return meta if changed is None else changed


def clean_items(items: Sequence[tuple[Any, ...]], redact: Redact) -> list[tuple[Any, ...]]:
    """A batch of appends with every text and meta string redacted."""
    if redact is keep:
        return list(items)
    out = []
    for item in items:
        text = item[2]
        clean = redact(text) if isinstance(text, str) else text
        meta = clean_meta(item[3], redact) if len(item) > 3 else None
        if clean is text and (len(item) < 4 or meta is item[3]):
            out.append(item)
        else:
            out.append((item[0], item[1], clean, meta))
    return out


def clean_events(events: Sequence[ImportedEvent], redact: Redact) -> Sequence[ImportedEvent]:
    """Imported events with their texts and meta strings redacted."""
    if redact is keep:
        return events
    out: list[ImportedEvent] = []
    for event in events:
        text = redact(event.text)
        meta = clean_meta(event.meta, redact)
        if text is event.text and meta is event.meta:
            out.append(event)
        else:
            out.append(attrs.evolve(event, text=text, meta=meta))
    return out


def clean_session(session: ImportedSession, redact: Redact) -> ImportedSession:
    """An imported session with its title redacted (a secret pasted into a
    first prompt becomes a title too)."""
    if session.title is None or redact is keep:
        return session
    title = redact(session.title)
    return session if title is session.title else attrs.evolve(session, title=title[:256])


def bare_url(url: str | None) -> str | None:
    """An engine URL as it is stored: without user, password, query or
    fragment (the contract: a credential in it is never kept)."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url.split("?", 1)[0].split("#", 1)[0]
    if parts.username is None and parts.password is None and not parts.query and not parts.fragment:
        return url
    netloc = host if port is None else f"{host}:{port}"
    if ":" in host:  # an IPv6 address
        netloc = f"[{host}]" + ("" if port is None else f":{port}")
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


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
