"""`session/find`: which session was that? Sessions ranked, as both stores answer it.

A person asks a history a question ("how did we fix the CI cache"), not a
query of words that must all stand in one turn. Here:

- The query language is `session/search`'s. Words that only frame a question
  in English (`how`, `did`, `we`, `the`, ...) are left out of it when it has
  other words (a query of only such words keeps them). Each other word also
  matches the words of its stem (`caching` finds `cache` and `cached`:
  Snowball's English stemmer, the stem as a prefix), a word of Chinese,
  Japanese or Korean by its characters (`store.cjk`).
- A session matches when every word (every group of `a OR b`) occurs
  somewhere in it: in its title or in any of its turns, not necessarily one.
  A session holding a left-out (`-word`) word anywhere is left out.
- Ranking (BM25 over sessions): a word weighs by how rare it is among all
  events (IDF); a session gains for each turn that holds it, with diminishing
  returns, and more when it is in the title (`TITLE`); a turn that holds
  several of the words (the question and its answer) adds more. Ties go to
  the session active most recently.
- When no session holds every word, the sessions holding the most of them
  come back, ranked the same way, with `relaxed`.
- `hits` are the session's up to 3 best turns: those holding the most of the
  words, then the rarest, then the newest, with snippets as `session/search`
  makes them. `since`/`until` bound the turns that count (a session then
  needs a matching turn inside them); `project`, `source` and the trash
  filter sessions.

Bounded work at any size: each word's matches are read newest first, at most
`PER_TERM` of them (a word in more events than that weighs near nothing, and
only its newest matches are seen), so a query of the most common words of a
million events stays within a few milliseconds per word.

The stores give `Backend` (their indexes); nothing here knows SQL.
"""

from __future__ import annotations

import functools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import attrs

from sessiond.errors import InvalidParams
from sessiond.models import Found, Session
from sessiond.store.cjk import has_cjk
from sessiond.store.query import Query, Term, parse
from sessiond.store.snippet import make_hit

#: Matches of one word read at most (newest first), and of all words of a
#: query together (each word gets its share, at least MIN_PER_TERM).
PER_TERM = 4_000
BUDGET = 8_000
MIN_PER_TERM = 600
#: A title holding a word counts as this many turns holding it, and more.
TITLE = 3.0
#: BM25's saturation of repeated turns.
K1 = 1.2
#: Turns shown per session.
HITS = 3

