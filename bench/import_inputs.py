"""Large, realistic inputs for every import source (`bench.imports`).

Each `make_<source>(root, events)` writes, under `root`, about `events`
events' worth of one tool's history in the exact shape that tool writes and
the source's reader takes, and returns an `Input`: the paths to give
`sessiond import` and the number of events the reader must make of them
(each generator counts them as it writes, from the reader's documented
rules; the bench checks the store against it).

The shapes are the fixtures' (`tests/importers/fixtures/<source>/`, each
with its README citing where its format comes from), replicated with fresh
ids, times and texts: many sessions (their lengths drawn, a tail of long
ones), a prompt per turn, tool calls with their results, replies with their
model and token usage, titles, projects and branches where the tool records
them, sub-agents where it has them. The words and lengths are
`bench.corpus`'s (a Zipf vocabulary; prompts a median of 13 words, replies
35 with a long tail); tool outputs are lines of those words.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

from bench import corpus

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "tests" / "importers" / "fixtures"
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: the first session's start
DAY_MS = 86_400_000

PROJECTS = [
    "/home/dana/src/weather-cli",
    "/home/dana/src/ledger-api",
    "/home/dana/src/billing-worker",
    "/home/mira/src/trailmap",
    "/home/ines/code/ledger",
    "/home/ann/proj",
    "/home/ravi/code/ledger-web",
    "/srv/build/infra-tools",
]
BRANCHES = ["main", "main", "main", "feature/city-flag", "fix/rounding", "offline-tiles", "dev"]
SHELL = [
    "git status",
    "git diff --stat",
    "npm test",
    "pytest -q",
    "ls src",
    "make lint",
    "go test ./...",
]
TOOLS = ["Read", "Bash", "Edit", "Grep", "Glob", "Write"]


@attrs.frozen
class Input:
    """What a generator wrote: the paths `sessiond import` takes, the events
    the reader makes of them, and the sessions."""

    paths: list[Path]
    events: int
    sessions: int


class Words:
    """Texts of `bench.corpus`'s words and lengths, drawn from one pool.

    Prompts and replies have `corpus.texts`' lengths (3 + lognormal(2.3,
    0.8) words, median 13; 5 + lognormal(3.4, 0.9), median 35); a window of
    a pre-drawn Zipf pool at a random place, as `corpus.texts` does.
    """

    def __init__(self, seed: int, pool: int = 400_000) -> None:
        self.rng = random.Random(seed)
        words = corpus.vocabulary()
        weights = list(itertools.accumulate(1.0 / (r + 1.5) for r in range(1, len(words) + 1)))
        self.pool = self.rng.choices(words, cum_weights=weights, k=pool)
        self.common = corpus.COMMON_WORDS

    def take(self, n: int) -> str:
        n = max(1, min(n, 2_000))
        start = self.rng.randrange(len(self.pool) - n)
        return " ".join(self.pool[start : start + n])

    def prompt(self) -> str:
        return self.take(3 + int(self.rng.lognormvariate(2.3, 0.8)))

    def reply(self) -> str:
        return self.take(5 + int(self.rng.lognormvariate(3.4, 0.9)))

    def output(self) -> str:
        """A tool's output: 1 to about 40 lines of 3 to 12 words."""
        lines = 1 + int(self.rng.lognormvariate(1.5, 0.9))
        return "\n".join(self.take(self.rng.randint(3, 12)) for _ in range(min(lines, 200)))

    def title(self) -> str:
        return self.take(self.rng.randint(3, 7)).capitalize()

    def word(self) -> str:
        return self.rng.choice(self.common)

    def file(self) -> str:
        return f"src/{self.word()}/{self.word()}.{self.rng.choice(('py', 'ts', 'go', 'rs'))}"

    def shell(self) -> str:
        return self.rng.choice(SHELL) + ("" if self.rng.random() < 0.5 else f" {self.file()}")

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def uuid7(self, ms: int) -> str:
        """A version-7 UUID (its first 48 bits the time), as Codex's are."""
        value = (ms << 80) | self.rng.getrandbits(80)
        value = (value & ~(0xF << 76)) | (7 << 76)
        value = (value & ~(0x3 << 62)) | (0x2 << 62)
        return str(uuid.UUID(int=value))

    def hex(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def alnum(self, n: int) -> str:
        chars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
        return "".join(self.rng.choice(chars) for _ in range(n))

    def turns(self) -> int:
        """Turns in a session: mostly a handful, a tail of long ones."""
        return max(1, min(120, int(self.rng.lognormvariate(2.0, 0.8))))

    def calls(self) -> int:
        """Tool calls in a turn before the reply (0 to 6)."""
        return min(6, int(self.rng.expovariate(0.6)))

    def usage(self) -> dict[str, int]:
        """Anthropic-style: uncached input, cache writes and reads, output."""
        return {
            "input_tokens": self.rng.randint(1, 400),
            "cache_creation_input_tokens": self.rng.randint(0, 4_000),
            "cache_read_input_tokens": self.rng.randint(2_000, 90_000),
            "output_tokens": self.rng.randint(10, 1_500),
        }


def iso(ms: int) -> str:
    """`ms` as JavaScript's toISOString writes it."""
    import datetime

    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


class Clock:
    """Times of one history: sessions a few hours apart, turns a minute or
    two apart, steps inside a turn seconds apart (milliseconds)."""

    def __init__(self, rng: random.Random, start: int = BASE_MS) -> None:
        self.rng, self.now = rng, start

    def session(self) -> int:
        self.now += self.rng.randint(600_000, 6 * 3_600_000)
        return self.now

    def turn(self) -> int:
        self.now += self.rng.randint(20_000, 240_000)
        return self.now

    def step(self) -> int:
        self.now += self.rng.randint(300, 9_000)
        return self.now


def _write_jsonl(path: Path, lines: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line, separators=(",", ":")) + "\n" for line in lines))


# --- Claude Code --------------------------------------------------------------


