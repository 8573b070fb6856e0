"""The statements of the PostgreSQL store's writes.

Each runs inside the caller's transaction (`PostgresStore._write`) and notes
what it changed on the `Tx`; the store writes those notes to the change log
(`changelog.py`) as the transaction's last statement. Appends are the one
exception: `Appends` makes a single statement that locks, counts, inserts,
indexes and logs a whole batch, and adds it to the sums kept beside the
events (each session's last activity, token sums and models; the daily
usage table), committed on its own (one round trip per batch). Its arrays
go as binary parameters: PostgreSQL parses a text array of JSON texts (the
meta) slowly.

Rows are locked in id order wherever one transaction locks several
sessions, so that two processes never deadlock.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sessiond.errors import SessionEnded, SessionExists, SessionNotFound
from sessiond.store.base import (
    ANY_STATE,
    AppendItem,
    ImportedEvent,
    ImportedSession,
    Purged,
    Scan,
    StateMoved,
)
from sessiond.store.checks import bare_url
from sessiond.store.postgres.changelog import FLUSH, log_sql
from sessiond.store.postgres.migrations import NOW_MS, STATE_LOCK, day_sql
from sessiond.store.postgres.rows import from_db, index_words, maybe_to_db, models_json, to_db
from sessiond.store.postgres.words import tsvector_sql
from sessiond.store.rows import meta_json
from sessiond.store.snippet import make_preview
from sessiond.store.usage import NO_MODEL, Sums, tokens

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
        note = ("c", session_id, None, None)
        if note not in self.log:  # a title and a project given at once: one change
            self.log.append(note)

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
        self.one_session = _append_statement(unaccent, one_session=True)
        self.any_sessions = _append_statement(unaccent, one_session=False)

    def query(self, items: Sequence[AppendItem]) -> tuple[str, dict[str, Any]]:
        """The statement and parameters storing `items` (session id, kind,
        text[, meta]). Its rows: (session_id, seq, created_at) of each item
        stored; items of a session that is missing or ended are left out."""
        sids, kinds, texts, words, previews = [], [], [], [], []
        for item in items:
            session_id, kind, text = item[0], item[1], item[2]
            sids.append(session_id)
            kinds.append(kind)
            texts.append(to_db(text))
            words.append(index_words(text))
            preview = make_preview(text) if kind == "prompt" else None
            previews.append(None if preview is None else to_db(preview))
        params: dict[str, Any] = {"kinds": kinds, "texts": texts, "words": words, **_metas(items)}
        if len(set(sids)) == 1:  # the usual batch: one client's appends
            preview = next((p for p in previews if p is not None), None)
            return self.one_session, {**params, "sid": sids[0], "preview": preview}
        return self.any_sessions, {**params, "sids": sids, "previews": previews}


# The meta arrays of a batch with no meta at all: unnest pads them with NULLs.
_NO_META: dict[str, list[Any]] = {
    "metas": [],
    "models": [],
    "inputs": [],
    "outputs": [],
    "reads": [],
    "writes": [],
}


def _metas(items: Sequence[AppendItem]) -> dict[str, list[Any]]:
    """Each item's meta as stored (JSON text), its model ('' for none,
    through to_db) and its four token counts (NULL without usage)."""
    if not any(len(item) > 3 and item[3] for item in items):
        return _NO_META
    metas: list[str | None] = []
    models: list[str] = []
    counts: list[list[int | None]] = [[], [], [], []]
    for item in items:
        meta = item[3] if len(item) > 3 else None
        metas.append(meta_json(meta))
        models.append(to_db(meta.get("model", NO_MODEL)) if meta else NO_MODEL)
        found = tokens(meta)
        for column, n in zip(counts, found or (None, None, None, None), strict=True):
            column.append(n)
    return {
        "metas": metas,
        "models": models,
        "inputs": counts[0],
        "outputs": counts[1],
        "reads": counts[2],
        "writes": counts[3],
    }


# A session's models with a batch's added: {model: events}, summed.
_MERGE_MODELS = """CASE WHEN {added} IS NULL THEN s.models ELSE (
        SELECT jsonb_object_agg(x.model, x.n) FROM (
            SELECT m.key AS model, sum(m.value::bigint) AS n FROM (
                SELECT * FROM jsonb_each_text(coalesce(s.models, '{{}}'::jsonb))
                UNION ALL SELECT * FROM jsonb_each_text({added})
            ) AS m GROUP BY m.key
        ) AS x
    ) END"""

# A session's token sums with a batch's added, NULL while no event had usage.
_ADD_USAGE = ",\n".join(
    f"{column} = CASE WHEN {{used}} > 0 THEN coalesce(s.{column}, 0) + {{src}}.{alias}"
    f" ELSE s.{column} END"
    for column, alias in (
        ("usage_input", "inp"),
        ("usage_output", "outp"),
        ("usage_cache_read", "cr"),
        ("usage_cache_write", "cw"),
    )
)


def _append_statement(unaccent: str, *, one_session: bool) -> str:
    """One statement for a whole batch: lock the sessions (in id order, so
    that two processes appending to the same sessions never deadlock), read
    the server's clock for each item in item order once they are locked
    (so that seq and created_at grow together), then update each session
    once (its count, preview, last activity, token sums and models), insert
    the events, add to the daily usage table and log the change."""
    if one_session:
        items = f"""
    SELECT %(sid)s::bigint AS sid, t.kind, t.text, t.words, %(preview)s::text AS preview,
        t.meta, coalesce(t.model, '') AS model, t.inp, t.outp, t.cr, t.cw, t.ord
    FROM unnest(%(kinds)b::text[], %(texts)b::text[], %(words)b::text[], {_META_ARRAYS})
        WITH ORDINALITY AS t(kind, text, words, meta, model, inp, outp, cr, cw, ord)"""
        first_preview = "min(preview)"
        log_rows = (
            "SELECT 'a' AS what, min(session_id) AS sid, min(seq) AS first, max(seq) AS last,"
            " 1 AS n FROM inserted HAVING count(*) > 0"
        )
    else:
        items = f"""
    SELECT t.sid, t.kind, t.text, t.words, t.preview, t.meta, coalesce(t.model, '') AS model,
        t.inp, t.outp, t.cr, t.cw, t.ord
    FROM unnest(%(sids)b::bigint[], %(kinds)b::text[], %(texts)b::text[], %(words)b::text[],
        %(previews)b::text[], {_META_ARRAYS})
        WITH ORDINALITY
        AS t(sid, kind, text, words, preview, meta, model, inp, outp, cr, cw, ord)"""
        first_preview = "(array_agg(preview ORDER BY ord) FILTER (WHERE preview IS NOT NULL))[1]"
        log_rows = (
            "SELECT 'a' AS what, session_id AS sid, min(seq) AS first, max(seq) AS last,"
            " session_id AS n FROM inserted GROUP BY session_id"
        )
    usage = _ADD_USAGE.format(used="per.used", src="per")
    models = _MERGE_MODELS.format(added="m.added")
    return f"""
