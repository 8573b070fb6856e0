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

from collections.abc import Callable, Sequence
from typing import Any, Protocol, Self

import attrs

from sessiond.errors import SessionNotFound, StorageError
from sessiond.models import Appended, Event, Found, Hit, Meta, Session, UsageRow

# One append: (sessionId, kind, text), or with the event's meta (version 3).
AppendItem = tuple[int, str, str] | tuple[int, str, str, Meta | None]


#: `store.redact.scan`: (text with every secret replaced, kinds found).
Scan = Callable[[str], tuple[str, dict[str, int]]]


class TooSlow(Exception):
    """A quick read (`Store.quick_reader`) ran past its budget and was
    stopped: it is to be done again where slow reads are done."""


class StateMoved(Exception):
    """An import's checkpoint found the file's import state other than the
    importer read it: another import of the same file committed in between.
    Nothing of the batch was written; that file is the other import's."""


class Purged(SessionNotFound):
    """An imported session that was removed for good (`trash empty`): an
    import never brings it back."""


#: `expect` left out: the import state is written whatever it was.
ANY_STATE = "\0any"

#: The kinds of turns that are embedded for search by meaning: the person's
#: and the replies (tool calls and their output, warnings and the like are
#: found by words).
EMBEDDED_KINDS = ("prompt", "system")


@attrs.frozen
class Space:
    """How a store's vectors were made and kept (`sessiond.semantic`): the
    model, the word pieces embedded per turn, the int8 scale and the mean the
    sign bits are taken around (float32, little-endian). `created_at`
    (milliseconds) tells one index from the one made anew after it."""

    model: str
    dims: int
    tokens: int
    scale: float
    mean: bytes
    created_at: int


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
class ImportPart:
    """One session's share of an import batch (`Store.import_many`).

    `session_id` names a stored session; else `session` is created (as
    `import_session` would; a parent not stored is left out). `states` are
    import-state rows (source, key, state) written with the events; the
    first is checked against `expect` (`import_events`' rule)."""

    events: Sequence[ImportedEvent]
    session_id: int | None = None
    session: ImportedSession | None = None
    ended_at: int | None = None
    states: Sequence[tuple[str, str, str]] = ()
    expect: str | None = ANY_STATE


@attrs.frozen
class ImportDone:
    """What became of an ImportPart: its session's id and event count after
    it, whether it was created, or why nothing of it was written
    ("moved": another import committed the file first; "purged": the session
    was removed for good; "gone": it was removed while importing)."""

    session_id: int | None
    count: int = 0
    created: bool = False
    problem: str | None = None


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


