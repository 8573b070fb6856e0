"""The terminal for people (issue 26): options anywhere and a did-you-mean,
short ULIDs, plurals and "N more" hints, replies called replies, `tail -f`
that starts with the last turns, exports that render (markdown), that a
program can read (JSON lines, the session first) and that a browser shows
safely (one self-contained HTML page), and `restore` of a session that is
not in the trash.

Every command is a real `sessiond` process, piped or on a pseudo-terminal
(`support.terminal`); the widths of tables are held in tmux by
test_cli_tmux.py.
"""

from __future__ import annotations

import html.parser
import json
import queue
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sessiond.models import make_meta
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.cli import SESSIOND, run
from support.importing import FIXTURES
from support.terminal import Terminal

TIMEOUT = 30


def sessiond(db: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = run(*args, "--db", db, **kwargs)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(db: str, *args: str, **kwargs: Any) -> str:
    done = sessiond(db, *args, **kwargs)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "people.db")


def start(db: str, *turns: tuple[str, str], title: str | None = None, **fields: Any) -> str:
    with open_store(db) as store:
        session = store.start_session("people-test 1.0", **fields)
        if turns:
            store.append_many([(session.id, kind, text) for kind, text in turns])
        if title:
            store.rename_session(session.id, title)
        return session.ulid


# Parsing: options anywhere, a did-you-mean


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("lss", "ls"), ("serach", "search"), ("stat", "stats"), ("exprot", "export")],
)
def test_a_mistyped_verb_gets_a_did_you_mean(db, typed, meant):
    done = sessiond(db, typed)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr == f"sessiond: unknown command {typed!r}; did you mean {meant!r}?\n"


def test_a_verb_like_nothing_lists_the_verbs(db):
    done = sessiond(db, "xyzzy\x1b[2J")
    assert done.returncode == 2 and "\x1b" not in done.stderr
    assert "the commands are serve, chat, ls, show" in done.stderr


def test_import_with_options_after_its_source_and_paths(tmp_path):
    db = str(tmp_path / "import.db")
    folder = str(FIXTURES / "claude-code" / "projects")
    done = run("import", "claude-code", "--db", db, folder)
    assert done.returncode == 0, done.stderr
    assert "5d0f1a52" in ok(db, "ls")
    alone = run("import", "--db", db)
    assert alone.returncode == 2 and "say which history to import" in alone.stderr
    assert "required" not in alone.stderr


