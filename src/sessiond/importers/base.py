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
import operator
import os
import re
import stat
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
    if type(value) is int:  # the usual case, first (a bool is not of type int)
        ms = value * scale
        return ms if MIN_MS <= ms <= MAX_MS else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if value != value or value in (_INF, -_INF):
        return None
    return in_range(int(value * scale))


_INF = float("inf")


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


#: json's C scanner, called as `json.loads` ends up calling it: a line that
#: is one whole value needs none of the wrappers around it (2 us a line).
_SCAN: Any = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def load_json_text(text: str) -> object:
    """`json.loads(text)` (ValueError, RecursionError as it raises them),
    without its wrappers when `text` is one value with nothing around it."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):  # space around it, more after it, or not JSON: as json says
        value = json.loads(text)
    return value


def load_json_line(line: bytes) -> dict[str, Json] | str:
    """A JSONL line as an object, or the reason it is not one."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return "lines that are not UTF-8 text"
    try:
        value = load_json_text(text)
    except RecursionError:
        return "lines nested too deeply to read"
    except ValueError:
        return "lines that are not JSON"
    if not isinstance(value, dict):
        return "lines that are JSON but not an object"
    return value


def walk_files(
    root: Path,
    wanted: Any,
    skip_dirs: Sequence[str] = (),
    names: Any = None,
    each: tuple[str, str] | None = None,
) -> Iterator[Path]:
    """Files under `root` (recursively, sorted, symlinked folders not
    followed) for which `wanted(path)` is true (and `names(name)`, when
    given: a check of the name alone, before a Path is made). A folder's
    entries are told apart by the type its listing gives (no stat for each,
    but for a symbolic link, followed to what it names), and walked as
    strings: a Path is made for each file only.

    `each`, (folder, file): in a folder of that name, each folder is one
    item whose only file of interest is `file`: looked up by one stat,
    the item's folder not listed (Cline's `tasks/<id>/ui_messages.json`:
    a stat is a fifth of a listing)."""
    return _walk(os.fspath(root), wanted, skip_dirs, names, each)


def _walk(
    root: str,
    wanted: Any,
    skip_dirs: Sequence[str],
    names: Any,
    each: tuple[str, str] | None = None,
) -> Iterator[Path]:
    try:
        with os.scandir(root) as listing:
            entries = sorted(listing, key=_BY_NAME)
    except OSError:
        return
    # Inside a folder named each[0]: the file each of its folders holds.
    held_name = each[1] if each is not None and os.path.basename(root) == each[0] else None
    dirs = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if held_name is not None:
                    held = os.path.join(entry.path, held_name)
                    try:
                        regular = stat.S_ISREG(os.stat(held).st_mode)
                    except OSError:
                        continue
                    if regular and wanted(path := Path(held)):
                        yield path
                elif entry.name not in skip_dirs:
                    dirs.append(entry.path)
            elif (names is None or names(entry.name)) and entry.is_file():
                path = Path(entry.path)
                if wanted(path):
                    yield path
        except OSError:
            continue
    for folder in dirs:
        yield from _walk(folder, wanted, skip_dirs, names, each)


def _by_name(entry: os.DirEntry[str]) -> str:
    """The order pathlib sorts a folder's entries in: by name, without case
    on Windows."""
    return os.path.normcase(entry.name)


_BY_NAME: Any = operator.attrgetter("name") if os.name == "posix" else _by_name


# --- claude-code, codex, llm, aider, sessiond: telling a file's format and
# identity from its head, and token counts (issues 21, 23 and 25) ---

#: How much of a file's head is looked at to tell what it is.
HEAD_BYTES = 1 << 20
_HEAD_LINES = 64
_CODEX_TYPES = frozenset(
    ("session_meta", "response_item", "event_msg", "turn_context", "compacted")
)


def head_lines(
    path: Path, max_bytes: int = HEAD_BYTES, max_lines: int = _HEAD_LINES
) -> list[bytes]:
    """The first complete lines of `path` (without their newlines) that end
    within its first `max_bytes`, at most `max_lines` of them."""
    with open(path, "rb") as f:
        head = f.read(max_bytes)
    lines = head.split(b"\n")
    return [line.rstrip(b"\r") for line in lines[:-1][:max_lines]]


def head_digest(line: bytes) -> str:
    """A short digest of a file's first line: what a file with no id of its
    own is known by."""
    return hashlib.sha256(line).hexdigest()[:32]


def looks_like(lines: Sequence[bytes], first_bytes: bytes = b"") -> str:
    """What a file whose first lines are `lines` looks like, for a person: the
    format a NotRecognised message names instead of the one expected."""
    if first_bytes.startswith(b"SQLite format 3\x00"):
        return "an SQLite database"
    objects = [load_json_line(line) for line in lines if line.strip()]
    for value in objects:
        if isinstance(value, str):
            continue
        if value.get("type") in _CODEX_TYPES and "payload" in value:
            return "a Codex rollout"
        if "sessionId" in value and ("uuid" in value or "leafUuid" in value or "message" in value):
            return "a Claude Code transcript"
    for line in lines:
        if line.startswith(b"# aider chat started at "):
            return "an aider chat history"
    stripped = [line.strip() for line in lines if line.strip()]
    if stripped and stripped[0] in (b"{", b"["):
        return "a JSON document, not JSON lines"
    if any(not isinstance(value, str) for value in objects):
        return "JSON lines of another program"
    if any(b"\x00" in line for line in lines):
        return "binary data"
    return "text that is not JSON lines"


