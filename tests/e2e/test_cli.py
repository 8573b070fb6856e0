"""The command line as a person uses it: chat, ls, show, export, --db."""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import stat

import pytest

from support.cli import run


@pytest.fixture
def db(tmp_path):
    return str(tmp_path / "cli.db")


def sessions(db: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT s.ulid, s.ended_at IS NOT NULL, p.ulid, s.cli_version FROM sessions s "
            "LEFT JOIN sessions p ON p.id = s.parent_id ORDER BY s.id"
        ).fetchall()


def texts(db: str, ulid: str) -> list[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT kind, text FROM events JOIN sessions s ON s.id = session_id"
            " WHERE s.ulid = ? ORDER BY seq",
            (ulid,),
        ).fetchall()


def test_piped_chat_records_the_turn_and_exits_0(db):
    done = run("chat", "--db", db, stdin="hello\n/sessions\n")
    assert done.returncode == 0, done.stderr
    [(ulid, ended, parent, client)] = sessions(db)
    assert ended and parent is None and client.startswith("sessiond-chat ")
    assert texts(db, ulid) == [("prompt", "hello")]
    assert ulid in done.stdout  # /sessions listed it


def test_chat_commands(db):
    first = run("chat", "--db", db, stdin="one\n")
    [(parent_ulid, *_)] = sessions(db)
    script = (
        "\n".join(
            [
                "two",
                "/replay",
                "/replay 1",
                "/replay x",
                "/milestone theme dark",
                "/milestone theme",
                "/milestone unset-key",
                f"/continue {parent_ulid}",
                "three",
                "/end",
                "/end",
                "four",
                "/new",
                "/continue NOPE",
                "/bogus",
                "/help",
                "/quit",
                "never recorded",
            ]
        )
        + "\n"
    )
    done = run("chat", "--db", db, stdin=script)
    assert first.returncode == 0 and done.returncode == 0, done.stderr
    out = done.stdout
    assert "theme = dark" in out and "unset-key is not set" in out
    assert "no session's ULID is or starts with 'NOPE'" in out
    assert "unknown command /bogus" in out and "/continue ULID" in out
    assert "usage: /replay" in out and "no session is open" in out
    rows = sessions(db)
    # The trailing /new leaves no empty session behind: sessions start with a turn.
    assert [r[2] for r in rows] == [None, None, parent_ulid, None]
    assert all(r[1] for r in rows), "every session the chat opened was ended"
    assert texts(db, rows[1][0]) == [("prompt", "two")]
    assert texts(db, rows[2][0]) == [("prompt", "three")]
    assert texts(db, rows[3][0]) == [("prompt", "four")]
    replayed = out.split("\n")
    assert any(
        line.split()[2:4] == ["prompt", "two"] for line in replayed if len(line.split()) >= 4
    )


def test_chat_continue_resumes_the_last_session(db):
    run("chat", "--db", db, stdin="first\n")
    done = run("chat", "--continue", "--db", db, stdin="second\n")
    assert done.returncode == 0
    first, second = sessions(db)
    assert second[2] == first[0]
    assert "continuing " + first[0] in done.stdout


@pytest.fixture
def seeded(db):
    run("chat", "--db", db, stdin="first prompt\nsecond line\n")
    run("chat", "--db", db, stdin="another session with a `code` and\n")
    return db


def test_ls_lists_the_last_active_first(seeded):
    done = run("ls", "--db", seeded)
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    header = lines[0].split()
    assert header[:4] == ["ID", "ACTIVE", "EVENTS", "SOURCE"]  # PROJECT when the chat records it
    assert header[-4:] == ["TITLE", "/", "FIRST", "PROMPT"]
    rows = sessions(seeded)
    shown = [line.split()[0] for line in lines[1:]]
    # Short ULIDs, as git shortens hashes: a prefix of 8 characters or more.
    assert all(len(s) >= 8 for s in shown)
    assert [rows[1][0].startswith(shown[0]), rows[0][0].startswith(shown[1])] == [True, True]
    # The client without its version; times relative.
    assert lines[2].split()[1:4] == ["now", "2", "sessiond-chat"] and "first prompt" in lines[2]
    assert "0.1.0" not in done.stdout


def test_show_accepts_a_unique_prefix(seeded):
    ulid = sessions(seeded)[0][0]
    done = run("show", ulid[:-4], "--db", seeded)
    assert done.returncode == 0, done.stderr
    assert ulid in done.stdout
    body = done.stdout.split("\n\n", 1)[1]
    lines = [line.split(None, 3) for line in body.splitlines() if " -- " not in line]
    assert re.search(r"-- \d{4}-\d\d-\d\d \(local\) --", body)
    assert [(line[0], line[2], line[3]) for line in lines] == [
        ("1", "prompt", "first prompt"),
        ("2", "prompt", "second line"),
    ]


def test_show_refuses_unknown_and_ambiguous_prefixes(seeded):
    unknown = run("show", "ZZZZ", "--db", seeded)
    assert unknown.returncode != 0 and "no session" in unknown.stderr
    ambiguous = run("show", "0", "--db", seeded)
    assert ambiguous.returncode != 0 and "more than one session" in ambiguous.stderr


def test_export_markdown_and_jsonl(seeded):
    ulid = sessions(seeded)[1][0]
    md = run("export", ulid, "--format", "markdown", "--db", seeded)
    assert md.returncode == 0
    assert md.stdout.startswith(f"# Session {ulid}\n")
    assert "another session with a `code` and" in md.stdout
    jl = run("export", ulid, "--format", "jsonl", "--db", seeded)
    first, *events = [json.loads(line) for line in jl.stdout.splitlines()]
    assert first["session"]["ulid"] == ulid and first["session"]["eventCount"] == 1
    assert [(e["seq"], e["kind"], e["text"]) for e in events] == [
        (1, "prompt", "another session with a `code` and")
    ]
    assert set(events[0]) == {
        "sessionId",
        "sessionUlid",
        "seq",
        "kind",
        "text",
        "createdAt",
        "meta",
    }
    assert events[0]["sessionUlid"] == ulid


def test_sessiond_db_environment_variable(tmp_path):
    path = str(tmp_path / "from-env.db")
    assert run("chat", stdin="via env\n", env={"SESSIOND_DB": path}).returncode == 0
    assert len(sessions(path)) == 1
    assert "via env" in run("ls", env={"SESSIOND_DB": path}).stdout


def test_default_database_is_private_in_the_user_data_folder(tmp_path):
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path), "SESSIOND_DB": ""}
    assert run("chat", stdin="default place\n", env=env).returncode == 0
    folder = tmp_path / "data" / "sessiond"
    path = folder / "sessions.db"
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(sessions(str(path))) == 1


def test_a_newer_schema_is_refused_untouched(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sessions (x)")
        conn.execute("PRAGMA user_version = 99")
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    for args in (["ls"], ["serve"], ["show", "X"]):
        done = run(*args, "--db", str(path))
        assert done.returncode != 0
        assert "schema version 99" in done.stderr and "upgrade sessiond" in done.stderr
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert not os.path.exists(str(path) + "-wal")


def test_version_and_module_entry():
    done = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("sessiond ")
    assert "serve" in run("--help").stdout


def test_memory_database_for_reads():
    done = run("ls", "--db", ":memory:")
    assert done.returncode == 0 and "no sessions yet" in done.stdout
