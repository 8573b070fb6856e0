"""Reading the records of a JSON document one at a time, never the whole file.

Some tools keep a conversation as one JSON document that they rewrite whole
(Cline's and Roo Code's `ui_messages.json`, a top-level array; Cline's newer
`<id>.messages.json`, an object whose `messages` member is the array). This
module streams such a file and hands out each element of the array as its own
bytes, so a record that cannot be read is skipped on its own, and one over the
size limit is dropped while streaming, never held whole. The other members of
a top-level object, when small, come out parsed (`Member`).

Strings are skipped with one regular expression per string, escapes included,
so a file is read at C speed but for the structure between strings. A
top-level array no bigger than one chunk (what the stream would hold at once
anyway) is first parsed whole, at C speed throughout; only when that fails (a
document cut or written wrong, a record that is no object, bytes that are not
UTF-8) is it streamed, so each bad record is found and skipped on its own.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import attrs

from sessiond.importers.base import MAX_LINE_BYTES

CHUNK = 1 << 20
#: Members of a top-level object other than the array are parsed up to this size.
MAX_MEMBER_BYTES = 1 << 16

_STRUCTURE = re.compile(rb'[\[\]{}",]')
_STRING_REST = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.S)
_STRING_PART = re.compile(rb"(?:[^\"\\]++|\\.)*+", re.S)
_NOT_SPACE = re.compile(rb"[^ \t\r\n]")
_KEY = re.compile(rb'\s*("(?:[^"\\]|\\.)*")\s*:\s*$', re.S)


@attrs.frozen
class Element:
    """One element of the array, ending at byte `end` of the file (of a
    document parsed whole: its share of the file's bytes, for progress);
    `data` its bytes as streamed, None when it was parsed whole or was over
    the limit (`dropped` while streaming)."""

    data: bytes | None
    end: int
    #: The element as parsed while it was found, when it is an object (all
    #: in ASCII, when streamed) (`element_object`); None: parse `data`.
    parsed: dict[str, object] | None = None

    @property
    def dropped(self) -> bool:
        """Over the limit: neither its bytes nor its value were kept."""
        return self.data is None and self.parsed is None


@attrs.frozen
class Member:
    """A small member of the top-level object (the array's siblings)."""

    key: str
    value: object


@attrs.frozen
class Cut:
    """The document ends before it is complete (a tool still writing it, or
    one that died mid-write); `element` tells whether an element was cut."""

    element: bool


class NotAJsonDocument(ValueError):
    """The file does not start as the document asked for (a sentence why)."""


class EmptyDocument(NotAJsonDocument):
    """The file is empty, or blank (a tool that truncates it before writing
    it again may be caught in between)."""


Piece = Element | Member | Cut


def parse_element(data: bytes) -> dict[str, object] | str:
    """An element as an object, or the reason it is not one."""
    try:
        value = json.loads(data)
    except RecursionError:
        return "records nested too deeply to read"
    except UnicodeDecodeError:
        return "records that are not UTF-8 text"
    except ValueError:
        return "records that are not JSON"
    if not isinstance(value, dict):
        return "records that are JSON but not an object"
    return value


_DECODER = json.JSONDecoder()


def _value_end(text: str, start: int) -> tuple[int, object] | None:
    """Where the JSON value starting at `start` of `text` ends, when it is
    whole in it; None when it is not (cut by the chunk's end), or not JSON.
    `text` is the chunk decoded as Latin-1, a character for each byte: the
    end found is a byte offset, and UTF-8 text in strings reads as other
    characters, every one of them allowed in a JSON string. A value that
    ends with the chunk (a number that may go on in the next) is left to
    the byte scan."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return None
    return (end, value) if end < len(text) else None


def element_object(piece: Element) -> dict[str, object] | str:
    """`parse_element` of the element, parsed once."""
    if piece.parsed is not None:
        return piece.parsed
    assert piece.data is not None, "a dropped element has no value"
    return parse_element(piece.data)


def _whole_array(data: bytes) -> list[dict[str, object]] | None:
    """The records of `data` when it is a whole JSON array of objects in
    UTF-8; None when it is anything else (the stream then finds what is
    wrong, record by record)."""
    try:
        value = json.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        return None
    return value


class _Splitter:
    """The state machine: depths, strings, and the element being gathered."""

    def __init__(self, member: bytes | None, max_bytes: int):
        self.member = member  # the key of the array in a top-level object, as JSON
        self.max_bytes = max_bytes
        self.depth = 0
        self.in_string = False
        self.escaped = False  # a string's backslash ended the last chunk
        self.level = 0  # the depth whose elements are gathered (0: none yet)
        self.records = False  # elements at `level` are records (else members)
        self.waiting = False  # between two elements at `level`
        self.skip_member = False  # inside the array's own member (not gathered)
        self.closed = False  # the top-level value is complete
        self.gathering = False
        self.pieces: list[bytes] = []
        self.held = 0
        self.over = False
        self.out: list[Piece] = []
        # The element being gathered as the C scan found it: its length, its
        # value (an object in ASCII, `Element.parsed`).
        self.fast: tuple[int, dict[str, object]] | None = None

    # The element being gathered

    def _keep(self, chunk: bytes, start: int, end: int) -> None:
        if not self.gathering or end <= start:
            return
        if self.over:
            return
        limit = self.max_bytes if self.records else MAX_MEMBER_BYTES
        if self.held + (end - start) > limit:
            self.over, self.pieces = True, []
            return
        self.pieces.append(chunk[start:end])
        self.held += end - start

    def _end_element(self, end: int) -> None:
        if self.gathering:
            data = None if self.over else b"".join(self.pieces).strip()
            if self.records:
                fast, self.fast = self.fast, None
                if fast is not None and data is not None and len(data) == fast[0]:
                    self.out.append(Element(data, end, fast[1]))
                else:
                    self.out.append(Element(data, end))
            elif data:
                self._member(data)
        self.gathering, self.pieces, self.held, self.over = False, [], 0, False

    def _member(self, data: bytes) -> None:
        try:
            value = json.loads(b"{" + data + b"}")
        except (ValueError, RecursionError):
            return
        if isinstance(value, dict):
            for key, item in value.items():
                self.out.append(Member(str(key), item))

    def _is_member_key(self) -> bool:
        """Whether the member gathered so far is `"<member>":` (its array opens)."""
        if self.over or self.member is None:
            return False
        found = _KEY.match(b"".join(self.pieces))
        return found is not None and found.group(1) == self.member

    # Feeding

    def feed(self, chunk: bytes, base: int) -> None:
        pos, size = 0, len(chunk)
        mark = 0  # where the not yet kept part of the gathered element starts
        text: str | None = None  # the chunk, a character a byte (`_value_end`)
        if self.escaped:
            pos, self.escaped = 1, False
        while pos < size and not self.closed:
            if self.in_string:
                found = _STRING_REST.match(chunk, pos)
                if found is None:
                    part = _STRING_PART.match(chunk, pos)
                    stop = part.end() if part is not None else pos
                    self.escaped = stop < size  # a lone backslash at the very end
                    pos = size
                    break
                pos, self.in_string = found.end(), False
                continue
            if self.waiting:
                found = _NOT_SPACE.search(chunk, pos)
                if found is None:
                    pos = size
                    break
                char = chunk[found.start()]
                if char == 0x2C:  # a stray comma
                    pos = found.end()
                    continue
                self.waiting = False
                if char in (0x5D, 0x7D):  # the container closes
                    pos = found.start()
                    continue
                self.gathering, self.pieces, self.held, self.over = True, [], 0, False
                self.fast = None
                pos = mark = found.start()
                if self.records:
                    if text is None:
                        text = chunk.decode("latin-1")
                    found_end = _value_end(text, pos)
                    if found_end is not None:
                        # The whole element is in this chunk: kept at once,
                        # its inside never walked (a C scan, not one regular
                        # expression per bracket, quote and comma of it).
                        end, value = found_end
                        self._keep(chunk, pos, end)
                        if isinstance(value, dict) and self.pieces and self.pieces[-1].isascii():
                            # Read right as Latin-1: no need to parse it again.
                            self.fast = (end - pos, value)
                        pos = mark = end
                        if chunk[end] == 0x2C:  # a comma right after: the next one waits
                            self._end_element(base + end)
                            self.waiting = True
                            pos = mark = end + 1
                continue
            found = _STRUCTURE.search(chunk, pos)
            if found is None:
                pos = size
                break
            at, char = found.start(), chunk[found.start()]
            pos = found.end()
            if char == 0x22:  # "
                self.in_string = True
            elif char in (0x5B, 0x7B):  # [ {
                if self.depth == 0:
                    self._open_top(char)
                elif (
                    char == 0x5B
                    and not self.records
                    and self.depth == self.level
                    and self.gathering
                    and self._with_tail(chunk, mark, at)
                ):
                    # The array's own member: its elements are the records.
                    self.gathering, self.pieces, self.held = False, [], 0
                    self.skip_member = True
                    self.depth += 1
                    self.level, self.records, self.waiting = self.depth, True, True
                    continue
                self.depth += 1
            elif char in (0x5D, 0x7D):  # ] }
                if self.depth == self.level:
                    self._keep(chunk, mark, at)
                    self._end_element(base + at)
                    if self.records and self.skip_member:
                        # Back in the top-level object, inside the array's member.
                        self.level, self.records = self.depth - 1, False
                        self.depth -= 1
                        continue
                    self.level = 0
                    self.depth -= 1
                    if self.depth == 0:
                        self.closed = True
                    continue
                self.depth -= 1
            elif char == 0x2C and self.depth == self.level:  # ,
                self._keep(chunk, mark, at)
                self._end_element(base + at)
                if not self.records:
                    self.skip_member = False
                self.waiting = True
        self._keep(chunk, mark, pos if self.gathering else mark)

    def _with_tail(self, chunk: bytes, mark: int, at: int) -> bool:
        """Whether the member being gathered, with `chunk[mark:at]`, is the array's key."""
        saved = (list(self.pieces), self.held, self.over)
        self._keep(chunk, mark, at)
        found = self._is_member_key()
        self.pieces, self.held, self.over = saved
        return found

    def _open_top(self, char: int) -> None:
        if self.member is None and char != 0x5B:
            raise NotAJsonDocument("it holds a JSON object where an array of records was expected")
        self.level, self.waiting = 1, True
        self.records = char == 0x5B

    def start(self, head: bytes) -> None:
        """Check the first non-blank byte of the file."""
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if text not in (b"[", b"{"):
            raise NotAJsonDocument("it is not a JSON document")


def read_elements(
    path: Path, member: str | None = None, max_bytes: int = MAX_LINE_BYTES
) -> Iterator[Piece]:
    """The elements of the top-level array of `path` (`member` None), or of
    the array at `member` of its top-level object, with that object's other
    small members; a `Cut` last when the document is incomplete. Raises
    `NotAJsonDocument` for a file that is not a JSON array or object."""
    key = json.dumps(member).encode() if member is not None else None
    splitter = _Splitter(key, max_bytes)
    with open(path, "rb") as f:
        head = b""
        size = os.fstat(f.fileno()).st_size
        if member is None and size <= min(CHUNK, max_bytes):
            # As many bytes as it holds (a chunk's buffer for a small file
            # cost more than its parse), and one more: one that grew since
            # is streamed.
            head = f.read(size + 1)
            records = _whole_array(head) if len(head) <= size else None
            if records is not None:
                count = len(records)
                for i, record in enumerate(records):
                    yield Element(None, size * (i + 1) // count, record)
                return
        base = 0
        first = True
        while True:
            chunk, head = head or f.read(CHUNK), b""
            if not chunk:
                break
            if first:
                if not chunk.strip(b"\xef\xbb\xbf \t\r\n"):
                    base += len(chunk)
                    continue
                splitter.start(chunk)
                bom = 3 if chunk.startswith(b"\xef\xbb\xbf") else 0
                chunk, base, first = chunk[bom:], base + bom, False
            splitter.feed(chunk, base)
            base += len(chunk)
            yield from splitter.out
            splitter.out = []
            if splitter.closed:
                return
    if first:
        raise EmptyDocument("it is empty")
    yield Cut(splitter.gathering)
