"""The LSP base protocol's framing and bodies, as bytes in and out (no I/O).

pygls 2.1's own stdin reader hops to a thread pool for every header line and
body, only matches `Content-Length` spelled with that exact case, and reads
any length it is told into memory. This module replaces its framing (and
`sessiond.daemon.stdio` its reading):

- `FrameDecoder` turns bytes into message bodies. Header names are
  case-insensitive (as in HTTP, which the base protocol borrows from); header
  lines may end with `\\r\\n` or a bare `\\n`, and blank lines between
  messages are skipped (typed input ends a body with Enter); a body over
  `max_body` is skipped as it streams past, never held whole; a header block
  that cannot be understood is fatal, since the next message's start can no
  longer be found.
- `parse_body` reads a body as UTF-8 JSON, and refuses anything else with a
  `ParseError` that says what the bytes are instead.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from typing import Any

import attrs

from sessiond.errors import ParseError

MAX_HEADER_BYTES = 8192
DEFAULT_MAX_BODY = 16 * 1024 * 1024
_MAX_LENGTH_DIGITS = 18  # a longer Content-Length is no body anyone sends: the stream is off

# The header block every client we know of sends, checked without splitting
# lines; anything else is parsed line by line by `FrameDecoder._header`.
_PLAIN_PREFIX = b"Content-Length: "
_PLAIN_HEADER = re.compile(rb"Content-Length: ([0-9]{1,18})")
_PLAIN_MAX = len(_PLAIN_PREFIX) + _MAX_LENGTH_DIGITS + 4


@attrs.frozen
class Oversize:
    """A body of `length` bytes was over the limit and has been skipped."""

    length: int
    limit: int


Frame = bytes | Oversize


class FramingError(Exception):
    """The stream is broken past repair: no way to find the next message.

    `frames` holds the complete messages that came before the break in the
    same `feed`: they are well formed and must still be handled.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.frames: list[Frame] = []


class FrameDecoder:
    """Incremental decoder of `Content-Length`-framed bodies.

    Bytes are copied once: each body is sliced out of the chunk it arrived
    in (or, when a body spans reads, out of the pieces joined once it is
    whole), never accumulated in a growing buffer. After a FramingError the
    decoder is done: feed it nothing more.
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

    def feed(self, data: bytes) -> list[Frame]:
        """Every complete body in `data` (and what came before it), in order.

        Raises FramingError, carrying the bodies before the break, when a
        header block cannot be understood.
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
        frames: list[Frame] = []
        pos = 0
        end = len(buf)
        try:
            while pos < end:
                need = self._need
                if need is None:
                    pos, length = self._header(buf, pos, end)
                    if length is None:
                        break
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
        except FramingError as exc:
            exc.frames = frames
            raise
        if pos < end:
            self._parts.append(buf[pos:])
            self._size = end - pos
        return frames

    @staticmethod
    def _header(buf: bytes, pos: int, end: int) -> tuple[int, int | None]:
        """Read the header block at `pos`: (where its body starts, Content-Length),
        or (where the unread block starts, None) when it is not whole yet."""
        if buf.startswith(_PLAIN_PREFIX, pos):
            stop = buf.find(b"\r\n\r\n", pos, pos + _PLAIN_MAX)
            if stop >= 0:
                plain = _PLAIN_HEADER.fullmatch(buf, pos, stop)
                if plain:
                    return stop + 4, int(plain[1])
        start = pos  # where the block begins, once blank lines before it are skipped
        length: int | None = None
        lines = 0
        while True:
            newline = buf.find(b"\n", pos, end)
            if newline < 0:
                if end - start > MAX_HEADER_BYTES:
                    raise FramingError(
                        f"a header block is over {MAX_HEADER_BYTES} bytes with no blank line"
                    )
                return start, None
            cut = newline - 1 if newline > pos and buf[newline - 1] == 13 else newline  # \r
            line = buf[pos:cut]
            pos = newline + 1
            if line:
                lines += 1
                if pos - start > MAX_HEADER_BYTES:
                    raise FramingError(f"a header block is over {MAX_HEADER_BYTES} bytes")
                length = _header_line(line, length)
            elif not lines:
                start = pos  # a blank line between messages: skipped
            elif length is None:
                raise FramingError("a header block has no Content-Length")
            else:
                return pos, length


def _header_line(line: bytes, length: int | None) -> int | None:
    """The Content-Length after one header line (`length` so far)."""
    name, sep, value = line.partition(b":")
    if not sep:
        # Never the bytes: after a wrong Content-Length this "header"
        # may be a person's text, which must not reach the logs.
        raise FramingError(f"a header line of {len(line)} bytes has no ':'")
    if name.strip().lower() != b"content-length":
        return length
    text = value.strip()
    if not text.isdigit():
        raise FramingError(f"Content-Length is not a number ({len(text)} bytes)")
    if len(text) > _MAX_LENGTH_DIGITS:
        raise FramingError(f"Content-Length has {len(text)} digits; no message is that long")
    return int(text)


def encode_frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def parse_body(body: bytes) -> Any:
    """The JSON value of a body, or ParseError saying in words what is wrong.

    Bodies are UTF-8 (RFC 8259 forbids a byte order mark, and UTF-16 or
    UTF-32 text, which `json.loads` would guess its way through, is refused).
    An integer too long for Python to convert reads as a `TooLong` in its
    place, so that the field holding it is refused like any wrong value.
    """
    try:
        text = body.decode()
    except UnicodeDecodeError as exc:
        hint = ""
        if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in body:
            hint = "; it looks like UTF-16 or UTF-32"
        raise ParseError(
            f"the message is not UTF-8 ({exc.reason} at byte {exc.start}){hint}; "
            "send the body as UTF-8 JSON"
        ) from None
    try:
        try:
            return json.loads(text)
        except ValueError as exc:
            if type(exc) is not ValueError:  # a JSONDecodeError
                raise
            return json.loads(text, parse_int=_parse_int)  # over the digit limit
    except RecursionError:
        raise ParseError("the message is nested too deeply to be parsed") from None
    except json.JSONDecodeError as exc:
        if body.startswith(codecs.BOM_UTF8):
            message = "the message starts with a byte order mark; send UTF-8 JSON without one"
        elif b"\x00" in body:
            message = (
                "the message is not UTF-8 JSON: it holds NUL bytes, as UTF-16 and UTF-32 text "
                "does; send the body as UTF-8"
            )
        else:
            message = f"the message is not valid JSON: {exc}"
        raise ParseError(message) from None


@attrs.frozen
class TooLong:
    """A JSON integer of more digits than `sys.get_int_max_str_digits()`."""

    digits: int

    def __repr__(self) -> str:
        return f"a number of {self.digits} digits, too long to read"


def _parse_int(digits: str) -> int | TooLong:
    count = len(digits) - digits.startswith("-")
    if count > sys.get_int_max_str_digits() > 0:
        return TooLong(count)
    return int(digits)
