"""The JSON-RPC server: pygls wiring, the LSP lifecycle, and dispatch.

No SQL here: handlers call the store (`sessiond.store`) and the store raises
the contract's errors, which this module turns into JSON-RPC error responses.

Where pygls 2.1 as released would break the contract, the protocol class
takes over (each is covered by a test in tests/e2e/test_pygls_traps.py):

- a request without `params` is answered as if `params` were `{}`;
- params are structured by our own strict converter, and a bad one is
  answered -32602 instead of being dropped;
- a body that is not JSON is answered -32700 and the server keeps serving;
- header names are case-insensitive and stdin is read on an asyncio pipe
  (`sessiond.transport`), not through a thread per line;
- errors are never sent to the editor as `window/showMessage` pop-ups;
- after `shutdown`, requests are answered -32600 instead of dropped.

Appends that arrive together (one read from stdin) are committed together
in one transaction and each is answered after that commit (group commit).
Any other request first commits the appends queued before it, so a client
always reads its own writes in the order it sent them.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import sys
from typing import Any

import cattrs
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, default_converter

from sessiond import PROTOCOL_VERSION, __version__
from sessiond.errors import (
    InternalError,
    InvalidParams,
    InvalidRequest,
    MethodNotFound,
    ParseError,
    ServerNotInitialized,
    SessiondError,
)
from sessiond.handlers import (
    APPEND,
    APPEND_SPEC,
    AppendItem,
    Id,
    append_answer,
    method_handlers,
    plain_append,
)
from sessiond.store import Store
from sessiond.transport import (
    FrameDecoder,
    FramingError,
    Oversize,
    close_sink,
    encode_frame,
    open_sink,
    read_stdio,
)
from sessiond.wire import (
    METHODS,
    structure_params,
    unstructure,
)

logger = logging.getLogger(__name__)

# Methods the client may send but that need no answer from us.
_IGNORED_NOTIFICATIONS = {"initialized", "$/cancelRequest", "$/setTrace", "$/progress"}


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
        self._out: list[bytes] = []
        self._appends: list[tuple[Id, AppendItem]] = []
        self.sink: Any = None
        self._lsp_converter = False

    # Output

    def _emit(self, message: dict[str, Any]) -> None:
        self._emit_body(json.dumps(message, separators=(",", ":")).encode())

    def _emit_body(self, body: bytes) -> None:
        self._out.append(encode_frame(body))

    def _result(self, msg_id: Id, result: Any) -> None:
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
            self.sink.write(data)

    def _send_data(self, data: Any) -> None:
        # pygls's own sends (none are expected) go through the same frames,
        # converted by lsprotocol's converter, made the first time it is needed.
        if data:
            if not self._lsp_converter:
                self._converter = default_converter()  # type: ignore[no-untyped-call]
                self._lsp_converter = True
            self._emit(self._converter.unstructure(data))
            self.flush_output()

    # Input

    def handle_frames(self, frames: list[bytes | Oversize]) -> None:
        """Handle every frame of one read, then commit and answer."""
        for frame in frames:
            if self.exit_code is not None:
                break
            if isinstance(frame, Oversize):
                self._error(
                    None,
                    InvalidRequest(
                        f"a message of {frame.length} bytes is over this server's limit of "
                        f"{frame.limit} bytes; it was skipped unread"
                    ),
                )
                continue
            self.handle_body(frame)
        self.commit_appends()
        self.flush_output()

    def handle_body(self, body: bytes) -> None:
        try:
            message = json.loads(body)
        except RecursionError:
            self._error(None, ParseError("the message is nested too deeply to be parsed"))
            return
        except ValueError as exc:  # includes UnicodeDecodeError
            self._error(None, ParseError(f"the message is not valid JSON: {exc}"))
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
            self._error(None, InvalidRequest("'id' must be an integer or a string"))
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

    def handle_notification(self, method: str, _params: Any) -> None:
        if method == "exit":
            self.commit_appends()
            self.exit_code = 0 if self._shutdown else 1
        elif method not in _IGNORED_NOTIFICATIONS:
            logger.debug("ignoring notification %s", method)

    def handle_request(self, msg_id: Id, method: str, params: Any) -> None:
        if method == "initialize":
            self._initialize(msg_id, params)
            return
        if not self.initialized:
            raise ServerNotInitialized(
                f"{method}: the server is not initialized yet; send 'initialize' first"
            )
        if self._shutdown:
            raise InvalidRequest(f"{method}: the server is shutting down; only 'exit' is accepted")
        if method == APPEND:
            item = plain_append(params)
            if item is None:
                p = structure_params(APPEND_SPEC, params)  # raises InvalidParams
                item = (p.session_id, p.kind, p.text)
            self._appends.append((msg_id, item))
            return
        spec = METHODS.get(method)
        self.commit_appends()
        if method == "shutdown":
            self._shutdown = True
            self._result(msg_id, None)
            return
        handler = self.fm.features.get(method)
        if spec is None or handler is None:
            raise MethodNotFound(
                f"unknown method {method!r}; this server serves: {', '.join(METHODS)}"
            )
        result = handler(structure_params(spec, params))
        self._result(msg_id, unstructure(result))

    def _initialize(self, msg_id: Id, params: Any) -> None:
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
                    }
                }
            },
            "serverInfo": {"name": "sessiond", "version": __version__},
        }
        self._result(msg_id, result)

    def commit_appends(self) -> None:
        """Commit the queued appends in one transaction, then answer each."""
        if not self._appends:
            return
        queued, self._appends = self._appends, []
        outcomes = self._server.store.append_many([item for _, item in queued])
        for (msg_id, _), outcome in zip(queued, outcomes, strict=True):
            if isinstance(outcome, SessiondError):
                self._error(msg_id, outcome)
            else:
                self._emit_body(append_answer(msg_id, outcome.seq, outcome.created_at))


class SessiondServer(LanguageServer):
    """A LanguageServer serving the contract's methods over one Store."""

    protocol: SessiondProtocol

    def __init__(self, store: Store) -> None:
        self.store = store
        super().__init__(
            "sessiond",
            __version__,
            protocol_cls=SessiondProtocol,
            converter_factory=light_converter,
        )
        for name, handler in method_handlers(store).items():
            self.feature(name)(handler)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # pygls would send these to the editor as pop-ups; a history service
        # has no business interrupting the person: log them instead.
        logger.error("server error (%s): %s", getattr(source, "__name__", source), error)

    async def serve(self, in_fd: int, out_fd: int) -> int:
        """Serve until `exit` or end of input; return the exit code."""
        loop = asyncio.get_running_loop()
        protocol = self.protocol
        protocol.sink = await open_sink(out_fd)
        decoder = FrameDecoder()
        stop: asyncio.Future[int] = loop.create_future()

        def on_data(data: bytes) -> None:
            if stop.done():
                return
            try:
                frames = decoder.feed(data)
            except FramingError as exc:
                logger.error("the input stream is broken, stopping: %s", exc)
                protocol.handle_frames([])
                stop.set_result(2)
                return
            protocol.handle_frames(frames)
            if protocol.exit_code is not None and not stop.done():
                stop.set_result(protocol.exit_code)

        await read_stdio(in_fd, on_data, stop)
        protocol.commit_appends()
        protocol.flush_output()
        code = stop.result() if stop.done() else 0
        if not stop.done() and not decoder.idle:
            logger.error("input ended in the middle of a message; it was not handled")
            code = 2
        await close_sink(protocol.sink)
        return code


def run_stdio(store: Store) -> int:
    """Serve JSON-RPC on this process's stdin/stdout; return the exit code.

    The wire gets its own copy of stdout, and file descriptor 1 is pointed at
    stderr, so that a stray print anywhere can never corrupt a frame.
    """
    wire_out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    server = SessiondServer(store)
    # Everything made so far (pygls, lsprotocol: some 50,000 objects) lives as
    # long as the process: keep it out of the cyclic collector's full passes,
    # which would otherwise walk it all every so many thousand requests.
    gc.freeze()
    try:
        return asyncio.run(server.serve(0, wire_out))
    finally:
        store.close()
