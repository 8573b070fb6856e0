"""What the `sessiond chat` tests share: the command, a piped run, and the
store read back through a daemon over the wire."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from sessiond.cli.chat.daemon_client import Client

SESSIOND = [sys.executable, "-m", "sessiond"]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without the person's engine or database settings, and
    `extra`; without COLUMNS and LINES too (pytest-xdist's workers set them to
    80x24, and they would win over the size of a terminal the test runs)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SESSIOND_") and k not in ("COLUMNS", "LINES")
    }
    return {**env, **extra}


def chat(
    db: str, stdin: str, *extra: str, env: dict[str, str] | None = None, cwd: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SESSIOND, "chat", "--db", db, *extra],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env() if env is None else env,
        cwd=cwd,
    )


def history(db: str) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """Every session, oldest first, with its events (kind, text): read over the wire."""
    if not os.path.exists(db):
        return []
    client = Client.spawn(db)
    try:
        client.initialize("test")
        sessions = client.request("session/list", {"limit": 100})["sessions"]
        out = []
        for s in reversed(sessions):
            events = client.request("session/events", {"sessionId": s["id"], "limit": 100})
            out.append((s, [(e["kind"], e["text"]) for e in events["events"]]))
        return out
    finally:
        client.close()


def wire(db: str, method: str, params: Any) -> Any:
    """One request to a daemon of its own (another process than the chat's)."""
    client = Client.spawn(db)
    try:
        client.initialize("test")
        return client.request(method, params)
    finally:
        client.close()