def make_claude_code(root: Path, events: int, seed: int = 13) -> Input:
    """`projects/<slug>/<sessionId>.jsonl` (Claude Code 2.x): per turn a
    typed prompt, then assistant messages written a content block a line
    (text and tool_use under one `message.id`, each line repeating model and
    usage), the tool results as user lines, a last reply; bookkeeping lines
    (`file-history-snapshot`), an `ai-title`, and for one session in five a
    sub-agent's own file (`<sessionId>/subagents/agent-<id>.jsonl`), its
    first line the Task prompt. Events: prompt, each text block, each
    tool_use and each tool_result."""
    w = Words(seed)
    clock = Clock(w.rng)
    projects = root / "projects"
    total = sessions = 0

    def session() -> None:
        nonlocal total, sessions
        sid = w.uuid()
        project = w.rng.choice(PROJECTS)
        base = {
            "cwd": project,
            "sessionId": sid,
            "version": w.rng.choice(("2.0.14", "2.0.77", "2.1.100")),
            "gitBranch": w.rng.choice(BRANCHES),
            "userType": "external",
            "entrypoint": "cli",
        }
        folder = projects / project.replace("/", "-")
        lines: list[Any] = []
        count = 0
        parent: str | None = None
        clock.session()

        def line(kind: str, body: dict[str, Any], side: dict[str, Any] | None = None) -> None:
            nonlocal parent
            me = w.uuid()
            out = lines if side is None else side["lines"]
            prev = parent if side is None else side["parent"]
            extra = {"isSidechain": side is not None}
            if side is not None:
                extra["agentId"] = side["agent"]
            out.append(
                {
                    "parentUuid": prev,
                    **extra,
                    **base,
                    "type": kind,
                    "uuid": me,
                    "timestamp": iso(clock.step()),
                    **body,
                }
            )
            if side is None:
                parent = me
            else:
                side["parent"] = me

        def turn(side: dict[str, Any] | None, model: str) -> int:
            n = 0
            for _ in range(w.calls()):
                msg, usage = f"msg_01{w.alnum(22)}", w.usage()
                blocks: list[dict[str, Any]] = []
                if w.rng.random() < 0.5:
                    blocks.append({"type": "text", "text": w.reply()})
                tool, tid = w.rng.choice(TOOLS), f"toolu_01{w.alnum(22)}"
                args = {"command": w.shell()} if tool == "Bash" else {"file_path": w.file()}
                blocks.append({"type": "tool_use", "id": tid, "name": tool, "input": args})
                for block in blocks:  # one line per content block, as Claude Code writes
                    part: dict[str, Any] = {"model": model, "id": msg, "type": "message"}
                    part |= {"role": "assistant", "content": [block], "usage": usage}
                    line("assistant", {"message": part, "requestId": f"req_{w.alnum(24)}"}, side)
                result: dict[str, Any] = {"type": "tool_result", "tool_use_id": tid}
                result["content"] = w.output()
                if w.rng.random() < 0.05:
                    result["is_error"] = True
                line("user", {"message": {"role": "user", "content": [result]}}, side)
                n += len(blocks) + 1
            message: dict[str, Any] = {"model": model, "id": f"msg_01{w.alnum(22)}"}
            message |= {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": w.reply()}],
            }
            message |= {"stop_reason": "end_turn", "usage": w.usage()}
            line("assistant", {"message": message, "requestId": f"req_{w.alnum(24)}"}, side)
            return n + 1

        model = w.rng.choice(("claude-sonnet-4-5", "claude-opus-4-7", "claude-sonnet-4-5"))
        lines.append({"type": "file-history-snapshot", "messageId": w.uuid(), "snapshot": {}})
        for _ in range(w.turns()):
            clock.turn()
            line("user", {"message": {"role": "user", "content": w.prompt()}})
            count += 1 + turn(None, model)
            if w.rng.random() < 0.04:  # a sub-agent for this turn, in its own file
                side: dict[str, Any] = {"agent": w.hex(8), "lines": [], "parent": None}
                line("user", {"message": {"role": "user", "content": w.prompt()}}, side)
                count += 1
                for _ in range(w.rng.randint(1, 3)):
                    count += turn(side, "claude-haiku-4-5")
                _write_jsonl(
                    folder / sid / "subagents" / f"agent-{side['agent']}.jsonl", side["lines"]
                )
        lines.append({"type": "ai-title", "aiTitle": w.title(), "sessionId": sid})
        _write_jsonl(folder / f"{sid}.jsonl", lines)
        total += count
        sessions += 1

    while total < events:
        session()
    return Input([projects], total, sessions)


# --- Codex ----------------------------------------------------------------------


def make_codex(root: Path, events: int, seed: int = 17) -> Input:
    """`$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`
    (codex-rs 0.10x): `session_meta` (cwd, git branch), the injected
    `<environment_context>`, then per turn a `turn_context` (model), the
    prompt twice (`response_item` message and `event_msg` user_message),
    reasoning, function calls and their outputs each followed by a
    `token_count`, the reply twice (`agent_message` and the item) and its
    `token_count` written twice (Codex repeats it); titles in
    `$CODEX_HOME/session_index.jsonl`. Events: the prompt, each call, each
    output, the reply."""
    w = Words(seed)
    clock = Clock(w.rng)
    home = root / "codex-home"
    index: list[Any] = []
    total = sessions = 0
    while total < events:
        start = clock.session()
        sid = w.uuid7(start)
        project = w.rng.choice(PROJECTS)
        model = w.rng.choice(("gpt-5.3-codex", "gpt-5-codex", "gpt-5.1"))
        day = iso(start)
        name = f"rollout-{day[:10]}T{day[11:13]}-{day[14:16]}-{day[17:19]}-{sid}.jsonl"
        path = home / "sessions" / day[:4] / day[5:7] / day[8:10] / name
        lines: list[Any] = []

        def put(kind: str, payload: dict[str, Any], lines: list[Any] = lines) -> None:
            lines.append({"timestamp": iso(clock.step()), "type": kind, "payload": payload})

        put(
            "session_meta",
            {
                "id": sid,
                "timestamp": iso(start),
                "cwd": project,
                "originator": "codex_cli_rs",
                "cli_version": "0.107.0",
                "instructions": None,
                "source": "cli",
                "model_provider": "openai",
                "git": {"commit_hash": w.hex(40), "branch": w.rng.choice(BRANCHES)},
            },
        )
        context = (
            f"<environment_context>\n  <cwd>{project}</cwd>\n"
            "  <shell>bash</shell>\n</environment_context>"
        )
        put(
            "response_item",
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": context}],
            },
        )
        spent = {
            "input_tokens": 0,
            "cached_input_tokens": 0,
            "output_tokens": 0,
            "reasoning_output_tokens": 0,
            "total_tokens": 0,
        }

        def count(spent: dict[str, int] = spent) -> dict[str, Any]:
            last = {
                "input_tokens": w.rng.randint(8_000, 60_000),
                "output_tokens": w.rng.randint(20, 900),
            }
            last["cached_input_tokens"] = last["input_tokens"] * w.rng.randint(50, 95) // 100
            last["reasoning_output_tokens"] = last["output_tokens"] // 3
            last["total_tokens"] = last["input_tokens"] + last["output_tokens"]
            for k, v in last.items():
                spent[k] += v
            return {
                "type": "token_count",
                "info": {
                    "total_token_usage": dict(spent),
                    "last_token_usage": last,
                    "model_context_window": 258400,
                },
            }

        n = 0
        for _ in range(w.turns()):
            clock.turn()
            put(
                "turn_context",
                {
                    "turn_id": w.uuid(),
                    "cwd": project,
                    "approval_policy": "on-request",
                    "model": model,
                    "effort": "medium",
                },
            )
            prompt = w.prompt()
            put(
                "response_item",
                {
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": prompt}],
                },
            )
            put("event_msg", {"type": "user_message", "message": prompt, "images": []})
            put("event_msg", {"type": "token_count", "info": None, "rate_limits": None})
            for _ in range(w.calls()):
                put(
                    "response_item",
                    {
                        "type": "reasoning",
                        "summary": [{"type": "summary_text", "text": w.title()}],
                        "content": None,
                        "encrypted_content": w.alnum(60),
                    },
                )
                call = f"call_{w.alnum(16)}"
                args = json.dumps({"command": w.shell(), "workdir": project})
                put(
                    "response_item",
                    {
                        "type": "function_call",
                        "name": "shell_command",
                        "arguments": args,
                        "call_id": call,
                    },
                )
                code = 1 if w.rng.random() < 0.05 else 0
                wall = f"Wall time: 0.{w.rng.randint(1, 9)} seconds"
                output = f"Exit code: {code}\n{wall}\nOutput:\n{w.output()}\n"
                put(
                    "response_item",
                    {"type": "function_call_output", "call_id": call, "output": output},
                )
                put("event_msg", count())
                n += 2
            reply = w.reply()
            put("event_msg", {"type": "agent_message", "message": reply})
            put(
                "response_item",
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": reply}],
                },
            )
            counted = count()
            put("event_msg", counted)
            put("event_msg", counted)  # Codex writes the same count twice
            n += 2
        _write_jsonl(path, lines)
        index.append({"id": sid, "thread_name": w.title(), "updated_at": iso(clock.now)[:19] + "Z"})
        total += n
        sessions += 1
    _write_jsonl(home / "session_index.jsonl", index)
    return Input([home / "sessions"], total, sessions)


# --- Gemini CLI -----------------------------------------------------------------


