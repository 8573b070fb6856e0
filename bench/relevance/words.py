"""Words as the benchmark's checks see them: runs of letters and digits,
lower case, and the stop words a person adds to a question ("how did we …")
that carry no topic.

Used to hold the paraphrase set to its rule (no content word in common with
the answer session) and by `make --check` to look for questions that another
session answers as well.
"""

from __future__ import annotations

import re

WORD = re.compile(r"[^\W_]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff66-\uff9f]")

# English function words and the glue of questions; no topic word.
STOP = frozenset(
    """
    a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not now of off on once only or
    other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    yours yourself yourselves s t d ll m re ve don didn doesn isn wasn weren won wouldn
    couldn shouldn haven hasn hadn aren let us get got one thing things way again also
    still ever even really actually maybe somehow something anything everything that's
    """.split()  # noqa: SIM905 (lines of words, easier to read)
)

_SUFFIXES = (
    "ations", "ation", "ments", "ment", "ings", "ing", "ers", "er", "ies", "es", "ed",
    "ly", "s", "e",
)  # fmt: skip


def words(text: str) -> set[str]:
    """Every word of `text`, lower case."""
    return {w.lower() for w in WORD.findall(text)}


def content_words(text: str) -> set[str]:
    """The words of `text` that are not stop words."""
    return {w for w in words(text) if w not in STOP}


def stem(word: str) -> str:
    """A crude stem (one common English suffix off), to hold paraphrases to a
    stricter rule than equal words: `cached` and `caching` meet at `cach`."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None
