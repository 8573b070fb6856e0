"""The version-2 command line as a person uses it: search, rename, rm,
restore, trash [empty], end, tail [-f], and ls/show/export at their edges.

Each history is written to a real file through the store interface (quick
to seed); every command under test is a real `sessiond` process, piped or on
a pseudo-terminal. The rules are the contract's "Commands, version 2" and
protocol.md's "Search" and "The trash".
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from sessiond.store import open_store
from support.cli import SESSIOND, run
from support.daemon import TIMEOUT, digest, started
from support.terminal import Terminal

LONG = "Where can I buy bread and an apple near the old station of the town, please tell me"


def seed(db: str) -> dict[str, str]:
    """Five sessions, oldest first; their ULIDs by name."""
    ulids = {}
    with open_store(db) as store:
        for name, title, turns in (
            ("fruit", "Fruit talk", [("prompt", "apple apple"), ("system", "bananas are yellow")]),
            ("bread", None, [("prompt", LONG), ("system", "Café au lait")]),
            ("split", None, [("prompt", "banana split recipe")]),
            ("twin1", None, [("prompt", "identical twin text")]),
            ("twin2", None, [("prompt", "identical twin text")]),
        ):
            session = store.start_session("cli-v2 test")
            for kind, text in turns:
                store.append(session.id, kind, text)
            if title:
                store.rename_session(session.id, title)
            ulids[name] = session.ulid
    return ulids


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "v2.db")


@pytest.fixture
def ulids(db: str) -> dict[str, str]:
    return seed(db)


def unique_prefix(ulid: str, ulids: dict[str, str]) -> str:
    """The shortest prefix of `ulid` that no other seeded session shares (ULIDs
    made in one millisecond differ only in their last characters)."""
    others = [u for u in ulids.values() if u != ulid]
    size = next(n for n in range(1, 27) if not any(o.startswith(ulid[:n]) for o in others))
    return ulid[:size]


def sessiond(db: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    done = run(*args, "--db", db, **kwargs)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(db: str, *args: str, **kwargs: Any) -> str:
    done = sessiond(db, *args, **kwargs)
    assert done.returncode == 0, done.stderr
    return done.stdout


def listed(db: str, *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in ok(db, "ls", "--json", *args).splitlines()]


def shows(output: str, ulid: str) -> bool:
    """Whether a table or hit list names `ulid`: a line's first word is a
    prefix of it of 8 characters or more (a short ULID, as git's)."""
    return any(
        len(word) >= 8 and ulid.startswith(word)
        for word in (line.split()[0] for line in output.splitlines() if line.split())
    )


# search


def test_search_prints_hits_best_first_with_title_or_preview(db, ulids):
    lines = ok(db, "search", "apple").splitlines()
    assert len(lines) == 4  # two hits: a heading line and a snippet line each
    # Best first: "apple apple" ranks above the newer, longer text.
    assert shows(lines[0], ulids["fruit"]) and "prompt" in lines[0]
    assert "Fruit talk" in lines[0] and lines[1].strip() == "apple apple"
    assert shows(lines[2], ulids["bread"]) and LONG[:40] in lines[2]  # its preview
    assert "apple" in lines[3]
    # Equal matches: the newest first.
    twins = ok(db, "search", "twin").splitlines()
    assert shows(twins[0], ulids["twin2"]) and shows(twins[2], ulids["twin1"])
    # Diacritics and case are ignored: cafe finds Café; a reply is called one.
    cafe = ok(db, "search", "CAFE")
    assert "Café au lait" in cafe and " reply " in cafe and "system" not in cafe


def test_search_that_finds_nothing_exits_1(db, ulids):
    done = sessiond(db, "search", "zeppelin")
    assert done.returncode == 1 and done.stdout == ""


def test_search_json_prints_hit_objects(db, ulids):
    hits = [json.loads(line) for line in ok(db, "search", "apple", "--json").splitlines()]
    assert [h["session"]["ulid"] for h in hits] == [ulids["fruit"], ulids["bread"]]
    for hit in hits:
        assert set(hit) == {"session", "seq", "kind", "createdAt", "snippet", "highlights"}
        assert {"title", "preview", "deletedAt", "eventCount"} <= set(hit["session"])
        assert hit["highlights"]
        for start, end in hit["highlights"]:
            assert hit["snippet"][start:end].lower() == "apple"
    assert hits[0]["session"]["title"] == "Fruit talk" and hits[0]["seq"] == 1


def test_search_marks_matches_in_bold_only_on_a_terminal(db, ulids):
    bold = b"\x1b[1;31mapple\x1b[0m"
    for env, marked in (({}, True), ({"NO_COLOR": "1"}, False)):
        terminal = Terminal([*SESSIOND, "search", "apple", "--db", db], env)
        try:
            assert terminal.wait() == 0, terminal.screen
            assert (bold in terminal.raw) is marked, terminal.raw
            assert ("Fruit talk" in terminal.screen) and (b"\x1b" in terminal.raw) is marked
        finally:
            terminal.close()
    assert "\x1b" not in ok(db, "search", "apple")  # piped: plain text


@pytest.mark.parametrize(
    "query",
    ["!!", "-apple", "", "a" * 1001],
    ids=["punctuation", "only-left-out", "empty", "over-1000"],
)
def test_a_query_with_no_word_is_a_usage_error(db, ulids, query):
    done = run("search", "--db", db, "--", query)
    assert done.returncode == 2, done
    assert done.stdout == "" and done.stderr.startswith("sessiond: ") and "query" in done.stderr
    assert "Traceback" not in done.stderr


# rename, rm, restore


def test_rename_sets_then_clears_a_title(db, ulids):
    bread = ulids["bread"]
    assert "Bakery" in ok(db, "rename", unique_prefix(bread, ulids), "Bakery")
    [row] = [s for s in listed(db) if s["ulid"] == bread]
    assert row["title"] == "Bakery"
    assert any(shows(line, bread) and "Bakery" in line for line in ok(db, "ls").splitlines())
    ok(db, "rename", bread, "")
    [row] = [s for s in listed(db) if s["ulid"] == bread]
    assert row["title"] is None
    assert any(shows(line, bread) and LONG[:40] in line for line in ok(db, "ls").splitlines())
    too_long = sessiond(db, "rename", bread, "t" * 257)
    assert too_long.returncode == 2 and "256" in too_long.stderr


def test_rm_moves_to_the_trash_and_restore_brings_it_back(db, ulids):
    split = ulids["split"]
    moved = ok(db, "rm", split)
    assert f"sessiond restore {split}" in moved
    assert not shows(ok(db, "ls"), split) and shows(ok(db, "trash"), split)
    assert sessiond(db, "search", "banana").returncode == 1  # the trash is never searched
    assert "banana split recipe" in ok(db, "show", split)  # but still read
    ok(db, "restore", unique_prefix(split, ulids).lower())  # a unique prefix, in any case
    assert shows(ok(db, "ls"), split) and "the trash is empty" in ok(db, "trash")
    assert shows(ok(db, "search", "banana"), split)
    again = ok(db, "restore", split)
    assert again.startswith(f"{split} is not in the trash: nothing to restore")


# trash empty


def wal_commits(db: str) -> int:
    """Transactions committed in the WAL's current generation (frames whose
    header records a database size, under the WAL header's salt)."""
    data = Path(f"{db}-wal").read_bytes()
    page = int.from_bytes(data[8:12], "big")
    salt, commits, at = data[16:24], 0, 32
    while at + 24 + page <= len(data) and data[at + 8 : at + 16] == salt:
        commits += int.from_bytes(data[at + 4 : at + 8], "big") != 0
        at += 24 + page
    return commits


def test_trash_empty_without_a_terminal_or_yes_refuses(db, ulids):
    ok(db, "rm", ulids["split"])
    before = digest(Path(db))
    done = sessiond(db, "trash", "empty")  # stdin is a pipe
    assert done.returncode != 0 and "--yes" in done.stderr
    assert digest(Path(db)) == before
    assert shows(ok(db, "trash"), ulids["split"])


def exported_events(db: str) -> list[str]:
    """The events of `export --all --format jsonl` (each session's line left out)."""
    lines = ok(db, "export", "--all", "--format", "jsonl").splitlines()
    return [line for line in lines if not line.startswith('{"session":')]


def test_trash_empty_yes_removes_the_trash_only_in_one_transaction(db, ulids):
    with open_store(db) as store:
        child = store.start_session("child", parent_ulid=ulids["split"])
        store.append(child.id, "prompt", "continued from the split")
    ids = {s["ulid"]: s["id"] for s in listed(db)}
    gone = {ids[ulids["split"]], ids[ulids["fruit"]]}
    ok(db, "rm", ulids["split"])
    ok(db, "rm", ulids["fruit"])
    kept = exported_events(db)
    # A reader keeps the WAL (the purge's commits) from being folded away at exit.
    with contextlib.closing(sqlite3.connect(db)) as reader:
        reader.execute("SELECT count(*) FROM sessions").fetchone()
        out = ok(db, "trash", "empty", "--yes")
        assert "2 sessions and their 3 events" in out
        assert shows(out, ulids["split"]) and shows(out, ulids["fruit"])
        assert wal_commits(db) == 1, "the purge took more than one transaction"
        left = {r[0] for r in reader.execute("SELECT session_id FROM events")}
        assert left == set(ids.values()) - gone
        assert not gone & {r[0] for r in reader.execute("SELECT id FROM sessions")}
        # The search index lost their entries (and only theirs): no stale rowid.
        for word, count in (("banana", 0), ("bananas", 0), ("apple", 1), ("twin", 2)):
            found = reader.execute(
                "SELECT count(*) FROM events_fts WHERE events_fts MATCH ?", (word,)
            ).fetchone()[0]
            assert found == count, word
        reader.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')")
    assert sessiond(db, "search", "banana").returncode == 1
    assert "the trash is empty" in ok(db, "trash")
    assert sessiond(db, "show", ulids["split"]).returncode == 3
    # Every other session as it was; the continuation keeps its history, unlinked.
    assert exported_events(db) == kept
    [row] = [s for s in listed(db) if s["id"] == child.id]
    assert row["parentUlid"] is None and row["eventCount"] == 1


def test_trash_empty_on_a_terminal_shows_what_goes_and_asks(db, ulids):
    split = ulids["split"]
    ok(db, "rm", split)
    for answer, outcome in ((b"n\r", "nothing removed"), (b"y\r", "removed 1 session for good")):
        terminal = Terminal([*SESSIOND, "trash", "empty", "--db", db])
        try:
            terminal.expect(split[:8])  # its short ULID
            terminal.expect("this removes 1 session and its 1 event for good")
            terminal.expect("remove them for good? [y/N]")
            terminal.type(answer)
            terminal.expect(outcome)
            assert terminal.wait() == 0
        finally:
            terminal.close()
        in_trash = shows(ok(db, "trash"), split)
        assert in_trash is (answer == b"n\r")
    assert sessiond(db, "show", split).returncode == 3


def test_trash_empty_older_than_days(db, ulids):
    ok(db, "rm", ulids["fruit"])
    ok(db, "rm", ulids["split"])
    with contextlib.closing(sqlite3.connect(db)) as conn, conn:
        conn.execute(
            "UPDATE sessions SET deleted_at = deleted_at - 10 * 86400000 WHERE ulid = ?",
            (ulids["fruit"],),
        )
    assert "nothing in the trash is that old" in ok(
        db, "trash", "empty", "--older-than", "30", "--yes"
    )
    out = ok(db, "trash", "empty", "--older-than", "5", "--yes")
    assert "removed 1 session for good" in out and not shows(out, ulids["split"])
    trash = ok(db, "trash")
    assert shows(trash, ulids["split"]) and not shows(trash, ulids["fruit"])
    assert sessiond(db, "trash", "empty", "--older-than", "-1", "--yes").returncode == 2


# end, ls, show, export, tail


def test_end_a_live_session(db, ulids):
    bread = ulids["bread"]
    assert "ended" in ok(db, "end", unique_prefix(bread, ulids))
    ended = {s["ulid"]: s["endedAt"] for s in listed(db)}
    assert ended[bread] is not None and ended[ulids["fruit"]] is None
    assert "had already ended" in ok(db, "end", bread)
    assert {s["ulid"]: s["endedAt"] for s in listed(db)}[bread] == ended[bread]
    assert sessiond(db, "end", "ZZZZZZ").returncode == 3


def test_ls_json_limits_and_how_many_more(db, ulids):
    rows = listed(db)
    assert [s["ulid"] for s in rows] == [
        ulids[n] for n in ("twin2", "twin1", "split", "bread", "fruit")
    ]
    assert rows[-1]["title"] == "Fruit talk" and rows[-2]["preview"] == LONG
    zero = sessiond(db, "ls", "-n", "0")
    assert zero.returncode == 2 and "-n" in zero.stderr and zero.stdout == ""
    two = sessiond(db, "ls", "-n", "2")
    assert two.returncode == 0 and len(two.stdout.splitlines()) == 3  # heading + 2
    assert "3 more" in two.stderr


def test_show_without_a_ulid_shows_the_latest(db, ulids):
    assert ok(db, "show").startswith(f"session {ulids['twin2']} ")
    ok(db, "rm", ulids["twin2"])
    assert ok(db, "show").startswith(f"session {ulids['twin1']} ")


VERBS = "ls|show|search apple|export --all|rename X t|rm X|restore X|trash|trash empty --yes"


@pytest.mark.parametrize("verb", [*VERBS.split("|"), "end X", "tail", "serve"])
def test_an_empty_db_option_is_an_error_never_the_default(tmp_path, db, ulids, verb):
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "SESSIOND_DB": db}
    before = digest(Path(db))
    done = run(*verb.split(), "--db", "", env=env)
    assert done.returncode == 2 and done.stdout == "" and "--db" in done.stderr, done
    assert not home.exists() and digest(Path(db)) == before


