"""Text for people: tables, replays, hits, results, stats and exports.

Everything shown comes from the store, and the store holds other tools'
text (imports) and whatever any client sent: it is untrusted. Every string
that reaches a terminal or a markdown file passes through `safe_text` or
`safe_line` first, which show control characters (escape sequences, `\\r`,
bidirectional overrides) as visible escapes instead of letting the terminal
run them; every string that reaches an HTML page is escaped (`html.escape`)
as well. JSON lines stay exact: the same characters, escaped as JSON.

Tables fit the terminal's width (`fit`): columns are measured in terminal
cells (a wide character takes two), a column that may shrink is cut before
one that may go, and the title, last, is cut last.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from sessiond.models import Event, Found, Hit, Session, Usage, UsageRow, now_ms

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


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 session`, `2 sessions`, `1,234 events` (`many`: an irregular plural)."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {many or noun + 's'}"


# Terminal cells: a wide character (CJK, most emoji) takes two, a combining
# mark none.


def cells(text: str) -> int:
    if text.isascii():
        return len(text)
    import unicodedata

    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def cut(text: str, width: int) -> str:
    """`text` in at most `width` cells, cut with `…` at the end."""
    if cells(text) <= width:
        return text
    if width <= 0:
        return ""
    out, used = [], 0
    for ch in text:
        size = cells(ch)
        if used + size > width - 1:
            break
        out.append(ch)
        used += size
    return "".join(out) + "…"


def cut_left(text: str, width: int) -> str:
    """`text` in at most `width` cells, its start cut with `…` (for paths)."""
    if cells(text) <= width:
        return text
    if width <= 0:
        return ""
    out: list[str] = []
    used = 0
    for ch in reversed(text):
        size = cells(ch)
        if used + size > width - 1:
            break
        out.append(ch)
        used += size
    return "…" + "".join(reversed(out))


def pad(text: str, width: int) -> str:
    return text + " " * (width - cells(text))


# Times


def ms_of(stamp: str) -> int:
    return int(datetime.datetime.fromisoformat(stamp).timestamp() * 1000)


class Clock:
    """How times read: local (the default) or UTC, with the date shown only
    where it changes from the line before; `ago` for tables."""

    def __init__(self, utc: bool = False, now: int | None = None) -> None:
        self.utc = utc
        self._last_date = ""
        self.now_ms = now_ms() if now is None else now

    def _when(self, stamp: str) -> datetime.datetime:
        when = datetime.datetime.fromisoformat(stamp)
        return when if self.utc else when.astimezone()

    def parts(self, stamp: str) -> tuple[str, str]:
        when = self._when(stamp)
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

    def ago(self, stamp: str | None) -> str:
        """`now`, `12m ago`, `5h ago`, `3d ago`, then `Mar 4`, or `Mar 2024`
        in another year: at most 8 cells."""
        if not stamp:
            return ""
        seconds = (self.now_ms - ms_of(stamp)) // 1000
        if -60 < seconds < 60:
            return "now"
        if 0 < seconds < 3600:
            return f"{seconds // 60}m ago"
        if 0 < seconds < 86400:
            return f"{seconds // 3600}h ago"
        if 0 < seconds < 7 * 86400:
            return f"{seconds // 86400}d ago"
        when = self._when(stamp)
        now = datetime.datetime.fromtimestamp(self.now_ms / 1000, when.tzinfo)
        if when.year == now.year:
            return f"{when:%b} {when.day}"
        return f"{when:%b} {when.year}"

    @property
    def zone(self) -> str:
        return "UTC" if self.utc else "local"


# Tables


class Column(NamedTuple):
    """How a table column gives way when the terminal is narrow: it shrinks
    to `least` cells (cut at the end, or at the start when `left`) at step
    `shrink`, and goes at step `drop`; the steps of every column are taken
    in order (None: never) until the last column has room. `right`: aligned
    right (numbers); `optional`: left out when no row has anything in it;
    `most`: never wider than this on a terminal."""

    name: str
    shrink: int | None = None
    least: int = 0
    left: bool = False
    drop: int | None = None
    right: bool = False
    optional: bool = False
    most: int | None = None  # at most this many cells on a terminal


TITLE_LEAST = 10


def fit(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None,
    last_keep: int | None = None,
) -> list[str]:
    """The table's lines (the header first), each at most `width` cells when
    it can be: while the last column (the title) has less than `last_keep`
    cells (default a third of the width, at least 20), the other columns
    shrink and go, step by step; the title is cut last."""
    last = len(columns) - 1
    active = [
        i
        for i, col in enumerate(columns)
        if i == last or not col.optional or any(r[i] for r in rows)
    ]
    widths = {i: max([cells(columns[i].name), *(cells(row[i]) for row in rows)]) for i in active}
    if width is not None:
        for i in active[:-1]:
            widths[i] = min(widths[i], columns[i].most or widths[i])
    natural = dict(widths)
    if width is not None and _room(width, widths, active) < widths[last]:
        keep = min(natural[last], last_keep if last_keep is not None else max(20, width // 3))
        steps = sorted(
            [(col.shrink, 0, i) for i, col in enumerate(columns) if col.shrink is not None]
            + [(col.drop, 1, i) for i, col in enumerate(columns) if col.drop is not None]
        )
        for _, drop, i in steps:
            room = _room(width, widths, active)
            if room >= keep:
                break
            if i not in active or i == last:
                continue
            if drop:
                active.remove(i)
            else:
                widths[i] = max(columns[i].least, widths[i] - (keep - room))
        for i in active[:-1]:  # what the title can spare goes back to what shrank
            spare = _room(width, widths, active) - keep
            if spare <= 0:
                break
            widths[i] = min(natural[i], widths[i] + spare)
        widths[last] = max(TITLE_LEAST, min(natural[last], _room(width, widths, active)))

    def cell(i: int, text: str) -> str:
        col, size = columns[i], widths[i]
        if cells(text) > size:
            text = cut_left(text, size) if col.left else cut(text, size)
        if i == last:
            return text
        return " " * (size - cells(text)) + text if col.right else pad(text, size)

    return [
        "  ".join(cell(i, row[i]) for i in active).rstrip()
        for row in [[c.name for c in columns], *rows]
    ]


def _room(width: int, widths: dict[int, int], active: list[int]) -> int:
    """What the last of the `active` columns has left of `width`."""
    return width - sum(widths[i] for i in active[:-1]) - 2 * (len(active) - 1)


def label(session: Session, width: int = 60) -> str:
    """What a person calls a session: its title, else its preview."""
    return one_line(session.title or session.preview or "", width)


def state(session: Session, stale: bool = False) -> str:
    if session.deleted_at:
        return "trash"
    if session.ended_at:
        return "ended"
    return "stale" if stale else "live"


_VERSION = re.compile(r"^v?\d[\w.+-]*$")


def client(session: Session) -> str:
    """The program a session was held in, without its version: its source,
    else its client's name (`claude-code 2.0.14` -> `claude-code`)."""
    if session.source:
        return one_line(session.source, 64)
    words = session.cli_version.split()
    while len(words) > 1 and _VERSION.match(words[-1]):
        words.pop()
    return one_line(" ".join(words), 64)