def make_gemini_cli(root: Path, events: int, seed: int = 19) -> Input:
    """`~/.gemini/tmp/<slug>/chats/`, each project folder with its
    `.project_root` and listed in `projects.json`: seven sessions in ten as
    v0.39's change log (`session-<time>-<id8>.jsonl`: a metadata line, each
    message as written, a model message written again whole once its tool
    calls ran, the tool results as `user` messages, `$set` lines, the title
    as `$set.summary`), the others as the older whole document (`.json`).
    One turn in 25 hands work to a sub-agent
    (`chats/<parent id>/<agent id>.jsonl`). Events: the prompt, a model
    message's text (with model and tokens), each tool call and its result."""
    w = Words(seed)
    clock = Clock(w.rng)
    gemini = root / "home" / ".gemini"
    slugs = {p: p.rsplit("/", 1)[1] for p in PROJECTS}
    for project, slug in slugs.items():
        (gemini / "tmp" / slug / "chats").mkdir(parents=True)
        (gemini / "tmp" / slug / ".project_root").write_text(project)
    (gemini / "projects.json").write_text(json.dumps({"projects": slugs}, indent=2))
    total = sessions = 0

    def tokens() -> dict[str, int]:
        t = {"input": w.rng.randint(3_000, 60_000), "output": w.rng.randint(10, 900)}
        t |= {
            "cached": t["input"] * w.rng.randint(0, 90) // 100,
            "thoughts": w.rng.randint(0, 300),
            "tool": 0,
        }
        t["total"] = t["input"] + t["output"] + t["thoughts"]
        return t

    def conversation(model: str, first: str, log: list[Any]) -> tuple[list[Any], int]:
        """Messages of one conversation (`log`: the change-log lines, filled
        as it goes); returns (messages, events)."""
        messages: list[Any] = []
        n = 0

        def put(message: dict[str, Any]) -> None:
            messages.append(message)
            log.append(message)
            log.append({"$set": {"lastUpdated": iso(clock.step())}})

        for t in range(w.turns()):
            clock.turn()
            text = first if t == 0 else w.prompt()
            put(
                {
                    "id": w.uuid(),
                    "timestamp": iso(clock.step()),
                    "type": "user",
                    "content": [{"text": text}],
                }
            )
            n += 1
            for _ in range(w.calls()):
                said = w.reply() if w.rng.random() < 0.5 else ""
                message: dict[str, Any] = {
                    "id": w.uuid(),
                    "timestamp": iso(clock.step()),
                    "type": "gemini",
                    "content": said,
                }
                message |= {"thoughts": [], "tokens": tokens(), "model": model}
                log.append(dict(message))  # written first without its calls
                name = w.rng.choice(
                    ("run_shell_command", "read_file", "replace", "search_file_content")
                )
                call = f"{name}-{clock.now}-{w.hex(4)}"
                failed = w.rng.random() < 0.05
                response = {"error": w.output()} if failed else {"output": w.output()}
                result = [{"functionResponse": {"id": call, "name": name, "response": response}}]
                message["toolCalls"] = [
                    {
                        "id": call,
                        "name": name,
                        "args": {"command": w.shell()}
                        if name == "run_shell_command"
                        else {"file_path": w.file()},
                        "result": result,
                        "status": "error" if failed else "success",
                        "timestamp": iso(clock.step()),
                        "displayName": name,
                        "renderOutputAsMarkdown": False,
                    }
                ]
                put(message)
                put(
                    {
                        "id": w.uuid(),
                        "timestamp": iso(clock.step()),
                        "type": "user",
                        "content": result,
                    }
                )
                n += 2 + (1 if said else 0)
            message = {
                "id": w.uuid(),
                "timestamp": iso(clock.step()),
                "type": "gemini",
                "content": w.reply(),
            }
            put(message | {"thoughts": [], "tokens": tokens(), "model": model})
            n += 1
        return messages, n

    while total < events:
        start = clock.session()
        sid = w.uuid()
        project = w.rng.choice(PROJECTS)
        chats = gemini / "tmp" / slugs[project] / "chats"
        model = w.rng.choice(("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview"))
        digest = hashlib.sha256(project.encode()).hexdigest()
        head = {
            "sessionId": sid,
            "projectHash": digest,
            "startTime": iso(start),
            "lastUpdated": iso(start),
        }
        log: list[Any] = [head | {"kind": "main"}]
        messages, n = conversation(model, w.prompt(), log)
        title = w.title()
        stamp = iso(start)[:16].replace(":", "-")
        if w.rng.random() < 0.7:
            log.append({"$set": {"summary": title}})
            _write_jsonl(chats / f"session-{stamp}-{sid[:8]}.jsonl", log)
        else:
            document = head | {
                "lastUpdated": iso(clock.now),
                "summary": title,
                "messages": messages,
            }
            (chats / f"session-{stamp}-{sid[:8]}.json").write_text(json.dumps(document, indent=2))
        if w.rng.random() < 0.04 * max(1, len(messages) // 8):  # a sub-agent's session
            agent = w.uuid()
            sub = [
                {
                    "sessionId": agent,
                    "projectHash": digest,
                    "startTime": iso(clock.now),
                    "lastUpdated": iso(clock.now),
                    "kind": "subagent",
                    "directories": [project],
                }
            ]
            _, k = conversation("gemini-2.5-flash", w.prompt(), sub)
            _write_jsonl(chats / sid / f"{agent}.jsonl", sub)
            n += k
        total += n
        sessions += 1
    return Input([gemini / "tmp"], total, sessions)


# --- OpenCode -------------------------------------------------------------------

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class _OpenCodeIds:
    """OpenCode's identifiers (`packages/opencode/src/id/id.ts`): a prefix,
    6 bytes of (ms * 0x1000 + a counter) in hex, 14 random base-62
    characters; sessions' time bits inverted, so newer sort first."""

    def __init__(self, w: Words) -> None:
        self.w, self.last, self.counter = w, 0, 0

    def make(self, prefix: str, ms: int, descending: bool = False) -> str:
        if ms != self.last:
            self.last, self.counter = ms, 0
        self.counter += 1
        value = ms * 0x1000 + self.counter
        if descending:
            value = ~value & 0xFFFFFFFFFFFF
        return f"{prefix}_{value & 0xFFFFFFFFFFFF:012x}{self.w.alnum(14)}"


def _schema_of(dump: Path, conn: sqlite3.Connection, tables: tuple[str, ...]) -> None:
    """The fixture's schema (its SQL dump run as is), its rows of `tables`
    removed: the file as the tool would have made it, empty."""
    conn.executescript(dump.read_text())
    for table in tables:
        conn.execute(f'DELETE FROM "{table}"')
    conn.commit()


def make_opencode(root: Path, events: int, seed: int = 23) -> Input:
    """`opencode.db` (OpenCode 1.2: the fixture's drizzle schema, WAL mode):
    projects, sessions (one in eight a sub-agent's child session, made by a
    `task` tool part), per turn a user message (its typed text part, and for
    one in four a synthetic part an `@file` pulled in), then assistant
    messages, each `step-start`, optional `reasoning` and `text`, a `tool`
    part (completed, or an error) and `step-finish` with its tokens, the last
    one a text reply. Events: the prompt, each text part, each tool part's
    call and result."""
    w = Words(seed)
    clock = Clock(w.rng)
    ids = _OpenCodeIds(w)
    folder = root / "opencode"
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "opencode.db")
    _schema_of(
        FIXTURES / "opencode" / "opencode.sql",
        conn,
        ("part", "message", "todo", "session", "project"),
    )
    conn.execute("PRAGMA journal_mode=WAL")
    projects = {p: w.hex(40) for p in PROJECTS}
    conn.executemany(
        "INSERT INTO project (id, worktree, vcs, time_created, time_updated, time_initialized,"
        " sandboxes)"
        " VALUES (?, ?, 'git', ?, ?, ?, '[]')",
        [(pid, path, BASE_MS, BASE_MS, BASE_MS) for path, pid in projects.items()],
    )
    session_rows: list[Any] = []
    message_rows: list[Any] = []
    part_rows: list[Any] = []
    total = sessions = 0

    def part(mid: str, sid: str, data: dict[str, Any], start: int, end: int | None = None) -> None:
        part_rows.append((ids.make("prt", start), mid, sid, start, end or start, json.dumps(data)))

    def tokens() -> dict[str, Any]:
        t: dict[str, Any] = {"input": w.rng.randint(50, 3_000), "output": w.rng.randint(10, 900)}
        t["reasoning"] = 0
        t["cache"] = {"write": w.rng.randint(0, 3_000), "read": w.rng.randint(2_000, 60_000)}
        t["total"] = t["input"] + t["output"] + t["cache"]["read"] + t["cache"]["write"]
        return t

    def assistant(sid: str, parent: str, project: str, model: str, agent: str, kind: str) -> int:
        start = clock.step()
        mid = ids.make("msg", start)
        t = tokens()
        info: dict[str, Any] = {"parentID": parent, "role": "assistant", "mode": agent}
        info["agent"] = agent
        info |= {"path": {"cwd": project, "root": project}, "cost": 0.01, "tokens": t}
        info |= {"modelID": model, "providerID": "anthropic"}
        part(mid, sid, {"type": "step-start", "snapshot": w.hex(40)}, clock.step())
        n = 0
        if kind == "reply" or w.rng.random() < 0.4:
            at = clock.step()
            part(
                mid, sid, {"type": "text", "text": w.reply(), "time": {"start": at, "end": at}}, at
            )
            n += 1
        if kind == "tool":
            at, failed = clock.step(), w.rng.random() < 0.05
            tool = w.rng.choice(("bash", "read", "edit", "grep", "glob"))
            args = (
                {"command": w.shell(), "description": w.title()}
                if tool == "bash"
                else {"filePath": w.file()}
            )
            state: dict[str, Any] = {"status": "error" if failed else "completed", "input": args}
            if failed:
                state["error"] = w.output()
            else:
                state |= {"output": w.output(), "title": w.title(), "metadata": {}}
            state["time"] = {"start": at, "end": clock.step()}
            part(
                mid,
                sid,
                {"type": "tool", "tool": tool, "callID": f"toolu_01{w.alnum(22)}", "state": state},
                at,
                clock.now,
            )
            n += 2
        done = clock.step()
        finish: dict[str, Any] = {
            "type": "step-finish",
            "reason": "tool-calls" if kind == "tool" else "stop",
        }
        part(mid, sid, finish | {"snapshot": w.hex(40), "tokens": t, "cost": 0.01}, done)
        info |= {"time": {"created": start, "completed": done}, "finish": finish["reason"]}
        message_rows.append((mid, sid, start, done, json.dumps(info)))
        return n

    def conversation(sid: str, project: str, model: str, agent: str, first: str | None) -> int:
        n = 0
        for t in range(w.turns() if first is None else w.rng.randint(1, 3)):
            start = clock.turn()
            mid = ids.make("msg", start)
            info = {"role": "user", "time": {"created": start}, "agent": agent}
            info |= {"model": {"providerID": "anthropic", "modelID": model}}
            message_rows.append((mid, sid, start, start, json.dumps(info)))
            text = first if first is not None and t == 0 else w.prompt()
            part(mid, sid, {"type": "text", "text": text}, start)
            if w.rng.random() < 0.25:  # the file an @file pulled in
                part(mid, sid, {"type": "text", "synthetic": True, "text": w.output()}, start + 1)
            n += 1
            for _ in range(w.calls()):
                n += assistant(sid, mid, project, model, agent, "tool")
            n += assistant(sid, mid, project, model, agent, "reply")
        return n

    while total < events:
        start = clock.session()
        project = w.rng.choice(PROJECTS)
        sid = ids.make("ses", start, descending=True)
        slug = f"{w.word()}-{w.word()}"
        model = w.rng.choice(("claude-sonnet-4-5", "claude-opus-4-7"))
        n = conversation(sid, project, model, "build", None)
        title = w.title() if w.rng.random() < 0.9 else f"New session - {iso(start)}"
        session_rows.append(
            (sid, projects[project], None, slug, project, title, "1.2.6", start, clock.now)
        )
        if w.rng.random() < 0.125:  # a sub-agent's child session
            child_start = clock.step()
            child = ids.make("ses", child_start, descending=True)
            n += conversation(child, project, "claude-haiku-4-5", "explore", w.prompt())
            row = (
                child,
                projects[project],
                sid,
                slug,
                project,
                f"{w.title()} (@explore subagent)",
                "1.2.6",
                child_start,
                clock.now,
            )
            session_rows.append(row)
        total += n
        sessions += 1
    conn.executemany(
        "INSERT INTO session (id, project_id, parent_id, slug, directory, title, version,"
        " time_created, time_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        session_rows,
    )
    conn.executemany("INSERT INTO message VALUES (?, ?, ?, ?, ?)", message_rows)
    conn.executemany("INSERT INTO part VALUES (?, ?, ?, ?, ?, ?)", part_rows)
    conn.commit()
    conn.close()
    return Input([folder], total, sessions)


