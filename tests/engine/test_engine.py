"""The engine client against a real local HTTP engine (fake_openai.py)."""

from __future__ import annotations

import asyncio
import logging
import re
import subprocess
import sys

import pytest

from sessiond.daemon.engine import (
    HOW_TO_SET,
    Engine,
    Engines,
    EngineSettings,
    api_key,
    redact,
)
from sessiond.errors import EngineError
from support.engine import (
    RATE_LIMITED,
    SERVER_ERROR,
    Fail,
    FakeOpenAI,
    Reply,
    refused_url,
    unauthorized,
)

KEY = "sk-proj-TEST0123456789abcdefSECRETKEY"
HI = [{"role": "user", "content": "hi"}]


async def collect(engine: Engine, model: str = "m", messages=HI) -> list[str]:
    return [delta async for delta in engine.stream_chat(messages, model)]


async def failure(engine: Engine, model: str = "m") -> EngineError:
    with pytest.raises(EngineError) as info:
        await collect(engine, model)
    assert info.value.code == 1006
    return info.value


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
async def engine(fake):
    e = Engine(fake.base_url, KEY, read_timeout=10)
    yield e
    await e.aclose()


async def test_streams_the_deltas_and_sends_the_openai_request(fake, engine):
    fake.script = [Reply(["Hel", "lo", " world"])]
    assert await collect(engine, "fake-model", HI) == ["Hel", "lo", " world"]
    [sent] = fake.chat_requests()
    assert sent.method == "POST" and sent.path == "/v1/chat/completions"
    assert sent.body == {"model": "fake-model", "messages": HI, "stream": True}
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["user-agent"].startswith("sessiond/")


async def test_without_a_key_no_authorization_header_is_sent(fake):
    e = Engine(fake.base_url + "/", None)  # a trailing slash is fine too
    try:
        assert "".join(await collect(e)) == "Hello there!"
    finally:
        await e.aclose()
    assert "authorization" not in fake.chat_requests()[0].headers
    assert fake.chat_requests()[0].path == "/v1/chat/completions"


async def test_the_first_listed_model_is_chosen_once(fake, engine):
    assert await engine.choose_model(None) == "fake-model"
    assert await engine.choose_model(None) == "fake-model"
    assert await engine.choose_model("named") == "named"
    assert [r.path for r in fake.requests] == ["/v1/models"]


async def test_an_engine_without_models_says_how_to_name_one(fake, engine):
    fake.models = []
    with pytest.raises(EngineError, match=r"lists no models.*--engine-model"):
        await engine.choose_model(None)


async def test_models_error_carries_the_engines_words(fake, engine):
    fake.models_fail = unauthorized()
    with pytest.raises(EngineError, match="401 Unauthorized: Incorrect API key provided"):
        await engine.choose_model(None)


@pytest.mark.parametrize(
    ("fail", "words"),
    [
        (RATE_LIMITED, "429 Too Many Requests: Rate limit reached for requests"),
        (SERVER_ERROR, "500 Internal Server Error: The server had an error"),
        (unauthorized(), "401 Unauthorized: Incorrect API key provided: sk-\\*\\*\\*"),
        (Fail(503, "model is loading", "server_error"), "503 Service Unavailable: model is"),
    ],
)
async def test_status_errors_carry_the_engines_own_words(fake, engine, fail, words):
    fake.script = [fail]
    error = await failure(engine)
    assert error.message.startswith(f"the engine at {fake.base_url} answered ")
    assert re.search(words, error.message), error.message


async def test_401_says_where_the_key_comes_from(fake, engine):
    fake.script = [unauthorized()]
    assert "SESSIOND_ENGINE_API_KEY, else OPENAI_API_KEY" in (await failure(engine)).message


async def test_a_wrong_base_url_gets_a_hint(fake):
    e = Engine(fake.base_url.removesuffix("/v1"), None)
    try:
        error = await failure(e)
    finally:
        await e.aclose()
    assert "404" in error.message and "http://localhost:11434/v1" in error.message


