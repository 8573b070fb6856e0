"""aider's .aider.chat.history.md: runs as sessions, the person's (multi-line)
prompts and slash commands, aider's output, replies; times without a zone
read as local time."""

from __future__ import annotations

import shutil

import pytest

from sessiond.importers.aider import SOURCE
from sessiond.importers.run import run_import
from support.importing import digests, events, everything, kinds_texts, read_source, sessions

HISTORY = "proj/.aider.chat.history.md"


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy, local_tz):
    root = copy("aider")
    summary = run_import(store, "aider", [root / "proj"])  # a folder: its history files, found

    found = sessions(store)
    assert sorted(found.values()) == [
        # 17:05:44 and 09:30:05 in India (+05:30) are 11:35:44Z and 04:00:05Z
        ("aider", None, None, "2025-02-14T11:35:44.000Z", 2),
        # the version of its `> Aider v...` notice
        ("aider 0.74.2", None, None, "2025-02-14T04:00:05.000Z", 8),
    ]
    first, second = sorted(found, key=lambda ulid: found[ulid][3])
    at = "2025-02-14T04:00:05.000Z"
    assert events(store, first) == [
        (
            "command",
            "Aider v0.74.2\nMain model: claude-3-5-sonnet with diff edit format\n"
            "Git repo: .git with 12 files",
            at,
        ),
        ("command", "/add calc.py", at),
        ("command", "Added calc.py to the chat", at),
        (
            "prompt",
            "The add function is wrong.\nIt should add, not subtract.\nFix it and add a test.",
            at,
        ),
        # a '#### ' or '> ' line without the two trailing spaces belongs to the reply
        (
            "system",
            "The bug is in `add`:\n\n#### The fix\n\n> Note: this quote is part of the "
            "reply.\n\ncalc.py\n```python\n<<<<<<< SEARCH\n    return a - b\n=======\n"
            "    return a + b\n>>>>>>> REPLACE\n```",
            at,
        ),
        # the token and cost report is left out
        ("command", "Applied edit to calc.py\nCommit 3f2a1b9 fix: add() adds", at),
        ("command", "!pytest -q", at),
        ("command", "Add command output to the chat? (Y)es/(N)o [Yes]: n", at),
        # '#### <blank>' (Enter on an empty line) is no turn
    ]
    assert events(store, second) == [
        ("prompt", "what does calc.py export?", "2025-02-14T11:35:44.000Z"),
        ("system", "`add` and `sub`.", "2025-02-14T11:35:44.000Z"),
    ]
    assert summary.exit_code == 0 and not summary.skipped


def test_appended_turns_and_runs_are_added_and_the_rest_is_left(store, copy, local_tz):
    root = copy("aider")
    before = digests(root)
    run_import(store, "aider", [root / HISTORY])
    assert digests(root) == before
    assert run_import(store, "aider", [root / HISTORY]).events_added == 0
    found = sessions(store)
    second = max(found, key=lambda ulid: found[ulid][3])

    with (root / HISTORY).open("a") as f:
        f.write("#### and `mul`?  \n\nNot yet.\n\n")
        f.write("\n# aider chat started at 2025-02-15 08:00:00\n\n#### /exit  \n")
        f.write("#### half-writ")  # aider is still writing this one

    grown = run_import(store, "aider", [root / HISTORY])

    assert [e[:2] for e in events(store, second)][-2:] == [
        ("prompt", "and `mul`?"),
        ("system", "Not yet."),
    ]
    newest = [ulid for ulid in sessions(store) if ulid not in found]
    assert len(newest) == 1
    assert events(store, newest[0]) == [("command", "/exit", "2025-02-15T02:30:00.000Z")]
    assert grown.events_added == 3 and grown.sessions_added == 1


# Version 3 and the fixes of issues 23 and 25, on fixtures/aider/weather
# (aider 0.86.2's io.py and base_coder.py: see fixtures/aider/README.md).

WEATHER = "aider/weather"


