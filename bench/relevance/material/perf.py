"""Performance: queries, memory, profiles, caches, the browser."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

PERF: list[Variant] = [
    {
        "key": "django-n-plus-one",
        "repo": "legacy-crm",
        "title": "deals admin slow",
        "turns": [
            "the Deals page in django admin takes 8 seconds to load. 100 rows per page",
            (
                "$",
                'python manage.py shell -c "from django.db import connection, reset_queries; '
                "from django.test import Client; from django.conf import settings; "
                "settings.DEBUG=True; "
                "c=Client(); c.force_login(__import__('crm').models.User.objects.get(pk=1)); "
                "c.get('/admin/crm/deal/'); print(len(connection.queries))\"",
                "412",
            ),
            """
            412 queries for one page: the classic N+1. `list_display` shows `owner`, `company`
            and `stage_name`, and each one is a foreign key Django fetches row by row. Tell the
            admin to join them:

            ```python
            @admin.register(Deal)
            class DealAdmin(admin.ModelAdmin):
                list_display = ["title", "company", "owner", "stage_name", "amount"]
                list_select_related = ["company", "owner", "stage"]
            ```

            `stage_name` is a method that reads `self.stage.name`; with `stage` selected it no
            longer queries.
            """,
            ("$", 'python manage.py shell -c "…same as before…"', "6"),
            "6 queries now, page loads in 300 ms. Want a test that fails if this creeps back?",
            "yes, assertNumQueries",
            """
            ```python
            def test_deal_changelist_queries(admin_client, deals_factory):
                deals_factory.create_batch(50)
                with CaptureQueriesContext(connection) as ctx:
                    admin_client.get("/admin/crm/deal/")
                assert len(ctx) <= 8
            ```
            """,
        ],
        "msg": "admin: select related on the deals list (412 queries -> 6)",
        "q": [
            ("natural", "why was the deals admin page so slow"),
            ("keywords", "list_select_related N+1 412 queries"),
        ],
        "para": [],
    },
    {
        "key": "node-memory-leak-listeners",
        "repo": "notifier",
        "title": "notifier memory leak",
        "turns": [
            "notifier's memory grows ~50MB/hour until it gets OOM killed every night. also "
            "seeing MaxListenersExceededWarning in logs",
            """
            The warning is a good lead: something adds an event listener on every request and
            never removes it. Each listener keeps its closure (and the request objects it
            captured) alive. Let me look for `.on(` in the request path.
            """,
            (
                "$",
                'grep -rn "\\.on(" src/ | grep -v test',
                "src/queue.ts:18:  redis.on('error', logError)\n"
                "src/routes/send.ts:41:    queue.on('completed', (job) => {",
            ),
            (
                "$",
                "sed -n 35,52p src/routes/send.ts",
                "router.post('/send', async (req, res) => {\n  const job = await "
                "queue.add('email', req.body)\n"
                "    queue.on('completed', (job) => {\n      if (job.id === jobId) res.json({ id: "
                "job.id })\n"
                "    })\n})",
            ),
            """
            There it is: every `POST /send` adds a `completed` listener on the shared `queue`
            and never removes it. After a day there are tens of thousands, each holding a
            `res`. Wait for this one job instead:

            ```ts
            router.post('/send', async (req, res) => {
              const job = await queue.add('email', req.body)
              const result = await job.waitUntilFinished(queueEvents, 30_000)
              res.json({ id: job.id, result })
            })
            ```
            """,
            "how do I verify it's fixed without waiting a night",
            """
            Load it locally and compare heap snapshots: `node --inspect dist/server.js`, send
            10k requests with `autocannon -c 20 -a 10000 -m POST localhost:3000/send`, take a
            heap snapshot in Chrome DevTools before and after. With the leak the `Closure`
            count grows by ~10k; after the fix it stays flat.
            """,
            (
                "$",
                "node scripts/leakcheck.mjs",
                "before: heapUsed=38.2MB listeners(completed)=1\nafter 10000 requests: "
                "heapUsed=41.0MB listeners(completed)=1",
            ),
        ],
        "msg": "send: wait for the job instead of adding a listener per request",
        "q": [
            ("natural", "what was causing the memory leak in the notifier service"),
            ("keywords", "MaxListenersExceededWarning heap snapshot"),
        ],
        "para": [],
    },
    {
        "key": "pandas-apply-vectorize",
        "repo": "data-notebooks",
        "chat": True,
        "turns": [
            "this takes 3 minutes on 2M rows, how to make it faster\n\n```python\n"
            "df['margin'] = df.apply(lambda r: (r.price - r.cost) / r.price if r.price else 0, "
            "axis=1)\n```",
            """
            `apply(axis=1)` calls a Python function per row, so 2M Python calls. Use column
            arithmetic, which runs in NumPy:

            ```python
            df["margin"] = ((df["price"] - df["cost"]) / df["price"]).where(df["price"] != 0, 0)
            ```

            Same result, typically 100 to 500 times faster. The `.where` replaces the
            `if r.price else 0` (division by zero gives `inf`/`NaN` first, then it's replaced).
            """,
            "0.4 seconds. wow. any rule of thumb?",
            "If you write `axis=1` in `apply`, look for a vectorized way first: arithmetic on "
            "columns, `np.where`/`np.select` for conditions, `.str` and `.dt` accessors for "
            "strings and dates.",
        ],
        "q": [("natural", "how do I make pandas apply with axis=1 faster")],
        "para": [],
    },
    {
        "key": "py-spy-profile",
        "repo": "ingest-worker",
        "turns": [
            "one celery task (normalize_batch) went from 2s to 25s per batch after last week's "
            "release. how do I profile it in the running worker",
            """
            `py-spy` can attach to the running process without restarting it and without code
            changes:

            ```bash
            py-spy record --pid $(pgrep -f 'celery.*worker' | head -1) --duration 60 -o profile.svg
            ```

            Then open the flame graph.
            """,
            (
                "$",
                "py-spy top --pid 31877 --nonblocking | head -8",
                "  %Own   %Total  OwnTime  TotalTime  Function (filename)\n"
                " 71.00%  71.00%   42.6s     42.6s   _compile (re/__init__.py)\n"
                "  9.00%  83.00%    5.4s     49.8s   normalize_address (ingest/normalize.py)\n"
                "  6.00%   6.00%    3.6s      3.6s   unicodedata.normalize",
            ),
            """
            71% of the time in `re._compile`: `normalize_address` calls `re.sub(pattern, …)`
            with patterns built from the country config on each call, and there are more than
            512 distinct patterns now, which overflows `re`'s internal cache, so each one is
            recompiled every time. Last week's release added the 300 Italian street-type
            patterns. Compile them once per country:

            ```python
            @functools.cache
            def address_patterns(country: str) -> list[tuple[re.Pattern[str], str]]:
                return [(re.compile(p, re.I), repl) for p, repl in RULES[country]]
            ```
            """,
            ("$", "python -m ingest.bench normalize_batch --rows 5000", "normalize_batch: 1.71s"),
            "1.7 s per batch again.",
        ],
        "msg": "normalize: compile address patterns once per country",
        "q": [
            ("natural", "how did we profile the slow normalize_batch celery task"),
            ("keywords", "py-spy re._compile cache 512"),
        ],
        "para": [],
    },
    {
        "key": "redis-cache-stampede",
        "repo": "billing-api",
        "turns": [
            "the /stats/revenue endpoint is slow (1.5s) and called by every dashboard tab "
            "every 30s. redis cache?",
            """
            Yes, a short TTL cache fits: the numbers can be a minute old. One thing to get
            right is the stampede: when the key expires, every concurrent request misses at
            once and runs the 1.5 s query together. A lock so only one recomputes:

            ```python
            async def revenue_stats(org_id: int) -> Variant:
                key = f"stats:revenue:{org_id}"
                if (hit := await redis.get(key)) is not None:
                    return json.loads(hit)
                async with redis.lock(f"{key}:lock", timeout=10, blocking_timeout=5):
                    if (hit := await redis.get(key)) is not None:
                        return json.loads(hit)
                    value = await compute_revenue_stats(org_id)
                    await redis.set(key, json.dumps(value), ex=60)
                    return value
            ```
            """,
            "does the lock add latency for everyone?",
            "Only on a miss, for the requests that arrive during the one recomputation; they "
            "wait for it instead of running the same query. Hits are one `GET`.",
            (
                "$",
                "k6 run scripts/stats-load.js | grep http_req_duration",
                "     http_req_duration..............: avg=4.1ms min=1.2ms med=2.3ms max=1.61s "
                "p(95)=3.9ms",
            ),
        ],
        "msg": "stats: cache revenue stats for 60s, one recomputation at a time",
        "q": [("keywords", "redis cache stampede lock revenue stats")],
        "para": [],
    },
    {
        "key": "react-rerender-memo",
        "repo": "web-dashboard",
        "turns": [
            "typing in the filter box on the invoices table is laggy, like 200ms per key",
            """
            Let me check with the React profiler what re-renders per keystroke.
            """,
            (
                "$",
                "pnpm exec playwright test e2e/profile-filter.spec.ts --reporter=line",
                "render counts per keystroke: InvoiceTable=1 InvoiceRow=500 StatusBadge=500 "
                "(commit 184ms)",
            ),
            """
            All 500 rows re-render on each keystroke. `InvoiceTable` passes
            `onSelect={(id) => setSelected(id)}`, a new function on every render, so even if
            `InvoiceRow` were memoized its props change every time. And the filter runs on the
            full list inside render.

            ```tsx
            const onSelect = useCallback((id: string) => setSelected(id), [])
            const visible = useMemo(
              () => invoices.filter(i => matches(i, deferredQuery)), [invoices, deferredQuery])
            ```

            with `const deferredQuery = useDeferredValue(query)` so typing stays responsive
            while the list updates, and `InvoiceRow` wrapped in `memo`.
            """,
            (
                "$",
                "pnpm exec playwright test e2e/profile-filter.spec.ts --reporter=line",
                "render counts per keystroke: InvoiceTable=1 InvoiceRow=0 StatusBadge=0 (commit "
                "6ms)",
            ),
        ],
        "msg": "invoices: memoized rows, deferred filter",
        "q": [
            ("natural", "typing in the invoices filter was laggy"),
            ("keywords", "useDeferredValue memo useCallback rows rerender"),
        ],
        "para": [],
    },
    {
        "key": "go-pprof-json",
        "repo": "zanzibar",
        "turns": [
            "check endpoint p99 jumped to 40ms under load. can you get a cpu profile",
            (
                "$",
                "go tool pprof -top -nodecount=6 "
                "http://localhost:6060/debug/pprof/profile?seconds=20",
                "Showing nodes accounting for 6.12s, 68.2% of 8.97s total\n"
                "      flat  flat%   sum%        cum   cum%\n"
                "     2.31s 25.75% 25.75%      3.90s 43.48%  "
                "encoding/json.(*encodeState).reflectValue\n"
                "     1.02s 11.37% 37.12%      1.02s 11.37%  runtime.mallocgc\n"
                "     0.88s  9.81% 46.93%      0.88s  9.81%  regexp.(*Regexp).doOnePass",
            ),
            """
            43% of CPU in `encoding/json`, reflecting on the response, and the allocations that
            come with it. The check response embeds the whole `Decision` with its debug `Trace`
            tree, which is serialized on every call even though clients only read
            `allowed`. And the regexp shows up because `validateObjectID` compiles its pattern
            per call.

            1. return `{"allowed": bool}` unless `?trace=1` is asked;
            2. hoist the regexp to a package-level `var objectID = regexp.MustCompile(…)`.
            """,
            "do both",
            (
                "$",
                "go test -run=^$ -bench=BenchmarkCheck -benchmem ./internal/api/",
                "BenchmarkCheck-8   \t  412311\t      2861 ns/op\t     544 B/op\t       7 "
                "allocs/op",
            ),
            "From 19 µs and 61 allocations per check to 2.9 µs and 7 in the benchmark.",
        ],
        "msg": "check: small response unless traced, compile the id pattern once",
        "q": [("keywords", "pprof encoding/json reflectValue check endpoint")],
        "para": [],
    },
    {
        "key": "rust-regex-in-loop",
        "repo": "tidy",
        "turns": [
            "`tidy --check` on a repo with 50k files takes 9s, ripgrep goes through it in 0.3. "
            "where's the time going",
            (
                "$",
                "cargo flamegraph --bin tidy -- --check ~/src/linux > /dev/null 2>&1; "
                "grep -o 'regex::[a-z_:]*' flamegraph.svg | sort | uniq -c | sort -rn | head -3",
                "   1822 regex::builders::Builder::build_one_string\n"
                "    910 regex::regex::string::Regex::new",
            ),
            """
            `Regex::new` per file: the trailing-whitespace rule builds its regex inside
            `check_file`, so 50k compilations. Compile once with `LazyLock` (std since Rust
            1.80):

            ```rust
            static TRAILING_WS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[ \\t]+$").unwrap());
            ```
            """,
            (
                "$",
                "hyperfine -w 2 'target/release/tidy --check ~/src/linux'",
                "  Time (mean ± σ):     612.4 ms ±  11.0 ms",
            ),
            "9 s → 0.6 s.",
        ],
        "msg": "rules: compile the trailing whitespace regex once",
        "q": [("keywords", "flamegraph Regex::new LazyLock tidy")],
        "para": [],
    },
    {
        "key": "lighthouse-lcp-image",
        "repo": "blog",
        "chat": True,
        "turns": [
            "lighthouse gives the blog home page LCP 4.1s on mobile. it's a static hugo site, "
            "how is that even slow",
            """
            Static doesn't mean light: the LCP element is almost certainly the hero image.
            Typical causes on Hugo sites:

            - a 2–3 MB JPEG at full resolution: use Hugo's image processing to make WebP at the
              sizes you need, with `srcset`;
            - `loading="lazy"` on the hero: never lazy-load the LCP image, give it
              `fetchpriority="high"` instead;
            - a web font blocking text render: `font-display: swap`.
            """,
            (
                "paste",
                "hero partial is this",
                """
                <img src="{{ .Params.cover }}" loading="lazy" class="hero">
                """,
            ),
            """
            Both problems at once: the original file, lazy-loaded. With Hugo's pipes:

            ```go-html-template
            {{ with resources.Get .Params.cover }}
              {{ $small := .Resize "800x webp q75" }}
              {{ $large := .Resize "1600x webp q75" }}
              <img src="{{ $small.RelPermalink }}"
                   srcset="{{ $small.RelPermalink }} 800w, {{ $large.RelPermalink }} 1600w"
                   sizes="100vw" fetchpriority="high" width="{{ $small.Width }}"
                   height="{{ $small.Height }}" class="hero" alt="">
            {{ end }}
            ```
            """,
            "LCP 1.2s now 🎉",
        ],
        "q": [("natural", "blog home page lcp was slow on mobile because of the hero image")],
        "para": [],
    },
    {
        "key": "bundle-lodash",
        "repo": "web-dashboard",
        "turns": [
            "main bundle is 1.4MB gzipped, can you see what's big",
            (
                "$",
                "pnpm vite-bundle-visualizer --template list | head -6",
                "node_modules/moment/locale (412 KB)\nnode_modules/lodash/lodash.js (531 KB)\n"
                "node_modules/@mui/icons-material (298 KB)\nsrc/api/schema.ts (201 KB)",
            ),
            """
            The top three are all avoidable:

            - `moment` with all its locales: you use it in 4 places for formatting; `date-fns`
              or `Intl.DateTimeFormat` replace it;
            - `lodash.js` whole: `import _ from 'lodash'` pulls everything, use `lodash-es`
              with named imports so it tree-shakes;
            - `@mui/icons-material` through a barrel import in `icons.ts`; import each icon from
              its own path.
            """,
            "start with lodash and icons, moment later",
            (
                "$",
                "pnpm build 2>&1 | grep -E 'index-.*\\.js'",
                "dist/assets/index-C9x1f2.js   2,210.11 kB │ gzip: 642.30 kB",
            ),
            "1.4 MB → 642 KB gzipped with lodash-es and direct icon imports.",
        ],
        "msg": "bundle: lodash-es and per-icon imports",
        "q": [("natural", "what made the dashboard bundle so big")],
        "para": [],
    },
]

family("perf", PERF)(written)
