"""Privacy on every store (contract v3): secrets are not kept, credentials
never stored, the trash takes a session's sub-agents with it.

The corpora are tests/data/secrets/: 72 real-format secrets of every kind
the contract names, and 256 ordinary texts (code, hashes, ULIDs, base64
images, URLs, prose) that must be stored exactly as given.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessiond.models import make_meta
from sessiond.store.base import ImportedEvent, ImportedSession

DATA = Path(__file__).resolve().parents[1] / "data" / "secrets"
SECRETS = [json.loads(line) for line in (DATA / "secrets.jsonl").read_text().splitlines()]
ORDINARY = [json.loads(line) for line in (DATA / "ordinary.jsonl").read_text().splitlines()]


def every_secret(entry: dict) -> list[str]:
    return [entry["secret"], *(secret for _kind, secret in entry.get("others", []))]


def test_the_corpora_are_as_large_as_the_issue_asks():
    assert len(SECRETS) >= 30 and len(ORDINARY) >= 200
    kinds = {e["kind"] for e in SECRETS}
    for kind in ("aws-access-key", "github-token", "gitlab-token", "slack-token", "stripe-key",
                 "openai-key", "anthropic-key", "google-api-key", "private-key", "jwt", "password"):  # fmt: skip
        assert kind in kinds


def test_appends_keep_no_secret_and_every_ordinary_text_exactly(store):
    s = store.start_session("t")
    outcomes = store.append_many([(s.id, "prompt", e["text"]) for e in SECRETS])
    assert not [o for o in outcomes if isinstance(o, Exception)]
    stored = [e.text for e in store.events(s.id, 1000)]
    for entry, text in zip(SECRETS, stored, strict=True):
        for secret in every_secret(entry):
            assert secret not in text, entry["kind"]
        assert f"[redacted:{entry['kind']}]" in text
    plain = store.start_session("t")
    store.append_many([(plain.id, "system", e["text"]) for e in ORDINARY])
    assert [e.text for e in store.events(plain.id, 1000)] == [e["text"] for e in ORDINARY]


def test_titles_milestones_meta_and_imports_keep_no_secret(store):
    entry = next(e for e in SECRETS if e["kind"] == "openai-key")
    secret, text = entry["secret"], entry["text"]
    s = store.start_session("t")
    assert secret not in store.rename_session(s.id, text[:200]).title
    store.set_milestone("k", text)
    assert secret not in store.get_milestone("k")
    store.append_many([(s.id, "command", "ok", make_meta(tool=f"call {secret}"))])
    assert secret not in json.dumps(store.events(s.id, 5)[-1].meta)
    imported, _ = store.import_session(
        ImportedSession("imp-secret", "claude-code", 0, title=f"key {secret}")
    )
    assert secret not in imported.title
    store.import_events(imported.id, [ImportedEvent("prompt", text, 1)])
    assert secret not in store.events(imported.id, 5)[0].text


def test_with_keep_secrets_they_are_kept(open_db):
    kept = open_db(keep_secrets=True)
    entry = SECRETS[0]
    s = kept.start_session("t")
    kept.append(s.id, "prompt", entry["text"])
    assert kept.events(s.id, 1)[0].text == entry["text"]


def test_the_environment_turns_redaction_off(open_db, monkeypatch):
    monkeypatch.setenv("SESSIOND_KEEP_SECRETS", "1")
    kept = open_db()
    s = kept.start_session("t")
    kept.append(s.id, "prompt", SECRETS[0]["text"])
    assert kept.events(s.id, 1)[0].text == SECRETS[0]["text"]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("http://bob:pw@host:8080/v1", "http://host:8080/v1"),
        ("https://api.example.com/v1?api_key=SECRET#x", "https://api.example.com/v1"),
        ("http://token@[::1]:11434/v1", "http://[::1]:11434/v1"),
        ("http://localhost:11434/v1", "http://localhost:11434/v1"),
    ],
)
def test_an_engine_url_is_stored_without_user_password_or_query(store, given, stored):
    assert store.start_session("t", engine_base_url=given).engine_base_url == stored


def test_the_trash_takes_sub_agents_with_their_parent_and_brings_them_back(store):
    parent = store.start_session("t", ulid="P1")
    child = store.start_session("t", ulid="P1_agent-a", parent_ulid="P1")
    grandchild = store.start_session("t", ulid="P1_agent-a_b", parent_ulid="P1_agent-a")
    continued = store.start_session("t", ulid="OTHER", parent_ulid="P1")  # not a sub-agent
    for s in (parent, child, grandchild):
        store.append(s.id, "prompt", "needle in every one")
    store.delete_session(parent.id)
    listed = {s.ulid for s in store.list_sessions(10)}
    assert listed == {"OTHER"}
    assert {s.ulid for s in store.list_sessions(10, deleted=True)} == {
        "P1",
        "P1_agent-a",
        "P1_agent-a_b",
    }
    assert store.search("needle", 10) == []
    assert store.session_by_id(continued.id).deleted_at is None
    store.restore_session(parent.id)
    assert {s.ulid for s in store.list_sessions(10)} == {
        "P1",
        "P1_agent-a",
        "P1_agent-a_b",
        "OTHER",
    }
