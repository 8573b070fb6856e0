"""Reading a growing text file line by line from a byte offset, read-only.

Lines longer than `max_bytes` are skipped while streaming (never held whole).
A last line without its newline may be one the tool is still writing: it is
handed out marked unfinished, and the caller decides whether to take it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import attrs

from sessiond.importers.base import MAX_LINE_BYTES

CHUNK = 1 << 20


@attrs.frozen
class Line:
    """One line (without its newline) that ends at byte `end` of the file.

    `data` is None for a line over the limit (skipped); `finished` is False
    for a last line that has no newline yet.
    """

    end: int
    data: bytes | None
    finished: bool = True


def read_lines(path: Path, offset: int, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """The lines of `path` from byte `offset` (a line start) to its end."""
    with open(path, "rb") as f:
        f.seek(offset)
        position = offset  # where the current partial line starts
        pieces: list[bytes] = []
        held = 0  # bytes in `pieces`
        dropping = False  # inside a line over the limit
        while True:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            start = 0
            while True:
                newline = chunk.find(b"\n", start)
                if newline < 0:
                    rest = len(chunk) - start
                    if dropping:
                        held += rest
                    elif held + rest > max_bytes:
                        dropping, pieces = True, []
                        held += rest
                    else:
                        pieces.append(chunk[start:])
                        held += rest
                    break
                length = newline - start
                end = position + held + length + 1
                if dropping or held + length > max_bytes:
                    yield Line(end, None)
                elif pieces:
                    pieces.append(chunk[start:newline])
                    yield Line(end, b"".join(pieces))
                else:
                    yield Line(end, chunk[start:newline])
                position, pieces, held, dropping = end, [], 0, False
                start = newline + 1
        if dropping:
            # An over-long last line is consumed: waiting for its end would
            # mean reading it again on every import.
            yield Line(position + held, None, finished=False)
        elif held:
            yield Line(position + held, b"".join(pieces), finished=False)
