"""`sessiond chat`: a terminal chat client of the daemon.

It spawns `sessiond serve` over stdio and speaks JSON-RPC to it as any
editor would. Each plain line is a turn of the current session: with an
engine set (`--engine-base-url` or `SESSIOND_ENGINE_BASE_URL`) it goes
through `chat/send` and the reply is shown as it streams; without one it is
recorded as a note (a `prompt` event). Lines starting with `/` are commands
(HELP).

- The prompt is shown at once; the daemon starts behind it, and the first
  line waits for it only if it is not there yet.
- The session starts with its first turn, so a chat that records nothing
  leaves no empty session behind. Sessions say where they were held:
  `source` `sessiond-chat`, `project` the current folder.
- A session ended from elsewhere (another terminal, `sessiond end`) is
  continued: the turn goes to a new session whose parent it is, and one
  line says so. One moved to the trash or removed is not continued: the
  turn starts a new session.
- At a terminal, lines are read with prompt_toolkit (history, editing, and
  bracketed paste: a pasted multi-line text is one turn; Alt-Enter or
  Esc-Enter adds a line); it is imported only there. Ctrl-C clears what is
  typed, and at an empty prompt says how to leave (Ctrl-D, `/quit`). During
  a reply, Ctrl-C stops the reply only; more Ctrl-C in the next seconds are
  taken as part of that one.
- The model: `--model` when given (sent with each `chat/send`); else the
  daemon's (`SESSIOND_ENGINE_MODEL`, else the first chat model the engine
  lists). The first reply says which model answered, and where; an engine
  with no chat model to choose gets a `--model NAME` hint.
- Everything shown that came from the store or an engine goes through
  `render.safe_text`: control characters are shown, never executed.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from sessiond import __version__
from sessiond.cli.chat.daemon_client import (
    OVERSIZE,
    Client,
    Daemon,
    DaemonGone,
    Interrupted,
    RpcError,
)

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

    from sessiond.models import Event, Session

HELP = """\
Type a line to send it as a turn of the current session (Alt-Enter or Esc-Enter
adds a line; a pasted multi-line text is one turn; start a line with // to send
one that begins with /). Commands:
  /sessions            list recent sessions
  /replay [N]          show the last N events (default 20), with the ones of
                       the session this one continues
  /new                 end this session; the next turn starts a new one
  /continue ULID       continue that session (a unique prefix, in any case)
  /end                 end this session (the next turn starts a new one)
  /milestone KEY [VALUE]  read a milestone, or set it to VALUE
  /help                this text
  /quit                leave (also Ctrl-D at an empty prompt)
Ctrl-C clears what is typed, or stops a reply."""

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

WELCOME = "/help lists the commands; Ctrl-D or /quit leaves"
LEAVE_HINT = "(to leave, press Ctrl-D or type /quit)"
CLI_VERSION = f"sessiond-chat {__version__}"
SOURCE = "sessiond-chat"
SESSION_NOT_FOUND = 1001
SESSION_ENDED = 1003
ENGINE_ERROR = 1006
REQUEST_CANCELLED = -32800
STOPPED = "(reply stopped; what came is kept)"
#: After the Ctrl-C that stops a reply, more Ctrl-C this soon are taken as
#: part of it; one later, while the reply still has not stopped, leaves.
CANCEL_GRACE_S = 2.0
SESSIONS_SHOWN = 20
_ULID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_MAX_PROJECT = 4096


def _session(raw: Any) -> Session | None:
    from sessiond.models import Session
    from sessiond.wire.convert import CONVERTER

    return None if raw is None else CONVERTER.structure(raw, Session)


def _events(raw: list[Any]) -> list[Event]:
    from sessiond.models import Event
    from sessiond.wire.convert import CONVERTER

    return [CONVERTER.structure(e, Event) for e in raw]


def find_session(client: Client, prefix: str) -> tuple[Session | None, str]:
    """The one session whose ULID is or starts with `prefix` (any case), else
    None and why, in words."""
    if not _ULID.fullmatch(prefix):
        return None, f"{prefix!r} is not a ULID: use letters, digits, '_' and '-'"
    for ulid in dict.fromkeys([prefix, prefix.upper()]):
        found = _session(client.request("session/get", {"ulid": ulid}))
        if found is not None:
            return found, ""
    # No method finds by prefix: look among the newest sessions, as `show` does.
    listed = client.request("session/list", {"limit": 10_000})["sessions"]
    want = prefix.upper()
    matches = [s for s in listed if s["ulid"].upper().startswith(want)]
    if not matches:
        return None, f"no session's ULID is or starts with {prefix!r}"
    if len(matches) > 1:
        shown = ", ".join(s["ulid"] for s in matches[:3])
        return None, f"{prefix!r} matches more than one session ({shown}, ...); give more of it"
    return _session(matches[0]), ""


class _QuietKeys:
    """While a reply streams and until the next prompt, the terminal echoes
    neither the keys typed (the next prompt reads and shows them) nor
    Ctrl-C as `^C`."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._before: list[Any] | None = None

    def on(self) -> None:
        if self._before is not None:
            return
        try:
            import termios

            fd = self.stream.fileno()
            before = termios.tcgetattr(fd)
            quiet = list(before)
            quiet[3] &= ~(termios.ECHO | termios.ECHOCTL)
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
        except (ImportError, OSError, ValueError):
            return
        self._before = before

    def off(self) -> None:
        if self._before is None:
            return
        import termios

        before, self._before = self._before, None
        with contextlib.suppress(OSError, ValueError):
            termios.tcsetattr(self.stream.fileno(), termios.TCSANOW, before)