def test_multi_line_notices_are_output_and_reasoning_is_left_out(copy, local_tz):
    root = copy(WEATHER)
    read = read_source("aider", [root])

    first, second = sorted(read.sessions.values(), key=lambda s: s.started_at)
    assert [(e.kind, e.text) for e in read.events[first.ulid]] == [
        # the command line with --message text in it: '> ' on its first line only
        (
            "command",
            "/home/dana/.local/bin/aider --model openrouter/deepseek/deepseek-r1 --message "
            "add a --days option\n\ndefault 3, max 7 weather/cli.py\n"
            "Aider v0.86.2\n"
            "Main model: openrouter/deepseek/deepseek-r1 with diff edit format, infinite output\n"
            "Weak model: openrouter/deepseek/deepseek-chat\n"
            "Git repo: .git with 14 files\n"
            "Repo-map: using 4096 tokens, auto refresh\n"
            "Added weather/cli.py to the chat.",
        ),
        ("prompt", "add a --days option\n\ndefault 3, max 7"),
        # aider's reasoning tag opened, the model's </think> closing it: left out
        (
            "system",
            "weather/cli.py\n```python\n<<<<<<< SEARCH\n"
            '    parser.add_argument("--city", required=True)\n=======\n'
            '    parser.add_argument("--city", required=True)\n'
            '    parser.add_argument("--days", type=int, default=3, choices=range(1, 8))\n'
            ">>>>>>> REPLACE\n```",
        ),
        # the two-line token report is left out, the notices after it kept
        (
            "command",
            "Applied edit to weather/cli.py\nCommit 5d1c0ab feat: Add --days option to the CLI",
        ),
        ("command", "/git status"),
        ("command", "On branch feature/city-flag\nnothing to commit, working tree clean"),
        ("command", "/lint"),
        (
            "command",
            "# Fix any errors below, if possible.\n\n"
            "## Running: /usr/bin/python3 -m flake8 --select=E9,F821,F823,F831,F406,F407,F701,"
            "F702,F704,F706 --show-source --isolated weather/forecast.py\n\n"
            "weather/forecast.py:12:35: F821 undefined name 'quote'\n"
            '    url = BASE + "/forecast?q=" + quote(city)\n'
            "                                  ^\n\n"
            "## See relevant line below marked with \u2588.\n\n"
            "weather/forecast.py:\n"
            "...\u22ee...\n"
            "  9\u2502def fetch_forecast(city, days=3):\n"
            " 10\u2502    session = make_session()\n"
            " 11\u2502    ...\n"
            ' 12\u2588    url = BASE + "/forecast?q=" + quote(city)\n'
            ' 13\u2502    return session.get(url, params={"days": days}).json()\n'
            "Fix lint errors in /home/dana/src/weather-cli/weather/forecast.py? (Y)es/(N)o [Yes]: n",
        ),
    ]
    kinds = [(e.kind, e.text.split("\n")[0]) for e in read.events[second.ulid]]
    assert kinds == [
        ("command", "/home/dana/.local/bin/aider --model fireworks_ai/accounts/fireworks/models/deepseek-r1 weather/cli.py"),
        ("prompt", "fix the days default, the tests say it's 7"),
        # inline <think>...</think> left out
        ("system", "The default came from `WEATHER_DAYS` when set, and your test environment sets it to 7. Reading the variable only when `--days` is omitted:"),
        ("command", "The LLM did not conform to the edit format."),
        ("command", "/commit"),
        ("command", "Unable to complete commit: Cmd('git') failed due to: exit code(1)"),
        ("command", "/exit"),
    ]  # fmt: skip
    # the edit error: its bare lines (one even starting '>>>>>>>') are aider's output
    assert read.events[second.ulid][3].text.endswith(
        "The SEARCH section must exactly match an existing block of lines including all "
        "white space, comments, indentation, docstrings, etc"
    )
    assert read.events[second.ulid][5].text.endswith("\n\nfatal: failed to write commit object'")
    assert not any("think" in e.text for evs in read.events.values() for e in evs)


