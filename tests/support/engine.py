"""A local engine for tests: the OpenAI chat-completions API over real HTTP.

It speaks the protocol as OpenAI documents it and openai-python reads it:

- `GET /v1/models` -> `{"object": "list", "data": [{"id", "object": "model", "created",
  "owned_by"}]}`;
- `POST /v1/chat/completions` with `"stream": true` -> `200`, `content-type:
  text/event-stream; charset=utf-8`, chunked, one `data: {chunk}\\n\\n` per
  `chat.completion.chunk` (`choices[0].delta.role` first, then
  `choices[0].delta.content` pieces, then an empty delta with `finish_reason:
  "stop"`), then `data: [DONE]\\n\\n`; without `stream`, one
  `chat.completion` object;
- errors as `application/json` `{"error": {"message", "type", "param", "code"}}`
  with the status code (401 `invalid_api_key`, 429 `rate_limit_exceeded`, 500
  `server_error`).

Each chat request takes the next step of `script` (the last step repeats).
A step can stream slowly (`delay`), stop and wait for the test (`hold`),
break the connection in the middle (`cut_after`), or fail with a status.
Every request is recorded, headers included, for the tests to check.
"""

from __future__ import annotations

import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs


@attrs.define
class Reply:
    """A streamed reply made of `pieces`."""

    pieces: list[str]
    delay: float = 0.0  # seconds before each piece
    hold_after: int | None = None  # after this many pieces, wait for `release()`
    cut_after: int | None = None  # after this many pieces, drop the connection
    done: bool = True  # send `data: [DONE]`
    finish: bool = True  # send the finish_reason chunk
    raw_events: list[str] | None = None  # send these `data:` payloads instead
    whole: bool = False  # ignore `stream: true` and answer one chat.completion


@attrs.define
class Fail:
    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None


def unauthorized(key_shown: str = "sk-***") -> Fail:
    return Fail(
        401,
        f"Incorrect API key provided: {key_shown}. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
        "invalid_request_error",
        "invalid_api_key",
    )


RATE_LIMITED = Fail(
    429,
    "Rate limit reached for requests. Please try again in 20s.",
    "requests",
    "rate_limit_exceeded",
)
SERVER_ERROR = Fail(
    500,
    "The server had an error while processing your request. Sorry about that!",
    "server_error",
)


@attrs.define
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeOpenAI:
    """Serves on 127.0.0.1 in a thread; use as a context manager."""

    def __init__(self, script: list[Reply | Fail] | None = None) -> None:
        self.script: list[Reply | Fail] = list(script or [Reply(["Hello", " there", "!"])])
        self.models: list[str] = ["fake-model", "fake-model-2"]
        self.models_fail: Fail | None = None
        self.requests: list[Recorded] = []
        self.held = threading.Event()  # a held stream is waiting for release()
        self.peer_closed = threading.Event()  # the client closed a held stream
        self.finished = threading.Event()  # a stream ran to its end
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def release(self) -> None:
        self._release.set()

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _next_step(self) -> Reply | Fail:
        with self._lock:
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]


def refused_url() -> tuple[str, socket.socket]:
    """A base URL whose port refuses connections; keep the socket until done."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))  # bound, never listening: connect() is refused
    return f"http://127.0.0.1:{sock.getsockname()[1]}/v1", sock


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake0001",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self, body: Any) -> None:
            fake.requests.append(
                Recorded(
                    self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )

        def _json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _fail(self, fail: Fail) -> None:
            error = {"message": fail.message, "type": fail.type, "param": None, "code": fail.code}
            self._json(fail.status, {"error": error})

        def do_GET(self) -> None:
            self._record(None)
            if self.path.rstrip("/") != "/v1/models":
                self._fail(Fail(404, f"Invalid URL (GET {self.path})"))
            elif fake.models_fail is not None:
                self._fail(fake.models_fail)
            else:
                data = [
                    {"id": m, "object": "model", "created": 1700000000, "owned_by": "fake"}
                    for m in fake.models
                ]
                self._json(200, {"object": "list", "data": data})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                self._record(None)
                self._fail(Fail(400, "We could not parse the JSON body of your request."))
                return
            self._record(body)
            if self.path != "/v1/chat/completions":
                self._fail(Fail(404, f"Invalid URL (POST {self.path})"))
                return
            step = fake._next_step()
            if isinstance(step, Fail):
                self._fail(step)
            elif body.get("stream") is True and not step.whole:
                self._stream(step, body.get("model", ""))
            else:
                text = "".join(step.pieces)
                message = {"role": "assistant", "content": text}
                self._json(
                    200,
                    {
                        "id": "chatcmpl-fake0001",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", ""),
                        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
                    },
                )

        def _send_chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def _event(self, payload: str) -> None:
            self._send_chunk(f"data: {payload}\n\n".encode())

        def _stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            try:
                if reply.raw_events is not None:
                    for payload in reply.raw_events:
                        self._event(payload)
                    self._send_chunk(b"")
                    return
                self._event(json.dumps(_chunk(model, {"role": "assistant", "content": ""})))
                for i, piece in enumerate(reply.pieces):
                    if reply.cut_after == i:
                        self._cut()
                        return
                    if reply.hold_after == i:
                        self._hold()
                    if reply.delay:
                        time.sleep(reply.delay)
                    self._event(json.dumps(_chunk(model, {"content": piece})))
                if reply.cut_after is not None:
                    self._cut()
                    return
                if reply.finish:
                    self._event(json.dumps(_chunk(model, {}, "stop")))
                if reply.done:
                    self._event("[DONE]")
                self._send_chunk(b"")
                fake.finished.set()
            except OSError:
                fake.peer_closed.set()

        def _hold(self) -> None:
            fake.held.set()
            while not fake._release.wait(0.02):
                readable, _, _ = select.select([self.connection], [], [], 0)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    fake.peer_closed.set()
                    raise ConnectionResetError("the client went away")

        def _cut(self) -> None:
            # Mid-body, without the chunked terminator: a broken stream.
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

    return Handler
