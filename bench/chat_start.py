"""`python -m bench.chat_start`: how soon `sessiond chat` takes typing (issue 26).

The real command (`sessiond chat --db PATH`, the console script when it is
installed) runs on a pseudo-terminal, as a person starts it; this module
plays the terminal: it answers the cursor-position request every terminal
emulator answers. Each round times, from the fork:

- `prompt`: the prompt shown and reading keys (prompt_toolkit turns
  bracketed paste on, `ESC [ ? 2004 h`, as it starts reading);
- `echo`: a key typed at that moment shown back (it has been read);
- `ready`: a `/sessions` typed at that moment answered, which needs the
  daemon (`sessiond serve`) started behind the prompt;

then Ctrl-D leaves. Beside it, in the same rounds taking turns: `sessiond
--help` from the fork to its exit, and two floors, from the fork to the
exit of the same Python doing nothing (`python -c pass`) and importing
prompt_toolkit only: what the prompt costs before sessiond's own code. The
goal: the prompt within 300 ms (median of 10).

Each wall time has a CPU time beside it (user and system, of that process
alone: `/proc/PID/stat` when the prompt shows, the rusage at exit for the
others), which a machine busy with other work moves far less than wall
time; the load average at the start is kept with the figures.

    python -m bench.chat_start              # 10 rounds
    python -m bench.chat_start --rounds 3
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import pty
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

GOAL_MS = 300.0
PROMPT_READY = b"\x1b[?2004h"
CPR_REQUEST = b"\x1b[6n"
ROUNDS = 10


def _command() -> list[str]:
    from bench.common import cli_cmd

    return cli_cmd()


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SESSIOND_")}
    env["TERM"] = "xterm-256color"
    return env


class _Pty:
    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.start = time.perf_counter()
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the command
            os.execvpe(args[0], args, env)
        self.raw = b""

    def until(self, want: bytes, after: int = 0, timeout: float = 30.0) -> float:
        """Seconds from the fork until `want` shows past offset `after`."""
        deadline = time.perf_counter() + timeout
        while want not in self.raw[after:]:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"never saw {want!r}: {self.raw[-400:]!r}")
            if not select.select([self.fd], [], [], left)[0]:
                continue
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                raise RuntimeError(f"exited before {want!r}: {self.raw[-400:]!r}")
            for _ in range(data.count(CPR_REQUEST)):
                os.write(self.fd, b"\x1b[1;1R")
            self.raw += data
        return time.perf_counter() - self.start

    def close(self) -> int:
        os.write(self.fd, b"\x04")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            if select.select([self.fd], [], [], 0.05)[0]:
                with contextlib.suppress(OSError):
                    os.read(self.fd, 65536)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)
        return -1


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int) -> float:
    """The CPU time (user and system) process `pid` has used so far, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def chat_round(db: str) -> dict[str, float]:
    term = _Pty([*_command(), "chat", "--db", db], _env())
    try:
        prompt = term.until(PROMPT_READY)
        prompt_cpu = _cpu_s(term.pid)
        mark = len(term.raw)
        os.write(term.fd, b"/sessions")
        echo = term.until(b"/sessions", mark)
        mark = len(term.raw)
        os.write(term.fd, b"\r")
        ready = term.until(b"no sessions yet", mark)
        term.until(PROMPT_READY, mark)
    finally:
        code = term.close()
    if code != 0:
        raise RuntimeError(f"sessiond chat exited with {code}: {term.raw[-400:]!r}")
    return {"prompt": prompt, "echo": echo, "ready": ready, "prompt_cpu": prompt_cpu}


def _run(args: list[str]) -> tuple[float, float]:
    """Wall and CPU (user and system) seconds of a command, from the fork to its exit."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, env=_env())
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited with {proc.returncode}")
    return wall, usage.ru_utime + usage.ru_stime


def help_round() -> float:
    return _run([*_command(), "--help"])[0]


def measure(rounds: int = ROUNDS) -> dict[str, Any]:
    """Medians (and every run) in milliseconds; `met` when the prompt's median is in the goal."""
    names = ("prompt", "echo", "ready", "help", "python", "prompt_toolkit")
    runs: dict[str, list[float]] = {n: [] for n in names + tuple(f"{n}_cpu" for n in names)}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-chat-") as tmp:
        db = os.path.join(tmp, "chat.db")
        for _ in range(rounds):
            for name, seconds in chat_round(db).items():
                runs[name].append(seconds * 1000)
            for name, args in (
                ("help", [*_command(), "--help"]),
                ("python", [sys.executable, "-c", "pass"]),
                ("prompt_toolkit", [sys.executable, "-c", "import prompt_toolkit"]),
            ):
                wall, cpu = _run(args)
                runs[name].append(wall * 1000)
                runs[f"{name}_cpu"].append(cpu * 1000)
    medians = {f"{name}_ms": round(statistics.median(v), 1) for name, v in runs.items() if v}
    return {
        "rounds": rounds,
        "command": " ".join(_command()),
        "load_avg_1min": round(load, 2),
        **medians,
        "runs_ms": {name: [round(x, 1) for x in v] for name, v in runs.items() if v},
        "goal_ms": GOAL_MS,
        "met": medians["prompt_ms"] <= GOAL_MS,
    }


def report(f: dict[str, Any]) -> str:
    def row(label: str, name: str) -> str:
        cpu = f.get(f"{name}_cpu_ms")
        return f"  {label:<34} {f[f'{name}_ms']:8.1f} ms" + (
            f"   CPU {cpu:6.1f} ms" if cpu is not None else ""
        )

    met = "met" if f["met"] else "NOT met"
    return "\n".join(
        [
            f"sessiond chat, from the fork (median of {f['rounds']}, `{f['command']}`, "
            f"load average {f['load_avg_1min']} on {os.cpu_count()} CPUs):",
            row("prompt shown, reading keys", "prompt") + f"   goal <= 300 ms: {met}",
            row("a key typed then, shown", "echo"),
            row("/sessions typed then, answered", "ready"),
            row("sessiond --help, to its exit", "help"),
            row("python -c pass", "python"),
            row("python -c 'import prompt_toolkit'", "prompt_toolkit"),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat_start", description=__doc__)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"default {ROUNDS}")
    parser.add_argument("--json", metavar="PATH", help="also write the figures here")
    args = parser.parse_args(argv)
    figures = measure(args.rounds)
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
