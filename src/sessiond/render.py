"""Text for people: the `ls` table, `show` replay, and the exports."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from sessiond.models import Event, Session
from sessiond.store import Store
from sessiond.wire import unstructure


def _when(stamp: str | None) -> str:
    """`2026-11-25 04:26:05` from an RFC 3339 stamp (UTC, as stored)."""
    if stamp is None:
        return ""
    return stamp[:19].replace("T", " ")


def one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]
    return "\n".join(lines)


def sessions_table(sessions: list[Session], first_prompts: dict[int, str] | None = None) -> str:
    """The `ls` table; the FIRST PROMPT column only when `first_prompts` is given."""
    if not sessions:
        return "no sessions yet"
    header = ["ULID", "STARTED (UTC)", "ENDED", "EVENTS", "ENGINE", "CLIENT"]
    rows = [
        [
            s.ulid,
            _when(s.started_at),
            _when(s.ended_at) if s.ended_at else "live",
            str(s.event_count),
            s.engine_base_url or "-",
            s.cli_version,
        ]
        for s in sessions
    ]
    if first_prompts is not None:
        header.append("FIRST PROMPT")
        for s, row in zip(sessions, rows, strict=True):
            row.append(one_line(first_prompts.get(s.id, ""), 40))
    return table(rows, header)


def all_events(store: Store, session_id: int, page: int = 1000) -> Iterator[Event]:
    """Every event of a session, oldest first, read a page at a time."""
    pages: list[list[Event]] = []
    before: int | None = None
    while True:
        chunk = store.events(session_id, page, before)
        if not chunk:
            break
        pages.append(chunk)
        if chunk[0].seq == 1:
            break
        before = chunk[0].seq
    for chunk in reversed(pages):
        yield from chunk


def session_heading(s: Session) -> str:
    state = f"ended {_when(s.ended_at)}" if s.ended_at else "live"
    parts = [
        f"session {s.ulid} (id {s.id}, {state})",
        f"started {_when(s.started_at)} UTC by {s.cli_version}",
    ]
    if s.engine_base_url:
        parts.append(f"engine {s.engine_base_url}")
    if s.parent_ulid:
        parts.append(f"continues {s.parent_ulid}")
    parts.append(f"{s.event_count} events")
    return "\n".join(parts)


def replay(events: Iterable[Event]) -> Iterator[str]:
    """Each event as `seq  time  kind  text`, continuation lines indented."""
    for e in events:
        lines = e.text.split("\n") or [""]
        yield f"{e.seq:>5}  {e.created_at[11:23]}  {e.kind:<11} {lines[0]}"
        for line in lines[1:]:
            yield f"{'':>5}  {'':12}  {'':<11} {line}"


def markdown(s: Session, events: Iterable[Event]) -> Iterator[str]:
    yield f"# Session {s.ulid}"
    yield ""
    yield f"- Started: {s.started_at}"
    yield f"- Ended: {s.ended_at or 'live'}"
    yield f"- Client: {s.cli_version}"
    if s.engine_base_url:
        yield f"- Engine: {s.engine_base_url}"
    if s.parent_ulid:
        yield f"- Continues: {s.parent_ulid}"
    for e in events:
        yield ""
        yield f"## {e.seq}. {e.kind} · {e.created_at}"
        yield ""
        # A fence longer than any backtick run in the text keeps it verbatim.
        fence = "`" * max(3, _longest_backticks(e.text) + 1)
        yield f"{fence}text"
        yield e.text
        yield fence


def _longest_backticks(text: str) -> int:
    best = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        best = max(best, run)
    return best


def jsonl(events: Iterable[Event]) -> Iterator[str]:
    for e in events:
        yield json.dumps(unstructure(e), ensure_ascii=False)
