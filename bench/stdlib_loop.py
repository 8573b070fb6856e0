"""A floor, not the product: the least a stdio JSON-RPC append server can be.

Standard library only. Blocking reads of Content-Length frames from stdin,
`json`, and for `session/append` the very statements sessiond's store runs
(the daemon's pragmas, BEGIN IMMEDIATE, one commit per append), then one
frame written to stdout. It validates nothing and knows no other method
beyond the lifecycle; it exists so that `python -m bench` can say how much
sessiond costs on top of the work itself.

    python bench/stdlib_loop.py DB
"""

import json
import sqlite3
import sys
import time


def rfc3339(ms):
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def main():
    conn = sqlite3.connect(sys.argv[1], timeout=5.0, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        length = None
        while True:
            line = stdin.readline()
            if not line:
                return
            if line == b"\r\n":
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        message = json.loads(stdin.read(length))
        method = message.get("method")
        if "id" not in message:
            if method == "exit":
                return
            continue
        if method == "session/append":
            p = message["params"]
            conn.execute("BEGIN IMMEDIATE")
            seq = conn.execute(
                "UPDATE sessions SET event_count = event_count + 1"
                " WHERE id = ? AND ended_at IS NULL RETURNING event_count",
                (p["sessionId"],),
            ).fetchone()[0]
            created = time.time_ns() // 1_000_000
            conn.execute(
                "INSERT INTO events (session_id, seq, kind, text, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (p["sessionId"], seq, p["kind"], p["text"], created),
            )
            conn.execute("COMMIT")
            result = {"seq": seq, "createdAt": rfc3339(created)}
        else:
            result = None
        body = json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}).encode()
        stdout.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        stdout.flush()


if __name__ == "__main__":
    main()
