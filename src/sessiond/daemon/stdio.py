"""Stdin and stdout on asyncio pipes, with flow control both ways.

- `open_source` reads stdin chunk by chunk and can be paused: on an asyncio
  pipe where the descriptor can be watched (pipe, socket, terminal), else
  (a regular file, `/dev/null`, which epoll refuses) in a worker thread, one
  read at a time.
- `open_sink` writes stdout: through an asyncio pipe transport that reports
  when more than `OUTPUT_LIMIT` bytes wait unsent (and when they have
  drained), else (a regular file, `/dev/null`) with plain blocking writes.
- `serve_stdio` joins them to an `Endpoint` (the server's protocol): stdin is
  read only while every frame read so far is handled and the output is under
  its limit, so a client that stops reading its answers cannot make the
  daemon grow, and a burst of requests is held as bytes, not as answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import selectors
import stat
from collections.abc import Callable
from typing import Any, Protocol

from sessiond.wire.framing import Frame, FrameDecoder, FramingError

logger = logging.getLogger(__name__)

# Answers waiting unsent in the stdout transport above which stdin is no
# longer read; reading resumes once they are down to a quarter of it.
OUTPUT_LIMIT = 1024 * 1024
READ_CHUNK = 256 * 1024  # what the thread reader asks for (asyncio pipes read as much)


class Sink(Protocol):
    def write(self, data: bytes) -> None: ...


class Source(Protocol):
    """Stdin, read chunk by chunk into a callback until the end of input."""

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def close(self) -> None: ...


def _watchable(fd: int) -> bool:
    """True when the event loop can watch `fd` (epoll refuses regular files and /dev/null)."""
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)):
            return False
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
    except (OSError, ValueError):  # not open at all: the blocking path says why when used
        return False
    return True


# Input


class _Reader(asyncio.Protocol):
    def __init__(self, on_data: Callable[[bytes], None], on_end: Callable[[], None]) -> None:
        self._on_data = on_data
        self._on_end = on_end

    def data_received(self, data: bytes) -> None:
        self._on_data(data)

    def eof_received(self) -> bool:
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._on_end()


class _PipeSource:
    def __init__(self, transport: asyncio.ReadTransport) -> None:
        self._transport = transport

    def pause(self) -> None:
        self._transport.pause_reading()

    def resume(self) -> None:
        self._transport.resume_reading()

    def close(self) -> None:
        self._transport.close()


class _ThreadSource:
    """Reads a descriptor the loop cannot watch, one chunk at a time in a worker
    thread, and asks for the next chunk only while not paused."""

    def __init__(self, fd: int, on_data: Callable[[bytes], None], on_end: Callable[[], None]):
        self._fd = fd
        self._on_data = on_data
        self._on_end = on_end
        self._may_read = asyncio.Event()
        self._may_read.set()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self._may_read.wait()
                chunk = await loop.run_in_executor(None, os.read, self._fd, READ_CHUNK)
                if not chunk:
                    break
                self._on_data(chunk)
        except OSError as exc:
            logger.error("reading stdin failed, taking it as the end of input: %s", exc)
        finally:
            self._on_end()

    def pause(self) -> None:
        self._may_read.clear()

    def resume(self) -> None:
        self._may_read.set()

    def close(self) -> None:
        self._task.cancel()


async def open_source(
    fd: int, on_data: Callable[[bytes], None], on_end: Callable[[], None]
) -> Source:
    """Start reading `fd`: `on_data(chunk)` for each read, `on_end()` once at
    the end of input (or when the source is closed)."""
    if not _watchable(fd):
        return _ThreadSource(fd, on_data, on_end)
    loop = asyncio.get_running_loop()
    pipe = os.fdopen(fd, "rb", buffering=0, closefd=False)
    transport, _ = await loop.connect_read_pipe(lambda: _Reader(on_data, on_end), pipe)
    return _PipeSource(transport)


# Output


class _Writer(asyncio.Protocol):
    """The write pipe's protocol: passes on flow control and the pipe's end."""

    def __init__(self, on_full: Callable[[], None], on_drained: Callable[[], None]) -> None:
        self._on_full = on_full
        self._on_drained = on_drained
        self.closing = False  # we close it: its end is no news
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def pause_writing(self) -> None:
        self._on_full()

    def resume_writing(self) -> None:
        self._on_drained()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if exc is not None and not self.closing:
            logger.warning("answers were not sent: the client closed stdout (%s)", exc)
        # Nothing waits to be sent any more: never stay paused on a dead pipe.
        self._on_drained()


class _PipeSink:
    def __init__(self, transport: asyncio.WriteTransport, writer: _Writer) -> None:
        self._transport = transport
        self._writer = writer
        self._dropped = False

    def write(self, data: bytes) -> None:
        if not self._transport.is_closing():
            self._transport.write(data)
        elif not self._dropped:  # the client has gone: say so once, not per answer
            self._dropped = True
            logger.warning("answers cannot be sent: the client closed stdout")

    async def close(self, timeout: float) -> None:
        self._writer.closing = True
        self._transport.close()  # flushes the buffer first, then reports connection_lost
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._writer.closed, timeout)


class FdSink:
    """Blocking writes to a file descriptor the loop cannot watch (a regular
    file, `/dev/null`): they finish at once, so output is never over the limit."""

    def __init__(self, fd: int) -> None:
        self._fd: int | None = fd

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view and self._fd is not None:
                view = view[os.write(self._fd, view) :]
        except OSError as exc:  # a full disk, a file closed under us
            logger.error("writing stdout failed: %s; answers from now on are not sent", exc)
            self._fd = None


async def open_sink(
    fd: int,
    on_full: Callable[[], None] = lambda: None,
    on_drained: Callable[[], None] = lambda: None,
) -> Sink:
    """A writer for `fd`: `on_full()` when over `OUTPUT_LIMIT` bytes wait
    unsent, `on_drained()` when they are down to a quarter of it."""
    if not _watchable(fd):
        return FdSink(fd)
    loop = asyncio.get_running_loop()
    pipe = os.fdopen(fd, "wb", buffering=0, closefd=False)
    writer = _Writer(on_full, on_drained)
    transport, _ = await loop.connect_write_pipe(lambda: writer, pipe)
    transport.set_write_buffer_limits(high=OUTPUT_LIMIT, low=OUTPUT_LIMIT // 4)
    return _PipeSink(transport, writer)


async def close_sink(sink: Any, timeout: float = 30.0) -> None:
    """Close `sink` once everything written to it has left the process.

    A pipe transport buffers what the reader has not taken yet; exiting
    without this would drop answers that were already committed. A reader
    that never reads holds the exit up for `timeout` seconds at most.
    """
    if isinstance(sink, _PipeSink):
        await sink.close(timeout)


# The loop


class Endpoint(Protocol):
    """What `serve_stdio` drives: the server's protocol."""

    sink: Any
    output_full: bool  # set here while too much output waits unsent
    exit_code: int | None  # set by the endpoint once `exit` has been handled

    def handle_frames(self, frames: list[Frame]) -> None:
        """Handle frames in order, as far as the output allows; keep the rest."""

    def pump(self) -> None:
        """Go on with the frames kept, now that the output has drained."""

    def all_handled(self) -> bool:
        """True when no frame is kept."""

    async def finish(self) -> None:
        """Answer everything pending, before the process ends."""


