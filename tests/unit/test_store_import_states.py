"""`import_states`: every import state of a source whose key begins with a
prefix, in one read, on both stores: not another source's, not a key that
merely sorts near the prefix (a collation that ignores spaces would put
'seenx' among 'seen ...'), keys and states as they were written."""

from __future__ import annotations


def test_import_states_are_those_of_the_source_under_the_prefix(store):
    written = {
        "seen /a/b.jsonl": "1 2049.77.10.5.6",
        "seen /a/\x00odd\x01name é": "1 -",
        "seen ": "empty rest",
    }
    for key, state in written.items():
        store.set_import_state("tool", key, state)
    for key in ("seen", "seenx /a", "seem /a", "Seen /a", "seen_/a", "title 01X"):
        store.set_import_state("tool", key, "other")
    store.set_import_state("another", "seen /a/b.jsonl", "another's")

    assert store.import_states("tool", "seen ") == written
    assert store.import_states("nobody", "seen ") == {}
    assert store.import_states("tool", "title ") == {"title 01X": "other"}
