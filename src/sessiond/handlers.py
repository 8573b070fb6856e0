"""The contract's methods as plain functions over the store, and the append hot path.

No pygls and no SQL here: `server.py` dispatches to these, the store does the
work and raises the contract's errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sessiond.errors import InvalidParams
from sessiond.models import EVENT_KINDS
from sessiond.store import Store
from sessiond.wire import (
    METHODS,
    CountResult,
    EventsResult,
    ListResult,
    MilestoneValue,
    SearchParams,
    SearchResult,
    parse_time,
)

Id = int | str | None


def method_handlers(store: Store) -> dict[str, Callable[[Any], Any]]:
    """One function per contract method, typed params in, result out.

    All but `session/append`, which the server queues for group commit.
    Plain functions, not bound methods: pygls sets attributes on handlers.
    """
    return {
        "session/start": lambda p: store.start_session(
            p.cli_version, p.ulid, p.engine_base_url, p.parent_ulid
        ),
        "session/end": lambda p: store.end_session(p.session_id),
        "session/events": lambda p: EventsResult(store.events(p.session_id, p.limit, p.before_seq)),
        "session/list": lambda p: ListResult(store.list_sessions(p.limit, p.deleted)),
        "session/get": lambda p: store.get_session(p.ulid),
        "session/count": lambda p: CountResult(store.count(p.session_id)),
        "session/last": lambda _p: store.last_session(),
        "milestone/set": lambda p: store.set_milestone(p.key, p.value),
        "milestone/get": lambda p: MilestoneValue(store.get_milestone(p.key)),
        "session/search": lambda p: _search(store, p),
        "session/rename": lambda p: store.rename_session(p.session_id, p.title),
        "session/delete": lambda p: store.delete_session(p.session_id),
        "session/restore": lambda p: store.restore_session(p.session_id),
    }


def _search(store: Store, p: SearchParams) -> SearchResult:
    try:
        hits = store.search(
            p.query,
            p.limit,
            session_id=p.session_id,
            kinds=p.kinds,
            since=None if p.since is None else parse_time(p.since, "since"),
            until=None if p.until is None else parse_time(p.until, "until"),
        )
    except InvalidParams as exc:  # the query language's refusal, named as the others are
        raise InvalidParams(f"session/search: {exc.message}") from None
    return SearchResult(hits)


APPEND = "session/append"
APPEND_SPEC = METHODS[APPEND]
_KINDS = frozenset(EVENT_KINDS)

# What one queued append is: (sessionId, kind, text), as the store takes it.
AppendItem = tuple[int, str, str]


def plain_append(params: Any) -> AppendItem | None:
    """The fields of plainly valid `session/append` params, else None.

    The hot path of the daemon: the same checks as `wire.AppendParams`
    (an integer sessionId >= 1, not a bool; a known kind; a string text)
    without building a class per message. Anything else returns None and
    goes through the wire converter, which says what is wrong exactly as for
    every other method.
    """
    if type(params) is dict:
        session_id = params.get("sessionId")
        kind = params.get("kind")
        text = params.get("text")
        if (
            type(session_id) is int
            and session_id >= 1
            and type(kind) is str
            and kind in _KINDS
            and type(text) is str
        ):
            return (session_id, kind, text)
    return None


def append_answer(msg_id: Id, seq: int, created_at: str) -> bytes:
    """The JSON body answering one append, without a trip through json.dumps."""
    if type(msg_id) is int:
        # createdAt is RFC 3339 (ASCII digits, '-', ':', '.', 'T', 'Z'): no escaping.
        return b'{"jsonrpc":"2.0","id":%d,"result":{"seq":%d,"createdAt":"%s"}}' % (
            msg_id,
            seq,
            created_at.encode(),
        )
    message = {"jsonrpc": "2.0", "id": msg_id, "result": {"seq": seq, "createdAt": created_at}}
    return json.dumps(message, separators=(",", ":")).encode()
