"""The JSON Schemas of the MCP tools: their arguments, written for a model to
read, and their structured results, the contract's camelCase records.

Plain data (no SDK import): `tools.py` pairs each with its tool, the server
hands them out in `tools/list`, and clients validate `structuredContent`
against the output schemas.
"""

from __future__ import annotations

from typing import Any

from sessiond.models import EVENT_KINDS

SEARCH_LIMIT = (1, 50, 10)  # low, high, default
READ_LIMIT = (1, 500, 50)
LIST_LIMIT = (1, 200, 20)

_NULLABLE_STRING = {"type": ["string", "null"]}

SESSION: dict[str, Any] = {
    "type": "object",
    "description": "A recorded session (a conversation with one tool).",
    "properties": {
        "id": {"type": "integer"},
        "ulid": {"type": "string", "description": "The session's id for read_session."},
        "startedAt": {"type": "string", "description": "RFC 3339, UTC"},
        "endedAt": _NULLABLE_STRING,
        "engineBaseUrl": _NULLABLE_STRING,
        "cliVersion": {"type": "string", "description": "The tool that recorded it"},
        "parentUlid": _NULLABLE_STRING,
        "eventCount": {"type": "integer"},
        "title": _NULLABLE_STRING,
        "preview": _NULLABLE_STRING,
        "deletedAt": {"type": "null", "description": "Always null: the trash is never shown."},
    },
    "required": ["id", "ulid", "startedAt", "cliVersion", "eventCount"],
}

EVENT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sessionId": {"type": "integer"},
        "seq": {"type": "integer"},
        "kind": {"type": "string", "enum": list(EVENT_KINDS)},
        "text": {"type": "string"},
        "createdAt": {"type": "string"},
        "textCut": {
            "type": "integer",
            "description": "Present when `text` was cut: how many characters were left out.",
        },
    },
    "required": ["sessionId", "seq", "kind", "text", "createdAt"],
}

HIT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "session": SESSION,
        "seq": {"type": "integer"},
        "kind": {"type": "string", "enum": list(EVENT_KINDS)},
        "createdAt": {"type": "string"},
        "snippet": {"type": "string"},
        "highlights": {
            "type": "array",
            "description": "[start, end) offsets of the matches in `snippet`, in code points.",
            "items": {
                "type": "array",
                "items": {"type": "integer"},
                "minItems": 2,
                "maxItems": 2,
            },
        },
    },
    "required": ["session", "seq", "kind", "createdAt", "snippet", "highlights"],
}


def _limit(bounds: tuple[int, int, int], what: str) -> dict[str, Any]:
    low, high, default = bounds
    return {
        "type": "integer",
        "minimum": low,
        "maximum": high,
        "default": default,
        "description": f"How many {what} at most ({low} to {high}, default {default}).",
    }


_TIME = "An RFC 3339 time with a zone, e.g. 2026-11-01T00:00:00Z"

KIND_WORDS = (
    "prompt (what the person typed), system (the assistant's replies), command (a tool "
    "call, its result, or a slash command), warn, alert, mode_change (notices)"
)

SEARCH_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "description": (
                "Words to find. All words must occur in the event (AND), in any case "
                'and with or without accents (cafe finds Café). "a phrase" in double '
                "quotes: those words next to each other. word*: any word starting "
                "with it (migrat* finds migration, migrating). -word: leave out events "
                "containing it. a OR b: either (OR in capitals). Punctuation is "
                'searched as plain text. Examples: docker cache key; "git rebase" '
                "-abort; postgres OR sqlite migrat*"
            ),
        },
        "limit": _limit(SEARCH_LIMIT, "hits"),
        "since": {"type": "string", "description": f"Only events from this time on. {_TIME}."},
        "until": {"type": "string", "description": f"Only events before this time. {_TIME}."},
        "kinds": {
            "type": "array",
            "items": {"type": "string", "enum": list(EVENT_KINDS)},
            "description": f"Only events of these kinds: {KIND_WORDS}.",
        },
    },
    "required": ["query"],
    "additionalProperties": False,
}

READ_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "ulid": {
            "type": "string",
            "pattern": "^[0-9A-Za-z_-]{1,64}$",
            "description": (
                "The session's ULID as search_history or list_sessions show it; "
                "a unique prefix of it is enough."
            ),
        },
        "limit": _limit(READ_LIMIT, "turns"),
        "beforeSeq": {
            "type": "integer",
            "minimum": 1,
            "description": (
                "Only turns with a seq below this one: to read further back, pass the "
                "beforeSeq that the previous answer names."
            ),
        },
    },
    "required": ["ulid"],
    "additionalProperties": False,
}

LIST_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {"limit": _limit(LIST_LIMIT, "sessions")},
    "additionalProperties": False,
}

SEARCH_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {"hits": {"type": "array", "items": HIT}},
    "required": ["hits"],
}

READ_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "session": SESSION,
        "events": {"type": "array", "items": EVENT, "description": "Oldest first."},
        "nextBeforeSeq": {
            "type": ["integer", "null"],
            "description": "Pass as beforeSeq to read the turns before these; null at the start.",
        },
    },
    "required": ["session", "events", "nextBeforeSeq"],
}

LIST_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "sessions": {"type": "array", "items": SESSION, "description": "Newest first."},
        "total": {"type": "integer", "description": "How many sessions there are in all."},
    },
    "required": ["sessions", "total"],
}
