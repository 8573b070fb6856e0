"""Each trap of pygls 2.1 as released, checked on the real daemon's pipes.

See the module docstring of sessiond.daemon.server for what each one was.
"""

from __future__ import annotations

import os

import pytest

from support.rawpipe import INITIALIZE, Daemon, frame, request


def test_a_request_without_params_is_answered(daemon):
    daemon.send(request(1, "session/last", omit_params=True))
    assert daemon.answer(1) == {"jsonrpc": "2.0", "id": 1, "result": None}
    # A method with required params names the missing field instead.
    daemon.send(request(2, "session/list", omit_params=True))
    error = daemon.answer(2)["error"]
    assert error["code"] == -32602
    assert "'limit' is required" in error["message"]


def test_null_params_read_as_empty(daemon):
    daemon.send(frame({"jsonrpc": "2.0", "id": 1, "method": "session/last", "params": None}))
    assert daemon.answer(1)["result"] is None


def test_invalid_params_are_answered_not_dropped(daemon):
    daemon.send(request(1, "session/append", {"sessionId": "one", "kind": 5}))
    assert daemon.answer(1)["error"]["code"] == -32602
    assert daemon.call(2, "session/last")["result"] is None


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b"\xff\xfe\x00garbage", b'{"jsonrpc": "2.0", "id": 1,', b"[" * 100_000],
    ids=["broken", "empty", "not-utf8", "truncated", "deeply-nested"],
)
def test_invalid_json_gets_parse_error_and_serving_goes_on(daemon, body):
    daemon.send(frame(body))
    reply = daemon.read()
    assert reply["id"] is None
    assert reply["error"]["code"] == -32700
    assert reply["error"]["message"]
    assert daemon.call(5, "session/last")["result"] is None


@pytest.mark.parametrize("header", ["content-length", "CONTENT-LENGTH", "Content-length"])
def test_header_names_are_case_insensitive(daemon, header):
    body = b'{"jsonrpc":"2.0","id":7,"method":"session/last","params":{}}'
    daemon.send(f"{header}: {len(body)}\r\n\r\n".encode() + body)
    assert daemon.answer(7)["result"] is None


def test_extra_headers_are_accepted(daemon):
    body = b'{"jsonrpc":"2.0","id":8,"method":"session/last"}'
    daemon.send(
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    assert daemon.answer(8)["result"] is None


def test_errors_never_pop_up_in_the_editor():
    d = Daemon()
    try:
        d.send(INITIALIZE)
        d.send(frame(b"{bad"))
        d.send(frame({"jsonrpc": "2.0", "method": "unknown/notification", "params": {}}))
        d.send(frame({"jsonrpc": "2.0", "method": "session/append", "params": {"x": 1}}))
        d.send(frame({"jsonrpc": "2.0", "id": 99, "result": {"stray": True}}))
        d.send(request(1, "session/events", {"sessionId": 1, "limit": "x"}))
        d.send(request(2, "no/such"))
        d.send(request(3, "shutdown"))
        d.send(frame({"jsonrpc": "2.0", "method": "exit"}))
        d.close_input()
        messages = []
        while True:
            try:
                messages.append(d.read())
            except EOFError:
                break
        assert d.wait() == 0
    finally:
        d.kill()
    assert not [m for m in messages if "method" in m], "the server sent a notification"
    answered = {m.get("id") for m in messages}
    assert {0, 1, 2, 3, None} <= answered


def test_after_shutdown_requests_are_refused_not_dropped(daemon):
    assert daemon.call(1, "shutdown") == {"jsonrpc": "2.0", "id": 1, "result": None}
    error = daemon.call(2, "session/last")["error"]
    assert error["code"] == -32600
    assert "shutting down" in error["message"]
    daemon.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert daemon.wait() == 0


def test_exit_without_shutdown_exits_1(daemon):
    daemon.send(frame({"jsonrpc": "2.0", "method": "exit"}))
    assert daemon.wait() == 1


def test_end_of_input_ends_the_server_cleanly(daemon):
    daemon.close_input()
    assert daemon.wait() == 0


def test_stdin_is_read_without_a_thread_per_line(daemon):
    """pygls's reader ran every readline in a thread pool; ours is one pipe."""
    daemon.send(b"".join(request(i, "session/last") for i in range(1, 501)))
    for i in range(1, 501):
        assert daemon.answer(i)["result"] is None
    threads = os.listdir(f"/proc/{daemon.proc.pid}/task")
    assert len(threads) == 1, f"the daemon runs {len(threads)} threads"
