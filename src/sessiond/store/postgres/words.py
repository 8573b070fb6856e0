"""The words of the search index, as SQL: one rule for events and queries.

sessiond splits and folds the words itself (`rows.index_words`, the shared
tokenizer of `sessiond.store.query`); in SQL, unaccent takes the diacritics
off each word, and the words become the tsvector's lexemes (position =
place in the text) or the tsquery's, without PostgreSQL's text-search
parser: that parser keeps `example.com` or `foo-bar` whole and drops letters
and digits its locale does not know (hypothesis found `𐄇`), so a word
sessiond counts could not be found.

Each lexeme is quoted by SQL as tsvector and tsquery input quote them
(`'` doubled, `\\` escaped), so no word, whatever unaccent turns it into
(`ŉ` becomes `'n`), can be read as syntax. Words of 2048 bytes or more,
which neither type can hold, are left out on both sides alike.
"""

from __future__ import annotations

_QUOTED = "'''' || replace(replace(u.w, '\\', '\\\\'), '''', '''''') || ''''"


def _words(unaccent: str, param: str) -> str:
    return (
        f"unnest(string_to_array({unaccent}({param}), ' ')) WITH ORDINALITY AS u(w, n)"
        " WHERE u.w <> '' AND octet_length(u.w) < 2048"
    )


def tsvector_sql(unaccent: str, param: str) -> str:
    """A tsvector of the words in `param` (an SQL expression: words one
    space apart), positions capped at PostgreSQL's 16383."""
    return (
        f"(SELECT coalesce(string_agg({_QUOTED} || ':' || least(u.n, 16383), ' '), '')"
        f"::tsvector FROM {_words(unaccent, param)})"
    )


def tsquery_sql(unaccent: str, param: str, prefix: bool) -> str:
    """The tsquery matching the words of `param` next to each other, in
    order (the last as a prefix when `prefix`); empty when there is none."""
    star = " || ':*'" if prefix else ""
    return (
        f"(SELECT coalesce(string_agg({_QUOTED}, ' <-> ' ORDER BY u.n){star}, '')"
        f"::tsquery FROM {_words(unaccent, param)})"
    )
