"""Version-2 params the daemon refuses, and queries it must never fail on
(one daemon for the module)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pygls.exceptions import JsonRpcException

from support.rawpipe import rpc

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def error_of(client, method, params):
    with pytest.raises(JsonRpcException) as info:
        await rpc(client, method, params)
    return info.value


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"query": "!!!", "limit": 5}, "no word"),
        ({"query": "-alone", "limit": 5}, "only leaves words out"),
        ({"query": "x" * 1001, "limit": 5}, "1 to 1000"),
        ({"query": "", "limit": 5}, "1 to 1000"),
        ({"query": "a", "limit": 10001}, "'limit'"),
        ({"query": "a"}, "'limit' is required"),
        ({"query": "a", "limit": 5, "kinds": ["note"]}, "'kinds'"),
        ({"query": "a", "limit": 5, "kinds": "prompt"}, "kinds"),
        ({"query": "a", "limit": 5, "since": "yesterday"}, "RFC 3339"),
        ({"query": "a", "limit": 5, "until": "2026-11-25T04:26:05"}, "with a zone"),
        ({"query": "a", "limit": 5, "sessionId": 0}, "'sessionId'"),
        ({"query": 5, "limit": 5}, "'query'"),
    ],
)
async def test_search_refusals_are_invalid_params(shared, params, says):
    error = await error_of(shared, "session/search", params)
    assert error.code == -32602
    assert says in error.message


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(min_size=1, max_size=200))
async def test_any_query_is_hits_or_invalid_params_never_internal(shared, query):
    try:
        got = await rpc(shared, "session/search", {"query": query, "limit": 3})
    except JsonRpcException as exc:
        assert exc.code == -32602, exc
    else:
        assert isinstance(got["hits"], list)


async def test_a_refused_query_names_the_method_as_every_refusal_does(shared):
    error = await error_of(shared, "session/search", {"query": "?!", "limit": 1})
    assert error.message.startswith("session/search: 'query' has no word to look for")