def short_project(path: str | None, home: str | None = None) -> str:
    """A project folder by its last two parts (`src/sessiond`), `~` for the
    home folder and `~/x` for one right under it."""
    if not path:
        return ""
    if home is None:
        import os

        home = os.path.expanduser("~")
    path = path.rstrip("/") or "/"
    if home and path == home.rstrip("/"):
        return "~"
    if home and path.startswith(home.rstrip("/") + "/"):
        rest = path[len(home.rstrip("/")) + 1 :]
        if "/" not in rest:
            return one_line("~/" + rest, 4096)
    parts = [p for p in re.split(r"[/\\]", path) if p]
    return one_line("/".join(parts[-2:]) if parts else path, 4096)


def sessions_table(
    sessions: list[Session],
    clock: Clock | None = None,
    width: int | None = None,
    stale: frozenset[int] = frozenset(),
    *,
    ids: dict[int, str] | None = None,
    depth: dict[int, int] | None = None,
    when: str = "activity",
) -> str:
    """The `ls` (and trash) table: the short ULID (a sub-agent indented under
    its parent), when it was last active (or trashed), its state when live,
    how many events, its source and project, and its title or preview."""
    clock = clock or Clock()
    if not sessions:
        return "no sessions yet"
    ids = ids or {}
    depth = depth or {}
    columns = [
        Column("ID" if ids else "ULID"),
        Column("TRASHED" if when == "deleted" else "ACTIVE"),
        Column("STATE", drop=3, optional=True),
        Column("EVENTS", drop=1, right=True),
        Column("SOURCE", shrink=5, least=8, drop=6, optional=True),
        Column("PROJECT", shrink=2, least=12, left=True, drop=4, optional=True, most=24),
        Column("TITLE / FIRST PROMPT"),
    ]
    rows = [
        [
            "  " * depth.get(s.id, 0) + ids.get(s.id, s.ulid),
            clock.ago(s.deleted_at if when == "deleted" else s.last_activity_at or s.started_at),
            "" if state(s) in ("ended", "trash") else state(s, s.id in stale),
            f"{s.event_count:,}",
            client(s),
            short_project(s.project),
            label(s, 400),
        ]
        for s in sessions
    ]
    return "\n".join(fit(columns, rows, width))


