"""Hostile files: random bytes, a 100 MB line, JSON nested past Python's
recursion limit. Each is skipped with a count that says why, never a crash,
and the readable lines around it still come in."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

from sessiond.importers.run import run_import
from support.importing import kinds_texts

SID = "4c4c4c4c-0000-4000-8000-00000000beef"


def _line(uuid: str, text: str) -> bytes:
    return (
        json.dumps(
            {
                "type": "user",
                "sessionId": SID,
                "uuid": uuid,
                "version": "2.0.0",
                "timestamp": "2025-01-01T00:00:00Z",
                "message": {"role": "user", "content": text},
            }
        ).encode()
        + b"\n"
    )


@pytest.mark.parametrize(
    ("source", "name", "reason"),
    [
        ("claude-code", f"{SID}.jsonl", "lines that are not"),
        ("codex", "rollout-2025-01-01T00-00-00-x.jsonl", "lines that are not"),
        ("aider", ".aider.chat.history.md", "lines before the first"),
    ],
)
def test_random_bytes_are_skipped_and_counted(store, tmp_path, source, name, reason):
    path = tmp_path / name
    path.write_bytes(random.Random(7).randbytes(256 * 1024))

    summary = run_import(store, source, [path])

    assert summary.events_added == 0 and summary.sessions_added == 0
    assert sum(n for why, n in summary.skipped.items() if why.startswith(reason)) > 100
    assert summary.exit_code == 1  # nothing at all could be read
    assert "Skipped" in summary.render()


def test_a_100_mb_line_is_skipped_while_streaming_and_the_rest_is_read(store, tmp_path):
    path = tmp_path / f"{SID}.jsonl"
    with path.open("wb") as f:
        f.write(_line("1", "before"))
        f.write(b'{"type": "user", "message": {"content": "')
        block = b"x" * (1 << 20)
        for _ in range(100):
            f.write(block)
        f.write(b'"}}\n')
        f.write(_line("2", "after"))

    tracemalloc.start()
    try:
        summary = run_import(store, "claude-code", [path])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert kinds_texts(store, SID) == [("prompt", "before"), ("prompt", "after")]
    assert summary.skipped == {"lines over 32 MiB": 1}
    assert peak < 48 * (1 << 20), f"held {peak / (1 << 20):.0f} MiB"


def test_an_unfinished_100_mb_last_line_is_consumed_not_read_again(store, tmp_path):
    path = tmp_path / f"{SID}.jsonl"
    with path.open("wb") as f:
        f.write(_line("1", "before"))
        f.write(b"y" * (100 << 20))  # no newline: a writer that died

    first = run_import(store, "claude-code", [path])
    again = run_import(store, "claude-code", [path])

    assert first.skipped == {"lines over 32 MiB": 1}
    assert again.unchanged == 1 and not again.skipped


def test_json_nested_past_the_recursion_limit_is_skipped(store, tmp_path):
    path = tmp_path / f"{SID}.jsonl"
    deep = b"[" * 200_000 + b"]" * 200_000
    nested = (
        b'{"type": "user", "sessionId": "'
        + SID.encode()
        + b'", "message": {"content": '
        + deep
        + b"}}"
    )
    path.write_bytes(_line("1", "before") + deep + b"\n" + nested + b"\n" + _line("2", "after"))

    summary = run_import(store, "claude-code", [path])

    assert kinds_texts(store, SID) == [("prompt", "before"), ("prompt", "after")]
    assert summary.skipped == {"lines nested too deeply to read": 2}


def test_lines_of_the_wrong_shape_are_counted_by_reason(store, tmp_path: Path):
    path = tmp_path / f"{SID}.jsonl"
    path.write_bytes(
        _line("1", "fine")
        + b"[1, 2, 3]\n"
        + b'{"type": "user", "sessionId": "'
        + SID.encode()
        + b'", "message": "not an object",'
        b' "timestamp": "2025-01-01T00:00:00Z"}\n'
        + b'{"type": "assistant", "sessionId": "'
        + SID.encode()
        + b'", "message": {"content": []}}\n'
        + b'{"type": "user", "sessionId": "bad id!", "timestamp": "2025-01-01T00:00:00Z",'
        b' "message": {"content": "x"}}\n' + b"\xff\xfe\x00garbage\n"
    )

    summary = run_import(store, "claude-code", [path])

    assert kinds_texts(store, SID) == [("prompt", "fine")]
    assert summary.skipped == {
        "lines that are JSON but not an object": 1,
        "user or assistant lines without a message": 1,
        "lines without a usable session id": 1,
        "lines that are not UTF-8 text": 1,
    }
    assert summary.exit_code == 0
