"""Issue 12's figures: live updates across processes on one file.

- lag: one daemon appends (round trips paced at random gaps, so that the
  appends fall anywhere in the subscriber's poll interval); another daemon,
  subscribed, sends its client `session/didAppend` for each. The lag is the
  time from the writer's answer to the subscriber's notification, both read
  by this process's clock. Also while `loaders` more daemons append to their
  own sessions at full speed (pipelined, two chunks of 500 in flight each).
- idle: a subscribed daemon and an unsubscribed one, nothing written, their
  CPU over `seconds` from /proc.
- pipelined appends (as `appends.pipelined`) with 4 subscribed daemons on
  the file and with none, in rounds that take turns; every subscriber must
  receive every append.

When the daemon answers `session/subscribe` with -32601, every figure is
"not served yet".
"""

from __future__ import annotations

import json
import os
import queue
import random
import statistics
import sys
import threading
import time
from typing import Any

from bench import appends, floors
from bench.common import append_chunks, goal, log, ms, pct, sessiond_cmd
from bench.rpc import Decoder, Peer, cpu_seconds, frame, request

PROBE = b"lagprobe-"


class NotServed(Exception):
    pass


def daemon(db: str) -> Peer:
    """A daemon on `db`: a file, or a PostgreSQL URL (given in the
    environment, so that its password never shows in `ps`)."""
    if db.startswith(("postgresql://", "postgres://")):
        return Peer([sys.executable, "-m", "sessiond"], env={**os.environ, "SESSIOND_DB": db})
    return Peer(sessiond_cmd(db))


def subscribe(peer: Peer) -> None:
    msg_id = peer.take_id()
    peer.write(request(msg_id, "session/subscribe", {}))
    reply = json.loads(peer.read_frames(1)[0])
    error = reply.get("error")
    if error is not None:
        if error.get("code") == -32601:
            raise NotServed("-32601: not served yet")
        raise AssertionError(f"session/subscribe failed: {error}")


class Subscriber:
    """A daemon subscribed to the store; a thread reads what it sends, counts
    the `session/didAppend`s and notes when each probe's arrived."""

    def __init__(self, db: str) -> None:
        self.peer = daemon(db)
        self.peer.initialize()
        try:
            subscribe(self.peer)
        except BaseException:
            self.peer.close()
            raise
        self.seen: dict[int, float] = {}
        self.appends = 0
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        decoder = Decoder()
        while True:
            chunk = os.read(self.peer.rfd, 1 << 20)
            if not chunk:
                return
            now = time.perf_counter()
            got = 0
            for body in decoder.feed(chunk):
                if b'"session/didAppend"' not in body:
                    continue
                got += 1
                at = body.find(PROBE)
                if at >= 0:
                    end = at + len(PROBE)
                    while body[end : end + 1].isdigit():
                        end += 1
                    self.seen[int(body[at + len(PROBE) : end])] = now
            with self.changed:
                self.appends += got
                self.changed.notify_all()

    def wait(self, predicate: Any, timeout: float) -> bool:
        with self.changed:
            return bool(self.changed.wait_for(predicate, timeout))

    def close(self) -> None:
        # The reader thread owns stdout: ask for the exit without reading.
        try:
            self.peer.write(request(self.peer.take_id(), "shutdown"))
            self.peer.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        except BrokenPipeError:
            pass
        self.peer.proc.stdin.close()  # type: ignore[union-attr]
        self.thread.join(timeout=60)
        self.peer.proc.wait(timeout=60)
        self.peer.proc.stdout.close()  # type: ignore[union-attr]


class Loader:
    """A daemon appending to its own session until `stop`: at full speed
    (pipelined, two chunks of 500 in flight), or at `rate` appends a second
    (chunks of 50, paced). `peer`: an initialized daemon (else one on `db`)."""

    def __init__(
        self, db: str, session_id: int, rate: float | None = None, peer: Peer | None = None
    ) -> None:
        if peer is None:
            peer = Peer(sessiond_cmd(db))
            peer.initialize()
        self.peer = peer
        self.session_id = session_id
        self.per_chunk = 500 if rate is None else 50
        self.gap_s = 0.0 if rate is None else self.per_chunk / rate
        self.stopping = threading.Event()
        self.written: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self.answered = 0
        self.slots = threading.Semaphore(2)
        self.threads = [
            threading.Thread(target=self._write, daemon=True),
            threading.Thread(target=self._read, daemon=True),
        ]
        for thread in self.threads:
            thread.start()

    def _write(self) -> None:
        try:
            due = time.monotonic()
            while not self.stopping.is_set():
                if self.gap_s:
                    due += self.gap_s
                    if self.stopping.wait(max(0.0, due - time.monotonic())):
                        break
                self.slots.acquire()
                if self.stopping.is_set():
                    break
                first = self.peer.next_id
                self.peer.next_id += self.per_chunk
                (chunk,) = append_chunks(self.per_chunk, self.per_chunk, first, self.session_id)
                self.peer.write(chunk)
                self.written.put(1)
        finally:
            self.written.put(None)

    def _read(self) -> None:
        while self.written.get() is not None:
            self.peer.read_frames(self.per_chunk)
            self.answered += self.per_chunk
            self.slots.release()

    def stop(self) -> int:
        self.stopping.set()
        self.slots.release()
        for thread in self.threads:
            thread.join(timeout=60)
        self.peer.close()
        return self.answered