def tokens(usage: Usage | None) -> str:
    """`12,345 in, 3,210 out, 100,000 read from cache, 5,000 written to cache`."""
    if usage is None:
        return ""
    parts = [f"{usage.input_tokens:,} in", f"{usage.output_tokens:,} out"]
    if usage.cache_read_tokens:
        parts.append(f"{usage.cache_read_tokens:,} read from cache")
    if usage.cache_write_tokens:
        parts.append(f"{usage.cache_write_tokens:,} written to cache")
    return ", ".join(parts)


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
    if s.project:
        where = f"project {one_line(s.project, 4096)}"
        if s.branch:
            where += f" (branch {one_line(s.branch, 256)})"
        parts.append(where)
    elif s.branch:
        parts.append(f"branch {one_line(s.branch, 256)}")
    if s.source:
        source = f"source {one_line(s.source, 256)}"
        if s.source_id:
            source += f" (its id there: {one_line(s.source_id, 256)})"
        parts.append(source)
    if s.models:
        label_ = "model" if len(s.models) == 1 else "models"
        parts.append(f"{label_} {', '.join(one_line(m, 256) for m in s.models)}")
    if s.usage is not None:
        parts.append(f"tokens {tokens(s.usage)}")
    if s.engine_base_url:
        parts.append(f"engine {one_line(s.engine_base_url, 2048)}")
    if s.parent_ulid:
        parts.append(f"continues {s.parent_ulid}")
    parts.append(plural(s.event_count, "event"))
    return "\n".join(parts)


def kind_label(kind: str, meta: dict[str, object] | None = None) -> str:
    """What a person calls an event's kind: a reply (`system` on the wire) is
    `reply`, or the model's name when the event has one."""
    if kind != "system":
        return kind
    model = (meta or {}).get("model")
    return one_line(model, 40) if isinstance(model, str) and model.strip() else "reply"


def replay(events: Iterable[Event], clock: Clock | None = None) -> Iterator[str]:
    """Each event as `seq  time  kind  text`, continuation lines indented."""
    clock = clock or Clock()
    pad_ = " " * (5 + 2 + 8 + 2 + 12)
    for e in events:
        lines = safe_text(e.text).split("\n")
        date, time = clock.short(e.created_at)
        if date is not None:
            yield f"{'':>5}  -- {date} ({clock.zone}) --"
        yield f"{e.seq:>5}  {time}  {kind_label(e.kind, e.meta):<11} {lines[0]}"
        for line in lines[1:]:
            yield pad_ + line


def hits_lines(
    hits: Sequence[Hit],
    clock: Clock,
    mark: tuple[str, str] | None,
    ids: dict[int, str] | None = None,
    width: int | None = None,
) -> Iterator[str]:
    """Search hits for a terminal: for each, a row of a table fitted to
    `width` (the session's short ULID when `ids` has it, when the turn was,
    its kind, the session's title or preview), then the snippet indented,
    its matches between `mark`'s two strings (None: no marking), cut to
    `width` cells."""
    columns = [Column("ID"), Column("WHEN"), Column("KIND"), Column("TITLE")]
    rows = [
        [
            (ids or {}).get(h.session.id, h.session.ulid),
            clock.ago(h.created_at),
            kind_label(h.kind),
            label(h.session, 400) or "(untitled)",
        ]
        for h in hits
    ]
    headings = fit(columns, rows, width)[1:]
    for hit, heading in zip(hits, headings, strict=True):
        yield heading
        yield "    " + marked(
            hit.snippet, hit.highlights, mark, None if width is None else width - 4
        )


