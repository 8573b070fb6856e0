"""`sessiond mcp` (being built; see issue 17)."""

from __future__ import annotations

import sys


def serve_mcp(db: str, log_level: str) -> int:
    sys.stderr.write("sessiond: mcp is not available in this version yet\n")
    return 2
