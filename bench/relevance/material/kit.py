"""What the hand-written material is built with: a conversation being written
(`Chat`), the projects it happens in, the turns many sessions share, and the
table of families (`FAMILIES`) that `bench.relevance.make` turns into a
history.

A family is one kind of conversation (a CI cache that never hits, a git
commit to undo) written once as a function of its variants: each variant is
a dict of hand-written facts (the repository, the error, the fix, a title
when the session has one) and the questions a person would later ask to find
that session again. Texts name a variant's facts as `«key»`; `fill` puts
them in (plain strings, so the code in them needs no escaping).
"""

from __future__ import annotations

import json
import random
import re
import shlex
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HOME = "/home/ann"

Variant = dict[str, Any]

# Programs that run tools (their sessions have `command` events) and programs
# where a person chats (they paste output into their own turns instead).
AGENTS = ("claude-code", "claude-code", "claude-code", "codex", "codex", "gemini-cli")
CHATS = ("vscode", "vscode", "sessiond-chat", "sessiond-chat", "copilot-chat", "llm", "nvim")


@dataclass(frozen=True)
class Repo:
    name: str
    lang: str  # python, ts, go, rust, java, hugo, shell, notebook
    branch: str = "main"

    @property
    def path(self) -> str:
        return f"{HOME}/src/{self.name}"


REPOS = {
    r.name: r
    for r in (
        Repo("billing-api", "python"),
        Repo("web-dashboard", "ts"),
        Repo("zanzibar", "go"),
        Repo("infra", "shell"),
        Repo("ingest-worker", "python"),
        Repo("data-notebooks", "notebook"),
        Repo("tidy", "rust"),
        Repo("mobile-app", "ts"),
        Repo("dotfiles", "shell"),
        Repo("blog", "hugo"),
        Repo("search-service", "java"),
        Repo("payments-gateway", "go"),
        Repo("ml-experiments", "python"),
        Repo("legacy-crm", "python", branch="master"),
        Repo("notifier", "ts"),
        Repo("docs-site", "ts"),
    )
}

_PLACEHOLDER = re.compile(r"«(\w+)»")


def fill(text: str, v: Variant) -> str:
    """`text` with every `«key»` replaced by the variant's value."""

    def one(m: re.Match[str]) -> str:
        if m[1] not in v:
            raise KeyError(f"the text names «{m[1]}», which variant {v.get('key')!r} lacks")
        return str(v[m[1]])

    return _PLACEHOLDER.sub(one, text)


_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_BLOCK_START = re.compile(r"\s*([-*+>|#]|\d+[.)]\s|```|\s)")


def unwrap(text: str) -> str:
    """Dedented and stripped, with the material's soft line breaks joined:
    outside code fences, a line that does not start a list item, a quote, a
    table row, a heading or an indented block continues the line before it
    (people's and models' paragraphs are one line)."""
    lines = textwrap.dedent(text).strip("\n").split("\n")
    out: list[str] = []
    fenced = False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            out.append(line)
            continue
        joinable = (
            not fenced
            and out
            and out[-1].strip()
            and line.strip()
            and not out[-1].lstrip().startswith("```")
            and not _BLOCK_START.match(line)
            and not out[-1].lstrip().startswith(("#", "|"))
        )
        if joinable:
            # Scripts without spaces between words are joined without one.
            glue = "" if _CJK.match(out[-1].rstrip()[-1]) and _CJK.match(line.strip()) else " "
            out[-1] = out[-1].rstrip() + glue + line.strip()
        else:
            out.append(line.rstrip())
    return "\n".join(out).strip()


