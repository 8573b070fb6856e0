"""The search query language, parsed into a small tree that each store compiles.

Pure: a string in, a `Query` out, no SQL. The language (protocol.md, "Search"):

- words separated by spaces must all occur (AND);
- `"a phrase"`: those words next to each other, in order;
- `word*`: a prefix;
- `-word` or `-"a phrase"`: leave out events that contain it;
- `a OR b`: either (`OR` in capitals; it binds the two items beside it,
  so `x a OR b` is x AND (a OR b));
- anything else is plain text: `(`, `:`, `^`, `NEAR`, a lone `"` never reach a
  search engine's own syntax. A word is a run of letters and digits (as the
  index's tokenizer splits them); an item with no word in it is dropped.

Every string either parses or raises InvalidParams saying why (no word to
look for, only words to leave out, too long). Stores quote every `Term` in
their own syntax; nothing here is ever spliced into a query raw.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import TypeVar

import attrs

from sessiond.errors import InvalidParams

MAX_QUERY_CHARS = 1000
T = TypeVar("T")

# A token as SQLite's unicode61 tokenizer sees one: letters and digits
# (Unicode categories L* and N*), private-use characters too.
_TOKEN = re.compile(r"[^\W_]+|[\ue000-\uf8ff]+")


@attrs.frozen
class Term:
    """One searched item: its words, in order (a phrase when more than one),
    and whether the last word is a prefix.

    `text` is the item as typed; `raw` its words as typed (letters and digits
    only: what an engine is given, so no character of its syntax can reach
    it); `words` the same folded as the index folds them.
    """

    text: str
    words: tuple[str, ...]
    prefix: bool = False
    raw: tuple[str, ...] = ()


@attrs.frozen
class Query:
    """All `groups` must match (each group: any one of its terms), and no
    term of `exclude` may."""

    groups: tuple[tuple[Term, ...], ...]
    exclude: tuple[Term, ...] = ()

    @property
    def terms(self) -> tuple[Term, ...]:
        """Every term that must or may match: what highlights show."""
        return tuple(term for group in self.groups for term in group)


def fold(word: str) -> str:
    """A word as the index compares it: lower case, without diacritics."""
    if word.isascii():
        return word.lower()
    # lower(), not casefold(): the index keeps 'ß' as it is, and so must we.
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def tokens_of(text: str) -> tuple[str, ...]:
    return tuple(m[0] for m in _TOKEN.finditer(text))


@attrs.frozen
class _Item:
    text: str
    negated: bool
    prefix: bool
    quoted: bool


def _items(query: str) -> list[_Item]:
    """Split a query into its items: words, phrases, their '-' and '*'."""
    items: list[_Item] = []
    i, n = 0, len(query)
    while i < n:
        if query[i].isspace():
            i += 1
            continue
        negated = query[i] == "-" and i + 1 < n and not query[i + 1].isspace()
        start = i + 1 if negated else i
        if query[start] == '"':
            close = query.find('"', start + 1)
            if close > start:
                items.append(_Item(query[start + 1 : close], negated, False, True))
                i = close + 1
                continue
            # A lone quote: the rest is plain words, the quote plain text.
        end = start
        while end < n and not query[end].isspace():
            end += 1
        word = query[start:end]
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        items.append(_Item(word.rstrip("*") if prefix else word, negated, prefix, False))
        i = end
    return items


@functools.lru_cache(maxsize=256)
def parse(query: str) -> Query:
    """The tree of `query`, or InvalidParams saying why it has none (the
    trees of the last queries asked are kept: a Query is immutable)."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidParams(
            f"'query' is {len(query)} characters long; a query may have at most {MAX_QUERY_CHARS}"
        )
    groups: list[list[Term]] = []
    exclude: list[Term] = []
    join_next = False  # an OR stands between the last term kept and the next
    after_term = False  # the item before this one was a term kept in `groups`
    items = _items(query)
    for index, item in enumerate(items):
        is_or = item.text == "OR" and not (item.quoted or item.negated or item.prefix)
        if is_or and after_term and index + 1 < len(items) and not items[index + 1].negated:
            join_next, after_term = True, False
            continue
        raw = tokens_of(item.text)
        if not raw:
            join_next = after_term = False
            continue
        term = Term(item.text, tuple(fold(word) for word in raw), item.prefix, raw)
        if item.negated:
            exclude.append(term)
            join_next = after_term = False
            continue
        if join_next:
            groups[-1].append(term)
        else:
            groups.append([term])
        join_next, after_term = False, True
    if not groups:
        if exclude:
            raise InvalidParams(
                "'query' only leaves words out ('-word'); give at least one word to look for"
            )
        raise InvalidParams(
            f"'query' has no word to look for (a word is a run of letters or digits); "
            f"got {query[:40]!r}"
        )
    return Query(_unique(tuple(_unique(tuple(g)) for g in groups)), _unique(tuple(exclude)))


def _unique(items: tuple[T, ...]) -> tuple[T, ...]:
    """The items, each once, in order: a word given twice (`t* t* t* ...`,
    333 times in 1,000 characters) is looked up once."""
    return tuple(dict.fromkeys(items))
