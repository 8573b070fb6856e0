"""The JSON-RPC server: pygls wiring, the LSP lifecycle, and dispatch.

No SQL here: handlers call the store (`sessiond.store`) and the store raises
the contract's errors, which this module turns into JSON-RPC error responses.

Where pygls 2.1 as released would break the contract, the protocol class
takes over (each is covered by a test in tests/e2e/test_pygls_traps.py):

- a request without `params` is answered as if `params` were `{}`;
- params are structured by our own strict converter, and a bad one is
  answered -32602 instead of being dropped;
- a body that is not JSON is answered -32700 and the server keeps serving;
- header names are case-insensitive (`sessiond.wire.framing`) and stdin is read
  on an asyncio pipe (`sessiond.daemon.stdio`), not through a thread per line;
- errors are never sent to the editor as `window/showMessage` pop-ups;
- after `shutdown`, requests are answered -32600 instead of dropped.

Frames are handled in the order they arrive. Appends are queued and
committed together in one transaction, each answered after that commit
(group commit), when the frames read so far are all handled; any other
request first commits the appends queued before it, so a client always
reads its own writes in the order it sent them.

Answers leave as they are made (gathered up to `FLUSH_BYTES`). While more
than `stdio.OUTPUT_LIMIT` bytes of them wait unsent, the frames not yet
handled wait too, in order, and stdin is not read: a client that stops
reading cannot make the daemon grow.

A request sent as a notification (without an `id`) is performed all the
same and never answered; when it fails, the failure is logged as a warning.
"""

from __future__ import annotations

import asyncio
import enum
import gc
import json
import logging
import os
import sys
from collections import deque
from typing import TYPE_CHECKING, Any, Literal

import cattrs
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCNotification, LanguageServerProtocol, default_converter

from sessiond import PROTOCOL_VERSION, __version__
from sessiond.daemon.embedding import Background
from sessiond.daemon.methods import (
    APPEND,
    SERVED,
    AppendItem,
    Id,
    Offloaded,
    Plain,
    Queued,
    Streamed,
    append_answer,
)
from sessiond.daemon.notify import Notifier
from sessiond.daemon.reads import Reads
from sessiond.daemon.stdio import serve_stdio
from sessiond.errors import (
    InternalError,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    ServerNotInitialized,
    SessiondError,
)
from sessiond.store import Store
from sessiond.wire.convert import describe, unstructure
from sessiond.wire.framing import Frame, Oversize, encode_frame, parse_body
from sessiond.wire.methods import METHODS, structure_params

if TYPE_CHECKING:
    from sessiond.daemon.chat_send import ChatRequests

logger = logging.getLogger(__name__)

# Methods the client may send but that need no answer from us.
_IGNORED_NOTIFICATIONS = {"initialized", "$/setTrace", "$/progress"}
CHAT = "chat/send"
# Requests; sent as notifications they are performed all the same.
_REQUESTS = frozenset({"initialize", "shutdown", *METHODS})
# Answers are gathered up to this many bytes before they are written.
FLUSH_BYTES = 64 * 1024


class _NoId(enum.Enum):
    NOTIFICATION = "notification"


# The "id" of a request sent as a notification: performed, never answered.
NOTIFIED = _NoId.NOTIFICATION
ReplyTo = Id | Literal[_NoId.NOTIFICATION]


def light_converter() -> cattrs.Converter:
    """The converter pygls is built with: a plain one.

    This server never lets pygls structure or send a message, so lsprotocol's
    converter (tens of milliseconds of hook registration at every start) is
    only made if pygls ever sends something itself (`_send_data`).
    """
    return cattrs.Converter()