# --- llm ------------------------------------------------------------------------

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def _ulid(ms: int, rng: random.Random) -> str:
    """A ULID as llm writes them (lower case): 48 bits of time, 80 random."""
    value = (ms << 80) | rng.getrandbits(80)
    return "".join(_CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(26)))


def make_llm(root: Path, events: int, seed: int = 31) -> Input:
    """llm 0.31's `logs.db` (the fixture's schema, `schema-0.31.sql`):
    conversations named by their first prompt; per exchange a response row
    (prompt, reply, model and `resolved_model`, duration, usage as OpenAI's
    plugin records it: input including the cached part, in
    `token_details`); one exchange in five calls a tool: a response with an
    empty reply and its `tool_calls`, then the next response (empty prompt)
    carrying the `tool_results` and the reply. Events: each tool result, the
    prompt, the reply, each tool call."""
    w = Words(seed)
    clock = Clock(w.rng)
    folder = root / "llm"
    folder.mkdir(parents=True)
    conn = sqlite3.connect(folder / "logs.db")
    conn.executescript((FIXTURES / "llm" / "schema-0.31.sql").read_text())
    tools = ["get_weather", "read_file", "search_docs", "run_sql"]
    conn.executemany(
        "INSERT INTO tools (id, hash, name, description, input_schema) VALUES (?, ?, ?, ?, '{}')",
        [
            (
                i + 1,
                w.hex(16),
                name,
                w.title(),
            )
            for i, name in enumerate(tools)
        ],
    )
    conversations: list[Any] = []
    responses: list[Any] = []
    calls: list[Any] = []
    results: list[Any] = []
    total = sessions = 0

    def response(cid: str, model: str, prompt: str, reply: str) -> str:
        at = clock.step()
        rid = _ulid(at, w.rng)
        cached = w.rng.randint(0, 8) * 128
        details = {"prompt_tokens_details": {"cached_tokens": cached}} if cached else None
        responses.append(
            (
                rid, model, prompt, None, "{}", reply, cid, w.rng.randint(300, 20_000),
                iso(at)[:-1] + "+00:00", cached + w.rng.randint(20, 3_000), w.rng.randint(5, 900),
                json.dumps(details) if details else None, f"{model}-2025-04-14",
            )
        )  # fmt: skip
        return rid

    while total < events:
        clock.session()
        model = w.rng.choice(("gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini"))
        first = w.prompt()
        cid = _ulid(clock.now, w.rng)
        conversations.append((cid, first[:64], model))
        n = 0
        for i in range(w.turns()):
            clock.turn()
            prompt = first if i == 0 else w.prompt()
            if w.rng.random() < 0.2:
                rid = response(cid, model, prompt, "")
                name = w.rng.choice(tools)
                call = f"call_{w.alnum(24)}"
                calls.append(
                    (rid, tools.index(name) + 1, name, json.dumps({"q": w.prompt()}), call)
                )
                rid = response(cid, model, "", w.reply())
                results.append((rid, tools.index(name) + 1, name, w.output(), call))
                n += 4
            else:
                response(cid, model, prompt, w.reply())
                n += 2
        total += n
        sessions += 1
    conn.executemany("INSERT INTO conversations VALUES (?, ?, ?)", conversations)
    conn.executemany(
        "INSERT INTO responses (id, model, prompt, system, options_json, response,"
        " conversation_id, duration_ms, datetime_utc, input_tokens, output_tokens, token_details,"
        " resolved_model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        responses,
    )
    conn.executemany(
        "INSERT INTO tool_calls (response_id, tool_id, name, arguments, tool_call_id)"
        " VALUES (?, ?, ?, ?, ?)",
        calls,
    )
    conn.executemany(
        "INSERT INTO tool_results (response_id, tool_id, name, output, tool_call_id)"
        " VALUES (?, ?, ?, ?, ?)",
        results,
    )
    conn.commit()
    conn.close()
    return Input([folder], total, sessions)


