"""The version-2 methods through the real daemon: search, rename, the trash."""

from __future__ import annotations

import pytest
from pygls.exceptions import JsonRpcException

from support.rawpipe import Daemon, request, rpc


async def error_of(client, method, params):
    with pytest.raises(JsonRpcException) as info:
        await rpc(client, method, params)
    return info.value


async def seeded(client, *texts, kind="prompt"):
    session = await rpc(client, "session/start", {"cliVersion": "test v2"})
    for text in texts:
        await rpc(
            client, "session/append", {"sessionId": session["id"], "kind": kind, "text": text}
        )
    return await rpc(client, "session/get", {"ulid": session["ulid"]})


def test_the_server_speaks_version_2():
    d = Daemon()
    try:
        d.send(request(0, "initialize", {"capabilities": {}}))
        assert (
            d.answer(0)["result"]["capabilities"]["experimental"]["sessiond"]["protocolVersion"]
            == 2
        )
    finally:
        d.kill()


async def test_a_session_has_title_preview_and_deleted_at(client):
    started = await rpc(client, "session/start", {"cliVersion": "test v2"})
    assert (started["title"], started["preview"], started["deletedAt"]) == (None, None, None)
    session = await seeded(client, "  What is   the\nplan?  ", "second")
    assert session["preview"] == "What is the plan?"
    listed = (await rpc(client, "session/list", {"limit": 1}))["sessions"][0]
    assert listed["preview"] == "What is the plan?"


async def test_search_finds_ranks_snippets_and_highlights(client):
    session = await seeded(
        client,
        "Where can I get a Café au lait? 😀 日本語",
        "nothing to see",
        "the café closes at six, café is nice",
    )
    hits = (await rpc(client, "session/search", {"query": "cafe", "limit": 10}))["hits"]
    assert [h["seq"] for h in hits] == [3, 1]  # two matches in a shorter text rank first
    hit = hits[1]
    assert hit["session"]["id"] == session["id"] and hit["kind"] == "prompt"
    assert hit["snippet"] == "Where can I get a Café au lait? 😀 日本語"
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["Café"]
    assert set(hit) == {"session", "seq", "kind", "createdAt", "snippet", "highlights"}
    after_emoji = (await rpc(client, "session/search", {"query": "日本語", "limit": 1}))["hits"][0]
    start, end = after_emoji["highlights"][0]
    assert after_emoji["snippet"][start:end] == "日本語"  # code points, not UTF-16 units


async def test_search_filters_and_language(client):
    a = await seeded(client, "deploy the api", "rollback the api")
    b = await seeded(client, "deploy the web", kind="system")
    search = lambda **p: rpc(client, "session/search", {"limit": 10, **p})  # noqa: E731
    got = await search(query="deploy", sessionId=a["id"])
    assert [(h["session"]["id"], h["seq"]) for h in got["hits"]] == [(a["id"], 1)]
    got = await search(query="deploy", kinds=["system"])
    assert [h["session"]["id"] for h in got["hits"]] == [b["id"]]
    got = await search(query='"the api" -rollback')
    assert [(h["session"]["id"], h["seq"]) for h in got["hits"]] == [(a["id"], 1)]
    got = await search(query="rollb* OR web")
    assert {(h["session"]["id"], h["seq"]) for h in got["hits"]} == {(a["id"], 2), (b["id"], 1)}
    got = await search(query="deploy", since="2999-01-01T00:00:00Z")
    assert got["hits"] == []
    got = await search(query="deploy", until="2999-01-01T00:00:00.000+02:00")
    assert len(got["hits"]) == 2
    # Engine syntax is plain text, never an error.
    for query in ["(deploy", "deploy:", "^deploy", '"deploy', "deploy)", "{deploy}"]:
        assert len((await search(query=query))["hits"]) == 2, query
    for query in ["NEAR(deploy)", "deploy AND NOT", "col:deploy", "deploy*)"]:
        assert isinstance((await search(query=query))["hits"], list), query


async def test_rename(client):
    session = await seeded(client, "hello")
    renamed = await rpc(client, "session/rename", {"sessionId": session["id"], "title": "Greeting"})
    assert renamed == {**session, "title": "Greeting"}
    cleared = await rpc(client, "session/rename", {"sessionId": session["id"], "title": None})
    assert cleared["title"] is None
    for params, code in [
        ({"sessionId": session["id"], "title": ""}, -32602),
        ({"sessionId": session["id"], "title": "x" * 257}, -32602),
        ({"sessionId": session["id"]}, -32602),
        ({"sessionId": 99999, "title": "x"}, 1001),
    ]:
        assert (await error_of(client, "session/rename", params)).code == code


async def test_delete_and_restore(client):
    kept = await seeded(client, "kept needle")
    gone = await seeded(client, "trashed needle")
    deleted = await rpc(client, "session/delete", {"sessionId": gone["id"]})
    assert deleted["deletedAt"] is not None and deleted["endedAt"] is not None
    assert await rpc(client, "session/delete", {"sessionId": gone["id"]}) == deleted
    listed = (await rpc(client, "session/list", {"limit": 10}))["sessions"]
    assert [s["id"] for s in listed] == [kept["id"]]
    trash = (await rpc(client, "session/list", {"limit": 10, "deleted": True}))["sessions"]
    assert [s["id"] for s in trash] == [gone["id"]]
    assert (await rpc(client, "session/last"))["id"] == kept["id"]
    hits = (await rpc(client, "session/search", {"query": "needle", "limit": 10}))["hits"]
    assert [h["session"]["id"] for h in hits] == [kept["id"]]
    assert (await rpc(client, "session/get", {"ulid": gone["ulid"]}))["deletedAt"] == deleted[
        "deletedAt"
    ]
    events = await rpc(client, "session/events", {"sessionId": gone["id"], "limit": 5})
    assert [e["text"] for e in events["events"]] == ["trashed needle"]
    error = await error_of(
        client, "session/append", {"sessionId": gone["id"], "kind": "prompt", "text": "x"}
    )
    assert error.code == 1003
    restored = await rpc(client, "session/restore", {"sessionId": gone["id"]})
    assert restored == {**deleted, "deletedAt": None}
    hits = (await rpc(client, "session/search", {"query": "needle", "limit": 10}))["hits"]
    assert {h["session"]["id"] for h in hits} == {kept["id"], gone["id"]}
    for method in ("session/delete", "session/restore"):
        assert (await error_of(client, method, {"sessionId": 99999})).code == 1001
    assert (await error_of(client, "session/list", {"limit": 1, "deleted": 1})).code == -32602
