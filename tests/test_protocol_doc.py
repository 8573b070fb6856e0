"""protocol.md stays true: every method served is documented, and the reverse."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sessiond.daemon.methods import SERVED, Plain, Queued, Streamed
from sessiond.errors import ALL_ERRORS, InternalError
from sessiond.wire.methods import METHODS

DOC = (Path(__file__).parent.parent / "protocol.md").read_text()
LIFECYCLE = {"initialize", "shutdown"}


def section(title: str) -> str:
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end > 0 else None]


def test_the_daemon_serves_exactly_the_method_table():
    assert list(SERVED) == list(METHODS), "daemon.methods.SERVED and wire.methods.METHODS differ"
    assert {type(row) for row in SERVED.values()} == {Plain, Queued, Streamed}


def test_every_served_method_has_a_section_and_a_table_row():
    methods = section("Methods")
    headings = set(re.findall(r"^### `([^`]+)`$", methods, re.M))
    rows = set(re.findall(r"^\| `([a-z]+/[a-z]+)` \|", methods, re.M))
    assert headings == set(METHODS), "protocol.md's method sections differ from the server"
    assert rows == set(METHODS), "protocol.md's method table differs from the server"


def test_each_example_is_json_for_its_own_method():
    methods = section("Methods")
    for name, body in re.findall(r"^### `([^`]+)`$(.*?)(?=^### |\Z)", methods, re.M | re.S):
        blocks = re.findall(r"```json\n(.*?)```", body, re.S)
        assert blocks, f"{name} has no example"
        request, *notes, response = (json.loads(line) for line in blocks[0].strip().splitlines())
        assert request["method"] == name
        from sessiond.wire.methods import NOTIFICATIONS

        assert all(note["method"] in NOTIFICATIONS and "id" not in note for note in notes)
        assert response["id"] == request["id"]
        assert "result" in response


def test_every_error_code_is_documented():
    table = section("Errors")
    documented = {int(code) for code in re.findall(r"^\| (-?\d+) \| \w+ \|", table, re.M)}
    codes = {cls.code for cls in ALL_ERRORS} | {InternalError.code}
    assert documented == codes
    for cls in ALL_ERRORS:
        assert f"| {cls.code} | {cls.name} |" in table


def test_lifecycle_methods_are_documented():
    lifecycle = section("Lifecycle")
    for name in LIFECYCLE | {"initialized", "exit"}:
        assert f"`{name}`" in lifecycle


def test_every_notification_is_documented_and_nothing_else():
    from sessiond.wire.methods import NOTIFICATIONS

    table = section("Notifications")
    rows = re.findall(r"^\| `([a-zA-Z]+/[a-zA-Z]+)` \| `([^`]+)`", table, re.M)
    assert {name for name, _ in rows} == set(NOTIFICATIONS)
    for name, params in rows:
        assert NOTIFICATIONS[name].params == params, name