def lag(db: str, n: int, loaders: int, gap_s: float, fresh: bool = True) -> dict[str, Any]:
    """Seconds from the writer's answer to the subscriber's didAppend, per
    append. `fresh`: on a new file with the sessions it needs (else `db`
    must have an open session 1, and `loaders` more after it)."""
    if fresh:
        floors.new_db(db, sessions=1 + loaders)
    subscriber = Subscriber(db)
    writer = daemon(db)
    load: list[Loader] = []
    answered: dict[int, float] = {}
    refused: list[str] = []
    round_trips: list[float] = []  # the probe appends' own
    rng = random.Random(12)
    try:
        writer.initialize()
        load = [Loader(db, 2 + k) for k in range(loaders)]
        t0 = time.perf_counter()
        for i in range(n):
            # Pacing, not waiting: spread the appends over the poll interval.
            time.sleep(rng.uniform(0, 2 * gap_s))
            params = {"sessionId": 1, "kind": "prompt", "text": f"{PROBE.decode()}{i} lag probe"}
            sent = time.perf_counter()
            writer.write(request(writer.take_id(), "session/append", params))
            reply = json.loads(writer.read_frames(1)[0])
            if "result" in reply:
                answered[i] = time.perf_counter()
                round_trips.append(answered[i] - sent)
            elif reply["error"]["code"] == 1005:  # the write lock never came: counted
                refused.append(reply["error"]["message"])
            else:
                raise AssertionError(f"session/append failed: {reply['error']}")
        stored = len(answered)
        if not subscriber.wait(lambda: len(subscriber.seen) >= stored, 30):
            raise AssertionError(
                f"the subscriber received {len(subscriber.seen)} of {stored} probes in 30 s"
            )
        elapsed = time.perf_counter() - t0
    finally:
        loaded = sum(loader.stop() for loader in load)
        writer.close()
        subscriber.close()
    if set(subscriber.seen) != set(answered):
        raise AssertionError("the subscriber's probes are not the ones stored")
    lags = [subscriber.seen[i] - at for i, at in answered.items()]
    return {
        "p50": pct(lags, 0.5),
        "p99": pct(lags, 0.99),
        "max": max(lags),
        "probes": n,
        "append_p50": pct(round_trips, 0.5),
        "append_p99": pct(round_trips, 0.99),
        "refused": len(refused),
        "refusal": refused[0] if refused else None,
        "loaders": loaders,
        "load_appends_per_s": loaded / elapsed,
    }


def idle_cpu(db: str, seconds: float) -> dict[str, float]:
    """CPU share of one core: a subscribed daemon and an unsubscribed one, idle."""
    floors.new_db(db)
    subscriber = Subscriber(db)
    plain = Peer(sessiond_cmd(db))
    try:
        plain.initialize()
        pids = {"subscribed": subscriber.peer.pid, "unsubscribed": plain.pid}
        before = {k: cpu_seconds(pid) for k, pid in pids.items()}
        t0 = time.monotonic()
        time.sleep(seconds)  # the measurement itself: nothing happens meanwhile
        took = time.monotonic() - t0
        return {k: (cpu_seconds(pid) - before[k]) / took for k, pid in pids.items()}
    finally:
        plain.close()
        subscriber.close()


def with_subscribers(db: str, n: int, subscribers: int) -> float:
    """Pipelined appends/s with `subscribers` subscribed daemons on the file;
    checks that each received all `n`."""
    floors.new_db(db)
    subs: list[Subscriber] = []
    try:
        subs = [Subscriber(db) for _ in range(subscribers)]
        rate = appends.pipelined(db, n, fresh=False)
        for sub in subs:
            if not sub.wait(lambda s=sub: s.appends >= n, 60):
                raise AssertionError(f"a subscriber received {sub.appends} of {n} appends")
        return rate
    finally:
        for sub in subs:
            sub.close()


