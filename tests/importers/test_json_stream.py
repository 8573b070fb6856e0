"""Streaming a JSON document's records (importers.json_stream): the same
records whatever the chunk boundaries cut, the array's siblings in an
object, records over the limit dropped while streaming, a cut document said
so, a file that is no JSON document refused, and a small array parsed whole
giving what the stream gives."""

from __future__ import annotations

import json
import random
import tracemalloc
from pathlib import Path

import pytest

import sessiond.importers.json_stream as js


def pieces(path: Path, member: str | None = None, max_bytes: int = 1 << 20) -> list[object]:
    out: list[object] = []
    for piece in js.read_elements(path, member, max_bytes):
        if isinstance(piece, js.Element):
            out.append(None if piece.dropped else js.element_object(piece))
        else:
            out.append(piece)
    return out


def awkward(rnd: random.Random) -> str:
    return "".join(rnd.choice('ab"\\\n{}[],: é\u2028') for _ in range(rnd.randint(0, 24)))


RECORDS = [
    {
        "ts": i,
        "text": awkward(random.Random(i)),
        "nested": {"a": [1, {"b": awkward(random.Random(-i))}]},
    }
    for i in range(40)
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_every_record_whatever_the_chunks_cut(monkeypatch, tmp_path, chunk, indent):
    monkeypatch.setattr(js, "CHUNK", chunk)
    array = tmp_path / "array.json"
    array.write_text(json.dumps(RECORDS, indent=indent, ensure_ascii=False))
    document = tmp_path / "object.json"
    document.write_text(
        json.dumps(
            {
                "version": 1,
                "sessionId": 'x\\"y',
                "origin": {"a": [1, 2]},
                "messages": RECORDS,
                "system_prompt": "s" * 40,
                "tail": [1],
            },
            indent=indent,
        )
    )

    assert pieces(array) == RECORDS
    got = pieces(document, "messages")
    assert [p for p in got if not isinstance(p, js.Member)] == RECORDS
    assert {p.key: p.value for p in got if isinstance(p, js.Member)} == {
        "version": 1,
        "sessionId": 'x\\"y',
        "origin": {"a": [1, 2]},
        "system_prompt": "s" * 40,
        "tail": [1],
    }
    # an object whose records are a top-level array is read too
    assert pieces(array, "messages") == RECORDS


def test_a_record_over_the_limit_is_dropped_while_streaming(tmp_path):
    path = tmp_path / "big.json"
    with path.open("w") as f:
        f.write('[{"ts": 1}, {"text": "')
        for _ in range(64):
            f.write("x" * (1 << 20))
        f.write('"}, {"ts": 2}]')

    tracemalloc.start()
    try:
        got = pieces(path, max_bytes=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert got == [{"ts": 1}, None, {"ts": 2}]
    assert peak < 16 << 20, f"held {peak >> 20} MiB"


def test_a_cut_document_ends_with_cut(tmp_path):
    path = tmp_path / "cut.json"
    text = json.dumps(RECORDS[:5])
    path.write_text(text[: text.index('{"ts": 4') + 12])

    got = pieces(path)

    assert got[:4] == RECORDS[:4]
    assert got[4:] == [js.Cut(element=True)]


def test_records_that_are_not_objects_come_out_for_the_caller_to_refuse(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text('[1, "x", {"a": 1}, {bad}, []]')

    datas = [p.data for p in js.read_elements(path) if isinstance(p, js.Element)]

    assert datas == [b"1", b'"x"', b'{"a": 1}', b"{bad}", b"[]"]
    assert [js.parse_element(d) for d in datas] == [
        "records that are JSON but not an object",
        "records that are JSON but not an object",
        {"a": 1},
        "records that are not JSON",
        "records that are JSON but not an object",
    ]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"", "it is empty"),
        (b"   \n", "it is empty"),
        (b"hello", "it is not a JSON document"),
        (b'{"type": "user"}\n{"type": "assistant"}\n', "JSON object where an array"),
    ],
)
def test_a_file_that_is_no_json_array_is_refused(tmp_path, content, why):
    path = tmp_path / "x.json"
    path.write_bytes(content)

    with pytest.raises(js.NotAJsonDocument, match=why):
        list(js.read_elements(path))


