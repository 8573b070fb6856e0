"""Every table fits the terminal (issue 26): `ls`, `search`, `find`,
`trash` and `stats` at 80 and 120 columns in a real terminal, tmux, with
titles and paths far wider than the screen, wide (CJK) characters and
sub-agents two levels deep.

tmux draws what the command prints as a terminal would; `capture-pane -J`
joins the lines the terminal wrapped, so a table that wrapped reads back
with fewer lines joined than drawn. The pane (tests/support/tmux.py) is read
again each time it changes until the command's exit status shows.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid

import pytest

from sessiond.models import Usage, make_meta
from sessiond.render import cells
from sessiond.store import open_store
from sessiond.store.base import ImportedEvent, ImportedSession
from support.tmux import Tmux

# slow: a real terminal (pty or tmux) and a daemon per test; out of the fast loop.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux (apt-get install tmux)"),
]

LONG_TITLE = "Why does the write-ahead log keep growing while a reader holds the checkpoint " * 3
WIDE_TITLE = "日本語のタイトルとても長いタイトルです、幅の広い文字で画面を超えるほど長い" * 2
DEEP = "/home/someone/projects/clients/a-client-with-a-long-name/monorepo/services/billing-api"
T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY = 86_400_000


def seed(db: str) -> None:
    with open_store(db) as store:
        for n in range(8):
            source = ("claude-code", "copilot-chat", "sessiond-chat", "gemini-cli")[n % 4]
            ulid = str(uuid.uuid5(uuid.NAMESPACE_URL, str(n))) if source == "claude-code" else None
            session, _ = store.import_session(
                ImportedSession(
                    ulid=ulid or f"01KT{n}MUX{n:018d}",
                    cli_version=f"{source} 9.9.{n}",
                    started_at=T0 + n * DAY,
                    title=(LONG_TITLE, WIDE_TITLE, None)[n % 3],
                    source=source,
                    source_id=ulid,
                    project=DEEP if n % 2 else f"{DEEP}-{n}/a-very-long-last-folder-name-indeed",
                    branch="main",
                )
            )
            store.import_events(
                session.id,
                [
                    ImportedEvent("prompt", f"checkpoint question {n} " + LONG_TITLE, T0 + n * DAY),
                    ImportedEvent(
                        "system",
                        "checkpoint answer " + WIDE_TITLE,
                        T0 + n * DAY + 1,
                        make_meta(
                            model=f"a-model-with-a-really-long-name-{n % 3}-20260101",
                            usage=Usage(10**n, 10 ** (n % 5), 10 ** (n + 1), 7),
                        ),
                    ),
                ],
            )
            if source == "claude-code":
                parent = session.ulid
                for agent in ("a1b2c3d4e5", "a1b2ffff00"):
                    child, _ = store.import_session(
                        ImportedSession(
                            ulid=f"{parent}_{agent}",
                            cli_version="claude-code",
                            started_at=T0 + n * DAY,
                            parent_ulid=parent,
                            source="claude-code",
                            project=DEEP,
                        )
                    )
                    store.import_events(
                        child.id,
                        [
                            ImportedEvent(
                                "prompt", "checkpoint sub-agent " + LONG_TITLE, T0 + n * DAY + 2
                            )
                        ],
                    )
                grandchild, _ = store.import_session(
                    ImportedSession(
                        ulid=f"{parent}_a1b2c3d4e5_deep",
                        cli_version="claude-code",
                        started_at=T0 + n * DAY,
                        parent_ulid=f"{parent}_a1b2c3d4e5",
                        source="claude-code",
                    )
                )
                store.import_events(
                    grandchild.id, [ImportedEvent("prompt", WIDE_TITLE, T0 + n * DAY + 3)]
                )
        trashed = store.start_session("trash-test 1.0", project=DEEP)
        store.append(trashed.id, "prompt", LONG_TITLE)
        store.delete_session(trashed.id)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("tmux") / "tmux.db")
    seed(path)
    return path


def drawn_by(width: int, args: list[str]) -> tuple[list[str], list[str]]:
    """The lines `sessiond ARGS` drew in a pane `width` wide, as drawn and with
    wrapped lines joined. COLUMNS and LINES are left out: pytest's workers set
    them, and the command must read the terminal's own size."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    pane = Tmux([sys.executable, "-m", "sessiond", *args], {**env, "LANG": "C.UTF-8"}, width, 50)
    try:
        assert pane.exit_code(60) == 0, pane.screen
        return pane.lines(join=False), pane.lines(join=True)
    finally:
        pane.close()


COMMANDS = {
    "ls": ["ls"],
    "ls -n 3": ["ls", "-n", "3"],
    "search": ["search", "checkpoint"],
    "find": ["find", "checkpoint", "answer"],
    "trash": ["trash"],
    "stats": ["stats"],
    "stats --by model": ["stats", "--by", "model"],
    "stats --by project": ["stats", "--by", "project"],
}


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("command", COMMANDS)
def test_every_table_fits_without_wrapping(db: str, width: int, command: str) -> None:
    drawn, joined = drawn_by(width, [*COMMANDS[command], "--db", db])
    shown = "\n".join(drawn)
    assert len(drawn) > 2, shown
    assert drawn == joined, f"a line wrapped at {width} columns:\n{shown}"
    assert max(cells(line) for line in drawn) <= width, shown
    if command.startswith("ls"):
        rows = [line for line in drawn if line.strip() and not line.startswith("ID ")]
        # The title is kept: every row shows at least a good part of it.
        assert all(
            cells(row.split("  ")[-1].strip()) >= 20 for row in rows if "more (-n" not in row
        )
        if command == "ls":
            # Sub-agents indented under their parent, two levels deep.
            assert any(line.startswith("    ") and "_a1b2c" in line for line in drawn), shown
    if command == "ls" and width == 120:
        assert "PROJECT" in drawn[0] and "SOURCE" in drawn[0] and "STATE" in drawn[0], shown
