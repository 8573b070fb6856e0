"""Following a tool's files as it writes them (`sessiond import --watch`).

watchfiles (the Rust `notify` crate: inotify, FSEvents, ReadDirectoryChanges;
polling where none works, or with WATCHFILES_FORCE_POLLING=1) tells which
files changed; each change is imported at once through the same writer, so
the import state stays the one truth of what was read. Idle, the process
sleeps in the kernel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from sessiond.importers.source import Source
from sessiond.importers.summary import printable

#: Longest wait to group a burst of writes into one import (ms); a streamed
#: reply writes a line every few hundred ms, and each shows within this.
DEBOUNCE_MS = 400
STEP_MS = 50


def targets(roots: Sequence[Path]) -> list[Path]:
    """What to watch for `roots`: folders (recursively) and files as they
    are, a database together with its write-ahead log. A root that does not
    exist yet is not watched (run the import again once the tool made it)."""
    found: list[Path] = []
    for root in roots:
        if root.is_dir() or root.is_file():
            found.append(root)
            wal = Path(f"{root}-wal")
            if root.is_file() and wal.exists():
                found.append(wal)
    return list(dict.fromkeys(found))


def follow(
    roots: Sequence[Path],
    source: Source[Any],
    stop: threading.Event,
    err: TextIO,
    on_change: Callable[[list[Path]], None],
) -> None:
    """Call `on_change(files)` with the source files that changed under
    `roots`, until `stop` is set (Ctrl-C sets it)."""
    watched = targets(roots)
    if not watched:
        err.write(f"sessiond import: nothing to watch at {', '.join(map(str, roots))}\n")
        return
    try:
        _follow(watched, roots, source, stop, err, on_change, polling=False)
    except OSError as exc:
        # Out of inotify watches (a very large ~/.claude/projects), or a file
        # system that gives no events: look instead.
        err.write(f"sessiond import: cannot watch for changes ({exc}); checking every 0.5 s\n")
        _follow(watched, roots, source, stop, err, on_change, polling=True)


def _follow(
    watched: list[Path],
    roots: Sequence[Path],
    source: Source[Any],
    stop: threading.Event,
    err: TextIO,
    on_change: Callable[[list[Path]], None],
    *,
    polling: bool,
) -> None:
    import watchfiles

    first = True
    for changes in watchfiles.watch(
        *watched,
        watch_filter=None,
        debounce=DEBOUNCE_MS,
        step=STEP_MS,
        stop_event=stop,
        # The first (empty) yield comes once the watches are in place: only
        # then is it true to say so, and one more pass catches what was
        # written since the first one. Later empty yields cost a wake-up a
        # second and are ignored.
        rust_timeout=1000,
        yield_on_timeout=True,
        raise_interrupt=False,
        ignore_permission_denied=True,
        force_polling=True if polling else None,  # None: WATCHFILES_FORCE_POLLING decides
        poll_delay_ms=500,
    ):
        if first:
            first = False
            shown = ", ".join(printable(str(p)) for p in watched)
            err.write(f"sessiond import: watching {shown} for {source.name}; Ctrl-C to stop\n")
            err.flush()
            on_change(list(roots))
        files = []
        for _change, name in changes:
            path = source.watched(Path(name))
            if path is not None and path.exists():
                files.append(path)
        if files:
            on_change(list(dict.fromkeys(files)))
