"""Words in scripts written without spaces (Chinese, Japanese, Korean).

A word index splits text at spaces and punctuation, so `最新の状態にアップデート`
is one token and `最新` or `アップデート` never matches it. The contract's rule
(version 3): such text is matched by its characters. Every store keeps,
beside its word index, the text of events that hold these scripts as
*bigrams*: each run of these characters as its overlapping character pairs
(a lone character as itself), every other word as it is. A query word in
these scripts becomes the phrase of its bigrams, which matches wherever its
characters stand together: `最新` finds `最新の状態にアップデート`.

Pure functions, shared by both stores (SQLite keeps the bigram text in a
second FTS5 table, PostgreSQL adds the bigrams to the event's tsvector).
"""

from __future__ import annotations

import re

# Han (CJK unified ideographs and extensions, compatibility), Hiragana,
# Katakana (and half-width), Hangul syllables and jamo, CJK symbols used
# inside words (々, 〆, ー).
CJK_CHARS = (
    "\u1100-\u11ff\u3005\u3006\u3031-\u3035\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff"
    "\uff66-\uff9f\U00020000-\U0003134f"
)
_HAS_CJK = re.compile(f"[{CJK_CHARS}]")
_RUN = re.compile(f"[{CJK_CHARS}]+")
# A token as the word index sees one (letters and digits), as store.query's.
_TOKEN = re.compile(r"[^\W_]+|[\ue000-\uf8ff]+")


def has_cjk(text: str) -> bool:
    # `isascii` reads a flag every str carries: most texts end here unscanned.
    return not text.isascii() and _HAS_CJK.search(text) is not None


def bigrams(run: str) -> list[str]:
    """A run of these characters as its overlapping pairs; a lone one as itself."""
    if len(run) < 2:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def split_token(token: str) -> list[str]:
    """One token as the bigram index holds it: its runs of these characters
    as bigrams, the rest of it (Latin letters, digits) as words."""
    out: list[str] = []
    at = 0
    for match in _RUN.finditer(token):
        if match.start() > at:
            out.append(token[at : match.start()])
        out.extend(bigrams(match[0]))
        at = match.end()
    if at < len(token):
        out.append(token[at:])
    return out


def index_text(text: str) -> str | None:
    """The bigram text of `text`, or None when it holds none of these scripts
    (then nothing is indexed beside the words)."""
    if not has_cjk(text):
        return None
    words: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match[0]
        if has_cjk(token):
            words.extend(split_token(token))
        else:
            words.append(token)
    return " ".join(words)


def query_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """A term's words (a phrase), its CJK parts as bigrams, for the bigram index."""
    out: list[str] = []
    for word in words:
        out.extend(split_token(word) if has_cjk(word) else [word])
    return tuple(out)


#: A GLOB class of these characters, for finding such events inside SQLite.
GLOB = "*[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u1100-\u11ff]*"


def title_text(title: str) -> str:
    """What a title index holds: the title's words, and its bigrams when it
    has these scripts."""
    more = index_text(title)
    return title if more is None else f"{title} {more}"
