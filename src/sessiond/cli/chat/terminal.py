"""`sessiond chat`: a terminal chat client of the daemon.

It spawns `sessiond` over stdio and speaks JSON-RPC to it as any editor
would. Each plain line is a turn of the current session: with an engine set
(`--engine-base-url` or `SESSIOND_ENGINE_BASE_URL`) it goes through
`chat/send` and the reply is shown as it streams; without one it is recorded
as a note (a `prompt` event). Lines starting with `/` are commands (HELP).

- The session starts with its first turn, so a chat that records nothing
  leaves no empty session behind.
- At a terminal, lines are read with prompt_toolkit (history, editing, and
  bracketed paste: a pasted multi-line text is one turn); it is imported
  only there. Ctrl-C at the prompt or Ctrl-D leaves and ends the session;
  Ctrl-C during a reply stops that reply only.
- Everything shown that came from the store or an engine goes through
  `render.safe_text`: control characters are shown, never executed.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from sessiond import __version__
from sessiond.cli.chat.daemon_client import Client, DaemonGone, RpcError
from sessiond.models import Event, Session
from sessiond.render import replay, safe_text, sessions_table
from sessiond.wire.convert import CONVERTER

HELP = """\
Type a line to send it as a turn of the current session (a pasted multi-line
text is one turn; start a line with // to send one that begins with /). Commands:
  /sessions            list recent sessions
  /replay [N]          show the last N events (default 20), with the ones of
                       the session this one continues
  /new                 end this session; the next turn starts a new one
  /continue ULID       continue that session (a unique prefix, in any case)
  /end                 end this session (the next turn starts a new one)
  /milestone KEY [VALUE]  read a milestone, or set it to VALUE
  /help                this text
  /quit                leave (also Ctrl-D, or Ctrl-C at the prompt)"""

NO_ENGINE = """\
No engine is set, so your turns are recorded as notes and nothing answers.
To get replies, start the chat with --engine-base-url URL or set
SESSIOND_ENGINE_BASE_URL, for example http://localhost:11434/v1 (Ollama) or
https://api.openai.com/v1 (OpenAI, with its key in SESSIOND_ENGINE_API_KEY
or OPENAI_API_KEY)."""

NO_CHAT_SEND = (
    "This sessiond cannot ask an engine (its server offers no chat/send), so your turns "
    "are recorded as notes."
)

CLI_VERSION = f"sessiond-chat {__version__}"
ENGINE_ERROR = 1006
REQUEST_CANCELLED = -32800
STOPPED = "(reply stopped; what came is kept)"
_ULID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def _session(raw: Any) -> Session | None:
    return None if raw is None else CONVERTER.structure(raw, Session)


class Chat:
    def __init__(
        self,
        client: Client,
        out: TextIO,
        engine_base_url: str | None = None,
        engine: bool = False,
    ) -> None:
        self.client = client
        self.out = out
        self.engine_base_url = engine_base_url
        self.engine = engine and bool(client.capabilities.get("chat"))
        self.session: Session | None = None
        self.parent_ulid: str | None = None  # the session the next one continues
        self._notice = NO_CHAT_SEND if engine and not self.engine else NO_ENGINE
        self._told = False

    def say(self, text: str) -> None:
        self.out.write(safe_text(text) + "\n")
        self.out.flush()

    def start(self) -> Session:
        params: dict[str, Any] = {"cliVersion": CLI_VERSION}
        if self.engine_base_url:
            params["engineBaseUrl"] = self.engine_base_url
        if self.parent_ulid:
            params["parentUlid"] = self.parent_ulid
        session = _session(self.client.request("session/start", params))
        assert session is not None
        self.session, parent, self.parent_ulid = session, self.parent_ulid, None
        tail = f", continuing {parent}" if parent else ""
        self.say(f"session {session.ulid} started{tail}")
        return session

    def end(self) -> None:
        if self.session is not None:
            self.client.request("session/end", {"sessionId": self.session.id})
            self.say(f"session {self.session.ulid} ended")
            self.session = None

    def turn(self, text: str) -> None:
        session = self.session or self.start()
        if not self.engine:
            self.client.request(
                "session/append", {"sessionId": session.id, "kind": "prompt", "text": text}
            )
            if not self._told:
                self._told = True
                self.say(self._notice)
            return
        self._ask(session, text)

    def _ask(self, session: Session, text: str) -> None:
        shown = False

        def on_notification(method: str, params: Any) -> None:
            nonlocal shown
            if (
                method == "chat/delta"
                and isinstance(params, dict)
                and params.get("sessionId") == session.id
                and isinstance(params.get("text"), str)
            ):
                self.out.write(safe_text(params["text"]))
                self.out.flush()
                shown = True

        try:
            result = self.client.request(
                "chat/send",
                {"sessionId": session.id, "text": text},
                on_notification,
                cancel_on_interrupt=True,
            )
        except RpcError as exc:
            if shown:
                self.out.write("\n")
            if exc.code == REQUEST_CANCELLED:
                self.say(STOPPED)
            elif exc.code == ENGINE_ERROR:
                self.say(f"no reply: {exc.message}")
            else:
                raise
            return
        if shown:
            self.out.write("\n")
        if self.client.cancelled and isinstance(result, dict):
            self.say(STOPPED)
        self.out.flush()

    def handle(self, line: str) -> bool:
        """Handle one line (or pasted text); False when the person asked to leave."""
        if "\n" in line or not line.startswith("/") or line.startswith("//"):
            text = line[1:] if line.startswith("//") else line
            if text.strip():
                self.turn(text)
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
            self.parent_ulid = None
            self.say("the next turn starts a new session")
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

    def _events(self, session: Session, limit: int) -> list[Event]:
        result = self.client.request("session/events", {"sessionId": session.id, "limit": limit})
        return [CONVERTER.structure(e, Event) for e in result["events"]]

    def replay(self, arg: str) -> None:
        if not arg.isdigit() and arg:
            self.say("usage: /replay [N], N a whole number")
            return
        left = min(int(arg) if arg else 20, 10_000)
        parts: list[tuple[Session | None, list[Event]]] = []
        if self.session is not None:
            events = self._events(self.session, left)
            parts.append((None, events))
            left -= len(events)
        ulid = self.session.parent_ulid if self.session else self.parent_ulid
        if self.session is None and ulid is None:
            self.say("no session is open")
            return
        for _ in range(20):  # up the chain of continued sessions
            if not ulid or left <= 0:
                break
            parent = _session(self.client.request("session/get", {"ulid": ulid}))
            if parent is None:
                break
            events = self._events(parent, left)
            parts.append((parent, events))
            left -= len(events)
            ulid = parent.parent_ulid
        if not any(events for _, events in parts):
            self.say("no events yet")
            return
        for owner, events in reversed(parts):
            if owner is not None:
                self.say(f"--- earlier, in session {owner.ulid}, which this chat continues ---")
            elif len(parts) > 1:
                self.say("--- this session ---")
            for line in replay(events):
                self.say(line)

    def resolve(self, prefix: str) -> Session | None:
        """The one session whose ULID is or starts with `prefix` (any case), else says why."""
        if not _ULID.fullmatch(prefix):
            self.say(f"{prefix!r} is not a ULID: use letters, digits, '_' and '-'")
            return None
        for ulid in dict.fromkeys([prefix, prefix.upper()]):
            found = _session(self.client.request("session/get", {"ulid": ulid}))
            if found is not None:
                return found
        # No method finds by prefix: look among the newest sessions, as `show` does.
        listed = self.client.request("session/list", {"limit": 10_000})["sessions"]
        want = prefix.upper()
        matches = [s for s in listed if s["ulid"].upper().startswith(want)]
        if not matches:
            self.say(f"no session's ULID is or starts with {prefix!r}")
            return None
        if len(matches) > 1:
            shown = ", ".join(s["ulid"] for s in matches[:3])
            self.say(f"{prefix!r} matches more than one session ({shown}, ...); give more of it")
            return None
        return _session(matches[0])

    def cont(self, prefix: str) -> None:
        if not prefix:
            self.say("usage: /continue ULID")
            return
        target = self.resolve(prefix)
        if target is None:
            return
        self.end()
        self.parent_ulid = target.ulid
        self.say(f"continuing {target.ulid}: the next turn starts a session that continues it")

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


def _terminal_lines() -> Iterator[str]:
    """Lines typed at a terminal; KeyboardInterrupt at the prompt propagates."""
    try:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import InMemoryHistory
    except ImportError:  # pragma: no cover - prompt_toolkit is a dependency
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        while True:
            try:
                yield input("> ")
            except EOFError:
                print()
                return
    else:
        session: PromptSession[str] = PromptSession(history=InMemoryHistory())
        while True:
            try:
                yield session.prompt("> ")
            except EOFError:
                return


def _piped_lines(stdin: TextIO) -> Iterator[str]:
    for line in stdin:
        yield line.rstrip("\n")


def run_chat(
    cmd: list[str],
    cont: bool = False,
    engine_base_url: str | None = None,
    model: str | None = None,
) -> int:
    """Run the chat on this process's stdin/stdout; the exit code."""
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    url = engine_base_url or os.environ.get("SESSIOND_ENGINE_BASE_URL") or None
    env = dict(os.environ)
    if url:
        env["SESSIOND_ENGINE_BASE_URL"] = url
    if model:
        env["SESSIOND_ENGINE_MODEL"] = model
    client = Client(cmd, env)
    chat: Chat | None = None
    try:
        client.initialize("sessiond chat")
        chat = Chat(client, sys.stdout, url, engine=url is not None)
        if cont:
            last = _session(client.request("session/last"))
            if last is None:
                chat.say("no session to continue; the next turn starts a new one")
            else:
                chat.parent_ulid = last.ulid
                chat.say(f"continuing {last.ulid}")
        if interactive:
            chat.say("/help lists the commands; Ctrl-D leaves")
        lines = _terminal_lines() if interactive else _piped_lines(sys.stdin)
        for line in lines:
            try:
                if not chat.handle(line):
                    break
            except RpcError as exc:
                chat.say(f"error: {exc.message}")
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    except DaemonGone as exc:
        sys.stderr.write(f"sessiond chat: {exc}\n")
        return 1
    except RpcError as exc:
        sys.stderr.write(f"sessiond chat: {exc.message}\n")
        client.close()
        return 1
    try:
        if chat is not None:
            chat.end()
    except (DaemonGone, RpcError, KeyboardInterrupt) as exc:
        sys.stderr.write(f"sessiond chat: the session could not be ended: {exc}\n")
    return 0 if client.close() == 0 else 1
