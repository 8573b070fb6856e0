"""The statements of the PostgreSQL store's writes.

Each runs inside the caller's transaction (`PostgresStore._write`) and notes
what it changed on the `Tx`; the store writes those notes to the change log
(`changelog.py`) as the transaction's last statement. Appends are the one
exception: `Appends` makes a single statement that locks, counts, inserts,
indexes and logs a whole batch, committed on its own (one round trip per
batch).

Rows are locked in id order wherever one transaction locks several
sessions, so that two processes never deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessiond.errors import SessionEnded, SessionExists, SessionNotFound
from sessiond.store.base import ImportedEvent, ImportedSession
from sessiond.store.postgres.changelog import FLUSH, log_sql
from sessiond.store.postgres.migrations import NOW_MS
from sessiond.store.postgres.rows import index_words, to_db
from sessiond.store.postgres.words import tsvector_sql
from sessiond.store.snippet import make_preview

if TYPE_CHECKING:
    import psycopg

    Connection = psycopg.Connection[tuple[Any, ...]]


class Tx:
    """One write transaction: its connection, and what it changed."""

    def __init__(self, conn: Connection, unaccent: str) -> None:
        self.conn = conn
        self.unaccent = unaccent
        self.log: list[tuple[str, int, int | None, int | None]] = []

    def started(self, session_id: int) -> None:
        self.log.append(("s", session_id, None, None))

    def changed(self, session_id: int) -> None:
        self.log.append(("c", session_id, None, None))

    def appended(self, session_id: int, first: int, last: int) -> None:
        self.log.append(("a", session_id, first, last))

    def flush(self) -> None:
        """Write the notes to the change log (last, just before COMMIT)."""
        if self.log:
            whats, sids, firsts, lasts = (list(column) for column in zip(*self.log, strict=True))
            self.conn.execute(FLUSH, (whats, sids, firsts, lasts))
            self.log = []


class Appends:
    """The statements of a batch of appends, made once per store (they name
    the unaccent function, wherever its extension lives)."""

    def __init__(self, unaccent: str) -> None:
        self.one_session = _one_session_statement(unaccent)
        self.any_sessions = _any_sessions_statement(unaccent)

    def query(self, items: Sequence[tuple[int, str, str]]) -> tuple[str, dict[str, Any]]:
        """The statement and parameters storing `items` (session id, kind,
        text). Its rows: (session_id, seq, created_at) of each item stored;
        items of a session that is missing or ended are left out."""
        sids, kinds, texts, words, previews = [], [], [], [], []
        for session_id, kind, text in items:
            sids.append(session_id)
            kinds.append(kind)
            texts.append(to_db(text))
            words.append(index_words(text))
            preview = make_preview(text) if kind == "prompt" else None
            previews.append(None if preview is None else to_db(preview))
        params = {"kinds": kinds, "texts": texts, "words": words}
        if len(set(sids)) == 1:  # the usual batch: one client's appends
            preview = next((p for p in previews if p is not None), None)
            return self.one_session, {**params, "sid": sids[0], "preview": preview}
        return self.any_sessions, {**params, "sids": sids, "previews": previews}


def _one_session_statement(unaccent: str) -> str:
    return f"""
WITH counted AS (
    UPDATE sessions SET event_count = event_count + cardinality(%(kinds)s::text[]),
        preview = coalesce(preview, %(preview)s)
    WHERE id = %(sid)s AND ended_at IS NULL
    RETURNING id, event_count - cardinality(%(kinds)s::text[]) AS base
), inserted AS (
    INSERT INTO events (session_id, seq, kind, text, created_at, tsv)
    SELECT c.id, c.base + i.ord, i.kind, i.text, {NOW_MS}, {tsvector_sql(unaccent, "i.words")}
    FROM counted AS c, unnest(%(kinds)s::text[], %(texts)s::text[], %(words)s::text[])
        WITH ORDINALITY AS i(kind, text, words, ord)
    ORDER BY i.ord
    RETURNING session_id, seq, created_at
){
        log_sql(
            "SELECT 'a' AS what, min(session_id) AS sid, min(seq) AS first, max(seq) AS last,"
            " 1 AS n FROM inserted HAVING count(*) > 0"
        )
    }
SELECT inserted.session_id, inserted.seq, inserted.created_at FROM inserted, notified
"""


def _any_sessions_statement(unaccent: str) -> str:
    # Sessions are locked in id order (`locked`), so that two processes
    # appending to the same sessions never deadlock.
    return f"""