def _project() -> str | None:
    """The current folder, absolute; None when it is gone or too long to record."""
    try:
        here = os.getcwd()
    except OSError:
        return None
    return here if 0 < len(here) <= _MAX_PROJECT else None


def _say(out: TextIO, text: str) -> None:
    from sessiond.render import safe_text

    out.write(safe_text(text) + "\n")
    out.flush()


def _who(e: Event) -> str:
    """What a person calls an event's author: replies are "reply", or their model."""
    if e.kind != "system":
        return e.kind
    model = (e.meta or {}).get("model")
    if isinstance(model, str) and model:
        from sessiond.render import one_line

        return one_line(model, 32)
    return "reply"


def replay_lines(events: list[Event]) -> Iterator[str]:
    """Each event as `seq  time  who  text`, continuation lines indented."""
    from sessiond.render import Clock, safe_text

    clock = Clock()
    width = max([11, *(len(_who(e)) for e in events)])
    pad = " " * (5 + 2 + 8 + 2 + width + 1)
    for e in events:
        lines = safe_text(e.text).split("\n")
        date, at = clock.short(e.created_at)
        if date is not None:
            yield f"{'':>5}  -- {date} ({clock.zone}) --"
        yield f"{e.seq:>5}  {at}  {_who(e):<{width}} {lines[0]}"
        for line in lines[1:]:
            yield pad + line


