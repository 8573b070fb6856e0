"""`sessiond redact`: the privacy rule applied to what was stored before.

Every text stored from version 3 on had its credentials replaced by
`[redacted:KIND]` before it was kept. This does the same to a store written
earlier (or with --keep-secrets): every event's text and meta strings, with
their search index entries, then titles, previews, milestone values and
engine URLs. It goes in batches, each one transaction that also records how
far it got, so Ctrl-C or a kill loses nothing and the next run goes on from
there. The summary counts what was found by kind, never a secret.
"""

from __future__ import annotations

import argparse
import sys

BATCH = 5000


def add_arguments(parser: argparse.ArgumentParser, _name: str) -> None:
    parser.add_argument(
        "--again",
        action="store_true",
        help="go through every event again, not only those stored since the last run",
    )


def run(args: argparse.Namespace) -> int:
    from sessiond.cli.common import db_of, open_for_writing
    from sessiond.store.redact import scan

    found: dict[str, int] = {}
    changed = 0
    with open_for_writing(db_of(args)) as store:
        start = 0 if args.again else store.redact_progress()
        total = max(0, store.newest_event_id() - start)
        bar = None
        if total and sys.stderr.isatty():
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            bar = tqdm(total=total, unit="turns", desc="redact", file=sys.stderr, leave=False)
        last: int | None = start
        try:
            while last is not None:
                last, done, counts = store.redact_events(last, BATCH, scan)
                changed += done
                for kind, n in counts.items():
                    found[kind] = found.get(kind, 0) + n
                if bar is not None and last is not None:
                    bar.update(min(BATCH, bar.total - bar.n))
        finally:
            if bar is not None:
                bar.close()
        for kind, n in store.redact_rest(scan).items():
            found[kind] = found.get(kind, 0) + n
    print(_summary(found, changed, total))
    return 0


def _summary(found: dict[str, int], changed: int, read: int) -> str:
    if not found:
        return f"No secret found ({read:,} turns read, and the titles and milestones)."
    total = sum(found.values())
    lines = [
        f"Redacted {total:,} secret{'' if total == 1 else 's'} "
        f"({changed:,} turn{'' if changed == 1 else 's'} changed):"
    ]
    lines += [f"  {kind}: {n:,}" for kind, n in sorted(found.items(), key=lambda kn: -kn[1])]
    return "\n".join(lines)
