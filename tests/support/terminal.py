"""A command on a pseudo-terminal, read and typed at like a terminal emulator.

It answers cursor-position requests, as every terminal emulator does, and
sends keys, Ctrl-C and bracketed pastes as bytes; `screen` is what was
shown, escape sequences dropped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")
PROMPT_READY = b"\x1b[?2004h"  # prompt_toolkit turns bracketed paste on at each prompt
CPR_REQUEST = b"\x1b[6n"


class Terminal:
    """A command on a pty, read and typed at like a terminal emulator would."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the command
            os.execvpe(args[0], args, {**os.environ, "TERM": "xterm-256color", **(env or {})})
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.raw = b""
        self._mark = 0
        self._prompts_seen = 0
        self.code: int | None = None

    @property
    def screen(self) -> str:
        return _ESCAPES.sub(b"", self.raw).replace(b"\r", b"").decode(errors="replace")

    def _pump(self, timeout: float) -> bool:
        if not select.select([self.fd], [], [], timeout)[0]:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:  # the child is gone (EIO)
            data = b""
        if not data:
            return False
        for _ in range(data.count(CPR_REQUEST)):
            os.write(self.fd, b"\x1b[1;1R")
        self.raw += data
        return True

    def expect(self, text: str, timeout: float = 30) -> None:
        """Wait until `text` shows after the last thing expected."""
        deadline = time.monotonic() + timeout
        while text not in self.screen[self._mark :]:
            left = deadline - time.monotonic()
            assert left > 0, f"never saw {text!r}; screen:\n{self.screen}"
            if not self._pump(left) and self.code is None and self._exited():
                assert text in self.screen[self._mark :], f"exited before {text!r}:\n{self.screen}"
        self._mark = self.screen.index(text, self._mark) + len(text)

    def at_prompt(self, timeout: float = 30) -> None:
        """Wait for the next prompt (the line editor is reading keys then)."""
        deadline = time.monotonic() + timeout
        while self.raw.count(PROMPT_READY) <= self._prompts_seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no prompt; screen:\n{self.screen}"
            self._pump(left)
        self._prompts_seen = self.raw.count(PROMPT_READY)

    def type(self, data: bytes) -> None:
        os.write(self.fd, data)

    def paste(self, text: str) -> None:
        self.type(b"\x1b[200~" + text.encode() + b"\x1b[201~")

    def _exited(self) -> bool:
        pid, status = os.waitpid(self.pid, os.WNOHANG)
        if pid:
            self.code = os.waitstatus_to_exitcode(status)
        return pid != 0

    def wait(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.code is None and not self._exited():
            assert time.monotonic() < deadline, f"still running; screen:\n{self.screen}"
            self._pump(0.05)
        while self._pump(0):
            pass
        return self.code if self.code is not None else -1

    def close(self) -> None:
        if self.code is None and not self._exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        os.close(self.fd)
