"""A command in a real terminal emulator: a tmux pane, read as a person sees it.

Each `Tmux` runs its own tmux server (its own socket, no configuration but
its own) with one pane of a fixed size running the command, and with
`remain-on-exit` so that the last screen stays readable. The command runs
under `sh`, which shows its exit status at the end (`[exited N]`): tmux
3.3's own `pane_dead_status` did not always come.
Keys go in with `send-keys` (tmux encodes them as a terminal does: `C-c`,
`M-Enter`, `Escape`); the screen is `capture-pane`. Waiting is on tmux's own
events: a control-mode client (`tmux -C`) hears `%output` each time the pane
changes, and the screen is read again then; `output` is every byte the
command wrote, in order (the command starts once that client is attached:
its sh waits on `tmux wait-for`).
"""

from __future__ import annotations

import contextlib
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

TMUX = shutil.which("tmux")
# `trap : INT`: the Ctrl-C sent to the command's process group does not end
# the sh too (a trap with an action is not inherited: the command gets the
# default, as under a shell with job control).
_SHOW_STATUS = (
    'trap : INT; "$0" wait-for go; shift; "$@"; status=$?; printf "\\n[exited %s]\\n" "$status"'
)
_OCTAL = re.compile(rb"\\([0-7]{3})")
PROMPT_READY = b"\x1b[?2004h"
_EXITED = re.compile(r"^\[exited (\d+)\]$", re.MULTILINE)