def test_each_run_carries_its_version_model_and_folder(copy, local_tz):
    root = copy(WEATHER)
    read = read_source("aider", [root])
    text = (root / ".aider.chat.history.md").read_text()

    runs = sorted(read.sessions.values(), key=lambda s: s.started_at)
    models = [line.split(": ", 1)[1].split(" with ")[0] for line in text.splitlines()
              if line.startswith("> Main model: ")]  # fmt: skip
    assert len(runs) == len(models) == text.count("# aider chat started at")
    for run, model in zip(runs, models, strict=True):
        # aider resumes no run (no sourceId) and records no branch
        assert read.v3(run.ulid) == ("aider", None, str(root.resolve()), None)
        assert run.cli_version == "aider 0.86.2"
        replies = [e for e in read.events[run.ulid] if e.kind == "system"]
        assert replies and all(e.meta == {"model": model} for e in replies)
        assert all(e.meta is None for e in read.events[run.ulid] if e.kind != "system")


def test_a_moved_or_copied_project_imports_as_nothing_new(copy, store, local_tz):
    root = copy(WEATHER)
    run_import(store, "aider", [root])
    before = everything(store)

    moved = root.parent / "weather-cli-renamed"
    root.rename(moved)
    shutil.copytree(moved, root.parent / "weather-cli-copy")
    again = run_import(store, "aider", [moved, root.parent / "weather-cli-copy"])

    assert again.events_added == 0 and again.sessions_added == 0
    assert everything(store) == before
    assert SOURCE.key(moved / ".aider.chat.history.md") == SOURCE.key(
        root.parent / "weather-cli-copy" / ".aider.chat.history.md"
    )


def test_a_run_whose_start_is_not_a_real_date_is_skipped_the_rest_imported(store, tmp_path):
    path = tmp_path / ".aider.chat.history.md"
    path.write_text(
        "\n# aider chat started at 2025-02-30 10:00:00\n\n#### lost  \n\nA reply.\n\n"
        "\n# aider chat started at 0000-01-01 00:00:00\n\n#### lost too  \n\n"
        "\n# aider chat started at 2025-03-01 10:00:00\n\n#### kept  \n\nYes.\n\n"
    )

    summary = run_import(store, "aider", [path])

    [ulid] = sessions(store)
    assert kinds_texts(store, ulid) == [("prompt", "kept"), ("system", "Yes.")]
    assert summary.skipped == {"runs whose start is not a real date (their turns left out)": 2}


def test_a_file_that_is_not_an_aider_history_is_not_recognised(store, tmp_path):
    path = tmp_path / ".aider.chat.history.md"
    path.write_text("# Notes\n\nNothing aider wrote.\n")

    summary = run_import(store, "aider", [path])

    [(_, why)] = summary.failed
    assert why == (
        f"{path} is not an aider chat history: it has no '# aider chat started at' line "
        "where one begins; it looks like text that is not JSON lines"
    )
    assert summary.exit_code == 1
    with pytest.raises(Exception, match="is not an aider chat history"):
        list(SOURCE.read(path, None, SOURCE.new_run()))


def test_a_history_read_in_pieces_stores_what_one_read_does(tmp_path, copy, monkeypatch):
    """A mark at every line, and the import killed after any batch and run
    again: a multi-line prompt, or aider's notices that follow each other,
    stay one event each (a mark inside one split it in two: 100,053 events
    for 100,023 in a history of 100,000)."""
    from sessiond.importers import aider, writer
    from sessiond.store import open_store
    from support.importing import Died, PartByPart

    history = copy("aider") / HISTORY
    with open_store(str(tmp_path / "whole.db")) as whole:
        run_import(whole, "aider", [history])
        expected = everything(whole)
    prompts = [text for texts in expected.values() for _, text, _ in texts]
    assert "The add function is wrong.\nIt should add, not subtract.\nFix it and add a test." in (
        prompts
    )

    monkeypatch.setattr(aider, "MARK_EVERY", 1)
    monkeypatch.setattr(writer, "BATCH_EVENTS", 1)
    with open_store(str(tmp_path / "marked.db")) as marked:
        run_import(marked, "aider", [history])
        assert everything(marked) == expected
    kills = 0
    for parts in range(100):
        with open_store(str(tmp_path / f"killed-{parts}.db")) as store:
            try:
                run_import(PartByPart(store, parts), "aider", [history])
            except Died:
                kills += 1
            else:
                break
            run_import(store, "aider", [history])
            assert everything(store) == expected, f"killed after {parts} parts"
    assert kills >= 5
