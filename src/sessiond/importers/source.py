"""The typed interface every import source implements, and its two families.

A source (one module per tool, one row in `importers.IMPORTERS`) is an
instance of a `Source` subclass, `SOURCE` in its module. It finds the tool's
files and turns each into a stream of items (`importers.base`: `Turns`,
`Mark`, `Skipped`) without touching the store; `importers.writer` stores
them. mypy checks every source against this class.

Most sources are one of two families, which write the file-level parts once:

- `FileSource`: text files the tool appends to (JSON lines, aider's
  markdown), read from a byte offset kept in the state as `offset`;
- `DatabaseSource`: another program's SQLite file, read by row ids.

A source keeps what one import run learns across files (titles found in an
index, summaries waiting for their conversation) in a run object of its own
type, made by `new_run()` and handed to `read` and `finish`.
"""

from __future__ import annotations

import abc
import os
import stat
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from sessiond.importers.base import Item, Json, walk_files

RunT = TypeVar("RunT")


class Source(abc.ABC, Generic[RunT]):
    """One tool's history: where it lives, and how to read it."""

    #: The name `sessiond import` takes (the contract's source name).
    name: ClassVar[str]
    #: The tool's name for people, in pickers.
    label: ClassVar[str]
    url: ClassVar[str]
    #: What is read, in a line.
    description: ClassVar[str]
    #: The progress bar's unit: "B" (bytes) or "rows".
    unit: ClassVar[str]
    #: The tool's command that reopens a session, `{id}` standing for its
    #: `sourceId` (run in its project folder by `sessiond resume`); None when
    #: the tool has none.
    resume: ClassVar[tuple[str, ...] | None] = None
    #: How to install the tool, for a `sessiond resume` that cannot find it.
    install: ClassVar[str | None] = None

    @abc.abstractmethod
    def default_paths(self) -> list[Path]:
        """Where the tool keeps its history on this machine (may not exist)."""

    @abc.abstractmethod
    def sources(self, paths: Sequence[Path]) -> list[Path]:
        """The files to read under `paths` (files or folders), in reading order."""

    def key(self, path: Path) -> str:
        """What the import state of `path` is kept under: what the file IS
        (the tool's session id in its name or its head, a digest of its first
        bytes), never where it is, so that a moved, copied or restored
        history imports as nothing new. The default, the path, is only for
        sources that have nothing better."""
        return str(path.resolve())

    @abc.abstractmethod
    def stamp(self, path: Path) -> list[int]:
        """What changes when the tool writes to `path`."""

    @abc.abstractmethod
    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        """How many progress units are left to read past `state`."""

    def shrunk(self, path: Path, state: Mapping[str, Json]) -> bool:
        """True when `path` is shorter than what `state` says was read."""
        return False

    def check(self, path: Path, state: Mapping[str, Json] | None) -> str | None:
        """A digest of what `state` says was read (None: nothing to compare):
        when it differs at the next import, the file was replaced or
        rewritten before that point, and is read again from its start."""
        return None

    def signature(self, path: Path) -> str | None:
        """A fingerprint of everything `key` and `stamp` read of `path`, from
        stat alone (no file opened): when it is the one noted the last time
        `path` was found read to its end, the file is skipped, its key, stamp
        and import state not looked at. None: no such shortcut for this file
        (it is checked by its key and stamp). The default: the file's own
        stat, for a source whose key and stamp read only the file."""
        return stat_signature(path)

    def legacy_keys(self, path: Path) -> list[str]:
        """Keys an older sessiond kept this file's state under, taken over
        once when `key` has none (so an upgrade imports nothing twice)."""
        return []

    @abc.abstractmethod
    def new_run(self) -> RunT:
        """What one import run keeps across files."""

    @abc.abstractmethod
    def read(self, path: Path, state: Mapping[str, Json] | None, run: RunT) -> Iterator[Item]:
        """The items of `path` past `state` (None: from its start)."""

    def finish(self, run: RunT) -> Iterator[Item]:
        """What is known only once every file of the run was read."""
        return iter(())

    @abc.abstractmethod
    def watched(self, path: Path) -> Path | None:
        """The file to read again when `path` changed (None: not ours)."""