class Chat:
    """The chat's commands and turns; `connect()` gives the (started) client."""

    def __init__(
        self,
        connect: Callable[[], Client],
        out: TextIO,
        engine_base_url: str | None = None,
        model: str | None = None,
        fit: bool = False,
        keys: TextIO | None = None,
    ) -> None:
        self._connect = connect
        self.quiet = _QuietKeys(keys) if keys is not None else None
        #: Until then (time.monotonic()), a Ctrl-C is the echo of one that stopped a reply.
        self.calm_until = 0.0
        self.out = out
        self.engine_base_url = engine_base_url
        self.model = model
        self.fit = fit  # tables fit the terminal's width (read when shown: it changes)
        self.session: Session | None = None
        self.parent_ulid: str | None = None  # the session the next one continues
        self._told = False
        self._shown_model = False
        self._model_hint_shown = False

    @property
    def client(self) -> Client:
        return self._connect()

    @property
    def engine(self) -> bool:
        return self.engine_base_url is not None and bool(self.client.capabilities.get("chat"))

    def say(self, text: str) -> None:
        _say(self.out, text)

    def calm(self) -> bool:
        """Whether a Ctrl-C now is one more of those that stopped a reply."""
        return time.monotonic() < self.calm_until

    def settle(self) -> None:
        """Before a prompt: the terminal as it was."""
        if self.quiet is not None:
            self.quiet.off()

    # Sessions.

    def start(self, announce: Callable[[str], str] | None = None) -> Session:
        client = self.client  # first: connecting may set what the session continues
        params: dict[str, Any] = {"cliVersion": CLI_VERSION, "source": SOURCE}
        project = _project()
        if project:
            params["project"] = project
        if self.engine_base_url:
            params["engineBaseUrl"] = self.engine_base_url
        if self.parent_ulid:
            params["parentUlid"] = self.parent_ulid
        session = _session(client.request("session/start", params))
        assert session is not None
        self.session, parent, self.parent_ulid = session, self.parent_ulid, None
        if announce is not None:
            self.say(announce(session.ulid))
        else:
            tail = f", continuing {parent}" if parent else ""
            self.say(f"session {session.ulid} started{tail}")
        return session

    def end(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            try:
                self.client.request("session/end", {"sessionId": session.id})
            except RpcError as exc:
                if exc.code != SESSION_NOT_FOUND:  # removed elsewhere: nothing to end
                    raise
                return
            self.say(f"session {session.ulid} ended")

    def carry_on(self, old: Session) -> Session:
        """A new session for the next turn, `old` having been ended, trashed or
        removed elsewhere; one line says which."""
        self.session = None
        found = _session(self.client.request("session/get", {"ulid": old.ulid}))
        if found is None:
            self.parent_ulid = None
            return self.start(
                lambda new: (
                    f"session {old.ulid} was removed elsewhere; this turn starts session {new}"
                )
            )
        if found.deleted_at is not None:
            self.parent_ulid = None
            return self.start(
                lambda new: (
                    f"session {old.ulid} was moved to the trash elsewhere; this turn "
                    f"starts session {new}"
                )
            )
        self.parent_ulid = old.ulid
        return self.start(
            lambda new: (
                f"session {old.ulid} was ended elsewhere; this turn continues it in session {new}"
            )
        )

    # Turns.

    def turn(self, text: str) -> None:
        session = self.session or self.start()
        try:
            self._turn_in(session, text)
        except RpcError as exc:
            if exc.code not in (SESSION_ENDED, SESSION_NOT_FOUND):
                raise
            # Nothing was stored: the daemon checks the session before it appends.
            self._turn_in(self.carry_on(session), text)

    def _turn_in(self, session: Session, text: str) -> None:
        if self.engine:
            self._ask(session, text)
            return
        self.client.request(
            "session/append", {"sessionId": session.id, "kind": "prompt", "text": text}
        )
        if not self._told:
            self._told = True
            self.say(NO_ENGINE if self.engine_base_url is None else NO_CHAT_SEND)

    def _hint_model(self, error: str) -> None:
        """Once, when no model was named and the daemon found none to chat with."""
        if self.model or self._model_hint_shown:
            return
        if "lists no chat model" not in error and "lists no models" not in error:
            return
        self._model_hint_shown = True
        self.say("Start the chat with --model NAME to name the model to use.")

    def _ask(self, session: Session, text: str) -> None:
        from sessiond.render import safe_text

        shown = False
        stopping: list[float] = []

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

        def on_interrupt(msg_id: int) -> None:
            # More Ctrl-C during the calm after the first never come here.
            if not stopping:
                stopping.append(time.monotonic())
                self.calm_until = self.client.calm_until = stopping[0] + CANCEL_GRACE_S
                self.client.notify("$/cancelRequest", {"id": msg_id})
            else:
                raise _Leave("the reply did not stop when asked")

        params: dict[str, Any] = {"sessionId": session.id, "text": text}
        if self.model:
            params["model"] = self.model
        if self.quiet is not None:
            self.quiet.on()  # off at the next prompt
        try:
            result = self.client.request("chat/send", params, on_notification, on_interrupt)
        except RpcError as exc:
            if shown:
                self.out.write("\n")
            if exc.code == REQUEST_CANCELLED or (exc.code == ENGINE_ERROR and stopping):
                self.say(STOPPED)
            elif exc.code == ENGINE_ERROR:
                self.say(f"no reply: {exc.message}")
                self._hint_model(exc.message)
            else:
                raise
            return
        if shown:
            self.out.write("\n")
        if stopping:
            self.say(STOPPED)
        self.out.flush()
        if not self._shown_model and isinstance(result, dict):
            self._show_model(session, result)

    def _show_model(self, session: Session, result: dict[str, Any]) -> None:
        """Once, after the first reply: the model that answered, and the engine."""
        seq = (result.get("reply") or {}).get("seq")
        if not isinstance(seq, int):
            return
        got = self.client.request(
            "session/events", {"sessionId": session.id, "limit": 1, "beforeSeq": seq + 1}
        )
        events = _events(got["events"])
        if not events or events[-1].seq != seq:
            return
        model = (events[-1].meta or {}).get("model")
        where = session.engine_base_url or self.engine_base_url
        self._shown_model = True
        if isinstance(model, str) and model:
            self.say(f"(the reply came from {model}, at {where})")
        else:
            self.say(f"(the reply came from the engine at {where})")

    # Commands.

    def handle(self, line: str) -> bool:
        """Handle one line (or pasted text); False when the person asked to leave."""
        self.client  # noqa: B018 (the daemon first: what --continue found applies)
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
            self.sessions()
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

    def sessions(self) -> None:
        from sessiond.render import sessions_table

        listed = self.client.request("session/list", {"limit": SESSIONS_SHOWN + 1})["sessions"]
        shown = [s for s in (_session(raw) for raw in listed[:SESSIONS_SHOWN]) if s]
        width = None
        if self.fit:
            from sessiond.cli.common import terminal_width

            width = terminal_width(self.out)
        self.say(sessions_table(shown, width=width))
        if len(listed) > SESSIONS_SHOWN:
            # No method counts sessions: list the most one can, and count those.
            most = 10_000
            try:
                total = len(self.client.request("session/list", {"limit": most})["sessions"])
            except RpcError as exc:
                if exc.code != OVERSIZE:
                    raise
                total = 0  # too much to count this way
            more = f"{total - SESSIONS_SHOWN:,}" + (" or more" if total == most else "")
            more = more if total else "some"
            self.say(f"... and {more} more (`sessiond ls -n N` lists more)")

    def _session_events(self, session: Session, limit: int) -> list[Event]:
        result = self.client.request("session/events", {"sessionId": session.id, "limit": limit})
        return _events(result["events"])

    def replay(self, arg: str) -> None:
        if not arg.isdigit() and arg:
            self.say("usage: /replay [N], N a whole number")
            return
        left = min(int(arg) if arg else 20, 10_000)
        parts: list[tuple[Session | None, list[Event]]] = []
        if self.session is not None:
            events = self._session_events(self.session, left)
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
            events = self._session_events(parent, left)
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
            for line in replay_lines(events):
                self.say(line)

    def resolve(self, prefix: str) -> Session | None:
        """The one session whose ULID is or starts with `prefix` (any case), else says why."""
        found, why = find_session(self.client, prefix)
        if found is None:
            self.say(why)
        return found

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


class Notes:
    """What other threads have to tell the person (the daemon's stderr, what
    `--continue` found): shown at once when nothing else is, else held until
    the main thread shows them (`flush`), or put above the prompt by `poke`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: list[tuple[TextIO, str]] = []
        self.poke: Callable[[], None] | None = None

    def add(self, text: str, stream: TextIO) -> None:
        with self._lock:
            self._held.append((stream, text))
        if self.poke is not None:
            self.poke()

    def flush(self) -> None:
        with self._lock:
            held, self._held = self._held, []
        for stream, text in held:
            _say(stream, text)


class Prompt:
    """The line editor at a terminal (prompt_toolkit); notes are put above it."""

    def __init__(
        self, out: TextIO, notes: Notes, on_shown: Callable[[], object] | None = None
    ) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.application import run_in_terminal
        from prompt_toolkit.history import InMemoryHistory
        from prompt_toolkit.key_binding import KeyBindings

        self.out = out
        self.notes = notes
        self._run_in_terminal = run_in_terminal
        #: Whether a Ctrl-C now is the echo of one that stopped a reply.
        self.calm: Callable[[], bool] = lambda: False
        #: Called before each prompt.
        self.before: Callable[[], None] = lambda: None
        bindings = KeyBindings()

        @bindings.add("c-c")
        @bindings.add("<sigint>")
        def _clear(event: Any) -> None:
            buffer = event.current_buffer
            if buffer.text:
                buffer.reset(append_to_history=True)  # Up brings it back
            elif not self.calm():
                run_in_terminal(lambda: _say(self.out, LEAVE_HINT))

        @bindings.add("escape", "enter")
        def _newline(event: Any) -> None:
            event.current_buffer.insert_text("\n")

        self.session: PromptSession[str] = PromptSession(
            history=InMemoryHistory(),
            key_bindings=bindings,
            prompt_continuation=lambda width, _line, _wrap: "." * (width - 1) + " ",
        )
        notes.poke = self._poke
        if on_shown is not None:
            # Once the first prompt is on the screen (so that what on_shown
            # starts does not delay it).
            def shown(_app: Any) -> None:
                self.session.app.after_render -= shown
                on_shown()

            self.session.app.after_render += shown

    def _poke(self) -> None:
        """Put the notes above the prompt, when one is on the screen (any thread)."""
        app = self.session.app
        loop = app.loop
        if app.is_running and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._flush_above)

    def _flush_above(self) -> None:
        if self.session.app.is_running:
            self._run_in_terminal(self.notes.flush)

    def abort(self, exc: BaseException) -> None:
        """End the prompt with `exc` (any thread), when one is on the screen."""
        app = self.session.app
        loop = app.loop
        if not app.is_running or loop is None:
            return

        def end() -> None:
            if app.is_running and app.future is not None and not app.future.done():
                app.exit(exception=exc)

        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(end)

    def lines(self) -> Iterator[str]:
        while True:
            self.before()
            self.notes.flush()
            try:
                yield self.session.prompt("> ")
            except EOFError:
                return


def _piped_lines(stdin: TextIO) -> Iterator[str]:
    for line in stdin:
        yield line.rstrip("\n")


class _Fatal(Exception):
    """The daemon could not start; the chat cannot go on."""


class _Leave(Exception):
    """The person asked twice, the daemon did not answer: leave."""


def run_chat(
    cmd: list[str],
    env: dict[str, str],
    cont: bool | str = False,
    engine_base_url: str | None = None,
    model: str | None = None,
) -> int:
    """Run the chat on this process's stdin/stdout; the exit code.

    `cmd` and `env` start the daemon (the database in `env`, never in `cmd`).
    """
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    url = engine_base_url or env.get("SESSIOND_ENGINE_BASE_URL") or None
    if url:
        env["SESSIOND_ENGINE_BASE_URL"] = url
    notes = Notes()
    prompt: Prompt | None = None
    last: list[Session] = []  # what --continue found, for the main thread to take

    def on_stderr(line: str) -> None:
        if interactive:
            notes.add(line, sys.stderr)
        else:
            _say(sys.stderr, line)

    def then(client: Client) -> None:
        if not cont:
            return
        try:
            if isinstance(cont, str):  # --continue ULID
                found, why = find_session(client, cont)
                if found is None:
                    notes.add(f"{why}; the next turn starts a new session", sys.stderr)
                    return
            else:
                found = _session(client.request("session/last"))
        except RpcError as exc:
            notes.add(f"the session to continue could not be read: {exc.message}", sys.stderr)
            return
        if found is None:
            notes.add("no session to continue; the next turn starts a new one", sys.stdout)
        else:
            last.append(found)
            notes.add(f"continuing {found.ulid}", sys.stdout)

    def on_failure(exc: BaseException) -> None:
        if prompt is not None:
            prompt.abort(_Fatal(str(exc)))

    def connect() -> Client:
        client = daemon.client()
        if last:  # once: the next turn continues the last session
            found = last.pop()
            if chat.session is None and chat.parent_ulid is None:
                chat.parent_ulid = found.ulid
        notes.flush()  # in the main thread, between prompts
        return client

    daemon = Daemon(cmd, env, "sessiond chat", on_stderr, then, on_failure)
    if interactive:
        # The daemon starts once the prompt is shown: on two cores, its start
        # would otherwise compete with the prompt's.
        prompt = Prompt(sys.stdout, notes, on_shown=daemon.start)
    chat = Chat(connect, sys.stdout, url, model, interactive, sys.stdin if interactive else None)

    def on_sigint(_signum: int, _frame: Any) -> None:
        if not chat.calm():  # else: one more of those that stopped a reply
            raise KeyboardInterrupt

    code = 0
    try:
        if prompt is not None:
            prompt.calm = chat.calm
            prompt.before = chat.settle
            sys.stdout.write(WELCOME + "\n")
            lines: Iterator[str] = prompt.lines()
        else:
            chat.client  # noqa: B018 (piped: what --continue found comes first)
            notes.flush()
            lines = _piped_lines(sys.stdin)
        for line in lines:
            if prompt is not None:  # the prompt leaves Python's own handler behind
                signal.signal(signal.SIGINT, on_sigint)
            try:
                if not chat.handle(line):
                    break
            except RpcError as exc:
                chat.say(f"error: {exc.message}")
            except Interrupted:
                if prompt is None:
                    raise KeyboardInterrupt from None
                chat.say("(stopped)")
    except KeyboardInterrupt:
        sys.stdout.write("\n")
    except (DaemonGone, _Fatal, _Leave) as exc:
        notes.flush()
        sys.stderr.write(f"sessiond chat: {exc}\n")
        code = 1
    notes.poke = None
    notes.flush()
    chat.settle()
    if code == 0:
        try:
            chat.end()
        except (DaemonGone, RpcError, Interrupted, KeyboardInterrupt) as exc:
            sys.stderr.write(f"sessiond chat: the session could not be ended: {exc}\n")
    try:
        closed = daemon.close()
    except KeyboardInterrupt:
        closed = 1
    notes.flush()
    return code if closed in (0, None) else 1
