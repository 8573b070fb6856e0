"""The daemon's method table: each contract method once, with how it is served.

`SERVED` has one row per method of `wire.methods.METHODS` (a test holds the
two to each other), and the row's type says how the server runs it:

- `Plain`: performed in turn and answered at once, after the appends queued
  before it are committed (a client always reads its own writes);
- `Queued`: `session/append`, committed with the appends around it in one
  transaction (group commit) and answered after that commit;
- `Streamed`: `chat/send`, started in turn and answered when the reply has
  streamed in, with notifications meanwhile;
- `Offloaded`: the costly reads (`session/search`, `session/find`,
  `stats/usage`), started in turn (after the appends before them are
  committed, so they see them) and answered from a worker thread on a
  connection of their own (`Store.reader`), so that one slow query never
  holds the requests behind it.

No pygls and no SQL here: the server (`daemon.server`) dispatches on the
row, the store does the work and raises the contract's errors. The append
hot path (`plain_append`, `append_answer`) lives here too: it is how the
`Queued` row reads its params without building a class per message.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from sessiond.errors import InvalidParams
from sessiond.models import EVENT_KINDS
from sessiond.semantic import hybrid
from sessiond.store import Store
from sessiond.store.base import Reader, TooSlow
from sessiond.wire.convert import parse_time
from sessiond.wire.methods import METHODS, structure_params
from sessiond.wire.params import (
    CountResult,
    EventsResult,
    FindParams,
    FindResult,
    ListResult,
    MilestoneValue,
    SearchParams,
    SearchResult,
    StatsParams,
    StatsResult,
    check_meta,
)

if TYPE_CHECKING:
    from sessiond.daemon.chat_send import ChatRequests
    from sessiond.daemon.notify import Notifier

Id = int | str | None

# What one queued append is: (sessionId, kind, text, meta), as the store takes it.
AppendItem = tuple[int, str, str, Any]


class Daemon(Protocol):
    """What the rows need of the server that runs them."""

    store: Store
    notifier: Notifier

    def start_chats(self) -> ChatRequests: ...


@attrs.frozen
class Plain:
    """Performed in turn; `call(daemon, params)` returns the result."""

    call: Callable[[Daemon, Any], Any]


@attrs.frozen
class Queued:
    """Committed in a group; `item(params)` is what the store appends."""

    item: Callable[[Any], AppendItem]


@attrs.frozen
class Streamed:
    """Answered when done; `start(daemon, reply_to, params)` begins it."""

    start: Callable[[Daemon, Any, Any], None]


@attrs.frozen
class Offloaded:
    """Read beside the dispatch: `call(reads, params)` on the store's reader
    in a worker thread (on the store itself, in turn, when it has none).
    With `quick`, first tried in turn on the store's quick reader, whose
    reads stop past a millisecond (`TooSlow`): a read that finishes by then
    (a rare word) is answered without the trip to a worker thread."""

    call: Callable[[Any, Any], Any]
    quick: Callable[[Any, Any], Any] | None = None


Served = Plain | Queued | Streamed | Offloaded


def _ms(value: str | None, field: str) -> int | None:
    return None if value is None else parse_time(value, field)


def _search(store: Store | Reader, p: SearchParams) -> SearchResult:
    try:
        hits = store.search(
            p.query,
            p.limit,
            session_id=p.session_id,
            kinds=p.kinds,
            since=_ms(p.since, "since"),
            until=_ms(p.until, "until"),
            project=p.project,
            source=p.source,
        )
    except InvalidParams as exc:  # the query language's refusal, named as the others are
        raise InvalidParams(f"session/search: {exc.message}") from None
    return SearchResult(hits)


APPEND = "session/append"
APPEND_SPEC = METHODS[APPEND]
_KINDS = frozenset(EVENT_KINDS)


def plain_append(params: Any) -> AppendItem | None:
    """The fields of plainly valid `session/append` params, else None.

    The hot path of the daemon: the same checks as `wire.params.AppendParams`
    (an integer sessionId >= 1, not a bool; a known kind; a string text; a
    meta checked as the contract says) without building a class per message.
    Anything else returns None and goes through the wire converter, which
    says what is wrong exactly as for every other method.
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
            meta = params.get("meta")
            return (session_id, kind, text, None if meta is None else check_meta(meta))
    return None


