"""`sessiond chat` as a person meets it: through a pseudo-terminal, and piped.

The terminal tests run the real command on a pty and play the terminal's
part: they answer cursor-position requests, as every terminal emulator
does, and send keys, Ctrl-C and bracketed pastes as bytes. What the store
holds afterwards is read back through a daemon, over the wire.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sessiond.cli.chat.daemon_client import Client
from support.chatting import SESSIOND, chat, clean_env, history
from support.engine import RATE_LIMITED, Fail, FakeOpenAI, Reply
from support.terminal import Terminal

# slow: a real terminal (pty or tmux) and a daemon per test; out of the fast loop.
pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "chat.db")


@pytest.fixture
def terminal(db: str) -> Any:
    opened: list[Terminal] = []

    def start(*extra: str, env: dict[str, str] | None = None) -> Terminal:
        t = Terminal([*SESSIOND, "chat", "--db", db, *extra], env)
        opened.append(t)
        return t

    yield start
    for t in opened:
        t.close()


# At a terminal.


def test_ctrl_c_at_an_empty_prompt_says_how_to_leave_and_quit_ends_the_session(db, terminal):
    t = terminal()
    t.at_prompt()
    t.type(b"a line before leaving\r")
    t.expect("started")
    t.at_prompt()
    t.type(b"\x03")
    t.expect("(to leave, press Ctrl-D or type /quit)")
    t.at_prompt()
    t.type(b"/quit\r")
    assert t.wait() == 0
    assert "Traceback" not in t.screen and "KeyboardInterrupt" not in t.screen
    [(session, events)] = history(db)
    assert session["endedAt"] is not None
    assert events == [("prompt", "a line before leaving")]
    t.expect(f"session {session['ulid']} ended")


def test_a_chat_that_records_nothing_leaves_no_session(db, terminal):
    t = terminal()
    t.at_prompt()
    t.type(b"/help\r")
    t.expect("/continue ULID")
    t.at_prompt()
    t.type(b"\x04")
    assert t.wait() == 0
    assert "started" not in t.screen
    assert history(db) == []


def test_a_pasted_multiline_text_is_one_turn(db, terminal):
    t = terminal()
    t.at_prompt()
    t.paste("first line\nsecond line\r\nthird line")
    t.type(b"\r")
    t.expect("started")
    t.at_prompt()
    t.type(b"\x04")
    assert t.wait() == 0
    [(_, events)] = history(db)
    assert events == [("prompt", "first line\nsecond line\nthird line")]


def test_the_line_editor_keeps_a_history(db, terminal):
    t = terminal()
    t.at_prompt()
    t.type(b"say it twice\r")
    t.at_prompt()
    t.type(b"\x1b[A\r")  # Up: the last line again
    t.at_prompt()
    t.type(b"\x04")
    assert t.wait() == 0
    [(_, events)] = history(db)
    assert events == [("prompt", "say it twice"), ("prompt", "say it twice")]


def test_stored_control_characters_are_shown_not_executed(db, terminal):
    chat(db, "hostile \x1b]0;pwned\x07 \x1b[2J text\u202e\n")
    t = terminal("--continue")
    t.at_prompt()
    t.type(b"/replay\r")
    t.expect("hostile")
    t.at_prompt()
    t.type(b"\x04")
    t.wait()
    shown = t.raw[t.raw.index(b"hostile") :]
    assert b"\x1b]0;" not in shown and b"\x07" not in shown and b"\x1b[2J" not in shown
    assert "\\e]0;pwned\\x07 \\e[2J text\\u202e" in t.screen


# Piped.


def test_a_slash_can_start_a_turn_when_doubled(db):
    done = chat(db, "//etc/hosts is a file\n/etc\n")
    assert done.returncode == 0, done.stderr
    assert "unknown command /etc" in done.stdout
    [(_, events)] = history(db)
    assert events == [("prompt", "/etc/hosts is a file")]


def test_new_and_end_leave_no_empty_session(db):
    done = chat(db, "/new\n/end\none turn\n/new\n/new\n")
    assert done.returncode == 0, done.stderr
    [(session, events)] = history(db)
    assert events == [("prompt", "one turn")] and session["endedAt"] is not None


def test_without_an_engine_the_chat_says_once_how_to_set_one(db):
    done = chat(db, "one\ntwo\n")
    assert done.stdout.count("No engine is set") == 1
    assert "--engine-base-url" in done.stdout and "SESSIOND_ENGINE_BASE_URL" in done.stdout
    assert "http://localhost:11434/v1" in done.stdout and "https://api.openai.com/v1" in done.stdout
    [(_, events)] = history(db)
    assert events == [("prompt", "one"), ("prompt", "two")]


def test_continue_takes_a_prefix_in_any_case_and_replay_shows_the_parent(db):
    chat(db, "parent turn\n")
    [(parent, _)] = history(db)
    prefix = parent["ulid"][:20].lower()
    done = chat(db, f"/continue {prefix}\n/replay\nchild turn\n/replay\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert f"continuing {parent['ulid']}" in out
    marker = f"--- earlier, in session {parent['ulid']}, which this chat continues ---"
    first, second = out.split(marker)[1:]  # both replays show the parent's turns, marked
    assert "parent turn" in first and "child turn" not in first
    assert "--- this session ---" in second and second.index("parent turn") < second.index(
        "child turn"
    )
    (_, _), (child, events) = history(db)
    assert child["parentUlid"] == parent["ulid"] and events == [("prompt", "child turn")]


def test_an_unknown_invalid_or_ambiguous_ulid_is_one_plain_line(db):
    chat(db, "a\n")
    chat(db, "b\n")
    (one, _), (two, _) = history(db)
    common = os.path.commonprefix([one["ulid"], two["ulid"]])  # noqa: RUF071 (characters are meant)
    done = chat(db, f"/continue NOPE\n/continue bad!id\n/continue {common}\n")
    lines = done.stdout.splitlines()
    assert "no session's ULID is or starts with 'NOPE'" in lines
    assert "'bad!id' is not a ULID: use letters, digits, '_' and '-'" in lines
    assert any(line.startswith(f"'{common}' matches more than one session") for line in lines)
    for word in ("error", "params", "-32602", "'ulid'"):
        assert word not in done.stdout
    assert len(history(db)) == 2  # nothing was started


# With an engine: replies stream, Ctrl-C stops a reply and not the chat.

KEY = "sk-proj-E2E0123456789abcdefSECRETKEY"


@pytest.fixture(scope="module")
def chat_send_served() -> bool:
    client = Client.spawn(":memory:")
    try:
        client.initialize("probe")
        return bool(client.capabilities.get("chat"))
    finally:
        client.close()


@pytest.fixture
def engine(request, chat_send_served) -> Any:
    if not chat_send_served:
        # Until server.py serves chat/send these must fail; once it does, they run as usual.
        request.applymarker(pytest.mark.xfail(strict=True, reason="the daemon has no chat/send"))
    with FakeOpenAI() as fake:
        yield fake


def test_a_reply_streams_at_the_terminal_and_ctrl_c_stops_only_it(db, terminal, engine):
    engine.script = [
        Reply(["The first ", "reply."]),
        Reply(["Partial ", "answer", " never shown"], hold_after=2),
        Reply(["Still ", "here."]),
    ]
    t = terminal("--engine-base-url", engine.base_url, env={"SESSIOND_ENGINE_API_KEY": KEY})
    t.at_prompt()
    t.type(b"hello engine\r")
    t.expect("The first reply.")
    t.at_prompt()
    t.type(b"tell me more\r")
    t.expect("Partial answer")
    assert engine.held.wait(10)
    t.type(b"\x03")
    t.expect("(reply stopped; what came is kept)")
    assert engine.peer_closed.wait(10), "the engine's stream was not closed"
    t.at_prompt()
    t.type(b"still there?\r")
    t.expect("Still here.")
    t.at_prompt()
    t.type(b"\x04")
    assert t.wait() == 0
    assert "Traceback" not in t.screen and KEY not in t.screen
    [(session, events)] = history(db)
    assert session["engineBaseUrl"] == engine.base_url and session["endedAt"] is not None
    assert events == [
        ("prompt", "hello engine"),
        ("system", "The first reply."),
        ("prompt", "tell me more"),
        ("system", "Partial answer\n\n[reply cut: stopped by the person]"),
        ("prompt", "still there?"),
        ("system", "Still here."),
    ]
    # The chat's engine is the daemon's own: the key goes to it, and only as a header.
    assert engine.chat_requests()[0].headers["authorization"] == f"Bearer {KEY}"
    assert [m["content"] for m in engine.chat_requests()[2].body["messages"]] == [
        "hello engine",
        "The first reply.",
        "tell me more",
        "Partial answer",
        "still there?",
    ]


def test_piped_turns_get_their_replies(db, engine):
    engine.script = [Reply(["one"]), Reply(["two"])]
    done = chat(db, "first\nsecond\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    assert "one\n" in done.stdout and "two\n" in done.stdout
    assert "No engine is set" not in done.stdout
    [(_, events)] = history(db)
    assert events == [
        ("prompt", "first"),
        ("system", "one"),
        ("prompt", "second"),
        ("system", "two"),
    ]


def test_an_engine_error_is_one_line_and_the_chat_goes_on(db, engine):
    engine.script = [
        RATE_LIMITED,
        Fail(401, f"Incorrect API key provided: {KEY}", code="invalid_api_key"),
        Reply(["fine now"]),
    ]
    done = subprocess.run(
        [*SESSIOND, "chat", "--db", db, "--engine-base-url", engine.base_url],
        input="one\ntwo\nthree\n",
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(SESSIOND_ENGINE_API_KEY=KEY),
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any(
        line.startswith("no reply: the engine at") and "Rate limit reached" in line
        for line in lines
    )
    assert any(line.startswith("no reply:") and "401" in line for line in lines)
    assert "fine now" in lines
    assert KEY not in done.stdout and KEY not in done.stderr
    [(_, events)] = history(db)
    assert [kind for kind, _ in events] == ["prompt", "warn", "prompt", "warn", "prompt", "system"]
    assert all(KEY not in text for _, text in events)
    for path in Path(db).parent.iterdir():
        assert KEY.encode() not in path.read_bytes(), path


def test_continue_ulid_on_the_command_line_continues_that_session_not_the_last(db):
    # What `sessiond resume` runs for a session held in `sessiond chat`.
    chat(db, "older turn\n")
    chat(db, "newer turn\n")
    (older, _), (newer, _) = history(db)
    done = chat(db, "goes on\n", "--continue", older["ulid"][:12].lower())
    assert done.returncode == 0, done.stderr
    assert f"continuing {older['ulid']}" in done.stdout
    *_, (child, events) = history(db)
    assert child["parentUlid"] == older["ulid"] != newer["ulid"]
    assert events == [("prompt", "goes on")]
    bad = chat(db, "fresh\n", "--continue", "NOPE")
    assert "no session's ULID is or starts with 'NOPE'" in bad.stderr
    *_, (fresh, events) = history(db)
    assert fresh["parentUlid"] is None and events == [("prompt", "fresh")]
