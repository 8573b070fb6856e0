"""`run_import`: one source's files into a store, once or following them."""

from __future__ import annotations

import contextlib
import gc
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from sessiond.importers import load
from sessiond.importers.base import UNFINISHED
from sessiond.importers.source import Source
from sessiond.importers.summary import Summary
from sessiond.importers.writer import StopOnInterrupt, Writer, iter_states, same_file
from sessiond.store.base import Store


def run_import(
    store: Store,
    source: str,
    paths: Sequence[str | Path] = (),
    *,
    watch: bool = False,
    progress: bool | None = None,
    err: TextIO | None = None,
    stop: threading.Event | None = None,
    on_pass: Callable[[Summary], None] | None = None,
    summary: Summary | None = None,
) -> Summary:
    """Import `source`'s history from `paths` (each a file or a folder; none:
    the tool's default locations) into `store`, and return what was done.

    `progress`: show a progress bar on `err` (default: when `err` is a
    terminal). `watch`: after the first pass, keep following the same
    places and import what the tool writes, until Ctrl-C or `stop` is set;
    `on_pass` is told of each pass that added something. `summary`, when
    given, is filled in as the import goes (what was done before a failure
    stays in it). Raises ValueError
    for an unknown source; storage failures raise `sessiond.errors`
    exceptions, with everything committed before them kept.
    """
    err = err if err is not None else sys.stderr
    reader = load(source)
    roots = [Path(p).expanduser() for p in paths] or reader.default_paths()
    summary = summary if summary is not None else Summary(source)
    summary.source, summary.roots = source, [str(r) for r in roots]
    stop = stop if stop is not None else threading.Event()
    if progress is None:
        progress = bool(getattr(err, "isatty", lambda: False)())
    with StopOnInterrupt(stop):
        files = reader.sources(roots)
        if source == "sessiond":
            same = [f for f in files if same_file(store.where, f)]
            if same:
                raise ValueError(f"{same[0]} is the database being imported into")
        _pass(store, reader, files, summary, stop, err if progress else None)
        if watch and not stop.is_set():
            from sessiond.importers.watch import follow

            follow(
                roots,
                reader,
                stop,
                err,
                lambda changed: _watch_pass(store, reader, changed, summary, stop, on_pass),
            )
    return summary


#: The cyclic collector's first threshold during a bulk pass. A pass makes
#: millions of short-lived containers (each record as parsed, each event),
#: none of them in a cycle; at the default 700 the collector walked them
#: about every 700 allocations, 4% of a first import of 100,000 Cline
#: events. (mypy raises it the same way for the same reason.)
BULK_COLLECT_EVERY = 50_000

_collect_lock = threading.Lock()
_collect_users = 0
_collect_saved = (0, 0, 0)


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """The collector's first threshold raised to BULK_COLLECT_EVERY for as
    long as one bulk pass or more (in threads) runs; as it was after the
    last one ends. One that is off (0) stays off."""
    global _collect_users, _collect_saved
    with _collect_lock:
        if _collect_users == 0:
            _collect_saved = gc.get_threshold()
            first, *rest = _collect_saved
            if first and first < BULK_COLLECT_EVERY:
                gc.set_threshold(BULK_COLLECT_EVERY, *rest)
        _collect_users += 1
    try:
        yield
    finally:
        with _collect_lock:
            _collect_users -= 1
            if _collect_users == 0:
                gc.set_threshold(*_collect_saved)


def _pass(
    store: Store,
    source: Source[Any],
    files: list[Path],
    summary: Summary,
    stop: threading.Event,
    bar_to: TextIO | None,
    *,
    bulk: bool = True,
) -> None:
    writer = Writer(store, source, summary, stop, bulk=bulk)
    run = source.new_run()
    bar = None
    if bar_to is not None and files:
        # Only on a terminal, and never on other commands' paths.
        from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

        total = 0
        for path, state in iter_states(store, source, files, writer.seen()):
            try:
                total += source.size(path, state)
            except Exception:  # a file that cannot be sized is reported when read
                continue
        unit_scale = source.unit == "B"
        bar = tqdm(
            total=total,
            unit=source.unit,
            unit_scale=unit_scale,
            file=bar_to,
            desc=f"import {source.name}",
            leave=False,
            dynamic_ncols=True,
        )
        writer.progress = bar
    try:
        with collecting_less() if bulk else contextlib.nullcontext():
            for path in files:
                if stop.is_set():
                    summary.stopped = True
                    break
                writer.import_file(path, run)
            writer.finish(run)
    finally:
        try:
            writer.settle()  # a commit still under way, when the pass stopped early
        finally:
            if bar is not None:
                bar.close()


def _watch_pass(
    store: Store,
    source: Source[Any],
    changed: list[Path],
    total: Summary,
    stop: threading.Event,
    on_pass: Callable[[Summary], None] | None,
) -> None:
    summary = Summary(total.source, total.roots)
    # A file or two that changed: their states and sessions asked one by one.
    _pass(store, source, source.sources(changed), summary, stop, None, bulk=False)
    total.sessions_added += summary.sessions_added
    total.sessions_continued |= summary.sessions_continued
    total.events_added += summary.events_added
    total.records += summary.records
    # A line the tool is still writing shows up on many passes: not a skip.
    summary.skipped.pop(UNFINISHED, None)
    total.skipped.update(summary.skipped)
    total.notes.update(summary.notes)
    total.failed += summary.failed
    if on_pass is not None and (summary.events_added or summary.sessions_added):
        on_pass(summary)