def _append_item(params: Any) -> AppendItem:
    item = plain_append(params)
    if item is None:
        p = structure_params(APPEND_SPEC, params)  # raises InvalidParams
        item = (p.session_id, p.kind, p.text, p.meta or None)
    return item


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


def _find(store: Store | Reader, p: FindParams) -> FindResult:
    try:
        # By words and meaning when the store has vectors and the extra is
        # installed (sessiond.semantic.hybrid), else by words as before.
        results, relaxed = hybrid.find(
            store,
            p.query,
            p.limit,
            project=p.project,
            source=p.source,
            since=_ms(p.since, "since"),
            until=_ms(p.until, "until"),
            words=p.words,
        )
    except InvalidParams as exc:  # the query language's refusal, named as the others are
        raise InvalidParams(f"session/find: {exc.message}") from None
    return FindResult(results, relaxed)


def _find_quick(reader: Reader, p: FindParams) -> FindResult:
    # By meaning, the question is embedded first: never quick. Without
    # vectors, by words is what `_find` answers anyway.
    if not p.words and reader.embedding_space() is not None:
        raise TooSlow("session/find by meaning")
    return _find(reader, attrs.evolve(p, words=True))


def _stats(store: Store | Reader, p: StatsParams) -> StatsResult:
    rows = store.usage(
        p.group_by,
        since=_ms(p.since, "since"),
        until=_ms(p.until, "until"),
        project=p.project,
        source=p.source,
    )
    return StatsResult(rows)


def _chat(d: Daemon, reply_to: Any, params: Any) -> None:
    p = structure_params(METHODS["chat/send"], params)
    d.start_chats().start(reply_to, p.session_id, p.text, p.model)


def _plain(call: Callable[[Store, Any], Any]) -> Plain:
    return Plain(lambda d, p: call(d.store, p))


#: Every contract method, once, in protocol.md's order.
SERVED: dict[str, Served] = {
    "session/start": _plain(
        lambda s, p: s.start_session(
            p.cli_version,
            p.ulid,
            p.engine_base_url,
            p.parent_ulid,
            source=p.source,
            source_id=p.source_id,
            project=p.project,
            branch=p.branch,
        )
    ),
    "session/end": _plain(lambda s, p: s.end_session(p.session_id)),
    APPEND: Queued(_append_item),
    "session/events": _plain(
        lambda s, p: EventsResult(s.events(p.session_id, p.limit, p.before_seq))
    ),
    "session/list": _plain(
        lambda s, p: ListResult(
            s.list_sessions(
                p.limit, p.deleted, project=p.project, source=p.source, order_by=p.order_by
            )
        )
    ),
    "session/get": _plain(lambda s, p: s.get_session(p.ulid)),
    "session/count": _plain(lambda s, p: CountResult(s.count(p.session_id))),
    "session/last": _plain(lambda s, _p: s.last_session()),
    "milestone/set": _plain(lambda s, p: s.set_milestone(p.key, p.value)),
    "milestone/get": _plain(lambda s, p: MilestoneValue(s.get_milestone(p.key))),
    "session/search": Offloaded(_search, quick=_search),
    "session/rename": _plain(lambda s, p: s.rename_session(p.session_id, p.title)),
    "session/delete": _plain(lambda s, p: s.delete_session(p.session_id)),
    "session/restore": _plain(lambda s, p: s.restore_session(p.session_id)),
    "session/subscribe": Plain(lambda d, _p: d.notifier.subscribe()),
    "session/unsubscribe": Plain(lambda d, _p: d.notifier.unsubscribe()),
    "chat/send": Streamed(_chat),
    "session/find": Offloaded(_find, quick=_find_quick),
    "stats/usage": Offloaded(_stats),
}
