"""The store interface: what the server, the command line, the importers and
the MCP server may ask of a store, whichever engine is behind it.

Two implementations stand beside this module: `store.sqlite` (the embedded
default) and `store.postgres` (several machines, one history).
`sessiond.store.open_store(db)` picks one from `--db`. Nothing above
`sessiond.store` knows which one it talks to.

Rules every implementation keeps (the contract, protocol.md):

- every failure is raised as a `sessiond.errors` exception; a driver's own
  exceptions never leave the store;
- `seq` is 1, 2, 3, ... per session, with no gap or duplicate, whatever
  number of processes append at once; an append returns only once committed;
- times are milliseconds since the Unix epoch inside the store and RFC 3339
  strings on the records it returns;
- sessions in the trash (`deleted_at` set) are left out of `list_sessions`
  (unless `deleted`), `last_session` and `search`, and still read by
  `get_session`, `session_by_id`, `find_sessions` and `events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, Self

import attrs

from sessiond.models import Appended, Event, Hit, Meta, Session

# One append: (sessionId, kind, text).
AppendItem = tuple[int, str, str]


@attrs.frozen
class ImportedSession:
    """A session as an importer read it from another tool.

    `ulid` is the source's own id; times are milliseconds since the epoch.
    `ended_at` None leaves the session's end as it is. `source` is the
    contract's source name (the importer's own when None), `source_id` the id
    the tool's resume command takes, `project` the folder it worked in (an
    absolute path as the tool recorded it), `branch` the git branch.
    """

    ulid: str
    cli_version: str
    started_at: int
    title: str | None = None
    parent_ulid: str | None = None
    ended_at: int | None = None
    source: str | None = None
    source_id: str | None = None
    project: str | None = None
    branch: str | None = None


@attrs.frozen
class ImportedEvent:
    kind: str
    text: str
    created_at: int  # milliseconds since the epoch, the source's own time
    #: model, usage, tool, isError as the contract's Event.meta (models.make_meta)
    meta: Meta | None = None


@attrs.frozen
class Started:
    """A session was started (feed item)."""

    session: Session


@attrs.frozen
class Changed:
    """A session was ended, renamed, deleted or restored (feed item)."""

    session: Session


@attrs.frozen
class Added:
    """An event was appended (feed item)."""

    event: Event


Change = Started | Changed | Added


class Feed(Protocol):
    """What changed in the store, in commit order, since the feed was opened.

    `poll()` never blocks; it returns every change committed (by any process
    on the same store, this one included) since the last poll, each exactly
    once, events in `seq` order within a session, at most `limit` at a time
    (`more` then says there is more to read). `fileno()` is a descriptor that
    becomes readable when there may be something to poll, or None when the
    caller must poll on a timer; it may change (a reconnection) or be None
    for a while, so ask again after each poll.
    """

    @property
    def more(self) -> bool: ...

    def fileno(self) -> int | None: ...

    def poll(self, limit: int = 1000) -> list[Change]: ...

    def close(self) -> None: ...


class Derived:
    """What every store builds the same way from its primitives (a base class
    of both implementations): one append over the batch, the newest session
    over the list, the count over the session."""

    def append_many(self, items: Sequence[AppendItem]) -> list[Appended | Exception]:
        raise NotImplementedError

    def list_sessions(self, limit: int, deleted: bool = False) -> list[Session]:
        raise NotImplementedError

    def session_by_id(self, session_id: int) -> Session:
        raise NotImplementedError

    def append(self, session_id: int, kind: str, text: str) -> Appended:
        """Append one event and return its seq once committed."""
        result = self.append_many([(session_id, kind, text)])[0]
        if isinstance(result, Exception):
            raise result
        return result

    def last_session(self) -> Session | None:
        sessions = self.list_sessions(1)
        return sessions[0] if sessions else None

    def count(self, session_id: int) -> int:
        return self.session_by_id(session_id).event_count

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class Store(Protocol):
    """An open sessiond store. Not thread-safe: use it from one thread."""

    #: Where it is, for messages: a path, or a URI with any password removed.
    where: str
    max_text_bytes: int

    def close(self) -> None: ...

    def __enter__(self) -> Store: ...

    def __exit__(self, *exc: object) -> None: ...

    # Sessions

    def start_session(
        self,
        cli_version: str,
        ulid: str | None = None,
        engine_base_url: str | None = None,
        parent_ulid: str | None = None,
    ) -> Session: ...

    def end_session(self, session_id: int) -> Session: ...

    def rename_session(self, session_id: int, title: str | None) -> Session: ...

    def delete_session(self, session_id: int) -> Session: ...

    def restore_session(self, session_id: int) -> Session: ...

    def get_session(self, ulid: str) -> Session | None: ...

    def session_by_id(self, session_id: int) -> Session: ...

    def list_sessions(self, limit: int, deleted: bool = False) -> list[Session]: ...

    def last_session(self) -> Session | None: ...

    def count_sessions(self, deleted: bool = False) -> int:
        """How many sessions `list_sessions` (with `deleted`) could list."""
        ...

    def find_sessions(self, prefix: str, limit: int = 2) -> list[Session]:
        """Sessions whose ulid is `prefix` or starts with it (an exact match
        alone when there is one), trash included."""
        ...

    def purge(self, session_ids: Sequence[int]) -> int:
        """Remove these sessions, which must be in the trash, for good: their
        events, index entries and the sessions themselves, in one
        transaction. Returns how many were removed."""
        ...

    # Events

    def append(self, session_id: int, kind: str, text: str) -> Appended: ...

    def append_many(self, items: Sequence[AppendItem]) -> list[Appended | Exception]:
        """Append in ONE transaction (group commit); an outcome per item."""
        ...

    def events(self, session_id: int, limit: int, before_seq: int | None = None) -> list[Event]:
        """The newest `limit` events (below `before_seq`), oldest first."""
        ...

    def events_after(self, session_id: int, after_seq: int, limit: int) -> list[Event]:
        """Up to `limit` events with seq > `after_seq`, oldest first."""
        ...

    def count(self, session_id: int) -> int: ...

    # Milestones

    def set_milestone(self, key: str, value: str) -> None: ...

    def get_milestone(self, key: str) -> str | None: ...

    # Search

    def search(
        self,
        query: str,
        limit: int,
        *,
        session_id: int | None = None,
        kinds: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[Hit]:
        """Hits for `query` (the contract's query language), best first.

        Raises InvalidParams when the query has no word to look for.
        `since`/`until` are milliseconds, [since, until)."""
        ...

    # Live changes

    def feed(self) -> Feed:
        """A feed of the changes committed from now on."""
        ...

    # Import

    def import_session(self, session: ImportedSession) -> tuple[Session, bool]:
        """The stored session with this ulid, created from `session` when
        missing (True when it was created). An existing one gets the source's
        title when the source has one and the session was never renamed."""
        ...

    def import_events(
        self,
        session_id: int,
        events: Sequence[ImportedEvent],
        *,
        ended_at: int | None = None,
        checkpoint: tuple[str, str, str] | None = None,
    ) -> int:
        """Append `events` with their own times in one transaction, after the
        session's existing ones (also to an ended session); set `ended_at`
        when given, and record `checkpoint` (source, key, state, as
        `set_import_state` takes them) in the same transaction, so a crash
        never leaves one without the other. Returns the new event count."""
        ...

    def get_import_state(self, source: str, key: str) -> str | None:
        """What an importer recorded for one of its sources (a file)."""
        ...

    def set_import_state(self, source: str, key: str, state: str) -> None: ...
