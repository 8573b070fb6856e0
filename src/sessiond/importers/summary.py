"""What an import did, as counts and as sentences for a person."""

from __future__ import annotations

from collections import Counter

import attrs

#: Exit codes of `sessiond import` (0: something was read; the CLI's own 2
#: usage and 4 storage stand beside them).
EXIT_NOTHING_READ = 1
EXIT_NOTHING_FOUND = 3


def printable(text: str) -> str:
    """`text` (a file name from another tool) with control characters shown
    as escapes, so it cannot drive the terminal."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


@attrs.define
class Summary:
    source: str
    roots: list[str] = attrs.field(factory=list)
    files: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str]] = attrs.field(factory=list)
    # Of `failed`, the files of another format than the source's (a Codex
    # rollout given to claude-code): told apart in the summary.
    not_recognised: list[tuple[str, str]] = attrs.field(factory=list)
    shrunk: int = 0
    reread: int = 0
    sessions_added: int = 0
    sessions_continued: set[str] = attrs.field(factory=set)
    events_added: int = 0
    records: int = 0
    skipped: Counter[str] = attrs.field(factory=Counter)
    notes: Counter[str] = attrs.field(factory=Counter)
    stopped: bool = False

    @property
    def exit_code(self) -> int:
        """0 unless nothing at all could be read (the contract's rule)."""
        if self.files == 0:
            return EXIT_NOTHING_FOUND
        nothing = self.records == 0 and self.unchanged == 0 and self.events_added == 0
        if nothing and (self.failed or self.skipped or self.not_recognised):
            return EXIT_NOTHING_READ
        return 0

    def render(self) -> str:
        if self.files == 0:
            where = ", ".join(printable(r) for r in self.roots) or "(no default location)"
            return (
                f"Nothing to import from {self.source}: no files found at {where}. "
                "Give the folder or file to read as PATH."
            )
        plural = "" if self.files == 1 else "s"
        lines = [
            f"Imported from {self.source}: {self.sessions_added:,} new "
            f"session{'' if self.sessions_added == 1 else 's'}, {self.events_added:,} "
            f"event{'' if self.events_added == 1 else 's'} added"
            + (
                f" ({len(self.sessions_continued):,} existing "
                f"session{'' if len(self.sessions_continued) == 1 else 's'} continued)"
                if self.sessions_continued
                else ""
            )
            + ".",
            f"Read {self.files:,} file{plural}"
            + (f", {self.unchanged:,} unchanged since the last import" if self.unchanged else "")
            + ".",
        ]
        if self.stopped:
            lines.append("Stopped early on request; the next import goes on from there.")
        if self.skipped:
            total = sum(self.skipped.values())
            lines.append(
                f"Skipped {total:,} record{'' if total == 1 else 's'} that could not be read:"
            )
            lines += [f"  {reason}: {n:,}" for reason, n in sorted(self.skipped.items())]
        if self.reread:
            lines.append(
                f"Read again {self.reread:,} file{'' if self.reread == 1 else 's'} replaced, "
                "cut or rewritten since the last import (only turns not stored yet were added)."
            )
        if self.not_recognised:
            n = len(self.not_recognised)
            lines.append(
                f"Not recognised as {self.source} history: {n:,} file{'' if n == 1 else 's'}:"
            )
            lines += [f"  {printable(why)}" for _path, why in self.not_recognised[:10]]
            if n > 10:
                lines.append(f"  and {n - 10:,} more")
        failed = [f for f in self.failed if f not in self.not_recognised]
        if failed:
            lines.append(f"Could not read {len(failed):,} file{'' if len(failed) == 1 else 's'}:")
            lines += [f"  {printable(path)}: {printable(why)}" for path, why in failed[:10]]
            if len(failed) > 10:
                lines.append(f"  and {len(failed) - 10:,} more")
        if self.notes:
            lines.append("Notes:")
            lines += [f"  {note}: {n:,}" for note, n in sorted(self.notes.items())]
        return "\n".join(lines)
