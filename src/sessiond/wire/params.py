"""The params and results of every contract method, as typed classes.

snake_case here, camelCase on the wire (`wire.convert`). Validators run when
a class is structured, so a structured params object is a checked one; every
refusal is an `InvalidParams` whose message names the field as the client
spelled it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import attrs

from sessiond.errors import InvalidParams
from sessiond.models import (
    EVENT_KINDS,
    META_KEYS,
    USAGE_KEYS,
    Event,
    Found,
    Hit,
    Meta,
    Session,
    UsageRow,
)
from sessiond.wire.convert import camel, describe, parse_time

MAX_LIMIT = 10_000
_ULID_CHARS = re.compile(r"[0-9A-Za-z_-]{1,64}")

# Validators: attrs runs them in __init__, so structuring a class checks it.


def _int_range(
    low: int, high: int | None = None
) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
        if value is None:
            return
        if value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise InvalidParams(
                f"'{camel(attribute.name)}' must be an integer {bounds}; got {value}"
            )

    return check


def _length(low: int, high: int) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is None:
            return
        if not low <= len(value) <= high:
            raise InvalidParams(
                f"'{camel(attribute.name)}' must be {low} to {high} characters long; "
                f"got {len(value)}"
            )
        _check_encodable(attribute, value)

    return check


def _check_encodable(attribute: attrs.Attribute[Any], value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidParams(
            f"'{camel(attribute.name)}' is not valid Unicode: it holds a lone surrogate "
            f"at position {exc.start}"
        ) from None


def _ulid_shape(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not _ULID_CHARS.fullmatch(value):
        raise InvalidParams(
            f"'{camel(attribute.name)}' must be 1 to 64 characters of 0-9, A-Z, a-z, '_' "
            f"and '-'; got {describe(value)}"
        )


def _kind(_inst: Any, _attribute: attrs.Attribute[Any], value: str) -> None:
    if value not in EVENT_KINDS:
        raise InvalidParams(
            f"'kind' must be one of {', '.join(EVENT_KINDS)}; got {describe(value)}"
        )


_positive = _int_range(1)
_limit = _int_range(0, MAX_LIMIT)


def _kinds(_inst: Any, attribute: attrs.Attribute[Any], value: list[str] | None) -> None:
    for kind in value or ():
        if kind not in EVENT_KINDS:
            raise InvalidParams(
                f"'{camel(attribute.name)}' may hold only {', '.join(EVENT_KINDS)}; "
                f"got {describe(kind)}"
            )


def _time(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        parse_time(value, camel(attribute.name))


MAX_META_BYTES = 4096
ORDERS = ("started", "activity")
GROUPS = ("day", "model", "project", "source")


def check_meta(value: object, field: str = "meta") -> Meta | None:
    """`value` when it is an Event's meta as the contract allows, else
    InvalidParams saying what is wrong (version 3)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidParams(f"'{field}' must be an object or null; got {describe(value)}")
    for key, item in value.items():
        if key not in META_KEYS:
            raise InvalidParams(
                f"'{field}' may hold only {', '.join(META_KEYS)}; got the key {describe(key)}"
            )
        if key in ("model", "tool"):
            if type(item) is not str or not 1 <= len(item) <= 256:
                raise InvalidParams(
                    f"'{field}.{key}' must be a string of 1 to 256 characters; got {describe(item)}"
                )
        elif key == "isError":
            if type(item) is not bool:
                raise InvalidParams(
                    f"'{field}.isError' must be true or false; got {describe(item)}"
                )
        elif not isinstance(item, dict):
            raise InvalidParams(f"'{field}.usage' must be an object; got {describe(item)}")
        else:
            for name, count in item.items():
                if name not in USAGE_KEYS:
                    raise InvalidParams(
                        f"'{field}.usage' may hold only {', '.join(USAGE_KEYS)}; "
                        f"got the key {describe(name)}"
                    )
                if type(count) is not int or not 0 <= count < 2**53:
                    raise InvalidParams(
                        f"'{field}.usage.{name}' must be an integer of at least 0; "
                        f"got {describe(count)}"
                    )
    try:
        size = len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidParams(f"'{field}' is not valid Unicode: it holds a lone surrogate") from None
    if size > MAX_META_BYTES:
        raise InvalidParams(
            f"'{field}' is {size} bytes as JSON, over the limit of {MAX_META_BYTES} bytes"
        )
    return value or None


