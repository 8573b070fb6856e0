"""`sessiond redact`: secrets stored before (or with --keep-secrets) taken out,
the search index included, resumable, summed by kind, never shown."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from sessiond.cli import redact
from sessiond.store import SqliteStore, is_postgres, open_store
from support.cli import run

DATA = Path(__file__).resolve().parents[1] / "data" / "secrets"
SECRETS = [json.loads(line) for line in (DATA / "secrets.jsonl").read_text().splitlines()]


def seeded(db: str) -> None:
    with open_store(db, keep_secrets=True) as store:
        s = store.start_session("t", engine_base_url="http://bob:pw@127.0.0.1:8080/v1")
        store.append_many([(s.id, "prompt", e["text"]) for e in SECRETS])
        store.rename_session(s.id, "deploy with " + SECRETS[10]["secret"])
        store.set_milestone("token", SECRETS[20]["text"])


def everything(db: str) -> str:
    with open_store(db, keep_secrets=True) as store:
        parts = []
        for s in store.list_sessions(100):
            parts += [s.title or "", s.preview or "", s.engine_base_url or ""]
            parts += [e.text for e in store.events(s.id, 1000)]
        parts.append(store.get_milestone("token") or "")
        return "\n".join(parts)


def test_redact_takes_every_secret_out_and_says_what_kinds(store_db):
    db = store_db
    seeded(db)
    assert SECRETS[0]["secret"] in everything(db)
    done = run("redact", "--db", db)
    assert done.returncode == 0, done.stderr
    left = everything(db)
    for entry in SECRETS:
        assert entry["secret"] not in left, entry["kind"]
        assert entry["secret"] not in done.stdout + done.stderr  # never shown
    assert "pw@" not in left
    assert "Redacted" in done.stdout and "github-token" in done.stdout
    # The search index holds no secret any more either.
    with open_store(db) as store:
        for entry in SECRETS[:10]:
            token = entry["secret"].split()[0][:40]
            assert all(token not in h.snippet for h in store.search(f'"{token}"', 10))
        assert len(store.search("redacted", 1000)) == len(SECRETS)
    again = run("redact", "--db", db)
    assert again.returncode == 0 and "No secret found" in again.stdout


class Killed(Exception):
    pass


def store_class(db: str) -> type:
    if is_postgres(db):
        from sessiond.store.postgres.store import PostgresStore

        return PostgresStore
    return SqliteStore


def test_a_killed_redact_goes_on_where_it_stopped(store_db, monkeypatch, capsys):
    db = store_db
    seeded(db)
    monkeypatch.setattr(redact, "BATCH", 10)
    store_cls = store_class(db)
    real = store_cls.redact_events
    calls = {"n": 0}

    def dies_after_three(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:
            raise Killed
        return real(self, *args, **kwargs)

    monkeypatch.setattr(store_cls, "redact_events", dies_after_three)
    args = argparse.Namespace(db=db, again=False)
    with pytest.raises(Killed):
        redact.run(args)
    with open_store(db) as store:
        assert 0 < store.redact_progress() < len(SECRETS)
    monkeypatch.setattr(store_cls, "redact_events", real)
    assert redact.run(args) == 0
    left = everything(db)
    assert not any(e["secret"] in left for e in SECRETS)


def test_a_log_file_is_created_private(tmp_path):
    log = tmp_path / "daemon.log"
    done = run("serve", "--db", ":memory:", "--log-file", str(log), "--log-level", "info")
    assert done.returncode == 0
    assert log.exists() and log.stat().st_mode & 0o777 == 0o600


def test_the_daemon_keeps_secrets_only_when_told(tmp_path):
    from support.rawpipe import Daemon, request

    secret = SECRETS[3]["text"]
    for extra, kept in (((), False), (("--keep-secrets",), True)):
        db = str(tmp_path / f"{kept}.db")
        d = Daemon(*extra, db=db)
        try:
            d.send(request(0, "initialize", {"capabilities": {}}))
            d.answer(0)
            sid = d.call(1, "session/start", {"cliVersion": "t"})["result"]["id"]
            d.call(2, "session/append", {"sessionId": sid, "kind": "prompt", "text": secret})
            stored = d.call(3, "session/events", {"sessionId": sid, "limit": 1})
        finally:
            d.kill()
        assert (stored["result"]["events"][0]["text"] == secret) is kept
