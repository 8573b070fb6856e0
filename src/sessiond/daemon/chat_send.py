"""`chat/send` on the daemon's side: record the prompt, ask the engine, record the reply.

No pygls and no SQL here: the server gives `chat_send` its store, its
`Engines` and a `send_delta(prompt_seq, text)` that sends one `chat/delta`
notification (`{sessionId, promptSeq, text}`).

Which turns are sent (for protocol.md):

    The session's `prompt` events are sent as `user` messages and its
    `system` events (the replies) as `assistant` messages, oldest first;
    other kinds (`command`, `warn`, `alert`, `mode_change`) are notes and are
    not sent. When the session continues another (`parentUlid`), the
    parent's turns come before its own, and so on up the chain. Turns are
    taken from the newest back for as long as their text fits the context
    budget (24,000 characters by default, about 6,000 tokens, so that a
    model with an 8k context still has room to answer); the first turn that
    does not fit ends the walk, so the engine always sees an unbroken recent
    stretch. The new prompt is always sent, even when it alone is over the
    budget. A reply that was cut is sent without its `[reply cut: …]` mark.
    The messages start with a `user` message, and consecutive turns of one
    role (prompts recorded while no reply came) are joined by a blank line,
    since several engines' chat templates require alternating roles.

What is stored:

- the prompt, first, before the engine is asked: it stays stored whatever
  happens next;
- the reply as a `system` event once the stream ends;
- when the stream is cancelled (`$/cancelRequest`) or breaks, what came,
  followed by a blank line and `[reply cut: REASON]`;
- when the engine fails (none set, unreachable, an error status, a broken
  stream), a `warn` event `no reply: MESSAGE`, and `EngineError` is raised
  with the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol

import attrs

from sessiond.daemon.engine import Engines
from sessiond.errors import EngineError, SessiondError
from sessiond.models import Appended, Event, Session

CUT_MARK = "[reply cut: {reason}]"
STOPPED = "stopped by the person"
_CUT_TAIL = re.compile(r"(?:\n\n)?\[reply cut: [^\]\n]*\]\Z")
_PAGE = 200
_MAX_ANCESTORS = 20

Message = dict[str, str]


class ChatStore(Protocol):
    """The part of the store that chat/send uses."""

    max_text_bytes: int

    def session_by_id(self, session_id: int) -> Session: ...

    def get_session(self, ulid: str) -> Session | None: ...

    def append_many(
        self, items: Sequence[tuple[int, str, str]]
    ) -> Sequence[Appended | Exception]: ...

    def events(self, session_id: int, limit: int, before_seq: int | None = None) -> list[Event]: ...


@attrs.frozen
class ChatResult:
    """The answer to chat/send: `{prompt: {seq, createdAt}, reply: {seq, createdAt}}`.

    `cut` says why the reply stopped early (None when it came whole); it is
    not part of the wire result.
    """

    prompt: Appended
    reply: Appended
    cut: str | None = None


def mark_cut(text: str, reason: str) -> str:
    """A reply that stopped early: what came, then the mark and why."""
    mark = CUT_MARK.format(reason=" ".join(reason.split()).replace("]", ")"))
    return f"{text}\n\n{mark}" if text else mark


def strip_cut(text: str) -> str:
    return _CUT_TAIL.sub("", text)


def build_messages(turns_newest_first: Iterable[Event], budget_chars: int) -> list[Message]:
    """The chat-completions messages for turns given newest first (see the module doc).

    The first turn given is the new prompt and is always kept.
    """
    kept: list[Message] = []
    used = 0
    for event in turns_newest_first:
        if event.kind == "prompt":
            role, text = "user", event.text
        elif event.kind == "system":
            role, text = "assistant", strip_cut(event.text)
        else:
            continue
        if not text.strip():
            continue
        if kept and used + len(text) > budget_chars:
            break
        used += len(text)
        kept.append({"role": role, "content": text})
    kept.reverse()
    while kept and kept[0]["role"] != "user":
        kept.pop(0)
    merged: list[Message] = []
    for message in kept:
        if merged and merged[-1]["role"] == message["role"]:
            merged[-1] = {**message, "content": merged[-1]["content"] + "\n\n" + message["content"]}
        else:
            merged.append(message)
    return merged


def earlier_turns(store: ChatStore, session: Session, before_seq: int) -> Iterator[Event]:
    """The session's events below `before_seq`, then its ancestors', newest first.

    Read a page at a time, only as far as the caller iterates.
    """
    current: Session | None = session
    before: int | None = before_seq
    for _ in range(_MAX_ANCESTORS + 1):
        if current is None:
            return
        while before is None or before > 1:
            page = store.events(current.id, _PAGE, before)
            if not page:
                break
            yield from reversed(page)
            before = page[0].seq
        parent = current.parent_ulid
        current = store.get_session(parent) if parent else None
        before = None


def fit_text(text: str, limit: int, cut: str | None = None) -> str:
    """`text` as it is stored under `limit` UTF-8 bytes: marked when cut, clipped when over."""
    raw = text.encode("utf-8")
    if cut is None and len(raw) <= limit:
        return text
    reason = cut or "too long to store whole"
    if len(raw) + len(mark_cut(" ", reason).encode("utf-8")) > limit:
        reason = f"{cut}; too long to store whole" if cut else reason
        room = limit - len(mark_cut(" ", reason).encode("utf-8")) + 1
        text = raw[: max(0, room)].decode("utf-8", "ignore")
    return mark_cut(text, reason)


def _append(store: ChatStore, items: list[tuple[int, str, str]]) -> list[Appended]:
    done: list[Appended] = []
    for outcome in store.append_many(items):
        if isinstance(outcome, Exception):
            raise outcome
        done.append(outcome)
    return done


async def chat_send(
    store: ChatStore,
    engines: Engines,
    session_id: int,
    text: str,
    model: str | None,
    send_delta: Callable[[int, str], None],
) -> ChatResult:
    """Perform chat/send: see the module doc for what is stored when.

    Store errors (no such session, ended, too large) are raised before the
    engine is asked. Cancelling the task that runs this stops the stream,
    stores what came as a cut reply and returns normally (the cancellation
    is taken: `ChatResult.cut` says the reply was stopped), so the server
    answers with the reply's seq like any other.
    """
    [prompt] = _append(store, [(session_id, "prompt", text)])
    session = store.session_by_id(session_id)
    parts: list[str] = []
    try:
        base = engines.base_for(session.engine_base_url)
        engine = engines.get(base)
        chosen = await engine.choose_model(model or engines.settings.model)
        new = Event(session_id, prompt.seq, "prompt", text, prompt.created_at)
        turns = [new, *earlier_turns(store, session, prompt.seq)]
        messages = build_messages(iter(turns), engines.settings.context_chars)
        async with contextlib.aclosing(engine.stream_chat(messages, chosen)) as stream:
            async for delta in stream:
                parts.append(delta)
                send_delta(prompt.seq, delta)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        reply = _store_reply(store, session_id, "".join(parts), STOPPED)
        return ChatResult(prompt, reply, STOPPED)
    except EngineError as exc:
        limit = store.max_text_bytes
        items = []
        if parts:
            items.append(
                (session_id, "system", fit_text("".join(parts), limit, "the stream broke"))
            )
        items.append((session_id, "warn", fit_text(f"no reply: {exc.message}", limit)))
        _append(store, items)
        raise
    reply = _store_reply(store, session_id, "".join(parts), None)
    return ChatResult(prompt, reply)


def _store_reply(store: ChatStore, session_id: int, text: str, cut: str | None) -> Appended:
    [reply] = _append(store, [(session_id, "system", fit_text(text, store.max_text_bytes, cut))])
    return reply


class ChatRequests:
    """The daemon's chat/send requests in flight: one task each, answered
    when it ends, cancelled by `$/cancelRequest` or at exit.

    `answer(msg_id, result)` and `fail(msg_id, error)` reply to the client;
    `notify(method, params)` sends `chat/delta`. They are the server's; this
    class knows no pygls.
    """

    def __init__(
        self,
        store: ChatStore,
        engines: Engines,
        answer: Callable[[Any, Any], None],
        fail: Callable[[Any, SessiondError], None],
        notify: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.store = store
        self.engines = engines
        self._answer = answer
        self._fail = fail
        self._notify = notify
        self._tasks: dict[object, asyncio.Task[ChatResult]] = {}

    def start(self, msg_id: object, session_id: int, text: str, model: str | None) -> None:
        def send_delta(prompt_seq: int, delta: str) -> None:
            self._notify(
                "chat/delta", {"sessionId": session_id, "promptSeq": prompt_seq, "text": delta}
            )

        task = asyncio.get_running_loop().create_task(
            chat_send(self.store, self.engines, session_id, text, model, send_delta)
        )
        self._tasks[msg_id] = task
        task.add_done_callback(lambda done: self._done(msg_id, done))

    def _done(self, msg_id: object, task: asyncio.Task[ChatResult]) -> None:
        self._tasks.pop(msg_id, None)
        if task.cancelled():
            self._fail(msg_id, EngineError("the reply was stopped before it started"))
            return
        error = task.exception()
        if error is None:
            result = task.result()
            self._answer(
                msg_id,
                {
                    "prompt": {"seq": result.prompt.seq, "createdAt": result.prompt.created_at},
                    "reply": {"seq": result.reply.seq, "createdAt": result.reply.created_at},
                },
            )
        elif isinstance(error, SessiondError):
            self._fail(msg_id, error)
        else:
            self._fail(msg_id, SessiondError(f"internal error in chat/send: {error}"))

    def cancel(self, msg_id: object) -> None:
        """Stop the reply of request `msg_id` (what came is kept); no-op when done."""
        task = self._tasks.get(msg_id)
        if task is not None:
            task.cancel()

    async def close(self, timeout: float = 5.0) -> None:
        """Stop every reply in flight (each is stored and answered), then the engines."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        await self.engines.aclose()
