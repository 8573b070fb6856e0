"""The statements of the SQLite store's writes, each run inside the caller's
write transaction (`SqliteStore._write`). Whatever a write changes, it
changes together: the row, the search index, the change feed."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

import attrs

from sessiond.errors import (
    SessiondError,
    SessionEnded,
    SessionExists,
    SessionNotFound,
)
from sessiond.models import Appended, Meta, now_ms, rfc3339
from sessiond.store import cjk
from sessiond.store.base import (
    ANY_STATE,
    ImportDone,
    ImportedEvent,
    ImportedSession,
    ImportPart,
    Purged,
    Scan,
    StateMoved,
)
from sessiond.store.checks import bare_url
from sessiond.store.rows import meta_json
from sessiond.store.snippet import make_preview
from sessiond.store.sqlite.rows import storable
from sessiond.store.usage import Sums, merge_models


def record_change(conn: sqlite3.Connection, session_id: int, started: bool) -> None:
    """Note a session-level change for the feed, after every event so far."""
    conn.execute(
        "INSERT INTO changes (session_id, started, after_event)"
        " VALUES (?, ?, (SELECT coalesce(max(id), 0) FROM events))",
        (session_id, int(started)),
    )


def insert_session(
    conn: sqlite3.Connection,
    ulid: str,
    cli_version: str,
    started_at: int,
    engine_base_url: str | None = None,
    parent_ulid: str | None = None,
    title: str | None = None,
    ended_at: int | None = None,
    where: tuple[str | None, str | None, str | None, str | None] = (None, None, None, None),
) -> int:
    """A new session row; `where` is its (source, source_id, project, branch)."""
    parent_id = None
    if parent_ulid is not None:
        found = conn.execute("SELECT id FROM sessions WHERE ulid = ?", (parent_ulid,)).fetchone()
        if found is None:
            raise SessionNotFound(f"no session has the ulid {parent_ulid!r} (parentUlid)")
        parent_id = found[0]
    if conn.execute("SELECT 1 FROM sessions WHERE ulid = ?", (ulid,)).fetchone():
        raise SessionExists(f"a session with the ulid {ulid!r} already exists")
    cursor = conn.execute(
        "INSERT INTO sessions (ulid, started_at, engine_base_url, cli_version, parent_id,"
        " title, ended_at, source, source_id, project, branch, last_activity_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ulid,
            started_at,
            engine_base_url,
            cli_version,
            parent_id,
            title,
            ended_at,
            *where,
            started_at,
        ),
    )
    session_id = cursor.lastrowid
    assert session_id is not None
    index_title(conn, session_id, None, title)
    record_change(conn, session_id, started=True)
    return session_id


def change_session(conn: sqlite3.Connection, session_id: int, sql: str, **params: Any) -> None:
    """Run one `UPDATE sessions ... WHERE id = :id AND <unchanged>`; when it
    changed the row, note it for the feed. SessionNotFound when no row has
    the id; no change (and no note) when the row already was as asked."""
    if not storable(session_id):
        raise SessionNotFound(f"no session has the id {session_id}")
    cursor = conn.execute(sql, {"id": session_id, "now": now_ms(), **params})
    if cursor.rowcount:
        record_change(conn, session_id, started=False)
    elif conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
        raise SessionNotFound(f"no session has the id {session_id}")


# A session and its sub-agent sessions (those whose parent it is and whose
# ulid starts with its own), and theirs, for the trash.
_FAMILY = """
    WITH RECURSIVE family(id, ulid) AS (
        SELECT id, ulid FROM sessions WHERE id = ?
        UNION
        SELECT s.id, s.ulid FROM sessions AS s JOIN family AS f ON s.parent_id = f.id
        WHERE substr(s.ulid, 1, length(f.ulid)) = f.ulid AND s.id != f.id
    )
    SELECT id FROM family
