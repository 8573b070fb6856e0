"""The change log: what each write transaction changed, in commit order.

Every write ends with the statements `log_sql` makes, as part of its last
statement (an append) or as its last statement (`Tx.flush`): one row per
session and kind in `changes` ('s' started, 'c' changed, 'a' appended
first_seq..last_seq), then a NOTIFY on the channel 'sessiond' with the
schema and the ids added, which wakes every feed (`feed.py`).

Log ids are handed out in commit order: the rows are inserted under an
advisory lock (one per schema) held until the transaction ends, so a
transaction that gets a later id commits later, and a reader that sees an
id sees every smaller one. (NOTIFY already makes committing transactions
take turns on a lock of its own, so this lock costs no extra waiting.)
A day of the log is kept: what a feed that lost its connection catches up
from.
"""

from __future__ import annotations

from sessiond.store.postgres.migrations import LOG_LOCK, NOW_MS

CHANNEL = "sessiond"


def log_sql(rows: str) -> str:
    """WITH-clauses (each starting with a comma) that log `rows`, a query of
    (what, sid, first, last, n) to be logged in the order of n, and notify;
    the final SELECT must read `notified` (a row when something was logged)
    so that they run. Nothing is locked or logged when `rows` is empty."""
    return f"""
, log_rows AS ({rows})
, log_lock AS (
    SELECT pg_advisory_xact_lock({LOG_LOCK}, hashtext(current_schema())) FROM log_rows LIMIT 1
), logged AS (
    INSERT INTO changes (session_id, what, first_seq, last_seq, at)
    SELECT r.sid, r.what, r.first, r.last, {NOW_MS} FROM log_rows AS r, log_lock ORDER BY r.n
    RETURNING id
), pruned AS (
    DELETE FROM changes WHERE at < {NOW_MS} - 86400000 AND id < (
        SELECT max(id) - 10000 FROM logged HAVING max(id) / 1000 <> (min(id) - 1) / 1000
    )
), notified AS (
    SELECT pg_notify('{CHANNEL}', current_schema() || ' ' || min(id) || ' ' || max(id))
    FROM logged HAVING count(*) > 0
)"""


# The notes of one transaction, bound as arrays.
FLUSH = (
    "WITH notes AS (SELECT 1)"
    + log_sql(
        "SELECT * FROM unnest(%s::text[], %s::bigint[], %s::bigint[], %s::bigint[])"
        " WITH ORDINALITY AS u(what, sid, first, last, n)"
    )
    + " SELECT count(*) FROM notified"
)
