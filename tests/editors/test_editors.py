"""The editor extensions' own suites, run against this checkout's daemon.

Each editor folder has `scripts/setup.sh` (installs Neovim, tmux, Node 24,
code-server, Chromium: `.ci/run` calls them) and `scripts/test.sh`. Without
their tools these tests skip and say what to run, except when
SESSIOND_REQUIRE_EDITORS=1 (as in CI), where a missing tool is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EDITORS = Path(__file__).resolve().parents[2] / "editors"
REQUIRED = os.environ.get("SESSIOND_REQUIRE_EDITORS") == "1"

pytestmark = pytest.mark.editors


def missing(what: str) -> None:
    message = f"{what}; run `bash editors/<editor>/scripts/setup.sh` first"
    if REQUIRED:
        pytest.fail(message)
    pytest.skip(message)


def run_suite(folder: str) -> None:
    # The suites spawn `sessiond` from PATH: make it this interpreter's.
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    if shutil.which("sessiond", path=env["PATH"]) is None:
        pytest.fail("the sessiond command is not installed (pip install -e .)")
    done = subprocess.run(
        ["bash", str(EDITORS / folder / "scripts" / "test.sh")],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=1500,
        env=env,
    )
    sys.stdout.write(done.stdout[-20000:])
    sys.stderr.write(done.stderr[-20000:])
    assert done.returncode == 0, (
        f"editors/{folder} tests failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )


def test_neovim_plugin():
    if shutil.which("nvim") is None or shutil.which("tmux") is None:
        missing("Neovim or tmux is not installed")
    if shutil.which("stylua") is None:
        missing("stylua is not installed")
    run_suite("nvim")


def test_vscode_extension():
    tools = EDITORS / "vscode" / ".tools"
    if not (tools / "code-server").is_dir() or not (EDITORS / "vscode" / "node_modules").is_dir():
        missing("code-server and the extension's npm packages are not installed")
    if not Path("/usr/bin/chromium").exists():
        missing("Chromium is not installed")
    run_suite("vscode")