def test_import_source_watch_path_follows(tmp_path):
    """`sessiond import claude-code --watch PATH`: the order of issue 26."""
    db = str(tmp_path / "watch.db")
    folder = str(FIXTURES / "claude-code" / "projects")
    watcher = subprocess.Popen(
        [*SESSIOND, "import", "claude-code", "--watch", folder, "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert watcher.stderr is not None
        for line in watcher.stderr:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen = []
    try:
        deadline = time.monotonic() + TIMEOUT
        while not any("watching" in line for line in seen):  # the first pass is done
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, f"the watch ended on its own: {seen}"
            seen.append(line)
        watcher.send_signal(signal.SIGINT)
        out, _ = watcher.communicate(timeout=TIMEOUT)
        assert watcher.returncode == 0, seen
    finally:
        if watcher.poll() is None:
            watcher.kill()
            watcher.wait()
    assert not any("Traceback" in line for line in seen)
    assert "Imported from claude-code: 5 new sessions" in out, out
    assert "5d0f1a52" in ok(db, "ls")


def test_search_takes_a_dash_word_as_an_exclusion_not_an_option(db):
    git = start(db, ("prompt", "git rebase onto main"))
    start(db, ("prompt", "git and docker compose"))
    done = run("search", "--db", db, "git", "-docker")
    assert done.returncode == 0, done.stderr
    assert git.startswith(done.stdout.split()[0]) and "docker" not in done.stdout
    # Options still count anywhere, and `--` makes the rest query words.
    again = run("search", "-n", "5", "git", "--db", db, "--json", "-docker").stdout
    assert [json.loads(line)["session"]["ulid"] for line in again.splitlines()] == [git]
    assert run("search", "--db", db, "--", "-git").returncode == 2  # only left-out words


def test_rename_takes_a_title_of_several_words(db):
    ulid = start(db, ("prompt", "hello"))
    assert ok(db, "rename", ulid, "two", "words").strip() == f"{ulid}: two words"
    dashed = run("rename", "--db", db, ulid, "--", "-dashed", "title")
    assert dashed.stdout.strip() == f"{ulid}: -dashed title"
    assert ok(db, "rename", ulid, "").strip() == f"{ulid}: hello"


@pytest.mark.parametrize("verb", ["show", "resume", "rm", "export"])
def test_after_dashes_a_word_like_an_option_is_a_ulid(db, verb):
    start(db, ("prompt", "hello"))
    done = run(verb, "--db", db, "--", "-h")
    assert done.returncode == 3, done.stdout  # not the help page
    assert "no session's ULID is or starts with '-h'" in done.stderr
    assert "usage:" not in done.stdout + done.stderr


# Short ULIDs, plurals, hints


def test_short_ulids_are_the_shortest_unique_prefix_of_8_or_more(db):
    with open_store(db) as store:
        for ulid in (
            "01K0AAAAA1ZZZZZZZZZZZZZZZZ",
            "01K0AAAAA2ZZZZZZZZZZZZZZZZ",
            "01K0BBBBBBZZZZZZZZZZZZZZZZ",
        ):
            session, _ = store.import_session(ImportedSession(ulid, "t", 1_700_000_000_000))
            store.import_events(session.id, [ImportedEvent("prompt", ulid, 1_700_000_000_000)])
    ids = sorted(line.split()[0] for line in ok(db, "ls").splitlines()[1:])
    assert ids == ["01K0AAAAA1", "01K0AAAAA2", "01K0BBBB"]
    for short in ids:
        assert (
            ok(db, "show", short).count("\nsession 01K0")
            + ok(db, "show", short).startswith("session 01K0")
            == 1
        )


def test_plurals(db):
    ulid = start(db, ("prompt", "only one"))
    assert ok(db, "show", ulid).split("\n\n")[0].endswith("\n1 event")
    ok(db, "rm", ulid)
    done = ok(db, "trash", "empty", "--yes")
    assert "this removes 1 session and its 1 event for good" in done
    assert "removed 1 session for good" in done


def test_cut_lists_say_how_many_more(db):
    with open_store(db) as store:
        for n in range(25):
            session = store.start_session("many")
            store.append(session.id, "prompt", f"the word the, number {n}")
    search = sessiond(db, "search", "the")
    assert search.returncode == 0 and len(search.stdout.splitlines()) == 40
    assert search.stderr == "more hits than these 20 (-n 40)\n"
    assert sessiond(db, "search", "the", "-n", "25").stderr == ""
    listed = sessiond(db, "ls", "-n", "10")
    assert listed.stderr == "15 more (-n 25)\n"
    found = sessiond(db, "find", "the", "-n", "3")
    assert found.stderr == "more sessions than these 3 (-n 6)\n"


def test_restore_of_a_session_not_in_the_trash_says_so(db):
    ulid = start(db, ("prompt", "keep me"))
    assert (
        ok(db, "restore", ulid).strip()
        == f"{ulid} is not in the trash: nothing to restore (keep me)"
    )
    ok(db, "rm", ulid)
    assert ok(db, "restore", ulid).startswith(f"restored {ulid}")


# Replies called replies


def test_replies_are_called_reply_or_by_their_model(db):
    with open_store(db) as store:
        session = store.start_session("t")
        store.append_many(
            [
                (session.id, "prompt", "question"),
                (session.id, "system", "plain answer", None),
                (session.id, "system", "answer by a model", make_meta(model="qwen3:8b")),
            ]
        )
        ulid = session.ulid
    for args in (["show", ulid], ["tail", ulid], ["find", "answer"]):
        out = ok(db, *args)
        assert "system" not in out, args
        if args[0] != "find":
            kinds = {
                line.split()[3]: line.split()[2] for line in out.splitlines() if "answer" in line
            }
            assert kinds == {"plain": "reply", "answer": "qwen3:8b"}, (args, out)
    replies = ok(db, "search", "answer", "--kind", "reply").splitlines()
    assert [line.split()[2] for line in replies[::2]] == ["reply", "reply"]
    markdown = ok(db, "export", ulid)
    assert "## 2. reply · " in markdown and "## 3. qwen3:8b · " in markdown
    assert "system" not in markdown
    # The wire keeps `system`.
    assert [
        r.get("kind")
        for r in map(json.loads, ok(db, "export", ulid, "--format", "jsonl").splitlines())
    ][1:] == ["prompt", "system", "system"]


# tail -f


def test_tail_follow_prints_the_latest_s_last_10_turns_first(db):
    ulid = start(db, *[("prompt", f"turn {n:02}") for n in range(1, 13)])
    follower = Terminal([*SESSIOND, "tail", "-f", "--db", db])
    try:
        follower.expect(f"== {ulid}")
        follower.expect("turn 03")
        follower.expect("turn 12")
        assert "turn 02" not in follower.screen
        with open_store(db) as store:
            store.append(store.get_session(ulid).id, "system", "a new reply")  # type: ignore[union-attr]
        follower.expect("a new reply")
        assert "turn 12" not in follower.screen.split("turn 12", 1)[1]  # never shown twice
        follower.type(b"\x03")
        assert follower.wait() == 0
    finally:
        follower.close()


# Exports


HOSTILE_HTML = (
    '<script>alert(1)</script></style><img src=x onerror="alert(2)">'
    "\" onmouseover='alert(3)' </textarea><!-- --><iframe src=http://evil/>&amp;"
)


@pytest.fixture
def exported(db: str) -> str:
    with open_store(db) as store:
        session = store.start_session(HOSTILE_HTML[:100], engine_base_url="http://e/<b>x</b>")
        store.append_many(
            [
                (session.id, "prompt", "How do I list files?\n# not a heading\n" + HOSTILE_HTML),
                (
                    session.id,
                    "system",
                    "Use **ls**:\n\n```sh\nls -la <dir>\n```\n\nor `<b>` " + HOSTILE_HTML,
                    make_meta(model="m<1>"),
                ),
                (session.id, "command", "ls\n```\nfile ``` inside"),
                (session.id, "system", "an open fence\n```python\nprint('x')"),
                (session.id, "prompt", "after the open fence"),
            ]
        )
        store.rename_session(session.id, "Files <script>x</script>")
        return session.ulid


def test_markdown_export_renders(db, exported):
    md = ok(db, "export", exported)
    assert md.startswith("# Files &lt;script>x&lt;/script>\n")
    # A person's turn quoted, HTML in it shown as text.
    assert "\n> How do I list files?\n> # not a heading\n> &lt;script>alert(1)&lt;/script>" in md
    # A reply as its own markdown: its code block kept, raw HTML shown as text
    # outside code, as it is inside.
    assert "Use **ls**:\n\n```sh\nls -la <dir>\n```\n\nor `<b>` &lt;script>" in md
    # A command fenced, with a fence longer than any run in it.
    assert "\n````text\nls\n```\nfile ``` inside\n````\n" in md
    # A reply that opens a fence and never closes it is closed: the next turn
    # is a heading again.
    assert "print('x')\n```\n\n## 5. prompt · " in md
    assert "<script" not in md and "<iframe" not in md and "<img" not in md


class Page(html.parser.HTMLParser):
    """What a browser would build from the page: its elements, attributes
    and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_export_is_one_safe_self_contained_page(db, exported):
    page_text = ok(db, "export", exported, "--format", "html")
    page = Page()
    page.feed(page_text)
    page.close()
    assert page_text.startswith("<!DOCTYPE html>") and page_text.rstrip().endswith("</html>")
    # Nothing runs, nothing loads: no script, no element that fetches, no
    # event handler, and a policy that forbids it all anyway.
    assert set(page.tags) <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "section",
        "h1",
        "dl",
        "dt",
        "dd",
        "div",
        "time",
    }
    assert not [name for name, _ in page.attrs if name.startswith("on") or name in ("src", "href")]
    assert "default-src 'none'" in page_text
    # Every hostile text is there, as text.
    text = "".join(page.text)
    assert HOSTILE_HTML in text and "Files <script>x</script>" in text
    assert "ls -la <dir>" in text and "m<1>" in text
    assert page_text.count("<style>") == 1 and page_text.count("</style>") == 1
    every = ok(db, "export", "--all", "--format", "html")
    assert every.count("<section") == 1 and every.count("<!DOCTYPE html>") == 1


def test_jsonl_export_starts_with_the_session(db, exported):
    first, *events = map(json.loads, ok(db, "export", exported, "--format", "jsonl").splitlines())
    assert list(first) == ["session"] and first["session"]["ulid"] == exported
    assert first["session"]["title"] == "Files <script>x</script>"
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
    assert events[0]["text"].endswith(HOSTILE_HTML)


# Speed: --help loads no verb, a verb loads only itself


LOADED = """
import contextlib, io, sys
from sessiond.cli import main
with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
    main(sys.argv[1:])
print(" ".join(sorted(sys.modules)))
"""


def loaded_by(*args: str) -> set[str]:
    """The modules `sessiond ARGS` loaded (a process of its own)."""
    import sys

    done = subprocess.run(
        [sys.executable, "-c", LOADED, *args], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return set(done.stdout.split())


def test_help_loads_neither_the_store_nor_any_verb():
    loaded = loaded_by("--help")
    heavy = {"sessiond.store", "sessiond.wire.params", "sessiond.cli.ls", "attrs", "pygls"}
    assert "sessiond.cli" in loaded and not heavy & loaded, heavy & loaded
    verb = loaded_by("ls", "--help")
    assert "sessiond.cli.ls" in verb and "sessiond.cli.search" not in verb
    assert "sessiond.store" not in verb


def test_the_cli_s_limit_is_the_wire_s():
    from sessiond.cli.common import MAX_LIMIT
    from sessiond.wire import params

    assert MAX_LIMIT == params.MAX_LIMIT