# --- aider ----------------------------------------------------------------------


def make_aider(root: Path, events: int, seed: int = 37, projects: int = 24) -> Input:
    """`<project>/.aider.chat.history.md` (aider 0.86), each project's runs
    appended to its one file: `# aider chat started at` (local time), the
    start-up notices (`> ` lines ending in two spaces: the command line,
    version, models, repo), then per turn the prompt (`#### ` lines, a
    multi-line one in five), the reply (bare lines, paragraphs and a code
    block), the token report and the edit's notices; one turn in ten a `/run`
    or `!` command and its output. Events: the start-up notices (one
    command), each prompt, reply and group of notices (the token report
    left out)."""
    w = Words(seed)
    clock = Clock(w.rng)
    files: dict[Path, list[str]] = {}
    folders = [root / f"{w.word()}-{w.word()}-{i}" for i in range(projects)]
    total = sessions = 0
    while total < events:
        start = clock.session()
        folder = w.rng.choice(folders)
        lines = files.setdefault(folder, [])
        when = iso(start)[:19].replace("T", " ")
        model = w.rng.choice(
            ("anthropic/claude-sonnet-4-5", "openrouter/deepseek/deepseek-r1", "gpt-4.1")
        )
        lines += ["", f"# aider chat started at {when}", ""]
        lines += [
            f"> /home/dana/.local/bin/aider --model {model}  ",
            "> Aider v0.86.2  ",
            f"> Main model: {model} with diff edit format, infinite output  ",
            "> Weak model: gpt-4.1-mini  ",
            f"> Git repo: .git with {w.rng.randint(5, 900)} files  ",
            "> Repo-map: using 4096 tokens, auto refresh  ",
            "",
        ]
        n = 1
        for _ in range(w.turns()):
            if w.rng.random() < 0.1:
                command = w.rng.choice(("/run ", "!")) + w.shell()
                out = w.output().split("\n")
                block = [f"> {out[0]}", *out[1:]]  # a notice with line breaks: `> ` once
                block[-1] += "  "
                lines += [f"#### {command}  ", "", *block, ""]
                n += 2
                continue
            prompt = [w.prompt() for _ in range(1 if w.rng.random() < 0.8 else w.rng.randint(2, 4))]
            lines += [f"#### {p}  " for p in prompt] + [""]
            reply = [w.reply() for _ in range(w.rng.randint(1, 3))]
            path = w.file()
            code = [
                path,
                "```",
                "<<<<<<< SEARCH",
                w.take(6),
                "=======",
                w.take(7),
                ">>>>>>> REPLACE",
                "```",
            ]
            lines += [*"\n\n".join(reply).split("\n"), "", *code, ""]
            k = w.rng.randint(1, 30)
            lines += [
                f"> Tokens: {k}.{w.rng.randint(0, 9)}k sent, {w.rng.randint(20, 900)} received. "
                f"Cost: $0.00{w.rng.randint(10, 99)} message,"
                f" $0.0{w.rng.randint(10, 99)} session.  ",
                f"> Applied edit to {path}  ",
                f"> Commit {w.hex(7)} feat: {w.take(5)}  ",
                "",
            ]
            n += 3
        total += n
        sessions += 1
    for folder, lines in files.items():
        folder.mkdir(parents=True)
        (folder / ".aider.chat.history.md").write_text("\n".join(lines) + "\n")
    return Input([root], total, sessions)


# --- Copilot Chat ---------------------------------------------------------------


