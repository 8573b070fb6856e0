"""Issue 22's relevance benchmark: a realistic history of several hundred
sessions between a developer and coding assistants, and questions written the
way people ask them, each with the one session that answers it.

- `data/history.jsonl.gz`: the sessions, one JSON object a line: `ulid`,
  `key` (its material), `source`, `project`, `branch`, `title`, `startedAt`
  and `events` (`kind`, `text`, `at`).
- `data/questions.jsonl`: `{q, answer, kind, key}`; `answer` is a ulid.
- `data/paraphrases.jsonl`: the same with `kind` "paraphrase": questions that
  share no content word with their answer (`bench.relevance.words`).

The files are written by `python -m bench.relevance.make` from the
hand-written material in `bench/relevance/material/`; `run.py` measures
`session/search` and `session/find` on them (`python -m bench.relevance`).
"""

from __future__ import annotations

import gzip
import json
import os
from typing import Any

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
HISTORY = os.path.join(DATA, "history.jsonl.gz")
QUESTIONS = os.path.join(DATA, "questions.jsonl")
PARAPHRASES = os.path.join(DATA, "paraphrases.jsonl")


def _lines(path: str) -> list[dict[str, Any]]:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sessions() -> list[dict[str, Any]]:
    """The history, oldest session first."""
    return _lines(HISTORY)


def questions() -> list[dict[str, Any]]:
    return _lines(QUESTIONS)


def paraphrases() -> list[dict[str, Any]]:
    return _lines(PARAPHRASES)