WITH items AS ({items}
), locked AS (
    SELECT s.id FROM sessions AS s
    WHERE s.id IN (SELECT DISTINCT sid FROM items) AND s.ended_at IS NULL
    ORDER BY s.id FOR NO KEY UPDATE
), stamped AS MATERIALIZED (
    SELECT i.*, {NOW_MS} AS created FROM items AS i JOIN locked AS l ON l.id = i.sid
    ORDER BY i.ord
), per AS (
    SELECT sid, count(*) AS n, max(created) AS newest, {first_preview} AS preview,
        count(inp) AS used, sum(inp) AS inp, sum(outp) AS outp, sum(cr) AS cr, sum(cw) AS cw
    FROM stamped GROUP BY sid
), named AS (
    SELECT sid, jsonb_object_agg(model, n) AS added
    FROM (SELECT sid, model, count(*) AS n FROM stamped WHERE model <> '' GROUP BY 1, 2) AS x
    GROUP BY sid
), counted AS (
    UPDATE sessions AS s
    SET event_count = s.event_count + per.n, preview = coalesce(s.preview, per.preview),
        last_activity_at = greatest(s.last_activity_at, per.newest),
        {usage},
        models = {models}
    FROM per LEFT JOIN named AS m ON m.sid = per.sid
    WHERE s.id = per.sid
    RETURNING s.id, s.event_count - per.n AS base
), inserted AS (
    INSERT INTO events (session_id, seq, kind, text, created_at, tsv, meta)
    SELECT i.sid, c.base + row_number() OVER (PARTITION BY i.sid ORDER BY i.ord),
        i.kind, i.text, i.created, {tsvector_sql(unaccent, "i.words")}, i.meta
    FROM stamped AS i JOIN counted AS c ON c.id = i.sid
    ORDER BY i.ord
    RETURNING session_id, seq, created_at
), daily AS (
    INSERT INTO usage_daily AS u
        (day, session_id, model, prompts, replies, input, output, cache_read, cache_write)
    SELECT {day_sql("created")}, sid, model, count(*) FILTER (WHERE kind = 'prompt'),
        count(*) FILTER (WHERE kind = 'system'), coalesce(sum(inp), 0), coalesce(sum(outp), 0),
        coalesce(sum(cr), 0), coalesce(sum(cw), 0)
    FROM stamped GROUP BY 1, 2, 3
    {_DAILY_CONFLICT}
){log_sql(log_rows)}
SELECT inserted.session_id, inserted.seq, inserted.created_at FROM inserted, notified
"""


_META_ARRAYS = (
    "%(metas)b::text[], %(models)b::text[], %(inputs)b::bigint[], %(outputs)b::bigint[],"
    " %(reads)b::bigint[], %(writes)b::bigint[]"
)
_DAILY_CONFLICT = """ON CONFLICT (day, session_id, model) DO UPDATE SET
        prompts = u.prompts + excluded.prompts, replies = u.replies + excluded.replies,
        input = u.input + excluded.input, output = u.output + excluded.output,
        cache_read = u.cache_read + excluded.cache_read,
        cache_write = u.cache_write + excluded.cache_write"""


def write_sums(tx: Tx, sums: Sums) -> None:
    """Add the sums of imported events (times known beforehand) to the
    daily usage table and to the sessions' token sums and models."""
    if not sums:
        return
    keys = list(sums.daily)
    counts = [sums.daily[key] for key in keys]
    tx.conn.execute(
        "INSERT INTO usage_daily AS u (day, session_id, model, prompts, replies, input, output,"
        " cache_read, cache_write) SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::text[],"
        " %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[])"
        f" {_DAILY_CONFLICT}",
        (
            [k[0] for k in keys],
            [k[1] for k in keys],
            [to_db(k[2]) for k in keys],
            *([c[i] for c in counts] for i in range(6)),
        ),
    )
    ids = sorted(set(sums.usage) | set(sums.models))
    if not ids:
        return
    usage = [sums.usage.get(i) for i in ids]
    tx.conn.execute(
        f"UPDATE sessions AS s SET {_ADD_USAGE.format(used='a.used', src='a')},"
        f" models = {_MERGE_MODELS.format(added='a.added')}"
        " FROM unnest(%s::bigint[], %s::int[], %s::bigint[], %s::bigint[], %s::bigint[],"
        " %s::bigint[], %s::jsonb[]) AS a(id, used, inp, outp, cr, cw, added)"
        " WHERE s.id = a.id",
        (
            ids,
            [0 if u is None else 1 for u in usage],
            *([0 if u is None else u[k] for u in usage] for k in range(4)),
            [models_json(sums.models.get(i, {})) for i in ids],
        ),
    )


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
    where: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None),
) -> int | None:
    """The new session's id; None when the ulid is taken. `started_at` None:
    now, on the server's clock; `where` is its (source, source_id, project,
    branch)."""
    parent_id = None
    if parent_ulid is not None:
        found = tx.conn.execute(
            "SELECT id FROM sessions WHERE ulid = %s", (to_db(parent_ulid),)
        ).fetchone()
        if found is None:
            raise SessionNotFound(f"no session has the ulid {parent_ulid!r} (parentUlid)")
        parent_id = found[0]
    row = tx.conn.execute(
        f"WITH t AS (SELECT coalesce(%s::bigint, {NOW_MS}) AS at)"
        " INSERT INTO sessions (ulid, started_at, engine_base_url, cli_version, parent_id,"
        " title, ended_at, source, source_id, project, branch, last_activity_at, title_tsv)"
        f" SELECT %s, t.at, %s, %s, %s, %s, %s, %s, %s, %s, %s, t.at, {_title_tsv(tx)} FROM t"
        " ON CONFLICT (ulid) DO NOTHING RETURNING id",
        (
            started_at,
            to_db(ulid),
            maybe_to_db(engine_base_url),
            to_db(cli_version),
            parent_id,
            maybe_to_db(title),
            ended_at,
            *(maybe_to_db(value) for value in where),
            None if title is None else index_words(title),
        ),
    ).fetchone()
    if row is None:
        return None
    tx.started(row[0])
    return int(row[0])