def make_copilot_chat(root: Path, events: int, seed: int = 41, workspaces: int = 12) -> Input:
    """VS Code's `User/workspaceStorage/<id>/` folders (`workspace.json`
    naming the folder, `chatSessions/`): seven sessions in ten as VS Code
    1.109's change log (`<sessionId>.jsonl`: the state, then per request the
    request appended, its response parts appended in two pushes, its
    `result` with the resolved model, its token counts, `modelState`
    complete; `customTitle`), the others as the whole document (`.json`,
    version 3). A response: markdown, tool invocations (terminal commands
    with their output, searches and reads with their result details),
    markdown again. Events: the prompt, each run of markdown, each tool's
    call and result."""
    w = Words(seed)
    clock = Clock(w.rng)
    user = root / "User"
    folders = []
    for _ in range(workspaces):
        storage = user / "workspaceStorage" / w.hex(32)
        (storage / "chatSessions").mkdir(parents=True)
        project = w.rng.choice(PROJECTS)
        (storage / "workspace.json").write_text(json.dumps({"folder": f"file://{project}"}))
        folders.append(storage / "chatSessions")
    agent: dict[str, Any] = {"extensionId": {"value": "GitHub.copilot-chat"}}
    agent["extensionId"]["_lower"] = "github.copilot-chat"
    agent |= {"extensionVersion": "0.38.1", "id": "github.copilot.editsAgent", "name": "agent"}
    agent |= {"fullName": "GitHub Copilot", "isDefault": True, "locations": ["panel"]}
    total = sessions = 0

    def markdown() -> dict[str, Any]:
        return {"value": w.reply(), "supportThemeIcons": False, "supportHtml": False}

    def tool(failed: bool) -> dict[str, Any]:
        call = f"toolu_{w.alnum(24)}"
        base: dict[str, Any] = {"kind": "toolInvocationSerialized", "presentation": None}
        base["isComplete"] = True
        base |= {"isConfirmed": {"type": 1}, "source": {"type": "internal", "label": "Built-In"}}
        base |= {"toolCallId": call}
        if w.rng.random() < 0.5:
            command = w.shell()
            data = {"kind": "terminal", "commandLine": {"original": command}, "language": "bash"}
            data |= {"terminalCommandState": {"exitCode": 1 if failed else 0, "duration": 3000}}
            data["terminalCommandOutput"] = {"text": w.output().replace("\n", "\r\n")}
            message = {"value": f"Running `{command}`", "supportThemeIcons": False}
            return base | {
                "toolSpecificData": data,
                "invocationMessage": message,
                "toolId": "run_in_terminal",
            }
        name = w.rng.choice(("copilot_searchCodebase", "copilot_readFile", "copilot_findFiles"))
        raw = {"query": w.prompt()} if name == "copilot_searchCodebase" else {"filePath": w.file()}
        details: dict[str, Any] = {
            "input": json.dumps(raw),
            "output": [{"type": "embed", "isText": True, "value": w.output()}],
        }
        if failed:
            details["isError"] = True
        message = {"value": f"Using {name}", "supportThemeIcons": False}
        return base | {
            "toolSpecificData": {"kind": "input", "rawInput": raw},
            "resultDetails": details,
            "invocationMessage": message,
            "toolId": name,
        }

    def request(i: int, model: str, when: int) -> tuple[dict[str, Any], list[Any], int]:
        """A sealed request and its response parts, and its events."""
        text = w.prompt()
        message = {
            "text": text,
            "parts": [
                {"range": {"start": 0, "endExclusive": len(text)}, "text": text, "kind": "text"}
            ],
        }
        req = {"requestId": f"request_{w.uuid()}", "timestamp": when, "message": message}
        req |= {"modelId": f"copilot/{model}", "variableData": {"variables": []}, "response": []}
        req |= {"responseId": f"response_{w.uuid()}", "modelState": {"value": 0}, "agent": agent}
        parts: list[Any] = []
        n = 1
        calls = w.calls()
        if calls and w.rng.random() < 0.5:
            parts.append(markdown())
            n += 1
        for _ in range(calls):
            parts.append(tool(w.rng.random() < 0.05))
            n += 2
        parts.append(markdown())
        return req, parts, n + 1

    def sealed(req: dict[str, Any], model: str, done: int) -> dict[str, Any]:
        result = {"timings": {"firstProgress": 900, "totalElapsed": done - req["timestamp"]}}
        result["metadata"] = {"agentId": "github.copilot.editsAgent", "resolvedModel": model}
        return {
            "result": result,
            "promptTokens": w.rng.randint(5_000, 60_000),
            "completionTokens": w.rng.randint(20, 1_500),
            "modelState": {"value": 1, "completedAt": done},
        }

    while total < events:
        start = clock.session()
        sid = w.uuid()
        folder = w.rng.choice(folders)
        model = w.rng.choice(("claude-sonnet-4.5", "gpt-5", "gpt-4.1"))
        branch = w.rng.choice(BRANCHES)
        state = {"version": 3, "creationDate": start, "initialLocation": "panel"}
        state |= {"responderUsername": "GitHub Copilot", "sessionId": sid}
        state |= {
            "requests": [],
            "pendingRequests": [],
            "repoData": {"workspaceType": "folder", "localBranch": branch},
        }
        log: list[Any] = [{"kind": 0, "v": dict(state)}]
        requests = []
        n = 0
        for i in range(w.turns()):
            req, parts, k = request(i, model, clock.turn())
            n += k
            log.append({"kind": 2, "k": ["requests"], "v": [dict(req)]})
            half = max(1, len(parts) // 2)
            log.append({"kind": 2, "k": ["requests", i, "response"], "v": parts[:half]})
            if parts[half:]:
                log.append({"kind": 2, "k": ["requests", i, "response"], "v": parts[half:]})
            done = clock.step()
            for key, value in sealed(req, model, done).items():
                log.append({"kind": 1, "k": ["requests", i, key], "v": value})
                req[key] = value
            requests.append(req | {"response": parts})
        title = w.title()
        log.append({"kind": 1, "k": ["customTitle"], "v": title})
        if w.rng.random() < 0.7:
            _write_jsonl(folder / f"{sid}.jsonl", log)
        else:
            document = state | {
                "requests": requests,
                "customTitle": title,
                "lastMessageDate": clock.now,
            }
            (folder / f"{sid}.json").write_text(json.dumps(document, indent=2))
        total += n
        sessions += 1
    return Input([user], total, sessions)


# --- Cursor ---------------------------------------------------------------------


def make_cursor(root: Path, events: int, seed: int = 43) -> Input:
    """Cursor's `User/globalStorage/state.vscdb` (the fixture's schema, WAL
    mode): per conversation a `composerData:<id>` row (`_v` 10: name,
    times, status, model, `createdOnBranch`, `workspaceIdentifier`, the
    bubbles listed in `fullConversationHeadersOnly`; one in ten the older
    `_v` 2 with its bubbles inline in `conversation`, folder and branch
    unknown) and a `bubbleId:<composer>:<bubble>` row per message: the
    person's (`type` 1), the assistant's thinking (left out), tool calls
    (`toolFormerData`, token counts) and replies (model, token counts).
    One conversation in ten has a sub-composer. Events: each prompt, each
    reply, each tool call and its result."""
    w = Words(seed)
    clock = Clock(w.rng)
    user = root / "User"
    (user / "globalStorage").mkdir(parents=True)
    conn = sqlite3.connect(user / "globalStorage" / "state.vscdb")
    _schema_of(
        FIXTURES / "cursor" / "User" / "globalStorage" / "state.vscdb.sql",
        conn,
        ("ItemTable", "cursorDiskKV"),
    )
    rows: list[tuple[str, str]] = []
    total = sessions = 0

    def bubble(kind: int, **fields: Any) -> dict[str, Any]:
        base = {"_v": 3, "isAgentic": True, "unifiedMode": 2, "images": [], "gitDiffs": []}
        base |= {
            "allThinkingBlocks": [],
            "bubbleId": w.uuid(),
            "type": kind,
            "text": "",
            "richText": "",
        }
        base |= {
            "tokenCount": {"inputTokens": 0, "outputTokens": 0},
            "createdAt": iso(clock.step()),
        }
        return base | fields

    def counts() -> dict[str, int]:
        return {"inputTokens": w.rng.randint(2_000, 60_000), "outputTokens": w.rng.randint(10, 900)}

    def conversation(model: str, turns: int) -> tuple[list[dict[str, Any]], int]:
        bubbles: list[dict[str, Any]] = []
        n = 0
        for _ in range(turns):
            clock.turn()
            bubbles.append(bubble(1, text=w.prompt(), requestId=w.uuid()))
            n += 1
            if w.rng.random() < 0.3:
                thought = w.reply()
                bubbles.append(
                    bubble(
                        2,
                        thinking={"text": thought},
                        allThinkingBlocks=[{"text": thought}],
                        capabilityType=30,
                    )
                )
            for _ in range(w.calls()):
                failed = w.rng.random() < 0.05
                name = w.rng.choice(
                    ("read_file_v2", "edit_file_v2", "run_terminal_command_v2", "codebase_search")
                )
                if name == "run_terminal_command_v2":
                    params = {"command": w.shell(), "is_background": False}
                    result = {
                        "output": w.output(),
                        "exitCode": 1 if failed else 0,
                        "rejected": False,
                    }
                else:
                    params = {"targetFile": w.file()}
                    result = {"contents": w.output()}
                tool = {
                    "tool": 15,
                    "toolIndex": 0,
                    "modelCallId": w.uuid(),
                    "toolCallId": f"call_{w.alnum(20)}",
                }
                tool |= {"status": "error" if failed else "completed", "name": name}
                tool |= {"params": json.dumps(params), "result": json.dumps(result)}
                bubbles.append(
                    bubble(
                        2,
                        tokenCount=counts(),
                        capabilityType=15,
                        modelInfo={"modelName": model},
                        toolFormerData=tool,
                    )
                )
                n += 2
            bubbles.append(
                bubble(2, text=w.reply(), tokenCount=counts(), modelInfo={"modelName": model})
            )
            n += 1
        return bubbles, n

    def composer(
        cid: str, model: str, turns: int, project: str | None, old: bool
    ) -> tuple[dict[str, Any], int]:
        created = clock.now
        bubbles, n = conversation(model, turns)
        data: dict[str, Any] = {"_v": 2 if old else 10, "composerId": cid, "name": w.title()}
        data |= {"text": "", "richText": "", "createdAt": created, "lastUpdatedAt": clock.now}
        data |= {
            "status": "completed",
            "unifiedMode": "agent",
            "modelConfig": {"modelName": model, "maxMode": False},
        }
        if old:  # inline, as older Cursor kept them: no rows of their own, no times
            data["conversation"] = [
                {k: v for k, v in b.items() if k != "createdAt"} for b in bubbles
            ]
            return data, n
        data["fullConversationHeadersOnly"] = [
            {"bubbleId": b["bubbleId"], "type": b["type"]} for b in bubbles
        ]
        data |= {"conversationMap": {}, "generatingBubbleIds": []}
        if project is not None:
            data["createdOnBranch"] = w.rng.choice(BRANCHES)
            uri = {
                "$mid": 1,
                "fsPath": project,
                "external": f"file://{project}",
                "path": project,
                "scheme": "file",
            }
            data["workspaceIdentifier"] = {"id": w.hex(32), "uri": uri}
        rows.extend((f"bubbleId:{cid}:{b['bubbleId']}", json.dumps(b)) for b in bubbles)
        return data, n

    while total < events:
        clock.session()
        cid = w.uuid()
        model = w.rng.choice(("gpt-5", "claude-4.5-sonnet", "composer-1"))
        old = w.rng.random() < 0.1
        data, n = composer(cid, model, w.turns(), w.rng.choice(PROJECTS), old)
        if not old and w.rng.random() < 0.1:
            sub = w.uuid()
            child, k = composer(sub, "composer-1", w.rng.randint(1, 3), None, False)
            data["subComposerIds"] = [sub]
            rows.append((f"composerData:{sub}", json.dumps(child)))
            n += k
        rows.append((f"composerData:{cid}", json.dumps(data)))
        total += n
        sessions += 1
    conn.executemany("INSERT INTO cursorDiskKV VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return Input([user], total, sessions)


# --- Cline and Roo Code: task folders -------------------------------------------


def _environment(project: str, branch: str, model: str, at: int, roo: bool) -> str:
    """The `<environment_details>` block Cline (or Roo) adds to each of the
    person's turns in the model history."""
    parts = ["<environment_details>", "# VSCode Visible Files", "src/main.py", ""]
    parts += ["# Current Time", f"Current time in ISO 8601 UTC format: {iso(at)}", ""]
    if roo:
        parts += ["# Git Status", f"## {branch}...origin/{branch}", " M src/main.py", ""]
        parts += [
            "# Current Mode",
            "<slug>code</slug>",
            "<name>💻 Code</name>",
            f"<model>{model}</model>",
            "",
        ]
        parts += [f"# Current Workspace Directory ({project}) Files", "src/", ""]
    else:
        parts += [f"# Current Working Directory ({project}) Files", "src/", "tests/", ""]
        parts += ["# Current Mode", "ACT MODE"]
    return "\n".join([*parts, "</environment_details>"])


def _task(
    w: Words,
    clock: Clock,
    first: str,
    project: str,
    branch: str,
    model: str,
    roo: bool,
    subtask: Callable[[str], tuple[str, str]] | None = None,
) -> tuple[list[Any], list[Any], int, dict[str, int]]:
    """One task's `ui_messages.json` and `api_conversation_history.json`
    (newer versions: native tool calls, `ts` on every model-history message):
    per turn the person's words (the task, then feedback), per model
    request an `api_req_started` with its counts and cost, the assistant's
    text, a tool (a file read, an edit asked for approval, a command), the
    tool's result in the model history, a checkpoint; the turn ends with
    `attempt_completion`. `subtask(message)`, when given, writes a subtask
    (Roo's `new_task`) in the last turn and returns its id and result.
    Returns (ui, api, events, the task's total counts)."""
    ui: list[Any] = []
    api: list[Any] = []
    n = 0
    info = {"providerId": "anthropic", "modelId": model, "mode": "act"}
    totals = {"tokensIn": 0, "tokensOut": 0, "cacheWrites": 0, "cacheReads": 0}

    def say(kind: str, what: str, text: str, **extra: Any) -> None:
        message = {"ts": clock.step(), "type": kind, kind: what, "text": text}
        if not roo:
            message |= {"modelInfo": info, "conversationHistoryIndex": len(api) - 1}
        ui.append(message | extra)

    def request() -> None:
        counts: dict[str, Any] = {
            "tokensIn": w.rng.randint(3, 3_000),
            "tokensOut": w.rng.randint(20, 1_200),
        }
        counts |= {"cacheWrites": w.rng.randint(0, 4_000), "cacheReads": w.rng.randint(0, 60_000)}
        for k, v in counts.items():
            totals[k] += v
        if roo:  # Roo 3.29.5 on: tokensIn counts every input token
            counts["tokensIn"] += counts["cacheWrites"] + counts["cacheReads"]
            counts = {"apiProtocol": "anthropic", **counts}
        else:
            counts = {"request": "[tool] Result:\n…", **counts}
        say("say", "api_req_started", json.dumps(counts | {"cost": round(w.rng.random() / 20, 4)}))

    def person(content: list[Any]) -> None:
        at = clock.step()
        api.append(
            {
                "role": "user",
                "content": [
                    *content,
                    {"type": "text", "text": _environment(project, branch, model, at, roo)},
                ],
                "ts": at,
            }
        )

    def assistant(blocks: list[Any]) -> None:
        message = {"role": "assistant", "content": blocks, "ts": clock.step()}
        if not roo:
            message |= {
                "modelInfo": info,
                "metrics": {
                    "tokens": {"prompt": 4, "completion": 188, "cached": 7310},
                    "cost": 0.03,
                },
            }
        else:
            message["id"] = f"msg_{w.alnum(12)}"
        api.append(message)

    done_id: str | None = None
    turns = w.turns()
    for t in range(turns):
        clock.turn()
        text = first if t == 0 else w.prompt()
        if t == 0:
            say("say", "text" if roo else "task", text, images=[])
            wrapped = (
                f"<user_message>\n{text}\n</user_message>" if roo else f"<task>\n{text}\n</task>"
            )
            person([{"type": "text", "text": wrapped}])
        else:
            say("say", "user_feedback", text, images=[])
            feedback = {
                "type": "tool_result",
                "tool_use_id": done_id,
                "content": f"<feedback>\n{text}\n</feedback>",
            }
            person([feedback])
        n += 1
        for _ in range(w.calls()):
            request()
            said = w.reply() if w.rng.random() < 0.6 else ""
            if said:
                say("say", "text", said, partial=False)
                n += 1
            call = f"toolu_01{w.alnum(20)}"
            kind = w.rng.choice(("read", "edit", "command"))
            path = w.file()
            failed = w.rng.random() < 0.05
            if kind == "read":
                say(
                    "say",
                    "tool",
                    json.dumps({"tool": "readFile", "path": path, "content": f"{project}/{path}"}),
                )
                use = {"type": "tool_use", "id": call, "name": "read_file", "input": {"path": path}}
                result = w.output()
            elif kind == "edit":
                diff = f"------- SEARCH\n{w.take(6)}\n=======\n{w.take(7)}\n+++++++ REPLACE"
                say(
                    "ask",
                    "tool",
                    json.dumps(
                        {
                            "tool": "editedExistingFile" if not roo else "appliedDiff",
                            "path": path,
                            "content" if not roo else "diff": diff,
                        }
                    ),
                )
                use = {
                    "type": "tool_use",
                    "id": call,
                    "name": "replace_in_file" if not roo else "apply_diff",
                    "input": {"path": path, "diff": diff},
                }
                result = (
                    f"The content was successfully saved to {path}."
                    if not failed
                    else "The tool execution failed with the following error:\n"
                    f"<error>\n{w.prompt()}\n</error>"
                )
            else:
                command = w.shell()
                say("ask", "command", command + ("" if roo else "REQ_APP"))
                output = w.output()
                say("say", "command_output", output)
                use = {
                    "type": "tool_use",
                    "id": call,
                    "name": "execute_command",
                    "input": {"command": command},
                }
                result = (
                    f"Command executed.\nOutput:\n{output}"
                    if not failed
                    else f"Command failed with exit code 1.\nOutput:\n{output}"
                )
            assistant([{"type": "text", "text": said}, use] if said else [use])
            person(
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": call,
                        "content": [{"type": "text", "text": result}],
                    }
                ]
            )
            say(
                "say",
                "checkpoint_created",
                "",
                lastCheckpointHash=w.hex(40),
                isCheckpointCheckedOut=False,
            )
            n += 2
        if subtask is not None and t == turns - 1:
            request()
            call, message = f"toolu_{w.alnum(12)}", w.prompt()
            shown = {"tool": "newTask", "mode": "💻 Code", "content": message, "todos": []}
            say("ask", "tool", json.dumps(shown))
            assistant(
                [
                    {
                        "type": "tool_use",
                        "id": call,
                        "name": "new_task",
                        "input": {"mode": "code", "message": message},
                    }
                ]
            )
            child, summary = subtask(message)
            say("say", "subtask_result", summary)
            person(
                [
                    {
                        "type": "tool_result",
                        "tool_use_id": call,
                        "content": f"Subtask {child} completed.\n\nResult:\n{summary}",
                    }
                ]
            )
            n += 2
        request()
        answer = w.reply()
        done_id = f"toolu_01{w.alnum(20)}"
        say("say", "completion_result", answer, partial=False)
        assistant(
            [
                {
                    "type": "tool_use",
                    "id": done_id,
                    "name": "attempt_completion",
                    "input": {"result": answer},
                }
            ]
        )
        say("ask", "completion_result", "")
        n += 1
    return ui, api, n, totals