def _meta(_inst: Any, attribute: attrs.Attribute[Any], value: object) -> None:
    check_meta(value, camel(attribute.name))


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    def check(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is not None and value not in choices:
            raise InvalidParams(
                f"'{camel(attribute.name)}' must be one of "
                f"{', '.join(repr(c) for c in choices)}; got {describe(value)}"
            )

    return check


_WINDOWS_ROOT = re.compile(r"[A-Za-z]:[\\/]|\\\\")


def _folder(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """A project filter: an absolute path (a trailing separator is ignored)."""
    if value is None:
        return
    _length(1, 4096)(_inst, attribute, value)
    if not (value.startswith("/") or _WINDOWS_ROOT.match(value)):
        raise InvalidParams(
            f"'{camel(attribute.name)}' must be an absolute path (a folder); got {describe(value)}"
        )


@attrs.frozen
class StartParams:
    cli_version: str = attrs.field(validator=_length(1, 256))
    ulid: str | None = attrs.field(default=None, validator=_ulid_shape)
    engine_base_url: str | None = attrs.field(default=None, validator=_length(0, 2048))
    parent_ulid: str | None = attrs.field(default=None, validator=_ulid_shape)
    # Version 3: where the session is held.
    source: str | None = attrs.field(default=None, validator=_length(1, 256))
    source_id: str | None = attrs.field(default=None, validator=_length(1, 256))
    project: str | None = attrs.field(default=None, validator=_length(1, 4096))
    branch: str | None = attrs.field(default=None, validator=_length(1, 256))


@attrs.frozen
class SessionIdParams:
    session_id: int = attrs.field(validator=_positive)


@attrs.frozen
class AppendParams:
    session_id: int = attrs.field(validator=_positive)
    kind: str = attrs.field(validator=_kind)
    # Size and encodability are checked by the store against maxTextBytes.
    text: str = attrs.field()
    meta: dict[str, Any] | None = attrs.field(default=None, validator=_meta)


@attrs.frozen
class EventsParams:
    session_id: int = attrs.field(validator=_positive)
    limit: int = attrs.field(validator=_limit)
    before_seq: int | None = attrs.field(default=None, validator=_int_range(1))


@attrs.frozen
class ListParams:
    limit: int = attrs.field(validator=_limit)
    deleted: bool = False
    project: str | None = attrs.field(default=None, validator=_folder)
    source: str | None = attrs.field(default=None, validator=_length(1, 256))
    order_by: str = attrs.field(default="started", validator=_one_of(ORDERS))


@attrs.frozen
class SearchParams:
    query: str = attrs.field(validator=_length(1, 1000))
    limit: int = attrs.field(validator=_limit)
    session_id: int | None = attrs.field(default=None, validator=_int_range(1))
    kinds: list[str] | None = attrs.field(default=None, validator=_kinds)
    since: str | None = attrs.field(default=None, validator=_time)
    until: str | None = attrs.field(default=None, validator=_time)
    project: str | None = attrs.field(default=None, validator=_folder)
    source: str | None = attrs.field(default=None, validator=_length(1, 256))


@attrs.frozen
class FindParams:
    query: str = attrs.field(validator=_length(1, 1000))
    limit: int = attrs.field(default=20, validator=_int_range(1, 100))
    project: str | None = attrs.field(default=None, validator=_folder)
    source: str | None = attrs.field(default=None, validator=_length(1, 256))
    since: str | None = attrs.field(default=None, validator=_time)
    until: str | None = attrs.field(default=None, validator=_time)
    #: By words alone, even when the server can search by meaning.
    words: bool = False


@attrs.frozen
class FindResult:
    results: list[Found]
    relaxed: bool


@attrs.frozen
class StatsParams:
    group_by: str = attrs.field(validator=_one_of(GROUPS))
    since: str | None = attrs.field(default=None, validator=_time)
    until: str | None = attrs.field(default=None, validator=_time)
    project: str | None = attrs.field(default=None, validator=_folder)
    source: str | None = attrs.field(default=None, validator=_length(1, 256))


@attrs.frozen
class RenameParams:
    session_id: int = attrs.field(validator=_positive)
    # Required, and null clears the title.
    title: str | None = attrs.field(validator=_length(1, 256))


@attrs.frozen
class GetParams:
    ulid: str = attrs.field(validator=_ulid_shape)


@attrs.frozen
class NoParams:
    pass


@attrs.frozen
class MilestoneSetParams:
    key: str = attrs.field(validator=_length(1, 256))
    # Size and encodability are checked by the store against maxTextBytes.
    value: str = attrs.field()


@attrs.frozen
class MilestoneGetParams:
    key: str = attrs.field(validator=_length(1, 256))


@attrs.frozen
class ChatSendParams:
    session_id: int = attrs.field(validator=_positive)
    # Size and encodability are checked by the store against maxTextBytes.
    text: str = attrs.field()
    model: str | None = attrs.field(default=None, validator=_length(1, 256))


@attrs.frozen
class EventsResult:
    events: list[Event]


@attrs.frozen
class ListResult:
    sessions: list[Session]


@attrs.frozen
class SearchResult:
    hits: list[Hit]


@attrs.frozen
class StatsResult:
    rows: list[UsageRow]


@attrs.frozen
class CountResult:
    count: int


@attrs.frozen
class MilestoneValue:
    value: str | None
