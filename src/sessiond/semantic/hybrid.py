"""`session/find` by words and meaning together.

When the store has vectors made the way this sessiond makes them (`sessiond
index` ran on it) and the extra is installed, a question is answered twice:

- by words (`store.find`: every word in the session, BM25), its best
  `POOL` sessions;
- by meaning: the question embedded, the `NEAREST` nearest turns
  (`vectors.nearest`), their sessions ranked by their nearest turn
  (`Store.find_near`, with the same filters and never the trash);

and the two rankings are fused by reciprocal rank (each session scores
1/(K + rank) in each list it is in; K = 60, the usual value): a session
both find comes first, one that only one of them finds keeps its place
among the others. Measured on issue 22's relevance set (bench/semantic.py),
fusing the words' ranking only when it is strict (every word in the session)
is what works: when no session holds every word, the words' relaxed list
(sessions holding some of them) is mostly noise for a question asked in
other words, and it is given `RELAXED_WEIGHT` of a strict list's weight.

The query language's operators (`"a phrase"`, `word*`, `-word`, `a OR b`)
shape the words' half; the meaning's half reads the question as it was
written. Measured, this matters: people paste command lines into questions
(`git stash -u`, `pg_dump -Fd -j 8`), whose flags the query language reads
as words to leave out; answering those by words alone lost them (success@5
0.956 instead of 0.992 on the 500 questions). Every question is answered by
words alone when `words` is set, the extra is missing or the store has no
vectors. `relaxed` is the words' own: whether no session held every word.

One embedder per process (`model.shared`) and one `BitIndex` per store
(keyed by where it is), loaded on the first question by meaning and then
kept up to date with what was embedded since.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from sessiond.models import Found
from sessiond.store.base import Space

#: Sessions taken from each ranking before fusing them.
POOL = 50
#: Turns nearest to the question that the meaning's ranking is made of.
NEAREST = 200
#: Reciprocal rank fusion's constant.
K = 60
#: The weight of a relaxed words ranking (no session held every word).
RELAXED_WEIGHT = 0.0

_indexes: dict[str, Any] = {}
_lock = threading.Lock()


def usable(kept: Space | None) -> bool:
    """Whether vectors kept as `kept` can be searched by this sessiond."""
    if kept is None:
        return False
    from sessiond.semantic import vectors

    return vectors.same_making(kept, vectors.space(kept.tokens))


def available(target: Any) -> bool:
    """Whether questions to `target` (a store or its reader) are answered by
    meaning too: the extra is installed and its vectors are usable. Imports
    nothing heavy."""
    from sessiond.semantic import installed

    return installed() and usable(target.embedding_space())


def find(
    target: Any,
    query: str,
    limit: int,
    *,
    project: str | None = None,
    source: str | None = None,
    since: int | None = None,
    until: int | None = None,
    words: bool = False,
) -> tuple[list[Found], bool]:
    """`session/find` on `target` (a Store or a Reader): by words and
    meaning when it can, else by words alone, as `Store.find` answers."""
    filters: dict[str, Any] = {
        "project": project,
        "source": source,
        "since": since,
        "until": until,
    }
    from sessiond.semantic import installed

    if words:
        return target.find(query, limit, **filters)  # type: ignore[no-any-return]
    # The store first: one small read, where looking for the extra's
    # packages costs a tenth of a millisecond, as much as a rare word's
    # whole answer.
    kept = target.embedding_space()
    if kept is None or not installed() or not usable(kept):
        return target.find(query, limit, **filters)  # type: ignore[no-any-return]
    from sessiond.semantic import model, vectors

    server = _server_side(target, kept)
    index = None
    if not server:
        index = _index_of(target)
        index.refresh(target, kept)
    # The words' half reads the store on a thread of its own while this one
    # embeds the question and makes the first pass over the bits in memory
    # (the model, numpy and SQLite all let go of the interpreter): on two
    # cores the two halves take the time of the longer, not their sum.
    # Nothing here reads the store until the words' half is done.
    words_half = _helper().submit(target.find, query, max(limit, POOL), **filters)
    try:
        vector = model.shared().embed([query])[0]
        first = None if index is None else vectors.candidates(index, kept, vector)
    finally:
        # A query the language refuses is refused as before (raised here).
        found, relaxed = words_half.result()
    if first is None:
        near = _nearest(target, kept, vector, NEAREST)
    else:
        near = vectors.rescore(target, kept, vector, first, NEAREST)
    meant = target.find_near(near, max(limit, POOL), query=query, **filters)
    return fuse(found, relaxed, meant, limit), relaxed


def nearest(target: Any, kept: Space, query: str, k: int) -> list[tuple[int, float]]:
    """The `k` turns nearest in meaning to `query`: (event id, cosine)."""
    from sessiond.semantic import model

    return _nearest(target, kept, model.shared().embed([query])[0], k)


def _nearest(target: Any, kept: Space, vector: Any, k: int) -> list[tuple[int, float]]:
    from sessiond.semantic import vectors

    if _server_side(target, kept):
        ((q8, _bits),) = vectors.quantize(vector[None, :], kept)
        near: list[tuple[int, float]] | None = target.embedding_nearest(q8, k)
        if near is not None:
            return near
        _servers.pop(_key(target), None)  # its index went: the bits from now on
    index = _index_of(target)
    index.refresh(target, kept)
    return vectors.nearest(target, index, kept, vector, k)


#: Per store, whether it finds the nearest vectors itself (pgvector), for
#: the index of vectors of one making (its created_at).
_servers: dict[str, tuple[int, bool]] = {}


def _server_side(target: Any, kept: Space) -> bool:
    """Whether `target` finds the nearest vectors itself (asked once per
    index of vectors, with a vector of zeros)."""
    key = _key(target)
    with _lock:
        known = _servers.get(key)
    if known is not None and known[0] == kept.created_at:
        return known[1]
    answer = target.embedding_nearest(bytes(kept.dims), 1) is not None
    with _lock:
        _servers[key] = (kept.created_at, answer)
    return answer


def _key(target: Any) -> str:
    return str(getattr(target, "where", None) or getattr(target, "path", ""))


_pool: Any = None


def _helper() -> Any:
    """Threads for the words' half of questions (one per question at once)."""
    global _pool
    with _lock:
        if _pool is None:
            import concurrent.futures

            _pool = concurrent.futures.ThreadPoolExecutor(4, "sessiond-words")
        return _pool


