"""The rich history on the command line (issues 21 and 22): `ls` by last
activity with where and from what, `--project` and `--source`; `show`'s
project, branch, models and tokens; `stats`; `resume`; `find`.

Histories are written through the store interface (imports' own times and
fields, on each backend: `store_db`), or by `sessiond import` of the
Claude Code fixtures; every command under test is a real `sessiond`
process, piped or on a pseudo-terminal. The rules are the contract's
"Commands, version 3" and "Precisions, version 3".
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sessiond.models import Usage, make_meta, now_ms
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.cli import SESSIOND, run
from support.importing import FIXTURES
from support.terminal import Terminal

DAY = 86_400_000
HOUR = 3_600_000


def sessiond(db: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = run(*args, "--db", db, **kwargs)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(db: str, *args: str, **kwargs: Any) -> str:
    done = sessiond(db, *args, **kwargs)
    assert done.returncode == 0, done.stderr
    return done.stdout


def in_folder(cwd: Path, db: str, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*SESSIOND, *args, "--db", db], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in done.stderr, done.stderr
    return done


def first_words(output: str) -> list[str]:
    return [line.split()[0] for line in output.splitlines()[1:] if line.strip()]


def named(word: str, ulid: str) -> bool:
    return len(word) >= 8 and ulid.startswith(word)


def day_of(ms: int) -> str:
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC).strftime("%Y-%m-%d")


class History:
    """Four sessions at known times in three projects and three sources,
    with models and usage, and one in the trash."""

    def __init__(self, db: str, root: Path) -> None:
        self.db = db
        self.root = root
        self.now = now_ms()
        # Whole UTC days ago, at noon: days apart whatever the hour now.
        self.noon = (self.now // DAY) * DAY + 12 * HOUR - (DAY if self.now % DAY < 13 * HOUR else 0)
        self.api = root / "src" / "api"
        self.web = root / "src" / "web"
        self.other = root / "elsewhere"
        for folder in (self.api, self.web / "ui", self.other):
            folder.mkdir(parents=True, exist_ok=True)
        with open_store(db) as store:
            # Started first, active last: `ls` lists it first.
            self.old = self.session(
                store,
                "old-but-busy",
                "claude-code",
                self.api,
                start=self.noon - 3 * DAY,
                turns=[
                    (0, "prompt", "Why is the deploy job slow?", None),
                    (
                        1,
                        "system",
                        "The cache is cold.",
                        make_meta("opus", Usage(100, 50, 1000, 10)),
                    ),
                    (3 * DAY - 1, "prompt", "and the docker layer cache?", None),
                    (3 * DAY, "system", "Use buildx.", make_meta("opus", Usage(10, 5))),
                ],
                branch="main",
                source_id="9a8b7c6d-0000-4000-8000-000000000001",
            )
            self.mid = self.session(
                store,
                "codex-mid",
                "codex",
                self.web / "ui",
                start=self.noon - 2 * DAY,
                turns=[
                    (0, "prompt", "Sort the table by date", None),
                    (1, "system", "Done with a key function.", make_meta("gpt-5", Usage(7, 3))),
                ],
                source_id="thread-42",
            )
            self.chat = self.session(
                store,
                "01JCHAT0000000000000000000",
                "sessiond-chat",
                self.other,
                start=self.noon - 1 * DAY,
                turns=[(0, "prompt", "a chat about bread", None)],
            )
            self.gone = self.session(
                store,
                "trashed-one",
                "claude-code",
                self.api,
                start=self.noon - 1 * DAY,
                turns=[(0, "prompt", "deploy secrets", None)],
            )
            store.delete_session(store.get_session(self.gone).id)  # type: ignore[union-attr]

    @staticmethod
    def session(
        store: Any,
        ulid: str,
        source: str,
        project: Path,
        *,
        start: int,
        turns: list[tuple[int, str, str, dict | None]],
        branch: str | None = None,
        source_id: str | None = None,
    ) -> str:
        session, _ = store.import_session(
            ImportedSession(
                ulid=ulid,
                cli_version=f"{source} 1.2.3",
                started_at=start,
                source=source,
                source_id=source_id,
                project=str(project),
                branch=branch,
            )
        )
        store.import_events(
            session.id,
            [ImportedEvent(kind, text, start + at, meta) for at, kind, text, meta in turns],
            ended_at=start + turns[-1][0],
        )
        return ulid


@pytest.fixture
def history(store_db: str, tmp_path: Path) -> History:
    return History(store_db, tmp_path)


# ls


def test_ls_lists_by_last_activity_with_source_and_project(history):
    out = ok(history.db, "ls")
    header, *rows = out.splitlines()
    assert header.split() == [
        "ID",
        "ACTIVE",
        "EVENTS",
        "SOURCE",
        "PROJECT",
        "TITLE",
        "/",
        "FIRST",
        "PROMPT",
    ]
    words = [row.split() for row in rows]
    # Last active first: the old session's last turn was at noon (today's or
    # yesterday's), after the chat (a day before) and codex's (two days).
    assert len(words) == 3  # the trash left out
    expected = [history.old, history.chat, history.mid]
    assert all(named(w[0], u) for w, u in zip(words, expected, strict=True))
    # Noon is 1 to 37 hours ago, whatever the hour now.
    old = words[0]
    assert re.fullmatch(r"\d+h|1d", old[1]) and old[2:6] == ["ago", "4", "claude-code", "src/api"]
    assert re.fullmatch(r"[23]d", words[2][1]) and words[2][2:6] == ["ago", "2", "codex", "web/ui"]
    # The project by its last parts; the client without its version.
    assert "1.2.3" not in out and str(history.root) not in out


def test_ls_by_activity_json(history):
    rows = [json.loads(line) for line in ok(history.db, "ls", "--json").splitlines()]
    activity = [r["lastActivityAt"] for r in rows]
    assert activity == sorted(activity, reverse=True)
    assert history.gone not in [r["ulid"] for r in rows]
    assert {r["ulid"] for r in rows} == {history.old, history.mid, history.chat}


def test_ls_project_a_folder_and_every_one_under_it(history):
    db = history.db
    src = history.root / "src"
    for cwd, arg in ((history.root, str(src)), (src, "."), (history.root, "src"), (src, "./")):
        done = in_folder(cwd, db, "ls", "--json", "--project", arg)
        assert done.returncode == 0, done.stderr
        got = {json.loads(line)["ulid"] for line in done.stdout.splitlines()}
        assert got == {history.old, history.mid}, (cwd, arg)
    done = in_folder(history.web, db, "ls", "--project", ".")
    assert [named(w, history.mid) for w in first_words(done.stdout)] == [True]
    nothing = in_folder(history.root / "elsewhere", db, "ls", "--project", "nope")
    assert nothing.returncode == 0 and nothing.stdout.startswith("no sessions in ")
    assert sessiond(db, "ls", "--project", "").returncode == 2


def test_ls_source(history):
    out = ok(history.db, "ls", "--source", "codex")
    assert [named(w, history.mid) for w in first_words(out)] == [True]
    wrong = ok(history.db, "ls", "--source", "claude")
    assert wrong.strip() == (
        "no sessions from 'claude'; the sources here are claude-code, codex, sessiond-chat"
    )


def test_ls_project_and_source_together(history):
    both = sessiond(history.db, "ls", "--project", str(history.api), "--source", "claude-code")
    assert both.returncode == 0
    assert [named(w, history.old) for w in first_words(both.stdout)] == [True]


# show


def test_show_names_project_branch_models_and_tokens(history):
    out = ok(history.db, "show", history.old)
    head = out.split("\n\n", 1)[0].splitlines()
    assert f"project {history.api} (branch main)" in head
    assert "source claude-code (its id there: 9a8b7c6d-0000-4000-8000-000000000001)" in head
    assert "model opus" in head
    assert "tokens 110 in, 55 out, 1,000 read from cache, 10 written to cache" in head
    assert head[-1] == "4 events"
    replies = [line for line in out.splitlines() if "The cache is cold." in line]
    assert replies and replies[0].split()[2] == "opus"  # a reply named by its model
    one = ok(history.db, "show", history.chat)
    assert "1 event\n" in one and "1 events" not in one


# stats


def test_stats_by_day_json_and_table(history):
    rows = [json.loads(line) for line in ok(history.db, "stats", "--json").splitlines()]
    days = {day_of(history.noon - n * DAY): n for n in range(4)}
    by_day = {r["key"]: r for r in rows}
    assert [r["key"] for r in rows] == sorted(by_day, reverse=True)  # newest first
    assert set(by_day) <= set(days)
    start = by_day[day_of(history.noon - 3 * DAY)]
    assert (start["sessions"], start["prompts"], start["replies"]) == (1, 1, 1)
    assert (start["inputTokens"], start["outputTokens"], start["cacheReadTokens"]) == (
        100,
        50,
        1000,
    )
    assert sum(r["prompts"] for r in rows) == 4  # the trash left out
    table = ok(history.db, "stats").splitlines()
    assert table[0].split()[:5] == ["DAY", "(UTC)", "SESSIONS", "PROMPTS", "REPLIES"]
    assert len(table) == 1 + len(rows)
    # A bar per row with tokens, as long as its share of the largest (40
    # cells when piped), in eighths of a cell.
    bars = {line.split()[0]: line.split()[-1] for line in table[1:]}
    assert bars[day_of(history.noon - 3 * DAY)] == "█" * 40
    assert bars[day_of(history.noon - 1 * DAY)] == "0"  # no tokens, no bar
    assert set(bars[day_of(history.noon)]) <= set("▏▎▍▌▋▊▉")


def test_stats_by_model_project_source(history):
    def rows(by: str) -> dict[Any, dict[str, Any]]:
        lines = ok(history.db, "stats", "--by", by, "--json").splitlines()
        return {r["key"]: r for r in map(json.loads, lines)}

    models = rows("model")
    assert models["opus"]["replies"] == 2 and models["gpt-5"]["outputTokens"] == 3
    projects = rows("project")
    assert projects[str(history.api)]["sessions"] == 1
    sources = rows("source")
    assert set(sources) == {"claude-code", "codex", "sessiond-chat"}
    table = ok(history.db, "stats", "--by", "project")
    assert "src/api" in table and "PROJECT" in table.splitlines()[0]


def test_stats_since(history):
    two = [
        json.loads(line) for line in ok(history.db, "stats", "--since", "2d", "--json").splitlines()
    ]
    assert {r["key"] for r in two} <= {day_of(history.now), day_of(history.now - DAY)}
    date = day_of(history.noon - 2 * DAY)
    since = [
        json.loads(line) for line in ok(history.db, "stats", "--since", date, "--json").splitlines()
    ]
    assert min(r["key"] for r in since) == date
    for bad in ("yesterday", "0d", "2026-02-30"):
        done = sessiond(history.db, "stats", "--since", bad)
        assert done.returncode == 2 and "--since" in done.stderr, bad


# resume


def fake_program(folder: Path, name: str) -> Path:
    """A stand-in for `name` on PATH that records its arguments and folder
    (the real tools cannot run here; their resume commands are the importers'
    `Source.resume`)."""
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\n" "$PWD" "$@" > "{folder}/{name}.args"\n'
        f'printf "%s\\n" "$SESSIOND_DB" > "{folder}/{name}.env"\n'
    )
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return folder


def test_resume_print_shows_the_source_s_command_in_its_folder(history):
    out = ok(history.db, "resume", history.old[:8], "--print")
    assert out.strip() == (
        f"cd {shlex.quote(str(history.api))} && claude --resume 9a8b7c6d-0000-4000-8000-000000000001"
    )
    assert "codex resume thread-42" in ok(history.db, "resume", history.mid, "--print")
    chat = ok(history.db, "resume", history.chat, "--print")
    assert chat.strip().endswith(f"chat --continue {history.chat}")


def test_resume_runs_the_program_in_the_project_folder(history, tmp_path):
    bin_ = fake_program(tmp_path / "bin", "claude")
    env = {"PATH": f"{bin_}:{os.environ['PATH']}"}
    done = sessiond(history.db, "resume", history.old, env=env)
    assert done.returncode == 0, done.stderr
    args = (bin_ / "claude.args").read_text().splitlines()
    assert args == [str(history.api), "--resume", "9a8b7c6d-0000-4000-8000-000000000001"]


def test_resume_of_sessiond_chat_passes_the_database_by_environment(history, tmp_path):
    bin_ = fake_program(tmp_path / "bin", "sessiond")
    env = {"PATH": f"{bin_}:{os.environ['PATH']}"}
    done = sessiond(history.db, "resume", history.chat, env=env)
    assert done.returncode == 0, done.stderr
    args = (bin_ / "sessiond.args").read_text().splitlines()
    assert args == [str(history.other), "chat", "--continue", history.chat]
    assert (bin_ / "sessiond.env").read_text().strip() == history.db  # never on the command line


def test_resume_says_what_to_install_and_when_it_cannot(history, tmp_path):
    db = history.db
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    env = {"PATH": str(empty)}
    done = sessiond(db, "resume", history.old, env={**env, "PATH": f"{empty}:/usr/bin:/bin"})
    assert done.returncode == 1
    assert "claude is not installed" in done.stderr
    assert "npm install -g @anthropic-ai/claude-code" in done.stderr
    with open_store(db) as store:
        aider = History.session(
            store,
            "aider-run",
            "aider",
            history.api,
            start=history.noon,
            turns=[(0, "prompt", "x", None)],
        )
        lost = History.session(
            store,
            "codex-old",
            "codex",
            history.root / "gone",
            start=history.noon,
            turns=[(0, "prompt", "y", None)],
            source_id="thread-7",
        )
        bare = store.start_session("someone 1.0").ulid
        code = store.start_session("vscode 1", source="vscode", project=str(history.web)).ulid
        sneaky = History.session(
            store,
            "sneaky",
            "claude-code",
            history.api,
            start=history.noon,
            turns=[(0, "prompt", "z", None)],
            source_id="--dangerously-skip-permissions",
        )
    for ulid, words in (
        (aider, "aider has no command that reopens a session"),
        (bare, "it has no source"),
        (code, f"code {shlex.quote(str(history.web))}"),
        (sneaky, "is not one sessiond puts on a command line"),
    ):
        done = sessiond(db, "resume", ulid)
        assert done.returncode == 1 and words in done.stderr, (ulid, done.stderr)
        assert done.stdout == ""
    bin_ = fake_program(tmp_path / "bin", "codex")
    done = sessiond(db, "resume", lost, env={"PATH": f"{bin_}:{os.environ['PATH']}"})
    assert done.returncode == 1 and "is not there any more" in done.stderr
    assert not (bin_ / "codex.args").exists()
    assert sessiond(db, "resume", "ZZZZZZZZ").returncode == 3


# find


def test_find_prints_a_block_per_session_with_its_best_turns(history):
    out = ok(history.db, "find", "deploy", "docker")
    blocks = out.strip().split("\n\n")
    assert len(blocks) == 1  # the trashed "deploy secrets" is never found
    heading, *turns = blocks[0].splitlines()
    assert named(heading.split()[0], history.old) and "claude-code" in heading
    assert "src/api" in heading and "Why is the deploy job slow?" in heading
    assert turns and all(line.startswith("    ") for line in turns)
    assert any("docker" in line and "prompt" in line for line in turns)


def test_find_json_relaxed_and_filters(history):
    lines = ok(history.db, "find", "deploy", "--json").splitlines()
    [result] = [json.loads(line) for line in lines]
    assert set(result) == {"session", "score", "hits"} and result["session"]["ulid"] == history.old
    assert result["hits"][0]["highlights"]
    relaxed = sessiond(history.db, "find", "bread", "zeppelin")
    assert relaxed.returncode == 0
    assert relaxed.stdout.startswith("(relaxed: no session holds every word; the closest)\n")
    assert named(relaxed.stdout.split("\n\n")[1].split()[0], history.chat)
    as_json = sessiond(history.db, "find", "bread", "zeppelin", "--json")
    assert (
        "relaxed" in as_json.stderr
        and json.loads(as_json.stdout)["session"]["ulid"] == history.chat
    )
    none = sessiond(history.db, "find", "deploy", "--source", "codex")
    assert none.returncode == 1 and none.stdout == "" and none.stderr == ""  # piped: no word
    assert ok(history.db, "find", "sort", "--project", str(history.web)).count("\n\n") == 0
    assert sessiond(history.db, "find", "x", "-n", "101").returncode == 2


def test_find_and_search_on_a_terminal_mark_matches_and_say_no_matches(history):
    for args, code in (
        (["find", "docker"], 0),
        (["search", "docker"], 0),
        (["find", "zeppelin"], 1),
        (["search", "zeppelin"], 1),
    ):
        terminal = Terminal([*SESSIOND, *args, "--db", history.db])
        try:
            assert terminal.wait() == code, terminal.screen
        finally:
            terminal.close()
        if code == 0:
            assert b"\x1b[1;31mdocker\x1b[0m" in terminal.raw
        else:
            assert terminal.screen.strip() == "no matches"


# Sub-agents, imported as Claude Code keeps them


@pytest.fixture
def claude(tmp_path: Path) -> str:
    db = str(tmp_path / "claude.db")
    ok(db, "import", "claude-code", str(FIXTURES / "claude-code" / "projects"))
    return db


def test_sub_agents_are_listed_under_their_parent_and_named_by_it(claude):
    parent = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"
    with open_store(claude) as store:
        children = [s for s in store.list_sessions(100) if s.parent_ulid == parent]
    assert children, "the fixture has a sub-agent"
    lines = ok(claude, "ls").splitlines()
    at = next(i for i, line in enumerate(lines) if line.split()[0] == parent[:8])
    child_line = lines[at + 1]
    assert child_line.startswith("  " + parent[:8] + "_")
    name = child_line.split()[0]
    assert children[0].ulid.startswith(name.replace(parent[:8], parent, 1))
    # The parent's prefix names the parent; PARENT_AGENT names the sub-agent.
    assert f"\nsession {parent} " in ok(claude, "show", parent[:8])
    assert f"session {children[0].ulid} " in ok(claude, "show", name)
    # "The latest" is never a sub-agent.
    latest = ok(claude, "show").splitlines()
    assert not any(line.startswith("session ") and "_" in line.split()[1] for line in latest)
    printed = ok(claude, "resume", parent[:8], "--print")
    assert printed.strip() == f"cd /home/ann/proj && claude --resume {parent}"
