"""A PostgreSQL URI as sessiond shows it: without its password.

The URI itself goes to libpq untouched (so its parameters, `sslmode` among
them, and libpq's environment variables all work); only what sessiond shows
or logs is derived here. Pure string work: no psycopg, no network.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

_HIDDEN = "***"


def _split_userinfo(netloc: str) -> tuple[str, str]:
    """(userinfo, hosts) of a URI's authority; userinfo '' when there is none."""
    userinfo, at, hosts = netloc.rpartition("@")
    return (userinfo, hosts) if at else ("", netloc)


def redact(uri: str) -> str:
    """`uri` with any password (in the user part or as `password=`) removed."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "postgresql://(a URI sessiond cannot read)"
    userinfo, hosts = _split_userinfo(parts.netloc)
    user = userinfo.partition(":")[0]
    netloc = f"{user}@{hosts}" if user else hosts
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if k.lower() != "password"]
        if len(kept) != len(pairs):
            query = urlencode(kept, quote_via=quote)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def secrets_of(uri: str) -> list[str]:
    """Every spelling of the URI's password a message could carry: as written,
    percent-decoded, and its pieces when it holds an unescaped '@' or ':'
    (libpq and urllib split such a URI in different places)."""
    found: list[str] = []
    try:
        parts = urlsplit(uri)
        userinfo, _hosts = _split_userinfo(parts.netloc)
        raw = [userinfo.partition(":")[2]] if ":" in userinfo else []
        raw += [v for k, v in parse_qsl(parts.query, keep_blank_values=True) if k == "password"]
    except ValueError:
        # Unreadable: hide everything between the scheme and the path.
        head = uri.partition("://")[2].partition("/")[0]
        raw = [head] if head else []
    for secret in raw:
        for spelling in (secret, unquote(secret)):
            found.append(spelling)
            found.extend(re.split(r"[@:]", spelling))
    # Longest first, so that a piece never hides part of a longer spelling.
    return sorted({s for s in found if len(s) >= 2}, key=len, reverse=True)


def scrub(text: str, secrets: list[str]) -> str:
    """`text` with every secret replaced by ***."""
    for secret in secrets:
        text = text.replace(secret, _HIDDEN)
    return text
