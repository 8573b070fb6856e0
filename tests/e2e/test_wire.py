"""The wire itself: framing, JSON-RPC envelopes, oversize bodies."""

from __future__ import annotations

import pytest
from rawpipe import INITIALIZE, Daemon, frame, request


@pytest.mark.parametrize(
    ("message", "answer_id"),
    [
        ([{"jsonrpc": "2.0", "id": 1, "method": "session/last"}], None),
        ("just a string", None),
        (42, None),
        ({"jsonrpc": "1.0", "id": 3, "method": "session/last"}, 3),
        ({"id": 4, "method": "session/last"}, 4),
        ({"jsonrpc": "2.0", "id": 5, "method": 17}, 5),
        ({"jsonrpc": "2.0", "id": 6}, 6),
        ({"jsonrpc": "2.0", "id": {"no": 1}, "method": "session/last"}, None),
        ({"jsonrpc": "2.0", "id": True, "method": "session/last"}, None),
    ],
)
def test_invalid_requests(daemon, message, answer_id):
    daemon.send(frame(message))
    reply = daemon.read()
    assert reply["id"] == answer_id
    assert reply["error"]["code"] == -32600
    assert daemon.call(9, "session/last")["result"] is None


def test_string_ids_are_echoed(daemon):
    daemon.send(frame({"jsonrpc": "2.0", "id": "abc", "method": "session/last"}))
    assert daemon.read() == {"jsonrpc": "2.0", "id": "abc", "result": None}


def test_a_body_over_16_mib_is_skipped_unread(daemon):
    size = 17 * 1024 * 1024
    daemon.send(f"Content-Length: {size}\r\n\r\n".encode())
    chunk = b" " * (1024 * 1024)
    for _ in range(17):
        daemon.send(chunk)
    reply = daemon.read()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32600
    assert str(size) in reply["error"]["message"]
    assert daemon.call(1, "session/last")["result"] is None


def test_pipelined_requests_are_answered_in_order(daemon):
    s = daemon.call(1, "session/start", {"cliVersion": "v"})["result"]
    batch = [
        request(100 + n, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": str(n)})
        for n in range(200)
    ]
    batch.append(request(400, "session/count", {"sessionId": s["id"]}))
    daemon.send(b"".join(batch))
    seqs = [daemon.answer(100 + n)["result"]["seq"] for n in range(200)]
    assert seqs == list(range(1, 201))
    # A read after queued appends sees all of them: read-your-writes.
    assert daemon.answer(400)["result"] == {"count": 200}


def test_a_broken_header_block_stops_the_server_with_an_error():
    d = Daemon()
    try:
        d.send(INITIALIZE)
        assert "result" in d.answer(0)
        d.send(b"my private turn, not a header\r\n\r\n")
        assert d.wait() != 0
        log = d.stderr()
        assert "broken" in log
        assert "private" not in log, "a person's text reached the log"
    finally:
        d.kill()


def test_max_text_bytes_is_configurable():
    d = Daemon("--max-text-bytes", "10")
    try:
        d.send(INITIALIZE)
        init = d.answer(0)["result"]
        assert init["capabilities"]["experimental"]["sessiond"]["maxTextBytes"] == 10
        s = d.call(1, "session/start", {"cliVersion": "v"})["result"]
        ok = d.call(
            2, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": "0123456789"}
        )
        assert ok["result"]["seq"] == 1
        big = d.call(
            3, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": "01234567890"}
        )
        assert big["error"]["code"] == 1004
    finally:
        d.kill()
