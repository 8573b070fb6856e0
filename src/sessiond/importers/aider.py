"""aider: `.aider.chat.history.md` files (aider/io.py, `append_chat_history`).

Each run of aider starts with `# aider chat started at YYYY-MM-DD HH:MM:SS`
(local time, no zone, no id). The person's input is written as `#### ` lines
(a multi-line prompt is several, each ending in two spaces, the Markdown
line break); aider's own output and notices as `> ` lines whose LAST line
ends in two spaces: a notice with line breaks in it (aider's command line,
`/git` output, lint errors, the two-line token report) has `> ` on its first
line only, and runs to the first line that ends in two spaces; everything
else is the assistant's reply (`ai_output`: no prefix, no trailing spaces).

A run is a session (`source` aider, no `sourceId`: aider cannot resume one),
its `project` the folder of the history file; its ulid is made from what the
file holds (the file's first run header, and where this run's header is in
it), never from where the file is, so a moved or copied project imports as
nothing new. `cli_version` is `aider <version>` from its `> Aider v...`
notice, else `aider`; every event takes the run's start time (aider records
no other). A prompt that starts with `/` or `!` is a slash or shell command
the person typed: a `command` event; aider's notices are a `command` event
(its output), without the token and cost report. Replies are `system`,
with `meta.model` from the run's `> Model:` / `> Main model:` notice, and
without the reasoning aider logs in them (`<thinking-content-...>` ...
`</think>`, `<think>...</think>`: aider's own `remove_reasoning_content`).
A run whose start is not a real date is skipped, counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    NotRecognised,
    Skipped,
    Turns,
    head_digest,
    head_lines,
    looks_like,
    made_id,
    parse_time,
)
from sessiond.importers.lines import read_lines
from sessiond.importers.source import FileSource, NoRun
from sessiond.models import make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

NAME = "aider"
FILE_NAME = ".aider.chat.history.md"
MARK_EVERY = 2000
_HEADER = re.compile(r"# aider chat started at (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})\s*")
_SKIP_DIRS = (".git", "node_modules", ".venv", "venv", "__pycache__", ".cache")
_VERSION = re.compile(r"Aider v(\S{1,64})")
_MODEL = re.compile(r"(?:Main model|Model): (\S{1,200}) with ")
# aider's REASONING_TAG, and the tag its models' `reasoning_tag` names.
_REASONING_TAGS = ("thinking-content-7bbeb8e1441453ad999a0bbba8a46d4b", "think")
_NOTICE_MAX_LINES = 10_000  # a notice never ended is closed after this many lines


def remove_reasoning(text: str) -> str:
    """The reply without the reasoning aider logs in it, as aider's own
    `remove_reasoning_content` does: each `<T>...</T>` pair out, then, if a
    closing tag is left (aider opens with its own tag and closes with the
    model's), everything before it."""
    for tag in _REASONING_TAGS:
        text = re.sub(rf"<{tag}>.*?</{tag}>", "", text, flags=re.S)
    for tag in _REASONING_TAGS:
        closing = f"</{tag}>"
        if closing in text:
            text = text.split(closing, 1)[1]
    return text.strip()


class _History:
    def __init__(self, path: Path, state: Mapping[str, Json] | None, origin: str):
        state = state or {}
        self.project = str(path.resolve().parent)
        self.origin = origin  # what the file is: its first run header's digest
        # [ulid, started, version, model] of the current run, None before
        # one (or in a run whose start cannot be read: `bad`)
        session = state.get("s")
        self.session: list[Json] | None = (
            [*session, None, None][:4] if session is not None else None
        )
        self.bad = bool(state.get("bad"))
        self.block: str | None = None  # "user", "tool", "notice" or "reply"
        self.lines: list[str] = []
        self.events: list[ImportedEvent] = []
        self.out: list[Item] = []

    def state(self, offset: int) -> dict[str, Json]:
        return {"offset": offset, "s": self.session, "bad": self.bad}

    def imported(self) -> ImportedSession:
        assert self.session is not None
        ulid, started, version = self.session[:3]
        cli = f"{NAME} {version}" if version else NAME
        return ImportedSession(ulid, cli, started, source=NAME, project=self.project)

    def close_block(self) -> None:
        lines, block = self.lines, self.block
        self.lines, self.block = [], None
        if self.session is None or block is None:
            return
        when = self.session[1]
        if block == "user":
            text = "\n".join(lines)
            if text.strip() and text != "<blank>":
                kind = "command" if text.startswith(("/", "!")) else "prompt"
                self.events.append(ImportedEvent(kind, text, when))
        elif block in ("tool", "notice"):
            kept = [
                line
                for line in lines
                if not line.startswith("Tokens:") and not line.startswith("Cost:")
            ]
            if any(line.strip() for line in kept):
                self.events.append(ImportedEvent("command", "\n".join(kept).strip("\n"), when))
        else:
            text = remove_reasoning("\n".join(lines).strip("\n"))
            if text.strip():
                model = self.session[3]
                self.events.append(ImportedEvent("system", text, when, make_meta(model=model)))

    def flush(self) -> None:
        if self.session is not None and self.events:
            self.out.append(Turns(self.imported(), self.events))
        self.events = []

    def notes(self, text: str) -> None:
        """What aider's notices say about the run: its version and model."""
        if self.session is None:
            return
        version = _VERSION.match(text)
        if version is not None and self.session[2] is None:
            self.session[2] = version.group(1)
        model = _MODEL.match(text)
        if model is not None:
            self.session[3] = model.group(1)

    def header(self, found: re.Match[str], start: int) -> None:
        self.close_block()
        self.flush()
        when = parse_time(f"{found.group(1)}T{found.group(2)}")  # local time
        if when is None:
            self.session, self.bad = None, True
            self.out.append(Skipped("runs whose start is not a real date (their turns left out)"))
            return
        self.bad = False
        self.session = [made_id(NAME, self.origin, str(start)), when, None, None]

    def line(self, text: str, start: int) -> str | None:
        """Take one line (starting at byte `start`); the reason when it
        cannot be read."""
        header = _HEADER.fullmatch(text)
        if header is not None:
            self.header(header, start)
            return None
        if self.bad:
            return None  # a line of a run skipped as a whole
        if self.session is None:
            return None if not text.strip() else "lines before the first '# aider chat started at'"
        if self.block == "notice":
            # A multi-line notice runs to the first line ending in two spaces.
            if text.startswith("#### ") and text.endswith("  "):
                self.close_block()
            else:
                self.lines.append(text[2:] if text.startswith("> ") else text)
                if text.endswith("  "):
                    # Over: aider's notices that follow join it, as one output.
                    self.lines[-1] = self.lines[-1][:-2]
                    self.block = "tool"
                elif len(self.lines) > _NOTICE_MAX_LINES:
                    self.close_block()
                return None
        if text.startswith("#### ") and text.endswith("  "):
            self.enter("user")
            self.lines.append(text[5:-2])
            return None
        if text.startswith(">"):
            body = text[2:] if text.startswith("> ") else text[1:]
            if text.endswith("  "):
                self.enter("tool")
                self.lines.append(body[:-2])
                self.notes(body)
                return None
            if self.block != "reply" or body.startswith("Tokens: "):
                # The first line of a notice with line breaks in it (or the
                # token report, whose cost follows on the next line).
                if self.block != "tool":
                    self.close_block()
                self.block = "notice"
                self.lines.append(body)
                self.notes(body)
                return None
        if not text.strip():
            # A blank line ends the person's input and aider's output (each
            # new one starts with it); inside a reply it is the reply's own.
            if self.block == "reply":
                self.lines.append("")
            else:
                self.close_block()
            return None
        self.enter("reply")
        self.lines.append(text)
        return None

    def ends_block(self, text: str) -> bool:
        """Whether the line `text` ends the block being read, or there is
        none: only then may a mark go at its start (its state keeps no
        block, so a block the mark cut would be two events). The person's
        input goes on with each `#### ` line ending in two spaces, aider's
        output with each `>` line (the notices that follow join it); a
        notice or a reply may go on with any line."""
        if self.block is None:
            return True
        if self.block == "user":
            return not (text.startswith("#### ") and text.endswith("  "))
        if self.block == "tool":
            return not text.startswith(">")
        return False

    def enter(self, block: str) -> None:
        if block != self.block:
            self.close_block()
            self.block = block


class Aider(FileSource[NoRun]):
    name = NAME
    label = "aider"
    url = "https://aider.chat/"
    description = "aider's chat logs (.aider.chat.history.md in each project)"
    skip_dirs = _SKIP_DIRS
    resume = None  # aider reopens no earlier run

    def default_paths(self) -> list[Path]:
        """The history file of the current folder's repository (where aider
        writes it), and one in the home folder."""
        here = Path.cwd()
        for folder in (here, *here.parents):
            if (folder / ".git").exists():
                here = folder
                break
        return list(dict.fromkeys([here / FILE_NAME, Path.home() / FILE_NAME]))

    def wanted(self, path: Path) -> bool:
        return path.name == FILE_NAME

    def order(self, path: Path) -> tuple[object, ...]:
        return ()  # as found: folders walked in order, files as given

    def key(self, path: Path) -> str:
        """What the history is: its first run's header and where it is in the
        file (aider appends, so it never changes), not where the file is."""
        origin = _origin(path)
        return f"history-{origin}" if origin else str(path.resolve())

    def legacy_keys(self, path: Path) -> list[str]:
        """The keys an import before version 3 kept this file's state under
        (its path, where the key is now what the file is): for the writer to
        take that state over once, so an upgrade does not import it again."""
        return [str(path.resolve())]

    def new_run(self) -> NoRun:
        return NoRun()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: NoRun) -> Iterator[Item]:
        origin = _origin(path)
        if origin is None:
            lines = head_lines(path)
            if lines and any(line.strip() for line in lines):
                with open(path, "rb") as f:
                    first = f.read(16)
                raise NotRecognised(
                    f"{path} is not an aider chat history: it has no '# aider chat started at' "
                    f"line where one begins; it looks like {looks_like(lines, first)}"
                )
            origin = ""
        return _read(path, state, origin)


