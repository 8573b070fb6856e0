"""The daemon's background embedder: `python -m sessiond.semantic.worker`.

A child process of the daemon (`daemon.embedding`), so that the model's work
never takes the daemon's interpreter from its appends (measured for issue
27: appends lost 35 % of their rate beside an embedder thread, 9 % beside a
process). It runs at a lower priority (nice 10) on one thread, reads the
store (named by $SESSIOND_DB) read-only, and writes nothing: the daemon stays
the only writer. Each line on its stdin says "there may be new turns"; it
embeds every turn appended after the newest one that had a vector when it
started, oldest first, and hands each batch back on stdout:

    header: count (uint32), the index's created_at (int64), little-endian
    count records: event id (int64), q8 (dims bytes), bits (dims / 8 bytes)

It ends at the end of its stdin (the daemon ended, or was killed). It logs no
turn text.
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import sys

HEADER = struct.Struct("<Iq")
ID = struct.Struct("<q")
#: Turns embedded and handed back together.
BATCH = 8

logger = logging.getLogger("sessiond.semantic.worker")


def record_size(dims: int) -> int:
    return ID.size + dims + dims // 8


def main() -> int:
    from sessiond.semantic import indexing, model
    from sessiond.semantic.hybrid import usable
    from sessiond.store import open_store

    logging.basicConfig(level=os.environ.get("SESSIOND_LOG_LEVEL", "WARNING").upper())
    with contextlib.suppress(OSError):
        os.nice(10)
    out = sys.stdout.buffer
    store = open_store(os.environ["SESSIOND_DB"], read_only=True)
    embedder: model.Embedder | None = None
    after = store.embedding_counts()[2]
    try:
        for _ in sys.stdin.buffer:  # one line per nudge
            kept = store.embedding_space()
            if not usable(kept):
                continue
            assert kept is not None
            while rows := store.unembedded(after, BATCH):
                if embedder is None:
                    try:
                        embedder = model.documents(kept.tokens, threads=1)
                    except model.ModelError as exc:
                        logger.error("the background embedder cannot run: %s", exc)
                        return 3
                made = indexing.embed_rows(embedder, kept, rows)
                out.write(HEADER.pack(len(made), kept.created_at))
                for event_id, q8, bits in made:
                    out.write(ID.pack(event_id) + q8 + bits)
                out.flush()
                after = rows[-1][0]
    except (BrokenPipeError, KeyboardInterrupt):
        pass
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
