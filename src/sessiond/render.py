"""Text for people: tables, replays, hits and exports.

Everything shown comes from the store, and the store holds other tools'
text (imports) and whatever any client sent: it is untrusted. Every string
that reaches a terminal or a markdown file passes through `safe_text` or
`safe_line` first, which show control characters (escape sequences, `\\r`,
bidirectional overrides) as visible escapes instead of letting the terminal
run them. JSON lines stay exact: the same characters, escaped as JSON.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable, Iterator

from sessiond.models import Event, Hit, Session
from sessiond.wire.convert import unstructure

# C0 controls but tab and newline, DEL, C1 controls, the Unicode line and
# paragraph separators, and the invisible characters that reorder text
# (bidirectional embeddings and overrides).
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\r": "\\r", "\x1b": "\\e", "\x00": "\\0"}
# What JSON leaves raw but a terminal would act on.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def _visible(match: re.Match[str]) -> str:
    ch = match[0]
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """`text` with every control character shown as an escape (`\\e`, `\\r`,
    `\\x07`, `\\u202e`); tabs and newlines are kept."""
    if not _UNSAFE.search(text):
        return text
    return _UNSAFE.sub(_visible, text)


def one_line(text: str, width: int) -> str:
    """Safe, on one line (runs of whitespace folded), cut to `width` with `…`."""
    flat = " ".join(safe_text(text[: width * 8]).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def safe_json(value: object) -> str:
    """One JSON line, exact, and inert on a terminal."""
    line = json.dumps(value, ensure_ascii=False)
    if _JSON_UNSAFE.search(line):
        line = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", line)
    return line


def plural(count: int, noun: str) -> str:
    """`1 session`, `2 sessions`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


# Times


class Clock:
    """How times read: local (the default) or UTC, with the date shown only
    where it changes from the line before."""

    def __init__(self, utc: bool = False) -> None:
        self.utc = utc
        self._last_date = ""

    def parts(self, stamp: str) -> tuple[str, str]:
        when = datetime.datetime.fromisoformat(stamp)
        if not self.utc:
            when = when.astimezone()
        return when.strftime("%Y-%m-%d"), when.strftime("%H:%M:%S")

    def full(self, stamp: str | None) -> str:
        if stamp is None:
            return ""
        date, time = self.parts(stamp)
        return f"{date} {time}"

    def short(self, stamp: str) -> tuple[str | None, str]:
        """(the date when it changed since the last call, else None; the time)."""
        date, time = self.parts(stamp)
        if date == self._last_date:
            return None, time
        self._last_date = date
        return date, time

    @property
    def zone(self) -> str:
        return "UTC" if self.utc else "local"


