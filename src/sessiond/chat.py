"""`sessiond chat`: a terminal chat client of the daemon.

It spawns `sessiond` over stdio and speaks JSON-RPC to it as any editor
would. Each plain line is recorded as a `prompt` turn of the current session;
lines starting with `/` are commands (see HELP). Works at a terminal and with
piped input.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, TextIO

from sessiond import __version__
from sessiond.client import Client, DaemonGone, RpcError
from sessiond.models import Event, Session
from sessiond.render import replay, sessions_table
from sessiond.wire import CONVERTER

HELP = """\
Type a line to record it as a prompt in the current session. Commands:
  /sessions            list recent sessions
  /replay [N]          show the last N events of this session (default 20)
  /new                 end this session and start a new one
  /continue ULID       start a new session that continues ULID
  /end                 end this session (the next line starts a new one)
  /milestone KEY [VALUE]  read a milestone, or set it to VALUE
  /help                this text
  /quit                leave (also Ctrl-D)"""

CLI_VERSION = f"sessiond-chat {__version__}"


def _session(raw: Any) -> Session | None:
    return None if raw is None else CONVERTER.structure(raw, Session)


class Chat:
    def __init__(self, client: Client, out: TextIO, engine_base_url: str | None = None) -> None:
        self.client = client
        self.out = out
        self.engine_base_url = engine_base_url
        self.session: Session | None = None

    def say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def start(self, parent_ulid: str | None = None) -> None:
        params: dict[str, Any] = {"cliVersion": CLI_VERSION}
        if self.engine_base_url:
            params["engineBaseUrl"] = self.engine_base_url
        if parent_ulid:
            params["parentUlid"] = parent_ulid
        session = _session(self.client.request("session/start", params))
        assert session is not None
        self.session = session
        tail = f", continuing {parent_ulid}" if parent_ulid else ""
        self.say(f"session {session.ulid} started{tail}")

    def end(self) -> None:
        if self.session is not None:
            self.client.request("session/end", {"sessionId": self.session.id})
            self.say(f"session {self.session.ulid} ended")
            self.session = None

    def prompt(self, text: str) -> None:
        if self.session is None:
            self.start()
        assert self.session is not None
        self.client.request(
            "session/append", {"sessionId": self.session.id, "kind": "prompt", "text": text}
        )

    def handle(self, line: str) -> bool:
        """Handle one line; False when the person asked to leave."""
        if not line.startswith("/"):
            if line.strip():
                self.prompt(line)
            return True
        command, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self.say(HELP)
        elif command == "sessions":
            result = self.client.request("session/list", {"limit": 20})
            sessions = [CONVERTER.structure(s, Session) for s in result["sessions"]]
            self.say(sessions_table(sessions))
        elif command == "replay":
            self.replay(rest)
        elif command == "new":
            self.end()
            self.start()
        elif command == "continue":
            self.cont(rest)
        elif command == "end":
            if self.session is None:
                self.say("no session is open")
            self.end()
        elif command == "milestone":
            self.milestone(rest)
        else:
            self.say(f"unknown command /{command}; /help lists the commands")
        return True

    def replay(self, arg: str) -> None:
        if not arg.isdigit() and arg:
            self.say("usage: /replay [N], N a whole number")
            return
        if self.session is None:
            self.say("no session is open")
            return
        limit = min(int(arg) if arg else 20, 10_000)
        result = self.client.request(
            "session/events", {"sessionId": self.session.id, "limit": limit}
        )
        events = [CONVERTER.structure(e, Event) for e in result["events"]]
        if not events:
            self.say("no events yet")
        for line in replay(events):
            self.say(line)

    def cont(self, ulid: str) -> None:
        if not ulid:
            self.say("usage: /continue ULID")
            return
        if _session(self.client.request("session/get", {"ulid": ulid})) is None:
            self.say(f"no session has the ulid {ulid}")
            return
        self.end()
        self.start(parent_ulid=ulid)

    def milestone(self, rest: str) -> None:
        key, _, value = rest.partition(" ")
        if not key:
            self.say("usage: /milestone KEY [VALUE]")
        elif value:
            self.client.request("milestone/set", {"key": key, "value": value})
            self.say(f"{key} = {value}")
        else:
            got = self.client.request("milestone/get", {"key": key})
            self.say(f"{key} is not set" if got["value"] is None else f"{key} = {got['value']}")


def _lines(stdin: TextIO, interactive: bool) -> Any:
    if interactive:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        while True:
            try:
                yield input("> ")
            except EOFError:
                print()
                return
    else:
        for line in stdin:
            yield line.rstrip("\n")


def run_chat(cmd: list[str], cont: bool = False, engine_base_url: str | None = None) -> int:
    interactive = sys.stdin.isatty()
    client = Client(cmd)
    chat = Chat(client, sys.stdout, engine_base_url)
    try:
        client.initialize("sessiond chat")
        parent = None
        if cont:
            last = _session(client.request("session/last"))
            parent = last.ulid if last else None
            if last is None:
                chat.say("no session to continue; starting a new one")
        chat.start(parent)
        if interactive:
            chat.say("/help lists the commands; Ctrl-D leaves")
        for line in _lines(sys.stdin, interactive):
            try:
                if not chat.handle(line):
                    break
            except RpcError as exc:
                chat.say(f"error: {exc.message}")
        chat.end()
    except DaemonGone as exc:
        sys.stderr.write(f"sessiond chat: {exc}\n")
        return 1
    except RpcError as exc:
        sys.stderr.write(f"sessiond chat: {exc.message}\n")
        client.close()
        return 1
    except KeyboardInterrupt:
        chat.say("")
    return 0 if client.close() == 0 else 1
