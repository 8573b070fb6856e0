"""Every method of the contract, through the real daemon over stdio."""

from __future__ import annotations

import re

import pytest
from pygls.exceptions import JsonRpcException

import sessiond
from support.rawpipe import Daemon, request, rpc

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")


async def error_of(client, method, params):
    with pytest.raises(JsonRpcException) as info:
        await rpc(client, method, params)
    return info.value


async def start(client, **params):
    return await rpc(client, "session/start", {"cliVersion": "test 1", **params})


async def test_initialize_announces_the_protocol(client):
    result = client.protocol  # the session was initialized by the fixture
    assert result is not None
    info = await rpc(client, "session/last", {})
    assert info is None


@pytest.mark.parametrize(
    ("args", "env", "engine"),
    [
        ((), {"SESSIOND_ENGINE_BASE_URL": ""}, False),
        (("--engine-base-url", "http://127.0.0.1:9/v1"), {}, True),
        ((), {"SESSIOND_ENGINE_BASE_URL": "http://127.0.0.1:9/v1"}, True),
    ],
    ids=["no engine", "option", "environment"],
)
def test_initialize_result(args, env, engine):
    d = Daemon(*args, env=env)
    try:
        d.send(request(0, "initialize", {"capabilities": {}}))
        result = d.answer(0)["result"]
        assert result["serverInfo"] == {"name": "sessiond", "version": sessiond.__version__}
        assert result["capabilities"]["experimental"]["sessiond"] == {
            "protocolVersion": 3,
            "maxTextBytes": 1048576,
            "chat": True,
            "engine": engine,
            # A new store has no vectors: `sessiond index` makes them.
            "semantic": False,
        }
        error = d.call(1, "initialize", {"capabilities": {}})["error"]
        assert error["code"] == -32600
        assert "already initialized" in error["message"]
    finally:
        d.kill()


async def test_start_makes_a_ulid_and_reports_every_field(client):
    s = await start(client, engineBaseUrl="http://127.0.0.1:8080")
    assert ULID.fullmatch(s["ulid"])
    assert STAMP.fullmatch(s["startedAt"])
    assert s == {
        "id": s["id"],
        "ulid": s["ulid"],
        "startedAt": s["startedAt"],
        "endedAt": None,
        "engineBaseUrl": "http://127.0.0.1:8080",
        "cliVersion": "test 1",
        "parentUlid": None,
        "eventCount": 0,
        "title": None,
        "preview": None,
        "deletedAt": None,
        "source": None,
        "sourceId": None,
        "project": None,
        "branch": None,
        "lastActivityAt": s["startedAt"],
        "usage": None,
        "models": [],
    }
    assert isinstance(s["id"], int) and s["id"] >= 1


async def test_start_with_a_given_ulid_and_a_parent(client):
    parent = await start(client, ulid="my-session_1")
    assert parent["ulid"] == "my-session_1"
    child = await start(client, parentUlid="my-session_1")
    assert child["parentUlid"] == "my-session_1"
    assert (await rpc(client, "session/get", {"ulid": child["ulid"]})) == child


async def test_start_refuses_a_taken_ulid(client):
    await start(client, ulid="TAKEN")
    error = await error_of(client, "session/start", {"cliVersion": "x", "ulid": "TAKEN"})
    assert error.code == 1002
    assert "TAKEN" in error.message and "already exists" in error.message


async def test_start_refuses_an_unknown_parent(client):
    error = await error_of(client, "session/start", {"cliVersion": "x", "parentUlid": "NOPE"})
    assert error.code == 1001
    assert "NOPE" in error.message


async def test_end_is_idempotent(client):
    s = await start(client)
    ended = await rpc(client, "session/end", {"sessionId": s["id"]})
    assert STAMP.fullmatch(ended["endedAt"])
    assert {**ended, "endedAt": None} == s
    assert await rpc(client, "session/end", {"sessionId": s["id"]}) == ended
    assert (await error_of(client, "session/end", {"sessionId": 999})).code == 1001


async def test_append_numbers_events_per_session(client):
    a = await start(client)
    b = await start(client)
    seqs = []
    for n in range(3):
        r = await rpc(
            client, "session/append", {"sessionId": a["id"], "kind": "prompt", "text": f"a{n}"}
        )
        assert STAMP.fullmatch(r["createdAt"])
        seqs.append(r["seq"])
    r = await rpc(client, "session/append", {"sessionId": b["id"], "kind": "system", "text": "b"})
    assert seqs == [1, 2, 3]
    assert r["seq"] == 1
    assert (await rpc(client, "session/count", {"sessionId": a["id"]})) == {"count": 3}
    assert (await rpc(client, "session/get", {"ulid": a["ulid"]}))["eventCount"] == 3


@pytest.mark.parametrize("kind", ["prompt", "system", "command", "warn", "alert", "mode_change"])
async def test_every_kind_is_stored(client, kind):
    s = await start(client)
    await rpc(client, "session/append", {"sessionId": s["id"], "kind": kind, "text": "x"})
    events = (await rpc(client, "session/events", {"sessionId": s["id"], "limit": 1}))["events"]
    assert events[0]["kind"] == kind


async def test_append_to_an_ended_session_is_refused(client):
    s = await start(client)
    await rpc(client, "session/end", {"sessionId": s["id"]})
    error = await error_of(
        client, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": "late"}
    )
    assert error.code == 1003
    assert "ended" in error.message and "parentUlid" in error.message
    assert (await rpc(client, "session/count", {"sessionId": s["id"]})) == {"count": 0}


