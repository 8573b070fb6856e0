"""`stats/usage` as both stores answer it, from the daily usage table.

`usage_daily` holds, per UTC day, session and model, what that day's events
added (prompts, replies, tokens). Whole days in [since, until) are summed
there; a day that `since` or `until` cuts is summed from its events (only
those of the sessions active that day), so the figures are exact to the
millisecond while a million events still answer in milliseconds.

Rows come largest first: by tokens, then turns, then sessions (newest first
when grouped by day); `key` is the UTC date, model, project or source, None
for none.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sessiond.models import UsageRow
from sessiond.store.rows import read_meta
from sessiond.store.usage import DAY_MS, NO_MODEL, Sums, day_of

Key = str | int | None


def day_key(day: int) -> str:
    when = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=day)
    return when.strftime("%Y-%m-%d")


def day_spans(
    since: int | None, until: int | None
) -> tuple[tuple[int | None, int | None], list[tuple[int, int, int]]]:
    """The whole days [first, end) to read from the table (None: unbounded),
    and the cut days as (day, from ms, to ms) to read from events."""
    first = (
        None if since is None else -(-since // DAY_MS)
    )  # the first day starting at or after since
    end = None if until is None else until // DAY_MS  # days before this one end by until
    cut: list[tuple[int, int, int]] = []
    if since is not None and since % DAY_MS:
        day = day_of(since)
        stop = (day + 1) * DAY_MS if until is None else min(until, (day + 1) * DAY_MS)
        if stop > since:
            cut.append((day, since, stop))
    if until is not None and until % DAY_MS:
        day = day_of(until)
        start = day * DAY_MS if since is None else max(since, day * DAY_MS)
        if (not cut or cut[0][0] != day) and until > start:
            cut.append((day, start, until))
    if first is not None and end is not None and end < first:
        end = first  # no whole day between them
    return (first, end), cut


class Totals:
    """Rows being summed: per key, the sessions seen and six counts."""

    def __init__(self) -> None:
        self.sessions: dict[Key, set[int]] = defaultdict(set)
        self.counts: dict[Key, list[int]] = defaultdict(lambda: [0] * 6)

    def add(self, key: Key, counts: Iterable[int]) -> None:
        row = self.counts[key]
        for i, n in enumerate(counts):
            row[i] += n

    def rows(self, group_by: str) -> list[UsageRow]:
        out = []
        for key, c in self.counts.items():
            shown: str | None
            if group_by == "day":
                shown = day_key(int(key))  # type: ignore[arg-type]
            elif group_by == "model":
                shown = None if key == NO_MODEL else key  # type: ignore[assignment]
            else:
                shown = key  # type: ignore[assignment]
            out.append(UsageRow(shown, len(self.sessions[key]), *c))
        if group_by == "day":
            out.sort(key=lambda r: r.key or "", reverse=True)
        else:
            out.sort(
                key=lambda r: (
                    -(
                        r.input_tokens
                        + r.output_tokens
                        + r.cache_read_tokens
                        + r.cache_write_tokens
                    ),
                    -(r.prompts + r.replies),
                    -r.sessions,
                    r.key is None,
                    r.key or "",
                )
            )
        return out


def add_cut_events(
    totals: Totals,
    group_by: str,
    events: Iterable[tuple[int, str, object, int]],
    session_keys: Callable[[int], Key],
) -> None:
    """Sum events of cut days: (session id, kind, meta as stored, created ms)."""
    sums = Sums()
    for session_id, kind, meta, created in events:
        sums.add(session_id, kind, created, read_meta(meta))
    for (day, session_id, model), counts in sums.daily.items():
        if not any(counts):
            continue
        key: Key = (
            day if group_by == "day" else model if group_by == "model" else session_keys(session_id)
        )
        totals.sessions[key].add(session_id)
        totals.add(key, counts)


def key_column(group_by: str) -> str:
    return {"day": "u.day", "model": "u.model", "project": "s.project", "source": "s.source"}[
        group_by
    ]


def collect(
    group_by: str,
    whole: Iterable[tuple[Any, ...]],
    pairs: Iterable[tuple[Any, ...]],
) -> Totals:
    """Totals from the table's sums per key and its (key, session) pairs."""
    totals = Totals()
    for key, *counts in whole:
        totals.add(key, counts)
    for key, session_id in pairs:
        totals.sessions[key].add(session_id)
    return totals