def _title_tsv(tx: Tx, param: str = "%s") -> str:
    """The title index of a title's words (`param`: `index_words` of the
    title; NULL for none gives an empty one)."""
    return tsvector_sql(tx.unaccent, f"{param}::text")


def rename(tx: Tx, session_id: int, title: str | None) -> None:
    """Set the title and its index entry (noted for the feed when it changed)."""
    change_session(
        tx,
        session_id,
        f"UPDATE sessions SET title = %(title)s, title_tsv = {_title_tsv(tx, '%(words)s')}"
        " WHERE id = %(id)s AND title IS DISTINCT FROM %(title)s::text",
        title=maybe_to_db(title),
        words=None if title is None else index_words(title),
    )


# A session and its sub-agent sessions (those whose parent it is and whose
# ulid starts with its own), and theirs, for the trash.
_FAMILY = """
    WITH RECURSIVE family(id, ulid) AS (
        SELECT id, ulid FROM sessions WHERE id = %s
        UNION
        SELECT s.id, s.ulid FROM sessions AS s JOIN family AS f ON s.parent_id = f.id
        WHERE starts_with(s.ulid, f.ulid) AND s.id <> f.id
    )
    SELECT id FROM family
"""


def trash(tx: Tx, session_id: int, restore: bool) -> None:
    """Move a session to the trash with its sub-agent sessions (ending the
    live ones), or bring it back with those that went with it (trashed at
    the same moment). Rows locked in id order."""
    conn = tx.conn
    family = [r[0] for r in conn.execute(_FAMILY, (session_id,)).fetchall()]
    if not family:
        raise SessionNotFound(f"no session has the id {session_id}")
    conn.execute(
        "SELECT id FROM sessions WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE",
        (sorted(family),),
    )
    if restore:
        changed = conn.execute(
            "UPDATE sessions AS s SET deleted_at = NULL FROM sessions AS top"
            " WHERE top.id = %s AND s.id = ANY(%s::bigint[]) AND s.deleted_at = top.deleted_at"
            " RETURNING s.id",
            (session_id, family),
        ).fetchall()
    else:
        changed = conn.execute(
            f"WITH t AS (SELECT {NOW_MS} AS now) UPDATE sessions SET deleted_at = t.now,"
            " ended_at = coalesce(ended_at, t.now) FROM t"
            " WHERE id = ANY(%s::bigint[]) AND deleted_at IS NULL RETURNING id",
            (family,),
        ).fetchall()
    for (changed_id,) in sorted(changed):
        tx.changed(changed_id)