def test_records_whole_in_a_chunk_come_out_as_those_walked_byte_by_byte(monkeypatch, tmp_path):
    """A record whole in its chunk is found by a C scan of the chunk read as
    Latin-1 (a character a byte); one cut by the chunk's end, a number that
    may go on in the next, or one the scan refuses (a raw control character
    in a string) is walked as before: the same data and ends either way."""
    records = [
        *RECORDS[:5],
        1234567,
        "plain \u00e9\U0001f600 text",
        [1, [2, [3]]],
        -0.5e-3,
        {"raw": "tab\there"},
        True,
        None,
        {"ascii": "only", "n": [1, {"m": "\\u00e9"}]},
    ]
    text = json.dumps(records, ensure_ascii=False).replace("\\t", "\t")  # a raw tab
    path = tmp_path / "mixed.json"
    path.write_bytes(text.encode())

    parsed_once = []

    def ends_and_data() -> list[tuple[int, bytes | None]]:
        elements = [p for p in js.read_elements(path) if isinstance(p, js.Element)]
        for p in elements:
            if p.data is not None:
                # parsed while found (an object in ASCII) or now: the same
                assert js.element_object(p) == js.parse_element(p.data)
        parsed_once.append(sum(p.parsed is not None for p in elements))
        return [(p.end, p.data) for p in elements]

    walked = []
    for chunk in (1, 5, 1 << 20):
        monkeypatch.setattr(js, "CHUNK", chunk)
        walked.append(ends_and_data())
    assert walked[0] == walked[1] == walked[2]
    assert len(walked[2]) == len(records)
    parsed = [json.loads(data, strict=False) for _, data in walked[2] if data is not None]
    assert parsed == [*records[:9], {"raw": "tab\there"}, True, None, records[-1]]
    assert parsed_once[0] == 0 and parsed_once[2] >= 1  # the byte walk parses nothing


def test_a_small_array_parsed_whole_gives_what_the_stream_gives(monkeypatch, tmp_path):
    """An array of objects within one chunk is parsed whole (no bytes kept,
    ends its share of the file, rising to its size); one that is not all
    objects, not UTF-8, or not whole is streamed as before."""
    path = tmp_path / "array.json"
    text = json.dumps(RECORDS, ensure_ascii=False)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())  # a BOM, as some editors write

    whole = [p for p in js.read_elements(path) if isinstance(p, js.Element)]
    monkeypatch.setattr(js, "CHUNK", 7)
    streamed = [p for p in js.read_elements(path) if isinstance(p, js.Element)]

    assert [p.parsed for p in whole] == [js.element_object(p) for p in streamed] == RECORDS
    assert all(p.data is None and not p.dropped for p in whole)
    assert all(p.data is not None for p in streamed)
    ends = [p.end for p in whole]
    assert ends == sorted(ends) and ends[-1] == path.stat().st_size
    monkeypatch.setattr(js, "CHUNK", 1 << 20)

    # Not all objects, not UTF-8, cut: each record on its own, as streamed.
    path.write_text('[{"a": 1}, 2, {"b": 2}]')
    assert [p.data for p in js.read_elements(path)] == [b'{"a": 1}', b"2", b'{"b": 2}']
    path.write_bytes(b'[{"a": "\xff"}, {"b": 2}]')
    got = [js.element_object(p) for p in js.read_elements(path) if isinstance(p, js.Element)]
    assert got == ["records that are not UTF-8 text", {"b": 2}]
    path.write_text('[{"a": 1}, {"b": 2')
    assert pieces(path) == [{"a": 1}, js.Cut(element=True)]
    # Over the record limit: streamed, so the big record is dropped on its own.
    path.write_text('[{"a": 1}, {"b": "' + "x" * 64 + '"}]')
    assert pieces(path, max_bytes=32) == [{"a": 1}, None]