class Reader(Protocol):
    """The store's costly reads on a connection of their own, for a thread
    beside the one that writes (`Store.reader`): the daemon answers them
    there, so that a slow query never holds an append. Each read sees one
    committed state and is stopped past `deadline_s` (StorageError)."""

    deadline_s: float

    def search(
        self,
        query: str,
        limit: int,
        *,
        session_id: int | None = None,
        kinds: Sequence[str] | None = None,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[Hit]: ...

    def find(
        self,
        query: str,
        limit: int,
        *,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[list[Found], bool]: ...

    def usage(
        self,
        group_by: str,
        *,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[UsageRow]: ...

    # Search by meaning (`sessiond.semantic`)

    def embedding_space(self) -> Space | None:
        """How the store's vectors were made; None when it has none."""
        ...

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        """Up to `limit` vectors' sign bits stored after the vector row `after`,
        in the order they were stored: the last row read, their event ids,
        and their bits one after the other."""
        ...

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        """(event id, int8 vector) of those of `event_ids` that have one."""
        ...

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        """The `k` turns whose vectors are nearest `q8` (an int8 vector as
        the space keeps them), found by the store's own vector index: (event
        id, cosine), nearest first. None when the store has no such index
        (the caller then reads the bits and rescores, `sessiond.semantic`)."""
        ...

    def find_near(
        self,
        near: Sequence[tuple[int, float]],
        limit: int,
        *,
        query: str,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[Found]:
        """Sessions of the turns `near` ((event id, similarity), nearest
        first), within the filters and never in the trash, ranked by their
        nearest turn; each with up to 3 of its nearest turns as hits (the
        snippet around `query`'s words when a turn holds one)."""
        ...

    def close(self) -> None: ...


class Derived:
    """What every store builds the same way from its primitives (a base class
    of both implementations): one append over the batch, the newest session
    over the list, the count over the session."""

    def append_many(self, items: Sequence[AppendItem]) -> list[Appended | Exception]:
        raise NotImplementedError

    def list_sessions(
        self,
        limit: int,
        deleted: bool = False,
        *,
        project: str | None = None,
        source: str | None = None,
        order_by: str = "started",
    ) -> list[Session]:
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

    #: Whether `import_many` commits all its parts in one transaction (see
    #: SqliteStore); here each part is its own.
    import_many_atomic = False

    def import_many_later(self, parts: Sequence[ImportPart]) -> Callable[[], list[ImportDone]]:
        """`import_many` (here, done when this returns)."""
        done = self.import_many(parts)
        return lambda: done

    def session_ulids(self) -> set[str] | None:
        """Every stored session's ulid, in one read (None: the store cannot)."""
        return None

    def import_many(self, parts: Sequence[ImportPart]) -> list[ImportDone]:
        """The parts in order, each on its own (a store that can, in one
        transaction: see SqliteStore). A part whose session was purged or is
        gone still writes its states (its file is read on past the session,
        whose events are left out for good); one whose state moved, nothing."""
        done: list[ImportDone] = []
        for part in parts:
            try:
                done.append(self._import_part(part))
            except StateMoved:
                done.append(ImportDone(None, problem="moved"))
            except (Purged, SessionNotFound) as exc:
                problem = "purged" if isinstance(exc, Purged) else "gone"
                try:
                    self._states_alone(part)
                except StateMoved:
                    problem = "moved"
                done.append(ImportDone(None, problem=problem))
        return done

    def import_states(self, source: str, prefix: str) -> dict[str, str] | None:
        """Every import state of `source` whose key starts with `prefix`, in
        one read; None: this store reads them one by one."""
        return None

    def _states_alone(self, part: ImportPart) -> None:
        store: Any = self
        states = list(part.states)
        if states:
            store.set_import_state(*states[0], expect=part.expect)
        for state in states[1:]:
            store.set_import_state(*state)

    def _import_part(self, part: ImportPart) -> ImportDone:
        store: Any = self
        created = False
        session_id = part.session_id
        states = list(part.states)
        if session_id is None and part.session is None:  # the file's state alone
            self._states_alone(part)
            return ImportDone(None)
        if session_id is None:
            assert part.session is not None
            # Not even the session when another import has the file (its
            # events' transaction checks again).
            moved = states and part.expect != ANY_STATE
            if moved and store.get_import_state(*states[0][:2]) != part.expect:
                raise StateMoved(f"another import committed {states[0][1]} first")
            stored, created = store.import_session(part.session)
            session_id = stored.id
        count = (
            store.import_events(
                session_id,
                part.events,
                ended_at=part.ended_at,
                checkpoint=states[0] if states else None,
                expect=part.expect,
            )
            if part.events
            else store.session_by_id(session_id).event_count
        )
        if states and not part.events:
            store.set_import_state(*states[0], expect=part.expect)
        for state in states[1:]:
            store.set_import_state(*state)
        return ImportDone(session_id, count, created)

    # Search by meaning: a store that keeps no vectors (these defaults) has
    # none, and `initialize` says meaning search is off.

    def embedding_space(self) -> Space | None:
        return None

    def make_embedding_space(self, space: Space) -> Space:
        raise StorageError(f"{self._where()} keeps no vectors for search by meaning yet")

    def unembedded(
        self, above: int, limit: int, *, below: int | None = None, newest_first: bool = False
    ) -> list[tuple[int, str]]:
        return []

    def put_embeddings(self, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
        raise StorageError(f"{self._where()} keeps no vectors for search by meaning yet")

    def embedding_counts(self) -> tuple[int, int, int]:
        return 0, 0, 0

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        return after, [], b""

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        return []

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        return None

    def find_near(
        self,
        near: Sequence[tuple[int, float]],
        limit: int,
        *,
        query: str,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[Found]:
        return []

    def _where(self) -> str:
        return f"the store {getattr(self, 'where', '')}".rstrip()

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
        *,
        source: str | None = None,
        source_id: str | None = None,
        project: str | None = None,
        branch: str | None = None,
    ) -> Session: ...

    def end_session(self, session_id: int) -> Session: ...

    def rename_session(self, session_id: int, title: str | None) -> Session: ...

    def delete_session(self, session_id: int) -> Session: ...

    def restore_session(self, session_id: int) -> Session: ...

    def get_session(self, ulid: str) -> Session | None: ...

    def session_by_id(self, session_id: int) -> Session: ...

    def list_sessions(
        self,
        limit: int,
        deleted: bool = False,
        *,
        project: str | None = None,
        source: str | None = None,
        order_by: str = "started",
    ) -> list[Session]:
        """Newest first by `order_by` ("started" or "activity"); the trash
        with `deleted`. `project` keeps that folder and every one under it."""
        ...

    def last_session(self) -> Session | None: ...

    def count_sessions(
        self, deleted: bool = False, *, project: str | None = None, source: str | None = None
    ) -> int:
        """How many sessions `list_sessions` (with the same filters) could list."""
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
        project: str | None = None,
        source: str | None = None,
    ) -> list[Hit]:
        """Hits for `query` (the contract's query language), best first.

        Raises InvalidParams when the query has no word to look for.
        `since`/`until` are milliseconds, [since, until)."""
        ...

    def find(
        self,
        query: str,
        limit: int,
        *,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> tuple[list[Found], bool]:
        """`session/find`: sessions best first, each with its best turns, and
        whether no session held every word (relaxed). See `store.find`."""
        ...

    def usage(
        self,
        group_by: str,
        *,
        since: int | None = None,
        until: int | None = None,
        project: str | None = None,
        source: str | None = None,
    ) -> list[UsageRow]:
        """`stats/usage`: sessions, prompts, replies and tokens per day, model,
        project or source ("day", "model", "project", "source"), largest
        first (newest first by day); the trash left out. `since`/`until`
        (milliseconds) bound the events counted."""
        ...

    # Search by meaning (`sessiond.semantic`; the vectors are made above the
    # store, which keeps their bytes)

    def embedding_space(self) -> Space | None:
        """How the store's vectors were made; None when it has none (nobody
        ran `sessiond index` on it, or the store keeps no vectors)."""
        ...

    def make_embedding_space(self, space: Space) -> Space:
        """Record how vectors are made from now on and return it as stored.
        The same making as the stored one keeps it (and every vector); any
        other removes every vector, in the same transaction, and is recorded
        with a new `created_at`."""
        ...

    def unembedded(
        self, above: int, limit: int, *, below: int | None = None, newest_first: bool = False
    ) -> list[tuple[int, str]]:
        """Up to `limit` turns of `EMBEDDED_KINDS` with an id above `above`
        (and below `below`) that have no vector: (event id, the opening of
        its text: enough for any model's word pieces), oldest first or
        newest first."""
        ...

    def put_embeddings(self, rows: Sequence[tuple[int, bytes, bytes]], created_at: int) -> int:
        """Store (event id, int8 vector, sign bits) rows in one transaction,
        replacing a turn's earlier vector, while the space recorded is still
        the one made at `created_at` (else nothing: it was made anew). Rows
        of turns removed meanwhile are left out. Returns how many were kept."""
        ...

    def embedding_counts(self) -> tuple[int, int, int]:
        """(turns with a vector, turns of `EMBEDDED_KINDS`, the newest event
        id with a vector), for progress."""
        ...

    def embedding_bits(self, after: int, limit: int) -> tuple[int, list[int], bytes]:
        """As `Reader.embedding_bits`."""
        ...

    def embedding_q8(self, event_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        """As `Reader.embedding_q8`."""
        ...

    def embedding_nearest(self, q8: bytes, k: int) -> list[tuple[int, float]] | None:
        """As `Reader.embedding_nearest`."""
        ...

    def find_near(
        self,
        near: Sequence[tuple[int, float]],
        limit: int,
        *,
        query: str,
        project: str | None = None,
        source: str | None = None,
        since: int | None = None,
        until: int | None = None,
    ) -> list[Found]:
        """As `Reader.find_near`."""
        ...

    def reader(self) -> Reader | None:
        """A `Reader` of this store for another thread (None: read here)."""
        ...

    def quick_reader(self) -> Reader | None:
        """A `Reader` for the dispatching thread itself, whose reads stop
        (`TooSlow`) past `QUICK_S`: a read that finishes within it is
        answered at once, without a trip to another thread. None: the store
        has none."""
        ...

    # Live changes

    def feed(self) -> Feed:
        """A feed of the changes committed from now on."""
        ...

    # Import

    def import_session(self, session: ImportedSession) -> tuple[Session, bool]:
        """The stored session with this ulid, created from `session` when
        missing (True when it was created). An existing one gets the source's
        title when the source has one and the session was never renamed, and
        the source, sourceId, project and branch it does not know yet.
        Raises Purged for a session removed for good earlier."""
        ...

    def import_events(
        self,
        session_id: int,
        events: Sequence[ImportedEvent],
        *,
        ended_at: int | None = None,
        checkpoint: tuple[str, str, str] | None = None,
        expect: str | None = ANY_STATE,
    ) -> int:
        """Append `events` with their own times in one transaction, after the
        session's existing ones (also to an ended session); set `ended_at`
        when given, and record `checkpoint` (source, key, state, as
        `set_import_state` takes them) in the same transaction, so a crash
        never leaves one without the other. With `expect`, the checkpoint's
        state must still be that (None: none yet) when the transaction takes
        the write lock, else StateMoved and nothing is written: two imports
        of one file never both store it. Returns the new event count."""
        ...

    # Redacting what was stored before (`sessiond redact`)

    def redact_events(
        self, after_id: int, limit: int, scan: Scan
    ) -> tuple[int | None, int, dict[str, int]]:
        """Apply `scan` (`store.redact.scan`) to the texts and meta strings of
        up to `limit` events with an id above `after_id`, in one transaction
        that also rewrites their search index entries and records
        `after_id`'s successor as done (`redact_progress`). Returns the last
        event id read (None when there were none), how many events changed,
        and the kinds found."""
        ...

    def newest_event_id(self) -> int:
        """The id of the newest event (0: none), for progress."""
        ...

    def redact_progress(self) -> int:
        """The id of the last event `redact_events` went through (0: none)."""
        ...

    def redact_rest(self, scan: Scan) -> dict[str, int]:
        """The same over titles, previews, milestone values and engine URLs."""
        ...

    #: Whether `import_many` commits all its parts in one transaction (True)
    #: or each part in its own (False: a part's states must then be right on
    #: their own, should the process die before the next part).
    import_many_atomic: bool

    def import_many(self, parts: Sequence[ImportPart]) -> list[ImportDone]:
        """Import several sessions' events (and their files' states): `ImportPart`
        says what each is, `ImportDone` what became of it. A part refused for
        its own reason is skipped, the others written: one whose file's state
        moved writes nothing; one whose session was purged or is gone still
        writes its states (its file is read on past that session, whose
        events are left out for good)."""
        ...

    def import_many_later(self, parts: Sequence[ImportPart]) -> Callable[[], list[ImportDone]]:
        """`import_many`, whose commit may still be under way when this
        returns (SqliteStore: the parts' last statements and the commit go
        on beside the caller, which reads on): call the result for the
        outcomes, once committed (or for the error that rolled the parts
        back). Any other call to the store waits for the commit first."""
        ...

    def session_ulids(self) -> set[str] | None:
        """Every stored session's ulid, in one read (None: the store cannot;
        the importer then asks `get_session` of each new one)."""
        ...

    def get_import_state(self, source: str, key: str) -> str | None:
        """What an importer recorded for one of its sources (a file)."""
        ...

    def import_states(self, source: str, prefix: str) -> dict[str, str] | None:
        """Key -> state of every import state of `source` whose key starts
        with `prefix`, in one read (None: the store cannot; the importer
        then reads what it needs a key at a time)."""
        ...

    def set_import_state(
        self, source: str, key: str, state: str, expect: str | None = ANY_STATE
    ) -> None:
        """As `import_events`' checkpoint, alone (`expect` likewise)."""
        ...
