"""The wire types: params and results of every method, camelCase on the wire.

`METHODS` is the one table of method -> params type -> result type that the
server dispatches on, protocol.md documents and the editors mirror. Params
are structured with a cattrs converter whose hooks are strict: JSON `true`,
`1.5` or `"3"` are not integers, numbers are not strings. Every refusal is an
`InvalidParams` whose message names the field as the client spelled it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from sessiond.errors import InvalidParams
from sessiond.models import EVENT_KINDS, Appended, Event, Hit, Session

T = TypeVar("T")

MAX_LIMIT = 10_000
_ULID_CHARS = re.compile(r"[0-9A-Za-z_-]{1,64}")


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def describe(value: object) -> str:
    """How a JSON value reads in an error message."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, float):
        return f"the number {value!r}"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return repr(value)


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


def parse_time(value: str, field: str) -> int:
    """Milliseconds since the epoch of an RFC 3339 time, or InvalidParams."""
    import datetime

    try:
        # Python 3.11 reads RFC 3339 ('Z', offsets, any fraction).
        when = datetime.datetime.fromisoformat(value)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or len(value) < 20:
        raise InvalidParams(
            f"'{field}' must be an RFC 3339 time with a zone, e.g. "
            f"2026-11-25T04:26:05.123Z; got {describe(value)}"
        )
    return int(when.timestamp() * 1000)


def _time(_inst: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        parse_time(value, camel(attribute.name))


@attrs.frozen
class StartParams:
    cli_version: str = attrs.field(validator=_length(1, 256))
    ulid: str | None = attrs.field(default=None, validator=_ulid_shape)
    engine_base_url: str | None = attrs.field(default=None, validator=_length(0, 2048))
    parent_ulid: str | None = attrs.field(default=None, validator=_ulid_shape)


@attrs.frozen
class SessionIdParams:
    session_id: int = attrs.field(validator=_positive)


@attrs.frozen
class AppendParams:
    session_id: int = attrs.field(validator=_positive)
    kind: str = attrs.field(validator=_kind)
    # Size and encodability are checked by the store against maxTextBytes.
    text: str = attrs.field()


@attrs.frozen
class EventsParams:
    session_id: int = attrs.field(validator=_positive)
    limit: int = attrs.field(validator=_limit)
    before_seq: int | None = attrs.field(default=None, validator=_int_range(1))


@attrs.frozen
class ListParams:
    limit: int = attrs.field(validator=_limit)
    deleted: bool = False


@attrs.frozen
class SearchParams:
    query: str = attrs.field(validator=_length(1, 1000))
    limit: int = attrs.field(validator=_limit)
    session_id: int | None = attrs.field(default=None, validator=_int_range(1))
    kinds: list[str] | None = attrs.field(default=None, validator=_kinds)
    since: str | None = attrs.field(default=None, validator=_time)
    until: str | None = attrs.field(default=None, validator=_time)


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
class CountResult:
    count: int


@attrs.frozen
class MilestoneValue:
    value: str | None


@attrs.frozen
class Method:
    """One row of the method table."""

    name: str
    params: type
    result: str  # as protocol.md names it
    summary: str


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("session/start", StartParams, "Session", "start a session"),
        Method("session/end", SessionIdParams, "Session", "end a session (idempotent)"),
        Method("session/append", AppendParams, "{seq, createdAt}", "append an event"),
        Method(
            "session/events", EventsParams, "{events: Event[]}", "the newest events, oldest first"
        ),
        Method(
            "session/list",
            ListParams,
            "{sessions: Session[]}",
            "sessions, newest first; the trash with `deleted`",
        ),
        Method("session/get", GetParams, "Session | null", "a session by ulid"),
        Method("session/count", SessionIdParams, "{count}", "a session's event count"),
        Method("session/last", NoParams, "Session | null", "the newest session"),
        Method("milestone/set", MilestoneSetParams, "null", "set a milestone"),
        Method("milestone/get", MilestoneGetParams, "{value: str | null}", "read a milestone"),
        Method("session/search", SearchParams, "{hits: Hit[]}", "full-text search, best first"),
        Method("session/rename", RenameParams, "Session", "set or clear a session's title"),
        Method("session/delete", SessionIdParams, "Session", "move a session to the trash"),
        Method("session/restore", SessionIdParams, "Session", "bring a session back"),
        Method("session/subscribe", NoParams, "null", "receive every change as notifications"),
        Method("session/unsubscribe", NoParams, "null", "stop the notifications"),
        Method(
            "chat/send",
            ChatSendParams,
            "{prompt: {seq, createdAt}, reply: {seq, createdAt}}",
            "append a prompt and the engine's streamed reply",
        ),
    )
}


