"""Records shared by the store, the server and the command line.

They are plain, immutable attrs classes with snake_case fields; the wire
converter (`sessiond.wire.convert`) renames them to camelCase.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import attrs

EVENT_KINDS: tuple[str, ...] = ("prompt", "system", "command", "warn", "alert", "mode_change")

#: An event's `meta` as on the wire (contract v3): only the keys `model`
#: (str), `usage` ({inputTokens?, outputTokens?, cacheReadTokens?,
#: cacheWriteTokens?}, integers >= 0), `tool` (str) and `isError` (bool).
Meta = dict[str, Any]
META_KEYS = ("model", "usage", "tool", "isError")
USAGE_KEYS = ("inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens")


@attrs.frozen
class Usage:
    """Token counts: those the model read from no cache, those it wrote
    (reasoning included), those read from and written to a cache."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0


def make_meta(
    model: str | None = None,
    usage: Usage | None = None,
    tool: str | None = None,
    is_error: bool | None = None,
) -> Meta | None:
    """An event's meta from what is known (None: nothing is)."""
    meta: Meta = {}
    if model:
        meta["model"] = model
    if usage is not None:
        counts = {
            "inputTokens": usage.input_tokens,
            "outputTokens": usage.output_tokens,
            "cacheReadTokens": usage.cache_read_tokens,
            "cacheWriteTokens": usage.cache_write_tokens,
        }
        meta["usage"] = {k: v for k, v in counts.items() if v}
        if not meta["usage"]:
            del meta["usage"]
    if tool:
        meta["tool"] = tool
    if is_error is not None:
        meta["isError"] = is_error
    return meta or None


@attrs.frozen
class Session:
    id: int
    ulid: str
    started_at: str
    ended_at: str | None
    engine_base_url: str | None
    cli_version: str
    parent_ulid: str | None
    event_count: int
    # Version 2: set by session/rename; the opening of the first prompt; when trashed.
    title: str | None = None
    preview: str | None = None
    deleted_at: str | None = None
    # Version 3: where, with what and at what cost.
    source: str | None = None
    source_id: str | None = None
    project: str | None = None
    branch: str | None = None
    last_activity_at: str = ""  # the newest event's time, else started_at
    usage: Usage | None = None
    models: list[str] = attrs.field(factory=list)


@attrs.frozen
class Event:
    session_id: int
    seq: int
    kind: str
    text: str
    created_at: str
    meta: Meta | None = None  # version 3


@attrs.frozen
class Hit:
    """One search result: an event, its session, and where the query matched.

    `highlights` are [start, end) offsets into `snippet`, in code points.
    """

    session: Session
    seq: int
    kind: str
    created_at: str
    snippet: str
    highlights: list[tuple[int, int]]


@attrs.frozen
class UsageRow:
    """One row of `stats/usage`: a day (YYYY-MM-DD), model, project or source
    (None for none), and what its sessions held."""

    key: str | None
    sessions: int
    prompts: int
    replies: int
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int


@attrs.frozen
class Found:
    """One result of `session/find`: a session, how well it answers (larger
    is better) and its up to 3 best turns."""

    session: Session
    score: float
    hits: list[Hit]


@attrs.frozen
class Appended:
    seq: int
    created_at: str


def now_ms() -> int:
    """Milliseconds since the Unix epoch, the store's unit of time."""
    return time.time_ns() // 1_000_000


_last_second: tuple[int, str] = (-1, "")


@functools.lru_cache(maxsize=4096)
def _day(day: int) -> str:
    """`2026-11-25T` for a day since the epoch."""
    t = time.gmtime(day * 86400)
    return f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T"


#: The times an RFC 3339 string can hold: years 1 to 9999, in milliseconds.
MIN_MS = -62135596800000
MAX_MS = 253402300799999


def rfc3339(ms: int) -> str:
    """`2026-11-25T04:26:05.123Z` for a time in milliseconds since the epoch.

    A time outside years 1 to 9999 (stored by an older sessiond's import)
    is shown at the nearest end of that range, never an error."""
    global _last_second
    ms = MIN_MS if ms < MIN_MS else MAX_MS if ms > MAX_MS else ms
    seconds, millis = divmod(ms, 1000)
    # Events of one page mostly share their second: format it once (3.9 -> 1.4 us);
    # another second of a day already seen, by arithmetic (1.8 -> 0.9 us).
    cached = _last_second
    if cached[0] != seconds:
        day, rest = divmod(seconds, 86400)
        hour, rest = divmod(rest, 3600)
        minute, second = divmod(rest, 60)
        cached = _last_second = (seconds, f"{_day(day)}{hour:02d}:{minute:02d}:{second:02d}")
    return f"{cached[1]}.{millis:03d}Z"