async def test_append_to_an_unknown_session(client):
    error = await error_of(
        client, "session/append", {"sessionId": 4242, "kind": "prompt", "text": "x"}
    )
    assert error.code == 1001
    assert "4242" in error.message


async def test_text_limit_is_counted_in_utf8_bytes(client):
    s = await start(client)
    fits = "x" * 1048576
    r = await rpc(client, "session/append", {"sessionId": s["id"], "kind": "system", "text": fits})
    assert r["seq"] == 1
    for text in ("x" * 1048577, "é" * 524289):  # 1,048,577 and 1,048,578 bytes
        error = await error_of(
            client, "session/append", {"sessionId": s["id"], "kind": "system", "text": text}
        )
        assert error.code == 1004
        assert "1048576" in error.message
    events = (await rpc(client, "session/events", {"sessionId": s["id"], "limit": 10}))["events"]
    assert [e["text"] for e in events] == [fits]


async def test_a_lone_surrogate_is_invalid(client):
    s = await start(client)
    error = await error_of(
        client, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": "a\ud800b"}
    )
    assert error.code == -32602
    assert "surrogate" in error.message
    assert (await rpc(client, "session/count", {"sessionId": s["id"]})) == {"count": 0}


async def test_unicode_round_trips(client):
    s = await start(client)
    text = 'héllo — 你好 🎉\n\ttabs "quotes" \\ \u0000 nul'
    await rpc(client, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": text})
    events = (await rpc(client, "session/events", {"sessionId": s["id"], "limit": 5}))["events"]
    assert events[0]["text"] == text


async def test_events_are_the_newest_in_replay_order(client):
    s = await start(client)
    for n in range(1, 11):
        await rpc(
            client, "session/append", {"sessionId": s["id"], "kind": "prompt", "text": str(n)}
        )

    async def page(**extra):
        result = await rpc(client, "session/events", {"sessionId": s["id"], **extra})
        return [(e["seq"], e["text"]) for e in result["events"]]

    assert await page(limit=3) == [(8, "8"), (9, "9"), (10, "10")]
    assert await page(limit=3, beforeSeq=8) == [(5, "5"), (6, "6"), (7, "7")]
    assert await page(limit=100, beforeSeq=3) == [(1, "1"), (2, "2")]
    assert await page(limit=100, beforeSeq=1) == []
    assert await page(limit=0) == []
    event = (await rpc(client, "session/events", {"sessionId": s["id"], "limit": 1}))["events"][0]
    assert set(event) == {"sessionId", "seq", "kind", "text", "createdAt", "meta"}
    assert event["sessionId"] == s["id"]


async def test_events_limit_zero_reads_nothing(client):
    assert await rpc(client, "session/events", {"sessionId": 777, "limit": 0}) == {"events": []}
    error = await error_of(client, "session/events", {"sessionId": 777, "limit": 1})
    assert error.code == 1001


async def test_list_is_newest_first_ties_by_id(client):
    made = [await start(client) for _ in range(12)]
    listed = (await rpc(client, "session/list", {"limit": 100}))["sessions"]
    expected = sorted(made, key=lambda s: (s["startedAt"], s["id"]), reverse=True)
    assert [s["id"] for s in listed] == [s["id"] for s in expected]
    assert (await rpc(client, "session/list", {"limit": 5}))["sessions"] == expected[:5]
    assert await rpc(client, "session/list", {"limit": 0}) == {"sessions": []}
    assert await rpc(client, "session/last", {}) == expected[0]


async def test_get_and_last_answer_null_when_nothing_matches(client):
    assert await rpc(client, "session/get", {"ulid": "NOTHING"}) is None
    assert await rpc(client, "session/last", {}) is None


async def test_count_of_an_unknown_session(client):
    assert (await error_of(client, "session/count", {"sessionId": 5})).code == 1001


async def test_milestones(client):
    assert await rpc(client, "milestone/get", {"key": "k"}) == {"value": None}
    assert await rpc(client, "milestone/set", {"key": "k", "value": "v1"}) is None
    assert await rpc(client, "milestone/get", {"key": "k"}) == {"value": "v1"}
    await rpc(client, "milestone/set", {"key": "k", "value": ""})
    assert await rpc(client, "milestone/get", {"key": "k"}) == {"value": ""}
    error = await error_of(client, "milestone/set", {"key": "k", "value": "x" * 1048577})
    assert error.code == 1004
    assert await rpc(client, "milestone/get", {"key": "k"}) == {"value": ""}


async def test_unknown_method(client):
    error = await error_of(client, "session/frobnicate", {"sessionId": 1})
    assert error.code == -32601
    assert "session/frobnicate" in error.message


def test_requests_before_initialize():
    d = Daemon()
    try:
        for n, (method, params) in enumerate(
            [
                ("session/last", {}),
                ("session/start", {"cliVersion": "v"}),
                ("nope/x", {}),
                ("shutdown", None),
            ]
        ):
            error = d.call(n, method, params)["error"]
            assert error["code"] == -32002
            assert "initialize" in error["message"]
        d.send(request(9, "initialize", {"capabilities": {}}))
        assert "result" in d.answer(9)
        assert d.call(10, "session/last")["result"] is None
    finally:
        d.kill()
