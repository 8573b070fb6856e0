"""Cursor: fixtures/cursor (SQL dumps of its state.vscdb files, loaded into
real SQLite files, and agent transcripts) to exactly the expected sessions
and events; read through a live write-ahead log without writing a byte;
never its login tokens nor a composer's encryption keys."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sessiond.importers import cursor as cursor_module
from sessiond.importers.base import NotRecognised, Turns
from sessiond.importers.cursor import SOURCE
from sessiond.importers.run import run_import
from sessiond.models import make_meta
from support.importing import FIXTURES, digests, events, kinds_texts, sessions

OLD = "1a2b3c4d-0001-4e5f-8a9b-00000000c001"
NEW = "2b3c4d5e-0002-4e5f-8a9b-00000000c002"
SUB_ID = "3c4d5e6f-0003-4e5f-8a9b-00000000c003"
SUB = f"{NEW}_a629630acca266b6"  # the sub-composer's ulid starts with its parent's
CTX = "4d5e6f70-0004-4e5f-8a9b-00000000c004"
BUSY = "6f708192-0006-4e5f-8a9b-00000000c006"
TX = "708192a3-0007-4e5f-8a9b-00000000c007"
TXT = "8192a3b4-0008-4e5f-8a9b-00000000c008"
TRAILMAP = "/home/mira/src/trailmap"
SECRETS = (
    b"FAKE-KEY-not-a-real-blob-key",
    b"FAKE-KEY-not-a-real-summary-key",
    b"FAKE-access-token",
    b"FAKE-refresh-token",
    b"FAKE-mirrored-refresh-token",
    b"FAKE-mcp-secret",
)

NEW_EVENTS = [
    ("prompt", "keep map tiles for offline use", "2025-12-29T09:20:05.000Z"),
    # the thinking-only bubble is left out
    (
        "command",
        'read_file_v2 {"targetFile": "/home/mira/src/trailmap/src/tiles.ts"}',
        "2025-12-29T09:20:11.000Z",
    ),
    (
        "command",
        "export async function loadTile(z, x, y) {\n  return fetch(url(z, x, y));\n}\n",
        "2025-12-29T09:20:11.000Z",
    ),
    (
        "command",
        'edit_file_v2 {"relativeWorkspacePath": "src/tiles.ts"}',
        "2025-12-29T09:20:30.000Z",
    ),
    (
        "command",
        '{"beforeContentId":"composer.content.00aa","afterContentId":"composer.content.00bb"}',
        "2025-12-29T09:20:30.000Z",
    ),
    (
        "system",
        "Tiles are now cached in IndexedDB for 30 days; `loadTile` reads the cache first.",
        "2025-12-29T09:20:41.000Z",
    ),
    ("prompt", "run the tile tests", "2025-12-29T09:31:00.000Z"),
    (
        "command",
        'run_terminal_command_v2 {"command": "npm test -- tiles", "is_background": false}',
        "2025-12-29T09:31:04.000Z",
    ),
    (
        "command",
        "FAIL src/tiles.test.ts\n  indexedDB is not defined\n",
        "2025-12-29T09:31:04.000Z",
    ),
    (
        "system",
        "The tests run in Node, which has no IndexedDB: add `fake-indexeddb` to the test setup.",
        "2025-12-29T09:31:20.000Z",
    ),
]


def iso(ms: int) -> str:
    return (
        datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
    )


def build(tree: Path) -> None:
    """Real SQLite files from the tree's SQL dumps (the dumps are left beside)."""
    for dump in sorted(tree.rglob("*.sql")):
        conn = sqlite3.connect(dump.with_suffix(""))
        conn.executescript(dump.read_text())
        conn.close()


def cursor_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str = "") -> Path:
    """Cursor's user folder (~/.config/Cursor/User) and ~/.cursor under
    `tmp_path/where`, as the default places; returns the user folder."""
    base = tmp_path / where if where else tmp_path
    user = base / "config" / "Cursor" / "User"
    shutil.copytree(FIXTURES / "cursor" / "User", user)
    shutil.copytree(FIXTURES / "cursor" / "dot-cursor", base / "home" / ".cursor")
    build(user)
    if not where:
        monkeypatch.setattr(sys, "platform", "linux")
        monkeypatch.setenv("HOME", str(base / "home"))
        monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "config"))
        monkeypatch.delenv("VSCODE_APPDATA", raising=False)
        monkeypatch.delenv("VSCODE_PORTABLE", raising=False)
    return user


