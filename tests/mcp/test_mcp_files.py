"""`sessiond mcp` and the database file: it never writes, serves a file it
cannot write, refuses what it cannot serve at start, and keeps the SDK off
every other command's path."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessiond.store import open_store
from support.mcpkit import (
    V1_DB,
    RawPeer,
    assert_untouched,
    digest,
    files_beside,
    mount_tmpfs,
    ok,
    refused,
    seed,
    serve,
    umount,
)


def start(db: Path | str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`sessiond mcp` for a database it must refuse: it exits on its own."""
    return subprocess.run(
        [sys.executable, "-m", "sessiond", "mcp", *(["--db", str(db)] if db else [])],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


async def test_a_whole_session_leaves_the_file_byte_identical(tmp_path: Path) -> None:
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    before = digest(db), files_beside(db)
    assert set(before[1]) == {db.name}  # the writer closed cleanly: no WAL left
    async with serve(db) as client:
        await ok(client, "search_history", query="cache key")
        await ok(client, "search_history", query="turn", limit=50, kinds=["prompt"])
        await ok(client, "read_session", ulid=seeded.long)
        await ok(client, "read_session", ulid=seeded.wide, limit=500)
        await ok(client, "list_sessions", limit=200)
        await refused(client, "read_session", ulid=seeded.trashed)
        await refused(client, "search_history", query="!!")
    assert_untouched(db, *before)


def test_the_2025_06_18_revision_with_structured_output(tmp_path: Path) -> None:
    """The oldest revision the contract accepts, spoken by a client that asks for it."""
    db = tmp_path / "sessions.db"
    seeded = seed(db)
    peer = RawPeer(db)
    init = peer.initialize("2025-06-18")["result"]
    assert init["protocolVersion"] == "2025-06-18"
    assert init["serverInfo"]["name"] == "sessiond" and "tools" in init["capabilities"]
    answer = peer.request("tools/call", {"name": "list_sessions", "arguments": {"limit": 1}})
    result = answer["result"]
    assert result.get("isError", False) is False
    assert result["structuredContent"]["sessions"][0]["ulid"] == seeded.wide
    assert result["content"][0]["type"] == "text"
    bad = peer.request("tools/call", {"name": "read_session", "arguments": {"ulid": "0"}})
    assert bad["result"]["isError"] is True and "error" not in bad
    code, err = peer.close()
    assert code == 0, err


def test_a_missing_database_is_refused_and_not_created(tmp_path: Path) -> None:
    db = tmp_path / "nowhere" / "sessions.db"
    run = start(db)
    assert run.returncode == 3, run.stderr
    assert run.stdout == ""
    assert f"there is no database at {db}" in run.stderr
    assert "never creates one" in run.stderr and "--db" in run.stderr
    assert not db.parent.exists()
    from_env = start("", env={**os.environ, "SESSIOND_DB": str(db)})
    assert from_env.returncode == 3 and str(db) in from_env.stderr, from_env.stderr
    memory = start(":memory:")
    assert memory.returncode == 3 and "always empty" in memory.stderr


def test_an_older_schema_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    shutil.copy(V1_DB, db)
    before = digest(db), files_beside(db)
    run = start(db)
    assert run.returncode == 4, run.stderr
    assert "schema version 1, older than this sessiond's" in run.stderr
    assert "upgrade it once" in run.stderr
    assert_untouched(db, *before)


def test_a_newer_schema_and_a_stranger_file_are_refused_untouched(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    seed(newer)
    with sqlite3.connect(newer) as conn:
        conn.execute("PRAGMA user_version = 999")
    conn.close()
    stranger = tmp_path / "notes.txt"
    stranger.write_text("not a database at all\n" * 100)
    for path, words in ((newer, "999"), (stranger, "not a SQLite database")):
        before = digest(path), files_beside(path)
        run = start(path)
        assert run.returncode == 4 and words in run.stderr, run.stderr
        assert_untouched(path, *before)


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "mnt"
    reason = mount_tmpfs(where)
    if reason is not None:
        pytest.skip(f"cannot mount a tmpfs here ({reason}); CI runs these as root")
    try:
        yield where
    finally:
        umount(where)


async def test_serves_a_file_on_a_read_only_file_system(tmpfs: Path) -> None:
    """Nothing can write there, not even SQLite's reader files: a real
    read-only mount (root ignores a folder's mode bits, a mount it cannot)."""
    db = tmpfs / "sessions.db"
    seeded = seed(db)
    before = digest(db), files_beside(db)
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    try:
        async with serve(db) as client:
            shown, data = await ok(client, "search_history", query="cache key")
            _, read = await ok(client, "read_session", ulid=seeded.cache)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(tmpfs)], check=True)
    assert data["hits"] and "**cache**" in shown
    assert len(read["events"]) == 3
    assert_untouched(db, *before)


async def test_serves_a_read_only_view_while_a_writer_writes(tmp_path: Path, tmpfs: Path) -> None:
    """The agent's sandbox sees the history folder read-only; the person's
    editor writes it meanwhile through its own, writable path."""
    view = tmp_path / "view"
    view.mkdir()
    db = tmpfs / "sessions.db"
    seeded = seed(db)
    subprocess.run(["mount", "--bind", str(tmpfs), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        with open_store(str(db)) as writer:
            async with serve(view / "sessions.db") as client:
                _, before = await ok(client, "search_history", query="wombat")
                sid = writer.start_session("vscode 1.0").id
                writer.append(sid, "prompt", "the wombat test is flaky")
                _, after = await ok(client, "search_history", query="wombat")
                _, cache = await ok(client, "read_session", ulid=seeded.cache)
    finally:
        umount(view)
    assert before["hits"] == []
    assert [h["session"]["cliVersion"] for h in after["hits"]] == ["vscode 1.0"]
    assert len(cache["events"]) == 3


async def test_a_writer_that_starts_later_is_seen(tmp_path: Path, tmpfs: Path) -> None:
    """Opened while nothing could write (no writer, a read-only view), then the
    person's editor starts writing through its own path: its turns show up."""
    view = tmp_path / "view"
    view.mkdir()
    db = tmpfs / "sessions.db"
    seed(db)
    subprocess.run(["mount", "--bind", str(tmpfs), str(view)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        async with serve(view / "sessions.db") as client:
            _, before = await ok(client, "search_history", query="platypus")
            with open_store(str(db)) as writer:
                sid = writer.start_session("nvim 0.11").id
                writer.append(sid, "prompt", "a platypus in the test names")
                _, after = await ok(client, "search_history", query="platypus")
    finally:
        umount(view)
    assert before["hits"] == []
    assert [h["session"]["cliVersion"] for h in after["hits"]] == ["nvim 0.11"]


def test_the_sdk_stays_off_every_other_command() -> None:
    """The MCP SDK costs about half a second of imports: only `sessiond mcp` pays."""
    code = (
        "import sys\n"
        "from sessiond.cli import build_parser, main\n"
        "build_parser()\n"
        "import sessiond.mcp, sessiond.mcp.tools, sessiond.mcp.text\n"
        "main(['--db', sys.argv[1], 'ls'])\n"
        "loaded = sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'mcp_types')))\n"
        "assert not loaded, loaded\n"
    )
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        seed(db)
        run = subprocess.run(
            [sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60
        )
    assert run.returncode == 0, run.stderr