def _origin(path: Path) -> str | None:
    """A digest of the file's first run header and its place, or None when
    the file's head has none."""
    try:
        lines = head_lines(path, max_lines=256)
    except OSError:
        return None
    where = 0
    for line in lines:
        text = line.decode("utf-8", "replace").rstrip("\r")
        if _HEADER.fullmatch(text):
            return head_digest(f"{where} {text}".encode())
        where += len(line) + 1
    return None


def _read(path: Path, state: Mapping[str, Json] | None, origin: str) -> Iterator[Item]:
    history = _History(path, state, origin)
    offset = int((state or {}).get("offset", 0))
    start, count, records = offset, 0, 0
    for line in read_lines(path, offset):
        if line.data is None:
            offset = line.end
            yield Skipped("lines over 32 MiB")
            continue
        if not line.finished:
            break  # aider is still writing it: read it next time
        text = line.data.decode("utf-8", "replace").rstrip("\r")
        if count >= MARK_EVERY and text.strip() and history.ends_block(text):
            # Between blocks: a mark at this line's start loses nothing.
            history.close_block()
            history.flush()
            yield from history.out
            history.out = []
            yield Mark(history.state(offset), offset - start, records)
            count = records = 0
        problem = history.line(text, offset)
        if problem is None:
            records += bool(text.strip())
        else:
            yield Skipped(problem)
        offset = line.end
        count += 1
    history.close_block()
    history.flush()
    yield from history.out
    yield Mark(history.state(offset), offset - start, records)


SOURCE = Aider()