def global_db(user: Path) -> Path:
    return user / "globalStorage" / "state.vscdb"


def read_all(paths: list[Path]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    run = SOURCE.new_run()
    for path in SOURCE.sources(paths):
        for item in SOURCE.read(path, None, run):
            if isinstance(item, Turns):
                entry = found.setdefault(item.session.ulid, [item.session, []])
                entry[0] = item.session
                entry[1].extend(item.events)
    return found


def test_every_fixture_imports_to_exactly_the_expected_sessions_and_events(
    store, tmp_path, monkeypatch
):
    cursor_home(tmp_path, monkeypatch)
    transcripts = tmp_path / "home" / ".cursor" / "projects"
    transcript_time = (transcripts / f"home-mira-src-trailmap/agent-transcripts/{TXT}.txt").stat()

    summary = run_import(store, "cursor", [])  # the default places

    found = sessions(store)
    when = found[TXT][3]
    assert found == {
        OLD: ("cursor", "Elevation profile chart", None, "2024-06-01T00:00:00.000Z", 4),
        NEW: ("cursor", "Offline tile cache", None, "2025-12-29T09:20:00.000Z", 10),
        SUB: ("cursor", "Find tile fetches", NEW, "2025-12-29T09:20:15.000Z", 2),
        CTX: ("cursor", "GPX import", None, "2026-01-09T23:06:40.000Z", 2),
        # still generating: its prompt now, its answer once finished
        BUSY: ("cursor", "Trail difficulty", None, "2026-01-27T07:46:40.000Z", 1),
        # transcripts record no time: the file's
        TX: ("cursor", None, None, found[TX][3], 6),
        TXT: ("cursor", None, None, when, 6),
        # the empty composer is not a session; the transcript of NEW is NEW
    }
    assert when == iso(int(transcript_time.st_mtime * 1000))
    assert events(store, OLD) == [
        # the oldest composers keep their messages inline, without times
        ("prompt", "draw the elevation profile under the map", "2024-06-01T00:00:00.000Z"),
        (
            "system",
            "Sample the track every 50 m and plot height against distance:\n\n"
            "```ts\nconst points = sample(track, 50);\n```",
            "2024-06-01T00:00:00.000Z",
        ),
        # a prompt whose text is only in the editor's rich text
        ("prompt", "use feet when the locale is en-US", "2024-06-01T00:00:00.000Z"),
        (
            "system",
            "Read `navigator.language` once and pick the unit from it.",
            "2024-06-01T00:00:00.000Z",
        ),
    ]
    assert events(store, NEW) == NEW_EVENTS
    assert kinds_texts(store, SUB) == [
        ("prompt", "list every place that fetches a tile"),
        ("system", "Only `loadTile` in src/tiles.ts."),
    ]
    assert kinds_texts(store, BUSY) == [("prompt", "rate each trail easy, medium or hard")]
    assert kinds_texts(store, TX) == [
        ("prompt", "reverse a route"),
        ("command", 'ReadFile {"path":"/home/mira/src/trailmap/src/route.ts"}'),
        ("command", "export const route = [];"),
        ("system", "Added `reverseRoute`, which also flips the elevation gain and loss."),
        ("prompt", "and a button for it"),
        ("warn", "turn aborted"),
    ]
    assert kinds_texts(store, TXT) == [
        ("prompt", "why is the map blank on first load?"),
        ("system", "Checking the tile URL template:"),
        ("command", 'Read {"path":"/home/mira/src/trailmap/src/tiles.ts"}'),
        ("system", "The template lacks `{s}` for the subdomain, so every request 404s."),
        ("prompt", "fix it"),
        ("system", "Fixed: the template now has `{s}` and the map loads."),
    ]
    assert summary.skipped == {
        "composer rows that are not a JSON object": 1,
        "messages listed in a conversation whose row is missing or empty": 1,
    }
    assert summary.events_added == 31 and summary.sessions_added == 7
    assert not summary.failed and summary.exit_code == 0


def test_the_version_3_fields_are_read_where_cursor_records_them(tmp_path, monkeypatch):
    user = cursor_home(tmp_path, monkeypatch)
    found = read_all([user, tmp_path / "home" / ".cursor" / "projects"])

    def fields(ulid: str) -> tuple[Any, ...]:
        s = found[ulid][0]
        return (s.source, s.source_id, s.project, s.branch, s.parent_ulid)

    assert fields(NEW) == ("cursor", NEW, TRAILMAP, "offline-tiles", None)  # workspaceIdentifier
    assert fields(OLD) == ("cursor", OLD, TRAILMAP, None, None)  # the workspace's composer list
    assert fields(CTX) == ("cursor", CTX, "/home/mira/src/trailmap-api", None, None)  # its context
    assert fields(SUB) == ("cursor", SUB_ID, TRAILMAP, None, NEW)  # its parent's folder
    assert fields(TX) == ("cursor", TX, TRAILMAP, None, None)  # <user_info>'s Workspace Path
    assert fields(TXT) == ("cursor", TXT, TRAILMAP, None, None)  # its folder's name
    assert [e.meta for e in found[NEW][1]] == [
        None,
        # a tool bubble's own token counts, on its call
        {"tool": "read_file_v2", "usage": {"inputTokens": 18000, "outputTokens": 120}},
        make_meta(tool="read_file_v2", is_error=False),
        {"tool": "edit_file_v2", "usage": {"inputTokens": 18600, "outputTokens": 640}},
        make_meta(tool="edit_file_v2", is_error=False),
        {"model": "gpt-5", "usage": {"inputTokens": 19400, "outputTokens": 90}},
        None,
        # zero token counts are "not recorded": no usage
        make_meta(tool="run_terminal_command_v2"),
        make_meta(tool="run_terminal_command_v2", is_error=True),
        {"model": "gpt-5", "usage": {"inputTokens": 20100, "outputTokens": 75}},
    ]
    # the bubble's model, else the composer's; "default" (Cursor's auto) names none
    assert found[SUB][1][1].meta == make_meta(model="composer-1")
    assert found[OLD][1][1].meta == make_meta(model="claude-3.5-sonnet")


def test_login_tokens_and_encryption_keys_are_never_read_nor_stored(
    store, db, tmp_path, monkeypatch
):
    cursor_home(tmp_path, monkeypatch)
    tables: dict[str, set[str]] = {}
    opened = cursor_module.open_read_only

    def watched_open(path: Path) -> sqlite3.Connection:
        conn = opened(path)
        read = tables.setdefault(path.parent.name, set())

        def authorize(action: int, table: Any, *_rest: Any) -> int:
            if action == sqlite3.SQLITE_READ:
                read.add(table)
            return sqlite3.SQLITE_OK

        conn.set_authorizer(authorize)
        return conn

    monkeypatch.setattr(cursor_module, "open_read_only", watched_open)

    run_import(store, "cursor", [])

    assert tables["globalStorage"] >= {"cursorDiskKV"}
    assert "ItemTable" not in tables["globalStorage"]  # where Cursor keeps its login
    stored = b"".join(p.read_bytes() for p in Path(db).parent.glob("sessions.db*"))
    assert b"Offline tile cache" in stored
    for secret in SECRETS:
        assert secret not in stored, secret
    assert b"half a thought" not in stored  # the unsent draft of the empty composer


def test_a_second_import_adds_nothing_and_writes_nothing_beside_the_database(
    store, tmp_path, monkeypatch
):
    user = cursor_home(tmp_path, monkeypatch)
    home = tmp_path / "home" / ".cursor"
    before = digests(user), digests(home)
    run_import(store, "cursor", [])
    first = {ulid: events(store, ulid) for ulid in sessions(store)}

    again = run_import(store, "cursor", [])

    assert again.events_added == 0 and again.sessions_added == 0 and again.unchanged == 4
    assert {ulid: events(store, ulid) for ulid in sessions(store)} == first
    assert (digests(user), digests(home)) == before  # no -wal, no -shm, not a byte


def test_the_same_files_at_another_path_import_as_nothing_new(store, tmp_path, monkeypatch):
    cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    count = sum(s[4] for s in sessions(store).values())
    backup = cursor_home(tmp_path, monkeypatch, "backup")

    moved = run_import(
        store, "cursor", [backup, tmp_path / "backup" / "home" / ".cursor" / "projects"]
    )

    assert moved.events_added == 0 and moved.sessions_added == 0
    assert sum(s[4] for s in sessions(store).values()) == count


def _value(conn: sqlite3.Connection, key: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        conn.execute("SELECT value FROM cursorDiskKV WHERE key = ?", (key,)).fetchone()[0]
    )
    return data


def _put(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT INTO cursorDiskKV VALUES (?, ?)", (key, json.dumps(value)))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_what_cursor_writes_while_running_is_read_through_its_write_ahead_log(
    store, tmp_path, monkeypatch
):
    user = cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    database = global_db(user)
    cursor = sqlite3.connect(database)  # Cursor, running: its writes stay in the -wal
    try:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        composer = _value(cursor, f"composerData:{NEW}")
        composer["fullConversationHeadersOnly"] += [
            {"bubbleId": "bb0000a0-0000-4000-8000-0000000000a0", "type": 1},
            {"bubbleId": "bb0000b0-0000-4000-8000-0000000000b0", "type": 2},
        ]
        composer["name"] = "Offline tiles, tested"
        _put(cursor, f"composerData:{NEW}", composer)
        for bubble, kind, text, at in (
            ("bb0000a0-0000-4000-8000-0000000000a0", 1, "add fake-indexeddb", "09:40:00"),
            ("bb0000b0-0000-4000-8000-0000000000b0", 2, "Added; the tests pass.", "09:40:30"),
        ):
            _put(
                cursor,
                f"bubbleId:{NEW}:{bubble}",
                {
                    "type": kind,
                    "bubbleId": bubble,
                    "text": text,
                    "createdAt": f"2025-12-29T{at}.000Z",
                },
            )
        cursor.commit()
        wal = Path(f"{database}-wal")
        assert wal.stat().st_size > 0
        files = sorted(p.name for p in database.parent.iterdir())
        held = _sha(database), _sha(wal)

        grown = run_import(store, "cursor", [])

        assert grown.events_added == 2
        assert events(store, NEW) == [
            *NEW_EVENTS,
            ("prompt", "add fake-indexeddb", "2025-12-29T09:40:00.000Z"),
            ("system", "Added; the tests pass.", "2025-12-29T09:40:30.000Z"),
        ]
        assert sessions(store)[NEW][1] == "Offline tiles, tested"  # renamed in Cursor
        assert (_sha(database), _sha(wal)) == held
        assert sorted(p.name for p in database.parent.iterdir()) == files
    finally:
        cursor.close()


def test_a_message_cursor_is_still_generating_is_added_once_finished(store, tmp_path, monkeypatch):
    user = cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    conn = sqlite3.connect(global_db(user))
    answer = "ee000001-0000-4000-8000-000000000002"
    bubble = _value(conn, f"bubbleId:{BUSY}:{answer}")
    bubble["text"] = "Scoring by climb per kilometre: under 30 m easy, over 80 m hard."
    _put(conn, f"bubbleId:{BUSY}:{answer}", bubble)
    composer = _value(conn, f"composerData:{BUSY}")
    composer.update(status="completed", generatingBubbleIds=[])
    _put(conn, f"composerData:{BUSY}", composer)
    conn.commit()
    conn.close()

    finished = run_import(store, "cursor", [])

    assert finished.events_added == 1
    assert kinds_texts(store, BUSY) == [
        ("prompt", "rate each trail easy, medium or hard"),
        ("system", "Scoring by climb per kilometre: under 30 m easy, over 80 m hard."),
    ]


def test_a_rewind_in_cursor_keeps_what_was_imported_and_adds_what_follows(
    store, tmp_path, monkeypatch
):
    user = cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    conn = sqlite3.connect(global_db(user))
    composer = _value(conn, f"composerData:{CTX}")
    # back to the first message, edited and sent again
    composer["fullConversationHeadersOnly"] = [
        {"bubbleId": "dd000001-0000-4000-8000-000000000001", "type": 1},
        {"bubbleId": "dd000002-0000-4000-8000-000000000003", "type": 2},
    ]
    _put(conn, f"composerData:{CTX}", composer)
    _put(
        conn,
        f"bubbleId:{CTX}:dd000002-0000-4000-8000-000000000003",
        {
            "type": 2,
            "text": "Added `parseGpx` on its own.",
            "createdAt": "2026-01-09T23:10:00.000Z",
        },
    )
    conn.commit()
    conn.close()

    rewound = run_import(store, "cursor", [])

    assert rewound.events_added == 1
    assert kinds_texts(store, CTX) == [
        ("prompt", "parse GPX files too"),
        ("system", "Added `parseGpx` next to `parseKml`, sharing the track builder."),
        ("system", "Added `parseGpx` on its own."),
    ]


def test_a_transcript_that_grows_adds_only_its_new_lines(store, tmp_path, monkeypatch):
    cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    folder = tmp_path / "home/.cursor/projects/home-mira-src-trailmap/agent-transcripts"
    with (folder / TX / f"{TX}.jsonl").open("a") as f:
        for record in (
            {
                "role": "user",
                "message": {
                    "content": [{"type": "text", "text": "<user_query>\ntry again\n</user_query>"}]
                },
            },
            {
                "role": "assistant",
                "message": {
                    "content": [{"type": "text", "text": "The button is in the route panel."}]
                },
            },
        ):
            f.write(json.dumps(record) + "\n")
    with (folder / NEW / f"{NEW}.jsonl").open("a") as f:  # NEW's: read from the database
        f.write(json.dumps({"type": "turn_ended", "status": "success"}) + "\n")

    grown = run_import(store, "cursor", [])

    assert grown.events_added == 2 and grown.unchanged == 2
    assert kinds_texts(store, TX)[-2:] == [
        ("prompt", "try again"),
        ("system", "The button is in the route panel."),
    ]
    assert sessions(store)[NEW][4] == 10


def test_the_prompt_is_the_persons_words_without_what_cursor_added(store, tmp_path, monkeypatch):
    cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])

    everything = "\n".join(
        text for ulid in sessions(store) for _kind, text in kinds_texts(store, ulid)
    )
    for added in (
        "<user_info>",
        "OS Version",
        "<attached_files>",
        "<user_query>",
        "half a thought",
    ):
        assert added not in everything
    assert ("prompt", "reverse a route") in kinds_texts(store, TX)


