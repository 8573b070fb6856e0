"""Feature work with an agent: the long sessions. A request, a look around,
a plan, edits, a test that fails first, the fix, a tweak, the commit and
often a pull request. One template; each variant is its own feature."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Chat, Variant, family

FEATURES: list[Variant] = [
    {
        "key": "feat-invoices-csv-export",
        "repo": "billing-api",
        "title": "CSV export for invoices",
        "ask": "accounting wants to download invoices as CSV from the API. add GET "
        "/invoices/export.csv, same filters as the list endpoint",
        "look": "grep -n 'def list_invoices' -A 20 billing/routes/invoices.py",
        "look_out": '@router.get("/invoices")\nasync def list_invoices(filters: InvoiceFilters = '
        "Depends(), db: AsyncSession = Depends(get_db)):\n    rows = await invoice_query(db, "
        "filters)",
        "file": "billing/routes/invoices.py",
        "body": """
            @router.get("/invoices")
            async def list_invoices(filters: InvoiceFilters = Depends(), db=Depends(get_db)):
                rows = await invoice_query(db, filters)
                return [InvoiceOut.model_validate(r) for r in rows]
            """,
        "plan": """
            Plan:

            1. a new route `GET /invoices/export.csv` reusing `InvoiceFilters` and
               `invoice_query`, so the filters behave exactly like the list;
            2. a `StreamingResponse` that writes rows as they come (exports of big customers
               are 100k+ rows, no need to hold them in memory);
            3. columns: number, customer, issue date, due date, currency, net, tax, total,
               status; amounts as plain decimals with a dot, dates ISO;
            4. a test for the header and one row.
            """,
        "old": """
            @router.get("/invoices")""",
        "new": """
            @router.get("/invoices/export.csv")
            async def export_invoices(filters: InvoiceFilters = Depends(), db=Depends(get_db)):
                async def rows():
                    out = io.StringIO()
                    writer = csv.writer(out)
                    writer.writerow(CSV_COLUMNS)
                    async for inv in stream_invoices(db, filters):
                        writer.writerow(csv_row(inv))
                        yield out.getvalue()
                        out.seek(0)
                        out.truncate()
                headers = {"Content-Disposition": 'attachment; filename="invoices.csv"'}
                return StreamingResponse(rows(), media_type="text/csv", headers=headers)


            @router.get("/invoices")""",
        "test_file": "tests/test_invoice_export.py",
        "test": """
            async def test_export_has_header_and_rows(client, invoice_factory):
                await invoice_factory(number="INV-0001", total=Decimal("119.00"))
                r = await client.get("/invoices/export.csv")
                assert r.status_code == 200
                lines = r.text.splitlines()
                assert lines[0] == "number,customer,issue_date,due_date,currency,net,tax,total,status"
                assert lines[1].startswith("INV-0001,")
            """,
        "fail_cmd": "pytest -q tests/test_invoice_export.py",
        "fail": "FAILED tests/test_invoice_export.py::test_export_has_header_and_rows - assert "
        "405 == 200",
        "why": """
            405: the request was routed to `GET /invoices/{invoice_id}` (declared earlier in
            the file, with `invoice_id` a string), not to the export route, because FastAPI
            matches routes in declaration order and `export.csv` is a valid `invoice_id`. The
            export route has to be declared before the `{invoice_id}` route.
            """,
        "fix_file": "billing/routes/invoices.py",
        "fix_old": """
            @router.get("/invoices/{invoice_id}")""",
        "fix_new": """
            # /invoices/export.csv is declared above: routes match in order.
            @router.get("/invoices/{invoice_id}")""",
        "tweak": "can excel open it without mangling the umlauts in customer names?",
        "tweak_answer": """
            Excel on Windows assumes the local ANSI code page for CSV unless the file starts
            with a UTF-8 byte order mark. I write `\\ufeff` before the header; other tools
            ignore it. Also switched the delimiter to `;` when `?excel=1` is given, since the
            German Excel expects semicolons.
            """,
        "msg": "invoices: CSV export with the list's filters",
        "pr": "Invoices CSV export",
        "q": [
            ("natural", "where did we add the csv export of invoices for accounting"),
            ("spread", "accounting csv download umlauts excel"),
            ("keywords", "StreamingResponse csv excel BOM"),
        ],
        "para": [],
    },
    {
        "key": "feat-login-rate-limit",
        "repo": "billing-api",
        "ask": "we're seeing credential stuffing on /auth/login. add rate limiting per IP "
        "and per account",
        "look": "grep -rn 'redis' billing/ | head -5",
        "look_out": "billing/cache.py:4:redis = Redis.from_url(settings.REDIS_URL)\n"
        "billing/stats.py:12:from billing.cache import redis",
        "file": "billing/routes/auth.py",
        "body": """
            @router.post("/auth/login")
            async def login(body: LoginIn, request: Request, db=Depends(get_db)):
                user = await authenticate(db, body.email, body.password)
                if user is None:
                    raise HTTPException(401, "wrong email or password")
                return issue_tokens(user)
            """,
        "plan": """
            A fixed-window counter in Redis (already used for the stats cache), two limits:

            - per IP: 20 attempts per 5 minutes;
            - per account (email, lowercased): 5 *failed* attempts per 15 minutes, so an
              attacker spreading over many IPs still hits a wall.

            Over the limit: `429` with `Retry-After`. The counters use `INCR` + `EXPIRE` in one
            pipeline.
            """,
        "old": """
                user = await authenticate(db, body.email, body.password)""",
        "new": """
                ip = request.client.host if request.client else "unknown"
                await limits.hit(f"login:ip:{ip}", limit=20, window=300)
                await limits.check(f"login:fail:{body.email.lower()}", limit=5, window=900)
                user = await authenticate(db, body.email, body.password)
                if user is None:
                    await limits.hit(f"login:fail:{body.email.lower()}", limit=5, window=900)""",
        "test_file": "tests/test_login_limits.py",
        "test": """
            async def test_sixth_failed_login_is_429(client, user):
                for _ in range(5):
                    r = await client.post("/auth/login", json={"email": user.email, "password": "x"})
                    assert r.status_code == 401
                r = await client.post("/auth/login", json={"email": user.email, "password": "x"})
                assert r.status_code == 429
                assert int(r.headers["Retry-After"]) > 0
            """,
        "fail_cmd": "pytest -q tests/test_login_limits.py",
        "fail": "E   redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. "
        "Connection refused.",
        "why": """
            The test environment has no Redis; the other tests never touched it because the
            stats cache is disabled there. Rather than requiring Redis for unit tests, the
            limiter takes its store as a dependency, and the test app overrides it with
            `fakeredis`, which speaks the same commands.
            """,
        "fix_file": "tests/conftest.py",
        "fix_old": """
            app.dependency_overrides[get_db] = lambda: session""",
        "fix_new": """
            app.dependency_overrides[get_db] = lambda: session
            app.dependency_overrides[get_redis] = lambda: fakeredis.aioredis.FakeRedis()""",
        "tweak": "make sure a successful login resets the per-account counter",
        "tweak_answer": "Done: after a successful `authenticate`, `DEL login:fail:<email>`. "
        "Added a test: 4 failures, a success, then 4 more failures are still allowed.",
        "msg": "auth: rate limit logins per IP and per account",
        "pr": "Rate limit /auth/login",
        "q": [
            ("natural", "how did we add rate limiting to the login endpoint"),
            ("keywords", "credential stuffing 429 Retry-After fakeredis"),
        ],
        "para": [],
    },
    {
        "key": "feat-dark-mode",
        "repo": "web-dashboard",
        "title": "dark mode",
        "ask": "add a dark mode toggle to the dashboard. follow the OS setting by default",
        "look": "ls src/styles && grep -c 'color:' src/styles/*.css",
        "look_out": "base.css\ntheme.css\nsrc/styles/base.css:212\nsrc/styles/theme.css:38",
        "file": "src/styles/theme.css",
        "body": """
            :root {
              --bg: #ffffff;
              --fg: #1d2330;
              --muted: #6b7385;
              --accent: #3b5bdb;
            }
            """,
        "plan": """
            `theme.css` already has CSS variables for the main colors, but `base.css` has 212
            hard-coded colors. Plan:

            1. replace the hard-coded colors in `base.css` with the variables (adding the few
               missing ones);
            2. a `[data-theme="dark"]` block with the dark values;
            3. a `useTheme` hook: `system` (default, follows `prefers-color-scheme`), `light`
               or `dark`, stored in `localStorage`;
            4. the toggle in the user menu.
            """,
        "old": """
              --accent: #3b5bdb;
            }""",
        "new": """
              --accent: #3b5bdb;
            }

            [data-theme="dark"] {
              --bg: #11151c;
              --fg: #e4e8f0;
              --muted: #8c95a8;
              --accent: #7b93f5;
            }""",
        "test_file": "src/hooks/useTheme.test.ts",
        "test": """
            it('follows the system setting by default', () => {
              mockMatchMedia({ '(prefers-color-scheme: dark)': true })
              const { result } = renderHook(() => useTheme())
              expect(result.current.resolved).toBe('dark')
            })
            """,
        "fail_cmd": "pnpm vitest run src/hooks/useTheme.test.ts",
        "fail": "TypeError: window.matchMedia is not a function\n ❯ src/hooks/useTheme.ts:9:24",
        "why": """
            jsdom doesn't implement `window.matchMedia`. The test calls a `mockMatchMedia`
            helper that doesn't exist yet; I'll add it to `src/test/setup.ts`, returning
            `matches` from the given map and supporting `addEventListener('change')`.
            """,
        "fix_file": "src/test/setup.ts",
        "fix_old": """
            import '@testing-library/jest-dom/vitest'""",
        "fix_new": """
            import '@testing-library/jest-dom/vitest'
            import { mockMatchMedia } from './matchMedia'

            mockMatchMedia({})""",
        "tweak": "on reload there's a white flash before it goes dark",
        "tweak_answer": """
            The theme is applied by React after the bundle loads, so the first paint is light.
            A tiny inline script in `index.html`'s `<head>` sets `data-theme` before anything
            paints:

            ```html
            <script>
              const t = localStorage.getItem('theme') ?? 'system'
              const dark = t === 'dark' || (t === 'system' && matchMedia('(prefers-color-scheme: dark)').matches)
              document.documentElement.dataset.theme = dark ? 'dark' : 'light'
            </script>
            ```
            """,
        "msg": "theme: dark mode following the OS, with a toggle",
        "pr": "Dark mode",
        "q": [
            ("natural", "the white flash on reload with dark mode"),
            ("keywords", "prefers-color-scheme data-theme matchMedia jsdom"),
        ],
        "para": [],
    },
    {
        "key": "feat-list-objects",
        "repo": "zanzibar",
        "ask": "we need a ListObjects endpoint: given a user and a relation, which documents "
        "can they access. the docs-service team needs it for their search filter",
        "look": "ls internal/api && grep -n 'func (s \\*Server)' internal/api/*.go | head",
        "look_out": "check.go\nexpand.go\nserver.go\nwrite.go\ninternal/api/check.go:24:func (s "
        "*Server) Check(\n"
        "internal/api/expand.go:19:func (s *Server) Expand(",
        "file": "internal/api/server.go",
        "body": """
            func (s *Server) routes() {
                s.mux.HandleFunc("POST /v1/check", s.Check)
                s.mux.HandleFunc("POST /v1/expand", s.Expand)
                s.mux.HandleFunc("POST /v1/write", s.Write)
            }
            """,
        "plan": """
            ListObjects is the reverse of Check: instead of "may user U do R on object O",
            "all O of type T where U has R". Naively that's a Check per object, too slow with
            2M documents. The better way is to walk the relation graph backwards from the
            user: direct tuples `document:*#viewer@user:U`, then the groups U belongs to, then
            the folders those can view and the documents inheriting from them. I'll implement
            that walk in `internal/check/reverse.go`, with a limit (default 1,000) and the
            same consistency token as Check.
            """,
        "old": """
                s.mux.HandleFunc("POST /v1/write", s.Write)""",
        "new": """
                s.mux.HandleFunc("POST /v1/write", s.Write)
                s.mux.HandleFunc("POST /v1/list-objects", s.ListObjects)""",
        "test_file": "internal/api/list_objects_test.go",
        "test": """
            func TestListObjectsThroughGroupAndFolder(t *testing.T) {
                srv := newTestServer(t, fixtures.DocsModel)
                got := srv.listObjects(t, "document", "viewer", "user:ann")
                want := []string{"document:roadmap", "document:budget", "document:offsite"}
                if !reflect.DeepEqual(got, want) {
                    t.Fatalf("got %v, want %v", got, want)
                }
            }
            """,
        "fail_cmd": "go test ./internal/api/ -run TestListObjects -count=5",
        "fail": "--- FAIL: TestListObjectsThroughGroupAndFolder (0.01s)\n    "
        "list_objects_test.go:9: got "
        "[document:budget document:roadmap document:offsite], want [document:roadmap "
        "document:budget "
        "document:offsite]\nFAIL",
        "why": """
            The walk fans out over a map of visited nodes, and Go randomizes map iteration, so
            the order differs between runs. The API should return a stable order anyway
            (clients page through it): sort the ids before returning, and compare sorted in
            the test.
            """,
        "fix_file": "internal/check/reverse.go",
        "fix_old": """
                return ids, nil""",
        "fix_new": """
                slices.Sort(ids)
                return ids, nil""",
        "tweak": "the docs team will have users with 50k docs. pagination?",
        "tweak_answer": "Added a `continuation_token`: the last id of the page, base64url-"
        "encoded with the consistency token; the next call resumes after it. Since the ids "
        "are sorted, resuming is a simple `> last` filter on each leaf of the walk.",
        "msg": "api: ListObjects (reverse walk of the relation graph)",
        "pr": "ListObjects endpoint",
        "q": [
            ("natural", "the endpoint that lists which documents a user can access"),
            ("keywords", "ListObjects reverse walk continuation_token"),
        ],
        "para": [],
    },
    {
        "key": "feat-slack-channel",
        "repo": "notifier",
        "ask": "add slack as a notification channel next to email. incoming webhook per tenant",
        "look": "ls src/channels",
        "look_out": "email.ts\nindex.ts\nsms.ts\ntypes.ts",
        "file": "src/channels/index.ts",
        "body": """
            export const channels: Record<ChannelName, Channel> = {
              email: emailChannel,
              sms: smsChannel,
            }
            """,
        "plan": """
            Same shape as `email.ts` and `sms.ts`: a `Channel` with `send(tenant, message)`.
            The webhook URL is per tenant, stored encrypted like the SMS credentials. The
            message becomes a Slack block kit payload: a header with the title, a section with
            the body (Slack's mrkdwn, so I escape `&`, `<`, `>`), and a button when there's a
            link.
            """,
        "old": """
              sms: smsChannel,
            }""",
        "new": """
              sms: smsChannel,
              slack: slackChannel,
            }""",
        "test_file": "src/channels/slack.test.ts",
        "test": """
            it('posts blocks to the tenant webhook', async () => {
              const scope = nock('https://hooks.slack.com').post('/services/T0/B0/xyz', body =>
                body.blocks[0].text.text === 'Invoice overdue').reply(200, 'ok')
              await slackChannel.send(tenant, { title: 'Invoice overdue', body: 'INV-12 is 10 days late' })
              expect(scope.isDone()).toBe(true)
            })
            """,
        "fail_cmd": "pnpm vitest run src/channels/slack.test.ts",
        "fail": "AssertionError: expected false to be true\nNock: No match for request POST "
        "https://hooks.slack.com/services/T0/B0/xyz",
        "why": """
            nock intercepts Node's `http` module, but the channel uses the global `fetch`
            (undici), which nock doesn't see in this version. Two options: nock 14 (which
            supports fetch) or undici's own `MockAgent`. The project already uses `MockAgent`
            in `sms.test.ts`, so I'll match that.
            """,
        "fix_file": "src/channels/slack.test.ts",
        "fix_old": """
              const scope = nock('https://hooks.slack.com')""",
        "fix_new": """
              const pool = agent.get('https://hooks.slack.com')
              const scope = pool.intercept({ path: '/services/T0/B0/xyz', method: 'POST' })""",
        "tweak": "slack returns 429 sometimes when we blast many notifications",
        "tweak_answer": "The channel now honours `Retry-After` on 429: it waits that long and "
        "retries up to 3 times, then gives the job back to the queue with BullMQ's backoff. "
        "Per-tenant sends also go through a limiter of 1 per second, Slack's documented rate "
        "for incoming webhooks.",
        "msg": "channels: slack via incoming webhooks",
        "pr": "Slack notification channel",
        "q": [
            ("natural", "adding slack notifications to the notifier"),
            ("keywords", "nock fetch undici MockAgent slack webhook"),
        ],
        "para": [],
    },
    {
        "key": "feat-tidy-fix-flag",
        "repo": "tidy",
        "title": "--fix",
        "ask": "tidy only reports trailing whitespace and missing final newlines. add --fix "
        "that rewrites the files",
        "look": "grep -n 'fn check_file' -A 15 src/rules.rs",
        "look_out": "pub fn check_file(path: &Path, text: &str) -> Vec<Problem> {\n    let mut "
        "out = Vec::new();\n"
        "    for (i, line) in text.lines().enumerate() {\n        if TRAILING_WS.is_match(line) {",
        "file": "src/main.rs",
        "body": """
            #[derive(Parser)]
            struct Args {
                /// Only report, exit 1 when something is found
                #[arg(long)]
                check: bool,
                paths: Vec<PathBuf>,
            }
            """,
        "plan": """
            1. `--fix` flag, exclusive with `--check`;
            2. `fix_text(&str) -> Cow<str>` next to `check_file`, borrowing when nothing
               changes so unchanged files aren't rewritten;
            3. write through a temp file in the same folder and `rename`, so an interrupted
               run never leaves a half-written file; keep the file's permissions.
            """,
        "old": """
                #[arg(long)]
                check: bool,""",
        "new": """
                #[arg(long, conflicts_with = "fix")]
                check: bool,
                /// Rewrite files in place
                #[arg(long)]
                fix: bool,""",
        "test_file": "tests/fix.rs",
        "test": """
            #[test]
            fn fix_keeps_crlf() {
                let out = tidy::fix_text("a  \\r\\nb\\r\\n");
                assert_eq!(out, "a\\r\\nb\\r\\n");
            }
            """,
        "fail_cmd": "cargo test --test fix",
        "fail": "thread 'fix_keeps_crlf' panicked at tests/fix.rs:4:5:\nassertion `left == right` "
        "failed\n"
        '  left: "a\\nb\\n"\n right: "a\\r\\nb\\r\\n"',
        "why": """
            `str::lines()` strips both `\\n` and `\\r\\n`, and joining with `\\n` turned Windows
            files into Unix ones, a change nobody asked for. `split_inclusive('\\n')` keeps
            each line's own ending; trim the whitespace before it and keep the ending.
            """,
        "fix_file": "src/rules.rs",
        "fix_old": """
                for line in text.lines() {""",
        "fix_new": """
                for line in text.split_inclusive('\\n') {""",
        "tweak": "also a --diff mode that shows what --fix would change?",
        "tweak_answer": "Added `--diff`, printing a unified diff per file with `similar`'s "
        "`TextDiff`, and exit 1 if there's any change, so CI can use `tidy --diff`.",
        "msg": "add --fix and --diff",
        "pr": "--fix and --diff",
        "q": [
            (
                "natural",
                "when we added the fix flag to tidy, what happened with windows line endings",
            ),
            ("keywords", "split_inclusive crlf fix_text"),
        ],
        "para": [],
    },
    {
        "key": "feat-dead-letter-queue",
        "repo": "ingest-worker",
        "ask": "tasks that fail 5 times just vanish into the logs. I want a dead letter queue "
        "we can inspect and replay",
        "look": "grep -n 'autoretry_for\\|max_retries' -r ingest/",
        "look_out": "ingest/tasks.py:14:@app.task(bind=True, autoretry_for=(Exception,), "
        "max_retries=5, retry_backoff=True)",
        "file": "ingest/tasks.py",
        "body": """
            @app.task(bind=True, autoretry_for=(Exception,), max_retries=5, retry_backoff=True)
            def normalize_batch(self, batch_id: int) -> None:
                batch = load_batch(batch_id)
                store(normalize(batch))
            """,
        "plan": """
            Celery has no built-in DLQ. A base task class with `on_failure` (called once the
            retries are exhausted) that writes the task name, args, exception and traceback
            to a `dead_letters` table, and a management command to list and replay them.
            A table rather than a Redis list: it's queryable and survives Redis flushes.
            """,
        "old": """
            @app.task(bind=True, autoretry_for=(Exception,), max_retries=5, retry_backoff=True)""",
        "new": """
            @app.task(
                bind=True, base=DeadLetterTask, autoretry_for=(Exception,), max_retries=5,
                retry_backoff=True,
            )""",
        "test_file": "tests/test_dead_letters.py",
        "test": """
            def test_exhausted_task_lands_in_dead_letters(db, monkeypatch):
                monkeypatch.setattr("ingest.tasks.load_batch", boom)
                normalize_batch.delay(41)
                row = db.execute(select(DeadLetter)).scalar_one()
                assert row.task == "ingest.tasks.normalize_batch"
                assert row.args == [41]
            """,
        "fail_cmd": "pytest -q tests/test_dead_letters.py",
        "fail": "E   sqlalchemy.exc.NoResultFound: No row was found when one was required",
        "why": """
            The tests run Celery with `task_always_eager=True`, and in eager mode
            `autoretry_for` raises `Retry` into the caller instead of rescheduling, so
            `on_failure` is never reached with exhausted retries. For this test, call
            `on_failure` through `apply()` with `retries=5` set on the request, which is what
            a worker does on the last attempt.
            """,
        "fix_file": "tests/test_dead_letters.py",
        "fix_old": """
                normalize_batch.delay(41)""",
        "fix_new": """
                normalize_batch.apply(args=[41], retries=5, throw=False)""",
        "tweak": "and the replay command?",
        "tweak_answer": "`python -m ingest.dead_letters list` (table of id, task, error, age) "
        "and `replay ID...` (re-sends with the original args and marks the row replayed). "
        "`replay --task normalize_batch --since 2d` for bulk.",
        "msg": "tasks: dead letter table and replay command",
        "pr": "Dead letter queue for exhausted tasks",
        "q": [
            ("natural", "dead letter queue for celery tasks that fail all retries"),
            ("keywords", "on_failure task_always_eager dead_letters replay"),
        ],
        "para": [],
    },
    {
        "key": "feat-autocomplete",
        "repo": "search-service",
        "ask": "autocomplete for listing titles: suggestions after 2 typed chars, <50ms",
        "look": "ls src/main/resources/es && head -30 src/main/resources/es/listings-mapping.json",
        "look_out": 'listings-mapping.json\nlistings-settings.json\n{\n  "properties": {\n    "title": '
        '{ "type": "text", "analyzer": "french" },',
        "file": "src/main/resources/es/listings-mapping.json",
        "body": """
            "title": { "type": "text", "analyzer": "french" },
            """,
        "plan": """
            An edge n-gram subfield on `title` (`title.prefix`), indexed with n-grams of 2 to
            15 characters and searched with the standard analyzer, so typing "app" matches
            "appartement" without a wildcard query. Queries: `match_bool_prefix` on
            `title.prefix`, top 8, `_source` limited to id and title. Needs a reindex.
            """,
        "old": """
            "title": { "type": "text", "analyzer": "french" },""",
        "new": """
            "title": {
              "type": "text",
              "analyzer": "french",
              "fields": {
                "prefix": { "type": "text", "analyzer": "autocomplete", "search_analyzer": "standard" }
              }
            },""",
        "test_file": "src/test/java/dev/ann/search/AutocompleteIT.java",
        "test": """
            @Test
            void suggestsAfterTwoCharacters() {
                index(listing("Appartement lumineux Croix-Rousse"));
                assertThat(client.suggest("ap")).extracting("title")
                    .containsExactly("Appartement lumineux Croix-Rousse");
            }
            """,
        "fail_cmd": "./gradlew integrationTest --tests AutocompleteIT",
        "fail": "AutocompleteIT > suggestsAfterTwoCharacters() FAILED\n    "
        "java.lang.AssertionError: "
        'Expecting actual: [] to contain exactly: ["Appartement lumineux Croix-Rousse"]',
        "why": """
            The test index is created from `listings-mapping.json` only, but the
            `autocomplete` analyzer is defined in `listings-settings.json`, which the test
            helper doesn't load, so Elasticsearch silently... no, it would refuse an unknown
            analyzer. Checking the log: the test reuses the index created by an earlier test
            class, with the old mapping. The helper must recreate the index per class.
            """,
        "fix_file": "src/test/java/dev/ann/search/EsTestSupport.java",
        "fix_old": """
                if (!client.indices().exists(r -> r.index(INDEX)).value()) {""",
        "fix_new": """
                client.indices().delete(r -> r.index(INDEX).ignoreUnavailable(true));
                {""",
        "tweak": "highlight the matched part in the suggestions",
        "tweak_answer": "Added a `highlight` on `title.prefix` with `<mark>` tags; the frontend "
        "escapes the title and keeps only `<mark>` from the highlight.",
        "msg": "listings: title autocomplete with edge n-grams",
        "pr": "Autocomplete on listing titles",
        "q": [("keywords", "edge ngram autocomplete title.prefix match_bool_prefix")],
        "para": [],
    },
    {
        "key": "feat-pull-to-refresh",
        "repo": "mobile-app",
        "ask": "orders screen needs pull to refresh",
        "look": "grep -n 'FlatList' -A 6 src/screens/Orders.tsx",
        "look_out": "      <FlatList\n        data={orders}\n        renderItem={renderOrder}\n"
        "        keyExtractor={o => o.id}\n      />",
        "file": "src/screens/Orders.tsx",
        "body": """
            const { data: orders, refetch } = useOrders()
            return (
              <FlatList data={orders} renderItem={renderOrder} keyExtractor={o => o.id} />
            )
            """,
        "plan": "`FlatList` supports it natively with `refreshing` and `onRefresh`; `useOrders` "
        "is a TanStack Query hook, so `refetch` and `isRefetching` give both.",
        "old": """
              <FlatList data={orders} renderItem={renderOrder} keyExtractor={o => o.id} />""",
        "new": """
              <FlatList
                data={orders}
                renderItem={renderOrder}
                keyExtractor={o => o.id}
                refreshing={isRefetching}
                onRefresh={refetch}
              />""",
        "test_file": "src/screens/__tests__/Orders.refresh.test.tsx",
        "test": """
            it('refetches on pull', async () => {
              const { getByTestId } = render(<Orders />)
              fireEvent(getByTestId('orders-list'), 'refresh')
              expect(api.getOrders).toHaveBeenCalledTimes(2)
            })
            """,
        "fail_cmd": "npx jest src/screens/__tests__/Orders.refresh.test.tsx",
        "fail": "Expected number of calls: 2\nReceived number of calls: 1\n\nWarning: An update to "
        "Orders inside a test was not wrapped in act(...)",
        "why": "The refetch is asynchronous and the assertion runs before it. Wrap the "
        "expectation in `await waitFor(...)`, which also takes care of the `act` warning.",
        "fix_file": "src/screens/__tests__/Orders.refresh.test.tsx",
        "fix_old": """
              expect(api.getOrders).toHaveBeenCalledTimes(2)""",
        "fix_new": """
              await waitFor(() => expect(api.getOrders).toHaveBeenCalledTimes(2))""",
        "tweak": "little haptic tick when refresh starts?",
        "tweak_answer": "`Haptics.impactAsync(Haptics.ImpactFeedbackStyle.Light)` from "
        "expo-haptics at the start of `onRefresh`; it does nothing on devices without a "
        "haptic engine.",
        "msg": "orders: pull to refresh",
        "pr": "",
        "q": [("natural", "pull to refresh on the orders screen")],
        "para": [],
    },
    {
        "key": "feat-soft-delete-contacts",
        "repo": "legacy-crm",
        "title": "soft delete",
        "ask": "sales deletes contacts by mistake all the time. make delete a soft delete with "
        "restore",
        "look": "grep -n 'class Contact' -A 12 crm/models/contact.py",
        "look_out": "class Contact(models.Model):\n    email = models.EmailField(unique=True)\n"
        "    name = models.CharField(max_length=200)",
        "file": "crm/models/contact.py",
        "body": """
            class Contact(models.Model):
                email = models.EmailField(unique=True)
                name = models.CharField(max_length=200)
                company = models.ForeignKey(Company, null=True, on_delete=models.SET_NULL)
            """,
        "plan": """
            - `deleted_at = DateTimeField(null=True)` on `Contact`;
            - the default manager hides deleted rows (`objects`), `all_objects` sees all;
            - `delete()` sets `deleted_at`, `restore()` clears it, `hard_delete()` for the
              GDPR requests;
            - the admin gets a "Deleted" filter and a restore action.
            """,
        "old": """
                email = models.EmailField(unique=True)""",
        "new": """
                email = models.EmailField()
                deleted_at = models.DateTimeField(null=True, blank=True)

                objects = AliveManager()
                all_objects = models.Manager()""",
        "test_file": "crm/tests/test_soft_delete.py",
        "test": """
            def test_same_email_can_be_recreated_after_delete(db):
                Contact.objects.create(email="jo@acme.test", name="Jo").delete()
                Contact.objects.create(email="jo@acme.test", name="Jo again")
                assert Contact.all_objects.filter(email="jo@acme.test").count() == 2
            """,
        "fail_cmd": "pytest -q crm/tests/test_soft_delete.py",
        "fail": "django.db.utils.IntegrityError: duplicate key value violates unique constraint "
        '"crm_contact_email_key"',
        "why": """
            I removed `unique=True` from the field, but the migration I generated only added
            `deleted_at`; the test database still has the old unique constraint. What we want
            isn't "no uniqueness" anyway: emails unique among *live* contacts. A partial
            unique constraint does exactly that.
            """,
        "fix_file": "crm/models/contact.py",
        "fix_old": """
                all_objects = models.Manager()""",
        "fix_new": """
                all_objects = models.Manager()

                class Meta:
                    constraints = [
                        models.UniqueConstraint(
                            fields=["email"], condition=Q(deleted_at__isnull=True),
                            name="contact_email_alive_uniq",
                        )
                    ]""",
        "tweak": "purge soft deleted contacts after 90 days",
        "tweak_answer": "A management command `purge_deleted_contacts --days 90` (dry run by "
        "default, `--yes` to delete), scheduled nightly in the existing cron container.",
        "msg": "contacts: soft delete, restore, partial unique email",
        "pr": "Soft delete contacts",
        "q": [
            ("keywords", "soft delete partial unique constraint deleted_at"),
            ("natural", "how did we stop sales from losing contacts they deleted by mistake"),
        ],
        "para": [],
    },
    {
        "key": "feat-webhook-signature",
        "repo": "payments-gateway",
        "ask": "verify signatures on incoming PSP webhooks. header is 'Psp-Signature: "
        "t=...,v1=...'",
        "look": "grep -rn 'func.*Webhook' internal/",
        "look_out": "internal/api/webhook.go:21:func (h *Handler) Webhook(w http.ResponseWriter, "
        "r *http.Request) {",
        "file": "internal/api/webhook.go",
        "body": """
            func (h *Handler) Webhook(w http.ResponseWriter, r *http.Request) {
                body, _ := io.ReadAll(r.Body)
                var ev Event
                if err := json.Unmarshal(body, &ev); err != nil {
            """,
        "plan": """
            The scheme is Stripe-like: HMAC-SHA256 of `t + "." + body` with the endpoint
            secret, hex in `v1`. Verify before parsing, compare with `hmac.Equal` (constant
            time), and reject timestamps older than 5 minutes so captured requests can't be
            replayed.
            """,
        "old": """
                body, _ := io.ReadAll(r.Body)""",
        "new": """
                body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
                if err != nil || !h.sig.Valid(r.Header.Get("Psp-Signature"), body, h.now()) {
                    http.Error(w, "invalid signature", http.StatusBadRequest)
                    return
                }""",
        "test_file": "internal/api/webhook_sig_test.go",
        "test": """
            func TestSignatureRejectsOldTimestamp(t *testing.T) {
                v := sig.Verifier{Secret: "whsec_test", Tolerance: 5 * time.Minute}
                header := sign("whsec_test", time.Unix(1_700_000_000, 0), body)
                if v.Valid(header, body, time.Unix(1_700_000_000+301, 0)) {
                    t.Fatal("a signature 301 s old was accepted")
                }
            }
            """,
        "fail_cmd": "go test ./internal/api/ -run Signature",
        "fail": "--- FAIL: TestSignatureAcceptsFresh (0.00s)\n    webhook_sig_test.go:31: a fresh "
        "signature was rejected",
        "why": """
            The fresh-signature test fails: `Valid` parses `t=` with `strconv.Atoi` and
            compares it to `now.UnixMilli()`. The PSP's timestamp is in seconds; comparing
            seconds with milliseconds makes every signature look 50 years old. Use
            `now.Unix()`.
            """,
        "fix_file": "internal/sig/verify.go",
        "fix_old": """
                age := now.UnixMilli() - ts""",
        "fix_new": """
                age := now.Unix() - ts""",
        "tweak": "during secret rotation the PSP sends two v1 values. handle that",
        "tweak_answer": "`Valid` now accepts the header's every `v1=` value and a list of "
        "secrets (current and previous), and passes if any pair matches. The previous secret "
        "is read from `PSP_WEBHOOK_SECRET_PREVIOUS`, empty outside rotations.",
        "msg": "webhooks: verify PSP signatures with a 5 minute tolerance",
        "pr": "Verify webhook signatures",
        "q": [
            ("keywords", "Psp-Signature hmac.Equal tolerance UnixMilli"),
            (
                "natural",
                "webhook signature check rejected every request because of seconds vs milliseconds",
            ),
        ],
        "para": [],
    },
    {
        "key": "feat-versioned-docs",
        "repo": "docs-site",
        "ask": "docs need a version dropdown: 3.x current and 2.x for people who haven't migrated",
        "look": "cat docusaurus.config.ts | grep -n 'docs:' -A 8",
        "look_out": "42:      docs: {\n43:        sidebarPath: './sidebars.ts',\n44:        "
        "editUrl: "
        "'https://github.com/ann/docs-site/edit/main/',",
        "file": "docusaurus.config.ts",
        "body": """
            docs: {
              sidebarPath: './sidebars.ts',
              editUrl: 'https://github.com/ann/docs-site/edit/main/',
            },
            """,
        "plan": """
            Docusaurus has versioning built in: `npm run docusaurus docs:version 2.x` snapshots
            the current docs into `versioned_docs/version-2.x`... but the current docs are
            already 3.x. So: check out the last 2.x tag's docs into `versioned_docs/version-2.x`
            by hand, add `versions.json`, label the current docs "3.x", and add the
            `docsVersionDropdown` item to the navbar.
            """,
        "old": """
              sidebarPath: './sidebars.ts',""",
        "new": """
              sidebarPath: './sidebars.ts',
              lastVersion: 'current',
              versions: { current: { label: '3.x' }, '2.x': { label: '2.x', banner: 'unmaintained' } },""",
        "test_file": "versions.json",
        "test": """
            ["2.x"]
            """,
        "fail_cmd": "npm run build",
        "fail": "Error: Docusaurus found broken links!\n- Broken link on source page path = "
        "/docs/2.x/install:\n   -> linking to /docs/api/client (resolved as: /docs/api/client)",
        "why": """
            The 2.x pages contain absolute links like `/docs/api/client`, which now point to
            the 3.x docs, where that page moved. In versioned docs, links should be relative
            file links (`../api/client.md`), which Docusaurus resolves within the same
            version. I'll rewrite the 2.x absolute links with a script.
            """,
        "fix_file": "versioned_docs/version-2.x/install.md",
        "fix_old": """
            See the [client API](/docs/api/client).""",
        "fix_new": """
            See the [client API](./api/client.md).""",
        "tweak": "can /docs/latest/... always mean the newest version",
        "tweak_answer": "The current version is served at `/docs/`; I added a redirect "
        "plugin rule from `/docs/latest/*` to `/docs/*` so old links using `latest` keep "
        "working.",
        "msg": "docs: versions 3.x (current) and 2.x",
        "pr": "Versioned docs",
        "q": [("natural", "adding a version dropdown to the docs for 2.x and 3.x")],
        "para": [],
    },
    {
        "key": "feat-pdf-invoices",
        "repo": "billing-api",
        "ask": "generate PDF invoices server side. we have the HTML template for the email already",
        "look": "ls billing/templates",
        "look_out": "invoice_email.html\nreminder_email.html\nbase.html",
        "file": "billing/pdf/render.py",
        "body": """
            def render_invoice_html(invoice: Invoice) -> str:
                return templates.get_template("invoice_email.html").render(invoice=invoice)
            """,
        "plan": """
            WeasyPrint turns HTML + CSS into PDF without a browser. I'll make a print variant
            of the template (`invoice_print.html`: A4 page size, margins, page numbers with
            `@page` counters, the footer on every page) and a route `GET
            /invoices/{id}.pdf`.
            """,
        "old": """
            def render_invoice_html(invoice: Invoice) -> str:""",
        "new": """
            def render_invoice_pdf(invoice: Invoice) -> bytes:
                html = templates.get_template("invoice_print.html").render(invoice=invoice)
                return HTML(string=html, base_url=str(TEMPLATES)).write_pdf()


            def render_invoice_html(invoice: Invoice) -> str:""",
        "test_file": "tests/test_invoice_pdf.py",
        "test": """
            def test_pdf_contains_number(invoice):
                pdf = render_invoice_pdf(invoice)
                assert pdf.startswith(b"%PDF-")
                assert invoice.number in extract_text(io.BytesIO(pdf))
            """,
        "fail_cmd": "docker compose run --rm api pytest -q tests/test_invoice_pdf.py",
        "fail": "OSError: cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open "
        "shared object file: No such file or directory",
        "why": """
            WeasyPrint needs Pango (text layout) from the system; the slim image doesn't have
            it. Locally it worked because Homebrew installed it. The runtime stage needs
            `libpango-1.0-0 libpangoft2-1.0-0` and a font package, otherwise the PDF has no
            glyphs at all: `fonts-dejavu-core`.
            """,
        "fix_file": "Dockerfile",
        "fix_old": """
            RUN apt-get update && apt-get install -y --no-install-recommends libpq5""",
        "fix_new": """
            RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\
                libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core""",
        "tweak": "the logo is missing in the pdf",
        "tweak_answer": "The template used the logo's absolute URL on the CDN, and WeasyPrint "
        "doesn't fetch remote resources in the container (no egress). It now references "
        "`static/logo.svg` relative to `base_url`, which WeasyPrint reads from disk.",
        "msg": "invoices: PDF rendering with WeasyPrint",
        "pr": "PDF invoices",
        "q": [
            ("keywords", "weasyprint libpango fonts-dejavu"),
            ("natural", "the logo was missing from the generated pdf invoices"),
        ],
        "para": [],
    },
    {
        "key": "feat-csv-upload-preview",
        "repo": "web-dashboard",
        "ask": "bulk import customers: drag a CSV onto the page, show a preview of the first "
        "rows with errors highlighted, then confirm",
        "look": "ls src/pages/customers",
        "look_out": "CustomerList.tsx\nCustomerForm.tsx\nindex.ts",
        "file": "src/pages/customers/index.ts",
        "body": """
            export { CustomerList } from './CustomerList'
            export { CustomerForm } from './CustomerForm'
            """,
        "plan": """
            - `CustomerImport.tsx`: a drop zone (`react-dropzone`, already a dependency of the
              attachments page), parsing with `papaparse` in a worker so big files don't
              freeze the tab;
            - validation per row with the same zod schema the form uses, errors shown in the
              row;
            - "Import N customers" posts the valid rows to `POST /customers/bulk`.
            """,
        "old": """
            export { CustomerForm } from './CustomerForm'""",
        "new": """
            export { CustomerForm } from './CustomerForm'
            export { CustomerImport } from './CustomerImport'""",
        "test_file": "src/pages/customers/CustomerImport.test.tsx",
        "test": """
            it('marks the row with a bad email', async () => {
              render(<CustomerImport />)
              await dropFile(screen.getByTestId('dropzone'), csv('name,email\\nAcme,not-an-email'))
              expect(await screen.findByText('Invalid email')).toBeInTheDocument()
            })
            """,
        "fail_cmd": "pnpm vitest run src/pages/customers/CustomerImport.test.tsx",
        "fail": "ReferenceError: Worker is not defined\n ❯ "
        "node_modules/papaparse/papaparse.js:1014",
        "why": "jsdom has no Web Workers. Parse with `worker: !import.meta.env.TEST` so tests "
        "parse on the main thread, and everything else stays in the worker.",
        "fix_file": "src/pages/customers/CustomerImport.tsx",
        "fix_old": """
                Papa.parse(file, { header: true, worker: true, complete })""",
        "fix_new": """
                Papa.parse(file, { header: true, worker: !import.meta.env.TEST, complete })""",
        "tweak": "reject files over 10MB before parsing",
        "tweak_answer": "`maxSize: 10 * 1024 * 1024` on the dropzone, with a message that says "
        "the limit and suggests splitting the file.",
        "msg": "customers: CSV import with preview and validation",
        "pr": "Bulk customer import",
        "q": [("natural", "bulk import of customers from a csv with a preview")],
        "para": [],
    },
    {
        "key": "feat-audit-log",
        "repo": "zanzibar",
        "title": "SEC-1142 audit trail",
        "ask": "security wants an audit log of every permission change (who wrote or deleted "
        "which tuple, when)",
        "look": "grep -n 'func (s \\*Store) Write' -A 10 internal/store/store.go",
        "look_out": "func (s *Store) Write(ctx context.Context, writes, deletes []Tuple) (Token, "
        "error) {\n"
        "\ttx, err := s.db.BeginTx(ctx, nil)",
        "file": "internal/store/store.go",
        "body": """
            func (s *Store) Write(ctx context.Context, writes, deletes []Tuple) (Token, error) {
                tx, err := s.db.BeginTx(ctx, nil)
                if err != nil {
                    return Token{}, err
                }
            """,
        "plan": """
            Write the audit rows in the same transaction as the tuples, so there's never a
            change without its record (or a record of a change that was rolled back). Table
            `tuple_audit(id, at, actor, op, tuple, request_id)`, append-only: the service's DB
            role gets `INSERT` and `SELECT` on it, no `UPDATE`/`DELETE`.
            """,
        "old": """
                tx, err := s.db.BeginTx(ctx, nil)""",
        "new": """
                actor := auth.ActorFrom(ctx)
                tx, err := s.db.BeginTx(ctx, nil)""",
        "test_file": "internal/store/audit_test.go",
        "test": """
            func TestWriteRecordsAudit(t *testing.T) {
                s := newTestStore(t)
                ctx := auth.WithActor(context.Background(), "svc:docs")
                mustWrite(t, s, ctx, tuple("document:roadmap#viewer@user:ann"))
                rows := s.auditRows(t)
                if len(rows) != 1 || rows[0].Actor != "svc:docs" || rows[0].Op != "write" {
                    t.Fatalf("audit rows: %+v", rows)
                }
            }
            """,
        "fail_cmd": "go test ./internal/store/ -run Audit",
        "fail": "--- FAIL: TestWriteRecordsAudit (0.02s)\n    store_test.go:18: migrate: "
        'relation "tuple_audit" does not exist',
        "why": "The migration file is `0007_tuple_audit.sql`, but the embedded migrations are "
        "listed by a glob `0*.up.sql`, and I named it without `.up`. Renaming it.",
        "fix_file": "internal/store/migrations/embed.go",
        "fix_old": """
            //go:embed 0*.up.sql""",
        "fix_new": """
            //go:embed 0*.up.sql
            // (every migration is NNNN_name.up.sql; 0007_tuple_audit.up.sql included)""",
        "tweak": "retention? this table will be huge",
        "tweak_answer": "Partitioned by month (`PARTITION BY RANGE (at)`), and a job detaches "
        "partitions older than 13 months and archives them to S3 as Parquet before dropping. "
        "Security asked for one year online.",
        "msg": "store: audit log of tuple writes and deletes, same transaction",
        "pr": "Audit log of permission changes",
        "q": [
            ("natural", "audit log of permission changes for security"),
            ("title", "SEC-1142 audit"),
        ],
        "para": [],
    },
    {
        "key": "feat-mjml-templates",
        "repo": "notifier",
        "ask": "our emails look broken in outlook. can we move the templates to MJML",
        "look": "ls templates/email",
        "look_out": "invoice-overdue.hbs\nwelcome.hbs\npassword-reset.hbs\nlayout.hbs",
        "file": "src/render.ts",
        "body": """
            export function renderEmail(name: TemplateName, data: object): string {
              return templates[name](data)
            }
            """,
        "plan": """
            MJML compiles to the table-based HTML that Outlook needs. Keep Handlebars for the
            data: templates become `.mjml.hbs`, rendered with Handlebars first, then compiled by
            `mjml`. Compile at startup, not per email (MJML takes ~40 ms per template).
            """,
        "old": """
              return templates[name](data)""",
        "new": """
              const mjmlSource = templates[name](data)
              const { html, errors } = mjml2html(mjmlSource, { validationLevel: 'strict' })
              if (errors.length) throw new TemplateError(name, errors)
              return html""",
        "test_file": "src/render.test.ts",
        "test": """
            it('renders the welcome email', () => {
              expect(renderEmail('welcome', { name: 'Ann' })).toMatchSnapshot()
            })
            """,
        "fail_cmd": "pnpm vitest run src/render.test.ts",
        "fail": "TemplateError: welcome: Attribute font-size has invalid value: 16 for type "
        "Unit, only accepts (px, %) units and 1 value(s)",
        "why": 'Strict validation caught `font-size="16"` in the converted welcome template; '
        "MJML wants `16px`. Fixed in the three templates that had unitless sizes.",
        "fix_file": "templates/email/welcome.mjml.hbs",
        "fix_old": """
            <mj-text font-size="16">""",
        "fix_new": """
            <mj-text font-size="16px">""",
        "tweak": "plain text version too, some clients want it",
        "tweak_answer": "Each send now includes a `text` part made with `html-to-text` from the "
        "compiled HTML (links kept as `text [url]`).",
        "msg": "email: MJML templates (Outlook), plain-text part",
        "pr": "MJML email templates",
        "q": [("keywords", "mjml outlook handlebars templates")],
        "para": [],
    },
    {
        "key": "feat-early-stopping",
        "repo": "ml-experiments",
        "ask": "add early stopping to train.py and keep the best checkpoint, runs waste hours "
        "after val loss stops improving",
        "look": "grep -n 'for epoch' -A 8 train/train.py",
        "look_out": "    for epoch in range(cfg.epochs):\n        train_one_epoch(model, loader, "
        "opt)\n"
        '        val = evaluate(model, val_loader)\n        log.info("epoch %d val_loss %.4f", epoch, val.loss)',
        "file": "train/train.py",
        "body": """
            for epoch in range(cfg.epochs):
                train_one_epoch(model, loader, opt)
                val = evaluate(model, val_loader)
                log.info("epoch %d val_loss %.4f", epoch, val.loss)
            """,
        "plan": "A small `EarlyStopping(patience, min_delta, mode)` class: it tracks the best "
        "metric, saves the checkpoint when it improves, and says stop after `patience` epochs "
        "without improvement. Config keys `early_stop.patience` (default 5) and "
        "`early_stop.metric`.",
        "old": """
                log.info("epoch %d val_loss %.4f", epoch, val.loss)""",
        "new": """
                log.info("epoch %d val_loss %.4f", epoch, val.loss)
                if stopper.step(getattr(val, cfg.early_stop.metric), model, epoch):
                    log.info("early stop at epoch %d, best %.4f", epoch, stopper.best)
                    break""",
        "test_file": "tests/test_early_stopping.py",
        "test": """
            def test_stops_after_patience(tmp_path):
                s = EarlyStopping(patience=2, mode="max", path=tmp_path / "best.pt")
                results = [s.step(v, DummyModel(), i) for i, v in enumerate([0.5, 0.6, 0.55, 0.58])]
                assert results == [False, False, False, True]
            """,
        "fail_cmd": "pytest -q tests/test_early_stopping.py",
        "fail": "assert [False, False, True, True] == [False, False, False, True]",
        "why": "The comparison ignored `mode`: it always treated lower as better, so for "
        'accuracy (`mode="max"`) 0.6 counted as worse than 0.5. `improved()` now flips the '
        "sign for `max`.",
        "fix_file": "train/early_stopping.py",
        "fix_old": """
                return value < self.best - self.min_delta""",
        "fix_new": """
                if self.mode == "max":
                    return value > self.best + self.min_delta
                return value < self.best - self.min_delta""",
        "tweak": "log the best epoch to wandb as a summary",
        "tweak_answer": '`wandb.run.summary["best_epoch"]` and `["best_" + metric]` are set '
        "when the stopper saves; the run page shows them in the summary table.",
        "msg": "train: early stopping, keep the best checkpoint",
        "pr": "",
        "q": [("natural", "early stopping with patience and keeping the best checkpoint")],
        "para": [],
    },
    {
        "key": "feat-s3-multipart",
        "repo": "ingest-worker",
        "ask": "uploads of the nightly archive to S3 fail for files over 5GB",
        "look": "grep -rn 'put_object' ingest/",
        "look_out": "ingest/archive.py:52:    s3.put_object(Bucket=BUCKET, Key=key, Body=f)",
        "file": "ingest/archive.py",
        "body": """
            with open(path, "rb") as f:
                s3.put_object(Bucket=BUCKET, Key=key, Body=f)
            """,
        "plan": "A single `PutObject` is limited to 5 GB. boto3's `upload_file` switches to "
        "multipart uploads automatically above a threshold, uploads parts in parallel, and "
        "retries failed parts. Threshold and part size 256 MB.",
        "old": """
            with open(path, "rb") as f:
                s3.put_object(Bucket=BUCKET, Key=key, Body=f)""",
        "new": """
            config = TransferConfig(multipart_threshold=256 * MB, multipart_chunksize=256 * MB,
                                    max_concurrency=8)
            s3.upload_file(str(path), BUCKET, key, Config=config,
                           ExtraArgs={"ChecksumAlgorithm": "SHA256"})""",
        "test_file": "tests/test_archive_upload.py",
        "test": """
            @mock_aws
            def test_large_file_uses_multipart(tmp_path):
                big = tmp_path / "a.tar"
                big.write_bytes(os.urandom(300 * MB))
                upload_archive(big, "2025/a.tar")
                assert boto3.client("s3").head_object(Bucket=BUCKET, Key="2025/a.tar")["ContentLength"] == 300 * MB
            """,
        "fail_cmd": "pytest -q tests/test_archive_upload.py",
        "fail": "botocore.errorfactory.NoSuchBucket: An error occurred (NoSuchBucket) when calling "
        "the CreateMultipartUpload operation",
        "why": "moto starts with an empty account; the test has to create the bucket first.",
        "fix_file": "tests/test_archive_upload.py",
        "fix_old": """
                big = tmp_path / "a.tar\"""",
        "fix_new": """
                boto3.client("s3").create_bucket(Bucket=BUCKET)
                big = tmp_path / "a.tar\"""",
        "tweak": "abort leftover multipart uploads, they cost money",
        "tweak_answer": "Added a lifecycle rule on the bucket in Terraform: "
        "`abort_incomplete_multipart_upload { days_after_initiation = 2 }`.",
        "msg": "archive: multipart upload for files over 5 GB",
        "pr": "",
        "q": [
            ("keywords", "s3 5GB multipart upload_file TransferConfig"),
            ("natural", "why did the nightly archive upload fail for big files"),
        ],
        "para": [],
    },
    {
        "key": "feat-rss-full-content",
        "repo": "blog",
        "ask": "rss feed only has summaries, people want full posts in their readers. and a "
        "feed per tag",
        "look": "ls layouts/_default",
        "look_out": "baseof.html\nlist.html\nsingle.html",
        "file": "hugo.toml",
        "body": """
            [outputs]
              home = ["HTML", "RSS"]
            """,
        "plan": "Override Hugo's embedded RSS template with `layouts/_default/rss.xml`, using "
        "`.Content` (escaped, in `<description>`) instead of `.Summary`; and enable RSS for "
        "taxonomy term pages so each tag gets `/tags/<tag>/index.xml`.",
        "old": """
              home = ["HTML", "RSS"]""",
        "new": """
              home = ["HTML", "RSS"]
              term = ["HTML", "RSS"]""",
        "test_file": "layouts/_default/rss.xml",
        "test": """
            <item>
              <title>{{ .Title }}</title>
              <link>{{ .Permalink }}</link>
              <description>{{ .Content | transform.XMLEscape | safeHTML }}</description>
            </item>
            """,
        "fail_cmd": "hugo --gc --minify",
        "fail": 'Error: error building site: render: failed to render pages: render of "home" '
        'failed: "layouts/_default/rss.xml:12:38": execute of template failed: function '
        '"transform" not defined',
        "why": "`transform.XMLEscape` needs Hugo 0.121+, and Netlify builds with the version "
        "pinned in `netlify.toml`, 0.119. Bumping `HUGO_VERSION` to 0.136 there (the version "
        "you run locally).",
        "fix_file": "netlify.toml",
        "fix_old": """
              HUGO_VERSION = "0.119.0\"""",
        "fix_new": """
              HUGO_VERSION = "0.136.5\"""",
        "tweak": "drafts shouldn't appear in feeds obviously",
        "tweak_answer": "They don't: drafts aren't built at all without `--buildDrafts`, which "
        "only the local dev server uses. Future-dated posts are also excluded unless "
        "`--buildFuture`.",
        "msg": "feeds: full content, one feed per tag",
        "pr": "",
        "q": [("natural", "full post content in the blog rss feed and feeds per tag")],
        "para": [],
    },
    {
        "key": "feat-synonyms",
        "repo": "search-service",
        "title": "synonyms",
        "ask": "search for 'flat' should find 'apartment', 'T2' should find '2 pièces'. "
        "synonyms support pls, on branch feature/synonyms",
        "look": "cat src/main/resources/es/listings-settings.json | head -20",
        "look_out": '{\n  "analysis": {\n    "analyzer": {\n      "autocomplete": {\n        '
        '"tokenizer": "autocomplete",',
        "file": "src/main/resources/es/listings-settings.json",
        "body": """
            "analysis": {
              "analyzer": {
            """,
        "plan": "A `synonym_graph` filter in a *search-time* analyzer, with the synonyms in "
        "a file `analysis/listings-synonyms.txt`. Search-time means changing the synonyms "
        "needs no reindex, only a reload of the analyzers (`_reload_search_analyzers`).",
        "old": """
              "analyzer": {""",
        "new": """
              "filter": {
                "listing_synonyms": {
                  "type": "synonym_graph",
                  "synonyms_path": "analysis/listings-synonyms.txt",
                  "updateable": true
                }
              },
              "analyzer": {""",
        "test_file": "src/main/resources/es/analysis/listings-synonyms.txt",
        "test": """
            flat, apartment, appartement
            t2, 2 pièces, deux pièces
            t3, 3 pièces, trois pièces
            studio, t1
            """,
        "fail_cmd": "./gradlew integrationTest --tests SynonymsIT",
        "fail": "co.elastic.clients.elasticsearch._types.ElasticsearchException: "
        "[es/indices.create] "
        "failed: [illegal_argument_exception] failed to build synonyms: IOException while reading "
        "synonyms_path_path: /usr/share/elasticsearch/config/analysis/listings-synonyms.txt",
        "why": "The synonyms file must exist on every Elasticsearch node, under `config/`. The "
        "test container doesn't have it: copy it in with `withCopyToContainer`. In production "
        "the Helm chart mounts it from a ConfigMap; I'll add that too.",
        "fix_file": "src/test/java/dev/ann/search/EsTestSupport.java",
        "fix_old": """
                .withEnv("xpack.security.enabled", "false")""",
        "fix_new": """
                .withEnv("xpack.security.enabled", "false")
                .withCopyToContainer(MountableFile.forClasspathResource("es/analysis/"),
                    "/usr/share/elasticsearch/config/analysis/")""",
        "tweak": "who maintains the list? product wants to edit it",
        "tweak_answer": "The file lives in the repo; product can edit it through a PR on "
        "GitHub's web editor, and the deploy job calls `_reload_search_analyzers` after the "
        "ConfigMap changes. No reindex, live in a minute.",
        "msg": "search: synonyms at search time (flat = apartment, T2 = 2 pièces)",
        "pr": "Search synonyms",
        "q": [
            ("keywords", "synonym_graph synonyms_path reload_search_analyzers"),
            ("natural", "searching flat should also find apartment"),
        ],
        "para": [],
    },
]


@family("feature", FEATURES)
def feature(c: Chat) -> None:
    c.p(c.v["ask"])
    c.s(
        "Let me look at how it's done today.",
        "I'll start by reading the relevant code.",
        "First a look around.",
    )
    c.sh(c.v["look"], c.v["look_out"], "Look at the existing code")
    c.read("«file»", c.v["body"])
    c.s(c.v["plan"])
    c.p("sounds good, go", "ok", "yes do it", "go ahead", "👍 go")
    c.edit("«file»", c.v["old"], c.v["new"])
    c.write("«test_file»", c.v["test"])
    c.sh(c.v["fail_cmd"], c.v["fail"], "Run the new test")
    c.s(c.v["why"])
    c.edit("«fix_file»", c.v["fix_old"], c.v["fix_new"])
    c.tests(ask=False)
    c.p(c.v["tweak"])
    c.s(c.v["tweak_answer"])
    c.commit(c.v["msg"])
    if c.v["pr"] and c.maybe(0.7):
        c.p("open a PR", "push and open a pr", "PR please")
        number = c.num(80, 900)
        repo = c.repo.name if c.repo else "app"
        c.sh(
            f"git push -u origin HEAD && gh pr create --title '{c.v['pr']}' --fill",
            f"https://github.com/ann/{repo}/pull/{number}",
            "Push and open the pull request",
        )
        c.s(f"Opened #{number}: {c.v['pr']}.")
