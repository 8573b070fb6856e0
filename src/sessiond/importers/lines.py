"""Reading a growing text file line by line from a byte offset, read-only.

Lines longer than `max_bytes` are skipped while streaming (never held whole).
A last line without its newline may be one the tool is still writing: it is
handed out marked unfinished, and the caller decides whether to take it.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple, Protocol

from sessiond.importers.base import (
    MAX_LINE_BYTES,
    UNFINISHED,
    Item,
    Json,
    Mark,
    Skipped,
    load_json_line,
)

CHUNK = 1 << 20


class Line(NamedTuple):
    """One line (without its newline) that ends at byte `end` of the file.

    `data` is None for a line over the limit (skipped); `finished` is False
    for a last line that has no newline yet. (A named tuple: made for every
    line of every file, at a third of a frozen class's cost.)
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


class Records(Protocol):
    """A reader of one JSON-lines file: takes each record, hands out what
    it has gathered, and says where it stands."""

    def line(self, record: dict[str, Json]) -> str | None:
        """Take one record; the reason when it cannot be read."""

    def flush(self) -> Iterator[Item]:
        """The turns gathered so far."""

    def state(self, offset: int) -> dict[str, Json]:
        """What to remember to go on from byte `offset` next time."""


def read_records(
    path: Path, state: Mapping[str, Json] | None, records: Records, mark_every: int
) -> Generator[Item, None, tuple[int, int, int]]:
    """Every record of a JSON-lines file from where the last import stopped:
    unreadable lines skipped and counted, an unfinished last line left for
    the next import, a Mark every `mark_every` lines. Returns (the offset
    reached, the one it started at, records read since the last Mark)."""
    offset = int((state or {}).get("offset", 0))
    start, lines, taken = offset, 0, 0
    for line in read_lines(path, offset):
        if line.data is None:
            offset = line.end
            yield Skipped(f"lines over {MAX_LINE_BYTES >> 20} MiB")
            continue
        parsed = load_json_line(line.data)
        if isinstance(parsed, str):
            if not line.finished:
                yield Skipped(UNFINISHED)
                break
            yield Skipped(parsed)
        else:
            problem = records.line(parsed)
            if problem is None:
                taken += 1
            else:
                yield Skipped(problem)
        offset = line.end
        lines += 1
        if lines % mark_every == 0:
            yield from records.flush()
            yield Mark(records.state(offset), offset - start, taken)
            taken = 0
    yield from records.flush()
    return offset, start, taken
