"""End-to-end fixtures: the real `sessiond` process, driven by pytest-lsp.

`client` runs each test once per store (the root conftest's `store_db`: a
new SQLite file, and a new PostgreSQL schema), so the whole contract suite
holds on both; `shared` (stateless checks of params) and the raw-pipe
`daemon` use an in-memory SQLite store.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pygls.protocol import JsonRPCResponseMessage
from pytest_lsp import ClientServerConfig, LanguageClient

from support.rawpipe import INITIALIZE, Daemon, rpc  # noqa: F401 - rpc: for the tests

SERVER = [sys.executable, "-m", "sessiond", "--db", ":memory:"]


def keep_plain_results(client: LanguageClient) -> None:
    """Results of our own methods as plain dicts (pygls makes namedtuples)."""
    client.protocol._converter.register_structure_hook(
        JsonRPCResponseMessage, lambda obj, cls: cls(**obj)
    )


@pytest_asyncio.fixture
async def client(store_db: str) -> Any:
    """An initialized client of a daemon on a new store, once per backend."""
    config = ClientServerConfig(server_command=[*SERVER[:-1], store_db])
    lsp_client = await config.start()
    keep_plain_results(lsp_client)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            client_info=types.ClientInfo(name="pytest-lsp"),
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()
    await lsp_client.stop()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
async def shared(lsp_client: LanguageClient) -> Any:
    """One initialized server for a whole module of stateless tests."""
    keep_plain_results(lsp_client)
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=types.ClientCapabilities())
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def daemon() -> Any:
    """An initialized daemon on raw pipes, with an in-memory store."""
    d = Daemon()
    d.send(INITIALIZE)
    assert "result" in d.answer(0)
    yield d
    d.kill()