async def serve_stdio(in_fd: int, out_fd: int, endpoint: Endpoint) -> int:
    """Serve `endpoint` until `exit` or end of input; return the exit code.

    Stdin is read only while every frame read so far is handled and the
    output is not full. A broken stream or the end of input stops the server
    once the frames before it are handled (and their answers sent): exit code
    2 for a broken stream or input that ends inside a message, else 0.
    """
    loop = asyncio.get_running_loop()
    decoder = FrameDecoder()
    done: asyncio.Future[int] = loop.create_future()
    source: Source | None = None
    ended = False  # the input has ended
    broken: str | None = None  # why the input can no longer be read

    def settle() -> None:
        """After a read, a drain or the end of input: read on, wait, or stop."""
        if done.done():
            return
        if endpoint.exit_code is not None:
            done.set_result(endpoint.exit_code)
        elif not endpoint.all_handled():
            if source is not None:
                source.pause()  # until the output drains and the rest is handled
        elif broken is not None:
            logger.error("the input stream is broken, stopping: %s", broken)
            done.set_result(2)
        elif ended:
            if not decoder.idle:
                logger.error("input ended in the middle of a message; it was not handled")
            done.set_result(0 if decoder.idle else 2)
        elif source is not None:
            if endpoint.output_full:
                source.pause()
            else:
                source.resume()

    def on_data(data: bytes) -> None:
        nonlocal broken
        if done.done() or broken is not None:
            return
        try:
            frames = decoder.feed(data)
        except FramingError as exc:
            broken, frames = str(exc), exc.frames
        endpoint.handle_frames(frames)
        settle()

    def on_end() -> None:
        nonlocal ended
        ended = True
        settle()

    def on_full() -> None:
        endpoint.output_full = True

    def on_drained() -> None:
        endpoint.output_full = False
        if not done.done():
            endpoint.pump()
            settle()

    endpoint.sink = await open_sink(out_fd, on_full, on_drained)
    source = await open_source(in_fd, on_data, on_end)
    settle()  # apply what came while the source was being opened
    code = await done
    source.close()
    await endpoint.finish()
    await close_sink(endpoint.sink)
    return code