def start_session(
    tx: Tx,
    ulid: str,
    cli_version: str,
    engine_base_url: str | None,
    parent_ulid: str | None,
    where: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None),
) -> int:
    session_id = insert_session(
        tx, ulid, cli_version, None, engine_base_url, parent_ulid, where=where
    )
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
    conn.execute("DELETE FROM usage_daily WHERE session_id = ANY(%s::bigint[])", (ids,))
    # An import never brings them back (a transcript that grows again).
    conn.execute(
        f"INSERT INTO purged (ulid, purged_at) SELECT ulid, {NOW_MS} FROM sessions"
        " WHERE id = ANY(%s::bigint[]) ON CONFLICT (ulid) DO NOTHING",
        (ids,),
    )
    # Sessions that continued these keep their history, without the link.
    conn.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ANY(%s::bigint[])", (ids,))
    conn.execute("DELETE FROM sessions WHERE id = ANY(%s::bigint[])", (ids,))
    return len(ids)


def import_session(tx: Tx, session: ImportedSession) -> tuple[int, bool]:
    """(id, True) for a new session, or (id, False) for the existing one,
    given what it lacks: the source's title when it never had one, the
    source, sourceId, project and branch it does not know yet. Purged for
    a session removed for good."""
    ulid = to_db(session.ulid)
    found = tx.conn.execute("SELECT id, title FROM sessions WHERE ulid = %s", (ulid,)).fetchone()
    if found is None:
        if tx.conn.execute("SELECT 1 FROM purged WHERE ulid = %s", (ulid,)).fetchone():
            raise Purged(
                f"the session {session.ulid} was removed from the trash for good; "
                "it is not imported again"
            )
        session_id = insert_session(
            tx,
            session.ulid,
            session.cli_version,
            session.started_at,
            parent_ulid=session.parent_ulid,
            title=session.title,
            ended_at=session.ended_at,
            where=(session.source, session.source_id, session.project, session.branch),
        )
        if session_id is not None:
            return session_id, True
        found = tx.conn.execute(  # made by another process just now
            "SELECT id, title FROM sessions WHERE ulid = %s", (ulid,)
        ).fetchone()
        assert found is not None
    session_id = int(found[0])
    if session.title is not None and found[1] is None:
        change_session(
            tx,
            session_id,
            f"UPDATE sessions SET title = %(title)s, title_tsv = {_title_tsv(tx, '%(words)s')}"
            " WHERE id = %(id)s AND title IS NULL",
            title=to_db(session.title),
            words=index_words(session.title),
        )
    fields = ("source", "source_id", "project", "branch")
    where = (session.source, session.source_id, session.project, session.branch)
    if any(value is not None for value in where):
        change_session(
            tx,
            session_id,
            "UPDATE sessions SET source = coalesce(source, %(source)s),"
            " source_id = coalesce(source_id, %(source_id)s),"
            " project = coalesce(project, %(project)s), branch = coalesce(branch, %(branch)s)"
            " WHERE id = %(id)s AND ((source IS NULL AND %(source)s::text IS NOT NULL)"
            " OR (source_id IS NULL AND %(source_id)s::text IS NOT NULL)"
            " OR (project IS NULL AND %(project)s::text IS NOT NULL)"
            " OR (branch IS NULL AND %(branch)s::text IS NOT NULL))",
            **{name: maybe_to_db(value) for name, value in zip(fields, where, strict=True)},
        )
    return session_id, False


