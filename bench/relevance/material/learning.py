"""Learning questions: concepts explained, with the follow-up a person asks."""

# Typographic characters (dashes, curly quotes, the times sign) stay as people wrote them.
# ruff: noqa: RUF001

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Variant, family, written

LEARNING: list[Variant] = [
    {
        "key": "learn-rust-lifetimes",
        "title": "lifetimes finally",
        "turns": [
            "explain rust lifetimes like I know C++ but not rust. why does this not compile\n\n"
            "```rust\nfn longest(a: &str, b: &str) -> &str { if a.len() > b.len() { a } else { b "
            "} }\n```",
            """
            In C++ this would compile and could return a dangling reference if the caller
            freed one of the strings. Rust refuses to guess: the returned reference borrows
            from `a` or `b`, and the compiler must know *which borrow* the result is tied to,
            so it can check the caller doesn't drop that string while the result is alive.

            With two reference parameters there's no default, so you name it:

            ```rust
            fn longest<'a>(a: &'a str, b: &'a str) -> &'a str { … }
            ```

            `'a` reads as "the result lives no longer than both inputs". A lifetime annotation
            doesn't change how long anything lives; it's a constraint the borrow checker
            verifies at each call site.
            """,
            "so when do I NOT need to write them",
            """
            The elision rules cover most functions:

            1. each reference parameter gets its own lifetime;
            2. with exactly one input lifetime, the output gets it (`fn first(s: &str) ->
               &str`);
            3. in methods with `&self`, the output gets `self`'s lifetime.

            Only when those don't decide (two inputs, output reference, no `self`) must you
            write them. And structs holding references always need them: `struct Parser<'a>
            { input: &'a str }`.
            """,
        ],
        "q": [
            ("natural", "explain rust lifetimes for someone coming from c++"),
            ("title", "lifetimes finally"),
        ],
        "para": [],
    },
    {
        "key": "learn-python-asyncio",
        "turns": [
            "how does asyncio actually work? is it threads?",
            """
            No threads: one thread runs an **event loop**. Each `async def` function is a
            coroutine that runs until it hits an `await` on something not ready yet (a socket
            read, a sleep); then it yields control back to the loop, which runs another
            coroutine that *is* ready. When the socket has data, the loop resumes the first one
            where it left off.

            So it's cooperative multitasking: great for many slow I/O waits (10,000 open
            connections), useless for CPU work, because a coroutine computing for 2 seconds
            blocks every other one for 2 seconds.
            """,
            "so what happens if I call requests.get inside an async function",
            """
            It blocks the whole loop for the duration of the HTTP call, since `requests` isn't
            async: no other coroutine runs meanwhile. Use an async client (`httpx.AsyncClient`,
            `aiohttp`), or push the blocking call to a thread with `await
            asyncio.to_thread(requests.get, url)`.
            """,
        ],
        "q": [("natural", "is asyncio threads, how does the event loop work")],
        "para": [],
    },
    {
        "key": "learn-go-interfaces",
        "turns": [
            "go interfaces are 'implicit'? what does that mean in practice",
            """
            A type satisfies an interface just by having its methods; there's no `implements`
            keyword. If `*File` has `Read(p []byte) (int, error)`, it is an `io.Reader`,
            without the `os` package ever mentioning `io.Reader`.

            The practical consequence: interfaces are usually defined by the *consumer*, small,
            next to the code that needs them. Your package says "I need something with
            `Get(key string) ([]byte, error)`", and any cache, map or fake fits, including
            types written before your interface existed.
            """,
            "how do I make sure at compile time a type implements one",
            "A blank assignment: `var _ io.Reader = (*MyReader)(nil)`. It costs nothing at "
            "runtime and fails to compile if a method is missing.",
        ],
        "q": [("natural", "what does implicit interfaces mean in go")],
        "para": [],
    },
    {
        "key": "learn-cap-theorem",
        "turns": [
            "CAP theorem in plain words? and is postgres CP or AP",
            """
            When the network between your database nodes breaks (a **P**artition), each side
            must choose: keep answering (**A**vailability), possibly with stale or conflicting
            data, or refuse until the network is back, so nobody sees inconsistent data
            (**C**onsistency). You can't have both *during* a partition. When the network is
            fine, you can have both; CAP says nothing about that case (PACELC adds the
            latency-vs-consistency trade-off for it).

            A single PostgreSQL primary with replicas is usually run as CP-ish for writes (only
            the primary accepts them), while reads from async replicas may be stale. Not a
            clean label: it depends on how you configure replication and failover.
            """,
            "and cassandra?",
            "Cassandra is usually called AP: any replica accepts writes during a partition and "
            "conflicts are resolved later (last write wins). With `QUORUM` reads and writes you "
            "can push it towards consistency, per query.",
        ],
        "q": [("keywords", "CAP theorem partition postgres cassandra")],
        "para": [],
    },
    {
        "key": "learn-tls-handshake",
        "turns": [
            "what actually happens in a TLS handshake, roughly, TLS 1.3",
            """
            1. **ClientHello**: the client sends the versions and cipher suites it supports, a
               random value, and already a key share (an ephemeral Diffie-Hellman public key)
               for the group it guesses the server will pick.
            2. **ServerHello**: the server picks the suite, sends its own key share. Both sides
               now compute the same shared secret; everything after this is encrypted.
            3. The server sends its **certificate** and a **signature** over the handshake
               with the certificate's private key, proving it owns the certificate; the client
               checks the chain up to a trusted root and the host name.
            4. Both send **Finished** messages (a MAC over the whole handshake) and start
               sending data.

            One round trip in total, versus two in TLS 1.2.
            """,
            "where does forward secrecy come in",
            "The Diffie-Hellman keys in step 1–2 are ephemeral, thrown away after the "
            "handshake. Someone who records the traffic and later steals the server's "
            "certificate key still can't compute the session keys. TLS 1.3 only allows such "
            "key exchanges.",
        ],
        "q": [("natural", "what happens during a tls 1.3 handshake")],
        "para": [],
    },
    {
        "key": "learn-process-vs-thread",
        "turns": [
            "difference between a process and a thread? and why does python have both "
            "multiprocessing and threading",
            """
            A process has its own memory space; threads live inside a process and share its
            memory. Threads are cheaper to create and can share data directly (which is also
            why they need locks); processes are isolated (a crash or memory corruption in one
            doesn't affect the other) and communicate through pipes, sockets or shared memory.

            In CPython, the GIL lets only one thread run Python bytecode at a time. Threads
            still help for I/O (the GIL is released while waiting), but CPU-bound Python code
            doesn't get faster with threads. `multiprocessing` uses separate processes, each
            with its own GIL, to use several cores.
            """,
            "i heard the GIL is going away",
            "Python 3.13 has an optional free-threaded build (PEP 703) without the GIL; 3.14 "
            "makes it officially supported, still not the default. C extensions must declare "
            "they're safe for it.",
        ],
        "q": [("natural", "difference between a process and a thread and the gil")],
        "para": [],
    },
    {
        "key": "learn-dict-big-o",
        "turns": [
            "why is `x in list` slow and `x in set` fast in python",
            """
            `x in list` compares `x` with each element until it finds it: O(n). A `set` (and a
            `dict`) is a hash table: it computes `hash(x)`, jumps to that slot, and compares
            only the few items there: O(1) on average.

            So in a loop, `for item in items: if item in seen` is O(n²) with a list and O(n)
            with a set. That's the classic 10-minute script that becomes 1 second.
            """,
            "why can't lists be hashed then? I tried a set of lists",
            "A hash must never change while the object is in the set, and a list can be "
            "modified in place, which would put it in the wrong slot. Use tuples (immutable) "
            "as set members or dict keys.",
        ],
        "q": [("natural", "why is checking membership in a list slower than in a set")],
        "para": [],
    },
    {
        "key": "learn-react-hooks-rules",
        "turns": [
            "why can't I call useState inside an if",
            """
            React doesn't know hooks by name; it knows them by **call order**. On each render
            it walks a list: the first `useState` call gets slot 1, the second slot 2, and so
            on. If a hook is skipped on some render because of an `if`, every later hook reads
            the wrong slot, and the state of one gets mixed up with another.

            So hooks go at the top level of the component, always in the same order. Put the
            condition inside the hook instead (`useEffect(() => { if (open) … }, [open])`), or
            split the conditional part into its own component.
            """,
            "and early return before a hook? same problem?",
            "Same problem: a `return` above a hook means that hook isn't called on that render. "
            "The `react-hooks/rules-of-hooks` ESLint rule catches both cases.",
        ],
        "q": [("natural", "why can't hooks be called inside an if statement")],
        "para": [],
    },
    {
        "key": "learn-sql-joins",
        "turns": [
            "left join vs inner join, and why did my left join turn into an inner join when I "
            "added a where clause",
            """
            `INNER JOIN` keeps only rows with a match on both sides. `LEFT JOIN` keeps every
            row of the left table; where there's no match, the right side's columns are NULL.

            Your `WHERE` is the surprise: `WHERE orders.status = 'paid'` runs after the join,
            and for customers without orders `orders.status` is NULL, which isn't `'paid'`, so
            those rows are removed. Put the condition in the `ON` clause to filter only what is
            joined:

            ```sql
            SELECT c.name, count(o.id)
            FROM customers c
            LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'paid'
            GROUP BY c.name;
            ```
            """,
            "oh wow. that explains a report bug we had",
            "oh wow. that explains a report bug we had",
            "It's one of the most common SQL report bugs. A quick check: if a `LEFT JOIN` "
            "query's `WHERE` mentions a column of the right-hand table without `IS NULL`, it "
            "probably behaves like an inner join.",
        ],
        "q": [("natural", "left join turned into an inner join after adding a where clause")],
        "para": [],
    },
    {
        "key": "learn-docker-vs-vm",
        "turns": [
            "container vs VM, what's really the difference",
            """
            A VM emulates a whole machine: it runs its own kernel on virtual hardware, managed
            by a hypervisor. A container is just a process (or a few) on the host's kernel,
            isolated with kernel features: namespaces (its own view of processes, network,
            file system) and cgroups (limits on CPU and memory).

            So containers start in milliseconds and share the host's kernel; VMs take seconds
            but isolate more strongly, since a kernel bug in a container can affect the host.
            """,
            "then how does docker run linux containers on my mac",
            "It doesn't, directly: Docker Desktop runs a small Linux VM and the containers run "
            "inside it. That's also why bind-mounted folders are slower on macOS.",
        ],
        "q": [("keywords", "container vs vm namespaces cgroups kernel")],
        "para": [],
    },
    {
        "key": "learn-monad",
        "turns": [
            "ok what is a monad, no category theory please",
            """
            A pattern for chaining steps where each step returns a value *in a context*, and
            the chaining takes care of the context for you.

            You already know some: `Optional`/`Maybe` (the context is "might be missing"; the
            chain stops at the first missing value), promises (the context is "not yet
            available"; `.then` chains), lists (the context is "several values"; `flatMap`
            chains). A monad is anything with a way to wrap a plain value (`Promise.resolve`)
            and a way to chain (`then`/`flatMap`/`bind`) that follows a few sensible rules.
            """,
            "so Promise.then is bind?",
            "Close enough: `then` with a callback that returns a promise is bind; JavaScript "
            "also flattens automatically when the callback returns a plain value, which a "
            "strict monad wouldn't.",
        ],
        "q": [("natural", "what is a monad without category theory")],
        "para": [],
    },
    {
        "key": "learn-rebase-vs-merge",
        "turns": [
            "rebase vs merge, when do I use which",
            """
            Both integrate changes from one branch into another; they differ in history.

            - **merge** keeps history as it happened and adds a merge commit. Nothing is
              rewritten, so it's always safe on shared branches.
            - **rebase** replays your commits on top of the other branch, as if you had
              started from there: a straight line, but new commit ids.

            A common rule: rebase your own local branch on `main` to stay current, merge (or
            squash-merge) into `main`. Never rebase commits others have already pulled.
            """,
            "what's the problem with rebasing pulled commits",
            "Your rebased commits are new commits with new ids; the old ones are still in your "
            "colleagues' clones, so the next pull merges both versions and you get every change "
            "twice, with conflicts against yourself.",
        ],
        "q": [("natural", "when should i use rebase instead of merge")],
        "para": [],
    },
    {
        "key": "learn-js-closures",
        "turns": [
            "why does this print 3 3 3\n\n```js\nfor (var i = 0; i < 3; i++) setTimeout(() => "
            "console.log(i))\n```",
            """
            `var` is function-scoped: there is one `i` for the whole loop, and the three
            arrow functions all close over that same variable. By the time the timeouts run,
            the loop is over and `i` is 3.

            With `let`, each iteration gets a new binding, so each closure captures its own
            `i`: 0 1 2. That's the whole reason `let` was added.
            """,
            "is this the same thing as the go loop var change?",
            "Exactly the same problem and the same fix: Go 1.22 made each iteration's loop "
            "variable a new one, like `let` does.",
        ],
        "q": [("keywords", "var let closure setTimeout prints 3 3 3")],
        "para": [],
    },
    {
        "key": "learn-btree-index",
        "turns": [
            "how does a database index actually make a query faster",
            """
            The usual index is a B-tree: a sorted, balanced tree of the column's values, each
            leaf pointing to the rows. Finding a value means walking from the root to a leaf,
            3 or 4 page reads even for millions of rows, instead of reading the whole table.

            Because it's sorted, it also serves ranges (`created_at > …`) and `ORDER BY`, and
            a multi-column index `(a, b)` works for queries on `a`, or `a` and `b`, but not on
            `b` alone, like a phone book sorted by last name then first name.
            """,
            "why not index every column then",
            "Each index must be updated on every insert and update, takes disk and memory, and "
            "gives the planner more to consider. Index what your queries filter and sort on.",
        ],
        "q": [("natural", "how does a b-tree index make a query faster")],
        "para": [],
    },
    {
        "key": "learn-utf8",
        "turns": [
            "unicode vs utf-8, is it the same?",
            """
            No. Unicode is the catalogue: every character gets a number (a code point), like
            U+00E9 for é or U+1F600 for 😀. UTF-8 is one way to write those numbers as bytes:
            1 byte for ASCII, 2 to 4 for the rest. UTF-16 and UTF-32 are other encodings of
            the same code points.

            UTF-8 won on the web because ASCII text is unchanged in it and it has no byte
            order issues.
            """,
            "so why does 'é'.length give 2 sometimes in JS",
            "JavaScript strings count UTF-16 code units, and é can be one code point (U+00E9) "
            "or two (e + U+0301, the combining accent). `'é'.normalize('NFC')` makes it one. "
            "Emoji outside the BMP also take two units.",
        ],
        "q": [("natural", "is unicode the same as utf-8")],
        "para": [],
    },
    {
        "key": "learn-idempotency",
        "turns": [
            "what does idempotent mean for an http api? PUT vs POST",
            """
            An operation is idempotent if doing it twice has the same effect as doing it once.
            `PUT /users/7 {name: "Ann"}` sets the name; repeating it changes nothing more.
            `POST /payments` creates a payment each time: not idempotent.

            It matters for retries: a client that timed out doesn't know whether the request
            arrived. Retrying a `PUT` is safe; retrying a `POST` may duplicate it, unless the
            API accepts an idempotency key, so the server can recognise the retry.
            """,
            "and DELETE?",
            "Idempotent too: the resource is gone after the first call and stays gone; the "
            "second call may answer 404 instead of 204, but the state is the same.",
        ],
        "q": [("natural", "what does idempotent mean for PUT vs POST")],
        "para": [],
    },
    {
        "key": "learn-oauth-pkce",
        "turns": [
            "why do mobile apps need PKCE with oauth, isn't the redirect enough",
            """
            On mobile, the redirect back to the app goes through a custom URL scheme
            (`myapp://callback`), and another app on the phone can register the same scheme
            and receive the authorization code. Without PKCE, that code is all it takes to get
            tokens, since a mobile app can't keep a client secret.

            PKCE: the app makes a random `code_verifier`, sends only its hash
            (`code_challenge`) with the login request, and must show the original verifier
            when exchanging the code. A stolen code is useless without it.
            """,
            "do web apps with a backend need it",
            "OAuth 2.1 recommends it for all clients; for a confidential client with a secret "
            "it protects against code injection attacks, so use it everywhere.",
        ],
        "q": [("keywords", "PKCE code_verifier mobile oauth")],
        "para": [],
    },
    {
        "key": "learn-kafka-partitions",
        "turns": [
            "kafka partitions and consumer groups, how do they relate",
            """
            A topic is split into partitions; each partition is an ordered log. In a consumer
            group, each partition is read by exactly one consumer of the group at a time, so
            the group's parallelism is at most the number of partitions: 12 partitions and 20
            consumers means 8 consumers idle.

            Order is only guaranteed within a partition, so messages that must stay in order
            (all events of one order id) need the same key, which maps them to the same
            partition.
            """,
            "can I add partitions later",
            "Yes, but existing keys may then map to a different partition (the key's hash is "
            "taken modulo the count), so ordering per key breaks at that moment. Plan the count "
            "up front with some headroom.",
        ],
        "q": [("natural", "how do kafka partitions relate to consumer groups")],
        "para": [],
    },
    {
        "key": "learn-git-internals",
        "turns": [
            "what is actually inside .git, like what's a commit on disk",
            """
            Mostly a content-addressed object store: every object is named by the hash of its
            content.

            - a **blob** is a file's content;
            - a **tree** is a folder: names pointing to blobs and other trees;
            - a **commit** points to one tree (the snapshot), its parent commit(s), and has the
              author and message.

            Branches are tiny files in `.git/refs/heads/` containing a commit hash; `HEAD`
            says which branch you're on. `git cat-file -p HEAD` shows a commit's content.
            """,
            "so a commit is a snapshot not a diff?",
            "Yes, a full snapshot; diffs are computed when you ask. Storage stays small because "
            "unchanged files reuse the same blobs, and pack files compress similar objects "
            "as deltas.",
        ],
        "q": [("natural", "what is inside the .git folder, is a commit a snapshot or a diff")],
        "para": [],
    },
    {
        "key": "learn-floats",
        "turns": [
            "why is 0.1 + 0.2 != 0.3",
            """
            Floats are binary fractions, and 0.1 has no exact binary representation, just as
            1/3 has none in decimal (0.333…). So 0.1 is stored as the nearest double,
            0.1000000000000000055…, same for 0.2, and their sum lands on the double just above
            0.3: `0.30000000000000004`.

            Compare with a tolerance (`math.isclose(a, b)`), and use decimal types for money.
            """,
            "does every language do this",
            "Every language using IEEE 754 doubles, which is nearly all of them: JavaScript, "
            "Python, Java, Go, C. Some offer decimal types (Python's `decimal`, Java's "
            "`BigDecimal`) for exact base-10 arithmetic.",
        ],
        "q": [("natural", "why is 0.1 plus 0.2 not 0.3")],
        "para": [],
    },
]

for v in LEARNING:
    v["chat"] = True

family("learning", LEARNING, CHATS)(written)