def marked(
    snippet: str,
    highlights: list[tuple[int, int]],
    mark: tuple[str, str] | None,
    width: int | None = None,
) -> str:
    """The snippet made safe piece by piece, each highlight wrapped in `mark`,
    cut with `…` to `width` cells (the marks take none)."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(highlights):
        if start < at or end > len(snippet):
            continue
        pieces.append((_flat(snippet[at:start]), False))
        pieces.append((_flat(snippet[start:end]), True))
        at = end
    pieces.append((_flat(snippet[at:]), False))
    out: list[str] = []
    left = width
    for text, is_match in pieces:
        if left is not None:
            if cells(text) > left:
                text = cut(text, left)
                left = 0
            else:
                left -= cells(text)
        if is_match and mark and text:
            out.append(f"{mark[0]}{text}{mark[1]}")
        else:
            out.append(text)
        if left == 0:
            break
    return "".join(out)


def _flat(text: str) -> str:
    return safe_text(text).replace("\n", " ").replace("\t", " ")


# `sessiond find`: one block per session.

RELAXED = "(relaxed: no session holds every word; the closest)"


def found_lines(
    results: Sequence[Found],
    ids: dict[int, str],
    clock: Clock,
    mark: tuple[str, str] | None,
    width: int | None,
) -> Iterator[str]:
    """Each result as a heading row (the short ULID, when, where, the title
    or preview), fitted to `width` like a table, then its best turns
    indented, a blank line between results."""
    columns = [
        Column("ID"),
        Column("ACTIVE"),
        Column("SOURCE", shrink=3, least=8, drop=4, optional=True),
        Column("PROJECT", shrink=1, least=12, left=True, drop=2, optional=True, most=24),
        Column("TITLE"),
    ]
    rows = [
        [
            ids.get(r.session.id, r.session.ulid),
            clock.ago(r.session.last_activity_at or r.session.started_at),
            client(r.session),
            short_project(r.session.project),
            label(r.session, 400) or "(untitled)",
        ]
        for r in results
    ]
    headings = fit(columns, rows, width)[1:]
    for index, (result, heading) in enumerate(zip(results, headings, strict=True)):
        if index:
            yield ""
        yield heading
        for hit in result.hits:
            kind = kind_label(hit.kind)
            lead = f"    {clock.ago(hit.created_at):>8}  {kind:<7} "
            room = None if width is None else max(10, width - cells(lead))
            yield lead + marked(hit.snippet, hit.highlights, mark, room)


# `sessiond stats`


def human(count: int) -> str:
    """`999`, `12,345`, `123k`, `4.5M`, `1.2B`: at most 6 cells."""
    if count < 100_000:
        return f"{count:,}"
    for size, unit in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if count >= size:
            value = count / size
            return f"{value:.1f}{unit}" if value < 100 else f"{value:.0f}{unit}"
    return str(count)


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, largest: int, width: int, ascii_only: bool = False) -> str:
    """A bar of up to `width` cells for `value` out of `largest`, in eighths."""
    if largest <= 0 or value <= 0 or width <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    if ascii_only:
        return "#" * max(1, eighths // 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


STATS_KEYS = {"day": "DAY (UTC)", "model": "MODEL", "project": "PROJECT", "source": "SOURCE"}


def stats_table(
    rows: Sequence[UsageRow], group_by: str, width: int | None, ascii_only: bool = False
) -> list[str]:
    """Sessions, prompts, replies and tokens per row, with a bar of the
    tokens (read and written) per row, or of the turns when none has tokens."""

    def read(row: UsageRow) -> int:
        return row.input_tokens + row.cache_read_tokens + row.cache_write_tokens

    has_tokens = any(read(r) or r.output_tokens for r in rows)

    def measure(row: UsageRow) -> int:
        return read(row) + row.output_tokens if has_tokens else row.prompts + row.replies

    def key(row: UsageRow) -> str:
        if row.key is None:
            return "(none)"
        return short_project(row.key) if group_by == "project" else one_line(row.key, 200)

    columns = [
        Column(STATS_KEYS[group_by], shrink=2, least=12, left=group_by == "project", most=32),
        Column("SESSIONS", right=True),
        Column("PROMPTS", right=True),
        Column("REPLIES", right=True),
        Column("IN", right=True, drop=3, optional=True),
        Column("CACHED", right=True, drop=1, optional=True),
        Column("OUT", right=True, drop=4, optional=True),
        Column("TOKENS" if has_tokens else "TURNS"),
    ]
    cells_ = [
        [
            key(r),
            f"{r.sessions:,}",
            human(r.prompts),
            human(r.replies),
            human(r.input_tokens) if has_tokens else "",
            human(r.cache_read_tokens + r.cache_write_tokens)
            if any(x.cache_read_tokens + x.cache_write_tokens for x in rows)
            else "",
            human(r.output_tokens) if has_tokens else "",
            "",
        ]
        for r in rows
    ]
    largest = max((measure(r) for r in rows), default=0)
    # The bar takes what the other columns leave: from 8 to 40 cells.
    shown = [
        i for i in range(len(columns) - 1) if not columns[i].optional or any(c[i] for c in cells_)
    ]
    used = sum(max([cells(columns[i].name), *(cells(c[i]) for c in cells_)]) for i in shown)
    bar_width = 40 if width is None else max(8, min(40, width - used - 2 * len(shown)))
    for row, r in zip(cells_, rows, strict=True):
        row[-1] = bar(measure(r), largest, bar_width, ascii_only)
    return fit(columns, cells_, width, last_keep=bar_width)


# Exports, streamed: each yields a line at a time.

_BACKTICKS = re.compile(r"`{3,}")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _fence_for(text: str) -> str:
    """A fence longer than any backtick run in `text` (which stays verbatim)."""
    runs = _BACKTICKS.findall(text)
    return "`" * (max(map(len, runs)) + 1 if runs else 3)


def _closed(lines: list[str]) -> list[str]:
    """Markdown whose code fences are all closed: a fence the text opens and
    never closes would swallow every turn after it."""
    open_fence: str | None = None
    for line in lines:
        found = _FENCE.match(line)
        if not found:
            continue
        if open_fence is None:
            open_fence = found[1]
        elif _closes(line, open_fence):
            open_fence = None
    return lines if open_fence is None else [*lines, open_fence]


def _closes(line: str, fence: str) -> bool:
    """Whether `line` closes a code block opened by `fence` (CommonMark: the
    same character, at least as many, nothing after but spaces)."""
    found = _FENCE.match(line)
    return bool(
        found
        and found[1][0] == fence[0]
        and len(found[1]) >= len(fence)
        and not line.strip()[len(found[1]) :].strip()
    )


_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")


def _inert_html(line: str) -> str:
    """A markdown line whose raw HTML shows as text (`<` as `&lt;`), code
    spans left as they are (they show `<` as it is)."""
    if "<" not in line:
        return line
    out, at = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(line[at : span.start()].replace("<", "&lt;"))
        out.append(span[0])
        at = span.end()
    out.append(line[at:].replace("<", "&lt;"))
    return "".join(out)


def _as_markdown(text: str) -> list[str]:
    """A reply's own markdown, made safe: controls shown, raw HTML outside
    code shown as text, every fence closed."""
    lines = _closed(safe_text(text).split("\n"))
    out, fence = [], None
    for line in lines:
        found = _FENCE.match(line)
        if fence is None:
            if found:
                fence = found[1]
            out.append(line if found else _inert_html(line))
        else:
            if _closes(line, fence):
                fence = None
            out.append(line)
    return out


def markdown_meta(s: Session) -> Iterator[str]:
    yield f"- Session: {s.ulid}"
    yield f"- Started: {s.started_at}"
    yield f"- Ended: {s.ended_at or 'live'}"
    yield f"- Client: {one_line(s.cli_version, 256)}"
    if s.source:
        its_id = f" (its id there: {one_line(s.source_id, 256)})" if s.source_id else ""
        yield f"- Source: {one_line(s.source, 256)}{its_id}"
    if s.project:
        yield f"- Project: {one_line(s.project, 4096)}"
    if s.branch:
        yield f"- Branch: {one_line(s.branch, 256)}"
    if s.models:
        yield f"- Models: {', '.join(one_line(m, 256) for m in s.models)}"
    if s.usage is not None:
        yield f"- Tokens: {tokens(s.usage)}"
    if s.engine_base_url:
        yield f"- Engine: {one_line(s.engine_base_url, 2048)}"
    if s.parent_ulid:
        yield f"- Continues: {s.parent_ulid}"


def markdown(s: Session, events: Iterable[Event]) -> Iterator[str]:
    """A session as markdown that renders: a person's turns quoted under a
    heading, replies as their own markdown, commands and notices fenced."""
    title = _inert_html(one_line(s.title, 256)) if s.title else f"Session {s.ulid}"
    yield f"# {title}"
    yield ""
    for line in markdown_meta(s):
        yield _inert_html(line)
    for e in events:
        kind = _inert_html(kind_label(e.kind, e.meta))
        yield f"\n## {e.seq}. {kind} · {e.created_at}\n"
        if e.kind == "prompt":
            for line in safe_text(e.text).split("\n"):
                yield f"> {_inert_html(line)}".rstrip()
        elif e.kind == "system":
            yield from _as_markdown(e.text)
        else:
            fence = _fence_for(e.text)
            yield f"{fence}text\n{safe_text(e.text)}\n{fence}"


def jsonl(s: Session, events: Iterable[Event]) -> Iterator[str]:
    """The session as its first line ({"session": Session}), then one JSON
    object per event, with the session's ULID."""
    from sessiond.wire.convert import unstructure

    yield safe_json({"session": unstructure(s)})
    for e in events:
        record = unstructure(e)
        record["sessionUlid"] = s.ulid
        yield safe_json(record)


