"""Text a store derives from events: a session's preview, a hit's snippet.

Shared by every store, so that the same event gives the same snippet and
highlights whichever engine found it. Offsets are in code points (Python
string indices), as the contract counts them.
"""

from __future__ import annotations

import re

from sessiond.store.query import _TOKEN, Query, Term, fold

PREVIEW_CHARS = 120
SNIPPET_CHARS = 200
_BEFORE = 60  # characters of context kept before the first match
_WORDS = re.compile(r"\S+")


def make_preview(text: str) -> str | None:
    """The opening of a prompt: at most 120 characters, each run of
    whitespace folded to one space, the ends trimmed; None when empty."""
    parts: list[str] = []
    size = -1
    for match in _WORDS.finditer(text):
        parts.append(match[0])
        size += len(match[0]) + 1
        if size >= PREVIEW_CHARS:
            break
    preview = " ".join(parts)[:PREVIEW_CHARS]
    return preview or None


def _matches(term: Term, tokens: list[tuple[int, int, str]], at: int) -> int:
    """How many tokens from `tokens[at]` on make one occurrence of `term` (0: none)."""
    words = term.words
    if at + len(words) > len(tokens):
        return 0
    last = len(words) - 1
    for offset, word in enumerate(words):
        token = tokens[at + offset][2]
        if token != word and not (term.prefix and offset == last and token.startswith(word)):
            return 0
    return len(words)


def _tokens(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int, str]]:
    stop = len(text) if end is None else end
    return [(m.start(), m.end(), fold(m[0])) for m in _TOKEN.finditer(text, start, stop)]


def _first_match(text: str, terms: tuple[Term, ...]) -> int | None:
    """Where the first occurrence of any term starts. Read a growing piece at
    a time, so that a match near the start of a long text costs little."""
    reach = 512 if any(len(term.words) > 1 for term in terms) else 0
    start, step = 0, 4096
    while start < len(text):
        end = min(len(text), start + step)
        while end < len(text) and not text[end].isspace():
            end += 1  # never cut a word in two
        tokens = _tokens(text, start, end)
        for index in range(len(tokens)):
            if any(_matches(term, tokens, index) for term in terms):
                return tokens[index][0]
        if end >= len(text):
            break
        # Pieces overlap by a phrase's reach, so no occurrence falls between two.
        start = max(start + 1, end - reach)
        step *= 2
    return None


def make_snippet(text: str, query: Query) -> tuple[str, list[tuple[int, int]]]:
    """The part of `text` around its first match (about 200 characters, `…`
    where it was cut, whitespace folded) and the [start, end) offsets of each
    matched word it shows."""
    terms = query.terms
    first = _first_match(text, terms)
    first_at = 0 if first is None else first
    begin = max(0, first_at - _BEFORE)
    while 0 < begin < first_at and not text[begin - 1].isspace():
        begin += 1  # start at a word, not inside one
    end = min(len(text), begin + SNIPPET_CHARS * 2)  # folding may shrink it
    tokens = _tokens(text, begin, end)
    marked: set[int] = set()
    for index in range(len(tokens)):
        for term in terms:
            count = _matches(term, tokens, index)
            marked.update(range(index, index + count))
    out: list[str] = ["…"] if begin > 0 else []
    size = len(out)
    highlights: list[tuple[int, int]] = []
    token_at = {tokens[i][0]: i for i in marked}
    pos = begin
    cut = False
    pending_space = False
    while pos < end:
        ch = text[pos]
        if ch.isspace():
            pending_space = size > (1 if begin > 0 else 0)
            pos += 1
            continue
        if pending_space:
            out.append(" ")
            size += 1
            pending_space = False
        marked_at = token_at.get(pos)
        if marked_at is not None:
            token_end = tokens[marked_at][1]
            if size + (token_end - pos) > SNIPPET_CHARS:
                cut = True
                break
            highlights.append((size, size + token_end - pos))
            out.append(text[pos:token_end])
            size += token_end - pos
            pos = token_end
            continue
        if size >= SNIPPET_CHARS:
            cut = True
            break
        out.append(ch)
        size += 1
        pos += 1
    if cut or (pos < len(text) and end < len(text)):
        out.append("…")
    return "".join(out), highlights