class SessiondProtocol(LanguageServerProtocol):
    """pygls's protocol, with dispatch that answers every request."""

    _server: SessiondServer

    def __init__(self, server: SessiondServer, converter: Any) -> None:
        super().__init__(server, converter)
        self.initialized = False
        self.exit_code: int | None = None
        self.sink: Any = None
        # Set by the stdout transport while too much output waits unsent.
        self.output_full = False
        self._out: list[bytes] = []
        self._out_size = 0
        self._waiting: deque[Frame] = deque()  # read, not handled yet, in order
        self._appends: list[tuple[ReplyTo, AppendItem]] = []
        self._lsp_converter = False
        self.holding = False  # a sender of several notifications flushes them once

    # Output: every frame leaves through _emit_body.

    def _emit(self, message: dict[str, Any]) -> None:
        self._emit_body(json.dumps(message, separators=(",", ":")).encode())

    def _emit_body(self, body: bytes) -> None:
        frame = encode_frame(body)
        self._out.append(frame)
        self._out_size += len(frame)
        if self._out_size >= FLUSH_BYTES:
            self.flush_output()

    def _result(self, msg_id: ReplyTo, result: Any) -> None:
        if msg_id is not NOTIFIED:
            self._emit({"jsonrpc": "2.0", "id": msg_id, "result": result})

    def _error(self, msg_id: Id, error: SessiondError) -> None:
        self._emit(
            {
                "jsonrpc": "2.0",
                "id": msg_id,
                "error": {"code": error.code, "message": error.message},
            }
        )

    def flush_output(self) -> None:
        if self._out and self.sink is not None:
            data = b"".join(self._out)
            self._out.clear()
            self._out_size = 0
            self.sink.write(data)

    def _send_data(self, data: Any) -> None:
        # Where pygls's `notify` hands over what it sends. Our notifications
        # (params already plain JSON) are written as they are; anything else
        # pygls sends (none is expected) is converted by lsprotocol's
        # converter, made the first time it is needed. A batch of
        # notifications is flushed once, by its sender (`holding`).
        if not data:
            return
        if isinstance(data, JsonRPCNotification) and isinstance(data.params, dict):
            self._emit({"jsonrpc": "2.0", "method": data.method, "params": data.params})
        else:
            if not self._lsp_converter:
                self._converter = default_converter()  # type: ignore[no-untyped-call]
                self._lsp_converter = True
            self._emit(self._converter.unstructure(data))
        if not self.holding:
            self.flush_output()

    def answer_later(self, msg_id: ReplyTo, result: Any) -> None:
        """Answer a request that finished after its frame was handled."""
        self._result(msg_id, result)
        self.flush_output()

    def fail_later(self, msg_id: ReplyTo, error: SessiondError, method: str = CHAT) -> None:
        if msg_id is NOTIFIED:
            _log_unanswered(method, error)
        else:
            self._error(msg_id, error)
        self.flush_output()

    # Input

    def all_handled(self) -> bool:
        """True when every frame received has been handled.

        (A method, not a property: pygls reads every attribute of its protocol.)
        """
        return not self._waiting

    def handle_frames(self, frames: list[Frame]) -> None:
        """Handle `frames` in order, after any still waiting.

        Stops while the output is full (`output_full`): the rest wait, in
        order, for `pump` once it has drained.
        """
        self._waiting.extend(frames)
        self.pump()

    def pump(self) -> None:
        """Handle waiting frames until none is left or the output is full.

        When none is left, the queued appends are committed and answered.
        """
        waiting = self._waiting
        while waiting and not self.output_full:
            if self.exit_code is not None:
                waiting.clear()
                break
            frame = waiting.popleft()
            if isinstance(frame, Oversize):
                self._error(
                    None,
                    InvalidRequest(
                        f"a message of {frame.length} bytes is over this server's limit of "
                        f"{frame.limit} bytes; it was skipped unread"
                    ),
                )
            else:
                self.handle_body(frame)
        if not waiting:
            self.commit_appends()
        self.flush_output()

    def handle_body(self, body: bytes) -> None:
        try:
            message = parse_body(body)
        except ParseError as exc:
            self._error(None, exc)
            return
        if not isinstance(message, dict):
            kind = "a batch (array)" if isinstance(message, list) else "not an object"
            self._error(None, InvalidRequest(f"the message is {kind}; send one request object"))
            return
        self.handle_json(message)

    def handle_json(self, message: dict[str, Any]) -> None:
        msg_id = message.get("id")
        has_id = "id" in message
        if has_id and (isinstance(msg_id, bool) or not isinstance(msg_id, int | str)):
            self._error(
                None, InvalidRequest(f"'id' must be an integer or a string; got {describe(msg_id)}")
            )
            return
        if message.get("jsonrpc") != "2.0":
            self._error(msg_id, InvalidRequest("'jsonrpc' must be \"2.0\""))
            return
        method = message.get("method")
        if method is None and has_id and ("result" in message or "error" in message):
            logger.debug("ignoring a response to a request we never sent: id %r", msg_id)
            return
        if not isinstance(method, str):
            self._error(msg_id, InvalidRequest("'method' must be a string"))
            return
        params = message.get("params")
        if not has_id:
            self.handle_notification(method, params)
            return
        try:
            self.handle_request(msg_id, method, params)
        except SessiondError as exc:
            self._error(msg_id, exc)
        except Exception as exc:
            logger.exception("request %r (%s) failed", msg_id, method)
            self._error(msg_id, InternalError(f"internal error in {method}: {exc}"))

    def handle_notification(self, method: str, params: Any) -> None:
        """A message without an id. A request sent this way is performed like
        one and never answered: a failure is logged as a warning instead."""
        if method == "exit":
            self.commit_appends()
            self.exit_code = 0 if self._shutdown else 1
        elif method == "$/cancelRequest":
            if isinstance(params, dict) and self._server.chats is not None:
                self._server.chats.cancel(params.get("id"))
        elif method in _REQUESTS:
            try:
                self.handle_request(NOTIFIED, method, params)
            except SessiondError as exc:
                _log_unanswered(method, exc)
            except Exception:
                logger.exception("%s, sent as a notification, failed", method)
        elif method not in _IGNORED_NOTIFICATIONS:
            logger.debug("ignoring notification %s", method)

    def handle_request(self, msg_id: ReplyTo, method: str, params: Any) -> None:
        if method == "initialize":
            self._initialize(msg_id, params)
            return
        if not self.initialized:
            raise ServerNotInitialized(
                f"{method}: the server is not initialized yet; send 'initialize' first"
            )
        if self._shutdown:
            raise InvalidRequest(f"{method}: the server is shutting down; only 'exit' is accepted")
        served = SERVED.get(method)
        if isinstance(served, Queued):
            self._appends.append((msg_id, served.item(params)))
            return
        self.commit_appends()
        if method == "shutdown":
            self._shutdown = True
            self._result(msg_id, None)
            return
        spec = METHODS.get(method)
        if spec is None or served is None:
            raise MethodNotFound(
                f"unknown method {method!r}; this server serves: {', '.join(METHODS)}"
            )
        if isinstance(served, Streamed):  # answered when it is done
            served.start(self._server, msg_id, params)
            return
        if isinstance(served, Offloaded):  # read beside, answered when done
            self._server.reads.start(msg_id, method, served, structure_params(spec, params))
            return
        assert isinstance(served, Plain)
        result = served.call(self._server, structure_params(spec, params))
        self._result(msg_id, unstructure(result))

    def _initialize(self, msg_id: ReplyTo, params: Any) -> None:
        if self.initialized:
            raise InvalidRequest("initialize: the server is already initialized")
        if params is not None and not isinstance(params, dict):
            raise InvalidParams(
                f"initialize: params must be an object; got {type(params).__name__}"
            )
        self.initialized = True
        # lsprotocol's InitializeResult, written out: converting the class costs
        # more than the rest of a start (cattrs compiles its hooks on first use).
        result = {
            "capabilities": {
                "experimental": {
                    "sessiond": {
                        "protocolVersion": PROTOCOL_VERSION,
                        "maxTextBytes": self._server.store.max_text_bytes,
                        "chat": True,
                        # Whether chat/send has an engine (a session's own
                        # engineBaseUrl aside): clients say so before a turn.
                        "engine": self._server.engine_set,
                        # Whether session/find ranks by meaning too: the
                        # extra is installed and `sessiond index` made the
                        # store's vectors.
                        "semantic": self._server.background.ready(),
                    }
                }
            },
            "serverInfo": {"name": "sessiond", "version": __version__},
        }
        self._result(msg_id, result)

    async def finish(self) -> None:
        """Stop the notifications and the replies streaming (each is stored
        and answered), commit what is queued, and hand every answer made to
        the sink."""
        self._server.notifier.close()
        if self._server.chats is not None:
            await self._server.chats.close()
        await self._server.reads.close()
        self.commit_appends()
        self.flush_output()
        await self._server.background.close()

    def commit_appends(self) -> None:
        """Commit the queued appends in one transaction, then answer each."""
        if not self._appends:
            return
        queued, self._appends = self._appends, []
        outcomes = self._server.store.append_many([item for _, item in queued])
        for (msg_id, _), outcome in zip(queued, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                if msg_id is not NOTIFIED:
                    self._emit_body(append_answer(msg_id, outcome.seq, outcome.created_at))
                continue
            error = (
                outcome
                if isinstance(outcome, SessiondError)
                else InternalError(f"internal error in {APPEND}: {outcome}")
            )
            if msg_id is NOTIFIED:
                _log_unanswered(APPEND, error)
            else:
                self._error(msg_id, error)
        self._server.background.appended()


def _log_unanswered(method: str, error: SessiondError) -> None:
    logger.warning(
        "%s, sent as a notification (without an 'id'), failed and cannot be answered: "
        "%s (error %d)",
        method,
        error.message,
        error.code,
    )


class SessiondServer(LanguageServer):
    """A LanguageServer serving the contract's methods over one Store."""

    protocol: SessiondProtocol

    def __init__(
        self,
        store: Store,
        engine_base_url: str | None = None,
        engine_model: str | None = None,
        db: str | None = None,
    ) -> None:
        self.store = store
        self.engine_options = (engine_base_url, engine_model)
        # As EngineSettings.from_env reads it, without importing the engine client.
        self.engine_set = bool(engine_base_url or os.environ.get("SESSIOND_ENGINE_BASE_URL"))
        self.chats: ChatRequests | None = None  # made on the first chat/send
        super().__init__(
            "sessiond",
            __version__,
            protocol_cls=SessiondProtocol,
            converter_factory=light_converter,
        )
        # Server-initiated traffic goes through pygls's own notification path.
        self.notifier = Notifier(store, self.protocol.notify, self._output_full, self._hold)
        self.reads = Reads(store, self.protocol.answer_later, self.protocol.fail_later)
        # New turns embedded by a worker process, when the store has vectors:
        # it opens the store's file, or the PostgreSQL URI `db` the store was
        # opened with (handed over in its environment, never on a command line).
        self.background = Background(store, getattr(store, "path", None) or db)

    def _output_full(self) -> bool:
        return self.protocol.output_full

    def _hold(self, on: bool) -> None:
        self.protocol.holding = on
        if not on:
            self.protocol.flush_output()

    def start_chats(self) -> ChatRequests:
        """The chat/send machinery, imported and made on first use: the
        engine client is no part of a daemon's start."""
        if self.chats is None:
            from sessiond.daemon.chat_send import ChatRequests
            from sessiond.daemon.engine import Engines, EngineSettings

            engines = Engines(EngineSettings.from_env(*self.engine_options))
            protocol = self.protocol
            self.chats = ChatRequests(
                self.store,
                engines,
                protocol.answer_later,
                protocol.fail_later,
                protocol.notify,
                self._output_full,
            )
        return self.chats

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would send these to the editor as pop-ups; a history service
        # has no business interrupting the person: log them instead.
        logger.error("server error (%s): %s", getattr(source, "__name__", source), error)

    async def serve(self, in_fd: int, out_fd: int) -> int:
        """Serve until `exit` or end of input; return the exit code."""
        return await serve_stdio(in_fd, out_fd, self.protocol)


def run_stdio(
    store: Store,
    engine_base_url: str | None = None,
    engine_model: str | None = None,
    db: str | None = None,
) -> int:
    """Serve JSON-RPC on this process's stdin/stdout; return the exit code.
    `db` is what `store` was opened from (for the background embedder).

    The wire gets its own copy of stdout, and file descriptor 1 is pointed at
    stderr, so that a stray print anywhere can never corrupt a frame.
    """
    wire_out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    server = SessiondServer(store, engine_base_url, engine_model, db)
    # pygls logs every message it sends at debug level, with its text: event
    # text must never reach a log.
    logging.getLogger("pygls").setLevel(max(logging.INFO, logging.getLogger().level))
    # Everything made so far (pygls, lsprotocol: some 50,000 objects) lives as
    # long as the process: keep it out of the cyclic collector's full passes,
    # which would otherwise walk it all every so many thousand requests.
    gc.freeze()
    try:
        return asyncio.run(server.serve(0, wire_out))
    finally:
        store.close()
