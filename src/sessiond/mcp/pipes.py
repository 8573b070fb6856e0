"""MCP's stdio framing (one JSON-RPC message per line) on the event loop's
own pipes, as a transport for the SDK's server.

The SDK's `stdio_server` reads and writes through `anyio.wrap_file`: a
worker-thread hop for each line read, each write and each flush, about
0.7 ms a call on a busy two-core machine, as much as the search itself.
When stdin and stdout are pipes or sockets (as every MCP client spawns its
servers) they are read and written by the event loop instead; anything else
(a terminal, a file) falls back to the SDK's transport.

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
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types as types
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage

logger = logging.getLogger(__name__)

# A message line longer than this ends the connection (MCP requests are small).
MAX_LINE = 16 * 1024 * 1024

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


@contextlib.asynccontextmanager
async def stdio() -> AsyncIterator[Any]:
    """The (read, write) streams that `Server.run` takes, on stdin/stdout."""
    if not (_pipe_or_socket(0) and _pipe_or_socket(1)):
        async with stdio_server() as streams:
            yield streams
        return
    loop = asyncio.get_running_loop()
    with _claimed() as (wire_in, wire_out):
        reader = asyncio.StreamReader(limit=MAX_LINE)
        read_transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(wire_in, "rb", 0)
        )
        write_transport, write_protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", 0)
        )
        writer = asyncio.StreamWriter(write_transport, write_protocol, None, loop)
        inbound_send, inbound = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        outbound, outbound_receive = anyio.create_memory_object_stream[SessionMessage](0)

        async def read_lines() -> None:
            async with inbound_send:
                while True:
                    try:
                        line = await reader.readline()
                    except ValueError:  # no end of line within MAX_LINE: no way to go on
                        logger.error("a message of over %d bytes; closing", MAX_LINE)
                        return
                    if not line:
                        return
                    try:
                        message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except Exception as exc:
                        await inbound_send.send(exc)
                        continue
                    await inbound_send.send(SessionMessage(message))

        async def write_lines() -> None:
            async with outbound_receive:
                async for item in outbound_receive:
                    body = item.message.model_dump_json(by_alias=True, exclude_unset=True)
                    writer.write(body.encode() + b"\n")
                    await writer.drain()

        try:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(read_lines)
                tasks.start_soon(write_lines)
                yield inbound, outbound
        finally:
            read_transport.close()
            writer.close()