async def test_a_refused_connection():
    url, holder = refused_url()
    e = Engine(url, KEY)
    try:
        error = await failure(e)
        with pytest.raises(EngineError, match="cannot reach"):
            await e.choose_model(None)
    finally:
        holder.close()
        await e.aclose()
    assert error.message == f"cannot reach the engine at {url}: connection refused"


async def test_a_stream_cut_in_the_middle_keeps_what_came(fake, engine):
    fake.script = [Reply(["one ", "two ", "three"], cut_after=2)]
    got: list[str] = []
    with pytest.raises(EngineError, match="broke off the stream") as info:
        async for delta in engine.stream_chat(HI, "m"):
            got.append(delta)
    assert got == ["one ", "two "]
    assert info.value.code == 1006


async def test_a_silent_engine_times_out(fake):
    fake.script = [Reply(["first", "never"], hold_after=1)]
    e = Engine(fake.base_url, None, read_timeout=0.5)
    got: list[str] = []
    try:
        with pytest.raises(EngineError, match=r"sent nothing for 0\.5 s"):
            async for delta in e.stream_chat(HI, "m"):
                got.append(delta)
    finally:
        await e.aclose()
    assert got == ["first"]


async def test_a_slow_stream_arrives_whole(fake, engine):
    fake.script = [Reply(["a", "b", "c"], delay=0.05)]
    assert await collect(engine) == ["a", "b", "c"]


