"""A password in the PostgreSQL URI is never shown: not in `where`, not in any
error (psycopg's and libpq's own words included), not in any log line, not
on the command line's output, not in the daemon's log."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from urllib.parse import urlsplit, urlunsplit

import pytest

from sessiond.errors import StorageError
from sessiond.store import open_store
from support.postgres import need_psycopg

need_psycopg()


@pytest.fixture
def secret_url(postgres_url):
    """The test URI; its password is what must never show."""
    password = urlsplit(postgres_url).password
    if not password:
        message = "SESSIOND_TEST_PG_URL must carry a password for this check (user:PASSWORD@host)"
        if os.environ.get("SESSIOND_REQUIRE_POSTGRES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return postgres_url, password


def with_password(url: str, password: str) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}:{password}@{parts.hostname}" + (
        f":{parts.port}" if parts.port else ""
    )
    return urlunsplit(parts._replace(netloc=netloc))


def assert_hidden(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"the password shows in: {text!r}"


def test_where_and_logs_never_hold_the_password(secret_url, caplog):
    url, password = secret_url
    caplog.set_level(logging.DEBUG)
    with open_store(url) as store:
        assert password not in store.where and "@" in store.where
        assert store.where == url.replace(f":{password}@", "@")
        s = store.start_session("v")
        store.append(s.id, "prompt", "hello")
        feed = store.feed()
        feed.poll()
        feed.close()
        assert [h.seq for h in store.search("hello", 5)] == [1]
    for bad in (
        with_password(url, password + "-wrong"),
        url.replace("5432", "1").replace("@127.0.0.1/", "@127.0.0.1:1/"),
    ):
        with pytest.raises(StorageError) as refused:
            open_store(bad)
        assert_hidden(refused.value.message, password, password + "-wrong")
        assert "cannot connect to the PostgreSQL server" in refused.value.message
    assert caplog.records, "nothing was logged: the check would prove nothing"
    assert_hidden("\n".join(r.getMessage() for r in caplog.records), password)


def test_every_spelling_of_a_bad_uri_is_scrubbed():
    cases = {
        "postgresql://me:s3cret pass@127.0.0.1/db": "s3cret pass",  # libpq quotes it back
        "postgresql://me:hunter2@127.0.0.1:notaport/db": "hunter2",
        "postgresql://me@127.0.0.1:1/db?password=hunter2&sslmode=disable": "hunter2",
        "postgresql://me:pa%40ss%3Aword@127.0.0.1:1/db": "pa@ss:word",
        "postgresql://me:pa@ssword@127.0.0.1:1/db": "ssword",  # libpq splits at the first @
    }
    for url, secret in cases.items():
        with pytest.raises(StorageError) as refused:
            open_store(url)
        assert_hidden(refused.value.message, secret, "hunter2", "s3cret", "pa%40ss")
        assert "postgresql://me" in refused.value.message, refused.value.message


def test_a_wrong_password_says_what_to_check(secret_url):
    url, password = secret_url
    with pytest.raises(StorageError) as refused:
        open_store(with_password(url, "not-" + password))
    message = refused.value.message
    assert "password authentication failed" in message and "PGPASSWORD" in message
    assert_hidden(message, password)


def test_the_password_may_come_from_the_environment(secret_url, monkeypatch):
    """libpq's own variables work: PGPASSWORD instead of the URI's password."""
    url, password = secret_url
    monkeypatch.setenv("PGPASSWORD", password)
    bare = url.replace(f":{password}@", "@")
    with open_store(bare) as store:
        assert store.where == bare and store.list_sessions(1) == []
    # And sslmode: verifying the server against a root certificate that does
    # not exist is refused, whether the server offers TLS or not.
    monkeypatch.setenv("PGSSLMODE", "verify-full")
    monkeypatch.setenv("PGSSLROOTCERT", os.devnull + "/none.crt")
    with pytest.raises(StorageError, match=r"SSL was required|root certificate"):
        open_store(bare)
    monkeypatch.delenv("PGSSLMODE")  # the same, from the URI's own sslmode
    in_uri = bare + ("&" if "?" in bare else "?") + "sslmode=verify-full"
    with pytest.raises(StorageError, match=r"SSL was required|root certificate"):
        open_store(in_uri)


def test_the_command_line_and_the_daemon_never_show_it(secret_url, tmp_path):
    url, password = secret_url
    env = {**os.environ, "SESSIOND_DB": url}
    run = subprocess.run(
        [sys.executable, "-m", "sessiond", "ls"], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    assert_hidden(run.stdout + run.stderr, password)
    wrong = with_password(url, "not-" + password)
    run = subprocess.run(
        [sys.executable, "-m", "sessiond", "ls", "--db", wrong], capture_output=True, text=True
    )
    assert run.returncode != 0 and "password authentication failed" in run.stderr
    assert_hidden(run.stdout + run.stderr, password, "not-" + password)
    # The daemon at its most talkative, through a session's life.
    frames = b""
    for n, (method, params) in enumerate(
        [
            ("initialize", {"processId": None, "capabilities": {}}),
            ("session/start", {"cliVersion": "secrets"}),
            ("shutdown", None),
        ]
    ):
        body = json.dumps({"jsonrpc": "2.0", "id": n, "method": method, "params": params})
        frames += b"Content-Length: %d\r\n\r\n%s" % (len(body), body.encode())
    body = json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()
    frames += b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    run = subprocess.run(
        [sys.executable, "-m", "sessiond", "--db", url, "--log-level", "debug"],
        input=frames,
        capture_output=True,
        timeout=60,
    )
    out, err = run.stdout.decode(), run.stderr.decode()
    assert '"cliVersion":"secrets"' in out.replace(" ", ""), out
    assert err, "the daemon logged nothing: the check would prove nothing"
    assert_hidden(out + err, password)