@pytest.mark.parametrize("writer", ["closed", "killed"])
def test_read_commands_on_a_read_only_mount(tmpfs, writer):
    """The person can only read the file (tests run as root: file modes do
    not bind, a read-only mount does). Reading works and changes nothing."""
    db = str(tmpfs / "ro.db")
    with started(db, log=tmpfs.parent / "daemon.log") as daemon:
        sid = daemon.call("session/start", {"cliVersion": "ro"})["id"]
        daemon.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "read me"})
        ulid = daemon.call("session/last")["ulid"]
        if writer == "closed":
            assert daemon.stop() == 0
        else:
            daemon.kill()  # leaves its -wal and -shm beside the file
    subprocess.run(["mount", "-o", "remount,ro", str(tmpfs)], check=True)
    files = {p.name: digest(p) for p in tmpfs.iterdir()}
    for args, shown in (
        (["ls"], ulid[:8]),
        (["show"], "read me"),
        (["search", "read"], "read me"),
        (["export", ulid, "--format", "markdown"], "read me"),
        (["export", "--all", "--format", "jsonl"], '"read me"'),
        (["tail"], "read me"),
        (["trash"], "the trash is empty"),
    ):
        done = sessiond(db, *args)
        assert done.returncode == 0 and shown in done.stdout, (args, done.stderr)
    assert {p.name: digest(p) for p in tmpfs.iterdir()} == files


