"""Connections to the PostgreSQL server, and psycopg's errors in words.

The URI goes to libpq as given, so its parameters (`sslmode`, `options`,
several hosts, ...) and libpq's environment variables (PGHOST, PGPASSWORD,
PGSSLMODE, ~/.pgpass, ...) work as they do for psql. sessiond adds only what
the URI and the environment leave unset: a connect timeout, an
application_name, and the session settings its contract needs (UTF-8, a
lock timeout like SQLite's busy timeout, synchronous commits, read-only).

Every message made here has the password scrubbed out, psycopg's and
libpq's own words included.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from sessiond.errors import StorageError
from sessiond.store.postgres.uri import scrub

if TYPE_CHECKING:
    import psycopg

MIN_SERVER_VERSION = 130000
CONNECT_TIMEOUT_S = 10


class Target:
    """Where a store connects: the URI, how it is shown, what to hide."""

    def __init__(self, uri: str, where: str, secrets: list[str], lock_timeout_s: float) -> None:
        self.uri = uri
        self.where = where
        self.secrets = secrets
        self.lock_timeout_s = lock_timeout_s

    def words(self, exc: BaseException) -> str:
        """The server's (or libpq's) own words for `exc`, on one line, scrubbed."""
        diag = getattr(exc, "diag", None)
        text = getattr(diag, "message_primary", None) or str(exc)
        text = re.sub(r"^(connection failed|connection is bad):\s*", "", text.strip())
        text = re.sub(r"\s+", " ", text).strip() or type(exc).__name__
        return scrub(text, self.secrets)


def connect(
    target: Target,
    *,
    read_only: bool,
    connect_timeout_s: int = CONNECT_TIMEOUT_S,
    application_name: str = "sessiond",
) -> psycopg.Connection[tuple[object, ...]]:
    """A new autocommit connection with sessiond's session settings.

    Raises StorageError saying why when the server cannot be reached, refuses
    the login, is too old, or its database is not UTF-8.
    """
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    try:
        given = conninfo_to_dict(target.uri)
    except psycopg.Error as exc:
        raise StorageError(
            f"the PostgreSQL URI {target.where} cannot be used: {target.words(exc)}"
        ) from None
    extra: dict[str, object] = {"client_encoding": "UTF8"}
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        extra["connect_timeout"] = connect_timeout_s
    if "application_name" not in given and not os.environ.get("PGAPPNAME"):
        extra["application_name"] = application_name
    try:
        conn = psycopg.connect(target.uri, autocommit=True, **extra)  # type: ignore[arg-type]
    except psycopg.Error as exc:
        raise StorageError(_refused(target, exc)) from None
    try:
        _settle(conn, target, read_only)
    except psycopg.Error as exc:
        conn.close()
        raise StorageError(describe(target, exc)) from None
    except StorageError:
        conn.close()
        raise
    return conn


def _refused(target: Target, exc: BaseException) -> str:
    words = target.words(exc)
    hint = ""
    if "password authentication failed" in words or "no password supplied" in words:
        hint = "; check the user and password (in the URI, PGPASSWORD or ~/.pgpass)"
    elif "does not exist" in words and "database" in words:
        hint = "; create it (createdb NAME) or name another database in the URI"
    elif "Connection refused" in words or "No such file or directory" in words:
        hint = "; is the server running, and is the host and port right?"
    return f"cannot connect to the PostgreSQL server for {target.where}: {words}{hint}"


def _settle(conn: psycopg.Connection[tuple[object, ...]], target: Target, read_only: bool) -> None:
    row = conn.execute(
        "SELECT current_setting('server_version_num')::int, current_setting('server_encoding'),"
        " current_setting('lock_timeout'), current_setting('synchronous_commit'),"
        " current_setting('server_version')"
    ).fetchone()
    assert row is not None
    version, encoding, lock_timeout, synchronous, shown = row
    if int(version) < MIN_SERVER_VERSION:  # type: ignore[call-overload]
        raise StorageError(
            f"the PostgreSQL server for {target.where} runs version {shown}; sessiond needs "
            "PostgreSQL 13 or newer"
        )
    if str(encoding).upper() not in ("UTF8", "UTF-8"):
        raise StorageError(
            f"the database {target.where} stores text as {encoding}; sessiond needs a UTF8 "
            "database (CREATE DATABASE name ENCODING 'UTF8' TEMPLATE template0)"
        )
    settings: list[tuple[str, str]] = []
    # The URI's own settings (`options=-c lock_timeout=...`) are kept.
    if lock_timeout == "0":
        settings.append(("lock_timeout", f"{int(target.lock_timeout_s * 1000)}ms"))
    # An answered append must survive a crash of the server.
    if synchronous == "off":
        settings.append(("synchronous_commit", "on"))
    if read_only:
        settings.append(("default_transaction_read_only", "on"))
    for name, value in settings:
        conn.execute("SELECT set_config(%s, %s, false)", (name, value))


def is_broken(conn: psycopg.Connection[tuple[object, ...]] | None) -> bool:
    return conn is None or conn.closed or conn.broken


_LOST = (
    "57P01",  # admin_shutdown: the server is stopping or restarting
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: starting up
    "08000",
    "08003",
    "08006",
)


def describe(
    target: Target,
    exc: BaseException,
    *,
    lost: bool = False,
    committing: bool = False,
) -> str:
    """A sentence for a person about a failed request; `lost` when the
    connection broke, `committing` when that happened while committing."""
    where = target.where
    words = target.words(exc)
    state = getattr(getattr(exc, "diag", None), "sqlstate", None) or ""
    # Without a SQLSTATE the server never answered: the connection failed.
    if lost or state in _LOST or (committing and not state):
        if committing:
            outcome = "while committing, so the change may or may not have been stored"
        else:
            outcome = "before anything of this request was stored"
        return (
            f"the connection to the PostgreSQL server for {where} was lost ({words}) "
            f"{outcome}; sessiond reconnects on the next request"
        )
    if state == "55P03":
        return (
            f"the database {where} is locked by another connection for longer than "
            f"{target.lock_timeout_s:g} s (lock_timeout); nothing was changed. Try again, "
            "or end the other connection's transaction"
        )
    if state.startswith("53"):
        return (
            f"the PostgreSQL server for {where} is out of resources ({words}); nothing was changed"
        )
    if state == "25006":
        return (
            f"the database {where} cannot be written ({words}): it is a read-only standby, "
            "or default_transaction_read_only is on"
        )
    if state == "42501":
        return (
            f"the PostgreSQL role of {where} may not do this ({words}); grant it the rights "
            "on sessiond's tables"
        )
    if state in ("42P01", "42883", "42703"):
        return (
            f"the database {where} lacks part of sessiond's schema ({words}); was it changed "
            "by hand? Restore it, or point --db at a new database"
        )
    if state == "40P01":
        return f"the database {where} broke a deadlock by cancelling this request ({words})"
    return f"the PostgreSQL server for {where} failed the request: {words}"
