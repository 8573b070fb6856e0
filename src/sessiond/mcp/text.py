"""The text a tool answers with, for a model to read: compact, one line per
session, its best turns indented under it, a session's turns under one
header each.

Every session shown names its ULID, its title (else the opening of its
first prompt), when it was last active, its source (the program it was held
in; else the client that recorded it) and its project folder.

Everything shown from the store is untrusted (imports bring other tools'
text): it passes through `render.safe_text` (through `one_line`/`marked`),
so control characters and bidirectional overrides arrive as visible escapes.
It is given as the data it is, under plain headers, never inside anything
that reads as an instruction.
"""

from __future__ import annotations

from typing import Any

from sessiond.models import Event, Found, Session
from sessiond.render import label, marked, one_line, plural, safe_text

BOLD = ("**", "**")
NO_PROJECT = "no project"


def when(stamp: str) -> str:
    """`2026-11-25 04:26 UTC` for the store's `2026-11-25T04:26:05.123Z`."""
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def _title(session: Session) -> str:
    shown = label(session, 80)
    return f'"{shown}"' if shown else "(untitled)"


def _active(s: Session) -> str:
    return when(s.last_activity_at or s.started_at)


def _source(s: Session) -> str:
    """The program it was held in; else, for a session recorded without
    one, the client that recorded it."""
    return one_line(s.source, 40) if s.source else one_line(s.cli_version, 40)


def _project(s: Session) -> str:
    return one_line(s.project, 300) if s.project else NO_PROJECT


def _filters(project: str | None, source: str | None) -> str:
    parts = []
    if project is not None:
        parts.append(f"in {one_line(project, 300)}")
    if source is not None:
        parts.append(f"from {one_line(source, 40)}")
    return (" " + " ".join(parts)) if parts else ""


def results(
    query: str,
    found: list[Found],
    relaxed: bool,
    limit: int,
    project: str | None = None,
    source: str | None = None,
) -> str:
    shown = one_line(query, 200)
    scope = _filters(project, source)
    if not found:
        return (
            f'No session{scope} matches "{shown}" (sessions in the trash are never '
            "searched). Try other words, a prefix (word*), or a OR b"
            + (", or leave out project or source." if scope else ".")
        )
    lines = [
        f'{plural(len(found), "session")}{scope} for "{shown}", best first. Each: title or '
        "first prompt · ULID · last active · source · project; then its best matching "
        "turns as #seq kind, time: snippet (matches in **bold**).",
    ]
    if relaxed:
        lines.append("No session holds every word of the query: these hold the most of them.")
    for n, result in enumerate(found, 1):
        s = result.session
        lines.append("")
        lines.append(
            f"{n}. {_title(s)} · {s.ulid} · last active {_active(s)} · {_source(s)} · {_project(s)}"
        )
        for hit in result.hits:
            lines.append(
                f"   #{hit.seq} {hit.kind}, {when(hit.created_at)}: "
                f"{marked(hit.snippet, hit.highlights, BOLD)}"
            )
    lines.append("")
    if len(found) == limit:
        lines.append(
            "There may be more: raise limit (up to 50) or narrow with project, source, "
            "since or until."
            if limit < 50
            else "There may be more: narrow with more words, project, source, since or until."
        )
    lines.append(
        "Read a session with read_session (its ULID, or a unique start of it); "
        "to read the turns up to #N, give it beforeSeq N+1."
    )
    return "\n".join(lines)


def _tokens(s: Session) -> str | None:
    u = s.usage
    if u is None:
        return None
    shown = f"tokens {u.input_tokens:,} in, {u.output_tokens:,} out"
    if u.cache_read_tokens or u.cache_write_tokens:
        shown += f" ({u.cache_read_tokens:,} read from cache, {u.cache_write_tokens:,} written)"
    return shown


def session_header(s: Session, parent: str | None) -> str:
    """`Session ULID "title"`, then where and with what, then when."""
    where = [f"source {one_line(s.source, 40)}" if s.source else "no source recorded"]
    where.append(f"recorded by {one_line(s.cli_version, 40)}")
    where.append(f"project {one_line(s.project, 300)}" if s.project else NO_PROJECT)
    if s.branch:
        where.append(f"branch {one_line(s.branch, 80)}")
    times = [f"started {when(s.started_at)}", f"last active {_active(s)}"]
    times.append(f"ended {when(s.ended_at)}" if s.ended_at else "still open")
    times.append(plural(s.event_count, "turn"))
    lines = [f"Session {s.ulid} {_title(s)}", ", ".join(where), ", ".join(times)]
    made = []
    if s.models:
        models = ", ".join(one_line(m, 60) for m in s.models[:5])
        made.append(f"model{'s' if len(s.models) > 1 else ''} {models}")
    tokens = _tokens(s)
    if tokens:
        made.append(tokens)
    if made:
        lines.append(", ".join(made))
    if parent:
        lines.append(f"It continues session {parent}.")
    return "\n".join(lines)


def _made_with(meta: dict[str, Any] | None) -> str:
    """` [model m, tool Bash, failed]` from an event's meta; empty without one."""
    if not meta:
        return ""
    parts = []
    if isinstance(meta.get("model"), str):
        parts.append(f"model {one_line(meta['model'], 60)}")
    if isinstance(meta.get("tool"), str):
        parts.append(f"tool {one_line(meta['tool'], 60)}")
    if meta.get("isError") is True:
        parts.append("failed")
    return f" [{', '.join(parts)}]" if parts else ""


def turns(
    s: Session,
    events: list[Event],
    cut: dict[int, int],
    next_before: int | None,
    parent: str | None = None,
) -> str:
    """The session's header, then each turn as `#seq time kind:` and its text."""
    lines = [session_header(s, parent)]
    if not events:
        lines.append("No turns here." if s.event_count == 0 else "No turns before that seq.")
        return "\n".join(lines)
    first, last = events[0].seq, events[-1].seq
    lines.append(f"Turns #{first} to #{last} of {s.event_count}, oldest first:")
    for e in events:
        lines.append("")
        lines.append(f"#{e.seq} {when(e.created_at)} {e.kind}{_made_with(e.meta)}:")
        lines.append(safe_text(e.text))
        if e.seq in cut:
            lines.append(f"[… {cut[e.seq]:,} more characters of this turn not shown]")
    lines.append("")
    if next_before is not None:
        lines.append(f"Earlier turns: read_session with ulid {s.ulid} and beforeSeq {next_before}.")
    else:
        lines.append("This is the start of the session.")
    return "\n".join(lines)


def sessions(
    found: list[Session], total: int, project: str | None = None, source: str | None = None
) -> str:
    scope = _filters(project, source)
    if not found:
        if scope:
            return (
                f"No sessions{scope} (sessions in the trash are not listed). Leave out "
                "project or source to list every session."
            )
        return "No sessions yet (sessions in the trash are not listed)."
    lines = [
        f"The {len(found)} most recently active of {plural(total, 'session')}{scope} "
        "(ULID · last active · source · project · turns · title or first prompt):"
    ]
    for s in found:
        state = "" if s.ended_at else ", open"
        lines.append(
            f"- {s.ulid} · {_active(s)} · {_source(s)} · {_project(s)} · "
            f"{plural(s.event_count, 'turn')}{state} · {_title(s)}"
        )
    lines.append("Read one with read_session; find sessions by what was said with search_history.")
    return "\n".join(lines)