def _index_of(target: Any) -> Any:
    from sessiond.semantic.vectors import BitIndex

    key = _key(target)
    with _lock:
        index = _indexes.get(key)
        if index is None:
            index = _indexes[key] = BitIndex()
        return index


def fuse(words: list[Found], relaxed: bool, meant: list[Found], limit: int) -> list[Found]:
    """The two rankings as one, by reciprocal rank; each session with the
    words' hits first (they show the matches), then the meaning's."""
    weight = RELAXED_WEIGHT if relaxed else 1.0
    score: dict[int, float] = defaultdict(float)
    first: dict[int, Found] = {}
    hits: dict[int, list[Any]] = defaultdict(list)
    if weight > 0:
        for rank, found in enumerate(words):
            sid = found.session.id
            score[sid] += weight / (K + rank + 1)
            first.setdefault(sid, found)
            hits[sid] += found.hits
    for rank, found in enumerate(meant):
        sid = found.session.id
        score[sid] += 1.0 / (K + rank + 1)
        first.setdefault(sid, found)
        shown = {hit.seq for hit in hits[sid]}
        hits[sid] += [hit for hit in found.hits if hit.seq not in shown]
    order = sorted(score, key=lambda sid: -score[sid])[:limit]
    return [Found(first[sid].session, round(score[sid] * 1000, 4), hits[sid][:3]) for sid in order]