class Chat:
    """A session being written: its events as (kind, text), in order."""

    def __init__(self, rng: random.Random, source: str, v: Variant) -> None:
        self.rng = rng
        self.source = source
        self.v = v
        self.repo = REPOS.get(v.get("repo") or "")
        self.events: list[tuple[str, str]] = []

    # -- choosing

    def pick(self, *options: Any) -> Any:
        return self.rng.choice(options)

    def maybe(self, p: float = 0.5) -> bool:
        return self.rng.random() < p

    def num(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    @property
    def agent(self) -> bool:
        return self.source in AGENTS

    def path(self, rel: str) -> str:
        return f"{self.repo.path}/{rel}" if self.repo else rel

    # -- turns

    def add(self, kind: str, text: str) -> None:
        self.events.append((kind, text))

    def p(self, text: str, *more: str) -> None:
        """A person's turn (one of the options when several are given)."""
        if more:
            text = self.pick(text, *more)
        self.add("prompt", unwrap(fill(text, self.v)))

    def s(self, text: str, *more: str) -> None:
        """A reply."""
        if more:
            text = self.pick(text, *more)
        self.add("system", unwrap(fill(text, self.v)))

    def paste(self, intro: str, output: str) -> None:
        """A person pasting output into a chat."""
        body = textwrap.dedent(fill(output, self.v)).strip("\n")
        self.add("prompt", unwrap(fill(intro, self.v)) + "\n```\n" + body + "\n```")

    def sh(self, command: str, output: str, why: str = "") -> None:
        """A shell command the agent runs, and its output: two `command`
        events, written as the source's importer writes tool calls."""
        if not self.agent:
            raise ValueError(f"{self.v['key']}: {self.source} runs no commands (a chat variant?)")
        command = fill(command, self.v)
        output = textwrap.dedent(fill(output, self.v)).strip("\n")
        why = fill(why, self.v) or "Run " + command.split()[0]
        if self.source == "codex":
            call = "shell " + shlex.join(["bash", "-lc", command])
        elif self.source == "gemini-cli":
            call = "run_shell_command " + _json({"command": command, "description": why})
        else:
            call = "Bash " + _json({"command": command, "description": why})
        self.add("command", call)
        self.add("command", output or "(no output)")

    def read(self, rel: str, content: str) -> None:
        if not self.agent:
            raise ValueError(f"{self.v['key']}: {self.source} reads no files (a chat variant?)")
        content = textwrap.dedent(fill(content, self.v)).strip("\n")
        rel = fill(rel, self.v)
        full = self.path(rel)
        if self.source == "codex":
            self.add("command", "shell " + shlex.join(["bash", "-lc", f"sed -n '1,200p' {rel}"]))
            self.add("command", content)
        elif self.source == "gemini-cli":
            self.add("command", "read_file " + _json({"absolute_path": full}))
            self.add("command", content)
        else:
            self.add("command", "Read " + _json({"file_path": full}))
            numbered = "\n".join(f"{i:>6}→{line}" for i, line in enumerate(content.split("\n"), 1))
            self.add("command", numbered)

    def edit(self, rel: str, old: str, new: str) -> None:
        if not self.agent:
            raise ValueError(f"{self.v['key']}: {self.source} edits no files (a chat variant?)")
        rel = fill(rel, self.v)
        old = textwrap.dedent(fill(old, self.v)).strip("\n")
        new = textwrap.dedent(fill(new, self.v)).strip("\n")
        full = self.path(rel)
        if self.source == "codex":
            minus = "\n".join("-" + line for line in old.split("\n"))
            plus = "\n".join("+" + line for line in new.split("\n"))
            patch = f"*** Begin Patch\n*** Update File: {rel}\n@@\n{minus}\n{plus}\n*** End Patch"
            self.add("command", "apply_patch " + _json({"input": patch}))
            self.add("command", f"Success. Updated the following files:\nM {rel}")
        elif self.source == "gemini-cli":
            args = {"file_path": full, "old_string": old, "new_string": new}
            self.add("command", "replace " + _json(args))
            self.add("command", f"Successfully modified file: {full} (1 replacements).")
        else:
            args = {"file_path": full, "old_string": old, "new_string": new}
            self.add("command", "Edit " + _json(args))
            self.add("command", f"The file {full} has been updated.")

    def write(self, rel: str, content: str) -> None:
        """A new file the agent writes."""
        if not self.agent:
            raise ValueError(f"{self.v['key']}: {self.source} writes no files (a chat variant?)")
        rel = fill(rel, self.v)
        content = textwrap.dedent(fill(content, self.v)).strip("\n") + "\n"
        full = self.path(rel)
        if self.source == "codex":
            plus = "\n".join("+" + line for line in content.rstrip("\n").split("\n"))
            patch = f"*** Begin Patch\n*** Add File: {rel}\n{plus}\n*** End Patch"
            self.add("command", "apply_patch " + _json({"input": patch}))
            self.add("command", f"Success. Updated the following files:\nA {rel}")
        elif self.source == "gemini-cli":
            self.add("command", "write_file " + _json({"file_path": full, "content": content}))
            self.add("command", f"Successfully created and wrote to new file: {full}.")
        else:
            self.add("command", "Write " + _json({"file_path": full, "content": content}))
            self.add("command", f"File created successfully at: {full}")

    # -- turns many sessions share

    def tests(self, ask: bool = True, passed: int | None = None) -> None:
        """Run the project's tests, all green."""
        if ask:
            self.p(
                "run the tests",
                "ok run the test suite",
                "tests?",
                "can you run the tests pls",
                "run tests and make sure nothing else broke",
            )
        command, output = test_run(self, passed)
        self.sh(command, output, "Run the test suite")
        self.s(
            "All green.",
            "Tests pass.",
            "Everything passes, nothing else broke.",
            "The whole suite passes.",
        )

    def commit(self, message: str) -> None:
        self.p(
            "commit it",
            "looks good, commit",
            "ok commit this pls",
            "commit + push",
            "great. commit with a decent message",
        )
        branch = self.v.get("branch") or (self.repo.branch if self.repo else "main")
        files = self.num(1, 6)
        plus, minus = self.num(3, 180), self.num(0, 60)
        sha = f"{self.rng.getrandbits(28):07x}"
        self.sh(
            f"git add -A && git commit -m {shlex.quote(fill(message, self.v))}",
            f"[{branch} {sha}] {fill(message, self.v)}\n {files} file{'s' if files > 1 else ''} "
            f"changed, "
            f"{plus} insertions(+), {minus} deletions(-)",
            "Commit the change",
        )
        self.s(f"Committed as `{sha}`.", f"Done, `{sha}` on `{branch}`.")

    def thanks(self) -> None:
        self.p("thanks!", "perfect, ty", "great thanks", "nice 👍", "ok cool, that's it", "thx")
        if self.maybe(0.6):
            self.s(
                "You're welcome!",
                "Glad that sorted it.",
                "Anytime. Ping me if it comes back.",
                "No problem.",
            )


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def test_run(c: Chat, passed: int | None = None) -> tuple[str, str]:
    """The project's test command and a plausible all-green output."""
    lang = c.repo.lang if c.repo else "python"
    n = passed if passed is not None else c.num(40, 400)
    secs = c.rng.uniform(0.8, 40)
    if lang in ("python", "notebook"):
        return "pytest -q", f"{'.' * 60}\n{n} passed, {c.num(0, 4)} skipped in {secs:.2f}s"
    if lang == "ts":
        files = max(1, n // 8)
        return "pnpm test", (
            f" Test Files  {files} passed ({files})\n      Tests  {n} passed ({n})\n"
            f"   Duration  {secs:.2f}s"
        )
    if lang == "go":
        mod = c.repo.name if c.repo else "app"
        lines = [
            f"ok  \tgithub.com/ann/{mod}/{pkg}\t{c.rng.uniform(0.01, 3):.3f}s"
            for pkg in ("internal/api", "internal/store", "internal/check", "cmd/server")
        ]
        return "go test ./...", "\n".join(lines)
    if lang == "rust":
        return "cargo test", (
            f"test result: ok. {n} passed; 0 failed; 0 ignored; 0 measured; "
            f"0 filtered out; finished in {secs / 10:.2f}s"
        )
    if lang == "java":
        return "./gradlew test", (
            f"BUILD SUCCESSFUL in {int(secs) + 20}s\n7 actionable tasks: 3 executed, 4 up-to-date"
        )
    return "make check", "all checks passed"


@dataclass
class Family:
    """One kind of conversation: `build(chat)` writes a variant's turns."""

    name: str
    build: Callable[[Chat], None]
    variants: list[Variant]
    sources: tuple[str, ...] = AGENTS
    facts: dict[str, Any] = field(default_factory=dict)


FAMILIES: list[Family] = []


def family(
    name: str, variants: list[Variant], sources: tuple[str, ...] = AGENTS
) -> Callable[[Callable[[Chat], None]], Callable[[Chat], None]]:
    """Register `build` as the family `name` with its variants."""

    def register(build: Callable[[Chat], None]) -> Callable[[Chat], None]:
        FAMILIES.append(Family(name, build, variants, sources))
        return build

    return register


def written(c: Chat) -> None:
    """A variant written out in full. `turns` alternate a person's turn and a
    reply, and an agent's tool calls come in between:

    - `("$", command, output)`: a command the agent ran; the text after it is
      the agent's again (it goes on after seeing the output);
    - `("person", text)`: a person's turn where the alternation can't tell
      (right after a command);
    - `("paste", intro, output)`: a person's turn pasting output.

    With a commit message `msg`, an agent's session may end with the tests
    and the commit; any session may end with thanks."""
    person = True  # whose turn a plain string is
    for turn in c.v["turns"]:
        if isinstance(turn, tuple):
            if turn[0] == "$":
                c.sh(turn[1], turn[2], turn[3] if len(turn) > 3 else "")
                person = False
                continue
            if turn[0] == "person":
                c.p(turn[1])
            elif turn[0] == "paste":
                c.paste(turn[1], turn[2])
            else:
                raise ValueError(f"{c.v['key']}: unknown turn {turn[0]!r}")
            person = False
            continue
        (c.p if person else c.s)(turn)
        person = not person
    if c.v.get("msg") and c.agent:
        if c.maybe(0.5):
            c.tests(ask=c.maybe(0.6))
        c.commit(c.v["msg"])
    if c.v.get("thanks", True) and c.events[-1][0] != "prompt" and c.maybe(0.25):
        c.thanks()
