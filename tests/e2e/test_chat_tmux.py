"""`sessiond chat` in a real terminal emulator (tmux), as a person uses it.

Keys go in through tmux (`C-c`, `M-Enter`, `Escape Enter`), the screen is
what tmux shows, the replies come from the engine stand-in over real HTTP,
and what the store holds afterwards is read back through a daemon of its
own, over the wire. "Elsewhere" is another process: a daemon of its own, or
the `sessiond` command.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from support.chatting import SESSIOND, chat, clean_env, history, wire
from support.engine import FakeOpenAI, Reply
from support.tmux import PROMPT_READY, TMUX, Tmux

# slow: a real terminal (pty or tmux) and a daemon per test; out of the fast loop.
pytestmark = [pytest.mark.slow, pytest.mark.skipif(TMUX is None, reason="tmux is not installed")]

STOPPED = "(reply stopped; what came is kept)"


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "chat.db")


@pytest.fixture
def tmux(db: str) -> Any:
    opened: list[Tmux] = []

    def start(*extra: str, env: dict[str, str] | None = None) -> Tmux:
        t = Tmux([*SESSIOND, "chat", "--db", db, *extra], env or clean_env())
        opened.append(t)
        return t

    yield start
    for t in opened:
        t.close()


@pytest.fixture
def engine() -> Any:
    with FakeOpenAI() as fake:
        yield fake


def test_ctrl_c_clears_a_typed_line_and_at_an_empty_prompt_says_how_to_leave(db, tmux):
    t = tmux()
    t.at_prompt()
    t.type("a thought to keep")
    t.shows("a thought to keep")
    t.keys("C-c")
    t.shows("")  # cleared, and still here
    assert not t.dead
    t.type("sent")
    t.keys("Enter")
    t.expect("started")
    t.at_prompt()
    t.keys("Up", "Up")  # the cleared line is in the history
    t.shows("a thought to keep")
    t.keys("Enter")
    t.at_prompt()
    t.keys("C-c")
    t.expect("(to leave, press Ctrl-D or type /quit)")
    t.at_prompt()
    t.keys("C-c")
    t.at_prompt()
    assert t.count("(to leave, press Ctrl-D or type /quit)") == 2
    assert not t.dead
    t.type("/quit")
    t.keys("Enter")
    assert t.exit_code() == 0
    assert "Traceback" not in t.screen
    [(session, events)] = history(db)
    assert events == [("prompt", "sent"), ("prompt", "a thought to keep")]
    assert session["endedAt"] is not None


def test_alt_enter_and_esc_enter_add_a_line(db, tmux):
    t = tmux()
    t.at_prompt()
    t.type("first")
    t.keys("M-Enter")
    t.type("second")
    t.keys("Escape", "Enter")
    t.type("third")
    t.expect(". second")  # shown as one text of three lines, not sent
    assert "started" not in t.screen
    t.keys("Enter")
    t.expect("started")
    t.at_prompt()
    t.keys("C-d")
    assert t.exit_code() == 0
    [(_, events)] = history(db)
    assert events == [("prompt", "first\nsecond\nthird")]


def test_two_ctrl_c_during_a_streamed_reply_stop_it_and_the_chat_goes_on(db, tmux, engine):
    engine.script = [
        Reply(["Partial ", "answer", " never shown"], hold_after=2),
        Reply(["Still ", "here."]),
    ]
    t = tmux("--engine-base-url", engine.base_url)
    t.at_prompt()
    t.type("tell me a long story")
    t.keys("Enter")
    t.expect("Partial answer")
    assert engine.held.wait(10)
    before = time.monotonic()
    t.keys("C-c")
    t.keys("C-c")
    between = time.monotonic() - before
    assert between < 1.0, f"the two Ctrl-C were {between:.2f} s apart"
    t.expect(STOPPED)
    assert engine.peer_closed.wait(10), "the engine's stream was not closed"
    t.at_prompt()
    assert not t.dead
    t.type("still there?")
    t.keys("Enter")
    t.expect("Still here.")
    t.at_prompt()
    t.keys("C-d")
    assert t.exit_code() == 0
    assert "^C" not in t.screen  # the terminal did not echo them into the reply
    # The second Ctrl-C, whenever it came, was taken as part of the first.
    assert "(to leave" not in t.screen and "(stopped)" not in t.screen
    assert t.count(STOPPED) == 1
    [(session, events)] = history(db)
    assert session["endedAt"] is not None
    assert events == [
        ("prompt", "tell me a long story"),
        ("system", "Partial answer\n\n[reply cut: stopped by the person]"),
        ("prompt", "still there?"),
        ("system", "Still here."),
    ]


def test_a_session_ended_elsewhere_goes_on_in_a_new_session_that_continues_it(db, tmux, engine):
    engine.script = [Reply(["first reply"]), Reply(["second reply"])]
    t = tmux("--engine-base-url", engine.base_url)
    t.at_prompt()
    t.type("first turn")
    t.keys("Enter")
    t.expect("first reply")
    t.at_prompt()
    [(old, _)] = history(db)
    ended = wire(db, "session/end", {"sessionId": old["id"]})  # another process
    assert ended["endedAt"] is not None
    t.type("second turn")
    t.keys("Enter")
    t.expect("second reply")
    t.at_prompt()
    t.keys("C-d")
    assert t.exit_code() == 0
    (first, first_events), (second, second_events) = history(db)
    assert first["ulid"] == old["ulid"] and second["parentUlid"] == old["ulid"]
    said = f"session {old['ulid']} was ended elsewhere; this turn continues it in session "
    assert t.count(said + second["ulid"]) == 1
    assert "error" not in t.screen.lower() and "parentUlid" not in t.screen
    assert first_events == [("prompt", "first turn"), ("system", "first reply")]
    assert second_events == [("prompt", "second turn"), ("system", "second reply")]
    assert second["source"] == "sessiond-chat" and second["endedAt"] is not None
    # The engine was given the turns of the session it continues.
    assert [m["content"] for m in engine.chat_requests()[1].body["messages"]] == [
        "first turn",
        "first reply",
        "second turn",
    ]


def test_a_session_moved_to_the_trash_elsewhere_is_not_continued(db, tmux):
    t = tmux()
    t.at_prompt()
    t.type("before")
    t.keys("Enter")
    t.expect("started")
    t.at_prompt()
    [(old, _)] = history(db)
    done = subprocess.run(
        [*SESSIOND, "rm", "--db", db, old["ulid"]],
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    t.type("after")
    t.keys("Enter")
    t.expect("was moved to the trash elsewhere")
    t.at_prompt()
    t.type("and more")
    t.keys("Enter")
    t.at_prompt()
    t.keys("C-d")
    assert t.exit_code() == 0
    [(new, events)] = history(db)  # the trashed one is not listed
    said = f"session {old['ulid']} was moved to the trash elsewhere; this turn starts session "
    assert t.count(said + new["ulid"]) == 1
    assert new["parentUlid"] is None
    assert events == [("prompt", "after"), ("prompt", "and more")]


def test_the_prompt_takes_typing_before_the_daemon_has_started(db, tmux, capsys):
    chat(db, "an earlier turn\n")
    [(last, _)] = history(db)
    t = tmux("--continue")
    t.at_prompt()
    prompt_s = time.perf_counter() - t.started
    # The prompt reads keys (bracketed paste on); what the daemon found comes
    # later, above the prompt, with nothing typed.
    prompt_at = t.expect_output(PROMPT_READY)
    assert t.expect_output(f"continuing {last['ulid']}".encode()) > prompt_at
    t.at_prompt()
    t.type("/sessions")  # typed at once, answered by the daemon
    t.keys("Enter")
    t.expect("an earlier turn")
    ready_s = time.perf_counter() - t.started
    t.at_prompt()
    t.keys("C-d")
    assert t.exit_code() == 0
    with capsys.disabled():
        print(
            f"\n  sessiond chat in tmux: a prompt {prompt_s * 1000:.0f} ms after start, "
            f"/sessions answered {ready_s * 1000:.0f} ms after start"
        )


def test_a_daemon_that_cannot_start_ends_the_chat_with_its_reason(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    t = Tmux([*SESSIOND, "chat", "--db", str(tmp_path / "a-file" / "chat.db")], clean_env())
    try:
        assert t.exit_code() == 1
        assert "cannot be created" in t.screen
        assert "sessiond chat: sessiond exited with code 4" in t.screen
        assert "Traceback" not in t.screen
    finally:
        t.close()


def test_the_database_uri_is_not_on_the_daemons_command_line(tmp_path):
    secret = "SECRETMARKER"
    folder = tmp_path / f"user:{secret}@host"
    folder.mkdir()
    db = str(folder / "chat.db")
    key = "sk-proj-CMDLINE0123456789abcdefKEY"
    for how in ("option", "environment"):
        if how == "option":
            t = Tmux([*SESSIOND, "chat", "--db", db], clean_env(SESSIOND_ENGINE_API_KEY=key))
        else:
            env = clean_env(SESSIOND_DB=db, SESSIOND_ENGINE_API_KEY=key)
            t = Tmux([*SESSIOND, "chat"], env)
        try:
            t.at_prompt()
            t.type(f"through the {how}")
            t.keys("Enter")
            t.expect("started")  # the daemon runs
            t.at_prompt()
            children = _children(t.pid)
            assert len(children) == 1, children
            [daemon] = children
            argv = Path(f"/proc/{daemon}/cmdline").read_bytes().split(b"\0")
            assert b"serve" in argv
            assert not any(secret.encode() in arg or key.encode() in arg for arg in argv), argv
            environ = Path(f"/proc/{daemon}/environ").read_bytes().split(b"\0")
            assert f"SESSIOND_DB={db}".encode() in environ
            if how == "environment":  # then the chat's own command line holds nothing either
                assert secret.encode() not in Path(f"/proc/{t.pid}/cmdline").read_bytes()
            t.keys("C-d")
            assert t.exit_code() == 0
        finally:
            t.close()
    assert [events for _, events in history(db)] == [
        [("prompt", "through the option")],
        [("prompt", "through the environment")],
    ]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry))
    return found


def test_a_postgresql_password_is_not_on_the_daemons_command_line(postgres_url):
    from urllib.parse import urlsplit

    password = urlsplit(postgres_url).password
    assert password, "the test server's URI has no password to hide"
    t = Tmux([*SESSIOND, "chat"], clean_env(SESSIOND_DB=postgres_url))
    try:
        t.at_prompt()
        t.type("/milestone privacy")
        t.keys("Enter")
        t.expect("privacy is not set")  # the daemon runs, on the server
        t.at_prompt()
        [daemon] = _children(t.pid)
        assert password.encode() not in Path(f"/proc/{daemon}/cmdline").read_bytes()
        assert password.encode() not in Path(f"/proc/{t.pid}/cmdline").read_bytes()
        assert password.encode() in Path(f"/proc/{daemon}/environ").read_bytes()
        t.keys("C-d")
        assert t.exit_code() == 0
    finally:
        t.close()