"""


def trash(conn: sqlite3.Connection, session_id: int, restore: bool) -> None:
    """Move a session to the trash with its sub-agent sessions (ending the
    live ones), or bring it back with those that went with it."""
    if not storable(session_id):
        raise SessionNotFound(f"no session has the id {session_id}")
    row = conn.execute("SELECT deleted_at FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise SessionNotFound(f"no session has the id {session_id}")
    family = [r[0] for r in conn.execute(_FAMILY, (session_id,)).fetchall()]
    marks = ", ".join("?" * len(family))
    if restore:
        if row[0] is None:
            return
        changed = [
            r[0]
            for r in conn.execute(
                f"UPDATE sessions SET deleted_at = NULL WHERE id IN ({marks})"
                " AND deleted_at = ? RETURNING id",
                (*family, row[0]),
            ).fetchall()
        ]
    else:
        now = now_ms()
        changed = [
            r[0]
            for r in conn.execute(
                "UPDATE sessions SET deleted_at = ?, ended_at = coalesce(ended_at, ?)"
                f" WHERE id IN ({marks}) AND deleted_at IS NULL RETURNING id",
                (now, now, *family),
            ).fetchall()
        ]
    for changed_id in sorted(changed):
        record_change(conn, changed_id, started=False)


def _insert_event(
    conn: sqlite3.Connection,
    session_id: int,
    seq: int,
    kind: str,
    text: str,
    created: int,
    meta: Meta | None = None,
) -> None:
    cursor = conn.execute(
        "INSERT INTO events (session_id, seq, kind, text, created_at, meta)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (session_id, seq, kind, text, created, meta_json(meta)),
    )
    conn.execute("INSERT INTO events_fts (rowid, text) VALUES (?, ?)", (cursor.lastrowid, text))
    bigram = cjk.index_text(text)
    if bigram is not None:
        conn.execute(
            "INSERT INTO events_cjk (rowid, text) VALUES (?, ?)", (cursor.lastrowid, bigram)
        )


def index_title(
    conn: sqlite3.Connection, session_id: int, old: str | None, new: str | None
) -> None:
    """Move a session's title in the title index from `old` to `new`."""
    if old == new:
        return
    if old is not None:
        conn.execute(
            "INSERT INTO titles_fts (titles_fts, rowid, text) VALUES ('delete', ?, ?)",
            (session_id, cjk.title_text(old)),
        )
    if new is not None:
        conn.execute(
            "INSERT INTO titles_fts (rowid, text) VALUES (?, ?)", (session_id, cjk.title_text(new))
        )


def set_title(conn: sqlite3.Connection, session_id: int, title: str | None) -> None:
    """Rename (noted for the feed when it changed); SessionNotFound without the row."""
    if not storable(session_id):
        raise SessionNotFound(f"no session has the id {session_id}")
    row = conn.execute("SELECT title FROM sessions WHERE id = ?", (session_id,)).fetchone()
    if row is None:
        raise SessionNotFound(f"no session has the id {session_id}")
    if row[0] != title:
        conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id))
        index_title(conn, session_id, row[0], title)
        record_change(conn, session_id, started=False)


def append_one(
    conn: sqlite3.Connection,
    session_id: int,
    kind: str,
    text: str,
    meta: Meta | None,
    sums: Sums,
    opened: dict[int, list[Any]],
) -> Appended | SessiondError:
    """One append of a batch. A session's count and preview are read once per
    batch into `opened` and written back once by `write_counts`: an UPDATE
    per append (with RETURNING, as version 2 had) cost half an append's time."""
    if not storable(session_id):
        return SessionNotFound(f"no session has the id {session_id}")
    state = opened.get(session_id)
    if state is None:
        found = conn.execute(
            "SELECT event_count, preview, ended_at, deleted_at, ulid FROM sessions WHERE id = ?",
            (session_id,),
        ).fetchone()
        if found is None:
            return SessionNotFound(f"no session has the id {session_id}")
        count, preview, ended_at, deleted_at, ulid = found
        if ended_at is not None:
            if deleted_at is not None:
                return SessionEnded(
                    f"session {session_id} ({ulid}) is in the trash; restore it "
                    "(session/restore), then continue it with session/start and parentUlid"
                )
            return SessionEnded(
                f"session {session_id} ({ulid}) has ended; continue it with "
                "session/start and parentUlid"
            )
        state = opened[session_id] = [count, preview]
    state[0] += 1
    if state[1] is None and kind == "prompt":
        state[1] = make_preview(text)
    created = now_ms()
    _insert_event(conn, session_id, state[0], kind, text, created, meta)
    sums.add(session_id, kind, created, meta)
    return Appended(seq=state[0], created_at=rfc3339(created))


