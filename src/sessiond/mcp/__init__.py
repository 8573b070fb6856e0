"""`sessiond mcp`: the history as Model Context Protocol tools, over stdio.

Contract (`../shared/contract.md`, "For agents: MCP"):

- tools `search_history`, `read_session` and `list_sessions` (`tools.py`),
  each answering text for the model and structured content for programs;
- read-only: the store is opened read-only, so the database file never
  changes (SQLite's own empty reader files aside), and a file in a folder
  this process cannot write is served all the same;
- a missing database, an in-memory one, or one at an older schema is refused
  at start with a sentence saying what to do; nothing is created or migrated;
- the trash is never shown.

The SDK is imported only by `serve_mcp`, so no other command pays for it.
"""

from __future__ import annotations

import logging
import sys

from sessiond.mcp.history import EXIT_STORAGE, History, Refused, open_history


def serve_mcp(db: str, log_level: str) -> int:
    """Serve `db` over MCP on stdin/stdout until the client leaves.

    Returns the exit code: 0 at the end of input, 3 when there is no
    database to serve, 4 when it cannot be opened (an older schema, another
    program's file, damage) or the MCP SDK is missing; the reason goes to
    stderr, stdout stays the wire.
    """
    logging.basicConfig(
        stream=sys.stderr,
        level=log_level.upper(),
        format="sessiond mcp: %(levelname)s %(name)s: %(message)s",
    )
    try:
        store = open_history(db)
    except Refused as exc:
        sys.stderr.write(f"sessiond mcp: {exc.message}\n")
        return exc.code
    try:
        from sessiond.mcp.server import run
    except ImportError as exc:
        store.close()
        sys.stderr.write(
            f"sessiond mcp: the MCP SDK could not be loaded ({exc}); install it with "
            "`pip install 'mcp>=2.3,<3'` in sessiond's environment\n"
        )
        return EXIT_STORAGE
    history = History(db, store)
    try:
        run(history)
    except KeyboardInterrupt:
        pass
    finally:
        history.close()
    return 0
