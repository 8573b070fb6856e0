"""Errors of the contract: one class per error code.

The store and the validation layer raise these as plain Python exceptions; the
server is the only place that turns them into JSON-RPC error responses
(`code`, `message`). Anything else that escapes a handler is a bug and is
answered as -32603 by the server.
"""

from __future__ import annotations


class SessiondError(Exception):
    """Base of every error a client can be answered with."""

    code: int = -32603
    name: str = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParseError(SessiondError):
    code = -32700
    name = "ParseError"


class InvalidRequest(SessiondError):
    code = -32600
    name = "InvalidRequest"


class MethodNotFound(SessiondError):
    code = -32601
    name = "MethodNotFound"


class InvalidParams(SessiondError):
    code = -32602
    name = "InvalidParams"


class InternalError(SessiondError):
    code = -32603
    name = "InternalError"


class ServerNotInitialized(SessiondError):
    code = -32002
    name = "ServerNotInitialized"


class SessionNotFound(SessiondError):
    code = 1001
    name = "SessionNotFound"


class SessionExists(SessiondError):
    code = 1002
    name = "SessionExists"


class SessionEnded(SessiondError):
    code = 1003
    name = "SessionEnded"


class PayloadTooLarge(SessiondError):
    code = 1004
    name = "PayloadTooLarge"


class StorageError(SessiondError):
    code = 1005
    name = "StorageError"


class EngineError(SessiondError):
    """chat/send: no engine is set, it cannot be reached, or it answered an error."""

    code = 1006
    name = "EngineError"


class NotOurFile(StorageError):
    """--db names something that is not a sessiond database; it is left untouched."""


class SchemaTooNew(StorageError):
    """The database was written by a newer sessiond; it is refused untouched."""


ALL_ERRORS: tuple[type[SessiondError], ...] = (
    ParseError,
    InvalidRequest,
    MethodNotFound,
    InvalidParams,
    ServerNotInitialized,
    SessionNotFound,
    SessionExists,
    SessionEnded,
    PayloadTooLarge,
    StorageError,
    EngineError,
)