def measure(tmp: str, sizes: dict[str, Any]) -> dict[str, Any]:
    db = os.path.join(tmp, "live.db")
    floors.new_db(db)
    probe = Peer(sessiond_cmd(db))
    try:
        probe.initialize()
        subscribe(probe)
    except NotServed as exc:
        return {"served": False, "why": str(exc)}
    finally:
        probe.close()
    f: dict[str, Any] = {"served": True}
    log("live: notification lag, quiet and under load")
    f["lag"] = lag(db, sizes["lag_probes"], 0, sizes["lag_gap_s"])
    f["lag_loaded"] = lag(db, sizes["lag_probes"], sizes["loaders"], sizes["lag_gap_s"])
    log("live: pipelined appends with 4 subscribers and with none")
    none, four = [], []
    for r in range(sizes["pipelined_rounds"]):
        for k in (0, 4) if r & 1 else (4, 0):
            rate = with_subscribers(db, sizes["pipelined"], k)
            (four if k else none).append(rate)
    f["pipelined_none"], f["pipelined_four"] = statistics.median(none), statistics.median(four)
    f["pipelined_rounds"] = {"none": none, "four": four}
    return f


def idle(tmp: str, seconds: float) -> dict[str, Any]:
    db = os.path.join(tmp, "idle.db")
    try:
        return {"served": True, "seconds": seconds, **idle_cpu(db, seconds)}
    except NotServed as exc:
        return {"served": False, "why": str(exc)}


def refusals(run: dict[str, Any]) -> str:
    if not run["refused"]:
        return ""
    return (
        f"; {run['refused']} of {run['probes']} probe appends refused with 1005 "
        "(the write lock did not come within the busy timeout)"
    )


def rows(f: dict[str, Any], idle_f: dict[str, Any]) -> list[tuple[str, str]]:
    if not f["served"]:
        return [("notifications (`session/subscribe`)", f"not measured ({f['why']})")]
    quiet, loaded = f["lag"], f["lag_loaded"]
    out = [
        (
            f"notification lag, append answered to `session/didAppend`: p50 / p99 / max "
            f"({quiet['probes']} appends)",
            f"{ms(quiet['p50'])} / {ms(quiet['p99'])} / {ms(quiet['max'])}" + refusals(quiet),
        ),
        (
            f"the same while {loaded['loaders']} daemons append at full speed "
            f"({loaded['load_appends_per_s']:,.0f} /s together)",
            f"{ms(loaded['p50'])} / {ms(loaded['p99'])} / {ms(loaded['max'])}" + refusals(loaded),
        ),
        (
            "the probe appends' own round trips, p50 / p99: quiet / under that load",
            f"{ms(quiet['append_p50'])} / {ms(quiet['append_p99'])}; "
            f"{ms(loaded['append_p50'])} / {ms(loaded['append_p99'])}",
        ),
        (
            "pipelined appends: no subscriber / 4 subscribed daemons on the file",
            f"{f['pipelined_none']:,.0f} /s / {f['pipelined_four']:,.0f} /s",
        ),
    ]
    if idle_f.get("served"):
        out.append(
            (
                f"idle daemon's CPU over {idle_f['seconds']:.0f} s: subscribed / not subscribed",
                f"{idle_f['subscribed']:.3%} / {idle_f['unsubscribed']:.3%} of one core",
            )
        )
    return out


def goals(f: dict[str, Any], idle_f: dict[str, Any]) -> list[dict[str, Any]]:
    if not f["served"]:
        why = "not served yet"
        return [
            goal("notification lag p50", None, 100, "<=", "ms", 12, why),
            goal("notification lag p99", None, 500, "<=", "ms", 12, why),
            goal("subscribed idle daemon's CPU", None, 1, "<=", "%", 12, why),
            goal("pipelined appends, 4 subscribers vs none", None, 0.8, ">=", "x", 12, why),
        ]
    quiet, loaded = f["lag"], f["lag_loaded"]
    n = loaded["loaders"]
    out = [
        goal("notification lag p50", quiet["p50"] * 1000, 100, "<=", "ms", 12),
        goal("notification lag p99", quiet["p99"] * 1000, 500, "<=", "ms", 12),
        goal(
            f"notification lag p50, {n} appending daemons",
            loaded["p50"] * 1000,
            100,
            "<=",
            "ms",
            12,
        ),
        goal(
            f"notification lag p99, {n} appending daemons",
            loaded["p99"] * 1000,
            500,
            "<=",
            "ms",
            12,
        ),
    ]
    if idle_f.get("served"):
        out.append(
            goal("subscribed idle daemon's CPU", idle_f["subscribed"] * 100, 1, "<=", "%", 12)
        )
    out.append(
        goal(
            "pipelined appends, 4 subscribers vs none",
            f["pipelined_four"] / f["pipelined_none"],
            0.8,
            ">=",
            "x",
            12,
        )
    )
    return out
