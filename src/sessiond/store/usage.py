"""What a batch of appended events adds to the sums kept beside them.

Both stores keep, in the appending transaction, a session's token sums and
models (on its row, so that listing stays one read) and the daily usage
table (`usage_daily`: per UTC day, session and model, the prompts, replies
and tokens of that day) that `stats/usage` reads. A batch is summed here
first, so that a batch of thousands of appends writes each sum once.
"""

from __future__ import annotations

from collections import defaultdict

from sessiond.models import Meta

DAY_MS = 86_400_000
#: The usage_daily row of events that name no model.
NO_MODEL = ""


def day_of(ms: int) -> int:
    """The UTC day of a time in milliseconds: days since 1970-01-01."""
    return ms // DAY_MS


def tokens(meta: Meta | None) -> tuple[int, int, int, int] | None:
    """(input, output, cache read, cache write) of an event, None without usage."""
    if not meta:
        return None
    usage = meta.get("usage")
    if not usage:
        return None
    return (
        usage.get("inputTokens", 0),
        usage.get("outputTokens", 0),
        usage.get("cacheReadTokens", 0),
        usage.get("cacheWriteTokens", 0),
    )


class Sums:
    """The sums a batch of events adds, by session and by (day, session, model)."""

    def __init__(self) -> None:
        # (day, session, model) -> [prompts, replies, input, output, cache read, cache write]
        self.daily: dict[tuple[int, int, str], list[int]] = defaultdict(lambda: [0] * 6)
        # session -> [input, output, cache read, cache write], for sessions with usage
        self.usage: dict[int, list[int]] = defaultdict(lambda: [0] * 4)
        # session -> model -> events naming it
        self.models: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        # session -> its newest event's time in the batch (its last activity)
        self.latest: dict[int, int] = {}

    def add(self, session_id: int, kind: str, created_ms: int, meta: Meta | None) -> None:
        model = meta.get("model", NO_MODEL) if meta else NO_MODEL
        if created_ms > self.latest.get(session_id, -1):
            self.latest[session_id] = created_ms
        row = self.daily[(day_of(created_ms), session_id, model)]
        if kind == "prompt":
            row[0] += 1
        elif kind == "system":
            row[1] += 1
        counts = tokens(meta)
        if counts is not None:
            for i, n in enumerate(counts):
                row[2 + i] += n
            total = self.usage[session_id]
            for i, n in enumerate(counts):
                total[i] += n
        if model:
            self.models[session_id][model] += 1

    def __bool__(self) -> bool:
        return bool(self.daily)


def merge_models(stored: dict[str, int] | None, added: dict[str, int]) -> dict[str, int]:
    merged = dict(stored or {})
    for model, n in added.items():
        merged[model] = merged.get(model, 0) + n
    return merged
