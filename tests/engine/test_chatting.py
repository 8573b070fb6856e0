"""chat/send on the daemon's side, over a real SQLite file and a real local engine."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sessiond.daemon.chat_send import (
    STOPPED,
    build_messages,
    chat_send,
    fit_text,
    mark_cut,
    strip_cut,
)
from sessiond.daemon.engine import HOW_TO_SET, Engines, EngineSettings
from sessiond.errors import EngineError, SessionEnded
from sessiond.models import Event
from sessiond.store import Store, open_store
from support.engine import RATE_LIMITED, Fail, FakeOpenAI, Reply

KEY = "sk-proj-CHAT0123456789abcdefSECRETKEY"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "chat.db"


@pytest.fixture
def store(db: Path):
    s = open_store(str(db))
    yield s
    s.close()


@pytest.fixture
async def engines(fake):
    e = Engines(EngineSettings(base_url=fake.base_url, read_timeout=10), {"OPENAI_API_KEY": KEY})
    yield e
    await e.aclose()


def stored(store: Store, session_id: int) -> list[tuple[str, str]]:
    return [(e.kind, e.text) for e in store.events(session_id, 100)]


async def send(store, engines, session_id, text, model=None):
    deltas: list[str] = []

    seqs: set[int] = set()

    def on_delta(prompt_seq: int, delta: str) -> None:
        seqs.add(prompt_seq)
        deltas.append(delta)

    result = await chat_send(store, engines, session_id, text, model, on_delta)
    assert seqs <= {result.prompt.seq}, "every delta names its prompt"
    return result, deltas


async def test_a_turn_is_stored_streamed_and_answered(fake, store, engines):
    sid = store.start_session("test").id
    fake.script = [Reply(["Hi", ", you"]), Reply(["Second", " answer"])]
    result, deltas = await send(store, engines, sid, "hello")
    assert deltas == ["Hi", ", you"]
    assert (result.prompt.seq, result.reply.seq, result.cut) == (1, 2, None)
    assert stored(store, sid) == [("prompt", "hello"), ("system", "Hi, you")]
    store.append(sid, "command", "a note, never sent")
    await send(store, engines, sid, "and then?")
    first, second = fake.chat_requests()
    assert first.body["model"] == "fake-model"  # the first the engine lists
    assert first.body["messages"] == [{"role": "user", "content": "hello"}]
    assert second.body["messages"] == [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "Hi, you"},
        {"role": "user", "content": "and then?"},
    ]
    assert second.headers["authorization"] == f"Bearer {KEY}"


async def test_the_model_is_the_requests_else_the_servers_else_the_first_listed(fake, store):
    sid = store.start_session("test").id
    settings = EngineSettings(base_url=fake.base_url, model="server-model")
    engines = Engines(settings, {})
    try:
        await send(store, engines, sid, "one")
        await send(store, engines, sid, "two", model="asked-model")
    finally:
        await engines.aclose()
    assert [r.body["model"] for r in fake.chat_requests()] == ["server-model", "asked-model"]
    assert not [r for r in fake.requests if r.path.endswith("/models")]


async def test_the_sessions_own_engine_url_comes_first(fake, store):
    sid = store.start_session("test", engine_base_url=fake.base_url).id
    engines = Engines(EngineSettings(), {"OPENAI_API_KEY": KEY})
    try:
        await send(store, engines, sid, "hi")
    finally:
        await engines.aclose()
    # Not the server's own engine: the key stays home.
    assert "authorization" not in fake.chat_requests()[0].headers


async def test_without_an_engine_the_prompt_stays_and_a_warning_says_how(store):
    sid = store.start_session("test").id
    engines = Engines(EngineSettings(), {})
    with pytest.raises(EngineError) as info:
        await send(store, engines, sid, "anyone there?")
    assert info.value.code == 1006 and HOW_TO_SET in info.value.message
    assert stored(store, sid) == [
        ("prompt", "anyone there?"),
        ("warn", f"no reply: no engine is set: {HOW_TO_SET}"),
    ]


async def test_an_engine_error_keeps_the_prompt_and_records_a_warning(fake, store, engines):
    sid = store.start_session("test").id
    fake.script = [RATE_LIMITED]
    with pytest.raises(EngineError, match="Rate limit reached") as info:
        await send(store, engines, sid, "hello")
    assert stored(store, sid) == [("prompt", "hello"), ("warn", f"no reply: {info.value.message}")]


async def test_a_broken_stream_keeps_what_came_marked_as_cut(fake, store, engines):
    sid = store.start_session("test").id
    fake.script = [Reply(["one ", "two ", "three"], cut_after=2)]
    with pytest.raises(EngineError, match="broke off the stream"):
        await send(store, engines, sid, "count")
    events = stored(store, sid)
    assert events[:2] == [
        ("prompt", "count"),
        ("system", "one two \n\n[reply cut: the stream broke]"),
    ]
    assert events[2][0] == "warn" and "broke off the stream" in events[2][1]


async def test_cancelling_stores_what_came_and_answers_normally(fake, store, engines):
    sid = store.start_session("test").id
    fake.script = [Reply(["kept ", "also kept", " never"], hold_after=2)]
    deltas: list[str] = []
    two = asyncio.Event()

    def on_delta(prompt_seq: int, text: str) -> None:
        assert prompt_seq == 1
        deltas.append(text)
        if len(deltas) == 2:
            two.set()

    task = asyncio.create_task(chat_send(store, engines, sid, "go", None, on_delta))
    await asyncio.wait_for(two.wait(), 10)
    task.cancel()
    result = await task
    assert not task.cancelled() and result.cut == STOPPED
    assert stored(store, sid) == [
        ("prompt", "go"),
        ("system", f"kept also kept\n\n[reply cut: {STOPPED}]"),
    ]
    assert result.reply.seq == 2
    assert await asyncio.to_thread(fake.peer_closed.wait, 10), "the HTTP stream was not closed"


async def test_a_continued_session_sends_its_parents_turns_first(fake, store, engines):
    parent = store.start_session("test")
    store.append(parent.id, "prompt", "old question")
    store.append(parent.id, "system", "old answer")
    store.end_session(parent.id)
    child = store.start_session("test", parent_ulid=parent.ulid).id
    await send(store, engines, child, "new question")
    assert [m["content"] for m in fake.chat_requests()[0].body["messages"]] == [
        "old question",
        "old answer",
        "new question",
    ]


async def test_store_errors_come_before_the_engine_is_asked(fake, store, engines):
    sid = store.start_session("test").id
    store.end_session(sid)
    with pytest.raises(SessionEnded):
        await send(store, engines, sid, "too late")
    assert fake.requests == []


async def test_a_reply_over_the_size_limit_is_clipped_and_marked(fake, db):
    small = open_store(str(db), max_text_bytes=64)
    engines = Engines(EngineSettings(base_url=fake.base_url), {})
    try:
        sid = small.start_session("test").id
        fake.script = [Reply(["é" * 100])]
        await send(small, engines, sid, "long please")
        [(_, reply)] = [e for e in stored(small, sid) if e[0] == "system"]
    finally:
        small.close()
        await engines.aclose()
    assert len(reply.encode()) <= 64 and reply.startswith("éé")
    assert reply.endswith("[reply cut: too long to store whole]")


def test_fit_text():
    assert fit_text("short", 100) == "short"
    assert fit_text("short", 100, "why") == "short\n\n[reply cut: why]"
    clipped = fit_text("x" * 200, 50, "why")
    assert len(clipped) <= 50 and clipped.endswith("[reply cut: why; too long to store whole]")


async def test_the_key_never_reaches_the_database(fake, db, store, engines):
    sid = store.start_session("test").id
    fake.script = [
        Fail(401, f"Incorrect API key provided: {KEY}", code="invalid_api_key"),
        Reply([], raw_events=[f'{{"error": {{"message": "quota for {KEY}"}}}}']),
    ]
    for _ in range(2):
        with pytest.raises(EngineError):
            await send(store, engines, sid, "hi")
    assert len(stored(store, sid)) == 4
    store.close()
    for path in db.parent.iterdir():
        data = path.read_bytes()
        assert KEY.encode() not in data and KEY[:12].encode() not in data, path


# Which turns are sent.


def event(seq: int, kind: str, text: str) -> Event:
    return Event(1, seq, kind, text, "2026-01-01T00:00:00.000Z")


def test_turns_become_user_and_assistant_messages_oldest_first():
    turns = [
        event(1, "prompt", "first"),
        event(2, "system", "answer"),
        event(3, "command", "ls"),
        event(4, "warn", "a note"),
        event(5, "system", mark_cut("half an answer", "stopped by the person")),
        event(6, "prompt", "second"),
        event(7, "prompt", "third"),
    ]
    assert build_messages(reversed(turns), 10_000) == [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "answer\n\nhalf an answer"},
        {"role": "user", "content": "second\n\nthird"},
    ]


def test_the_budget_keeps_an_unbroken_recent_stretch_and_always_the_new_prompt():
    turns = [
        event(1, "prompt", "a" * 50),
        event(2, "system", "b" * 50),
        event(3, "prompt", "c" * 10),
        event(4, "system", "d" * 10),
        event(5, "prompt", "e" * 10),
    ]
    assert [m["content"][0] for m in build_messages(reversed(turns), 30)] == ["c", "d", "e"]
    # Over budget by itself, the new prompt still goes.
    assert build_messages(reversed(turns), 5) == [{"role": "user", "content": "e" * 10}]
    # "b" fits but would open the conversation as the assistant: dropped.
    assert [m["content"][0] for m in build_messages(reversed(turns), 80)] == ["c", "d", "e"]


def test_cut_marks_are_stripped_exactly():
    assert strip_cut(mark_cut("text", "the stream broke: x")) == "text"
    assert strip_cut(mark_cut("", "stopped")) == ""
    assert (
        strip_cut("a [reply cut: x] in the middle stays") == "a [reply cut: x] in the middle stays"
    )
    assert mark_cut("t", "why [it] ]broke") == "t\n\n[reply cut: why [it) )broke]"
