"""The text a tool answers with, for a model to read: compact, one line per
hit or session, a session's turns under one header each.

Everything shown from the store is untrusted (imports bring other tools'
text): it passes through `render.safe_text` (through `one_line`/`marked`),
so control characters and bidirectional overrides arrive as visible escapes.
It is given as the data it is, under plain headers, never inside anything
that reads as an instruction.
"""

from __future__ import annotations

from sessiond.models import Event, Hit, Session
from sessiond.render import label, marked, one_line, safe_text

BOLD = ("**", "**")


def when(stamp: str) -> str:
    """`2026-11-25 04:26 UTC` for the store's `2026-11-25T04:26:05.123Z`."""
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def _title(session: Session) -> str:
    shown = label(session, 80)
    return f'"{shown}"' if shown else "(untitled)"


def _client(session: Session) -> str:
    return one_line(session.cli_version, 40)


def hits(query: str, found: list[Hit], limit: int) -> str:
    shown = one_line(query, 200)
    if not found:
        return (
            f'No event matches "{shown}" (sessions in the trash are never searched). '
            "Try fewer or other words, a prefix (word*), or a OR b."
        )
    lines = [
        f'{len(found)} hit{"s" if len(found) != 1 else ""} for "{shown}", best first '
        "(when · tool · session title · session ULID #seq kind: snippet, matches in **bold**):"
    ]
    for hit in found:
        s = hit.session
        lines.append(
            f"- {when(hit.created_at)} · {_client(s)} · {_title(s)} · {s.ulid} "
            f"#{hit.seq} {hit.kind}: {marked(hit.snippet, hit.highlights, BOLD)}"
        )
    if len(found) == limit:
        lines.append(
            "There may be more: raise limit (up to 50) or narrow with since, until or kinds."
            if limit < 50
            else "There may be more: narrow the query, or use since, until or kinds."
        )
    lines.append("Read a session's turns with read_session (its ULID, or a unique prefix).")
    return "\n".join(lines)


def session_header(s: Session) -> str:
    parts = [f"Session {s.ulid} {_title(s)}", f"tool {_client(s)}", f"started {when(s.started_at)}"]
    parts.append(f"ended {when(s.ended_at)}" if s.ended_at else "still open")
    parts.append(f"{s.event_count} turn{'s' if s.event_count != 1 else ''}")
    if s.parent_ulid:
        parts.append(f"continues session {s.parent_ulid}")
    return ", ".join(parts)


def turns(s: Session, events: list[Event], cut: dict[int, int], next_before: int | None) -> str:
    """The session's header, then each turn as `#seq time kind:` and its text."""
    lines = [session_header(s)]
    if not events:
        lines.append("No turns here." if s.event_count == 0 else "No turns before that seq.")
        return "\n".join(lines)
    first, last = events[0].seq, events[-1].seq
    lines.append(f"Turns #{first} to #{last} of {s.event_count}, oldest first:")
    for e in events:
        lines.append("")
        lines.append(f"#{e.seq} {when(e.created_at)} {e.kind}:")
        lines.append(safe_text(e.text))
        if e.seq in cut:
            lines.append(f"[… {cut[e.seq]:,} more characters of this turn not shown]")
    lines.append("")
    if next_before is not None:
        lines.append(f"Earlier turns: read_session with ulid {s.ulid} and beforeSeq {next_before}.")
    else:
        lines.append("This is the start of the session.")
    return "\n".join(lines)


def sessions(found: list[Session], total: int) -> str:
    if not found:
        return "No sessions yet (sessions in the trash are not listed)."
    lines = [
        f"The newest {len(found)} of {total} session{'s' if total != 1 else ''}, newest first "
        "(ULID · started · tool · turns · title or first prompt):"
    ]
    for s in found:
        state = "" if s.ended_at else ", open"
        lines.append(
            f"- {s.ulid} · {when(s.started_at)} · {_client(s)} · "
            f"{s.event_count} turn{'s' if s.event_count != 1 else ''}{state} · {_title(s)}"
        )
    lines.append("Read one with read_session; find sessions by their words with search_history.")
    return "\n".join(lines)
