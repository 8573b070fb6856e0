"""What every reader yields, and the small helpers they share.

A reader (one module per source tool) turns another tool's files into a
stream of items and never touches the store:

- `Turns`: a session and some of its events, in the source's order. The same
  session comes back in later `Turns` as more of its events are read;
- `Mark`: everything before this point has been yielded; `state` is what the
  reader needs to go on from here (a byte offset, a last row id, ...), as
  plain JSON values;
- `Skipped`: a line or record that could not be read, and why.

Each source implements `importers.source.Source` (typed, checked by mypy);
`importers.writer` stores what they yield.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from sessiond.store.base import ImportedEvent, ImportedSession

Json = Any

#: Longest line a JSONL reader takes in; longer ones are skipped while
#: streaming, never held whole (a transcript line with a large pasted image
#: stays well under it).
MAX_LINE_BYTES = 32 * 1024 * 1024

#: The skip reason of a last line without its newline: the tool may still be
#: writing it (it is read once finished), or it died mid-line.
UNFINISHED = "unfinished last lines (read once the tool finishes them)"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS = timedelta(milliseconds=1)
_ULID_CHARS = re.compile(r"[0-9A-Za-z_-]{1,64}")


@attrs.frozen
class Turns:
    """`events` of `session`, in the source's order.

    `first_seq`, when the source numbers its events (another sessiond
    database), is the position of `events[0]` in the source's session: the
    writer then adds only the events past the ones the store already has.
    `update_only` asks only to give an existing session its title: a
    session missing from the store is not created from it.
    """

    session: ImportedSession
    events: Sequence[ImportedEvent] = ()
    first_seq: int | None = None
    update_only: bool = False


@attrs.frozen
class Mark:
    """All items before this one were yielded; `state` resumes after them.

    `done` counts progress units (bytes or rows, the module's UNIT) since the
    read began; `records` the lines or rows read and understood since the
    previous mark, events or not.
    """

    state: Mapping[str, Json]
    done: int
    records: int = 0


@attrs.frozen
class Skipped:
    """`count` lines or records that could not be read, for `reason`."""

    reason: str
    count: int = 1


Item = Turns | Mark | Skipped


class SourceUnreadable(Exception):
    """A source file that cannot be read at all; the message says why, for a
    person. The import goes on with the next file."""


class NotRecognised(SourceUnreadable):
    """A file that is not of the source's format at all (a Codex rollout given
    to `claude-code`, another program's database): named in the summary as
    not recognised; an import that recognised nothing exits non-zero."""


#: The times sessiond can store and show: years 1 to 9999, in milliseconds.
MIN_MS = -62135596800000  # 0001-01-01T00:00:00Z
MAX_MS = 253402300799999  # 9999-12-31T23:59:59.999Z


def in_range(ms: int | None) -> int | None:
    """`ms` when it is a time sessiond can store, else None (skip the record)."""
    return ms if ms is not None and MIN_MS <= ms <= MAX_MS else None


def ms_from_epoch(value: object, scale: int = 1) -> int | None:
    """An integer or float count since the epoch (`scale` 1 for milliseconds,
    1000 for seconds) as milliseconds, or None when it is not one sessiond can
    store (a bool, NaN, out of years 1-9999)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return in_range(int(value * scale))


def parse_time(value: object, *, naive: str = "local") -> int | None:
    """Milliseconds since the epoch for an ISO 8601 / RFC 3339 time string.

    A time without a zone is local time (`naive="local"`, the contract's rule)
    or UTC where the source says so (`naive="utc"`). None when `value` is not
    such a string, or a time outside years 1 to 9999 (once in UTC).
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC) if naive == "utc" else when.astimezone()
        return in_range((when - _EPOCH) // _ONE_MS)
    except (ValueError, OverflowError):
        return None


def session_id(value: object) -> str | None:
    """`value` as a session ulid when it is one the contract allows, else
    None (the caller skips the record)."""
    if isinstance(value, str) and _ULID_CHARS.fullmatch(value):
        return value
    return None


def child_id(parent: str, key: str) -> str:
    """The ulid of a side conversation `key` of session `parent`: the two
    joined when they fit the contract's 64 characters, else `parent` and a
    digest of `key` (the same every time, so re-reading finds it again)."""
    joined = f"{parent}_{key}"
    if _ULID_CHARS.fullmatch(joined):
        return joined
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{parent[: 64 - 17]}_{digest[:16]}"


def made_id(prefix: str, *parts: str) -> str:
    """A stable ulid for a source that records no id of its own."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{prefix}-{digest[:26]}"


def call_text(name: object, arguments: object) -> str:
    """A tool call as one line of text: its name, then its arguments (JSON
    text as the source wrote it, or compact JSON)."""
    if isinstance(arguments, str):
        args = arguments
    elif arguments is None or arguments == {}:
        args = ""
    else:
        args = json.dumps(arguments, ensure_ascii=False, separators=(",", ":"))
    label = name if isinstance(name, str) and name else "tool"
    return f"{label} {args}".rstrip()


def block_text(content: object) -> str:
    """The text of a tool result's content: a string, or the text of a list
    of blocks ({type: text, text} and the like; images left out)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = []
        for block in content:
            if isinstance(block, str):
                texts.append(block)
            elif isinstance(block, dict) and isinstance(block.get("text"), str):
                texts.append(block["text"])
        return "\n".join(texts)
    if content is None:
        return ""
    return json.dumps(content, ensure_ascii=False)


def load_json_line(line: bytes) -> dict[str, Json] | str:
    """A JSONL line as an object, or the reason it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "lines that are not UTF-8 text"
    try:
        value = json.loads(text)
    except RecursionError:
        return "lines nested too deeply to read"
    except ValueError:
        return "lines that are not JSON"
    if not isinstance(value, dict):
        return "lines that are JSON but not an object"
    return value


def walk_files(root: Path, wanted: Any, skip_dirs: Sequence[str] = ()) -> Iterator[Path]:
    """Files under `root` (recursively, sorted, symlinked folders not
    followed) for which `wanted(path)` is true."""
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return
    dirs = []
    for entry in entries:
        try:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in skip_dirs:
                    dirs.append(entry)
            elif entry.is_file() and wanted(entry):
                yield entry
        except OSError:
            continue
    for folder in dirs:
        yield from walk_files(folder, wanted, skip_dirs)