def _compact(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, separators=(",", ":"), ensure_ascii=False))


def make_cline(root: Path, events: int, seed: int = 47) -> Input:
    """Cline's `globalStorage/saoudrizwan.claude-dev/`: `tasks/<ms id>/`
    (`ui_messages.json`, `api_conversation_history.json`,
    `task_metadata.json` with Cline's version and models,
    `context_history.json`) and the task list `state/taskHistory.json` (the
    folder each task began in). The chat as `_task` writes it. Events: the
    task and each feedback, the assistant's text, each tool call and its
    result, each completion."""
    w = Words(seed)
    clock = Clock(w.rng)
    store = root / "globalStorage" / "saoudrizwan.claude-dev"
    history: list[Any] = []
    total = sessions = 0
    while total < events:
        start = clock.session()
        task_id = str(start)
        project = w.rng.choice(PROJECTS)
        model = w.rng.choice(("claude-sonnet-4-5-20250929", "claude-opus-4-1-20250805"))
        first = w.prompt()
        ui, api, n, totals = _task(
            w, clock, first, project, w.rng.choice(BRANCHES), model, roo=False
        )
        folder = store / "tasks" / task_id
        _compact(folder / "ui_messages.json", ui)
        _compact(folder / "api_conversation_history.json", api)
        _compact(folder / "context_history.json", [])
        metadata = {
            "files_in_context": [],
            "model_usage": [
                {"ts": start, "model_id": model, "model_provider_id": "anthropic", "mode": "act"}
            ],
        }
        metadata["environment_history"] = [
            {
                "ts": start,
                "os_name": "linux",
                "host_name": "Visual Studio Code",
                "host_version": "1.101.2",
                "cline_version": "3.38.1",
            }
        ]
        (folder / "task_metadata.json").write_text(json.dumps(metadata, indent=2))
        item = {
            "id": task_id,
            "ts": clock.now,
            "task": first,
            **totals,
            "totalCost": 0.2,
            "size": 40_000,
        }
        item |= {"cwdOnTaskInitialization": project, "isFavorited": False, "modelId": model}
        history.append(item)
        total += n
        sessions += 1
    _compact(store / "state" / "taskHistory.json", history[::-1])
    return Input([root / "globalStorage"], total, sessions)


