"""Helpers of the PostgreSQL tests (fixtures are in the root conftest)."""

from __future__ import annotations

import os
from types import ModuleType

import pytest


def need_psycopg() -> ModuleType:
    """psycopg, or skip the module (a failure under SESSIOND_REQUIRE_POSTGRES=1)."""
    try:
        import psycopg
    except ImportError:
        if os.environ.get("SESSIOND_REQUIRE_POSTGRES") == "1":
            raise
        pytest.skip("psycopg is not installed: pip install -e '.[test]'", allow_module_level=True)
    return psycopg
