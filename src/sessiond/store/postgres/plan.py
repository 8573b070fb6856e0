"""How a search reads the events: what the GIN index is asked, and what is
checked on the rows it gives.

GIN reads the whole posting list of every operand it is given, words left
out included (it needs them to decide), and a prefix's is the union of every
word it starts (`co*`: 100,000 events). Left-out words never go to the
index: `NOT (tsv @@ left_out)` is checked on the rows it gives (a word and
200 left-out prefixes: 12 s, the index reading all 200). A query of more
than `DRIVERS` groups asks the index for the groups holding the fewest
events and checks the others on its rows (`ts_match_vq`, the function behind
`@@`, which no index serves): a hundred prefixes AND-ed cost two posting
lists, not a hundred (7 s to 30 ms). Which groups hold the fewest events is
estimated from the statistics of the events' `tsv` column (`pg_stats`: its
most common words and their shares).

Which way to read (the GIN index, or the newest events first) is left to
the planner, which knows what pages cost: the events are wide (text and
index), and the index's matches lie on a page each.
"""

from __future__ import annotations

import re
import time
import weakref
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


@attrs.frozen
class Compiled:
    """A query as tsqueries (texts PostgreSQL wrote, to bind as `::tsquery`).

    `groups`: each group of the query once, its terms OR-ed; `exclude`: the
    terms left out, OR-ed (None without). An event matches when it holds
    every group and none of `exclude`.
    """

    groups: tuple[str, ...]
    exclude: str | None

    @property
    def positive(self) -> str:
        return " & ".join(self.groups)

    @property
    def whole(self) -> str:
        """The whole query in one tsquery, flat (for ts_rank)."""
        if self.exclude is None:
            return self.positive
        return f"{self.positive} & !({self.exclude})"


DRIVERS = 2
#: How long a connection keeps the statistics it read (they change with
#: ANALYZE, a few times an hour at most).
KEEP_S = 60.0

_LEXEME = re.compile(r"'((?:[^'\\]|''|\\.)*)'(:\*)?")


@attrs.frozen
class Statistics:
    common: dict[str, float]  # the most common words and their shares
    floor: float  # a share for any other word: half the least common's
    events: float  # how many events, about

    def share(self, tsquery: str) -> float:
        """About what share of the events a tsquery of terms OR-ed matches:
        a word's share (else `floor`), a prefix's the sum over the common
        words it starts, a phrase's its rarest word's."""
        total = 0.0
        for term in re.split(r"\) \| \(", tsquery):
            shares = []
            for word, prefix in _lexemes(term):
                if prefix:
                    shares.append(
                        self.floor + sum(f for w, f in self.common.items() if w.startswith(word))
                    )
                else:
                    shares.append(self.common.get(word, self.floor))
            total += min(shares, default=self.floor)
        return min(total, 1.0)


def _lexemes(tsquery: str) -> list[tuple[str, bool]]:
    """(lexeme, prefix) of each operand of a tsquery as PostgreSQL writes it."""
    out = []
    for match in _LEXEME.finditer(tsquery):
        word = re.sub(r"\\(.)", r"\1", match[1].replace("''", "'"))
        out.append((word, match[2] is not None))
    return out


_KEPT: weakref.WeakKeyDictionary[Any, tuple[float, Statistics | None]] = weakref.WeakKeyDictionary()


def statistics(conn: Connection) -> Statistics | None:
    """The statistics of the events' index (None before the table was first
    analyzed), read again once a minute."""
    kept = _KEPT.get(conn)
    now = time.monotonic()
    if kept is not None and now - kept[0] < KEEP_S:
        return kept[1]
    row = conn.execute(
        "SELECT st.most_common_elems::text::text[], st.most_common_elem_freqs, c.reltuples"
        " FROM pg_class AS c LEFT JOIN pg_stats AS st ON st.schemaname = current_schema()"
        " AND st.tablename = 'events' AND st.attname = 'tsv'"
        " WHERE c.oid = 'events'::regclass",
        prepare=False,
    ).fetchone()
    found = None
    if row is not None and row[0] is not None and row[1] is not None and row[2] > 0:
        words, freqs = list(row[0]), list(row[1])[: len(row[0])]
        found = Statistics(
            dict(zip(words, freqs, strict=True)), min(freqs, default=0.002) / 2, float(row[2])
        )
    _KEPT[conn] = (now, found)
    return found


def plan(conn: Connection, compiled: Compiled) -> tuple[str, list[str]]:
    """The match condition on `e.tsv` (SQL) and its parameters."""
    groups = list(compiled.groups)
    rest: list[str] = []
    stats = statistics(conn) if len(groups) > DRIVERS else None
    if stats is not None:
        groups.sort(key=stats.share)
        groups, rest = groups[:DRIVERS], groups[DRIVERS:]
    elif len(groups) > DRIVERS:  # no statistics yet: the first ones
        groups, rest = groups[:DRIVERS], groups[DRIVERS:]
    sql = ["e.tsv @@ %s::tsquery"]
    params = [" & ".join(groups)]
    if rest:
        sql.append("ts_match_vq(e.tsv, %s::tsquery)")
        params.append(" & ".join(rest))
    if compiled.exclude is not None:
        sql.append("NOT (e.tsv @@ %s::tsquery)")
        params.append(compiled.exclude)
    return " AND ".join(sql), params
