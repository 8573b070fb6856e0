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

_COUNT = {"type": "integer", "minimum": 0}

SESSION: dict[str, Any] = {
    "type": "object",
    "description": "A recorded session (a conversation held in one program).",
    "properties": {
        "id": {"type": "integer"},
        "ulid": {"type": "string", "description": "The session's id for read_session."},
        "startedAt": {"type": "string", "description": "RFC 3339, UTC"},
        "endedAt": _NULLABLE_STRING,
        "engineBaseUrl": _NULLABLE_STRING,
        "cliVersion": {"type": "string", "description": "The client that recorded it"},
        "parentUlid": _NULLABLE_STRING,
        "eventCount": {"type": "integer"},
        "title": _NULLABLE_STRING,
        "preview": _NULLABLE_STRING,
        "deletedAt": {"type": "null", "description": "Always null: the trash is never shown."},
        "source": {
            "type": ["string", "null"],
            "description": "The program it was held in (claude-code, codex, vscode, ...).",
        },
        "sourceId": {
            "type": ["string", "null"],
            "description": "The session's own id in that program (its resume id).",
        },
        "project": {
            "type": ["string", "null"],
            "description": "The folder it worked in, an absolute path.",
        },
        "branch": _NULLABLE_STRING,
        "lastActivityAt": {"type": "string", "description": "Its newest turn's time, RFC 3339."},
        "usage": {
            "type": ["object", "null"],
            "description": "Tokens its turns used, summed; null when none is recorded.",
            "properties": {
                "inputTokens": _COUNT,
                "outputTokens": _COUNT,
                "cacheReadTokens": _COUNT,
                "cacheWriteTokens": _COUNT,
            },
        },
        "models": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The models its turns name, the most used first.",
        },
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
        "meta": {
            "type": ["object", "null"],
            "description": "What the turn was made with: model, usage, tool, isError.",
        },
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

# The names the contract gives the programs sessions are held in.
SOURCE_NAMES = (
    "claude-code, codex, gemini-cli, copilot-chat, cursor, opencode, cline, roo, aider, "
    "llm (imported); sessiond-chat, vscode, nvim (recorded by sessiond)"
)

PROJECT: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 4096,
    "description": (
        "Only sessions held in this folder or a folder under it: an absolute path, "
        "e.g. the folder you are working in."
    ),
}

SOURCE: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": 256,
    "description": f"Only sessions held in this program: {SOURCE_NAMES}.",
}

SEARCH_INPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "query": {
            "type": "string",
            "minLength": 1,
            "maxLength": 1000,
            "description": (
                "A question or a few words, e.g. how did we fix the CI cache. A session "
                "matches when every word occurs somewhere in it (its title or any of "
                "its turns, not necessarily one); words that only frame a question "
                "(how, did, we, the) are left out, and a word also finds its other "
                "forms (caching finds cache). Any case, with or without accents (cafe "
                'finds Café). "a phrase" in double quotes: those words next to each '
                "other. word*: any word starting with it (migrat* finds migration). "
                "-word: leave out sessions holding it. a OR b: either (OR in capitals). "
                "When no session holds every word, those holding the most of them come "
                'back, and the answer says so. Examples: how did we fix the CI cache; "git '
                'rebase" -abort; postgres OR sqlite migrat*'
            ),
        },
        "limit": _limit(SEARCH_LIMIT, "sessions"),
        "project": PROJECT,
        "source": SOURCE,
        "since": {
            "type": "string",
            "description": f"Only turns from this time on count as matches. {_TIME}.",
        },
        "until": {
            "type": "string",
            "description": f"Only turns before this time count as matches. {_TIME}.",
        },
        "kinds": {
            "type": "array",
            "items": {"type": "string", "enum": list(EVENT_KINDS)},
            "description": (
                "Show only turns of these kinds, and only the sessions whose best "
                f"matching turns include one: {KIND_WORDS}."
            ),
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
    "properties": {"limit": _limit(LIST_LIMIT, "sessions"), "project": PROJECT, "source": SOURCE},
    "additionalProperties": False,
}

RESULT: dict[str, Any] = {
    "type": "object",
    "description": "A session that answers the query, and its best matching turns.",
    "properties": {
        "session": SESSION,
        "score": {"type": "number", "description": "How well it answers: larger is better."},
        "hits": {"type": "array", "items": HIT, "description": "Up to 3, best first."},
    },
    "required": ["session", "score", "hits"],
}

SEARCH_OUTPUT: dict[str, Any] = {
    "type": "object",
    "properties": {
        "results": {"type": "array", "items": RESULT, "description": "Best first."},
        "relaxed": {
            "type": "boolean",
            "description": "True when no session holds every word: these hold the most of them.",
        },
        "hits": {
            "type": "array",
            "items": HIT,
            "description": "Every result's hits in one list, in the results' order.",
        },
    },
    "required": ["results", "relaxed", "hits"],
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
        "sessions": {
            "type": "array",
            "items": SESSION,
            "description": "The most recently active first.",
        },
        "total": {
            "type": "integer",
            "description": "How many sessions there are in all (with the filters given).",
        },
    },
    "required": ["sessions", "total"],
}