def check_state(tx: Tx, source: str, key: str, expect: str | None) -> None:
    """StateMoved unless the import state of (source, key) is still
    `expect` (ANY_STATE: any). The check holds until the transaction
    ends: an advisory lock on the pair (a row lock cannot hold a row not
    there yet) makes a second import of the same file wait, then read
    what the first committed."""
    if expect == ANY_STATE:
        return
    tx.conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended("
        "current_schema() || ' ' || %s || ' ' || %s, %s))",
        (to_db(source), to_db(key), STATE_LOCK),
    )
    row = tx.conn.execute(
        "SELECT state FROM import_state WHERE source = %s AND key = %s",
        (to_db(source), to_db(key)),
    ).fetchone()
    if (None if row is None else from_db(row[0])) != expect:
        raise StateMoved(f"another import of {source} committed {key} first")


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
            "INSERT INTO events (session_id, seq, kind, text, created_at, tsv, meta) SELECT"
            f" %s, %s + e.n, e.kind, e.text, e.created, {tsvector_sql(tx.unaccent, 'e.words')},"
            " e.meta FROM unnest(%b::text[], %b::text[], %b::bigint[], %b::text[], %b::text[])"
            " WITH ORDINALITY AS e(kind, text, created, words, meta, n) ORDER BY e.n",
            (
                session_id,
                count,
                [e.kind for e in events],
                [to_db(e.text) for e in events],
                [e.created_at for e in events],
                [index_words(e.text) for e in events],
                [meta_json(e.meta) for e in events],
            ),
        )
        sums = Sums()
        for event in events:
            sums.add(session_id, event.kind, event.created_at, event.meta)
            if preview is None and event.kind == "prompt":
                made = make_preview(event.text)
                preview = None if made is None else to_db(made)
        conn.execute(
            "UPDATE sessions SET event_count = %s, preview = %s,"
            " last_activity_at = greatest(last_activity_at, %s) WHERE id = %s",
            (count + len(events), preview, max(e.created_at for e in events), session_id),
        )
        write_sums(tx, sums)
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