def write_counts(conn: sqlite3.Connection, opened: dict[int, list[Any]]) -> None:
    """The event counts and previews of a batch's sessions, once each."""
    conn.executemany(
        "UPDATE sessions SET event_count = ?, preview = coalesce(preview, ?) WHERE id = ?",
        [(count, preview, session_id) for session_id, (count, preview) in opened.items()],
    )


def write_sums(conn: sqlite3.Connection, sums: Sums) -> None:
    """Add a batch's sums to the sessions' rows and the daily usage table."""
    if not sums:
        return
    # Once per session and batch: last_activity_at is in an index, which an
    # update per append would rewrite each time.
    conn.executemany(
        "UPDATE sessions SET last_activity_at = max(coalesce(last_activity_at, started_at), ?)"
        " WHERE id = ?",
        [(latest, session_id) for session_id, latest in sums.latest.items()],
    )
    conn.executemany(
        "INSERT INTO usage_daily (day, session_id, model, prompts, replies, input, output,"
        " cache_read, cache_write) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (day, session_id, model) DO UPDATE SET"
        " prompts = prompts + excluded.prompts, replies = replies + excluded.replies,"
        " input = input + excluded.input, output = output + excluded.output,"
        " cache_read = cache_read + excluded.cache_read,"
        " cache_write = cache_write + excluded.cache_write",
        [(*key, *row) for key, row in sums.daily.items()],
    )
    if sums.usage:
        conn.executemany(
            "UPDATE sessions SET usage_input = coalesce(usage_input, 0) + ?,"
            " usage_output = coalesce(usage_output, 0) + ?,"
            " usage_cache_read = coalesce(usage_cache_read, 0) + ?,"
            " usage_cache_write = coalesce(usage_cache_write, 0) + ? WHERE id = ?",
            [(*total, session_id) for session_id, total in sums.usage.items()],
        )
    for session_id, added in sums.models.items():
        stored = conn.execute("SELECT models FROM sessions WHERE id = ?", (session_id,)).fetchone()
        merged = merge_models(json.loads(stored[0]) if stored and stored[0] else None, added)
        conn.execute(
            "UPDATE sessions SET models = ? WHERE id = ?",
            (json.dumps(merged, ensure_ascii=False, separators=(",", ":")), session_id),
        )


def purge(conn: sqlite3.Connection, session_ids: Sequence[int]) -> int:
    """Remove trashed sessions for good; sessions not in the trash are kept."""
    removed = 0
    for session_id in session_ids:
        if not storable(session_id):
            continue
        row = conn.execute(
            "SELECT 1 FROM sessions WHERE id = ? AND deleted_at IS NOT NULL", (session_id,)
        ).fetchone()
        if row is None:
            continue
        conn.execute(
            "INSERT INTO events_fts (events_fts, rowid, text)"
            " SELECT 'delete', id, text FROM events WHERE session_id = ?",
            (session_id,),
        )
        for rowid, text in conn.execute(
            "SELECT id, text FROM events WHERE session_id = ? AND text GLOB ?",
            (session_id, cjk.GLOB),
        ).fetchall():
            bigram = cjk.index_text(text)
            if bigram is not None:
                conn.execute(
                    "INSERT INTO events_cjk (events_cjk, rowid, text) VALUES ('delete', ?, ?)",
                    (rowid, bigram),
                )
        title = conn.execute("SELECT title FROM sessions WHERE id = ?", (session_id,)).fetchone()
        index_title(conn, session_id, title[0], None)
        conn.execute(
            "DELETE FROM embeddings WHERE event_id IN (SELECT id FROM events WHERE session_id = ?)",
            (session_id,),
        )
        conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
        conn.execute("DELETE FROM changes WHERE session_id = ?", (session_id,))
        conn.execute("DELETE FROM usage_daily WHERE session_id = ?", (session_id,))
        # An import never brings it back (a transcript that grows again).
        conn.execute(
            "INSERT OR IGNORE INTO purged (ulid, purged_at)"
            " SELECT ulid, ? FROM sessions WHERE id = ?",
            (now_ms(), session_id),
        )
        # Sessions that continued this one keep their history, without the link.
        conn.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ?", (session_id,))
        conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        removed += 1
    return removed


