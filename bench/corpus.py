"""A realistic history for search: a Zipf vocabulary, and files seeded in bulk.

`floors.TEXTS` (64 fixed texts) make every word occur in 1/64 of the events,
which tells nothing about search. Here the words follow Zipf's law over a
vocabulary of `VOCABULARY` words: English function words first (`the` is
about 4% of all words, in three events of four), then everyday and
programming words, then made-up words built from English-like syllables (so
that prefixes such as `co*` match as widely as they do in English). A
person's turns are short (median 13 words), replies longer (median about 35,
a long tail); one word, `RARE`, is planted in exactly `RARE_EVENTS` events.

Files are written in bulk through the store's own schema: `SqliteStore`
with `MIGRATIONS[:1]` creates a version-1 file (as sessiond wrote before
version 2), and the rows go in with executemany in one transaction,
`synchronous=OFF`. The version-2 file is that file opened once by the store:
its own migration copies the rows and fills the search index (see
`bench.search.prepare`), so both hold the very same texts.
"""

from __future__ import annotations

import itertools
import os
import random
import sqlite3
from collections.abc import Iterator

from bench import floors
from sessiond.store import SqliteStore
from sessiond.store.sqlite.migrations import MIGRATIONS

VOCABULARY = 40_000
RARE = "xylophone"
RARE_EVENTS = 5

# By rough frequency in conversation: the top of the Zipf ranking.
FUNCTION_WORDS = """
the to and a of i it in is you that this for with on be not as are have but what
can do at if from or so we my an was by there how all will just me your about which
would one should no when up out use they then like get more only some also now has
than here these any them into its could other why where need make want see does way
because try did been were our their those very much well each both between while
after before over under again still even most such same another without through
""".split()  # noqa: SIM905 (lines of words, easier to read)

COMMON_WORDS = """
code file function error test commit branch undo last build run python change fix
line value name type list data query index table row column server client request
answer message session history search time first new old next back command config
compile compiler come could copy count create default delete deploy rollback staging
merge rebase push pull remote log debug print output input path folder module import
package version release install update upgrade check return result call method class
object string number array dict key cache runner workspace migration migrate schema
database store editor agent prompt reply timeout retry flaky docker image node sqlite
postgres test tests testing failed failing works working issue bug feature review diff
patch format lint style doc docs readme note comment explain understand help please
thanks thank sure right wrong good better best problem question idea think know look
show tell give keep start stop open close read write send take put move add remove
set reset clear empty full small large fast slow simple hard easy long short same
different example case point part place work project user users team people day week
yesterday today tomorrow morning again already never always often sometimes maybe
probably really actually instead anyway though although unless until since during
local global private public shared common random final early late above below
""".split()  # noqa: SIM905

_ONSETS = "b c d f g h j k l m n p r s t v w z br cl cr dr fl gr pl pr sh st th tr ch sp sk"
_VOWELS = "a e i o u a e i o ai ea io ou"
_CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "ng", "x"]


def vocabulary(size: int = VOCABULARY, seed: int = 11) -> list[str]:
    """`size` distinct words in rank order (most common first)."""
    words = list(dict.fromkeys(FUNCTION_WORDS + COMMON_WORDS))
    seen = set(words) | {RARE}
    rng = random.Random(seed)
    onsets, vowels = _ONSETS.split(), _VOWELS.split()
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 2, 3, 3, 4))
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(_CODAS) for _ in range(syllables)
        )
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


def texts(n: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """`n` (kind, text) turns, prompts and replies taking turns.

    The words are drawn once into a pool a quarter of the size needed
    (Zipf-Mandelbrot ranks, s=1, q=1.5) and each turn reads a window of it at
    a random place: the same word frequencies, at a quarter of the cost.
    """
    rng = random.Random(seed)
    words = vocabulary()
    weights = itertools.accumulate(1.0 / (rank + 1.5) for rank in range(1, len(words) + 1))
    pool_size = max(100_000, n * 10)
    pool = rng.choices(words, cum_weights=list(weights), k=pool_size)
    every = max(1, n // RARE_EVENTS)
    for i in range(n):
        if i & 1:
            length = 5 + int(rng.lognormvariate(3.4, 0.9))
        else:
            length = 3 + int(rng.lognormvariate(2.3, 0.8))
        length = min(length, 2_000)
        start = rng.randrange(pool_size - length)
        text = " ".join(pool[start : start + length])
        if i % every == every // 2 and i // every < RARE_EVENTS:
            text += f" {RARE}"
        yield ("system" if i & 1 else "prompt"), text


def _fresh(path: str) -> None:
    floors.remove_db(path)


def write_v1(path: str, events: int, sessions: int) -> None:
    """A version-1 file (as sessiond wrote before version 2) of `events`
    realistic turns over `sessions` sessions, the last one live."""
    _fresh(path)
    SqliteStore(path, migrations=MIGRATIONS[:1]).close()
    per = max(1, events // sessions)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO sessions (id, ulid, started_at, ended_at, cli_version, event_count)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            (
                s,
                f"01BENCH{s:019d}",
                floors.BASE_MS + s * 3_600_000,
                None if s == sessions else floors.BASE_MS + s * 3_600_000 + per * 1000,
                "bench",
                per if s < sessions else events - per * (sessions - 1),
            )
            for s in range(1, sessions + 1)
        ),
    )

    def rows() -> Iterator[tuple[int, int, int, str, str, int]]:
        for i, (kind, text) in enumerate(texts(events)):
            s = min(sessions, i // per + 1)
            seq = i - (s - 1) * per + 1
            yield (i + 1, s, seq, kind, text, floors.BASE_MS + s * 3_600_000 + seq * 1000)

    conn.executemany(
        "INSERT INTO events (id, session_id, seq, kind, text, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        rows(),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def write_v1_fixed(path: str, events: int) -> None:
    """A version-1 file of one session holding `events` of `floors.TEXTS`,
    in the order the benchmark's appends use them (for bytes per event)."""
    _fresh(path)
    SqliteStore(path, migrations=MIGRATIONS[:1]).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute(
        "INSERT INTO sessions (id, ulid, started_at, cli_version, event_count)"
        " VALUES (1, '01BENCH0000000000000000001', ?, 'bench', ?)",
        (floors.BASE_MS, events),
    )
    conn.executemany(
        floors.APPEND_INSERT,
        (
            (1, i + 1, floors.KINDS[i & 1], floors.TEXTS[i & 63], floors.BASE_MS + i)
            for i in range(events)
        ),
    )
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def bytes_in_use(path: str) -> int:
    """The file's pages less its free list (a migrated file keeps the pages
    of its dropped v1 tables free until a VACUUM)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        pages, free, size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    finally:
        conn.close()
    return int((pages - free) * size)


def text_bytes(path: str) -> tuple[int, int]:
    """(events, bytes of text) in the file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        count, size = conn.execute(
            "SELECT count(*), sum(length(CAST(text AS BLOB))) FROM events"
        ).fetchone()
    finally:
        conn.close()
    return int(count), int(size or 0)


def file_bytes(path: str) -> int:
    return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
