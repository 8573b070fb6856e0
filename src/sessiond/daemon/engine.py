"""The engine client: OpenAI-compatible chat completions, streamed.

An engine is anything that serves the OpenAI chat-completions API (Ollama,
llama.cpp's server, vLLM, LM Studio, OpenAI). Its base URL is written as
OpenAI clients take it, `http://localhost:11434/v1`; requests go to
`{base}/chat/completions` (`stream: true`, answered as server-sent events:
`data: {chunk}` lines, `choices[0].delta.content` the new text, `data:
[DONE]` at the end) and `{base}/models` (the first chat model listed is used
when none is named).

Contracts of this module:

- It imports neither the store nor pygls, and httpx only when an `Engine` is
  made, so the daemon's start and the other commands never load it.
- No httpx exception leaves it: every failure is a `sessiond.errors.EngineError`
  (1006) whose message is a sentence for a person carrying the engine's own
  words (refused, timeout, 401, 429, 5xx, a broken stream, a stream that is
  not server-sent events).
- The API key comes only from the environment (`SESSIOND_ENGINE_API_KEY`,
  else `OPENAI_API_KEY`) and is sent as a bearer token, only to the engine the
  server was started with (`--engine-base-url` / `SESSIOND_ENGINE_BASE_URL`):
  a session's own `engineBaseUrl` may come from another machine's history and
  must not be able to lead the key elsewhere. The key is never stored, logged,
  shown in a `repr`, or repeated in a message: the engine's own error text is
  redacted before it is used.
- `Engine.stream_chat` is an async generator of text deltas. Cancelling the
  task that iterates it closes the HTTP stream; whatever the caller gathered
  so far is its to keep (see `sessiond.daemon.chat_send`). It asks for the
  token usage (`stream_options.include_usage`) and fills a `Reply` with the
  model that answered and its usage, when the engine says them; an engine
  that refuses the option is asked again without it.
- Nothing the engine sends is held without bound: a stream line over
  `MAX_LINE_BYTES`, an error body past `MAX_BODY_BYTES` (read that far only),
  a models list or a whole (unstreamed) reply past its bound; the caller stops
  reading once the reply is longer than it can store.
- The text sent and received is never logged.

Which turns are sent, and how a cut reply is marked: `sessiond.daemon.chat_send`.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import attrs

from sessiond import __version__
from sessiond.errors import EngineError
from sessiond.models import Usage

if TYPE_CHECKING:
    import httpx

logger = logging.getLogger(__name__)

KEY_VARIABLES = ("SESSIOND_ENGINE_API_KEY", "OPENAI_API_KEY")
HOW_TO_SET = (
    "start sessiond with --engine-base-url URL or set SESSIOND_ENGINE_BASE_URL, for example "
    "http://localhost:11434/v1 for Ollama or https://api.openai.com/v1 for OpenAI"
)
DEFAULT_CONTEXT_CHARS = 24_000
_SURROGATE = re.compile("[\ud800-\udfff]")
#: The longest line of a stream taken in (a chunk of a reply is small).
MAX_LINE_BYTES = 8 * 1024 * 1024
#: How much of an error body is read for its explanation.
MAX_BODY_BYTES = 64 * 1024
#: The largest `GET /models` answer or whole (unstreamed) reply read.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


@attrs.define
class Reply:
    """What an engine said of its reply besides the text: the model that
    answered and the tokens it counted (None when it did not say)."""

    model: str | None = None
    usage: Usage | None = None


def usage_of(value: object) -> Usage | None:
    """The contract's Usage from an OpenAI-style `usage` object: its
    `prompt_tokens` include cached ones (`prompt_tokens_details.cached_tokens`),
    which are split off; reasoning tokens are already in `completion_tokens`."""
    if not isinstance(value, dict):
        return None

    def count(container: object, name: str) -> int:
        n = container.get(name) if isinstance(container, dict) else None
        return n if type(n) is int and n >= 0 else 0

    prompt = count(value, "prompt_tokens")
    cached = min(prompt, count(value.get("prompt_tokens_details"), "cached_tokens"))
    written = count(value, "cache_creation_input_tokens")
    output = count(value, "completion_tokens")
    if not (prompt or output or written):
        return None
    return Usage(prompt - cached, output, cached, written)


Message = dict[str, str]


def api_key(environ: Mapping[str, str] | None = None) -> str | None:
    """The bearer key from the environment, or None."""
    env = os.environ if environ is None else environ
    for name in KEY_VARIABLES:
        value = env.get(name, "").strip()
        if value:
            return value
    return None


# Models an OpenAI-compatible engine lists that do not chat: embeddings,
# speech and transcription, images (and video), moderation, reranking. The
# names are the ones OpenAI's and Ollama's lists carry (text-embedding-3-small,
# nomic-embed-text, bge-m3, all-minilm, whisper-1, tts-1, gpt-4o-transcribe,
# gpt-4o-mini-tts, dall-e-3, gpt-image-1, sora, omni-moderation-latest).
_NOT_CHAT = re.compile(
    r"embed|\bbge\b|minilm|rerank|whisper|\btts\b|-tts|transcribe|\baudio\b|-audio|speech"
    r"|realtime|dall-e|image|\bsora\b|stable-diffusion|moderation",
    re.IGNORECASE,
)


def chat_model(ids: list[str]) -> str | None:
    """The first model in `ids` (the engine's order) that chats, else None."""
    for model in ids:
        if not _NOT_CHAT.search(model.replace("_", "-")):
            return model
    return None


@attrs.frozen
class EngineSettings:
    """What the server was started with; holds no secret, so it may be shown."""

    base_url: str | None = None
    model: str | None = None
    connect_timeout: float = 10.0
    read_timeout: float = 120.0
    context_chars: int = DEFAULT_CONTEXT_CHARS

    @classmethod
    def from_env(
        cls,
        base_url: str | None = None,
        model: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> EngineSettings:
        """The options given, else `SESSIOND_ENGINE_BASE_URL` / `SESSIOND_ENGINE_MODEL`."""
        env = os.environ if environ is None else environ
        return cls(
            base_url=base_url or env.get("SESSIOND_ENGINE_BASE_URL") or None,
            model=model or env.get("SESSIOND_ENGINE_MODEL") or None,
        )


def shown_url(url: str) -> str:
    """The URL as it may appear in a message: without any user:password@ part."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return parts._replace(netloc=netloc).geturl()


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url.strip())
    try:
        port = parts.port
    except ValueError:
        port = None
    return (parts.scheme.lower(), (parts.hostname or "").lower(), port)


def redact(text: str, secret: str | None) -> str:
    """`text` without `secret`, nor any word holding 8 or more of its characters in a row.

    Engines echo a key back in part ("Incorrect API key provided: sk-ab***yz");
    a word sharing a long run with the key is dropped whole.
    """
    if not secret:
        return text
    text = text.replace(secret, "[redacted]")
    run = min(8, len(secret))
    pieces = {secret[i : i + run] for i in range(len(secret) - run + 1)}
    words = text.split(" ")
    return " ".join("[redacted]" if any(p in w for p in pieces) else w for w in words)


class Engine:
    """One engine (one base URL) and its kept HTTP connection pool."""

    def __init__(
        self,
        base_url: str,
        key: str | None = None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        transport: Any = None,
    ) -> None:
        import httpx

        self.base_url = base_url.strip().rstrip("/")
        self._key = key
        self._where = shown_url(self.base_url)
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._models: list[str] | None = None
        headers = {"User-Agent": f"sessiond/{__version__}", "Accept": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"Engine({self._where!r}, key={'set' if self._key else 'none'})"

    async def aclose(self) -> None:
        await self._client.aclose()

    def _fail(self, message: str) -> EngineError:
        error = EngineError(redact(message, self._key))
        logger.info("engine error: %s", error.message)
        return error

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path}"

    async def list_models(self) -> list[str]:
        """The ids of `GET {base}/models`, in the engine's order."""
        import httpx

        try:
            async with self._client.stream("GET", self._url("models")) as response:
                if response.status_code >= 400:
                    raise await self._status_error(response)
                raw = await _read_at_most(response, MAX_DOCUMENT_BYTES)
            if raw is None:
                raise self._fail(
                    f"the engine at {self._where} answered GET /models with more than "
                    f"{MAX_DOCUMENT_BYTES // 1048576} MiB"
                )
            data = json.loads(raw)
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None
        except ValueError:
            raise self._fail(
                f"the engine at {self._where} answered GET /models with something that is not "
                "JSON; is that the API's base URL (for Ollama, http://localhost:11434/v1)?"
            ) from None
        listed = data.get("data") if isinstance(data, dict) else None
        if not isinstance(listed, list):
            raise self._fail(f"the engine at {self._where} answered GET /models without a list")
        return [m["id"] for m in listed if isinstance(m, dict) and isinstance(m.get("id"), str)]

    async def choose_model(self, model: str | None) -> str:
        """`model`, else the first chat model the engine lists (asked once per
        engine): an embedding, speech, image or moderation model cannot answer."""
        if model:
            return model
        if not self._models:
            self._models = await self.list_models()
        if not self._models:
            raise self._fail(
                f"the engine at {self._where} lists no models; install one in the engine, or name "
                "one with --engine-model or SESSIOND_ENGINE_MODEL"
            )
        chosen = chat_model(self._models)
        if chosen is None:
            listed = ", ".join(self._models[:5]) + (", ..." if len(self._models) > 5 else "")
            raise self._fail(
                f"the engine at {self._where} lists no chat model (only {listed[:300]}); name "
                "one with --engine-model or SESSIOND_ENGINE_MODEL"
            )
        return chosen

    async def stream_chat(
        self, messages: list[Message], model: str, reply: Reply | None = None
    ) -> AsyncGenerator[str, None]:
        """The reply's text, as it comes, one non-empty delta at a time;
        `reply` is filled with the model and usage the engine reports.

        Raises EngineError when the engine refuses, fails, or the stream
        breaks or ends before the reply is finished.
        """
        import httpx

        reply = reply if reply is not None else Reply()
        body: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        logger.debug(
            "POST %s/chat/completions model=%s messages=%d", self._where, model, len(messages)
        )
        try:
            for attempt in (1, 2):
                async with self._client.stream(
                    "POST", self._url("chat/completions"), json=body
                ) as response:
                    if response.status_code >= 400:
                        error = await self._status_error(response)
                        if (
                            attempt == 1
                            and response.status_code in (400, 422)
                            and "stream_options" in error.message
                        ):
                            del body["stream_options"]  # an engine that does not know it
                            continue
                        raise error
                    async for delta in self._read_reply(response, reply):
                        yield delta
                    return
        except httpx.HTTPError as exc:
            raise self._translate(exc) from None

    async def _read_reply(
        self, response: httpx.Response, reply: Reply
    ) -> AsyncGenerator[str, None]:
        kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind == "application/json":
            # An engine that ignored `stream: true` and answered whole.
            raw = await _read_at_most(response, MAX_DOCUMENT_BYTES)
            if raw is None:
                raise self._fail(
                    f"the engine at {self._where} answered with more than "
                    f"{MAX_DOCUMENT_BYTES // 1048576} MiB at once"
                )
            yield self._whole_reply(raw, reply)
            return
        if kind != "text/event-stream":
            raise self._fail(
                f"the engine at {self._where} answered with {kind or 'no content type'}, "
                "not a stream of server-sent events; is that the API's base URL "
                "(for Ollama, http://localhost:11434/v1)?"
            )
        finished = False
        async for data in _sse_data(self._lines(response)):
            if data.strip() == "[DONE]":
                return
            delta, done = self._chunk(data, reply)
            finished = finished or done
            if delta:
                yield delta
        if not finished:
            raise self._fail(
                f"the engine at {self._where} ended the stream before the reply was "
                "finished (no [DONE] and no finish_reason)"
            )

    async def _lines(self, response: httpx.Response) -> AsyncGenerator[str, None]:
        """The stream's lines, none held past MAX_LINE_BYTES."""
        pending = b""
        async for chunk in response.aiter_bytes():
            pending += chunk
            while True:
                cut = pending.find(b"\n")
                if cut < 0:
                    break
                line, pending = pending[:cut], pending[cut + 1 :]
                if len(line) > MAX_LINE_BYTES:
                    raise self._long_line()
                yield line.rstrip(b"\r").decode("utf-8", "replace")
            if len(pending) > MAX_LINE_BYTES:
                raise self._long_line()
        if pending:
            yield pending.rstrip(b"\r").decode("utf-8", "replace")

    def _long_line(self) -> EngineError:
        return self._fail(
            f"the engine at {self._where} sent a stream line over "
            f"{MAX_LINE_BYTES // 1048576} MiB; gave up"
        )

    def _chunk(self, data: str, reply: Reply) -> tuple[str, bool]:
        """(new text, whether the reply is finished) from one `data:` payload."""
        try:
            chunk = json.loads(data)
        except ValueError:
            raise self._fail(
                f"the engine at {self._where} sent a stream event that is not JSON: {_clip(data)!r}"
            ) from None
        if not isinstance(chunk, dict):
            raise self._fail(
                f"the engine at {self._where} sent a stream event that is not an object"
            )
        if chunk.get("error"):
            raise self._fail(
                f"the engine at {self._where} reported an error mid-stream: {_words(chunk)}"
            )
        model = chunk.get("model")
        if isinstance(model, str) and model.strip():
            reply.model = model.strip()[:256]
        usage = usage_of(chunk.get("usage"))
        if usage is not None:
            reply.usage = usage
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices:
            return "", False  # e.g. the usage chunk, which has no choices
        first = choices[0] if isinstance(choices[0], dict) else {}
        delta = first.get("delta") if isinstance(first.get("delta"), dict) else {}
        content = delta.get("content") if delta else None
        text = _valid(content) if isinstance(content, str) else ""
        return text, bool(first.get("finish_reason"))

    def _whole_reply(self, raw: bytes, reply: Reply) -> str:
        try:
            whole = json.loads(raw)
            content = whole["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            content = None
        else:
            if isinstance(whole.get("model"), str) and whole["model"].strip():
                reply.model = whole["model"].strip()[:256]
            reply.usage = usage_of(whole.get("usage"))
        if not isinstance(content, str):
            raise self._fail(f"the engine at {self._where} answered without a reply's text")
        return _valid(content)

    async def _status_error(self, response: httpx.Response) -> EngineError:
        """The error of an answer with an error status, from the start of its body."""
        status, reason = response.status_code, response.reason_phrase
        raw = await _read_at_most(response, MAX_BODY_BYTES, cut=True) or b""
        try:
            words = _words(json.loads(raw))
        except ValueError:
            words = _clip(raw.decode("utf-8", "replace")) or "(no explanation)"
        hint = ""
        if status in (401, 403):
            hint = " (the key is read from SESSIOND_ENGINE_API_KEY, else OPENAI_API_KEY)"
        elif status == 404:
            hint = (
                f" (is {self._where} the API's base URL, as OpenAI clients take it? "
                "For Ollama it is http://localhost:11434/v1)"
            )
        status_text = f"{status} {reason}".strip()
        return self._fail(f"the engine at {self._where} answered {status_text}: {words}{hint}")

    def _translate(self, exc: Exception) -> EngineError:
        import httpx

        detail = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.ConnectTimeout):
            waited = f"{self._connect_timeout:g} s"
            text = f"cannot reach the engine at {self._where}: no answer within {waited}"
        elif isinstance(exc, httpx.ConnectError):
            text = f"cannot reach the engine at {self._where}: {_reason(exc, detail)}"
        elif isinstance(exc, httpx.ReadTimeout):
            text = f"the engine at {self._where} sent nothing for {self._read_timeout:g} s; gave up"
        elif isinstance(exc, httpx.TimeoutException):
            text = f"the engine at {self._where} timed out: {detail}"
        elif isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            text = f"the engine at {self._where} broke off the stream: {detail}"
        elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
            text = f"the engine URL {self._where!r} cannot be used: {detail}"
        else:
            text = f"talking to the engine at {self._where} failed: {detail}"
        return self._fail(text)


class Engines:
    """The daemon's engines: one kept `Engine` per base URL, made on first use."""

    def __init__(self, settings: EngineSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self._key = api_key(environ)
        self._engines: dict[str, Engine] = {}
        self.transport: Any = None  # tests may route every engine through one transport

    def __repr__(self) -> str:
        return f"Engines({self.settings!r}, key={'set' if self._key else 'none'})"

    def base_for(self, session_url: str | None) -> str:
        """The session's `engineBaseUrl`, else the server's; EngineError when neither is set."""
        base = (session_url or "").strip() or (self.settings.base_url or "").strip()
        if not base:
            raise EngineError(f"no engine is set: {HOW_TO_SET}")
        return base

    def get(self, base_url: str) -> Engine:
        engine = self._engines.get(base_url)
        if engine is None:
            own = self.settings.base_url
            trusted = own is not None and _origin(base_url) == _origin(own)
            engine = Engine(
                base_url,
                self._key if trusted else None,
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                transport=self.transport,
            )
            self._engines[base_url] = engine
        return engine

    async def aclose(self) -> None:
        engines, self._engines = list(self._engines.values()), {}
        for engine in engines:
            await engine.aclose()


async def _read_at_most(response: httpx.Response, limit: int, *, cut: bool = False) -> bytes | None:
    """The body, read no further than `limit` bytes: None when it is longer,
    or (with `cut`) its first `limit` bytes."""
    parts: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        parts.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(parts)[:limit] if cut else None
    return b"".join(parts)


async def _sse_data(lines: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    """The `data` of each server-sent event (WHATWG event-stream rules).

    Lines starting with `:` are comments; several `data:` lines of one event
    join with newlines; a blank line ends an event. Data left at the end of
    the stream without its blank line is still given (engines that omit the
    last one exist).
    """
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if field == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def _words(body: Any) -> str:
    """The engine's own explanation in an error body, in the shapes engines use."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            message = error.get("message")
            if isinstance(message, str) and message:
                return _clip(message)
        if isinstance(error, str) and error:
            return _clip(error)
        for field in ("message", "detail"):
            value = body.get(field)
            if isinstance(value, str) and value:
                return _clip(value)
    return _clip(json.dumps(body)) if body is not None else "(no explanation)"


def _reason(exc: BaseException, detail: str) -> str:
    """Why a connection failed, as the system says it ("connection refused").

    httpx over anyio says only "All connection attempts failed"; the
    operating system's reason is further down the exception's chain.
    """
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            break
        if isinstance(seen, OSError) and seen.errno is not None:
            # asyncio's own strerror is "Connect call failed (...)": ask the system.
            said = os.strerror(seen.errno) if seen.errno > 0 else str(seen.strerror or "")
            if said:
                return said[:1].lower() + said[1:]
        seen = seen.__cause__ or seen.__context__
    return detail


def _valid(text: str) -> str:
    """`text` storable as UTF-8: a lone surrogate (JSON allows `"\\ud800"`) becomes U+FFFD."""
    # json.loads joins valid pairs, so any surrogate left is a lone one.
    return _SURROGATE.sub("\ufffd", text)


def _clip(text: str, limit: int = 500) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