def import_session(conn: sqlite3.Connection, session: ImportedSession) -> bool:
    """Create the session (True), or give an existing one what it lacks: its
    title when it never had one, the v3 fields it does not know yet."""
    found = conn.execute(
        "SELECT id, title FROM sessions WHERE ulid = ?", (session.ulid,)
    ).fetchone()
    if found is None:
        if conn.execute("SELECT 1 FROM purged WHERE ulid = ?", (session.ulid,)).fetchone():
            raise Purged(
                f"the session {session.ulid} was removed from the trash for good; "
                "it is not imported again"
            )
        insert_session(
            conn,
            session.ulid,
            session.cli_version,
            session.started_at,
            parent_ulid=session.parent_ulid,
            title=session.title,
            ended_at=session.ended_at,
            where=(session.source, session.source_id, session.project, session.branch),
        )
        return True
    if session.title is not None and found[1] is None:
        set_title(conn, found[0], session.title)
    conn.execute(
        "UPDATE sessions SET source = coalesce(source, ?), source_id = coalesce(source_id, ?),"
        " project = coalesce(project, ?), branch = coalesce(branch, ?) WHERE id = ?",
        (session.source, session.source_id, session.project, session.branch, found[0]),
    )
    return False


#: Import-state rows an `import_parts` transaction has written so far, by
#: (source, key): read from here, not from the table, by its later parts.
States = dict[tuple[str, str], str]


def import_parts(conn: sqlite3.Connection, parts: Sequence[ImportPart]) -> list[ImportDone]:
    """`import_many`, inside its transaction. A file's state is written
    once per transaction, not once per part: the parts of one file each
    carry the file's state as it would be after them (all of it again, up
    to a megabyte for Cursor's database), and only the last one that is
    written stays, so each part's check reads what the parts before it
    left (`written`) and the rows go to the table at the end. The events
    added are not in the word index yet: the caller puts them there in one
    statement (`index_events_after`; FTS5 given a statement a session took a
    third more of the import's time)."""
    written: States = {}
    done = [import_part(conn, part, written) for part in parts]
    if written:
        conn.executemany(
            "INSERT INTO import_state (source, key, state) VALUES (?, ?, ?)"
            " ON CONFLICT (source, key) DO UPDATE SET state = excluded.state",
            [(source, key, state) for (source, key), state in written.items()],
        )
    return done


def index_events_after(conn: sqlite3.Connection, before: int) -> None:
    """Put the events past id `before` in the word index (in id order, the
    order FTS5 appends its lists in)."""
    conn.execute(
        "INSERT INTO events_fts (rowid, text) SELECT id, text FROM events WHERE id > ? ORDER BY id",
        (before,),
    )


def import_part(conn: sqlite3.Connection, part: ImportPart, written: States) -> ImportDone:
    """One part of `import_many`, inside its transaction. A part whose file's
    state moved writes nothing; one whose session was purged or is gone
    writes its states alone (its file is read on past that session, whose
    events are left out for good). Each reason is found before the part's
    first write, so there is nothing to undo (no savepoint: at each one FTS5
    writes out the terms it holds, which made an import of many small parts
    a third slower)."""
    states = list(part.states)
    if states:
        try:
            check_state(conn, states[0][0], states[0][1], part.expect, written)
        except StateMoved:
            return ImportDone(None, problem="moved")
    done = ImportDone(None)
    if part.session_id is not None or part.session is not None:
        try:
            done = _import_session_part(conn, part)
        except Purged:
            done = ImportDone(None, problem="purged")
        except SessionNotFound:
            done = ImportDone(None, problem="gone")
    for source, key, state in states:
        written[source, key] = state
    return done