def make_roo(root: Path, events: int, seed: int = 53) -> Input:
    """Roo Code's `globalStorage/rooveterinaryinc.roo-cline/tasks/<uuid>/`
    (the chat as `_task` writes it, Roo's way: the task is the first
    `say: "text"`, commands only asked, counts with `apiProtocol`, the model
    and branch in each `<environment_details>`), each with its
    `history_item.json` (workspace, parent task) and `tasks/_index.json`.
    One task in eight hands a subtask to another (Roo's `new_task`): a
    task of its own whose parent is the first. Events as Cline's, and each
    `new_task` call and its result."""
    w = Words(seed)
    clock = Clock(w.rng)
    tasks = root / "globalStorage" / "rooveterinaryinc.roo-cline" / "tasks"
    entries: list[Any] = []
    total = sessions = 0

    def write(task_id: str, ui: list[Any], api: list[Any], item: dict[str, Any]) -> None:
        _compact(tasks / task_id / "ui_messages.json", ui)
        _compact(tasks / task_id / "api_conversation_history.json", api)
        _compact(tasks / task_id / "history_item.json", item)
        entries.append(item)

    while total < events:
        start = clock.session()
        task_id = w.uuid7(start)
        project = w.rng.choice(PROJECTS)
        branch = w.rng.choice(BRANCHES)
        model = w.rng.choice(("claude-sonnet-4-5", "claude-opus-4-1"))
        first = w.prompt()
        children: list[tuple[str, int]] = []

        def subtask(
            message: str,
            task_id: str = task_id,
            project: str = project,
            branch: str = branch,
            children: list[tuple[str, int]] = children,
        ) -> tuple[str, str]:
            child_id = w.uuid7(clock.step())
            ui, api, k, totals = _task(
                w, clock, message, project, branch, "claude-sonnet-4-5", roo=True
            )
            child = {
                "id": child_id,
                "rootTaskId": task_id,
                "parentTaskId": task_id,
                "number": len(entries) + 1,
            }
            child |= {
                "ts": clock.now,
                "task": message,
                **totals,
                "workspace": project,
                "mode": "code",
                "status": "completed",
            }
            write(child_id, ui, api, child)
            children.append((child_id, k))
            return child_id, w.reply()

        ui, api, n, totals = _task(
            w,
            clock,
            first,
            project,
            branch,
            model,
            roo=True,
            subtask=subtask if w.rng.random() < 0.125 else None,
        )
        item = {
            "id": task_id,
            "rootTaskId": task_id,
            "number": len(entries) + 1,
            "ts": clock.now,
            "task": first,
        }
        item |= {
            **totals,
            "totalCost": 0.05,
            "size": 18_000,
            "workspace": project,
            "mode": "code",
            "status": "completed",
        }
        if children:
            ids = [c for c, _ in children]
            item |= {"childIds": ids, "delegatedToId": ids[0], "completedByChildId": ids[0]}
            n += sum(k for _, k in children)
        write(task_id, ui, api, item)
        total += n
        sessions += 1
    _compact(tasks / "_index.json", {"version": 1, "updatedAt": clock.now, "entries": entries})
    return Input([root / "globalStorage"], total, sessions)


# --- sessiond -------------------------------------------------------------------


def make_sessiond(root: Path, events: int, seed: int = 59) -> Input:
    """Another machine's sessiond database (version 3), written by sessiond's
    own store (`Store.import_many`, as its importers write): sessions of
    every source with their sourceId, project, branch and title, a child
    session in ten; per turn a prompt, tool calls and results (`meta.tool`,
    `isError`, the model), a reply with its model and usage; a few sessions
    in the trash (left out, their events not counted). Events: every event
    of the sessions not in the trash."""
    from sessiond.models import Usage, make_meta
    from sessiond.store import open_store
    from sessiond.store.base import ImportedEvent, ImportedSession, ImportPart

    w = Words(seed)
    clock = Clock(w.rng)
    folder = root / "laptop"
    folder.mkdir(parents=True)
    path = folder / "sessions.db"
    sources = ["claude-code", "codex", "gemini-cli", "opencode", "copilot-chat", "cursor"]
    total = sessions = 0
    trashed: list[str] = []

    def conversation(model: str) -> list[ImportedEvent]:
        out: list[ImportedEvent] = []
        for _ in range(w.turns()):
            clock.turn()
            out.append(ImportedEvent("prompt", w.prompt(), clock.step()))
            for _ in range(w.calls()):
                tool = w.rng.choice(TOOLS)
                call = json.dumps(
                    {"command": w.shell()} if tool == "Bash" else {"file_path": w.file()}
                )
                out.append(
                    ImportedEvent(
                        "command", f"{tool} {call}", clock.step(), make_meta(model, tool=tool)
                    )
                )
                failed = w.rng.random() < 0.05
                out.append(
                    ImportedEvent(
                        "command", w.output(), clock.step(), make_meta(tool=tool, is_error=failed)
                    )
                )
            usage = Usage(
                w.rng.randint(1, 400),
                w.rng.randint(10, 1_500),
                w.rng.randint(0, 90_000),
                w.rng.randint(0, 4_000),
            )
            out.append(ImportedEvent("system", w.reply(), clock.step(), make_meta(model, usage)))
        return out

    with open_store(str(path)) as store:
        batch: list[ImportPart] = []
        while total < events:
            start = clock.session()
            ulid = _ulid(start, w.rng).upper()
            source = w.rng.choice(sources)
            model = w.rng.choice(("claude-sonnet-4-5", "gpt-5", "gemini-2.5-pro"))
            session = ImportedSession(
                ulid, f"{source} 1.0", start, title=w.title(), source=source,
                source_id=w.uuid(), project=w.rng.choice(PROJECTS), branch=w.rng.choice(BRANCHES),
            )  # fmt: skip
            found = conversation(model)
            batch.append(ImportPart(found, session=session, ended_at=clock.now))
            n = len(found)
            if w.rng.random() < 0.1:
                child = ImportedSession(
                    ulid + "S" + w.alnum(4).upper(),
                    f"{source} 1.0",
                    clock.step(),
                    parent_ulid=ulid,
                    source=source,
                )
                found = conversation(model)
                batch.append(ImportPart(found, session=child, ended_at=clock.now))
                n += len(found)
            if w.rng.random() < 0.02:
                trashed.append(ulid)
            else:
                total += n
                sessions += 1
            if len(batch) >= 100:
                store.import_many(batch)
                batch = []
        store.import_many(batch)
        for ulid in trashed:
            stored = store.get_session(ulid)
            assert stored is not None
            store.delete_session(stored.id)
    return Input([path], total, sessions)
