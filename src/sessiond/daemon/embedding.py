"""New turns embedded in the background, so that they are found by meaning
within seconds of their append (by words they are found at once).

When the extra is installed and the store has vectors (someone ran `sessiond
index` on it), the daemon starts the worker (`sessiond.semantic.worker`, a
child process at a lower priority) the first time it commits appends, and
then tells it, at most every `NUDGE_S`, that there may be new turns. The
worker hands back vectors; the daemon writes them, between the appends, in
one short transaction per batch: the daemon stays the only writer, and the
worker's CPU never competes with the daemon's interpreter.

Without the extra, or on a store without vectors, nothing is started or
imported. Whether the store has vectors is asked again at most every
`RECHECK_S` (an index made while the daemon runs is followed without a
restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import sys
import time

from sessiond.semantic import installed
from sessiond.store import MEMORY, Store

logger = logging.getLogger(__name__)

NUDGE_S = 0.05
RECHECK_S = 10.0


class Background:
    def __init__(self, store: Store, db: str | None) -> None:
        self._store = store
        self._db = db
        # Only a file another process can open, and only with the extra.
        self._possible = db is not None and db != MEMORY and installed()
        self._ready: bool | None = None
        self._checked = 0.0
        self._proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._nudging = False
        self.written = 0  # vectors written, for tests and logs

    def ready(self) -> bool:
        """Whether the store's questions are answered by meaning too (for
        `initialize`) and new turns are embedded."""
        if not self._possible:
            return False
        now = time.monotonic()
        if self._ready is None or (not self._ready and now - self._checked > RECHECK_S):
            from sessiond.semantic.hybrid import usable

            self._checked = now
            try:
                self._ready = usable(self._store.embedding_space())
            except Exception:  # a store that cannot be read says so elsewhere
                self._ready = False
        return bool(self._ready)

    def appended(self) -> None:
        """Appends were committed: the worker is told, soon."""
        if self._nudging or not self.ready():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._nudging = True
        loop.call_later(NUDGE_S, self._nudge)

    def _nudge(self) -> None:
        self._nudging = False
        if self._proc is None:
            asyncio.get_running_loop().create_task(self._start())
            return
        stdin = self._proc.stdin
        if stdin is not None and not stdin.is_closing():
            stdin.write(b"\n")

    async def _start(self) -> None:
        if self._proc is not None:
            return
        env = {**os.environ, "SESSIOND_DB": str(self._db)}
        env.setdefault("SESSIOND_LOG_LEVEL", logging.getLevelName(logging.getLogger().level))
        try:
            self._proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "sessiond.semantic.worker",
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
            )
        except OSError as exc:
            logger.warning("the background embedder cannot start (%s): %s", exc.strerror, exc)
            self._possible = False
            return
        logger.info("background embedder started (pid %d)", self._proc.pid)
        self._reader = asyncio.get_running_loop().create_task(self._read())
        assert self._proc.stdin is not None
        self._proc.stdin.write(b"\n")

    async def _read(self) -> None:
        from sessiond.semantic.worker import HEADER, ID, record_size

        proc = self._proc
        assert proc is not None and proc.stdout is not None
        dims = self._dims()
        size = record_size(dims)
        try:
            while True:
                count, created = HEADER.unpack(await proc.stdout.readexactly(HEADER.size))
                data = await proc.stdout.readexactly(count * size)
                rows = []
                for at in range(0, len(data), size):
                    (event_id,) = ID.unpack_from(data, at)
                    start = at + ID.size
                    rows.append(
                        (event_id, data[start : start + dims], data[start + dims : at + size])
                    )
                try:
                    self.written += self._store.put_embeddings(rows, created)
                except Exception as exc:
                    logger.warning("vectors of %d new turns were not written: %s", len(rows), exc)
        except asyncio.IncompleteReadError:
            pass
        if self._proc is proc:  # it ended on its own, not by close(): no restart
            code = await proc.wait()
            logger.warning(
                "the background embedder ended (exit %s); new turns are found by words, and "
                "by meaning after `sessiond index`",
                code,
            )
            self._possible = False

    def _dims(self) -> int:
        space = self._store.embedding_space()
        return space.dims if space is not None else 384

    async def close(self) -> None:
        """Stop the worker: the end of its input ends it; what it handed back
        before is written."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 2.0)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._reader, 2.0)
