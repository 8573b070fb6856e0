"""Text a store derives from events: a session's preview, a hit's snippet.

Shared by every store, so that the same event gives the same snippet and
highlights whichever engine found it. Offsets are in code points (Python
string indices), as the contract counts them.

Matches are found by one regular expression per query, run over the text
folded as the index folds it (lower case, diacritics removed) one character
for one character, so that offsets in the folded text are offsets in the
text itself.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from sessiond.models import Hit, Session, rfc3339
from sessiond.store.cjk import CJK_CHARS, has_cjk
from sessiond.store.query import _TOKEN, Query, Term

PREVIEW_CHARS = 120
SNIPPET_CHARS = 200
_BEFORE = 60  # characters of context kept before the first match
_WORDS = re.compile(r"\S+")
_TOKEN_CHAR = r"[^\W_]"


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


# A letter or digit that is not of a script written without spaces: what
# makes the edge of a word. Words of those scripts are found inside runs.
_WORD_CHAR = f"(?:(?![{CJK_CHARS}]){_TOKEN_CHAR})"


def _term_pattern(term: Term) -> str:
    words = [re.escape(word) for word in term.words]
    if term.prefix:
        words[-1] += f"{_TOKEN_CHAR}*"
    return r"[\W_]+".join(words)


@functools.lru_cache(maxsize=64)
def matcher(query: Query) -> re.Pattern[str]:
    """One pattern finding every occurrence of any of the query's terms, as
    whole words (words of Chinese, Japanese and Korean by their characters,
    wherever they stand together), in folded text."""
    plain = [t for t in query.terms if not has_cjk("".join(t.words))]
    words = [_term_pattern(t) for t in plain]
    runs = [_term_pattern(t) for t in query.terms if has_cjk("".join(t.words))]
    parts = []
    if words:
        # The edges once around them all: one Unicode class, not one per
        # word; after a look at the next character (one a word starts
        # with), so that the class is tried where a word may start, not at
        # every character (3.4x faster).
        firsts = {re.escape(t.words[0][:1]) for t in plain}
        edges = f"(?<!{_WORD_CHAR})(?:{'|'.join(words)})(?!{_WORD_CHAR})"
        parts.append(f"(?=[{''.join(sorted(firsts))}]){edges}" if "" not in firsts else edges)
    parts += runs
    return re.compile("|".join(parts))


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    folded = unicodedata.normalize("NFD", ch.lower())
    return folded[0] if folded else ch


def fold_text(text: str) -> str:
    """`text` lower-cased and without diacritics, one character for one."""
    if text.isascii():
        return text.lower()
    table = {ord(ch): _fold_char(ch) for ch in set(text) if not ch.isascii()}
    return text.translate(table).lower()


def _first_match(text: str, pattern: re.Pattern[str]) -> int | None:
    """Where the first match starts, reading a growing piece at a time, so
    that a match near the start of a long text costs little."""
    start, step = 0, 8192
    while start < len(text):
        end = min(len(text), start + step)
        while end < len(text) and not text[end].isspace():
            end += 1  # never cut a word in two
        found = pattern.search(fold_text(text[start:end]))
        if found is not None:
            return start + found.start()
        if end >= len(text):
            break
        start = max(start + 1, end - 512)  # overlap: a phrase may span the cut
        step *= 2
    return None


def make_snippet(text: str, query: Query) -> tuple[str, list[tuple[int, int]]]:
    """The part of `text` around its first match (about 200 characters, `…`
    where it was cut, whitespace folded) and the [start, end) offsets of each
    matched word it shows."""
    pattern = matcher(query)
    first = _first_match(text, pattern) or 0
    begin = max(0, first - _BEFORE)
    while 0 < begin < first and not text[begin - 1].isspace():
        begin += 1  # start at a word, not inside one
    end = min(len(text), begin + SNIPPET_CHARS * 2)
    while end < len(text) and not text[end].isspace():
        end += 1
    # The words (runs of non-space) shown, each at its place in the snippet.
    lead = "…" if begin > 0 else ""
    parts: list[str] = []
    places: list[tuple[int, int]] = []  # (start in text, start in snippet)
    size = len(lead)
    cut = False
    for found in _WORDS.finditer(text, begin, end):
        word = found[0]
        at = size + (1 if parts else 0)
        if at + len(word) > SNIPPET_CHARS + len(lead):
            if not parts:  # one huge word: show its start
                parts.append(word[:SNIPPET_CHARS])
                places.append((found.start(), at))
            cut = True
            break
        parts.append(word)
        places.append((found.start(), at))
        size = at + len(word)
    snippet = lead + " ".join(parts)
    shown_end = places[-1][0] + len(parts[-1]) if parts else begin
    if cut or _WORDS.search(text, shown_end) is not None:
        snippet += "…"
    limit = len(snippet) - (1 if snippet.endswith("…") else 0)
    # Every word of every occurrence inside what is shown.
    folded = fold_text(text[begin:shown_end])
    highlights: list[tuple[int, int]] = []
    part = 0
    for occurrence in pattern.finditer(folded):
        for token in _TOKEN.finditer(text, begin + occurrence.start(), begin + occurrence.end()):
            start, stop = token.span()
            while part + 1 < len(places) and places[part + 1][0] <= start:
                part += 1
            shift = places[part][1] - places[part][0]
            if stop + shift <= limit:
                highlights.append((start + shift, stop + shift))
    return snippet, highlights


def make_hit(
    session: Session, seq: int, kind: str, created_ms: int, text: str, query: Query
) -> Hit:
    """A search hit, with its snippet and highlights, as every store makes it."""
    snippet, highlights = make_snippet(text, query)
    return Hit(
        session=session,
        seq=seq,
        kind=kind,
        created_at=rfc3339(created_ms),
        snippet=snippet,
        highlights=highlights,
    )
