"""The embedder: the pinned model and its tokenizer, checked before they are
loaded; texts become unit vectors, and the same meaning lands near."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sessiond.semantic import installed, model
from support.semantic import PARAPHRASES, SESSIONS


def test_the_extra_is_installed_here() -> None:
    # CI installs it (.ci/run); without it every test here would mean nothing.
    assert installed()


def test_vectors_are_unit_length_and_in_order() -> None:
    embedder = model.shared()
    texts = ["short", "a much longer text about caching the pip downloads " * 20, ""]
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, model.DIMS) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Embedded one by one, the same (the batch's order and padding change nothing).
    alone = np.stack([embedder.embed([t])[0] for t in texts])
    assert np.allclose(alone, vectors, atol=1e-4)
    assert embedder.embed([]).shape == (0, model.DIMS)


def test_a_question_in_other_words_is_nearest_its_session() -> None:
    embedder = model.shared()
    names = list(SESSIONS)
    docs = embedder.embed([" ".join(t for _, t in SESSIONS[n]) for n in names])
    for question, answer in PARAPHRASES.items():
        sims = docs @ embedder.embed([question])[0]
        assert names[int(np.argmax(sims))] == answer, question


def test_a_file_that_is_not_the_pinned_one_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.onnx"
    other.write_bytes(b"not a model")
    with pytest.raises(model.ModelError, match="not the file sessiond knows"):
        model.Embedder(other=(str(other), model.MODEL_SHA256, None))


def test_the_carried_tokenizer_is_the_known_file() -> None:
    assert model._sha256(model.tokenizer_file()) == model.TOKENIZER_SHA256
    notice = Path(model.tokenizer_file()).with_name("NOTICE").read_text()
    assert "Apache License, Version 2.0" in notice
