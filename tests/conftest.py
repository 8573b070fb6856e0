"""Fixtures every tier shares: the store on each backend, a fresh PostgreSQL
schema, and a data folder of the test's own.

- `store`: an open store, once per backend (`[sqlite]`: a new file;
  `[postgres]`: a new schema). `open_db(**kwargs)` opens (more) stores on
  the same database, `store_db` is its `--db` value.
- `postgres_url`: a URI of a new, empty schema on the test server (the
  schema is dropped after the test).

PostgreSQL runs when SESSIOND_TEST_PG_URL names a database the tests may
create schemas (and databases) in; without it those tests are skipped with
a how-to, except under SESSIOND_REQUIRE_POSTGRES=1 (CI), where that is a
failure.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

PG_URL_ENV = "SESSIOND_TEST_PG_URL"
REQUIRE_ENV = "SESSIOND_REQUIRE_POSTGRES"
HOWTO = (
    f"PostgreSQL tests need a server: set {PG_URL_ENV} to a database the tests may create "
    "schemas and databases in (a role with CREATEDB), e.g. "
    "postgresql://sessiond:PASSWORD@127.0.0.1/sessiond_test; .ci/run shows the setup"
)
BACKENDS = ("sqlite", "postgres")


def postgres_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def skip_or_fail(reason: str) -> None:
    """Skip, or fail where PostgreSQL is required (CI)."""
    if postgres_required():
        pytest.fail(f"{REQUIRE_ENV}=1 but {reason}", pytrace=False)
    pytest.skip(reason)


class PgAdmin:
    """A connection to the test database for setting up and tearing down;
    it reconnects when a test restarted the server."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None

    def url_for(self, *, database: str | None = None, schema: str | None = None) -> str:
        """The test URL, naming another database and/or (through libpq's
        `options`, added to the URL's own) a schema."""
        parts = urlsplit(self.url)
        if database is not None:
            parts = parts._replace(path="/" + database)
        if schema is not None:
            pairs = parse_qsl(parts.query, keep_blank_values=True)
            given = " ".join(v for k, v in pairs if k == "options")
            pairs = [(k, v) for k, v in pairs if k != "options"]
            pairs.append(("options", f"{given} -csearch_path={schema}".strip()))
            parts = parts._replace(query=urlencode(pairs, quote_via=quote))
        return urlunsplit(parts)

    def run(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        import psycopg

        for attempt in (0, 1):
            if self._conn is None or self._conn.closed or self._conn.broken:
                self._conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
            try:
                cursor = self._conn.execute(sql, params)
                return cursor.fetchall() if cursor.description else []
            except psycopg.OperationalError:
                if attempt or not self._conn.broken:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[PgAdmin]:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        skip_or_fail(HOWTO)
        raise AssertionError("unreachable")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        skip_or_fail("psycopg is not installed: pip install -e '.[test]' (or 'sessiond[postgres]')")
    admin = PgAdmin(url)
    # In the shared database once, so that each test's schema finds it.
    admin.run("CREATE EXTENSION IF NOT EXISTS unaccent")
    yield admin
    admin.close()


@pytest.fixture
def postgres_url(postgres_admin: PgAdmin) -> Iterator[str]:
    """The URI of a new, empty schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    postgres_admin.run(f"CREATE SCHEMA {schema}")
    yield postgres_admin.url_for(schema=schema)
    postgres_admin.run(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def store_db(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """Where a store lives, as `--db` takes it: a new SQLite file, or a new
    PostgreSQL schema."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def open_db(store_db: str) -> Iterator[Callable[..., Any]]:
    """Opens a store on `store_db` (keyword arguments as `open_store` takes
    them); every store it opened is closed after the test."""
    from sessiond.store import open_store

    opened: list[Any] = []

    def open_(**kwargs: Any) -> Any:
        store = open_store(store_db, **kwargs)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def store(open_db: Callable[..., Any]) -> Any:
    return open_db()


@pytest.fixture(autouse=True)
def _own_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: Any) -> None:
    """A sessiond started without --db writes to the test's own folder, never
    to the person's history."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("XDG_DATA_HOME", str(folder))
    monkeypatch.setenv("SESSIOND_DB", str(folder / "sessions.db"))


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"sqlite: {sqlite3.sqlite_version}"]
    url = os.environ.get(PG_URL_ENV)
    if not url:
        lines.append(f"postgresql: not tested ({PG_URL_ENV} is not set)")
        return lines
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        lines.append(f"postgresql: {row[0] if row else '?'} (psycopg {psycopg.__version__})")
    except Exception as exc:  # a header must not stop the run; the tests will say
        from sessiond.store.postgres.uri import redact, scrub, secrets_of

        lines.append(
            f"postgresql: unreachable at {redact(url)}: {scrub(str(exc), secrets_of(url))}"
        )
    return lines


# A full disk and a read-only file system, on a small tmpfs of our own


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    where = tmp_path / "mnt"
    where.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mount.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Skips are told once per reason: pytest's summary folds skips of the
    same place and reason, so every skip is placed here, and 95 tests
    skipped for want of a PostgreSQL server make one line, not 95."""
    report = yield
    if report.skipped and isinstance(report.longrepr, tuple) and len(report.longrepr) == 3:
        report.longrepr = (__file__, 0, report.longrepr[2])
    return report
