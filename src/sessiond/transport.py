"""LSP base-protocol framing over stdio, on asyncio pipes.

pygls 2.1's own stdin reader hops to a thread pool for every header line and
body, only matches `Content-Length` spelled with that exact case, and reads
any length it is told into memory. This module replaces it:

- `FrameDecoder` turns bytes into message bodies. Header names are
  case-insensitive (as in HTTP, which the base protocol borrows from); a body
  over `max_body` is skipped as it streams past, never held whole; a header
  block that cannot be understood is fatal, since the next message's start can
  no longer be found.
- `serve_stdio` reads stdin with `loop.connect_read_pipe` (a thread only when
  stdin is a regular file) and hands each chunk's frames to the server at
  once, so requests that arrive together are handled together.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import stat
from collections.abc import Callable
from typing import Any, Protocol

import attrs

logger = logging.getLogger(__name__)

MAX_HEADER_BYTES = 8192
DEFAULT_MAX_BODY = 16 * 1024 * 1024

# The header block every client we know of sends; anything else is parsed
# line by line by `FrameDecoder._content_length`.
_PLAIN_HEADER = re.compile(rb"Content-Length: ([0-9]+)")


@attrs.frozen
class Oversize:
    """A body of `length` bytes was over the limit and has been skipped."""

    length: int
    limit: int


class FramingError(Exception):
    """The stream is broken past repair: no way to find the next message."""


class FrameDecoder:
    """Incremental decoder of `Content-Length`-framed bodies.

    Bytes are copied once: each body is sliced out of the chunk it arrived
    in (or, when a body spans reads, out of the pieces joined once it is
    whole), never accumulated in a growing buffer.
    """

    def __init__(self, max_body: int = DEFAULT_MAX_BODY) -> None:
        self.max_body = max_body
        self._parts: list[bytes] = []  # received and not yet decoded, in order
        self._size = 0  # bytes in _parts
        self._need: int | None = None  # body bytes expected, once headers are read
        self._skip = 0  # bytes of an oversize body still to throw away

    @property
    def idle(self) -> bool:
        """True between messages: nothing half-received."""
        return not self._size and self._need is None and not self._skip

    def feed(self, data: bytes) -> list[bytes | Oversize]:
        """Every complete body in `data` (and what came before it), in order.

        Raises FramingError when a header block cannot be understood.
        """
        if self._skip:
            dropped = min(self._skip, len(data))
            self._skip -= dropped
            data = data[dropped:]
        if not data:
            return []
        if self._need is not None and self._size + len(data) < self._need:
            # Still inside one body: keep the piece, join them when it is whole.
            self._parts.append(bytes(data))
            self._size += len(data)
            return []
        if self._parts:
            self._parts.append(data)
            buf = b"".join(self._parts)
            self._parts = []
            self._size = 0
        else:
            buf = bytes(data)  # no copy when it is bytes already
        frames: list[bytes | Oversize] = []
        pos = 0
        end = len(buf)
        while pos < end:
            need = self._need
            if need is None:
                stop = buf.find(b"\r\n\r\n", pos)
                if stop < 0:
                    if end - pos > MAX_HEADER_BYTES:
                        raise FramingError(
                            f"a header block is over {MAX_HEADER_BYTES} bytes with no blank line"
                        )
                    break
                plain = _PLAIN_HEADER.fullmatch(buf, pos, stop)
                length = int(plain[1]) if plain else self._content_length(buf[pos:stop])
                pos = stop + 4
                if length > self.max_body:
                    frames.append(Oversize(length, self.max_body))
                    available = end - pos
                    if available >= length:
                        pos += length
                    else:
                        self._skip = length - available
                        pos = end
                    continue
                self._need = need = length
            if end - pos < need:
                break
            frames.append(buf[pos : pos + need])
            pos += need
            self._need = None
        if pos < end:
            self._parts.append(buf[pos:])
            self._size = end - pos
        return frames

    @staticmethod
    def _content_length(block: bytes) -> int:
        length: int | None = None
        for line in block.split(b"\r\n"):
            name, sep, value = line.partition(b":")
            if not sep:
                # Never the bytes: after a wrong Content-Length this "header"
                # may be a person's text, which must not reach the logs.
                raise FramingError(f"a header line of {len(line)} bytes has no ':'")
            if name.strip().lower() == b"content-length":
                text = value.strip()
                if not text.isdigit():
                    raise FramingError(f"Content-Length is not a number ({len(text)} bytes)")
                length = int(text)
        if length is None:
            raise FramingError("a header block has no Content-Length")
        return length


def encode_frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


class FrameHandler(Protocol):
    def handle_frames(self, frames: list[bytes | Oversize]) -> None: ...


class _Reader(asyncio.Protocol):
    def __init__(self, on_data: Callable[[bytes], None], done: asyncio.Future[None]) -> None:
        self._on_data = on_data
        self._done = done

    def data_received(self, data: bytes) -> None:
        self._on_data(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._done.done():
            self._done.set_result(None)


class _Writer(asyncio.Protocol):
    """The write pipe's protocol: knows when the pipe has been closed."""

    def __init__(self) -> None:
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class FdSink:
    """Blocking writes to a file descriptor (stdout when it is a regular file)."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]


def _is_pipe_like(fd: int) -> bool:
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


async def open_sink(fd: int) -> Sink:
    """A non-blocking writer for pipes and terminals, else a blocking one."""
    if not _is_pipe_like(fd):
        return FdSink(fd)
    loop = asyncio.get_running_loop()
    pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
    transport, _ = await loop.connect_write_pipe(_Writer, pipe)
    return transport


async def close_sink(sink: Sink, timeout: float = 30.0) -> None:
    """Close `sink` once everything written to it has left the process.

    A pipe transport buffers what the reader has not taken yet; exiting
    without this would drop answers that were already committed. A reader
    that never reads holds the exit up for `timeout` seconds at most.
    """
    if not isinstance(sink, asyncio.WriteTransport):
        return
    protocol = sink.get_protocol()
    sink.close()  # flushes the buffer first, then reports connection_lost
    if isinstance(protocol, _Writer):
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(protocol.closed, timeout)


async def read_stdio(fd: int, on_data: Callable[[bytes], None], stop: asyncio.Future[int]) -> None:
    """Call `on_data` with each chunk read from `fd` until end of input or `stop`."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    if _is_pipe_like(fd):
        pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
        transport, _ = await loop.connect_read_pipe(lambda: _Reader(on_data, done), pipe)
        try:
            waiters: list[asyncio.Future[Any]] = [done, stop]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        finally:
            transport.close()
        return
    # A regular file (`sessiond < requests.bin`) cannot be watched for
    # readiness; read it in a thread instead.
    while not stop.done():
        chunk = await loop.run_in_executor(None, os.read, fd, 256 * 1024)
        if not chunk:
            break
        on_data(chunk)
    with contextlib.suppress(asyncio.InvalidStateError):
        done.set_result(None)
