"""Live updates: daemons on one store, each subscribed, see every change any
of them commits, exactly once and in order (on each backend).

No test sleeps: each waits for the notification it needs, and a "marker"
(a session started last) stands for "everything before it has arrived",
since changes arrive in commit order.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from typing import Any

import pytest

from support.rawpipe import INITIALIZE, Daemon, frame, request


class Client(Daemon):
    """A daemon on pipes that keeps the notifications it reads."""

    def __init__(self, db: str) -> None:
        super().__init__(db=db)
        self.notes: list[dict[str, Any]] = []
        self._ids = iter(range(1, 10**9))
        self.send(INITIALIZE)
        assert "result" in self.answer(0)

    def answer(self, msg_id: int, timeout: float = 20.0) -> dict[str, Any]:
        while True:
            message = self.read(timeout)
            if "id" not in message:
                self.notes.append(message)
            elif message["id"] == msg_id:
                return message

    def rpc(self, method: str, params: Any = None) -> Any:
        reply = self.call(next(self._ids), method, {} if params is None else params)
        assert "result" in reply, reply
        return reply["result"]

    def until(self, done: Any, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            self.notes.append(self.read(max(0.01, deadline - time.monotonic())))

    def saw_start_of(self, ulid: str) -> bool:
        return any(
            n["method"] == "session/didStart" and n["params"]["session"]["ulid"] == ulid
            for n in self.notes
        )

    def marker(self, writer: Client, name: str) -> None:
        """Wait until the didStart of a session `writer` starts now has come."""
        writer.rpc("session/start", {"cliVersion": "marker", "ulid": name})
        self.until(lambda: self.saw_start_of(name))


@pytest.fixture
def clients(store_db):
    made: list[Client] = []

    def make(count: int) -> list[Client]:
        made.extend(Client(store_db) for _ in range(count))
        return made[-count:]

    yield make
    for client in made:
        client.kill()


def by_method(notes: list[dict[str, Any]], method: str) -> list[dict[str, Any]]:
    return [n["params"] for n in notes if n["method"] == method]


@pytest.mark.parametrize("count", [2, 4])
def test_every_client_gets_every_change_once_in_commit_order(clients, count):
    daemons = clients(count)
    for d in daemons:
        assert d.rpc("session/subscribe") is None
    ulids = []
    for n, d in enumerate(daemons):
        s = d.rpc("session/start", {"cliVersion": f"writer {n}"})
        ulids.append(s["ulid"])
        for i in range(3):
            d.send(
                request(
                    100 + i,
                    "session/append",
                    {"sessionId": s["id"], "kind": "prompt", "text": f"{n}-{i}"},
                )
            )
        for i in range(3):
            d.answer(100 + i)
        d.rpc("session/rename", {"sessionId": s["id"], "title": f"title {n}"})
        d.rpc("session/end", {"sessionId": s["id"]})
        d.rpc("session/delete", {"sessionId": s["id"]})
        d.rpc("session/restore", {"sessionId": s["id"]})
    for d in daemons:
        d.marker(daemons[0], f"marker-{id(d)}")
    for d in daemons:
        started = [p["session"]["ulid"] for p in by_method(d.notes, "session/didStart")]
        assert started[: len(ulids)] == ulids  # own writes included, in commit order
        ids = {
            p["session"]["ulid"]: p["session"]["id"] for p in by_method(d.notes, "session/didStart")
        }
        appended = [
            (p["event"]["sessionId"], p["event"]["seq"], p["event"]["text"])
            for p in by_method(d.notes, "session/didAppend")
        ]
        expected = [(ids[u], i + 1, f"{n}-{i}") for n, u in enumerate(ulids) for i in range(3)]
        assert appended == expected  # exactly once, in order
        changed = Counter(p["session"]["ulid"] for p in by_method(d.notes, "session/didChange"))
        assert changed == dict.fromkeys(ulids, 4)  # renamed, ended, deleted, restored
        # didStart comes before the session's events, didChange after the ones before it.
        order = [
            (
                n["method"],
                (n["params"].get("session") or {}).get("ulid") or n["params"]["event"]["sessionId"],
            )
            for n in d.notes
        ]
        for u in ulids:
            assert order.index(("session/didStart", u)) < order.index(("session/didAppend", ids[u]))


def test_the_session_in_a_notification_is_the_v2_session(clients):
    [d] = clients(1)
    d.rpc("session/subscribe")
    s = d.rpc("session/start", {"cliVersion": "v2"})
    d.rpc("session/append", {"sessionId": s["id"], "kind": "prompt", "text": "first  prompt"})
    d.rpc("session/rename", {"sessionId": s["id"], "title": "Named"})
    d.until(lambda: len(by_method(d.notes, "session/didChange")) == 1)
    session = by_method(d.notes, "session/didChange")[0]["session"]
    assert session["title"] == "Named" and session["preview"] == "first prompt"
    assert set(session) >= {"id", "ulid", "title", "preview", "deletedAt", "eventCount"}
    event = by_method(d.notes, "session/didAppend")[0]["event"]
    assert set(event) == {"sessionId", "seq", "kind", "text", "createdAt"}


def test_unsubscribe_stops_them_and_nothing_comes_unasked(clients):
    quiet, writer = clients(2)
    writer.rpc("session/start", {"cliVersion": "w", "ulid": "before-any-subscribe"})
    quiet.rpc("session/subscribe")
    writer.rpc("session/start", {"cliVersion": "w", "ulid": "while-subscribed"})
    quiet.until(lambda: quiet.saw_start_of("while-subscribed"))
    assert quiet.rpc("session/unsubscribe") is None
    assert quiet.rpc("session/unsubscribe") is None  # idempotent
    writer.rpc("session/start", {"cliVersion": "w", "ulid": "after-unsubscribe"})
    quiet.rpc("session/subscribe")
    quiet.marker(writer, "after-resubscribe")
    started = [p["session"]["ulid"] for p in by_method(quiet.notes, "session/didStart")]
    assert started == ["while-subscribed", "after-resubscribe"]


def test_a_killed_writer_sends_exactly_what_it_committed(clients):
    watcher, writer, other = clients(3)
    watcher.rpc("session/subscribe")
    s = writer.rpc("session/start", {"cliVersion": "doomed"})
    burst = b"".join(
        request(
            1000 + i, "session/append", {"sessionId": s["id"], "kind": "system", "text": f"e{i}"}
        )
        for i in range(3000)
    )
    writer.send(burst)
    writer.answer(1000 + 200)  # well into the burst
    writer.proc.send_signal(signal.SIGKILL)
    writer.proc.wait()
    watcher.marker(other, "after-the-kill")
    stored = other.rpc("session/count", {"sessionId": s["id"]})["count"]
    seqs = [p["event"]["seq"] for p in by_method(watcher.notes, "session/didAppend")]
    assert stored >= 201
    assert seqs == list(range(1, stored + 1))


def test_a_request_sent_as_a_notification_subscribes_too(clients):
    d, writer = clients(2)
    d.send(frame({"jsonrpc": "2.0", "method": "session/subscribe", "params": {}}))
    d.rpc("session/last")  # handled after the subscribe, in order: it has been done
    d.marker(writer, "seen-without-an-answer")
