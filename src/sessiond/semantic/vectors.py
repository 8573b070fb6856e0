"""How a vector is kept, and the nearest turns to a question.

A turn's unit vector (384 float32 numbers) is kept as two byte strings:

- `q8`: each number times 1/`SCALE`, rounded to int8 (384 bytes): dot
  products of a question with these rank turns as the floats do (the
  rounding moves a cosine by about 0.002);
- `bits`: the sign of each number less the mean of many turns' vectors
  (48 bytes). The mean is taken out first because the model's vectors all
  lean one way (the mean has length 0.47): signs around 0 would say the same
  for every turn.

Finding the nearest turns to a question at a million turns, on one core and
without an index server: the bits of every turn are held in memory (48 MB at
a million, as six columns of 64-bit words, which numpy XORs and counts a
column at a time), the Hamming distance to the question's bits picks the
`CANDIDATES` closest (a histogram of the distances gives the threshold, ties
included, instead of a sort), and their int8 vectors, read from the store
by id, give the real order. Measured at 1M turns (REPORT of issue 27): 15 ms
p50, recall of the exact top 10 0.89.

`BitIndex` is that memory: it is filled from the store once and then only
with what was added since (`Reader.embedding_bits` reads by the embeddings'
own ids, which only grow), and starts again when the store's index was
made anew (a new `Space.created_at`). Turns removed since (the trash emptied,
a turn redacted) are still in it and drop out at the rescoring, which reads
the store.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

from sessiond.semantic.model import DIMS, MODEL_ID, TOKENS
from sessiond.store.base import Space

if TYPE_CHECKING:
    import numpy as np

#: int8 steps: 127 steps to 0.25, past which (1 in 100,000 numbers) they are clipped.
SCALE = 0.25 / 127
#: Turns rescored in int8 after the bits' first pass.
CANDIDATES = 1000
WORDS = DIMS // 64


@functools.cache
def mean_bytes() -> bytes:
    """The mean the sign bits are taken around (`data/mean.f32`: DIMS
    float32, little-endian; see data/NOTICE)."""
    return (resources.files("sessiond.semantic") / "data" / "mean.f32").read_bytes()


def space(tokens: int = TOKENS) -> Space:
    """How this sessiond makes and keeps vectors, as the store records it."""
    return Space(
        model=MODEL_ID, dims=DIMS, tokens=tokens, scale=SCALE, mean=mean_bytes(), created_at=0
    )


def same_making(a: Space, b: Space) -> bool:
    """Whether vectors kept as `a` says can be compared with those of `b`
    (the word pieces embedded per turn aside: that changes what a vector
    saw of a long turn, not what it means)."""
    return (a.model, a.dims, a.scale, a.mean) == (b.model, b.dims, b.scale, b.mean)


def quantize(vectors: np.ndarray, kept: Space) -> list[tuple[bytes, bytes]]:
    """Each row as (q8, bits), as `kept` says."""
    import numpy as np

    q8 = np.clip(np.rint(vectors / kept.scale), -127, 127).astype(np.int8)
    centre = np.frombuffer(kept.mean, dtype="<f4")
    bits = np.packbits(vectors > centre, axis=1)
    return [(q8[i].tobytes(), bits[i].tobytes()) for i in range(len(vectors))]


def _bits_words(bits: bytes, n: int) -> np.ndarray:
    """n rows of 48 bytes as a (WORDS, n) column layout of uint64."""
    import numpy as np

    return np.frombuffer(bits, dtype="<u8").reshape(n, WORDS).T.copy()


class BitIndex:
    """The bits of every embedded turn of one store, in memory."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.created_at: int | None = None  # the store index's identity
        self.last = 0  # the newest embeddings row read
        self._ids: list[Any] = []
        self._cols: list[Any] = []
        self._merged: tuple[Any, Any] | None = None

    def __len__(self) -> int:
        return sum(len(ids) for ids in self._ids)

    def refresh(self, reader: Any, kept: Space, chunk: int = 100_000) -> None:
        """Read what was embedded since the last refresh (everything, when
        the store's index was made anew)."""
        import numpy as np

        with self._lock:
            if self.created_at != kept.created_at:
                self.created_at, self.last = kept.created_at, 0
                self._ids, self._cols, self._merged = [], [], None
            while True:
                last, ids, bits = reader.embedding_bits(self.last, chunk)
                if not ids:
                    break
                self._ids.append(np.asarray(ids, dtype=np.int64))
                self._cols.append(_bits_words(bits, len(ids)))
                self._merged = None
                self.last = last
                if len(ids) < chunk:
                    break

    def _columns(self) -> tuple[Any, Any]:
        import numpy as np

        with self._lock:
            if self._merged is None:
                if not self._ids:
                    self._merged = (np.zeros(0, np.int64), np.zeros((WORDS, 0), np.uint64))
                else:
                    ids = np.concatenate(self._ids)
                    cols = np.concatenate(self._cols, axis=1)
                    self._ids, self._cols = [ids], [cols]
                    self._merged = (ids, cols)
            return self._merged

    def candidates(self, query_bits: bytes, n: int = CANDIDATES) -> np.ndarray:
        """The event ids of the about `n` turns nearest by Hamming distance
        (ties at the threshold included)."""
        import numpy as np

        ids, cols = self._columns()
        if len(ids) <= n:
            return np.unique(ids)
        q = np.frombuffer(query_bits, dtype="<u8")
        # A column at a time, into buffers made once per question.
        xor = np.empty(len(ids), dtype=np.uint64)
        count = np.empty(len(ids), dtype=np.uint8)
        distance = np.zeros(len(ids), dtype=np.uint16)
        for word in range(WORDS):
            np.bitwise_xor(cols[word], q[word], out=xor)
            np.bitwise_count(xor, out=count)
            distance += count
        counts = np.bincount(distance, minlength=DIMS + 1)
        threshold = int(np.searchsorted(np.cumsum(counts), n))
        return np.unique(ids[distance <= threshold])


def nearest(
    reader: Any, index: BitIndex, kept: Space, query: np.ndarray, k: int
) -> list[tuple[int, float]]:
    """The `k` turns nearest to the unit vector `query`: (event id, cosine),
    nearest first."""
    return rescore(reader, kept, query, candidates(index, kept, query), k)


def candidates(index: BitIndex, kept: Space, query: np.ndarray) -> np.ndarray:
    """The first pass (memory only, no store): the turns whose bits are
    nearest the question's."""
    ((_q8, bits),) = quantize(query[None, :], kept)
    return index.candidates(bits)


def rescore(
    reader: Any, kept: Space, query: np.ndarray, ids: np.ndarray, k: int
) -> list[tuple[int, float]]:
    """The `k` of `ids` nearest to `query` by their int8 vectors (read from
    the store), nearest first."""
    import numpy as np

    if not len(ids):
        return []
    rows = reader.embedding_q8([int(i) for i in ids])
    if not rows:
        return []
    found = np.asarray([r[0] for r in rows], dtype=np.int64)
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.int8).reshape(len(rows), -1)
    scores = (matrix.astype(np.float32) @ query) * kept.scale
    top = np.argsort(-scores, kind="stable")[:k]
    return [(int(found[i]), round(float(scores[i]), 4)) for i in top]


def as_rows(
    event_ids: Sequence[int], vectors: np.ndarray, kept: Space
) -> list[tuple[int, bytes, bytes]]:
    """(event id, q8, bits) rows for `Store.put_embeddings`."""
    return [(e, q8, bits) for e, (q8, bits) in zip(event_ids, quantize(vectors, kept), strict=True)]
