"""Each shortcut the daemon takes for speed says exactly what the slow way says.

- `plain_append` (append params without cattrs) accepts exactly what the wire
  converter accepts, with the same fields; everything else goes the slow way;
- `append_answer` (an append's answer without json.dumps) is the same JSON;
- the `initialize` result, written out as a dict, is what lsprotocol's
  converter makes of `InitializeResult`;
- pygls's own sends, with the light converter the server is built with, are
  still lsprotocol's camelCase JSON;
- `FrameDecoder` (bodies sliced out of each read) yields the same bodies as a
  reference decoder, however the bytes are split.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from pygls.protocol import default_converter

import sessiond
from sessiond.daemon.methods import APPEND_SPEC, append_answer, plain_append
from sessiond.daemon.server import SessiondServer
from sessiond.errors import InvalidParams
from sessiond.models import EVENT_KINDS
from sessiond.store import SqliteStore as Store
from sessiond.wire.framing import FrameDecoder, FramingError, Oversize, encode_frame
from sessiond.wire.methods import structure_params

# slow: many processes and thousands of requests; out of the fast loop.
pytestmark = pytest.mark.slow

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from([*EVENT_KINDS, "Prompt", "prompt ", ""]),
)
json_values = st.one_of(json_scalars, st.lists(json_scalars, max_size=2), st.just({}))
append_params = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "sessionId": st.one_of(st.integers(min_value=-3, max_value=2**64), json_values),
            "kind": st.one_of(st.sampled_from(EVENT_KINDS), json_values),
            "text": st.one_of(st.text(max_size=20), json_values),
            "meta": st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "model": st.one_of(st.text(max_size=5), json_scalars),
                        "usage": st.one_of(
                            json_values,
                            st.fixed_dictionaries(
                                {},
                                optional={
                                    "inputTokens": json_scalars,
                                    "outputTokens": json_scalars,
                                },
                            ),
                        ),
                        "tool": json_scalars,
                        "isError": json_scalars,
                        "other": json_scalars,
                    },
                ),
            ),
            "extra": json_values,
        },
    ),
)


@given(append_params)
def test_plain_append_accepts_exactly_what_the_wire_converter_accepts(params: Any) -> None:
    try:
        typed = structure_params(APPEND_SPEC, params)
    except InvalidParams:
        assert plain_append(params) is None
    else:
        assert plain_append(params) == (typed.session_id, typed.kind, typed.text, typed.meta)


def test_plain_append_spot_checks() -> None:
    assert plain_append({"sessionId": 3, "kind": "warn", "text": "x"}) == (3, "warn", "x", None)
    meta = {"model": "m", "usage": {"inputTokens": 2}}
    assert plain_append({"sessionId": 3, "kind": "system", "text": "x", "meta": meta}) == (
        3,
        "system",
        "x",
        meta,
    )
    for bad in (0, "", False, [], {"other": 1}, {"usage": {"inputTokens": -1}}):
        with pytest.raises(InvalidParams):
            plain_append({"sessionId": 3, "kind": "system", "text": "x", "meta": bad})
    assert plain_append({"sessionId": True, "kind": "warn", "text": "x"}) is None
    assert plain_append({"sessionId": 0, "kind": "warn", "text": "x"}) is None
    assert plain_append({"sessionId": 3, "kind": "Warn", "text": "x"}) is None
    assert plain_append({"sessionId": 3, "kind": "warn"}) is None
    assert plain_append(None) is None


@given(
    st.one_of(st.integers(min_value=-(2**63), max_value=2**63), st.text(max_size=20)),
    st.integers(min_value=1, max_value=2**62),
    st.sampled_from(["2026-11-25T04:26:05.123Z", "1970-01-01T00:00:00.000Z"]),
)
def test_append_answer_is_the_json_of_the_answer(msg_id: int | str, seq: int, at: str) -> None:
    body = append_answer(msg_id, seq, at)
    assert json.loads(body) == {
        "jsonrpc": "2.0",
        "id": msg_id,
        "result": {"seq": seq, "createdAt": at},
    }


class Collect:
    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += data


def bodies(data: bytes) -> list[Any]:
    decoder = FrameDecoder()
    found = decoder.feed(data)
    assert decoder.idle
    return [json.loads(b) for b in found if isinstance(b, bytes)]


@pytest.fixture
def server() -> Any:
    store = Store(":memory:", max_text_bytes=4321)
    server = SessiondServer(store)
    server.protocol.sink = Collect()
    yield server
    store.close()


def test_initialize_result_is_what_lsprotocol_makes(server: Any) -> None:
    server.protocol.handle_frames(
        [b'{"jsonrpc":"2.0","id":7,"method":"initialize","params":{"capabilities":{}}}']
    )
    (answer,) = bodies(server.protocol.sink.data)
    expected = default_converter().unstructure(
        types.InitializeResult(
            capabilities=types.ServerCapabilities(
                experimental={
                    "sessiond": {
                        "protocolVersion": 3,
                        "maxTextBytes": 4321,
                        "chat": True,
                        "engine": server.engine_set,
                        "semantic": False,
                    }
                }
            ),
            server_info=types.ServerInfo(name="sessiond", version=sessiond.__version__),
        )
    )
    assert answer == {"jsonrpc": "2.0", "id": 7, "result": expected}


def test_pygls_sends_stay_camel_case_with_the_light_converter(server: Any) -> None:
    params = types.PublishDiagnosticsParams(
        uri="file:///x",
        diagnostics=[
            types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 1)),
                message="m",
                code_description=types.CodeDescription(href="https://example.com"),
            )
        ],
    )
    server.protocol.notify("textDocument/publishDiagnostics", params)
    (sent,) = bodies(server.protocol.sink.data)
    assert sent["method"] == "textDocument/publishDiagnostics"
    diagnostic = sent["params"]["diagnostics"][0]
    assert diagnostic["codeDescription"] == {"href": "https://example.com"}
    assert "code_description" not in diagnostic


# Framing


def reference_decode(data: bytes, max_body: int) -> list[bytes | Oversize]:
    """The base protocol, read the slow and obvious way: all bytes at once."""
    out: list[bytes | Oversize] = []
    pos = 0
    while pos < len(data):
        stop = data.index(b"\r\n\r\n", pos)
        length = None
        for line in data[pos:stop].split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        assert length is not None
        pos = stop + 4
        out.append(data[pos : pos + length] if length <= max_body else Oversize(length, max_body))
        pos += length
    return out


header_styles = st.sampled_from(
    [
        b"Content-Length: %d\r\n\r\n",
        b"content-length:%d\r\n\r\n",
        b"CONTENT-LENGTH:   %d  \r\n\r\n",
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: %d\r\n\r\n",
        b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc\r\n\r\n",
    ]
)


@given(
    st.lists(st.tuples(st.binary(max_size=300), header_styles), max_size=12),
    st.lists(st.integers(min_value=0, max_value=4000), max_size=10),
    st.integers(min_value=0, max_value=200),
)
def test_frame_decoder_matches_the_reference_however_split(
    messages: list[tuple[bytes, bytes]], cuts: list[int], max_body: int
) -> None:
    stream = b"".join(style % len(body) + body for body, style in messages)
    expected = reference_decode(stream, max_body)
    decoder = FrameDecoder(max_body=max_body)
    got: list[bytes | Oversize] = []
    points = sorted({0, len(stream), *(c for c in cuts if c < len(stream))})
    for start, end in itertools.pairwise(points):
        got += decoder.feed(stream[start:end])
    assert got == expected
    assert decoder.idle


def test_frame_decoder_one_byte_at_a_time_and_a_body_over_many_reads() -> None:
    big = b"x" * 200_000
    stream = encode_frame(b'{"a":1}') + encode_frame(big) + encode_frame(b"{}")
    decoder = FrameDecoder()
    got: list[bytes | Oversize] = []
    for i in range(0, 100):
        got += decoder.feed(stream[i : i + 1])
    for i in range(100, len(stream), 4096):
        got += decoder.feed(stream[i : i + 4096])
    assert got == [b'{"a":1}', big, b"{}"]
    assert decoder.idle


def test_frame_decoder_still_refuses_what_it_cannot_read() -> None:
    with pytest.raises(FramingError):
        FrameDecoder().feed(b"Content-Length: twelve\r\n\r\n")
    with pytest.raises(FramingError):
        FrameDecoder().feed(b"Content-Type: x\r\n\r\n{}")
    with pytest.raises(FramingError):
        FrameDecoder().feed(b"X" * 9000)
    decoder = FrameDecoder()
    assert decoder.feed(b"Content-Length: 5\r\n\r\n12") == []
    assert not decoder.idle
