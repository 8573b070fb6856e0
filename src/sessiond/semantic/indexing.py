"""Embedding what is stored: turns without a vector, in small batches, each
batch's vectors written in one transaction.

`sessiond index` goes newest first (what was said lately is searchable
first, and a run stopped by Ctrl-C or a kill goes on where it stopped: the
turns that have a vector are not read again). The daemon's background worker
(`worker`) goes oldest first from the newest turn that had a vector when it
started, so it only follows what is appended.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sessiond.semantic import model, vectors
from sessiond.store.base import Space

#: Turns read, embedded and committed together.
BATCH = 32


def prepare(store: Any, tokens: int | None = None) -> Space:
    """The store's space, made (or made anew, every vector going) when it
    has none or one of another making; `tokens` as given, else as stored."""
    stored = store.embedding_space()
    if tokens is None:
        tokens = stored.tokens if stored is not None else model.TOKENS
    made: Space = store.make_embedding_space(vectors.space(tokens))
    return made


def embed_rows(
    embedder: model.Embedder, kept: Space, rows: list[tuple[int, str]]
) -> list[tuple[int, bytes, bytes]]:
    """(event id, q8, bits) of each (event id, text)."""
    found = embedder.embed([text for _, text in rows])
    return vectors.as_rows([event_id for event_id, _ in rows], found, kept)


def index(
    store: Any,
    embedder: model.Embedder,
    kept: Space,
    progress: Callable[[int], None] = lambda n: None,
    batch: int = BATCH,
) -> int:
    """Embed every turn without a vector, newest first; the number embedded."""
    done = 0
    below: int | None = None
    while True:
        rows = store.unembedded(0, batch, below=below, newest_first=True)
        if not rows:
            return done
        store.put_embeddings(embed_rows(embedder, kept, rows), kept.created_at)
        done += len(rows)
        progress(len(rows))
        below = rows[-1][0]