def test_export_all_in_both_formats(db, ulids):
    ok(db, "rm", ulids["twin1"])
    records = [
        json.loads(line) for line in ok(db, "export", "--all", "--format", "jsonl").splitlines()
    ]
    order = [ulids[n] for n in ("fruit", "bread", "split", "twin2")]  # oldest first, no trash
    # Each session's line comes first, then its events.
    assert [r["session"]["ulid"] for r in records if "session" in r] == order
    events = [r for r in records if "session" not in r]
    assert list(dict.fromkeys(e["sessionUlid"] for e in events)) == order
    assert [e["text"] for e in events[:2]] == ["apple apple", "bananas are yellow"]
    assert records[0]["session"]["title"] == "Fruit talk" and records[1]["seq"] == 1
    assert [len(r) for r in records[3:5]] == [1, 7]  # bread's session, then its first event
    markdown = ok(db, "export", "--all", "--format", "markdown")
    assert markdown.startswith("# Fruit talk\n")
    assert re.findall(r"^- Session: (\S+)$", markdown, re.MULTILINE) == order
    # A person's turn quoted, a reply as its own text: nothing fenced.
    assert "\n> apple apple\n" in markdown and "\nCafé au lait\n" in markdown
    assert "```" not in markdown and "## 2. reply · " in markdown
    assert sessiond(db, "export").returncode == 2  # neither a ULID nor --all