class NoRun:
    """The run object of a source that keeps nothing across files."""


def stat_signature(*paths: Path | str) -> str | None:
    """Device, inode, size, modification and change times of each of
    `paths` ("-" for one that does not exist): what any write to them, a
    replacement or a copy over them changes (the change time cannot be set
    back). None when the first is not a regular file or cannot be read."""
    parts = []
    for i, path in enumerate(paths):
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if i == 0:
                return None
            parts.append("-")
            continue
        except OSError:
            return None
        if i == 0 and not stat.S_ISREG(st.st_mode):
            return None
        parts.append(stat_part(st))
    return " ".join(parts)


def stat_part(st: os.stat_result) -> str:
    """One file's share of a `stat_signature`."""
    return f"{st.st_dev}.{st.st_ino}.{st.st_size}.{st.st_mtime_ns}.{st.st_ctime_ns}"


def file_stamp(path: Path) -> list[int]:
    """Size and modification time: a file whose stamp is unchanged since the
    last import has nothing new."""
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


class FileSource(Source[RunT]):
    """Text files that the tool appends to, read from a byte offset."""

    unit = "B"
    #: Folders not walked into when looking for files.
    skip_dirs: ClassVar[tuple[str, ...]] = ()

    @abc.abstractmethod
    def wanted(self, path: Path) -> bool:
        """Whether a file found in a folder is one of the tool's."""

    def order(self, path: Path) -> tuple[object, ...]:
        """The reading order of the files found."""
        return (str(path),)

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        found: list[Path] = []
        for path in paths:
            if path.is_dir():
                found.extend(walk_files(path, self.wanted, self.skip_dirs))
            elif path.is_file():
                found.append(path)
        return sorted(dict.fromkeys(found), key=self.order)

    def stamp(self, path: Path) -> list[int]:
        return file_stamp(path)

    def size(self, path: Path, state: Mapping[str, Json] | None) -> int:
        return max(0, path.stat().st_size - int((state or {}).get("offset", 0)))

    def shrunk(self, path: Path, state: Mapping[str, Json]) -> bool:
        return path.stat().st_size < int(state.get("offset", 0))

    def check(self, path: Path, state: Mapping[str, Json] | None) -> str | None:
        """The file's first KiB and the KiB before where it was read to: a
        file replaced (an atomic rename) or rewritten is read again."""
        offset = int((state or {}).get("offset", 0))
        if offset <= 0:
            return None
        import hashlib

        with open(path, "rb") as f:
            head = f.read(min(offset, 1024))
            f.seek(max(0, offset - 1024))
            tail = f.read(min(offset, 1024))
        return hashlib.sha256(head + b"\0" + tail).hexdigest()[:24]

    def watched(self, path: Path) -> Path | None:
        return path if self.wanted(path) else None


class DatabaseSource(Source[RunT]):
    """Another program's SQLite file, opened read-only (`importers.sqlite_source`)."""

    unit = "rows"
    #: The file a folder given on the command line stands for.
    file_name: ClassVar[str]

    def sources(self, paths: Sequence[Path]) -> list[Path]:
        found = []
        for path in paths:
            if path.is_dir():
                path = path / self.file_name
            if path.is_file():
                found.append(path)
        return list(dict.fromkeys(found))

    def stamp(self, path: Path) -> list[int]:
        """The database's and its write-ahead log's sizes and times: what
        changes when anything was written to it."""
        parts = []
        for suffix in ("", "-wal"):
            try:
                st = os.stat(f"{path}{suffix}")
            except FileNotFoundError:
                parts += [0, 0]
            else:
                parts += [st.st_size, st.st_mtime_ns]
        return parts

    def signature(self, path: Path) -> str | None:
        return stat_signature(path, f"{path}-wal")

    def watched(self, path: Path) -> Path | None:
        """The database itself, for a change to it or to its journal files."""
        name = path.name
        for suffix in ("-wal", "-shm", "-journal"):
            if name.endswith(suffix):
                name = name[: -len(suffix)]
        return path.with_name(name) if name.endswith(".db") or name == self.file_name else None