class Tmux:
    def __init__(
        self,
        args: list[str],
        env: Mapping[str, str] | None = None,
        width: int = 120,
        height: int = 40,
    ) -> None:
        assert TMUX is not None, "tmux is not installed"
        self._dir = tempfile.mkdtemp(prefix="tmux-", dir="/tmp")  # a socket path is short
        self.socket = os.path.join(self._dir, "s")
        conf = os.path.join(self._dir, "tmux.conf")
        with open(conf, "w") as f:
            f.write("set -g remain-on-exit on\nset -g history-limit 5000\n")
        self.env = dict(os.environ if env is None else env)
        self._tmux(
            "-f", conf, "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
            "--", "sh", "-c", _SHOW_STATUS, TMUX, "sh", *args,
        )  # fmt: skip
        self._events = subprocess.Popen(
            [TMUX, "-S", self.socket, "-C", "attach-session", "-t", "t"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=self.env,
        )
        assert self._events.stdout is not None
        self._events_fd = self._events.stdout.fileno()
        self._partial = b""
        self._answers: list[bytes] = []  # the control client's answers to commands
        self.output = b""  # what the command wrote, as the control client heard it
        self.shell = int(self.show("#{pane_pid}"))
        # The control client answers its first command once attached: then start.
        assert self._events.stdin is not None
        # Its size is the pane's: a control client is 80x24 otherwise, and the
        # window takes the size of the latest client.
        self._events.stdin.write(b"refresh-client -C %dx%d\n" % (width, height))
        self._events.stdin.write(b"display-message -p attached\n")
        self._events.stdin.flush()
        deadline = time.monotonic() + 30
        while b"attached" not in self._answers:
            assert time.monotonic() < deadline, "the control client did not attach"
            self._read_events(deadline - time.monotonic())
        size = f"{width}x{height}"
        self.wait(lambda: self.show("#{window_width}x#{window_height}") == size, f"size {size}")
        self._prompts = 0
        self.started = time.perf_counter()
        self._tmux("wait-for", "-S", "go")

    def _read_events(self, timeout: float) -> bool:
        """Read what the control client has (waiting up to `timeout`); False at its end."""
        if not select.select([self._events_fd], [], [], max(timeout, 0))[0]:
            return True
        chunk = os.read(self._events_fd, 65536)
        if not chunk:
            return False
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for line in lines:
            if line.startswith(b"%output "):
                data = line.split(b" ", 2)[2] if line.count(b" ") >= 2 else b""
                self.output += _OCTAL.sub(lambda m: bytes([int(m[1], 8)]), data)
            elif not line.startswith(b"%"):
                self._answers.append(line)
        return True

    @property
    def pid(self) -> int:
        """The command's process (the child of the pane's `sh`), while it runs."""
        children = Path(f"/proc/{self.shell}/task/{self.shell}/children").read_text().split()
        assert len(children) == 1, f"the pane's sh has children {children}"
        return int(children[0])

    def _tmux(self, *args: str) -> str:
        assert TMUX is not None
        done = subprocess.run(
            [TMUX, "-S", self.socket, *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=30,
        )
        assert done.returncode == 0, f"tmux {' '.join(args)}: {done.stderr}"
        return done.stdout

    def show(self, fmt: str) -> str:
        """A tmux format of the pane, e.g. `#{cursor_x}`."""
        return self._tmux("display-message", "-p", "-t", "t", fmt).rstrip("\n")

    @property
    def screen(self) -> str:
        """What the pane shows, scrolled-off lines included, trailing blanks dropped."""
        return self._tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "t").rstrip("\n")

    def lines(self, join: bool) -> list[str]:
        """The pane's lines as drawn (`join=False`) or with the lines the terminal
        wrapped joined again (`capture-pane -J`), scrolled-off ones included,
        up to the command's exit status."""
        args = ["capture-pane", "-p", "-S", "-", "-t", "t"] + (["-J"] if join else [])
        lines = self._tmux(*args).split("\n")
        end = next((i for i, line in enumerate(lines) if _EXITED.match(line)), len(lines))
        while end and not lines[end - 1].strip():  # the blank line before the status
            end -= 1
        return lines[:end]

    def cursor_line(self) -> str:
        y = int(self.show("#{cursor_y}"))
        visible = self._tmux("capture-pane", "-p", "-t", "t").split("\n")
        return visible[y] if y < len(visible) else ""

    def keys(self, *keys: str) -> None:
        """tmux key names (`C-c`, `M-Enter`, `Enter`, `Up`) or words, as typed."""
        self._tmux("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        """`text` typed as it is (no key names)."""
        self._tmux("send-keys", "-t", "t", "-l", text)

    def wait(self, ok: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """Until `ok()`, read again each time the pane changes."""
        deadline = time.monotonic() + timeout
        while not ok():
            left = deadline - time.monotonic()
            assert left > 0, f"never: {what}; screen:\n{self.screen}"
            # The pane's change, or at most 1 s (in case two changes came as one event).
            if not self._read_events(min(left, 1.0)):
                assert ok(), f"tmux went away before: {what}"
                return

    def expect_output(self, data: bytes, timeout: float = 30) -> int:
        """Wait until the command has written `data`; where it starts in `output`."""
        self.wait(lambda: data in self.output, f"{data!r} written", timeout)
        return self.output.index(data)

    def expect(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: text in self.screen, f"{text!r} shown", timeout)

    def count(self, text: str) -> int:
        return self.screen.count(text)

    def at_prompt(self, timeout: float = 30) -> None:
        """A new prompt reads keys (prompt_toolkit turns bracketed paste on as it
        starts reading, and again when it shows the prompt anew) and is shown."""

        def new() -> bool:
            if self.dead:
                raise AssertionError(f"exited; screen:\n{self.screen}")
            return self.output.count(PROMPT_READY) > self._prompts

        self.wait(new, "a new prompt", timeout)
        self._prompts = self.output.count(PROMPT_READY)
        self.shows()

    def shows(self, typed: str = "", timeout: float = 30) -> None:
        """The prompt on the line of the cursor with `typed` after it, the cursor at its end."""

        def shown() -> bool:
            line = self.cursor_line()
            x = int(self.show("#{cursor_x}"))
            return line.rstrip() == f"> {typed}".rstrip() and x == 2 + len(typed)

        self.wait(shown, f"the prompt with {typed!r}", timeout)

    @property
    def dead(self) -> bool:
        return _EXITED.search(self.screen) is not None

    def exit_code(self, timeout: float = 30) -> int:
        self.wait(lambda: self.dead, "the command exited", timeout)
        found = _EXITED.search(self.screen)
        assert found is not None
        return int(found[1])

    def close(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.SubprocessError):
            self._tmux("kill-server")
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            self._events.wait(10)
        shutil.rmtree(self._dir, ignore_errors=True)