def table(rows: list[list[str]], header: list[str], width: int | None = None) -> str:
    """Columns padded to their widest cell; the last column cut to `width`."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    if width is not None and len(header) > 1:
        room = width - sum(widths[:-1]) - 2 * (len(header) - 1)
        widths[-1] = max(10, min(widths[-1], room))
        rows = [
            [*r[:-1], r[-1] if len(r[-1]) <= widths[-1] else r[-1][: widths[-1] - 1] + "…"]
            for r in rows
        ]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def label(session: Session, width: int = 60) -> str:
    """What a person calls a session: its title, else its preview."""
    return one_line(session.title or session.preview or "", width)


def state(session: Session, stale: bool = False) -> str:
    if session.deleted_at:
        return "trash"
    if session.ended_at:
        return "ended"
    return "stale" if stale else "live"


def sessions_table(
    sessions: list[Session],
    clock: Clock | None = None,
    width: int | None = None,
    stale: frozenset[int] = frozenset(),
) -> str:
    """The `ls` table: newest first, each with its title or preview."""
    clock = clock or Clock()
    if not sessions:
        return "no sessions yet"
    header = [
        "ULID",
        f"STARTED ({clock.zone})",
        "STATE",
        "EVENTS",
        "CLIENT",
        "TITLE / FIRST PROMPT",
    ]
    rows = [
        [
            s.ulid,
            clock.full(s.started_at),
            state(s, s.id in stale),
            str(s.event_count),
            one_line(s.cli_version, 24),
            label(s, 200),
        ]
        for s in sessions
    ]
    return table(rows, header, width)


def session_heading(s: Session, clock: Clock) -> str:
    state_text = {"live": "live", "ended": f"ended {clock.full(s.ended_at)}"}.get(
        state(s), f"in the trash since {clock.full(s.deleted_at)}"
    )
    parts = []
    if s.title:
        parts.append(one_line(s.title, 200))
    parts += [
        f"session {s.ulid} (id {s.id}, {state_text})",
        f"started {clock.full(s.started_at)} ({clock.zone}) by {one_line(s.cli_version, 256)}",
    ]
    if s.engine_base_url:
        parts.append(f"engine {one_line(s.engine_base_url, 2048)}")
    if s.parent_ulid:
        parts.append(f"continues {s.parent_ulid}")
    parts.append(f"{s.event_count} events")
    return "\n".join(parts)


def replay(events: Iterable[Event], clock: Clock | None = None) -> Iterator[str]:
    """Each event as `seq  time  kind  text`, continuation lines indented."""
    clock = clock or Clock()
    pad = " " * (5 + 2 + 8 + 2 + 12)
    for e in events:
        lines = safe_text(e.text).split("\n")
        date, time = clock.short(e.created_at)
        if date is not None:
            yield f"{'':>5}  -- {date} ({clock.zone}) --"
        yield f"{e.seq:>5}  {time}  {e.kind:<11} {lines[0]}"
        for line in lines[1:]:
            yield pad + line


def hit_lines(hit: Hit, clock: Clock, mark: tuple[str, str] | None) -> Iterator[str]:
    """A search hit for a terminal: the session and where, then the snippet,
    its matches between `mark`'s two strings (None: no marking)."""
    who = label(hit.session, 60) or "(untitled)"
    yield f"{hit.session.ulid}  {clock.full(hit.created_at)}  {hit.kind}  {who}"
    yield "    " + marked(hit.snippet, hit.highlights, mark)


def marked(snippet: str, highlights: list[tuple[int, int]], mark: tuple[str, str] | None) -> str:
    """The snippet made safe piece by piece, each highlight wrapped in `mark`."""
    pieces: list[str] = []
    at = 0
    for start, end in sorted(highlights):
        if start < at or end > len(snippet):
            continue
        pieces.append(_flat(snippet[at:start]))
        word = _flat(snippet[start:end])
        pieces.append(f"{mark[0]}{word}{mark[1]}" if mark else word)
        at = end
    pieces.append(_flat(snippet[at:]))
    return "".join(pieces)


def _flat(text: str) -> str:
    return safe_text(text).replace("\n", " ").replace("\t", " ")


# Exports, streamed: each yields a line at a time.

_BACKTICKS = re.compile(r"`{3,}")


def markdown(s: Session, events: Iterable[Event]) -> Iterator[str]:
    yield f"# {one_line(s.title, 256) if s.title else 'Session ' + s.ulid}"
    yield ""
    yield f"- Session: {s.ulid}"
    yield f"- Started: {s.started_at}"
    yield f"- Ended: {s.ended_at or 'live'}"
    yield f"- Client: {one_line(s.cli_version, 256)}"
    if s.engine_base_url:
        yield f"- Engine: {one_line(s.engine_base_url, 2048)}"
    if s.parent_ulid:
        yield f"- Continues: {s.parent_ulid}"
    for e in events:
        # A fence longer than any backtick run in the text keeps it verbatim.
        runs = _BACKTICKS.findall(e.text)
        fence = "`" * (max(map(len, runs)) + 1 if runs else 3)
        heading = f"## {e.seq}. {e.kind} · {e.created_at}"
        yield f"\n{heading}\n\n{fence}text\n{safe_text(e.text)}\n{fence}"


def jsonl(s: Session, events: Iterable[Event]) -> Iterator[str]:
    """One JSON object per event, with the session's ULID."""
    for e in events:
        record = unstructure(e)
        record["sessionUlid"] = s.ulid
        yield safe_json(record)
