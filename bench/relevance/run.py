"""Issue 22's relevance figures: how often `session/search` and `session/find`
put the session that answers a question first, or in the first five.

`measure` loads the history (`bench.relevance.sessions()`, oldest first) into
a new SQLite store through a real daemon over pipes: `session/start` with the
session's ULID (and, when the daemon's `initialize` says protocolVersion 3 or
more, its `source` and `project`), its events with `session/append` (one
session's appends written at once, then their answers read), its title with
`session/rename`, then `session/end`. Event times are the daemon's own (the
protocol has no way to give them); sessions are loaded in the order they
started, so "newest" means the same to the daemon as in the data.

Then every question is asked:

- `session/search` (turn level), `limit` 100: the hits grouped by session in
  the order each session first appears;
- `session/find`, `limit` 20, when the daemon serves it (a -32601 answer is
  reported as not served).

For each method: success@1 and success@5 (the answer session is first, or in
the first five), MRR (the mean of 1/rank, 0 when absent) and the number of
questions with no result at all; overall, per kind, and for the paraphrases
apart (they are not in the overall figures; `everything` has both). A
question the daemon refuses (-32602: no word to search) counts as answered
with nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from typing import Any

from bench import relevance
from bench.common import goal, log
from bench.rpc import Peer, request

SEARCH_LIMIT = 100
FIND_LIMIT = 20
CLI_VERSION = "bench-relevance"

# `session/search` on this history at the start of issue 22 (commit 330b483,
# protocol version 2, run by `python -m bench.relevance`): the baseline the
# issue's goal multiplies by 1.5.
TODAY_SEARCH = {"success_at_1": 0.120, "success_at_5": 0.120, "mrr": 0.120}


class Refused(Exception):
    """The daemon answered a request with an error."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message", ""))
        self.code = error.get("code")
        self.error = error


def ask(peer: Peer, method: str, params: Any) -> Any:
    """One request; an error answer raises `Refused` (not AssertionError, so
    the caller can tell "not served" from a failure)."""
    msg_id = peer.take_id()
    peer.write(request(msg_id, method, params))
    reply = json.loads(peer.read_frames(1)[0])
    if reply.get("id") != msg_id:
        raise AssertionError(f"answer to {reply.get('id')!r}, expected {msg_id}")
    if "error" in reply:
        raise Refused(reply["error"])
    return reply["result"]


def protocol_version(init: dict[str, Any]) -> int:
    caps = init.get("capabilities", {}).get("experimental", {}).get("sessiond", {})
    version = caps.get("protocolVersion", 1)
    return version if isinstance(version, int) else 1


def load(peer: Peer, sessions: list[dict[str, Any]], v3: bool) -> int:
    """Write the history through the daemon; the number of events written."""
    written = 0
    for s in sessions:
        params: dict[str, Any] = {"cliVersion": CLI_VERSION, "ulid": s["ulid"]}
        if v3:
            params["source"] = s["source"]
            if s["project"]:
                params["project"] = s["project"]
        sid = ask(peer, "session/start", params)["id"]
        first = peer.next_id
        frames = [
            request(
                first + i,
                "session/append",
                {"sessionId": sid, "kind": e["kind"], "text": e["text"]},
            )
            for i, e in enumerate(s["events"])
        ]
        peer.next_id += len(frames)
        peer.write(b"".join(frames))
        for body in peer.read_frames(len(frames)):
            reply = json.loads(body)
            if "error" in reply:
                raise AssertionError(f"an append to {s['ulid']} failed: {reply['error']}")
        written += len(frames)
        if s["title"]:
            ask(peer, "session/rename", {"sessionId": sid, "title": s["title"]})
        ask(peer, "session/end", {"sessionId": sid})
    return written


def ranked_by_search(peer: Peer, q: str) -> list[str]:
    """Sessions in the order their first hit comes."""
    try:
        hits = ask(peer, "session/search", {"query": q, "limit": SEARCH_LIMIT})["hits"]
    except Refused as exc:
        if exc.code == -32602:
            return []
        raise
    order: list[str] = []
    for hit in hits:
        ulid = hit["session"]["ulid"]
        if ulid not in order:
            order.append(ulid)
    return order


def ranked_by_find(peer: Peer, q: str) -> tuple[list[str], bool]:
    """Sessions best first, and whether the answer was relaxed."""
    try:
        answer = ask(peer, "session/find", {"query": q, "limit": FIND_LIMIT})
    except Refused as exc:
        if exc.code == -32602:
            return [], False
        raise
    return [r["session"]["ulid"] for r in answer["results"]], bool(answer.get("relaxed"))


def rank_of(order: list[str], answer: str) -> int | None:
    return order.index(answer) + 1 if answer in order else None


def scores(ranks: Iterable[int | None], empty: Iterable[bool]) -> dict[str, Any]:
    ranks, empty = list(ranks), list(empty)
    n = len(ranks)
    if not n:
        return {"n": 0}
    return {
        "n": n,
        "success_at_1": sum(1 for r in ranks if r == 1) / n,
        "success_at_5": sum(1 for r in ranks if r is not None and r <= 5) / n,
        "mrr": sum(1 / r for r in ranks if r is not None) / n,
        "zero": sum(empty),
    }


