"""The wire itself: framing, JSON-RPC envelopes, oversize bodies."""

from __future__ import annotations

import json

import pytest

from support.rawpipe import INITIALIZE, Daemon, frame, request


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


BODY = b'{"jsonrpc":"2.0","id":%d,"method":"session/last"}'


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: %d\n\n",
        b"content-length:%d\n\n",
        b"Content-Type: application/vscode-jsonrpc\nContent-Length: %d\n\n",
        b"Content-Length: %d\r\n\n",
        b"Content-Length: %d\n\r\n",
    ],
    ids=["lf", "lf-lowercase", "lf-two-lines", "crlf-then-lf", "lf-then-crlf"],
)
def test_header_lines_may_end_with_a_bare_newline(daemon, header):
    """Many clients (and anyone typing) end lines with \\n alone: read them.
    The plain CRLF frame after each checks the stream is still in step."""
    body = BODY % 1
    daemon.send(header % len(body) + body + frame(BODY % 2))
    assert daemon.answer(1)["result"] is None
    assert daemon.answer(2)["result"] is None


def test_typed_input_with_a_newline_after_each_body_is_read():
    """As a person types into a terminal: every line, the body's too, ends with Enter."""
    d = Daemon()
    try:
        init = b'{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}'
        typed = b"Content-Length: %d\n\n%s\n" % (len(init), init)
        for n in (1, 2):
            typed += b"Content-Length: %d\n\n%s\n" % (len(BODY % n), BODY % n)
        d.send(typed)
        assert "result" in d.answer(0)
        assert d.answer(1)["result"] is None
        assert d.answer(2)["result"] is None
        d.close_input()
        assert d.wait() == 0
    finally:
        d.kill()


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-8-sig"]
)
def test_a_body_that_is_not_utf8_is_refused(daemon, encoding):
    """json.loads(bytes) would guess UTF-16/32 (and skip a BOM); the wire is UTF-8."""
    daemon.send(
        frame(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session/last"}).encode(encoding))
    )
    reply = daemon.read()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    message = reply["error"]["message"]
    assert "UTF-8" in message
    if encoding == "utf-8-sig":
        assert "byte order mark" in message
    assert daemon.call(2, "session/last")["result"] is None


def test_a_number_too_long_for_python_is_refused_in_words(daemon):
    digits = b"9" * 5000
    daemon.send(frame(b'{"jsonrpc":"2.0","id":' + digits + b',"method":"session/last"}'))
    reply = daemon.read()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32600
    message = reply["error"]["message"]
    assert "'id'" in message and "5000 digits" in message
    # In params, the request's own id is answered, naming the field.
    count = b'{"jsonrpc":"2.0","id":3,"method":"session/count","params":{"sessionId":%s}}'
    daemon.send(frame(count % digits))
    error = daemon.answer(3)["error"]
    assert error["code"] == -32602
    assert "'sessionId'" in error["message"] and "5000 digits" in error["message"]
    for shown in (message, error["message"]):
        assert "sys." not in shown and "set_int_max_str_digits" not in shown
    assert daemon.call(4, "session/last")["result"] is None


def notification(method, params):
    return frame({"jsonrpc": "2.0", "method": method, "params": params})


def test_a_request_sent_as_a_notification_is_performed_and_never_answered():
    """JSON-RPC: a notification is performed, not answered. A write sent
    without an id must never vanish: it is stored, or its failure is logged."""
    d = Daemon()
    try:
        d.send(notification("session/start", {"cliVersion": "too early"}))  # before initialize
        d.send(INITIALIZE)
        assert "result" in d.answer(0)
        sid = d.call(1, "session/start", {"cliVersion": "v"})["result"]["id"]
        d.send(
            notification("session/append", {"sessionId": sid, "kind": "prompt", "text": "one"})
            + notification("milestone/set", {"key": "k", "value": "v"})
            + notification("session/start", {"cliVersion": "quiet", "ulid": "NOTIFIED"})
            + notification("session/append", {"sessionId": 999, "kind": "prompt", "text": "SECRET"})
            + notification("session/end", {"sessionId": 12345})
            + request(2, "session/count", {"sessionId": sid})
        )
        # The first message back answers id 2: nothing was sent for the others.
        assert d.read() == {"jsonrpc": "2.0", "id": 2, "result": {"count": 1}}
        assert d.call(3, "milestone/get", {"key": "k"})["result"] == {"value": "v"}
        assert d.call(4, "session/get", {"ulid": "NOTIFIED"})["result"]["cliVersion"] == "quiet"
        sessions = d.call(5, "session/list", {"limit": 10})["result"]["sessions"]
        assert {s["cliVersion"] for s in sessions} == {"v", "quiet"}
        d.send(request(6, "shutdown") + frame({"jsonrpc": "2.0", "method": "exit"}))
        d.close_input()
        assert d.wait() == 0
        log = d.stderr()
    finally:
        d.kill()
    warnings = [line for line in log.splitlines() if "notification" in line]
    assert len(warnings) == 3, log
    assert "session/start" in warnings[0] and "-32002" in warnings[0]
    assert "session/append" in warnings[1] and "1001" in warnings[1]
    assert "session/end" in warnings[2] and "1001" in warnings[2]
    assert all("WARNING" in line for line in warnings), log
    assert "SECRET" not in log