def split_openai_usage(
    input_tokens: object,
    output_tokens: object,
    cached: object = 0,
    cache_write: object = 0,
    reasoning_extra: object = 0,
) -> tuple[int, int, int, int] | None:
    """(input from no cache, output, cache reads, cache writes) from an
    OpenAI-style count whose input INCLUDES the cached tokens (and cache
    writes, where reported); `reasoning_extra` is reasoning a source counts
    apart from its output. None when the counts are not whole numbers >= 0."""
    counts = []
    for value in (input_tokens, output_tokens, cached, cache_write, reasoning_extra):
        if value is None:
            value = 0
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            return None
        counts.append(value)
    given, out, read, write, extra = counts
    return max(0, given - read - write), out + extra, read, write


# copilot-chat and cursor: VS Code's user folders, and the folder a workspace
# or a URI they record names.

#: VS Code and its rebuilds, by the product folder name they keep their user
#: data under, with the Flatpak's folder where there is one.
VSCODE_PRODUCTS: dict[str, str | None] = {
    "Code": "com.visualstudio.code",
    "Code - Insiders": None,
    "VSCodium": "com.vscodium.codium",
    "VSCodium - Insiders": None,
    "Code - OSS": None,
}

_DRIVE = re.compile(r"/?([A-Za-z]):(?:/|$)")


def vscode_user_dirs(products: Mapping[str, str | None]) -> list[Path]:
    """The `User` folders of the VS Code builds named in `products` (product
    folder -> Flatpak id or None), found as VS Code finds its user data folder
    (`userDataPath`): `$VSCODE_PORTABLE/user-data`, else
    `$VSCODE_APPDATA/<product>`, else the platform's application data folder
    (`%APPDATA%`, `~/Library/Application Support`, `$XDG_CONFIG_HOME` or
    `~/.config`); on Linux also the Flatpak's own folder."""
    import os
    import sys

    found: list[Path] = []
    portable = os.environ.get("VSCODE_PORTABLE")
    if portable:
        found.append(Path(portable).expanduser() / "user-data" / "User")
    appdata = os.environ.get("VSCODE_APPDATA")
    if appdata:
        base = Path(appdata).expanduser()
    elif sys.platform == "win32":
        roaming = os.environ.get("APPDATA")
        base = Path(roaming) if roaming else Path.home() / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    for product, flatpak in products.items():
        found.append(base / product / "User")
        if flatpak and sys.platform.startswith("linux"):
            found.append(Path.home() / ".var" / "app" / flatpak / "config" / product / "User")
    return list(dict.fromkeys(found))


def uri_path(uri: object) -> str | None:
    """The absolute path a VS Code URI names: a `file:` URI (a string, or the
    serialized `{scheme, path, fsPath}` object) as a path of this kind of
    machine (`file:///c%3A/x` is `C:\\x`), a `vscode-remote:` one as the path on
    the remote machine; None for other schemes and for what is not a URI."""
    from urllib.parse import unquote, urlsplit

    if isinstance(uri, dict):
        scheme, path = uri.get("scheme"), uri.get("path")
        if not isinstance(scheme, str) or not isinstance(path, str):
            return None
        authority = uri.get("authority") if isinstance(uri.get("authority"), str) else ""
    elif isinstance(uri, str):
        try:
            parts = urlsplit(uri)
        except ValueError:
            return None
        scheme, path, authority = parts.scheme, unquote(parts.path), parts.netloc
    else:
        return None
    if scheme not in ("file", "vscode-remote") or not path.startswith("/"):
        return None
    drive = _DRIVE.match(path)
    if drive:
        rest = path[drive.end() :].replace("/", "\\")
        return f"{drive.group(1).upper()}:\\{rest}"
    if scheme == "file" and authority:  # a UNC path
        return "\\\\" + authority + path.replace("/", "\\")
    return path


def _small_json(path: Path, limit: int = 1 << 20) -> Json:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
        if len(data) > limit:
            return None
        return json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def workspace_folder(workspace_json: Path) -> str | None:
    """The folder a VS Code workspace storage folder's `workspace.json` names:
    `{"folder": URI}` for a folder window; `{"workspace": URI}` for a
    `.code-workspace` file, whose first folder is taken (its own folder when
    the file cannot be read). None when it names none."""
    data = _small_json(workspace_json)
    if not isinstance(data, dict):
        return None
    folder = uri_path(data.get("folder"))
    if folder is not None:
        return folder
    workspace = uri_path(data.get("workspace"))
    if workspace is None:
        return None
    import ntpath
    import posixpath

    paths = ntpath if "\\" in workspace else posixpath
    parent = str(paths.dirname(workspace))
    config = _small_json(Path(workspace))
    folders = config.get("folders") if isinstance(config, dict) else None
    first = folders[0] if isinstance(folders, list) and folders else None
    if isinstance(first, dict):
        named = uri_path(first.get("uri"))
        if named is not None:
            return named
        relative = first.get("path")
        if isinstance(relative, str) and relative:
            return str(paths.normpath(paths.join(parent, relative)))
    return parent
