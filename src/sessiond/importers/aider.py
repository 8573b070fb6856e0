"""aider: `.aider.chat.history.md` files (aider/io.py, `append_chat_history`).

Each run of aider starts with `# aider chat started at YYYY-MM-DD HH:MM:SS`
(local time, no zone, no id). The person's input is written as `#### ` lines
(a multi-line prompt is several, each ending in two spaces, the Markdown
line break); aider's own output and notices as `> ` lines, also ending in
two spaces; everything else is the assistant's reply.

A run is a session: its ulid is made from the file and where the run starts
in it (aider records no id), `cli_version` is `aider`, every event takes the
run's start time (aider records no other). A prompt that starts with `/` or
`!` is a slash or shell command the person typed: a `command` event; aider's
`> ` output is a `command` event (its result), without the token and cost
reports. A `#### ` or `> ` line of the reply that does not end in two spaces
stays part of the reply.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path

from sessiond.importers.base import (
    Item,
    Json,
    Mark,
    Skipped,
    Turns,
    made_id,
)
from sessiond.importers.lines import read_lines
from sessiond.importers.source import FileSource, NoRun
from sessiond.store.base import ImportedEvent, ImportedSession

FILE_NAME = ".aider.chat.history.md"
MARK_EVERY = 2000
_HEADER = re.compile(r"# aider chat started at (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s*")
_SKIP_DIRS = (".git", "node_modules", ".venv", "venv", "__pycache__", ".cache")


class _History:
    def __init__(self, path: Path, state: Mapping[str, Json] | None):
        self.where = str(path.resolve())
        self.session: list[Json] | None = (state or {}).get("s")  # [ulid, started]
        self.block: str | None = None  # "user", "tool" or "reply"
        self.lines: list[str] = []
        self.events: list[ImportedEvent] = []
        self.out: list[Turns] = []

    def imported(self) -> ImportedSession:
        assert self.session is not None
        return ImportedSession(self.session[0], "aider", self.session[1])

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
        elif block == "tool":
            kept = [line for line in lines if not line.startswith("Tokens:")]
            if any(line.strip() for line in kept):
                self.events.append(ImportedEvent("command", "\n".join(kept), when))
        else:
            text = "\n".join(lines).strip("\n")
            if text.strip():
                self.events.append(ImportedEvent("system", text, when))

    def flush(self) -> None:
        if self.session is not None and self.events:
            self.out.append(Turns(self.imported(), self.events))
        self.events = []

    def classify(self, text: str) -> tuple[str, str]:
        """(block kind, text) of one line: header, user, tool, blank or reply."""
        if _HEADER.fullmatch(text):
            return "header", text
        if text.startswith("#### ") and text.endswith("  "):
            return "user", text[5:-2]
        if text.startswith(">") and text.endswith("  "):
            return "tool", text[2:-2] if text.startswith("> ") else text[1:-2]
        if not text.strip():
            return "blank", ""
        return "reply", text

    def line(self, kind: str, body: str, start: int) -> str | None:
        if kind == "header":
            self.close_block()
            self.flush()
            found = _HEADER.fullmatch(body)
            assert found is not None
            when = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M:%S")  # local time
            self.session = [made_id("aider", self.where, str(start)), int(when.timestamp() * 1000)]
            self.out.append(Turns(self.imported()))
            return None
        if self.session is None:
            return None if kind == "blank" else "lines before the first '# aider chat started at'"
        if kind == "blank":
            # A blank line ends the person's input and aider's output (each
            # new one starts with it); inside a reply it is the reply's own.
            if self.block == "reply":
                self.lines.append("")
            else:
                self.close_block()
            return None
        if kind != self.block:
            self.close_block()
            self.block = kind
        self.lines.append(body)
        return None


class Aider(FileSource[NoRun]):
    name = "aider"
    label = "aider"
    url = "https://aider.chat/"
    description = "aider's chat logs (.aider.chat.history.md in each project)"
    skip_dirs = _SKIP_DIRS

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

    def new_run(self) -> NoRun:
        return NoRun()

    def read(self, path: Path, state: Mapping[str, Json] | None, run: NoRun) -> Iterator[Item]:
        return _read(path, state)


def _read(path: Path, state: Mapping[str, Json] | None) -> Iterator[Item]:
    history = _History(path, state)
    offset = int((state or {}).get("offset", 0))
    start, count, records = offset, 0, 0
    for line in read_lines(path, offset):
        if line.data is None:
            offset = line.end
            yield Skipped("lines over 32 MiB")
            continue
        if not line.finished:
            break  # aider is still writing it: read it next time
        kind, body = history.classify(line.data.decode("utf-8", "replace").rstrip("\r"))
        if count >= MARK_EVERY and kind not in ("blank", history.block):
            # A block ends here: a mark at this line's start loses nothing.
            history.close_block()
            history.flush()
            yield from history.out
            history.out = []
            yield Mark({"offset": offset, "s": history.session}, offset - start, records)
            count = records = 0
        problem = history.line(kind, body, offset)
        if problem is None:
            records += kind != "blank"
        else:
            yield Skipped(problem)
        offset = line.end
        count += 1
    history.close_block()
    history.flush()
    yield from history.out
    yield Mark({"offset": offset, "s": history.session}, offset - start, records)


SOURCE = Aider()
