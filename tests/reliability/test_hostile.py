"""Hostile input over a real pipe: every well-framed request gets a result or
a contract error (never -32603, never silence), the daemon keeps serving, and
what was stored before is intact.

One daemon serves a whole test; after each hostile message a probe request is
sent and its answer awaited, which is how "never hangs" is checked without
sleeping: the daemon answers in order, so once the probe is answered, every
answer the hostile message will ever get has arrived.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.daemon import CONTRACT_CODES, Daemon, frame, integrity, request_bytes, started

# slow: kills, floods and broken files, a process each; out of the fast loop.
pytestmark = pytest.mark.slow

MAX_TEXT = 4096  # small, so that PayloadTooLarge is cheap to reach
METHODS = [
    "session/start",
    "session/end",
    "session/append",
    "session/events",
    "session/list",
    "session/get",
    "session/count",
    "session/last",
    "milestone/set",
    "milestone/get",
]
FIELDS = [
    "cliVersion",
    "ulid",
    "engineBaseUrl",
    "parentUlid",
    "sessionId",
    "kind",
    "text",
    "limit",
    "beforeSeq",
    "key",
    "value",
]
TRIED = itertools.count(1)  # hostile inputs sent, over every test of this module

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**62, max_value=2**80)
    | st.integers(max_value=-(2**62))
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["\ud800", "a\udfffb", "x" * (MAX_TEXT + 1), "é" * (MAX_TEXT // 2 + 1)])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
integer_like = (
    st.integers(-2, 8)
    | st.integers(min_value=2**62, max_value=2**80)
    | st.sampled_from([2**63 - 1, 2**63, -(2**63), 1.0, True, "1"])
    | values
)
string_like = (
    st.text(max_size=12)
    | st.sampled_from(["prompt", "system", "mode_change", "SENTINEL", "a" * 65, "v" * 257, ""])
    | values
)
INTEGER_FIELDS = {"sessionId", "limit", "beforeSeq"}
params = values | st.fixed_dictionaries(
    {},
    optional={f: integer_like if f in INTEGER_FIELDS else string_like for f in FIELDS}
    | {"extra": values},
)


class Probe:
    """The shared daemon, its sentinel data, and the probe that ends each check."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.count = 0
        self.sentinel = daemon.call("session/start", {"cliVersion": "sentinel", "ulid": "SENTINEL"})
        for text in ("one", "two", "three"):
            params = {"sessionId": self.sentinel["id"], "kind": "prompt", "text": text}
            daemon.call("session/append", params)
        daemon.call("milestone/set", {"key": "sentinel milestone", "value": "kept"})
        self.events = daemon.call("session/events", {"sessionId": 1, "limit": 3})["events"]

    def replies_to(self, data: bytes) -> list[dict[str, Any]]:
        """Send raw bytes then a probe; every answer the bytes got."""
        next(TRIED)
        self.count += 1
        probe = f"probe-{self.count}"
        self.daemon.send(data + request_bytes(probe, "session/last"))
        assert "result" in self.daemon.answer(probe)
        return self.daemon.take_all()

    def intact(self) -> None:
        assert self.daemon.proc.poll() is None, self.daemon.stderr_text()
        got = self.daemon.call("session/get", {"ulid": "SENTINEL"})
        assert {k: got[k] for k in ("id", "startedAt", "cliVersion")} == {
            k: self.sentinel[k] for k in ("id", "startedAt", "cliVersion")
        }
        events = self.daemon.call(
            "session/events", {"sessionId": got["id"], "limit": 3, "beforeSeq": 4}
        )["events"]
        assert events == self.events
        assert self.daemon.call("milestone/get", {"key": "sentinel milestone"}) == {"value": "kept"}
        assert self.daemon.stdout_error is None


def contract(reply: dict[str, Any]) -> None:
    """A result, or an error the contract names, with words in it."""
    assert reply.get("jsonrpc") == "2.0", reply
    if "error" in reply:
        assert reply["error"]["code"] in CONTRACT_CODES, reply
        assert isinstance(reply["error"]["message"], str) and reply["error"]["message"], reply
    else:
        assert "result" in reply, reply


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Probe]:
    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with started(db, "--max-text-bytes", str(MAX_TEXT)) as daemon:
        checker = Probe(daemon)
        yield checker
        checker.intact()
        assert daemon.stop() == 0
    assert integrity(db) == "ok"
    print(f"\nhostile: {next(TRIED) - 1} hostile inputs tried so far")


