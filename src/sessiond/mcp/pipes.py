"""MCP's stdio framing (one JSON-RPC message per line) on the event loop's
own pipes, as a transport for the SDK's server, with flow control both ways.

The SDK's `stdio_server` reads and writes through `anyio.wrap_file`: a
worker-thread hop for each line read, each write and each flush, about
0.7 ms a call on a busy two-core machine, as much as the search itself.
When stdin and stdout are pipes or sockets (as every MCP client spawns its
servers) they are read and written by the event loop instead; anything else
(a terminal, a file) falls back to the SDK's transport.

Backpressure: the SDK's server starts a task for every request it is handed
and never waits for its answer to leave. Here a request is handed on only
while fewer than `MAX_UNANSWERED` are unanswered (their answers not yet in
the pipe's buffer), and the pipe's buffer takes one answer at a time once
it holds `OUTPUT_LIMIT` bytes. So a client that sends thousands of requests
without reading its answers stops being read: its requests wait in its own
pipe (and at most `READ_AHEAD` bytes of them here), not as answers in this
process. (Before, 3,000 unread answers took it from 73 to 504 MB.) At the
end of input, every request read is answered, and the answers are sent,
before the server ends.

Either way, while serving, fd 0 reads the null device and fd 1 writes to
stderr: the wire uses private duplicates, so stray output (a library's
print) can never corrupt it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server.stdio import stdio_server
from mcp.shared.message import ServerMessageMetadata, SessionMessage

logger = logging.getLogger(__name__)

# A message line longer than this ends the connection (MCP requests are small).
MAX_LINE = 16 * 1024 * 1024
# Requests read and not yet answered above which stdin is no longer read. The
# tools answer one at a time on this thread: more would only hold answers.
MAX_UNANSWERED = 16
# Bytes of whole lines read ahead of the server; stdin is paused past this.
READ_AHEAD = 64 * 1024
# Answers waiting unsent in the pipe's buffer past which the next one waits.
OUTPUT_LIMIT = 1024 * 1024
# How long the answers still unsent at the end may hold the exit up.
CLOSE_TIMEOUT = 30.0

Streams = tuple[
    MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[SessionMessage]
]


def _pipe_or_socket(fd: int) -> bool:
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


@contextlib.contextmanager
def _claimed() -> Any:
    """Private duplicates of fd 0 and 1 for the wire; fd 0 at the null device
    and fd 1 at stderr until the end, when both are put back."""
    wire_in, wire_out = os.dup(0), os.dup(1)
    saved_in, saved_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, 0)
        os.dup2(2, 1)
        yield wire_in, wire_out
    finally:
        os.close(null)
        os.dup2(saved_in, 0)
        os.dup2(saved_out, 1)
        os.close(saved_in)
        os.close(saved_out)


class LineTooLong(Exception):
    pass


class _Lines(asyncio.Protocol):
    """Stdin as lines; reading pauses while READ_AHEAD bytes of whole lines
    wait to be taken, and resumes once they are down to a quarter of it."""

    def __init__(self) -> None:
        self._transport: asyncio.ReadTransport | None = None
        self._partial = bytearray()  # the line being read, before its newline
        self._lines: deque[bytes] = deque()
        self._held = 0  # bytes in _lines
        self._paused = False
        self._ended = False
        self._too_long = False
        self._news = asyncio.Event()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.ReadTransport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            line = data[start:end]
            if self._partial:
                self._partial += line
                line = bytes(self._partial)
                self._partial.clear()
            if len(line) > MAX_LINE:
                self._too_long = True
            self._lines.append(line)
            self._held += len(line)
            start = end + 1
        if start < len(data):
            self._partial += data[start:]
        if len(self._partial) > MAX_LINE:
            self._too_long = True
        if self._too_long or self._held >= READ_AHEAD:
            self._pause()
        self._news.set()

    def eof_received(self) -> bool:
        self._ended = True
        self._news.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended = True
        self._news.set()

    def _pause(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    async def readline(self) -> bytes | None:
        """The next line, without its newline; None at the end of input.
        LineTooLong for a line over MAX_LINE (no way to go on after it)."""
        while not self._lines:
            if self._too_long:
                raise LineTooLong
            if self._ended:
                if not self._partial:
                    return None
                line = bytes(self._partial)
                self._partial.clear()
                return line
            self._news.clear()
            await self._news.wait()
        line = self._lines.popleft()
        self._held -= len(line)
        if len(line) > MAX_LINE:
            raise LineTooLong
        if self._paused and not self._too_long and self._held <= READ_AHEAD // 4:
            self._paused = False
            if self._transport is not None and not self._transport.is_closing():
                self._transport.resume_reading()
        return line


class _Output(asyncio.Protocol):
    """Stdout's write pipe: says when its buffer is over OUTPUT_LIMIT, and
    when the pipe has closed (everything sent, or the client gone)."""

    def __init__(self) -> None:
        self._full = False
        self._drained = asyncio.Event()
        self.closed = asyncio.Event()

    def pause_writing(self) -> None:
        self._full = True
        self._drained.clear()

    def resume_writing(self) -> None:
        self._full = False
        self._drained.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            logger.warning("answers cannot be sent: the client closed stdout (%s)", exc)
        self.closed.set()
        self.resume_writing()  # nothing waits to be sent any more: never wait on a dead pipe

    async def drain(self) -> None:
        while self._full:
            await self._drained.wait()


class _Unanswered:
    """The requests handed to the server and not yet answered, by id."""

    def __init__(self) -> None:
        self._ids: dict[Any, int] = {}
        self.count = 0
        self._changed = asyncio.Event()

    def took(self, request_id: Any) -> None:
        self._ids[request_id] = self._ids.get(request_id, 0) + 1
        self.count += 1

    def settled(self, request_id: Any) -> None:
        """Its answer is in the pipe, or the server will not answer it (the
        client cancelled it)."""
        left = self._ids.get(request_id)
        if left is None:
            return
        if left == 1:
            del self._ids[request_id]
        else:
            self._ids[request_id] = left - 1
        self.count -= 1
        self._changed.set()

    async def below(self, most: int) -> None:
        while self.count >= most:
            self._changed.clear()
            await self._changed.wait()


@contextlib.asynccontextmanager
async def stdio() -> AsyncIterator[Any]:
    """The (read, write) streams that `Server.run` takes, on stdin/stdout."""
    if not (_pipe_or_socket(0) and _pipe_or_socket(1)):
        async with stdio_server() as streams:
            yield streams
        return
    loop = asyncio.get_running_loop()
    with _claimed() as (wire_in, wire_out):
        lines = _Lines()
        read_transport, _ = await loop.connect_read_pipe(lambda: lines, os.fdopen(wire_in, "rb", 0))
        output = _Output()
        write_transport, _ = await loop.connect_write_pipe(
            lambda: output, os.fdopen(wire_out, "wb", 0)
        )
        write_transport.set_write_buffer_limits(high=OUTPUT_LIMIT, low=OUTPUT_LIMIT // 4)
        unanswered = _Unanswered()
        inbound_send, inbound = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        outbound, outbound_receive = anyio.create_memory_object_stream[SessionMessage](0)

        def metadata(request_id: Any) -> ServerMessageMetadata:
            async def not_answered() -> None:
                unanswered.settled(request_id)

            return ServerMessageMetadata(on_request_unanswered=not_answered)

        async def read_lines() -> None:
            async with inbound_send:
                while True:
                    await unanswered.below(MAX_UNANSWERED)
                    try:
                        line = await lines.readline()
                    except LineTooLong:
                        logger.error("a message of over %d bytes; closing", MAX_LINE)
                        break
                    if line is None:
                        break
                    if not line.strip():
                        continue
                    try:
                        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except Exception as exc:
                        await inbound_send.send(exc)
                        continue
                    if isinstance(message, types.JSONRPCRequest):
                        unanswered.took(message.id)
                        await inbound_send.send(SessionMessage(message, metadata(message.id)))
                    else:
                        await inbound_send.send(SessionMessage(message))
                # The end of input: what was asked is answered before the
                # server is told (it would cancel what is still running).
                await unanswered.below(1)

        async def write_lines() -> None:
            gone = False
            async with outbound_receive:
                async for item in outbound_receive:
                    message = item.message
                    if not write_transport.is_closing():
                        body = message.model_dump_json(by_alias=True, exclude_unset=True)
                        write_transport.write(body.encode() + b"\n")
                    elif not gone:  # the client has gone: say so once, not per answer
                        gone = True
                        logger.warning("answers cannot be sent: the client closed stdout")
                    if isinstance(message, types.JSONRPCResponse | types.JSONRPCError):
                        unanswered.settled(message.id)
                    await output.drain()

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_lines)
                tasks.start_soon(write_lines)
                yield inbound, outbound
        finally:
            read_transport.close()
            # Closing flushes what the client has not read yet; a client that
            # never reads holds the exit up for CLOSE_TIMEOUT at most.
            write_transport.close()
            with anyio.move_on_after(CLOSE_TIMEOUT, shield=True):
                await output.closed.wait()
