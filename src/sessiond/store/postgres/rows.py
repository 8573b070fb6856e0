"""Values between Python and the PostgreSQL schema: text, words, sessions.

PostgreSQL `text` cannot hold U+0000, which the contract allows in any
string. Every string a person or an importer gave is stored through `to_db`,
which writes U+0000 as U+0001 '0' and U+0001 as U+0001 U+0001 (a string
holding neither, nearly all of them, is stored as it is), and read back
through `from_db`. The encoding maps character by character, so equality and
prefixes are kept.
"""

from __future__ import annotations

import json
import re

import attrs

from sessiond.models import Event, Session
from sessiond.store import cjk, rows
from sessiond.store.query import _TOKEN, fold

_ESCAPED = re.compile("\x01(.)", re.DOTALL)
_UNESCAPE = {"\x01": "\x01", "0": "\x00"}


def to_db(value: str) -> str:
    if "\x00" in value or "\x01" in value:
        return value.replace("\x01", "\x01\x01").replace("\x00", "\x010")
    return value


def from_db(value: str) -> str:
    if "\x01" in value:
        return _ESCAPED.sub(lambda m: _UNESCAPE.get(m[1], m[1]), value)
    return value


def maybe_to_db(value: str | None) -> str | None:
    return None if value is None else to_db(value)


def maybe_from_db(value: str | None) -> str | None:
    return None if value is None else from_db(value)


# A tsvector holds at most 1 MiB of distinct lexemes (4 bytes more each),
# and positions up to 16383. Past the latter, positions are all 16383, so a
# word seen before adds nothing; past this budget of distinct words, the
# rest of a (huge) text is left out of the index rather than the text
# refused. The margin leaves room for unaccent's longer spellings.
INDEX_BUDGET = 900_000
MAX_POSITION = 16383


def index_words(text: str) -> str:
    """The words of `text` as search sees them (the shared tokenizer and
    folding of `sessiond.store.query`), one space apart, for the index
    (`words.tsvector_sql`): a word is the same thing on both stores.

    Chinese, Japanese and Korean runs are held as their bigrams
    (`store.cjk.index_text`: `最新の状態` as `最新 新の の状 状態`), which a
    query word in those scripts matches as the phrase of its own bigrams
    (`search.term_words`); every other word is held as it is."""
    if text.isascii():
        words = _TOKEN.findall(text.lower())
    else:
        bigrams = cjk.index_text(text)
        words = [fold(word) for word in _TOKEN.findall(text if bigrams is None else bigrams)]
    if 4 * (sum(map(len, words)) + len(words)) > INDEX_BUDGET:
        words = _within_budget(words)
    return " ".join(words)


def _within_budget(words: list[str]) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    cost = 0
    for index, word in enumerate(words):
        if word in seen:
            if index < MAX_POSITION:
                kept.append(word)
            continue
        cost += len(word.encode("utf-8")) + 4
        if cost > INDEX_BUDGET:
            break
        seen.add(word)
        kept.append(word)
    return kept


SESSION_FIELDS, SESSION_COLUMNS = rows.SESSION_FIELDS, rows.SESSION_COLUMNS
SESSION_WIDTH = rows.SESSION_WIDTH
# The project column as the v3 filters compare it: bytes, as its index does.
PROJECT = 's.project COLLATE "C"'


def session_row(row: tuple[object, ...]) -> Session:
    """A Session from the columns of SESSION_COLUMNS, in order. Its models
    (jsonb, read by psycopg as a dict) were stored through `to_db`."""
    session = rows.session_row(row, from_db)
    stored = row[20]
    if session.models and isinstance(stored, dict) and any("\x01" in m for m in stored):
        counts = {from_db(m): n for m, n in stored.items()}
        session = attrs.evolve(session, models=rows.models_list(counts))
    return session


def event_row(session_id: int, row: tuple[object, ...]) -> Event:
    """An Event from (seq, kind, text, created_at, meta); meta is JSON text
    (`rows.meta_json`), which holds no U+0000 (JSON escapes it)."""
    return rows.event_row(session_id, row, from_db)


def models_json(counts: dict[str, int]) -> str | None:
    """A batch's {model: events} as jsonb input, the models through `to_db`."""
    if not counts:
        return None
    return json.dumps({to_db(m): n for m, n in counts.items()}, separators=(",", ":"))
