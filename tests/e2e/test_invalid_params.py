"""Every ill-typed or out-of-range field is answered -32602, naming the field."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from support.rawpipe import rpc

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD = [
    ("session/start", {}, "cliVersion"),
    ("session/start", {"cliVersion": ""}, "cliVersion"),
    ("session/start", {"cliVersion": "v" * 257}, "cliVersion"),
    ("session/start", {"cliVersion": 3}, "cliVersion"),
    ("session/start", {"cliVersion": "v", "ulid": ""}, "ulid"),
    ("session/start", {"cliVersion": "v", "ulid": "x" * 65}, "ulid"),
    ("session/start", {"cliVersion": "v", "ulid": "has space"}, "ulid"),
    ("session/start", {"cliVersion": "v", "ulid": "ünïcode"}, "ulid"),
    ("session/start", {"cliVersion": "v", "engineBaseUrl": "h" * 2049}, "engineBaseUrl"),
    ("session/start", {"cliVersion": "v", "engineBaseUrl": 80}, "engineBaseUrl"),
    ("session/start", {"cliVersion": "v", "parentUlid": "a/b"}, "parentUlid"),
    ("session/end", {}, "sessionId"),
    ("session/end", {"sessionId": 0}, "sessionId"),
    ("session/end", {"sessionId": -1}, "sessionId"),
    ("session/end", {"sessionId": True}, "sessionId"),
    ("session/end", {"sessionId": 1.0}, "sessionId"),
    ("session/end", {"sessionId": "1"}, "sessionId"),
    ("session/end", {"sessionId": None}, "sessionId"),
    ("session/append", {"sessionId": 1, "kind": "prompt"}, "text"),
    ("session/append", {"sessionId": 1, "text": "x"}, "kind"),
    ("session/append", {"sessionId": 1, "kind": "PROMPT", "text": "x"}, "kind"),
    ("session/append", {"sessionId": 1, "kind": "reply", "text": "x"}, "kind"),
    ("session/append", {"sessionId": 1, "kind": "prompt", "text": None}, "text"),
    ("session/append", {"sessionId": 1, "kind": "prompt", "text": ["x"]}, "text"),
    ("session/append", {"sessionId": False, "kind": "prompt", "text": "x"}, "sessionId"),
    ("session/events", {"sessionId": 1}, "limit"),
    ("session/events", {"sessionId": 1, "limit": -1}, "limit"),
    ("session/events", {"sessionId": 1, "limit": 10001}, "limit"),
    ("session/events", {"sessionId": 1, "limit": 2.5}, "limit"),
    ("session/events", {"sessionId": 1, "limit": True}, "limit"),
    ("session/events", {"sessionId": 1, "limit": 5, "beforeSeq": 0}, "beforeSeq"),
    ("session/events", {"sessionId": 1, "limit": 5, "beforeSeq": "9"}, "beforeSeq"),
    ("session/list", {}, "limit"),
    ("session/list", {"limit": "50"}, "limit"),
    ("session/list", {"limit": 1e3}, "limit"),
    ("session/get", {}, "ulid"),
    ("session/get", {"ulid": 12}, "ulid"),
    ("session/count", {"sessionId": []}, "sessionId"),
    ("milestone/set", {"key": "k"}, "value"),
    ("milestone/set", {"key": "", "value": "v"}, "key"),
    ("milestone/set", {"key": "k" * 257, "value": "v"}, "key"),
    ("milestone/set", {"key": "k", "value": 1}, "value"),
    ("milestone/set", {"key": "k", "value": "\udfff"}, "value"),
    ("milestone/get", {}, "key"),
    ("milestone/get", {"key": None}, "key"),
]


@pytest.mark.parametrize(("method", "params", "field"), BAD)
async def test_bad_params_are_named(shared, method, params, field):
    with pytest.raises(JsonRpcException) as info:
        await rpc(shared, method, params)
    assert info.value.code == -32602
    assert f"'{field}'" in info.value.message
    # ...and the server goes on answering.
    assert await rpc(shared, "milestone/get", {"key": "never"}) == {"value": None}


@pytest.mark.parametrize("params", [[1, 2], "text", 5, True])
async def test_params_that_are_not_an_object(shared, params):
    with pytest.raises(JsonRpcException) as info:
        await rpc(shared, "session/list", params)
    assert info.value.code == -32602
    assert "object" in info.value.message


async def test_unknown_fields_are_ignored(shared):
    s = await rpc(shared, "session/start", {"cliVersion": "v", "future": {"x": 1}})
    assert s["cliVersion"] == "v"