def _import_session_part(conn: sqlite3.Connection, part: ImportPart) -> ImportDone:
    created = False
    session_id = part.session_id
    if session_id is None:
        assert part.session is not None
        session = part.session
        if (
            session.parent_ulid is not None
            and not conn.execute(
                "SELECT 1 FROM sessions WHERE ulid = ?", (session.parent_ulid,)
            ).fetchone()
        ):
            session = attrs.evolve(session, parent_ulid=None)
        created = import_session(conn, session)  # Purged before it writes
        session_id = conn.execute(
            "SELECT id FROM sessions WHERE ulid = ?", (session.ulid,)
        ).fetchone()[0]
    if part.events:
        # SessionNotFound (a session id no longer stored) before it writes.
        count = import_events(conn, session_id, part.events, part.ended_at, indexed=False)
    else:
        row = conn.execute(
            "SELECT event_count FROM sessions WHERE id = ?", (session_id,)
        ).fetchone()
        if row is None:
            raise SessionNotFound(f"no session has the id {session_id}")
        count = row[0]
    return ImportDone(session_id, int(count), created)


def check_state(
    conn: sqlite3.Connection,
    source: str,
    key: str,
    expect: str | None,
    written: States | None = None,
) -> None:
    """StateMoved unless the import state is still `expect` (ANY_STATE: any);
    `written`: rows this transaction wrote and has not put in the table yet."""
    if expect == ANY_STATE:
        return
    if written is not None and (source, key) in written:
        current: str | None = written[source, key]
    else:
        row = conn.execute(
            "SELECT state FROM import_state WHERE source = ? AND key = ?", (source, key)
        ).fetchone()
        current = row[0] if row else None
    if current != expect:
        raise StateMoved(f"another import of {source} committed {key} first")