async def test_cancelling_closes_the_stream_and_keeps_what_came(fake, engine):
    fake.script = [Reply(["kept ", "also kept ", "never"], hold_after=2)]
    got: list[str] = []
    two = asyncio.Event()

    async def consume() -> None:
        async for delta in engine.stream_chat(HI, "m"):
            got.append(delta)
            if len(got) == 2:
                two.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(two.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert got == ["kept ", "also kept "]
    assert await asyncio.to_thread(fake.peer_closed.wait, 10), "the HTTP stream was not closed"


@pytest.mark.parametrize(
    ("events", "words"),
    [
        (["not json at all"], "a stream event that is not JSON: 'not json at all'"),
        (
            ['{"error": {"message": "CUDA out of memory", "type": "server_error"}}'],
            "reported an error mid-stream: CUDA out of memory",
        ),
        (['["a list"]'], "not an object"),
    ],
)
async def test_a_bad_stream_is_an_engine_error(fake, engine, events, words):
    fake.script = [Reply([], raw_events=events)]
    assert words in (await failure(engine)).message


async def test_a_stream_that_ends_unfinished_is_an_error(fake, engine):
    fake.script = [Reply(["half"], done=False, finish=False)]
    assert "ended the stream before the reply was finished" in (await failure(engine)).message


async def test_finish_reason_without_done_and_usage_chunks_are_fine(fake, engine):
    usage = '{"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"total_tokens":3}}'
    fake.script = [Reply(["ok"], done=False)]
    assert await collect(engine) == ["ok"]
    fake.script = [
        Reply([], raw_events=['{"choices":[{"index":0,"delta":{"content":"x"}}]}', usage, "[DONE]"])
    ]
    assert await collect(engine) == ["x"]


async def test_an_engine_that_ignores_stream_true_still_answers(fake, engine):
    fake.script = [Reply(["whole ", "reply"], whole=True)]
    assert await collect(engine) == ["whole reply"]


async def test_a_lone_surrogate_from_the_engine_becomes_a_replacement_character(fake, engine):
    chunk = '{"choices":[{"index":0,"delta":{"content":"a\\ud800b"},"finish_reason":"stop"}]}'
    fake.script = [Reply([], raw_events=[chunk])]
    assert await collect(engine) == ["a\ufffdb"]


async def test_multiline_data_and_comments_follow_the_event_stream_rules(fake, engine):
    chunk = '{"choices":[{"index":0,\ndata: "delta":{"content":"joined"},"finish_reason":"stop"}]}'
    fake.script = [Reply([], raw_events=[chunk])]
    assert await collect(engine) == ["joined"]


# The key: never in a message, a log record, or a repr.


async def test_the_key_never_appears_in_errors_logs_or_reprs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    masked = KEY[:12] + "*" * 10 + KEY[-4:]
    fake.models_fail = Fail(401, f"Incorrect API key provided: {KEY}.", code="invalid_api_key")
    fake.script = [
        Fail(401, f"Incorrect API key provided: {masked}", code="invalid_api_key"),
        Fail(429, f"key {KEY} is rate limited"),
        Reply([], raw_events=[f'{{"error": {{"message": "bad key {KEY}"}}}}']),
        Reply([f"echo {KEY}"], cut_after=1),
    ]
    engines = Engines(EngineSettings(base_url=fake.base_url), {"OPENAI_API_KEY": KEY})
    engine = engines.get(fake.base_url)
    errors: list[EngineError] = []
    try:
        with pytest.raises(EngineError) as info:
            await engine.choose_model(None)
        errors.append(info.value)
        for _ in range(4):
            with pytest.raises(EngineError) as info:
                await collect(engine)
            errors.append(info.value)
        shown = [repr(engine), repr(engines), repr(engines.settings)]
    finally:
        await engines.aclose()
    assert fake.chat_requests()[0].headers["authorization"] == f"Bearer {KEY}"
    assert len(errors) == 5
    for error in errors:
        shown += [error.message, str(error), repr(error), repr(error.args)]
    shown += [record.getMessage() for record in caplog.records]
    shown += [caplog.text]
    assert any("[redacted]" in text for text in shown)
    for text in shown:
        assert KEY not in text and KEY[:12] not in text, text


def test_redact_drops_words_that_hold_a_long_run_of_the_key():
    assert redact(f"bad {KEY}!", KEY) == "bad [redacted]!"
    assert redact(f"provided: {KEY[:10]}****{KEY[-3:]}.", KEY) == "provided: [redacted]"
    assert redact("nothing here", KEY) == "nothing here"
    assert redact("anything", None) == "anything"


def test_the_key_comes_from_the_environment_only():
    assert api_key({"SESSIOND_ENGINE_API_KEY": "a", "OPENAI_API_KEY": "b"}) == "a"
    assert api_key({"SESSIOND_ENGINE_API_KEY": " ", "OPENAI_API_KEY": "b"}) == "b"
    assert api_key({}) is None


async def test_the_key_goes_only_to_the_servers_own_engine(fake):
    engines = Engines(
        EngineSettings(base_url="http://elsewhere.invalid/v1"), {"OPENAI_API_KEY": KEY}
    )
    try:
        await collect(engines.get(fake.base_url))
    finally:
        await engines.aclose()
    assert "authorization" not in fake.chat_requests()[0].headers


def test_the_base_url_is_the_sessions_else_the_servers_else_an_error():
    engines = Engines(EngineSettings(base_url="http://server/v1"), {})
    assert engines.base_for("http://session/v1") == "http://session/v1"
    assert engines.base_for(None) == "http://server/v1"
    with pytest.raises(EngineError) as info:
        Engines(EngineSettings(), {}).base_for(None)
    assert info.value.message == f"no engine is set: {HOW_TO_SET}"


def test_settings_read_the_environment_after_the_options():
    env = {"SESSIOND_ENGINE_BASE_URL": "http://env/v1", "SESSIOND_ENGINE_MODEL": "env-model"}
    assert EngineSettings.from_env(environ=env) == EngineSettings("http://env/v1", "env-model")
    assert EngineSettings.from_env("http://opt/v1", "m", env).base_url == "http://opt/v1"


async def test_a_url_with_credentials_is_never_shown_with_them():
    url, holder = refused_url()
    e = Engine(url.replace("http://", "http://user:pa55word@"), None)
    try:
        error = await failure(e)
    finally:
        holder.close()
        await e.aclose()
    assert "pa55word" not in error.message and "pa55word" not in repr(e)


def test_importing_the_module_loads_neither_httpx_nor_the_store_nor_pygls():
    code = (
        "import sys, sessiond.daemon.engine\n"
        "bad = [m for m in ('httpx', 'pygls', 'sessiond.store', 'sqlite3') if m in sys.modules]\n"
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
