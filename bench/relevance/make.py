"""`python -m bench.relevance.make`: write the history and the questions
(`bench/relevance/data/`) from the hand-written material, deterministically.

Each variant of each family (`material/kit.py`) becomes one session. Its
random choices (which of the phrasings, which program it was held in, the
extra turns, its times) come from a `random.Random` seeded with the family's
and the variant's names, so editing one variant changes only its session.
Times spread over a year (working hours mostly); the ULID is made from the
session's start time, so ULIDs sort as the sessions do.

`--check` also reports what a reader should look at (`problems`): questions
that another session covers as well as their answer (the same question words
in it), and breaks of the rules a kind promises (a `spread` question that one
turn answers alone, a `title` question with no word found only in the title,
a paraphrase sharing a word or a stem with its answer). Breaking a rule fails
the run; a question covered as well by another session is only listed (the
words are the same, the meaning may not be: read it).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import io
import json
import os
import random
import sys
from collections.abc import Iterable
from typing import Any

from bench.relevance import DATA, HISTORY, PARAPHRASES, QUESTIONS
from bench.relevance.material import CHATS, FAMILIES, Chat
from bench.relevance.words import content_words, has_cjk, stem, words

START = datetime.datetime(2025, 1, 6, tzinfo=datetime.UTC)
SPAN_DAYS = 360
MIN_TURNS, MAX_TURNS = 4, 30
KINDS = ("natural", "keywords", "title", "spread", "typo", "cjk", "vague")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def ulid_at(ms: int, rng: random.Random) -> str:
    """A ULID: 48 bits of milliseconds, 80 random bits, Crockford base 32."""
    value = (ms << 80) | rng.getrandbits(80)
    return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in range(25, -1, -1))


def stamp(t: datetime.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def _times(rng: random.Random, kinds: list[str]) -> list[datetime.datetime]:
    """The session's start, then each event's time: a person reads and types
    for a while, a reply comes in seconds, a tool in less."""
    day = START + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
    hour = rng.choice((7, 8, 9, 9, 10, 10, 11, 12, 13, 13, 14, 14, 15, 15, 16, 17, 19, 21))
    t = day + datetime.timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.random() * 60)
    out = [t]
    for kind in kinds:
        gap = {"prompt": (20, 420), "system": (4, 70), "command": (1, 25)}[kind]
        t = t + datetime.timedelta(seconds=rng.uniform(*gap))
        out.append(t)
    return out


def build() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The sessions (oldest first), the questions and the paraphrases."""
    sessions: list[dict[str, Any]] = []
    questions: list[dict[str, Any]] = []
    paraphrases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for fam in FAMILIES:
        for v in fam.variants:
            key = v["key"]
            if key in seen:
                raise ValueError(f"two variants are named {key!r}")
            seen.add(key)
            rng = random.Random(f"{fam.name}/{key}")
            # A variant marked `chat` was held in a chat, whatever its family's programs.
            source = v.get("source") or rng.choice(CHATS if v.get("chat") else fam.sources)
            chat = Chat(rng, source, v)
            fam.build(chat)
            if not MIN_TURNS <= len(chat.events) <= MAX_TURNS:
                raise ValueError(
                    f"{key}: {len(chat.events)} events, not {MIN_TURNS} to {MAX_TURNS}"
                )
            times = _times(rng, [kind for kind, _ in chat.events])
            ulid = ulid_at(int(times[0].timestamp() * 1000), rng)
            if chat.repo:
                project: str | None = chat.repo.path
            else:
                project = v.get("project", None if source == "llm" else "/home/ann")
            sessions.append(
                {
                    "ulid": ulid,
                    "key": key,
                    "family": fam.name,
                    "source": source,
                    "project": project,
                    "branch": v.get("branch") or (chat.repo.branch if chat.repo else None),
                    "title": v.get("title"),
                    "startedAt": stamp(times[0]),
                    "events": [
                        {"kind": kind, "text": text, "at": stamp(at)}
                        for (kind, text), at in zip(chat.events, times[1:], strict=True)
                    ],
                }
            )
            for kind, q in v.get("q", ()):
                if kind not in KINDS:
                    raise ValueError(f"{key}: unknown question kind {kind!r}")
                questions.append({"q": q, "answer": ulid, "kind": kind, "key": key})
            for q in v.get("para", ()):
                paraphrases.append({"q": q, "answer": ulid, "kind": "paraphrase", "key": key})
    sessions.sort(key=lambda s: s["startedAt"])
    return sessions, questions, paraphrases


def _jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


