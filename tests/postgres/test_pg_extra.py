"""Without psycopg, a PostgreSQL URI gets a message naming the extra to install."""

from __future__ import annotations

import subprocess
import sys


def test_without_psycopg_the_message_names_the_extra():
    script = (
        "import sys; sys.modules['psycopg'] = None\n"
        "from sessiond.errors import StorageError\n"
        "from sessiond.store import open_store\n"
        "try:\n"
        "    open_store('postgresql://me:hunter2@db.example/x')\n"
        "except StorageError as exc:\n"
        "    print(exc.message)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install 'sessiond[postgres]'" in out
    assert "postgresql://me@db.example/x" in out and "hunter2" not in out
