"""Stored text never drives the terminal: every command that shows the store
shows control characters visibly, and JSON output stays exact.

Sessions are written through a real daemon (the wire a client or an import
would use) with hostile text in every field a person sees: the events'
text, `cliVersion`, `engineBaseUrl` and the title, and (version 3) the
project, branch, source, sourceId and a reply's model. Then the real
`sessiond` commands run piped, and `ls`/`search`/`find`/`stats` also on a
pseudo-terminal, and their output is read as a terminal would receive it.
The HTML export is read as a browser would: every hostile text is text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from support.cli import SESSIOND, run
from support.daemon import started
from support.terminal import Terminal

# The attacks of issue 10, item 4, in the order they are tried on a terminal.
HOSTILE = (
    "\x1b]0;pwned\x07"  # OSC 0: sets the window title
    "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: writes the clipboard
    "\x1b[2J"  # clears the screen
    "rm -rf ~\rls"  # \r: "ls" overwrites what was shown
    "\x9b31m"  # C1 CSI: the 8-bit form of ESC [
    "\x9d0;c1\x9c"  # C1 OSC ... ST
    "\u202etxt.exe"  # bidi override: shows "exe.txt"
    "\x08\x00\x7f"  # backspace, NUL, DEL
)
FIELDS = {
    "text": "needle ",
    "cliVersion": "cli ",
    "engineBaseUrl": "http://e/",
    "title": "ti ",
    "project": "/pr ",
    "branch": "br ",
    "source": "so ",
    "sourceId": "sid ",
    "model": "mo ",
}
V3 = ("project", "branch", "source", "sourceId")

# What a terminal must never receive raw: C0 controls but \t and \n, DEL, C1
# controls, and the characters that reorder text.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Each attack shown: a visible stand-in where its control characters were.
SHOWN = {
    "OSC 0": r"\S\]0;pwned\S",
    "OSC 52": r"\S\]52;c;cHduZWQ=\S",
    "clear screen": r"\S\[2J",
    "carriage return": r"rm -rf ~(\S+| )ls",  # shown, or folded to a space on one line
    "C1 CSI": r"\S31m",
    "C1 OSC": r"\S0;c1\S",
    "bidi override": r"\Stxt\.exe",
}


def hostile(field: str) -> str:
    return FIELDS[field] + HOSTILE


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A live session and one in the trash, hostile in every shown field."""
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with started(path, log=path.parent / "daemon.log") as daemon:
        ids = {}
        for name in ("trashed", "live"):
            ids[name] = daemon.call(
                "session/start",
                {
                    "cliVersion": hostile("cliVersion"),
                    "engineBaseUrl": hostile("engineBaseUrl"),
                    **{field: hostile(field) for field in V3},
                },
            )["id"]
            for kind in ("prompt", "system"):
                meta = {"model": hostile("model")} if kind == "system" else None
                daemon.call(
                    "session/append",
                    {"sessionId": ids[name], "kind": kind, "text": hostile("text"), "meta": meta},
                )
            daemon.call("session/rename", {"sessionId": ids[name], "title": hostile("title")})
        trashed = daemon.call("session/delete", {"sessionId": ids["trashed"]})["ulid"]
        assert daemon.stop() == 0
    return {"path": str(path), "trashed": trashed}


def assert_inert(output: str, what: str) -> None:
    found = RAW.search(output)
    assert found is None, (
        f"{what} wrote {found[0]!r} raw at {found.start()}: {output[max(0, found.start() - 40) : found.end() + 40]!r}"
    )


def assert_shown(output: str, what: str, fields: tuple[str, ...]) -> None:
    for name, pattern in SHOWN.items():
        assert re.search(pattern, output), f"{what}: {name} not shown visibly:\n{output}"
    for field in fields:
        start = re.escape(FIELDS[field]) + r"\S+\]0;pwned"
        assert re.search(start, output), f"{what} does not show the {field}:\n{output}"


COMMANDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "show": (
        ["show"],
        ("title", "cliVersion", "engineBaseUrl", "text", "model", "project", "branch", "source"),
    ),
    "ls": (["ls"], ("title", "source")),
    "search": (["search", "needle"], ("title", "text")),
    "find": (["find", "needle"], ("title", "text", "source")),
    "tail": (["tail"], ("title", "text", "model")),
    "trash": (["trash"], ("title", "source")),
    "stats-model": (["stats", "--by", "model"], ("model",)),
    "stats-source": (["stats", "--by", "source"], ("source",)),
    "stats-project": (["stats", "--by", "project"], ()),
    "export-markdown": (
        ["export", "--all", "--format", "markdown"],
        ("title", "cliVersion", "engineBaseUrl", "text", "model", "project", "branch", "source"),
    ),
}


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_shows_stored_controls_visibly(db: dict[str, Any], command: str) -> None:
    args, fields = COMMANDS[command]
    done = run(*args, "--db", db["path"])
    assert done.returncode == 0, done.stderr
    assert_inert(done.stdout, f"sessiond {command}")
    assert_inert(done.stderr, f"sessiond {command} (stderr)")
    assert_shown(done.stdout, f"sessiond {command}", fields)


def test_stats_by_project_shows_its_last_parts_visibly(db: dict[str, Any]) -> None:
    """A project's row shows its last parts: the hostile name, escaped."""
    done = run("stats", "--by", "project", "--db", db["path"])
    assert done.returncode == 0, done.stderr
    assert_inert(done.stdout, "sessiond stats --by project")
    assert re.search(r"\S\]0;pwned", done.stdout), done.stdout


def test_resume_print_refuses_to_print_control_characters(db: dict[str, Any]) -> None:
    live = json.loads(run("ls", "--json", "--db", db["path"]).stdout.splitlines()[0])
    done = run("resume", live["ulid"], "--print", "--db", db["path"])
    assert done.returncode == 1 and done.stdout == ""
    assert_inert(done.stderr, "sessiond resume --print (stderr)")


def test_html_export_keeps_every_hostile_text_as_inert_text(db: dict[str, Any]) -> None:
    import html.parser

    done = run("export", "--all", "--format", "html", "--db", db["path"])
    assert done.returncode == 0, done.stderr
    assert_inert(done.stdout, "sessiond export --format html")
    texts: list[str] = []

    class Page(html.parser.HTMLParser):
        def handle_data(self, data: str) -> None:
            texts.append(data)

    Page(convert_charrefs=True).feed(done.stdout)
    assert_shown("".join(texts), "the HTML page's text", tuple(FIELDS))


def test_show_by_ulid_and_the_trashed_session(db: dict[str, Any]) -> None:
    """`show` of a session in the trash: its heading says so, still inert."""
    done = run("show", db["trashed"], "--db", db["path"])
    assert done.returncode == 0 and "in the trash" in done.stdout
    assert_inert(done.stdout, "sessiond show (trash)")
    assert_shown(done.stdout, "sessiond show (trash)", tuple(f for f in FIELDS if f != "sourceId"))


@pytest.mark.parametrize(
    "args",
    [
        ["export", "--all", "--format", "jsonl"],
        ["ls", "--json"],
        ["search", "--json", "needle"],
        ["find", "--json", "needle"],
        ["stats", "--json", "--by", "model"],
    ],
    ids=["export-jsonl", "ls-json", "search-json", "find-json", "stats-json"],
)
def test_json_output_is_exact_and_inert(db: dict[str, Any], args: list[str]) -> None:
    done = run(*args, "--db", db["path"])
    assert done.returncode == 0, done.stderr
    assert_inert(done.stdout, " ".join(args))
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert records
    for record in records:
        session = record.get("session", record)
        if "text" in record:  # an exported event
            assert record["text"] == hostile("text")
        if "cliVersion" in session:  # a Session, alone or in a Hit
            assert session["title"] == hostile("title")
            assert session["cliVersion"] == hostile("cliVersion")
            assert session["engineBaseUrl"] == hostile("engineBaseUrl")
            assert {f: session[f] for f in V3} == {f: hostile(f) for f in V3}
        if "key" in record:  # a stats row, by model
            assert record["key"] in (hostile("model"), None)


@pytest.mark.parametrize(
    "args",
    [["ls"], ["search", "needle"], ["show"], ["find", "needle"], ["stats", "--by", "model"]],
    ids=" ".join,
)
def test_on_a_terminal_only_sessiond_s_own_marks_reach_it(
    db: dict[str, Any], args: list[str]
) -> None:
    """On a pty (where widths are cut and matches coloured) the only escape
    sequences are the bold marks of `search`."""
    terminal = Terminal([*SESSIOND, *args, "--db", db["path"]])
    try:
        assert terminal.wait() == 0, terminal.screen
        raw = terminal.raw.decode()
    finally:
        terminal.close()
    received = raw.replace("\r\n", "\n").replace("\x1b[1;31m", "").replace("\x1b[0m", "")
    assert_inert(received, f"sessiond {args[0]} on a terminal")
    assert "pwned" in received
