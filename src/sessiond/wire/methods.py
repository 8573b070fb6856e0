"""The contract's method and notification tables, shared by both sides.

`METHODS` is the one table of method -> params type -> result that the
daemon serves (`daemon.methods` says how each is served), protocol.md
documents and the editors mirror; `NOTIFICATIONS` the same for what the
server sends. `structure_params` reads a method's params or says, in an
`InvalidParams`, what is wrong with them.
"""

from __future__ import annotations

from typing import Any

import attrs
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError

from sessiond.errors import InvalidParams
from sessiond.wire.convert import CONVERTER, describe, first_problem
from sessiond.wire.params import (
    AppendParams,
    ChatSendParams,
    EventsParams,
    GetParams,
    ListParams,
    MilestoneGetParams,
    MilestoneSetParams,
    NoParams,
    RenameParams,
    SearchParams,
    SessionIdParams,
    StartParams,
)


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
        raise InvalidParams(f"{method.name}: {first_problem(exc)}") from None