def method_figures(
    questions: list[dict[str, Any]], paraphrases: list[dict[str, Any]], asked: dict[str, Any]
) -> dict[str, Any]:
    """Scores overall, per kind and for the paraphrases from
    `asked[q] = (ranked ulids, relaxed)`."""

    def of(qs: list[dict[str, Any]]) -> dict[str, Any]:
        ranks = [rank_of(asked[q["q"]][0], q["answer"]) for q in qs]
        return scores(ranks, (not asked[q["q"]][0] for q in qs))

    kinds = sorted({q["kind"] for q in questions})
    return {
        "served": True,
        "all": of(questions),
        "kinds": {k: of([q for q in questions if q["kind"] == k]) for k in kinds},
        "paraphrase": of(paraphrases),
        # Both sets together (issue 27 compares methods on everything asked).
        "everything": of(questions + paraphrases),
        "relaxed": sum(1 for q in questions + paraphrases if asked[q["q"]][1]),
        # Per question, in file order: the rank of the answer (null: absent).
        "ranks": [rank_of(asked[q["q"]][0], q["answer"]) for q in questions],
        "paraphrase_ranks": [rank_of(asked[q["q"]][0], q["answer"]) for q in paraphrases],
    }


def measure(tmp: str, sessiond_cmd: list[str]) -> dict[str, Any]:
    """Load the history into a new store under `tmp` through the daemon
    `sessiond_cmd` (its command without `--db`, e.g. `[sys.executable, "-m",
    "sessiond"]`) and ask every question; see the module's docstring."""
    sessions = relevance.sessions()
    questions = relevance.questions()
    paraphrases = relevance.paraphrases()
    db = os.path.join(tmp, "relevance.db")
    peer = Peer([*sessiond_cmd, "--db", db])
    f: dict[str, Any] = {
        "sessions": len(sessions),
        "events": sum(len(s["events"]) for s in sessions),
        "questions": len(questions),
        "paraphrases": len(paraphrases),
    }
    try:
        f["protocol_version"] = protocol_version(peer.initialize())
        log(f"relevance: loading {f['sessions']} sessions, {f['events']} events")
        t0 = time.perf_counter()
        load(peer, sessions, f["protocol_version"] >= 3)
        f["load_s"] = time.perf_counter() - t0
        every = questions + paraphrases
        methods: dict[str, Any] = {}
        log(f"relevance: {len(every)} questions through session/search")
        t0 = time.perf_counter()
        by_search = {q["q"]: (ranked_by_search(peer, q["q"]), False) for q in every}
        methods["search"] = method_figures(questions, paraphrases, by_search)
        methods["search"]["seconds"] = time.perf_counter() - t0
        log("relevance: the same through session/find")
        t0 = time.perf_counter()
        try:
            by_find = {q["q"]: ranked_by_find(peer, q["q"]) for q in every}
        except Refused as exc:
            if exc.code != -32601:
                raise
            methods["find"] = {"served": False, "why": "session/find is not served (-32601)"}
        else:
            methods["find"] = method_figures(questions, paraphrases, by_find)
            methods["find"]["seconds"] = time.perf_counter() - t0
        f["methods"] = methods
    finally:
        peer.close()
    return f


# -- the report


def _cell(m: dict[str, Any]) -> str:
    if not m.get("n"):
        return "-"
    return (
        f"{m['success_at_1']:.3f} / {m['success_at_5']:.3f} / {m['mrr']:.3f} "
        f"({m['zero']} of {m['n']} empty)"
    )


def rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    """Report rows: success@1 / success@5 / MRR per method and set."""
    out = [
        (
            "history loaded through the daemon",
            f"{f['sessions']} sessions, {f['events']} events, protocol version "
            f"{f['protocol_version']}, {f['load_s']:.1f} s",
        )
    ]
    for name, label in (("search", "`session/search`, by session"), ("find", "`session/find`")):
        m = f["methods"][name]
        if not m["served"]:
            out.append((f"{label}: success@1 / @5 / MRR", m["why"]))
            continue
        out.append((f"{label}: success@1 / @5 / MRR, {m['all']['n']} questions", _cell(m["all"])))
        for kind, k in m["kinds"].items():
            out.append((f"  … `{kind}` questions", _cell(k)))
        out.append(("  … paraphrases (no word in common)", _cell(m["paraphrase"])))
    return out


def goals(f: dict[str, Any]) -> list[dict[str, Any]]:
    find = f["methods"]["find"]
    if not find["served"]:
        why = "session/find is not served yet"
        return [
            goal("`session/find` success@5", None, 85, ">=", "%", issue=22, note=why),
            goal("`session/find` success@5 vs today's `session/search`", None, 1.5, ">=",
                 issue=22, note=why),
        ]  # fmt: skip
    s5 = find["all"]["success_at_5"]
    return [
        goal("`session/find` success@5", s5 * 100, 85, ">=", "%", issue=22),
        goal(
            "`session/find` success@5 vs today's `session/search` "
            f"({TODAY_SEARCH['success_at_5']:.3f})",
            s5 / TODAY_SEARCH["success_at_5"],
            1.5,
            ">=",
            issue=22,
        ),
    ]


def table(f: dict[str, Any]) -> str:
    lines = [
        f"{f['sessions']} sessions, {f['questions']} questions, {f['paraphrases']} paraphrases; "
        "success@1 / success@5 / MRR (questions with no result)",
        "",
    ]
    width = max(len(k) for k, _ in rows(f))
    lines += [f"{k.ljust(width)}  {v}" for k, v in rows(f)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.relevance", description=__doc__)
    parser.add_argument("--out", default=None, help="also write the figures to this JSON file")
    parser.add_argument("--tmp", default=None, help="where the store goes (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the store")
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="sessiond-relevance-", dir=args.tmp)
    try:
        f = measure(tmp, [sys.executable, "-m", "sessiond"])
    finally:
        if args.keep:
            log(f"store kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(table(f))
    if args.out:
        with open(args.out, "w") as sink:
            json.dump(f, sink, indent=2)
    return 0
