"""The hand-written material of the history: one module per domain, each
registering its families in `kit.FAMILIES` when imported (in this order, so
the history is always built the same)."""

from bench.relevance.material import (  # noqa: F401
    chores,
    ci,
    cjk,
    code,
    debug,
    deploy,
    deps,
    features,
    git,
    later,
    learning,
    perf,
    postgres,
    quick,
    shell,
    writing,
)
from bench.relevance.material.afterwards import apply
from bench.relevance.material.kit import CHATS, FAMILIES, Chat

apply()

__all__ = ["CHATS", "FAMILIES", "Chat"]
