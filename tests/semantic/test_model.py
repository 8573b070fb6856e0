"""The embedder: the pinned model and its tokenizer, checked before they are
loaded; texts become unit vectors, and the same meaning lands near."""

from __future__ import annotations

import os
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


# The turns' embedder: the pinned model made int8 throughout, on this machine.


def test_turns_are_embedded_near_where_the_exact_model_puts_them() -> None:
    texts = [t for turns in SESSIONS.values() for _, t in turns]
    exact = model.shared(tokens=model.TOKENS).embed(texts)
    turns = model.documents().embed(texts)
    assert turns.shape == exact.shape and turns.dtype == np.float32
    assert np.allclose(np.linalg.norm(turns, axis=1), 1.0, atol=1e-5)
    cosines = (exact * turns).sum(axis=1)
    assert cosines.min() >= model.NEAR_ENOUGH and cosines.mean() >= model.NEAR_ON_AVERAGE
    # In a batch or alone, nearly the same: the int8 scale is the batch's.
    alone = np.stack([model.documents().embed([t])[0] for t in texts[:5]])
    assert ((alone * turns[:5]).sum(axis=1) > 0.97).all()


def test_a_question_by_the_exact_model_finds_turns_embedded_by_the_fast_one() -> None:
    # As session/find ranks them: each session by its nearest turn.
    owners = [name for name, turns in SESSIONS.items() for _ in turns]
    turns = model.documents().embed([t for turns in SESSIONS.values() for _, t in turns])
    for question, answer in PARAPHRASES.items():
        sims = turns @ model.shared().embed([question])[0]
        assert owners[int(np.argmax(sims))] == answer, question


@pytest.mark.slow
def test_the_turns_model_is_made_once_and_made_again_when_its_file_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSIOND_CACHE", str(tmp_path / "cache"))
    path = Path(model.derived_model())
    assert path.parent == tmp_path / "cache" and path.stat().st_size > 10_000_000
    digest = Path(f"{path}.sha256").read_text().strip()
    assert digest == model._sha256(str(path))
    made_at = path.stat().st_mtime_ns
    assert model.derived_model() == str(path) and path.stat().st_mtime_ns == made_at
    # Damaged in the cache: made again, never loaded as it is.
    with path.open("r+b") as f:
        f.seek(5_000_000)
        f.write(b"\0" * 64)
    assert model.derived_model() == str(path)
    assert model._sha256(str(path)) == digest
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".making-")]


@pytest.mark.slow
def test_two_processes_making_the_turns_model_at_once_both_get_it(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "SESSIOND_CACHE": str(tmp_path / "cache")}
    code = "from sessiond.semantic import model; print(model.derived_model())"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    paths = {p.communicate(timeout=120)[0].strip() for p in procs}
    assert all(p.returncode == 0 for p in procs)
    (path,) = paths
    assert Path(f"{path}.sha256").read_text().strip() == model._sha256(path)
    assert sorted(p.name for p in (tmp_path / "cache").iterdir()) == [
        Path(path).name,
        Path(path).name + ".sha256",
    ]