def test_tail_without_follow(db, ulids):
    lines = ok(db, "tail").splitlines()
    assert lines[0].startswith(f"== {ulids['twin2']}") and "identical twin text" in lines[0]
    assert "reply" in ok(db, "tail", ulids["fruit"]) and "system" not in ok(
        db, "tail", ulids["fruit"]
    )
    assert lines[-1].split()[2:] == ["prompt", "identical", "twin", "text"]
    fruit = sessiond(db, "tail", ulids["fruit"], "-n", "1")
    assert "Fruit talk" in fruit.stdout and "bananas are yellow" in fruit.stdout
    assert "apple" not in fruit.stdout and fruit.stderr == "1 earlier turn (-n 2)\n"
    assert sessiond(db, "tail", ulids["fruit"]).stderr == ""


def test_tail_follow_prints_turns_another_process_appends_and_ends_on_ctrl_c(db, ulids):
    follower = subprocess.Popen(
        [*SESSIOND, "tail", "-f", ulids["bread"], "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert follower.stdout is not None
        for line in follower.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()

    def wait_for(text: str) -> list[str]:
        seen, deadline = [], time.monotonic() + TIMEOUT
        while True:
            try:
                line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"tail -f printed no {text!r} in {TIMEOUT}s: {seen}") from None
            assert line is not None, f"tail -f ended before {text!r}: {seen}"
            seen.append(line)
            if text in line:
                return seen

    try:
        wait_for(f"== {ulids['bread']}")
        wait_for("Café au lait")  # the last turns first
        with started(db, log=Path(db).parent / "daemon.log") as daemon:
            bread = daemon.call("session/get", {"ulid": ulids["bread"]})["id"]
            other = daemon.call("session/get", {"ulid": ulids["fruit"]})["id"]
            daemon.call(
                "session/append", {"sessionId": other, "kind": "prompt", "text": "elsewhere"}
            )
            daemon.call(
                "session/append",
                {"sessionId": bread, "kind": "system", "text": "fresh \x1b]0;turn\x07 here"},
            )
            seen = wait_for("fresh")
            assert daemon.stop() == 0
        assert not any("elsewhere" in line for line in seen)  # another session's turn
        assert "\x1b" not in seen[-1] and "]0;turn" in seen[-1]
        follower.send_signal(signal.SIGINT)
        assert follower.wait(TIMEOUT) == 0
        assert follower.stderr is not None and "Traceback" not in follower.stderr.read()
    finally:
        if follower.poll() is None:
            follower.kill()
            follower.wait()