# HTML: one page, every style inline, no script, every stored text escaped.

HTML_STYLE = """
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--mute:#59636e;--line:#d1d9e0;
--you:#ddf4ff;--code:#f6f8fa;--warn:#fff8c5}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--mute:#9198a1;
--line:#3d444d;--you:#0c2d6b;--code:#151b23;--warn:#3b2e00}}
body{margin:0 auto;max-width:54rem;padding:1.5rem;font:16px/1.5 system-ui,sans-serif;
color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 .5rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;color:var(--mute);
font-size:.9rem;margin:0 0 1.5rem}
dd{margin:0;overflow-wrap:anywhere}
.turn{border-top:1px solid var(--line);padding:.75rem 0}
.who{color:var(--mute);font-size:.85rem}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0 0}
.prompt .text{background:var(--you);padding:.5rem .75rem;border-radius:.5rem}
.command .text,.mode_change .text{font:13px/1.4 ui-monospace,monospace;background:var(--code);
padding:.5rem .75rem;border-radius:.5rem;max-height:30rem;overflow:auto}
.warn .text,.alert .text{background:var(--warn);padding:.5rem .75rem;border-radius:.5rem}
section+section{margin-top:3rem}
"""


def _h(text: str) -> str:
    import html

    return html.escape(safe_text(text), quote=True)


