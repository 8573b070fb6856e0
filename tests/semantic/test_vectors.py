"""How vectors are kept (int8 and centred sign bits) and the nearest turns
found through the bits' first pass and the int8 rescoring."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sessiond.semantic import vectors
from sessiond.store.base import Space


class Memory:
    """A reader holding rows in memory, as a store's reader gives them."""

    def __init__(self, rows: list[tuple[int, bytes, bytes]]) -> None:
        self.rows = rows

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        chunk = self.rows[after : after + limit]
        if not chunk:
            return after, [], b""
        return after + len(chunk), [r[0] for r in chunk], b"".join(r[2] for r in chunk)

    def embedding_q8(self, ids: Sequence[int]) -> list[tuple[int, bytes]]:
        wanted = set(ids)
        return [(r[0], r[1]) for r in self.rows if r[0] in wanted]


def unit(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, 384)).astype(np.float32) + np.frombuffer(
        vectors.mean_bytes(), dtype="<f4"
    )
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def kept() -> Space:
    return vectors.space()


def test_a_vector_is_384_int8_and_48_bytes_of_bits() -> None:
    v = unit(np.random.default_rng(1), 3)
    rows = vectors.quantize(v, kept())
    assert [(len(q8), len(bits)) for q8, bits in rows] == [(384, 48)] * 3
    back = np.frombuffer(rows[0][0], dtype=np.int8).astype(np.float32) * vectors.SCALE
    assert float(back @ v[0]) > 0.99  # the rounding keeps the direction


def test_nearest_finds_the_exact_top_in_a_small_index() -> None:
    rng = np.random.default_rng(2)
    v = unit(rng, 500)
    rows = vectors.as_rows(list(range(1, 501)), v, kept())
    reader = Memory(rows)
    index = vectors.BitIndex()
    index.refresh(reader, kept())
    query = v[41] + 0.05 * unit(rng, 1)[0]
    query /= np.linalg.norm(query)
    got = vectors.nearest(reader, index, kept(), query, 5)
    exact = (np.argsort(-(v @ query))[:5] + 1).tolist()
    assert got[0][0] == 42
    # Every turn is a candidate here: the order is the int8 one, which near
    # ties of random vectors may swap.
    assert len({e for e, _ in got} & set(exact)) >= 4
    assert [s for _, s in got] == sorted((s for _, s in got), reverse=True)


def test_the_bits_pass_keeps_most_of_the_true_neighbours_when_it_must_choose() -> None:
    rng = np.random.default_rng(3)
    v = unit(rng, 20_000)
    rows = vectors.as_rows(list(range(1, 20_001)), v, kept())
    reader = Memory(rows)
    index = vectors.BitIndex()
    index.refresh(reader, kept(), chunk=7_000)  # read in pieces
    assert len(index) == 20_000
    found = 0
    for q in range(20):
        query = v[q * 97] + 0.6 * unit(rng, 1)[0]
        query /= np.linalg.norm(query)
        candidates = set(index.candidates(vectors.quantize(query[None, :], kept())[0][1], 1000))
        assert 1000 <= len(candidates) < 2000
        exact = set((np.argsort(-(v @ query))[:10] + 1).tolist())
        found += len(exact & candidates)
    assert found / 200 >= 0.5  # random vectors are the hard case; real ones do better


def test_an_index_made_anew_is_read_again() -> None:
    v = unit(np.random.default_rng(4), 10)
    reader = Memory(vectors.as_rows(list(range(1, 11)), v, kept()))
    index = vectors.BitIndex()
    first = kept()
    index.refresh(reader, first)
    assert len(index) == 10
    index.refresh(reader, first)  # nothing new
    assert len(index) == 10
    index.refresh(reader, _later(first))
    assert len(index) == 10 and index.created_at == 1


def _later(space: Space) -> Space:
    import attrs

    return attrs.evolve(space, created_at=1)