def write(
    sessions: list[dict[str, Any]], qs: list[dict[str, Any]], ps: list[dict[str, Any]]
) -> None:
    os.makedirs(DATA, exist_ok=True)
    raw = io.BytesIO()
    # mtime 0 and no file name: the same history gives the same bytes.
    with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(_jsonl(sessions).encode())
    with open(HISTORY, "wb") as f:
        f.write(raw.getvalue())
    for path, rows in ((QUESTIONS, qs), (PARAPHRASES, ps)):
        with open(path, "w", encoding="utf-8") as f:
            f.write(_jsonl(rows))


def session_text(s: dict[str, Any]) -> list[str]:
    """The texts a search may match: the title, then every event."""
    return ([s["title"]] if s["title"] else []) + [e["text"] for e in s["events"]]


def _held(word: str, texts: list[str], vocab: set[str]) -> bool:
    # Text without spaces between words (CJK) is held when it occurs anywhere.
    if has_cjk(word):
        return any(word in t for t in texts)
    return word in vocab


def problems(
    sessions: list[dict[str, Any]], qs: list[dict[str, Any]], ps: list[dict[str, Any]]
) -> tuple[list[str], list[str]]:
    """(rule breaks, questions to read): see the module's docstring."""
    by_ulid = {s["ulid"]: s for s in sessions}
    texts = {u: [t.lower() for t in session_text(s)] for u, s in by_ulid.items()}
    vocab = {u: set().union(*(words(t) for t in ts)) for u, ts in texts.items()}
    broken: list[str] = []
    to_read: list[str] = []
    for q in qs:
        s = by_ulid[q["answer"]]
        want = content_words(q["q"])
        label = f"{q['kind']} {q['q']!r} ({q['key']})"
        if q["kind"] == "cjk" and not has_cjk(q["q"]):
            broken.append(f"{label}: a cjk question without CJK text")
        if q["kind"] == "spread":
            whole = [t for t in texts[q["answer"]] if all(_held(w, [t], words(t)) for w in want)]
            if whole:
                broken.append(f"{label}: one text holds every word: {whole[0][:80]!r}")
        if q["kind"] == "title":
            title = words(s["title"] or "")
            turns = set().union(*(words(e["text"]) for e in s["events"]))
            if not (want & title) - turns:
                broken.append(f"{label}: no word of it is in the title alone")
        held = {w for w in want if _held(w, texts[q["answer"]], vocab[q["answer"]])}
        rivals = [
            by_ulid[u]["key"]
            for u in by_ulid
            if u != q["answer"]
            and len({w for w in want if _held(w, texts[u], vocab[u])}) >= len(held)
        ]
        if not held:
            to_read.append(f"{label}: its answer holds none of its words")
        elif rivals:
            to_read.append(f"{label}: holds {sorted(held)}; as many in {rivals[:6]}")
    for p in ps:
        answer = vocab[p["answer"]]
        want = content_words(p["q"])
        shared = want & answer
        stems = {stem(w) for w in want} & {stem(w) for w in answer}
        if shared or stems:
            broken.append(f"paraphrase {p['q']!r} ({p['key']}) shares {sorted(shared or stems)}")
    return broken, to_read


def summary(
    sessions: list[dict[str, Any]], qs: list[dict[str, Any]], ps: list[dict[str, Any]]
) -> str:
    events = sum(len(s["events"]) for s in sessions)
    kinds: dict[str, int] = {}
    for q in qs:
        kinds[q["kind"]] = kinds.get(q["kind"], 0) + 1
    titled = sum(1 for s in sessions if s["title"])
    cjk = sum(1 for s in sessions if any(has_cjk(e["text"]) for e in s["events"]))
    sources: dict[str, int] = {}
    for s in sessions:
        sources[s["source"]] = sources.get(s["source"], 0) + 1
    lengths = sorted(len(s["events"]) for s in sessions)
    return (
        f"{len(sessions)} sessions ({titled} titled, {cjk} with CJK text), {events} events "
        f"(median {lengths[len(lengths) // 2]} a session, {lengths[0]} to {lengths[-1]}); "
        f"{len(qs)} questions {dict(sorted(kinds.items()))}; {len(ps)} paraphrases; "
        f"sources {dict(sorted(sources.items()))}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance.make", description=__doc__)
    parser.add_argument("--check", action="store_true", help="also list what to read")
    parser.add_argument("--dry-run", action="store_true", help="do not write the data files")
    args = parser.parse_args(argv)
    sessions, qs, ps = build()
    broken, to_read = problems(sessions, qs, ps)
    if args.check:
        for line in to_read:
            print("read:", line)
    for line in broken:
        print("BROKEN:", line, file=sys.stderr)
    print(summary(sessions, qs, ps))
    if broken:
        return 1
    if not args.dry_run:
        write(sessions, qs, ps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