def test_a_file_of_another_format_is_not_recognised(store, tmp_path, monkeypatch):
    user = cursor_home(tmp_path, monkeypatch)
    vscode = tmp_path / "Code" / "globalStorage" / "state.vscdb"
    vscode.parent.mkdir(parents=True)
    conn = sqlite3.connect(vscode)
    conn.execute("CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)")
    conn.commit()
    conn.close()
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    stray = tmp_path / "agent-transcripts" / "x" / "x.jsonl"
    stray.parent.mkdir(parents=True)
    stray.write_text(json.dumps({"type": "user", "sessionId": "x"}) + "\n")
    workspace = user / "workspaceStorage" / "8e1f2a3b4c5d6e7f8091a2b3c4d5e6f7" / "state.vscdb"

    summary = run_import(store, "cursor", [vscode, text, stray, workspace])

    reasons = sorted(why for _path, why in summary.failed)
    assert reasons == sorted(
        [
            f"{stray} is not a Cursor agent transcript: its first line is not a {{role, message}}"
            " or turn_ended line",
            f"{vscode} is not Cursor's database: it has no cursorDiskKV table"
            " (VS Code's own state.vscdb?)",
            f"{workspace} is a Cursor workspace database: Cursor keeps its conversations in"
            " globalStorage/state.vscdb",
            f"{text} is not Cursor's database nor an agent transcript: it is not an SQLite file,"
            " and not in an agent-transcripts folder",
        ]
    )
    assert summary.exit_code == 1 and sessions(store) == {}
    with pytest.raises(NotRecognised):
        list(SOURCE.read(vscode, None, SOURCE.new_run()))


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CONFIG_HOME": "/xdg"}, "/xdg/Cursor/User"),
        ("darwin", {}, "~/Library/Application Support/Cursor/User"),
        (
            "win32",
            {"APPDATA": "C:/Users/m/AppData/Roaming"},
            "C:/Users/m/AppData/Roaming/Cursor/User",
        ),
    ],
)
def test_the_default_places_are_cursors_user_folder_and_its_projects(
    monkeypatch, platform, env, expected
):
    for name in ("XDG_CONFIG_HOME", "APPDATA", "VSCODE_APPDATA", "VSCODE_PORTABLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)

    assert SOURCE.default_paths() == [
        Path(expected).expanduser() / "globalStorage",
        Path.home() / ".cursor" / "projects",
    ]


def test_a_change_to_the_database_or_its_log_reads_the_database(tmp_path):
    database = tmp_path / "User" / "globalStorage" / "state.vscdb"
    assert SOURCE.watched(Path(f"{database}-wal")) == database
    assert SOURCE.watched(database) == database
    assert SOURCE.watched(tmp_path / "User" / "workspaceStorage" / "w" / "state.vscdb") is None
    transcript = tmp_path / "p" / "agent-transcripts" / f"{TX}" / f"{TX}.jsonl"
    assert SOURCE.watched(transcript) == transcript
    assert SOURCE.key(transcript) == f"agent-transcript {TX}.jsonl"
    assert SOURCE.key(database) == SOURCE.key(tmp_path / "elsewhere" / "state.vscdb")


def test_a_message_without_a_time_sessiond_can_store_is_skipped_and_counted(
    store, tmp_path, monkeypatch
):
    user = cursor_home(tmp_path, monkeypatch)
    conn = sqlite3.connect(global_db(user))
    ident = "0d0d0d0d-0000-4000-8000-00000000000d"
    _put(
        conn,
        f"composerData:{ident}",
        {
            "name": "Far future",
            "fullConversationHeadersOnly": [{"bubbleId": "x1"}, {"bubbleId": "x2"}],
        },
    )
    _put(
        conn,
        f"bubbleId:{ident}:x1",
        {"type": 1, "text": "when?", "createdAt": "10000-01-01T00:00:00Z"},
    )
    _put(conn, f"bubbleId:{ident}:x2", {"type": 2, "text": "now.", "createdAt": 1767000000000})
    conn.commit()
    conn.close()

    summary = run_import(store, "cursor", [])

    assert summary.skipped["messages without a time (nor their conversation)"] == 1
    assert events(store, ident) == [("system", "now.", "2025-12-29T09:20:00.000Z")]


def test_watch_follows_cursors_database_as_it_writes_to_its_log(store, tmp_path, monkeypatch):
    user = cursor_home(tmp_path, monkeypatch)
    stop, watching, added = threading.Event(), threading.Event(), threading.Event()

    class Err:
        def write(self, text: str) -> None:
            if "watching" in text:
                watching.set()

        def flush(self) -> None:
            pass

    worker = threading.Thread(
        target=run_import,
        args=(store, "cursor", []),
        kwargs={
            "watch": True,
            "stop": stop,
            "err": Err(),
            "on_pass": lambda summary: summary.events_added and added.set(),
        },
    )
    worker.start()
    cursor = sqlite3.connect(global_db(user))  # started after the watch: a new -wal
    try:
        assert watching.wait(30)
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        composer = _value(cursor, f"composerData:{CTX}")
        composer["fullConversationHeadersOnly"].append({"bubbleId": "w1", "type": 1})
        _put(cursor, f"composerData:{CTX}", composer)
        _put(cursor, f"bubbleId:{CTX}:w1", {"type": 1, "text": "written while watched"})
        cursor.commit()
        assert added.wait(10), "the new message was not imported"
    finally:
        cursor.close()
        stop.set()
        worker.join(30)
    assert kinds_texts(store, CTX)[-1] == ("prompt", "written while watched")


def test_a_conversation_keeps_its_ulid_when_it_becomes_a_sub_composer_later(
    store, tmp_path, monkeypatch
):
    user = cursor_home(tmp_path, monkeypatch)
    run_import(store, "cursor", [])
    conn = sqlite3.connect(global_db(user))
    parent = _value(conn, f"composerData:{OLD}")
    parent["subComposerIds"] = [CTX]  # CTX, imported on its own, is now OLD's
    _put(conn, f"composerData:{OLD}", parent)
    child = _value(conn, f"composerData:{CTX}")
    child["fullConversationHeadersOnly"].append({"bubbleId": "late", "type": 1})
    _put(conn, f"composerData:{CTX}", child)
    _put(conn, f"bubbleId:{CTX}:late", {"type": 1, "text": "one more", "createdAt": 1768000200000})
    conn.commit()
    conn.close()

    later = run_import(store, "cursor", [])

    assert later.sessions_added == 0 and later.events_added == 1
    assert kinds_texts(store, CTX)[-1] == ("prompt", "one more")