# Where `sessiond redact` got to, kept as an import state.
REDACT_KEY = ("sessiond redact", "events")


def _add(found: dict[str, int], counts: dict[str, int]) -> None:
    for kind, n in counts.items():
        found[kind] = found.get(kind, 0) + n


def redact_events(
    tx: Tx, after_id: int, limit: int, scan: Scan
) -> tuple[int | None, int, dict[str, int]]:
    """`scan` over the texts and meta strings of up to `limit` events past
    `after_id`: the changed ones rewritten with their index entries, and
    the progress recorded, all in the caller's transaction."""
    conn = tx.conn
    rows = conn.execute(
        "SELECT id, text, meta FROM events WHERE id > %s ORDER BY id LIMIT %s", (after_id, limit)
    ).fetchall()
    found: dict[str, int] = {}
    ids: list[int] = []
    texts: list[str] = []
    metas: list[str | None] = []
    words: list[str | None] = []
    for rowid, stored, meta in rows:
        text = from_db(stored)
        new, counts = scan(text)
        new_meta = meta
        if meta is not None and "[redacted:" not in meta:
            parsed = json.loads(meta)
            for key in ("model", "tool"):
                if isinstance(parsed.get(key), str):
                    clean, more = scan(parsed[key])
                    if more:
                        parsed[key] = clean[:256]
                        _add(counts, more)
            new_meta = meta_json(parsed)
        if not counts:
            continue
        _add(found, counts)
        ids.append(rowid)
        texts.append(to_db(new))
        metas.append(new_meta)
        words.append(index_words(new) if new != text else None)
    if ids:
        conn.execute(
            "UPDATE events AS e SET text = x.text, meta = x.meta, tsv = CASE WHEN x.words IS NULL"
            f" THEN e.tsv ELSE {tsvector_sql(tx.unaccent, 'x.words')} END"
            " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])"
            " AS x(id, text, meta, words) WHERE e.id = x.id",
            (ids, texts, metas, words),
        )
        # Their vectors were made from the secrets: embedded again from the new texts.
        conn.execute("DELETE FROM embeddings WHERE event_id = ANY(%s::bigint[])", (ids,))
    last = int(rows[-1][0]) if rows else None
    if last is not None:
        set_import_state(tx, *REDACT_KEY, str(last))
    return last, len(ids), found


def redact_rest(tx: Tx, scan: Scan) -> dict[str, int]:
    """The same over titles (and their index), previews, milestone values
    and engine URLs (stored bare)."""
    conn = tx.conn
    found: dict[str, int] = {}
    for sid, stored_title, stored_preview, url in conn.execute(
        "SELECT id, title, preview, engine_base_url FROM sessions ORDER BY id FOR NO KEY UPDATE"
    ).fetchall():
        if stored_title is not None:
            new, counts = scan(from_db(stored_title))
            if counts:
                _add(found, counts)
                title = new[:256]
                conn.execute(
                    f"UPDATE sessions SET title = %s, title_tsv = {_title_tsv(tx)} WHERE id = %s",
                    (to_db(title), index_words(title), sid),
                )
                tx.changed(sid)
        if stored_preview is not None:
            new, counts = scan(from_db(stored_preview))
            if counts:
                conn.execute("UPDATE sessions SET preview = %s WHERE id = %s", (to_db(new), sid))
        if url:
            bare = bare_url(from_db(url))
            if bare != from_db(url):
                _add(found, {"password": 1})
                conn.execute(
                    "UPDATE sessions SET engine_base_url = %s WHERE id = %s",
                    (maybe_to_db(bare), sid),
                )
    for key, value in conn.execute("SELECT key, value FROM milestones FOR UPDATE").fetchall():
        new, counts = scan(from_db(value))
        if counts:
            _add(found, counts)
            conn.execute("UPDATE milestones SET value = %s WHERE key = %s", (to_db(new), key))
    return found