@attrs.frozen
class Notification:
    """One row of the notification table (server to client)."""

    name: str
    params: str  # as protocol.md names them
    summary: str


NOTIFICATIONS: dict[str, Notification] = {
    n.name: n
    for n in (
        Notification("session/didStart", "{session}", "a session was started"),
        Notification(
            "session/didAppend",
            "{event}",
            "an event was appended (once per event, in seq order within a session)",
        ),
        Notification(
            "session/didChange", "{session}", "a session was ended, renamed, deleted or restored"
        ),
        Notification(
            "chat/delta",
            "{sessionId, promptSeq, text}",
            "the new part of a reply streaming for this client's chat/send",
        ),
    )
}


# The converter


def _strict(expected: type, words: str) -> Callable[[Any, type], Any]:
    def hook(value: Any, _type: type) -> Any:
        # `type(...) is` on purpose: bool is a subclass of int.
        if type(value) is not expected:
            raise TypeError(f"must be {words}; got {describe(value)}")
        return value

    return hook


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False, detailed_validation=True)
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))

    def structure_factory(cls: type) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_structure_fn(cls, converter, **renames)

    def unstructure_factory(cls: type) -> Any:
        renames: dict[str, Any] = {
            a.name: override(rename=camel(a.name)) for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, converter, **renames)

    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return converter


CONVERTER = make_converter()


def _first_problem(exc: BaseException) -> str:
    """The first refusal in a cattrs error tree, as a sentence."""
    if isinstance(exc, InvalidParams):
        return exc.message
    if isinstance(exc, ClassValidationError):
        with_notes, others = exc.group_exceptions()
        for inner, note in with_notes:
            name = camel(note.name)
            if isinstance(inner, InvalidParams):
                return inner.message
            if isinstance(inner, KeyError):
                return f"'{name}' is required"
            if isinstance(inner, ClassValidationError):
                return _first_problem(inner)
            return f"'{name}' {inner}"
        for inner in others:
            return _first_problem(inner)
    if isinstance(exc, ForbiddenExtraKeysError):
        return str(exc)
    return str(exc)


def structure_params(method: Method, params: Any) -> Any:
    """Typed params for `method`, or InvalidParams saying what is wrong.

    A missing `params` (None) reads as `{}`: a method whose params are all
    optional answers it, the others name their first required field.
    """
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParams(f"{method.name}: params must be an object; got {describe(params)}")
    try:
        return CONVERTER.structure(params, method.params)
    except InvalidParams as exc:
        raise InvalidParams(f"{method.name}: {exc.message}") from None
    except (ClassValidationError, ForbiddenExtraKeysError) as exc:
        raise InvalidParams(f"{method.name}: {_first_problem(exc)}") from None


def unstructure(value: Any) -> Any:
    """Plain JSON values (camelCase keys) for a result."""
    if value is None:
        return None
    return CONVERTER.unstructure(value)


__all__ = [
    "METHODS",
    "NOTIFICATIONS",
    "AppendParams",
    "Appended",
    "CountResult",
    "EventsResult",
    "ListResult",
    "Method",
    "MilestoneValue",
    "SearchResult",
    "structure_params",
    "unstructure",
]
