"""A command in a real terminal emulator: a tmux pane, read as a person sees it.

Each `Tmux` runs its own tmux server (its own socket, no configuration but
its own) with one pane of a fixed size running the command, and with
`remain-on-exit` so that the last screen stays readable. The command runs
under `sh`, which shows its exit status at the end (`[exited N]`): tmux
3.3's own `pane_dead_status` did not always come.
Keys go in with `send-keys` (tmux encodes them as a terminal does: `C-c`,
`M-Enter`, `Escape`); the screen is `capture-pane`. Waiting is on tmux's own
events: a control-mode client (`tmux -C`) hears `%output` each time the pane
changes, and the screen is read again then.
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
_SHOW_STATUS = 'trap : INT; "$@"; status=$?; printf "\\n[exited %s]\\n" "$status"'
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
        self.started = time.perf_counter()
        self._tmux(
            "-f", conf, "new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
            "--", "sh", "-c", _SHOW_STATUS, "sh", *args,
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
        self.shell = int(self.show("#{pane_pid}"))

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
            changed = select.select([self._events_fd], [], [], min(left, 1.0))[0]
            if changed and not os.read(self._events_fd, 65536):
                assert ok(), f"tmux went away before: {what}"
                return

    def expect(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda: text in self.screen, f"{text!r} shown", timeout)

    def count(self, text: str) -> int:
        return self.screen.count(text)

    def at_prompt(self, typed: str = "", timeout: float = 30) -> None:
        """The prompt is on the line of the cursor, `typed` after it, cursor at its end."""

        def ready() -> bool:
            if self.dead:
                raise AssertionError(f"exited; screen:\n{self.screen}")
            line = self.cursor_line()
            x = int(self.show("#{cursor_x}"))
            return line.rstrip() == f"> {typed}".rstrip() and x == 2 + len(typed)

        self.wait(ready, f"a prompt with {typed!r}", timeout)

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