def import_events(
    conn: sqlite3.Connection,
    session_id: int,
    events: Sequence[ImportedEvent],
    ended_at: int | None,
    *,
    indexed: bool = True,
) -> int:
    """Add `events` after the session's own (SessionNotFound, before any
    write, when it is not stored), in one statement, and their word index
    entries in one more (read back from the rows just written; `indexed`
    False: left to the caller, `index_events_after`)."""
    row = conn.execute(
        "SELECT event_count, preview FROM sessions WHERE id = ?", (session_id,)
    ).fetchone()
    if row is None:
        raise SessionNotFound(f"no session has the id {session_id}")
    first, preview = row
    count = first
    sums = Sums()
    newest = None
    rows = []
    bigrams = []
    for event in events:
        count += 1
        rows.append(
            (session_id, count, event.kind, event.text, event.created_at, meta_json(event.meta))
        )
        bigram = cjk.index_text(event.text)
        if bigram is not None:
            bigrams.append((bigram, session_id, count))
        sums.add(session_id, event.kind, event.created_at, event.meta)
        if preview is None and event.kind == "prompt":
            preview = make_preview(event.text)
        newest = event.created_at if newest is None else max(newest, event.created_at)
    conn.executemany(
        "INSERT INTO events (session_id, seq, kind, text, created_at, meta)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    if indexed:
        conn.execute(
            "INSERT INTO events_fts (rowid, text)"
            " SELECT id, text FROM events WHERE session_id = ? AND seq > ? ORDER BY seq",
            (session_id, first),
        )
    if bigrams:
        conn.executemany(
            "INSERT INTO events_cjk (rowid, text)"
            " SELECT id, ? FROM events WHERE session_id = ? AND seq = ?",
            bigrams,
        )
    conn.execute(
        "UPDATE sessions SET event_count = ?, preview = ?,"
        " last_activity_at = max(coalesce(last_activity_at, started_at), coalesce(?, 0))"
        " WHERE id = ?",
        (count, preview, newest, session_id),
    )
    write_sums(conn, sums)
    if ended_at is not None:
        change_session(
            conn,
            session_id,
            "UPDATE sessions SET ended_at = :ended WHERE id = :id AND ended_at IS NOT :ended",
            ended=ended_at,
        )
    return int(count)


def set_import_state(conn: sqlite3.Connection, source: str, key: str, state: str) -> None:
    conn.execute(
        "INSERT INTO import_state (source, key, state) VALUES (?, ?, ?)"
        " ON CONFLICT (source, key) DO UPDATE SET state = excluded.state",
        (source, key, state),
    )


REDACT_KEY = ("sessiond redact", "events")


def reindex_event(conn: sqlite3.Connection, rowid: int, old: str, new: str) -> None:
    """Move an event's search index entries from its old text to its new one."""
    conn.execute(
        "INSERT INTO events_fts (events_fts, rowid, text) VALUES ('delete', ?, ?)", (rowid, old)
    )
    conn.execute("INSERT INTO events_fts (rowid, text) VALUES (?, ?)", (rowid, new))
    before, after = cjk.index_text(old), cjk.index_text(new)
    if before is not None:
        conn.execute(
            "INSERT INTO events_cjk (events_cjk, rowid, text) VALUES ('delete', ?, ?)",
            (rowid, before),
        )
    if after is not None:
        conn.execute("INSERT INTO events_cjk (rowid, text) VALUES (?, ?)", (rowid, after))


def redact_events(
    conn: sqlite3.Connection, after_id: int, limit: int, scan: Scan
) -> tuple[int | None, int, dict[str, int]]:
    rows = conn.execute(
        "SELECT id, text, meta FROM events WHERE id > ? ORDER BY id LIMIT ?", (after_id, limit)
    ).fetchall()
    found: dict[str, int] = {}
    changed = 0
    for rowid, text, meta in rows:
        new, counts = scan(text)
        new_meta = meta
        if meta is not None and "[redacted:" not in meta:
            parsed = json.loads(meta)
            for key in ("model", "tool"):
                if isinstance(parsed.get(key), str):
                    clean, more = scan(parsed[key])
                    if more:
                        parsed[key] = clean[:256]
                        for kind, n in more.items():
                            counts[kind] = counts.get(kind, 0) + n
            new_meta = meta_json(parsed)
        if not counts:
            continue
        for kind, n in counts.items():
            found[kind] = found.get(kind, 0) + n
        changed += 1
        conn.execute("UPDATE events SET text = ?, meta = ? WHERE id = ?", (new, new_meta, rowid))
        # Its vector was made from the secret: embedded again from the new text.
        conn.execute("DELETE FROM embeddings WHERE event_id = ?", (rowid,))
        if new != text:
            reindex_event(conn, rowid, text, new)
    last = rows[-1][0] if rows else None
    if last is not None:
        set_import_state(conn, *REDACT_KEY, str(last))
    return last, changed, found


def redact_rest(conn: sqlite3.Connection, scan: Scan) -> dict[str, int]:
    found: dict[str, int] = {}

    def note(counts: dict[str, int]) -> None:
        for kind, n in counts.items():
            found[kind] = found.get(kind, 0) + n

    for sid, title, preview, url in conn.execute(
        "SELECT id, title, preview, engine_base_url FROM sessions"
    ).fetchall():
        if title is not None:
            new, counts = scan(title)
            if counts:
                note(counts)
                conn.execute("UPDATE sessions SET title = ? WHERE id = ?", (new[:256], sid))
                index_title(conn, sid, title, new[:256])
        if preview is not None:
            new, counts = scan(preview)
            if counts:
                conn.execute("UPDATE sessions SET preview = ? WHERE id = ?", (new, sid))
        if url:
            bare = bare_url(url)
            if bare != url:
                note({"password": 1})
                conn.execute("UPDATE sessions SET engine_base_url = ? WHERE id = ?", (bare, sid))
    for key, value in conn.execute("SELECT key, value FROM milestones").fetchall():
        new, counts = scan(value)
        if counts:
            note(counts)
            conn.execute("UPDATE milestones SET value = ? WHERE key = ?", (new, key))
    return found