FAST = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FAST
@given(method=st.sampled_from(METHODS), params=params)
def test_random_params_for_every_method(probe: Probe, method: str, params: Any) -> None:
    msg_id = probe.daemon.next_id()
    replies = probe.replies_to(request_bytes(msg_id, method, params))
    assert len(replies) == 1 and replies[0]["id"] == msg_id, replies
    contract(replies[0])


@FAST
@given(
    message=st.dictionaries(
        st.sampled_from(["jsonrpc", "id", "method", "params", "result", "error"]),
        values | st.sampled_from(["2.0", *METHODS, "initialize", "$/cancelRequest"]),
    )
    | values,
)
def test_random_json_values_as_messages(probe: Probe, message: Any) -> None:
    if isinstance(message, dict) and message.get("method") in ("exit", "shutdown"):
        return  # these end the session by design
    for reply in probe.replies_to(frame(json.dumps(message).encode())):
        contract(reply)


@FAST
@given(body=st.binary(max_size=200))
def test_random_bytes_as_bodies(probe: Probe, body: bytes) -> None:
    for reply in probe.replies_to(frame(body)):
        contract(reply)


def test_huge_integers_are_not_found_not_internal_errors(probe: Probe) -> None:
    """Found a bug: ids past SQLite's 64 bits raised OverflowError; in an append
    batch it took the whole batch down unanswered and stalled every later append."""
    sid = probe.sentinel["id"]
    for huge in (2**63, 2**64, 10**30):
        for method, params in [
            ("session/count", {"sessionId": huge}),
            ("session/end", {"sessionId": huge}),
            ("session/events", {"sessionId": huge, "limit": 5}),
        ]:
            with pytest.raises(Exception, match=r"error 1001"):
                probe.daemon.call(method, params)
        tail = probe.daemon.call(
            "session/events", {"sessionId": sid, "limit": 1, "beforeSeq": huge}
        )
        assert len(tail["events"]) == 1
        # One batch: the huge one is refused alone, its neighbours are stored.
        batch = [
            (probe.daemon.next_id(), {"sessionId": s, "kind": "prompt", "text": "batch"})
            for s in (sid, huge, sid)
        ]
        probe.daemon.send(b"".join(request_bytes(i, "session/append", p) for i, p in batch))
        first, middle, last = (probe.daemon.answer(i) for i, _ in batch)
        assert middle["error"]["code"] == 1001
        assert last["result"]["seq"] == first["result"]["seq"] + 1


def test_invalid_utf8_and_deep_nesting(probe: Probe) -> None:
    sid = probe.sentinel["id"]
    head = b'{"jsonrpc":"2.0","id":7,"method":"session/append","params":'
    for body in [
        head + b'{"sessionId":%d,"kind":"prompt","text":"\xff\xfe bad"}}' % sid,
        b"\xef\xbb\xbf\x80" + head[4:],
        b"[" * 200_000 + b"]" * 200_000,
        b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    ]:
        replies = probe.replies_to(frame(body))
        assert [r["error"]["code"] for r in replies] == [-32700], replies
    # Nested deep but parseable: a bad param, named.
    deep: Any = "x"
    for _ in range(400):
        deep = [deep]
    msg_id = probe.daemon.next_id()
    params = {"sessionId": sid, "kind": "prompt", "text": deep}
    (reply,) = probe.replies_to(request_bytes(msg_id, "session/append", params))
    assert reply["error"]["code"] == -32602


def test_bodies_over_16_mib_are_skipped_unread(probe: Probe) -> None:
    before = probe.daemon.peak_rss_kb()
    size = 96 * 1024 * 1024
    header = b"Content-Length: %d\r\n\r\n" % size
    probe.daemon.send(header)
    chunk = b'{"x":"' + b"y" * (1024 * 1024 - 6)
    for _ in range(size // len(chunk)):
        probe.daemon.send(chunk)
    replies = probe.replies_to(b"")
    assert [r["error"]["code"] for r in replies] == [-32600], replies
    assert "limit" in replies[0]["error"]["message"]
    grown = probe.daemon.peak_rss_kb() - before
    assert grown < 24 * 1024, f"the daemon's peak RSS grew by {grown} kB for a skipped body"


def test_a_huge_content_length_is_refused_before_its_body(tmp_path: Path) -> None:
    with started(tmp_path / "huge.db") as daemon:
        next(TRIED)
        daemon.send(b"Content-Length: %d\r\n\r\n" % 10**12)  # a terabyte, never sent
        (reply,) = daemon.take_unmatched(1)
        assert reply["error"]["code"] == -32600
        assert str(10**12) in reply["error"]["message"]
        # What follows is the body being skipped: it must not be run.
        daemon.send(request_bytes(None, "exit"))
        daemon.close_stdin()
        daemon.wait()
        assert not daemon.answers() and not daemon.unmatched
