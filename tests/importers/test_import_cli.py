"""`sessiond import` as a person runs it: the summary, the exit codes, and
--watch following a transcript as Claude Code writes it (a real process)."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest

from sessiond.cli import main
from sessiond.store import open_store
from support.importing import digests, kinds_texts

MAIN = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"


def test_the_summary_says_what_was_added_and_skipped(db, copy, capsys):
    projects = copy("claude-code") / "projects"

    code = main(["--db", db, "import", "claude-code", str(projects)])

    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[:4] == [
        "Imported from claude-code: 5 new sessions, 29 events added.",
        "Read 3 files.",
        "Skipped 1 record that could not be read:",
        "  unfinished last lines (read once the tool finishes them): 1",
    ]
    assert main(["--db", db, "import", "claude-code", str(projects)]) == 0
    assert capsys.readouterr().out.splitlines()[:2] == [
        "Imported from claude-code: 0 new sessions, 0 events added.",
        "Read 3 files, 3 unchanged since the last import.",
    ]


def test_nothing_found_is_exit_3_and_nothing_readable_exit_1(db, tmp_path, capsys):
    assert main(["--db", db, "import", "codex", str(tmp_path / "none")]) == 3
    assert "Nothing to import from codex: no files found at" in capsys.readouterr().out
    junk = tmp_path / "rollout-junk.jsonl"
    junk.write_bytes(b"\x00\x01 not json\n" * 10)
    assert main(["--db", db, "import", "codex", str(junk)]) == 1
    assert "lines that are not JSON: 10" in capsys.readouterr().out


def test_an_unknown_source_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--db", db, "import", "cursor"])
    assert stopped.value.code == 2
    assert "invalid choice: 'cursor'" in capsys.readouterr().err


def test_file_names_cannot_drive_the_terminal(db, tmp_path, capsys):
    folder = tmp_path / "odd\x1b[2Jname"
    main(["--db", db, "import", "aider", str(folder)])
    out = capsys.readouterr().out
    assert "\x1b" not in out and "odd\\x1b[2Jname" in out


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def _wait_for(what, timeout: float):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.02)
    return what()


def test_watch_imports_an_appended_line_within_2_seconds_and_stops_on_ctrl_c(db, copy):
    projects = copy("claude-code") / "projects"
    transcript = projects / "-home-ann-proj" / f"{MAIN}.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessiond",
            "--db",
            db,
            "import",
            "claude-code",
            str(projects),
            "--watch",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    err: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stderr, err), daemon=True).start()
    try:
        assert "watching" in err.get(timeout=30)
        with transcript.open("a") as f:
            f.write(
                "\n"
                + json.dumps(
                    {
                        "type": "user",
                        "sessionId": MAIN,
                        "uuid": "w1",
                        "version": "2.0.14",
                        "timestamp": "2025-10-01T10:00:00.000Z",
                        "message": {"role": "user", "content": "written while watched"},
                    }
                )
                + "\n"
            )
        appended = time.monotonic()
        written = digests(projects)

        def seen():
            with open_store(db, read_only=True) as store:
                return ("prompt", "written while watched") in kinds_texts(store, MAIN)

        assert _wait_for(seen, 2.0), "not imported within 2 s"
        took = time.monotonic() - appended
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out
    assert took < 2.0
    assert "+1 event in 1 session" in out
    assert "Imported from claude-code: 5 new sessions, 30 events added" in out
    assert digests(projects) == written  # the watcher wrote nothing there