# Words that frame a question or a sentence in English and say nothing of
# what it is about.
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing done down during each few for from
    further get got had has have having he her here hers herself him himself his how i if in
    into is it its itself just let lets me more most my myself no nor not now of off on once
    only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your yours
    yourself yourselves thing things something anything way ways use used using make made want
    wanted need needed please tell know knew remember one ever again also still yet back went
    go going
    """.split()  # noqa: SIM905 - a list of words is easier to read as words
)


class Match(NamedTuple):
    """An event that holds a term: its id, session and time."""

    event_id: int
    session_id: int
    created_ms: int


class Backend(Protocol):
    """What a store gives `find`: its indexes, read with the filters applied."""

    def event_total(self) -> int:
        """How many events there are (for IDF; an estimate will do)."""
        ...

    def term_matches(self, term: Term, limit: int) -> list[Match]:
        """Events (not in the trash, within the filters) holding `term`,
        newest first, at most `limit`."""
        ...

    def title_matches(self, term: Term) -> set[int]:
        """Sessions (within the filters) whose title holds `term`."""
        ...

    def placed(self, ids: Sequence[int]) -> dict[int, int]:
        """event id -> session id, of those of `ids` within the filters (not
        in the trash, the project and source, since/until)."""
        ...

    def sessions(self, ids: Sequence[int]) -> dict[int, Session]: ...

    def events(self, ids: Sequence[int]) -> dict[int, tuple[int, str, int, str]]:
        """event id -> (seq, kind, created ms, text)."""
        ...


@functools.lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


def widened(term: Term) -> Term:
    """A one-word term that also matches the words of its stem (as a prefix)."""
    if term.prefix or len(term.raw) != 1 or has_cjk(term.raw[0]):
        return term
    word = term.words[0]
    if len(word) < 4 or not word.isascii() or not word.isalpha():
        return term
    stem: str = _stemmer().stemWord(word)  # type: ignore[attr-defined]
    if len(stem) < 3 or stem == word:
        return term
    return attrs.evolve(term, words=(stem,), raw=(stem,), prefix=True)


@functools.lru_cache(maxsize=256)
def plan(text: str) -> Query:
    """The query as find uses it: framing words out, words widened to their stems
    (kept for the last questions asked: a Query is immutable)."""
    query = parse(text)
    kept = tuple(
        group
        for group in query.groups
        if not all(len(t.words) == 1 and t.words[0] in STOP_WORDS for t in group)
    )
    groups = kept or query.groups
    return Query(tuple(tuple(widened(t) for t in g) for g in groups), query.exclude)


def find(
    backend: Backend, text: str, limit: int, *, bounded: bool = False
) -> tuple[list[Found], bool]:
    """The sessions best answering `text`, and whether the answer is relaxed.

    `bounded`: the backend reads turns within since/until, and a session
    must hold a matching turn there (a title alone does not do)."""
    query = plan(text)
    if limit <= 0:
        return [], False
    total = max(1, backend.event_total())
    terms = sum(len(group) for group in query.groups)
    per_term = max(MIN_PER_TERM, min(PER_TERM, BUDGET // max(1, terms)))
    groups: dict[int, set[int]] = defaultdict(set)  # session -> the groups it holds
    score: dict[int, float] = defaultdict(float)
    newest: dict[int, int] = {}
    # Of each event read, for hits and for turns that hold several of the
    # words: its session and time, the groups it holds (bits), its weight.
    # Flat dicts of numbers, not a list per event: nothing for the cyclic
    # garbage collector to follow, however many events a query reads.
    owner: dict[int, int] = {}
    when: dict[int, int] = {}
    held: dict[int, int] = {}
    weight: dict[int, float] = {}
    for index, group in enumerate(query.groups):
        bit = 1 << min(index, 62)
        per_session: dict[int, float] = {}
        for term in group:
            matches = backend.term_matches(term, per_term)
            titled = backend.title_matches(term)
            df = len(matches)
            # Past the limit, all that is known is that the word is common.
            idf = _idf(total, df if df < per_term else max(df, total // 4))
            turns = Counter(session_id for _, session_id, _ in matches)
            for event_id, session_id, created in matches:
                if event_id in owner:
                    held[event_id] |= bit
                    weight[event_id] += idf
                else:
                    owner[event_id] = session_id
                    when[event_id] = created
                    held[event_id] = bit
                    weight[event_id] = idf
                if created > newest.get(session_id, 0):
                    newest[session_id] = created
            for session_id in turns.keys() | titled:
                tf = turns.get(session_id, 0) + (TITLE if session_id in titled else 0.0)
                w = idf * tf * (K1 + 1) / (tf + K1)
                if w > per_session.get(session_id, 0.0):
                    per_session[session_id] = w
        for session_id, w in per_session.items():
            groups[session_id].add(index)
            score[session_id] += w
    for term in query.exclude:
        out = {m[1] for m in backend.term_matches(term, per_term * 2)}
        for session_id in out | backend.title_matches(term):
            groups.pop(session_id, None)
    # A turn holding several of the words adds to its session: the question
    # and its answer in one place.
    for event_id, bits in held.items():
        if bits & (bits - 1):
            score[owner[event_id]] += 0.5 * weight[event_id]
    candidates = [sid for sid in groups if not bounded or newest.get(sid)]
    if not candidates:
        return [], False
    every = len(query.groups)
    full = [sid for sid in candidates if len(groups[sid]) == every]
    relaxed = not full
    # Relaxed: those holding the most of the words first, ranked among themselves.
    ranked = sorted(
        full or candidates,
        key=lambda sid: (-len(groups[sid]), -score[sid], -newest.get(sid, 0), -sid),
    )
    chosen = ranked[:limit]
    sessions = backend.sessions(chosen)
    own: dict[int, list[int]] = defaultdict(list)
    wanted = set(chosen)
    for event_id, session_id in owner.items():
        if session_id in wanted:
            own[session_id].append(event_id)
    best: dict[int, list[int]] = {}
    for session_id in chosen:
        best[session_id] = sorted(
            own.get(session_id, []),
            key=lambda e: (-held[e].bit_count(), -weight[e], -when[e], -e),
        )[:HITS]
    texts = backend.events([e for session_id in chosen for e in best[session_id]])
    found: list[Found] = []
    for session_id in chosen:
        session = sessions.get(session_id)
        if session is None:
            continue
        hits = [
            make_hit(session, seq, kind, created, body, query)
            for seq, kind, created, body in (texts[e] for e in best[session_id] if e in texts)
        ]
        found.append(Found(session, round(score[session_id], 4), hits))
    return found, relaxed


def found_near(
    backend: Backend, near: Sequence[tuple[int, float]], limit: int, text: str
) -> list[Found]:
    """Sessions of the turns `near` ((event id, similarity), nearest first)
    within the backend's filters, ranked by their nearest turn (then their
    second), each with its up to `HITS` nearest turns: the meaning's half of
    a hybrid `session/find` (`sessiond.semantic.hybrid`)."""
    if limit <= 0 or not near:
        return []
    places = backend.placed([event_id for event_id, _ in near])
    turns: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for event_id, similarity in near:  # nearest first: each session's too
        session_id = places.get(event_id)
        if session_id is not None:
            turns[session_id].append((event_id, similarity))
    ranked = sorted(
        turns,
        key=lambda sid: (
            -turns[sid][0][1],
            -(turns[sid][1][1] if len(turns[sid]) > 1 else 0.0),
            -sid,
        ),
    )[:limit]
    sessions = backend.sessions(ranked)
    best = {sid: [e for e, _ in turns[sid][:HITS]] for sid in ranked}
    texts = backend.events([e for sid in ranked for e in best[sid]])
    try:
        query = plan(text)
    except InvalidParams:
        query = Query(())
    found: list[Found] = []
    for session_id in ranked:
        session = sessions.get(session_id)
        if session is None:
            continue
        hits = [
            make_hit(session, seq, kind, created, body, query)
            for seq, kind, created, body in (texts[e] for e in best[session_id] if e in texts)
        ]
        found.append(Found(session, turns[session_id][0][1], hits))
    return found


def _idf(total: int, df: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))