WITH items AS (
    SELECT * FROM unnest(%(sids)s::bigint[], %(kinds)s::text[], %(texts)s::text[],
        %(words)s::text[], %(previews)s::text[])
        WITH ORDINALITY AS t(sid, kind, text, words, preview, ord)
), per AS (
    SELECT sid, count(*) AS n,
        (array_agg(preview ORDER BY ord) FILTER (WHERE preview IS NOT NULL))[1] AS preview
    FROM items GROUP BY sid
), locked AS (
    SELECT s.id FROM sessions AS s
    WHERE s.id IN (SELECT sid FROM per) AND s.ended_at IS NULL
    ORDER BY s.id FOR NO KEY UPDATE
), counted AS (
    UPDATE sessions AS s
    SET event_count = s.event_count + per.n, preview = coalesce(s.preview, per.preview)
    FROM per JOIN locked ON locked.id = per.sid
    WHERE s.id = per.sid
    RETURNING s.id, s.event_count - per.n AS base
), inserted AS (
    INSERT INTO events (session_id, seq, kind, text, created_at, tsv)
    SELECT i.sid, c.base + row_number() OVER (PARTITION BY i.sid ORDER BY i.ord),
        i.kind, i.text, {NOW_MS}, {tsvector_sql(unaccent, "i.words")}
    FROM items AS i JOIN counted AS c ON c.id = i.sid
    ORDER BY i.ord
    RETURNING session_id, seq, created_at
){
        log_sql(
            "SELECT 'a' AS what, session_id AS sid, min(seq) AS first, max(seq) AS last,"
            " session_id AS n FROM inserted GROUP BY session_id"
        )
    }
SELECT inserted.session_id, inserted.seq, inserted.created_at FROM inserted, notified
"""


def refusal(conn: Connection, session_ids: Sequence[int]) -> dict[int, Exception]:
    """Why appends to these sessions were not stored."""
    found = {
        row[0]: row
        for row in conn.execute(
            "SELECT id, ulid, ended_at, deleted_at FROM sessions WHERE id = ANY(%s::bigint[])",
            (list(session_ids),),
        ).fetchall()
    }
    out: dict[int, Exception] = {}
    for session_id in session_ids:
        row = found.get(session_id)
        if row is None or row[2] is None:
            out[session_id] = SessionNotFound(f"no session has the id {session_id}")
        elif row[3] is not None:
            out[session_id] = SessionEnded(
                f"session {session_id} ({row[1]}) is in the trash; restore it "
                "(session/restore), then continue it with session/start and parentUlid"
            )
        else:
            out[session_id] = SessionEnded(
                f"session {session_id} ({row[1]}) has ended; continue it with "
                "session/start and parentUlid"
            )
    return out


def insert_session(
    tx: Tx,
    ulid: str,
    cli_version: str,
    started_at: int | None,
    engine_base_url: str | None = None,
    parent_ulid: str | None = None,
    title: str | None = None,
    ended_at: int | None = None,
) -> int | None:
    """The new session's id; None when the ulid is taken. `started_at` None:
    now, on the server's clock."""
    parent_id = None
    if parent_ulid is not None:
        found = tx.conn.execute(
            "SELECT id FROM sessions WHERE ulid = %s", (to_db(parent_ulid),)
        ).fetchone()
        if found is None:
            raise SessionNotFound(f"no session has the ulid {parent_ulid!r} (parentUlid)")
        parent_id = found[0]
    row = tx.conn.execute(
        "INSERT INTO sessions (ulid, started_at, engine_base_url, cli_version, parent_id,"
        f" title, ended_at) VALUES (%s, coalesce(%s::bigint, {NOW_MS}), %s, %s, %s, %s, %s)"
        " ON CONFLICT (ulid) DO NOTHING RETURNING id",
        (
            to_db(ulid),
            started_at,
            None if engine_base_url is None else to_db(engine_base_url),
            to_db(cli_version),
            parent_id,
            None if title is None else to_db(title),
            ended_at,
        ),
    ).fetchone()
    if row is None:
        return None
    tx.started(row[0])
    return int(row[0])


def start_session(
    tx: Tx, ulid: str, cli_version: str, engine_base_url: str | None, parent_ulid: str | None
) -> int:
    session_id = insert_session(tx, ulid, cli_version, None, engine_base_url, parent_ulid)
    if session_id is None:
        raise SessionExists(f"a session with the ulid {ulid!r} already exists")
    return session_id


