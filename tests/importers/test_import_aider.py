"""aider's .aider.chat.history.md: runs as sessions, the person's (multi-line)
prompts and slash commands, aider's output, replies; times without a zone
read as local time."""

from __future__ import annotations

from sessiond.importers.run import run_import
from support.importing import digests, events, sessions

HISTORY = "proj/.aider.chat.history.md"


def test_every_case_imports_to_exactly_the_expected_sessions_and_events(store, copy, local_tz):
    root = copy("aider")
    summary = run_import(store, "aider", [root])  # a folder: its history files, found

    found = sessions(store)
    assert sorted(found.values()) == [
        # 09:30:05 and 17:05:44 in India (+05:30) are 04:00:05Z and 11:35:44Z
        ("aider", None, None, "2025-02-14T04:00:05.000Z", 8),
        ("aider", None, None, "2025-02-14T11:35:44.000Z", 2),
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
