"""`sessiond chat` with its input piped: what sessions it records, the model
it asks for, how it names replies, and the options it passes on.

The real command runs with real pipes; replies come from the engine
stand-in over real HTTP; the store is read back through a daemon of its
own, over the wire.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from sessiond.cli.chat.daemon_client import Client
from sessiond.daemon.engine import chat_model
from support.chatting import chat, clean_env, history, wire
from support.engine import FakeOpenAI, Reply

# slow: a real terminal (pty or tmux) and a daemon per test; out of the fast loop.
pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "chat.db")


@pytest.fixture
def engine() -> Any:
    with FakeOpenAI() as fake:
        yield fake


def test_a_chat_session_says_its_source_and_the_folder_it_was_held_in(db, tmp_path):
    folder = tmp_path / "a project"
    folder.mkdir()
    done = chat(db, "a note\n", cwd=str(folder))
    assert done.returncode == 0, done.stderr
    [(session, _)] = history(db)
    assert session["source"] == "sessiond-chat"
    assert session["project"] == os.path.realpath(folder)
    assert session["cliVersion"].startswith("sessiond-chat ")


def test_log_options_go_to_the_chats_daemon(db, tmp_path):
    after = tmp_path / "after.log"
    done = chat(db, "logged\n", "--log-level", "debug", "--log-file", str(after))
    assert done.returncode == 0, done.stderr
    assert "serving" in after.read_text()  # the daemon's own info line
    before = tmp_path / "before.log"
    done = chat_root(db, "logged too\n", "--log-level", "info", "--log-file", str(before))
    assert done.returncode == 0, done.stderr
    assert "serving" in before.read_text()
    assert "DEBUG" not in before.read_text()
    assert [e for _, e in history(db)] == [[("prompt", "logged")], [("prompt", "logged too")]]


def chat_root(db: str, stdin: str, *before: str) -> Any:
    """`sessiond OPTIONS chat`: the options before the verb."""
    import subprocess

    from support.chatting import SESSIOND

    return subprocess.run(
        [*SESSIOND, *before, "chat", "--db", db],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(),
    )


def test_sessions_says_how_many_more_there_are(db):
    chat(db, "the first\n")
    [(first, _)] = history(db)
    client = Client.spawn(db)
    try:
        client.initialize("seed")
        for i in range(22):
            client.request("session/start", {"cliVersion": f"seed {i}"})
    finally:
        client.close()
    done = chat(db, "/sessions\n")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    # The client is shown without its version: each row ends in "seed".
    assert sum(line.rstrip().endswith(" seed") for line in lines) == 20  # the newest 20
    assert first["ulid"] not in done.stdout
    assert "... and 3 more (`sessiond ls -n N` lists more)" in lines


def test_sessions_says_nothing_more_when_all_are_shown(db):
    chat(db, "only one\n")
    done = chat(db, "/sessions\n")
    assert "only one" in done.stdout and "more" not in done.stdout


def test_chat_models_are_told_from_other_models():
    # Ids as OpenAI's and Ollama's /models list them.
    others = [
        "text-embedding-3-small",
        "text-embedding-ada-002",
        "nomic-embed-text:latest",
        "mxbai-embed-large:latest",
        "bge-m3:latest",
        "all-minilm:33m",
        "whisper-1",
        "tts-1-hd",
        "gpt-4o-mini-tts",
        "gpt-4o-transcribe",
        "gpt-4o-audio-preview",
        "gpt-4o-realtime-preview",
        "dall-e-3",
        "gpt-image-1",
        "omni-moderation-latest",
        "text-moderation-stable",
    ]
    chats = ["gpt-4o-mini", "llama3.2:latest", "qwen2.5-coder:7b", "o3-mini", "mistral:7b"]
    for model in others:
        assert chat_model([model]) is None, model
    for model in chats:
        assert chat_model([*others, model, "gpt-4o"]) == model
    assert chat_model([]) is None


def test_replies_are_called_by_their_model_or_reply(db, engine):
    engine.script = [Reply(["an answer"], served_model="gpt-4o-mini-2024-07-18")]
    done = chat(db, "a question\n/replay\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    [(session, _)] = history(db)
    wire(db, "session/end", {"sessionId": session["id"]})
    # A reply stored by another client, without a model.
    other = wire(db, "session/start", {"cliVersion": "other"})
    client_append(db, other["id"], "system", "a reply of no known model")
    out = done.stdout
    assert "gpt-4o-mini-2024-07-18 an answer" in " ".join(out.split())
    assert " system " not in out
    replayed = chat(db, f"/continue {other['ulid']}\n/replay\n")
    assert "reply       a reply of no known model" in replayed.stdout
    assert " system " not in replayed.stdout


def client_append(db: str, session_id: int, kind: str, text: str) -> None:
    wire(db, "session/append", {"sessionId": session_id, "kind": kind, "text": text})


def test_the_first_reply_names_its_model_and_engine_once(db, engine):
    engine.script = [Reply(["one"], served_model="served-1"), Reply(["two"])]
    done = chat(db, "first\nsecond\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    named = f"(the reply came from served-1, at {engine.base_url})"
    assert done.stdout.count("(the reply came from") == 1
    assert done.stdout.splitlines().index(named) == done.stdout.splitlines().index("one") + 1


def test_model_names_the_engines_model(db, engine):
    engine.script = [Reply(["fine"])]
    done = chat(db, "hi\n", "--engine-base-url", engine.base_url, "--model", "fake-model-2")
    assert done.returncode == 0, done.stderr
    assert [r.body["model"] for r in engine.chat_requests()] == ["fake-model-2"]
    assert "(the reply came from fake-model-2," in done.stdout


def test_the_daemons_model_setting_is_kept_without_model(db, engine):
    engine.script = [Reply(["fine"])]
    env = clean_env(SESSIOND_ENGINE_MODEL="fake-model-2")
    done = chat(db, "hi\n", "--engine-base-url", engine.base_url, env=env)
    assert done.returncode == 0, done.stderr
    assert [r.body["model"] for r in engine.chat_requests()] == ["fake-model-2"]


def test_an_engine_that_lists_no_models_gets_a_model_suggestion(db, engine):
    engine.models = []
    done = chat(db, "hi\nagain\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert sum(line.startswith("no reply:") for line in lines) == 2
    assert sum("Start the chat with --model NAME" in line for line in lines) == 1, done.stdout
    assert engine.chat_requests() == []


def test_without_model_the_daemon_chooses_a_chat_model_among_those_listed(db, engine):
    engine.models = [
        "text-embedding-3-small",
        "nomic-embed-text:latest",
        "whisper-1",
        "tts-1-hd",
        "dall-e-3",
        "gpt-image-1",
        "omni-moderation-latest",
        "gpt-4o-mini",
        "gpt-4o",
    ]
    engine.script = [Reply(["fine"])]
    done = chat(db, "hi\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    assert [r.body["model"] for r in engine.chat_requests()] == ["gpt-4o-mini"]


def test_without_model_an_engine_of_no_chat_model_gets_a_model_suggestion(db, engine):
    engine.models = ["text-embedding-3-small", "whisper-1"]
    done = chat(db, "hi\n", "--engine-base-url", engine.base_url)
    assert done.returncode == 0, done.stderr
    assert "lists no chat model (only text-embedding-3-small, whisper-1)" in done.stdout
    assert "Start the chat with --model NAME" in done.stdout
    assert engine.chat_requests() == []


def test_an_answer_too_large_to_read_is_an_error_line_not_a_hang(db):
    # A store written before titles were clipped (version 2's `import
    # sessiond` kept 4 MiB titles): /sessions asks for more than the chat's
    # client reads (16 MiB a message), which used to wait forever.
    chat(db, "first\n")
    client = Client.spawn(db)
    try:
        client.initialize("seed")
        for _ in range(24):
            client.request("session/start", {"cliVersion": "seed"})
    finally:
        client.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sessions SET title = ?", ("t" * (4 * 2**20),))
    conn.close()
    done = chat(db, "/sessions\nafter\n")
    assert done.returncode == 0, done.stderr
    assert "error: the daemon's answer to session/list was " in done.stdout
    assert "more than this client reads (16 MiB)" in done.stdout
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE sessions SET title = NULL")
    conn.close()
    *_, (_, events) = history(db)
    assert events == [("prompt", "after")]  # the chat went on