def html_head(title: str) -> Iterator[str]:
    yield "<!DOCTYPE html>"
    yield '<html lang="en">'
    yield "<head>"
    yield '<meta charset="utf-8">'
    # Nothing may load or run, whatever the text holds.
    yield (
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    )
    yield '<meta name="viewport" content="width=device-width, initial-scale=1">'
    yield f"<title>{_h(one_line(title, 256))}</title>"
    yield f"<style>{HTML_STYLE}</style>"
    yield "</head>"
    yield "<body>"


def html_session(s: Session, events: Iterable[Event]) -> Iterator[str]:
    """One session as a section of the page: its heading, what is known of
    it, then each turn."""
    yield f'<section id="{_h(s.ulid)}">'
    yield f"<h1>{_h(one_line(s.title, 256)) if s.title else 'Session ' + _h(s.ulid)}</h1>"
    yield "<dl>"
    for line in markdown_meta(s):
        name, _, value = line[2:].partition(": ")
        yield f"<dt>{_h(name)}</dt><dd>{_h(value)}</dd>"
    yield "</dl>"
    for e in events:
        kind = kind_label(e.kind, e.meta)
        yield f'<div class="turn {_h(e.kind)}" id="{_h(s.ulid)}-{e.seq}">'
        yield f'<div class="who">{e.seq}. {_h(kind)} · <time>{_h(e.created_at)}</time></div>'
        yield f'<div class="text">{_h(e.text)}</div>'
        yield "</div>"
    yield "</section>"


def html_tail() -> Iterator[str]:
    yield "</body>"
    yield "</html>"


def html(s: Session, events: Iterable[Event]) -> Iterator[str]:
    """A whole page for one session."""
    yield from html_head(s.title or f"Session {s.ulid}")
    yield from html_session(s, events)
    yield from html_tail()


Render = Callable[[Session, Iterable[Event]], Iterator[str]]