def change_session(tx: Tx, session_id: int, change: str, **params: Any) -> None:
    """Run `UPDATE sessions SET <change> WHERE id = %(id)s ...`; when it
    changed the row, note it for the feed. SessionNotFound when no row has
    the id; no change (and no note) when the row already was as asked."""
    cursor = tx.conn.execute(change, {"id": session_id, **params})
    if cursor.rowcount:
        tx.changed(session_id)
    elif tx.conn.execute("SELECT 1 FROM sessions WHERE id = %s", (session_id,)).fetchone() is None:
        raise SessionNotFound(f"no session has the id {session_id}")


def purge(tx: Tx, session_ids: Sequence[int]) -> int:
    """Remove trashed sessions for good; sessions not in the trash are kept."""
    rows = tx.conn.execute(
        "SELECT id FROM sessions WHERE id = ANY(%s::bigint[]) AND deleted_at IS NOT NULL"
        " ORDER BY id FOR UPDATE",
        (sorted(set(session_ids)),),
    ).fetchall()
    ids = [row[0] for row in rows]
    if not ids:
        return 0
    conn = tx.conn
    conn.execute("DELETE FROM events WHERE session_id = ANY(%s::bigint[])", (ids,))
    conn.execute("DELETE FROM changes WHERE session_id = ANY(%s::bigint[])", (ids,))
    # Sessions that continued these keep their history, without the link.
    conn.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ANY(%s::bigint[])", (ids,))
    conn.execute("DELETE FROM sessions WHERE id = ANY(%s::bigint[])", (ids,))
    return len(ids)


def import_session(tx: Tx, session: ImportedSession) -> tuple[int, bool]:
    """(id, True) for a new session, or (id, False) for the existing one
    (given the source's title when it has none)."""
    found = tx.conn.execute(
        "SELECT id, title FROM sessions WHERE ulid = %s", (to_db(session.ulid),)
    ).fetchone()
    if found is None:
        session_id = insert_session(
            tx,
            session.ulid,
            session.cli_version,
            session.started_at,
            parent_ulid=session.parent_ulid,
            title=session.title,
            ended_at=session.ended_at,
        )
        if session_id is not None:
            return session_id, True
        found = tx.conn.execute(  # made by another process just now
            "SELECT id, title FROM sessions WHERE ulid = %s", (to_db(session.ulid),)
        ).fetchone()
        assert found is not None
    if session.title is not None and found[1] is None:
        change_session(
            tx,
            found[0],
            "UPDATE sessions SET title = %(title)s WHERE id = %(id)s AND title IS NULL",
            title=to_db(session.title),
        )
    return int(found[0]), False


def import_events(
    tx: Tx, session_id: int, events: Sequence[ImportedEvent], ended_at: int | None
) -> int:
    conn = tx.conn
    row = conn.execute(
        "SELECT event_count, preview FROM sessions WHERE id = %s FOR NO KEY UPDATE",
        (session_id,),
    ).fetchone()
    if row is None:
        raise SessionNotFound(f"no session has the id {session_id}")
    count, preview = int(row[0]), row[1]
    if events:
        conn.execute(
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv) SELECT"
            f" %s, %s + e.n, e.kind, e.text, e.created, {tsvector_sql(tx.unaccent, 'e.words')}"
            " FROM unnest(%s::text[], %s::text[], %s::bigint[], %s::text[])"
            " WITH ORDINALITY AS e(kind, text, created, words, n) ORDER BY e.n",
            (
                session_id,
                count,
                [e.kind for e in events],
                [to_db(e.text) for e in events],
                [e.created_at for e in events],
                [index_words(e.text) for e in events],
            ),
        )
        for event in events:
            if preview is not None:
                break
            if event.kind == "prompt":
                made = make_preview(event.text)
                preview = None if made is None else to_db(made)
        conn.execute(
            "UPDATE sessions SET event_count = %s, preview = %s WHERE id = %s",
            (count + len(events), preview, session_id),
        )
        tx.appended(session_id, count + 1, count + len(events))
        count += len(events)
    if ended_at is not None:
        change_session(
            tx,
            session_id,
            "UPDATE sessions SET ended_at = %(ended)s WHERE id = %(id)s"
            " AND ended_at IS DISTINCT FROM %(ended)s",
            ended=ended_at,
        )
    return count


def set_import_state(tx: Tx, source: str, key: str, state: str) -> None:
    tx.conn.execute(
        "INSERT INTO import_state (source, key, state) VALUES (%s, %s, %s)"
        " ON CONFLICT (source, key) DO UPDATE SET state = excluded.state",
        (to_db(source), to_db(key), to_db(state)),
    )
