"""Working on code itself: refactors, explaining code, writing tests."""

# Code quoted in the conversations keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

REFACTOR: list[Variant] = [
    {
        "key": "refactor-split-models",
        "repo": "billing-api",
        "title": "models.py split",
        "turns": [
            "billing/models.py is 2100 lines. split it into a package, one module per area, "
            "without breaking imports",
            (
                "$",
                "grep -n '^class ' billing/models.py | awk -F'[ (:]' '{print $2}' | tr '\\n' ' '",
                "Base Customer CustomerAddress TaxId Invoice InvoiceLine InvoiceStatus Payment "
                "Refund Coupon CouponRedemption Reminder AuditEntry",
            ),
            """
            13 models in 5 areas. Plan:

            ```
            billing/models/
              __init__.py      # re-exports everything: `from billing.models import Invoice` keeps working
              base.py          # Base
              customers.py     # Customer, CustomerAddress, TaxId
              invoices.py      # Invoice, InvoiceLine, InvoiceStatus
              payments.py      # Payment, Refund
              coupons.py       # Coupon, CouponRedemption
              misc.py          # Reminder, AuditEntry
            ```

            Relationships between modules use string names (`relationship("Payment")`), so
            there are no import cycles; alembic's `env.py` imports `billing.models`, which
            still registers every table.
            """,
            "go",
            (
                "$",
                "python -c 'import billing.models as m; print(len(m.Base.metadata.tables))' && "
                "alembic check",
                "13\nNo new upgrade operations detected.",
            ),
            "All 13 tables registered and `alembic check` sees no schema difference.",
        ],
        "msg": "models: one module per area (imports unchanged)",
        "q": [("natural", "when we split the 2000 line models file into a package")],
        "para": [],
    },
    {
        "key": "refactor-ts-strict",
        "repo": "web-dashboard",
        "title": "strict mode, step by step",
        "turns": [
            "I want strict: true in the dashboard's tsconfig but it gives 340 errors. plan to "
            "get there gradually?",
            """
            Turn the flags on one at a time, fixing each before the next, roughly by number of
            errors:

            1. `noImplicitThis`, `alwaysStrict` (usually few);
            2. `strictBindCallApply`, `strictFunctionTypes`;
            3. `noImplicitAny` (most of the work: untyped params);
            4. `strictNullChecks` (the valuable one).

            For the last, `typescript-strict-plugin` lets you enable strict per file with a
            `// @ts-strict` comment, and CI checks those files strictly; new files start
            strict.
            """,
            (
                "$",
                'for f in noImplicitAny strictNullChecks; do echo "$f $(npx tsc --noEmit --$f '
                "2>&1 | grep -c 'error TS')\"; done",
                "noImplicitAny 118\nstrictNullChecks 203",
            ),
            "`noImplicitAny` first then, 118 errors. Most are callback parameters in `src/api/`.",
        ],
        "q": [
            ("natural", "how to turn on typescript strict mode gradually with hundreds of errors")
        ],
        "para": [],
    },
    {
        "key": "refactor-callbacks-async",
        "repo": "notifier",
        "turns": [
            "src/legacy/smtp.ts is callback hell, convert it to async/await",
            ("$", "grep -c 'function (err' src/legacy/smtp.ts", "17"),
            """
            17 nested callbacks. The underlying `nodemailer` transport has a promise API
            already (`transporter.sendMail()` returns a promise without a callback), and the
            template loading uses `fs.readFile`, for which there's `fs/promises`. So the whole
            file becomes straight-line code with `try/catch`; the exported function keeps its
            callback signature through `util.callbackify` for the two old callers.
            """,
            "no, change the callers too, only 2",
            "Done: `sendTemplated` is `async` now and both callers `await` it. 240 lines → 110.",
        ],
        "msg": "smtp: async/await instead of callbacks",
        "q": [("keywords", "callback hell async await nodemailer callbackify")],
        "para": [],
    },
    {
        "key": "refactor-store-interface",
        "repo": "zanzibar",
        "turns": [
            "tests for the check engine need a real postgres and take 40s. can we put the "
            "store behind an interface and use an in-memory one in unit tests",
            """
            The engine only uses three store methods: `ReadTuples`, `ReadUsersetTuples` and
            `Revision`. An interface with just those, defined in the `check` package (where
            it's consumed):

            ```go
            type TupleReader interface {
                ReadTuples(ctx context.Context, obj Object, rel string, rev Revision) ([]Tuple, error)
                ReadUsersetTuples(ctx context.Context, obj Object, rel string, rev Revision) ([]Tuple, error)
                Revision(ctx context.Context) (Revision, error)
            }
            ```

            `*store.Store` already satisfies it. `memstore` implements it with a map for the
            unit tests; the Postgres-backed tests stay, tagged `integration`.
            """,
            (
                "$",
                "go test ./internal/check/ && go test -tags integration ./internal/store/",
                "ok  \tgithub.com/ann/zanzibar/internal/check\t0.391s\n"
                "ok  \tgithub.com/ann/zanzibar/internal/store\t38.112s",
            ),
            "Check engine tests: 0.4 s.",
        ],
        "msg": "check: depend on a TupleReader interface; memstore for tests",
        "q": [("natural", "in-memory store so the check engine tests don't need postgres")],
        "para": [],
    },
    {
        "key": "refactor-rename-customer-account",
        "repo": "web-dashboard",
        "turns": [
            "product renamed 'customer' to 'account' in the UI. rename in the frontend code "
            "too? types, components, routes",
            """
            The UI strings are the must; renaming the code is worth it if the API will also
            rename, otherwise the code and the API speak different languages. Does billing-api
            rename too?
            """,
            "no, the api keeps customer",
            """
            Then I'd rename only what users see: the strings in `locales/`, the routes
            (`/customers` → `/accounts`, with a redirect from the old paths for bookmarks) and
            page titles. Types and components keep `Customer`, matching the API. A short note in
            `docs/glossary.md` explains that "account" in the UI is "customer" in the code.
            """,
            "agreed",
        ],
        "msg": "ui: say account instead of customer (code and api keep customer)",
        "q": [("natural", "product renamed customer to account in the ui, did we rename the code")],
        "para": [],
    },
    {
        "key": "refactor-print-to-logging",
        "repo": "ml-experiments",
        "turns": [
            "train.py prints everything. switch to logging with timestamps, and keep tqdm bars "
            "working",
            """
            `logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s",
            level=logging.INFO)` and `log.info` instead of `print`. The catch is tqdm: log
            lines written while a bar is drawn break it. `tqdm.contrib.logging.
            logging_redirect_tqdm()` routes log records through `tqdm.write`:

            ```python
            with logging_redirect_tqdm():
                for epoch in trange(cfg.epochs):
                    ...
                    log.info("epoch %d val_loss %.4f", epoch, val.loss)
            ```
            """,
            (
                "$",
                "grep -c 'print(' train/*.py",
                "train/data.py:6\ntrain/train.py:21\ntrain/augment.py:0",
            ),
            "Replaced the 27 `print` calls; the bars stay on one line and log lines appear "
            "above them.",
        ],
        "msg": "train: logging instead of print, tqdm-safe",
        "q": [("keywords", "logging_redirect_tqdm print tqdm bars")],
        "para": [],
    },
]

family("refactor", REFACTOR)(written)

EXPLAIN: list[Variant] = [
    {
        "key": "explain-bash-script",
        "repo": "infra",
        "chat": True,
        "turns": [
            "what does this line from our deploy script do\n\n```bash\nexec > >(tee -a "
            '"$LOG") 2>&1\n```',
            """
            From this line on, everything the script prints (stdout and stderr) goes both to
            the terminal and appended to the file `$LOG`:

            - `exec > …` without a command redirects the current shell's own stdout;
            - `>(tee -a "$LOG")` is a process substitution: a `tee` process that copies its
              input to the file and its stdout;
            - `2>&1` sends stderr to the same place.
            """,
            "why not just ./deploy.sh | tee log",
            "That works from the outside; the `exec` form lets the script log itself "
            "however it's called (cron, CI), and keeps its exit status (with a pipe the status "
            "is `tee`'s unless `pipefail` is set).",
        ],
        "q": [("keywords", "exec tee process substitution 2>&1 deploy script")],
        "para": [],
    },
    {
        "key": "explain-sql-recursive",
        "repo": "legacy-crm",
        "chat": True,
        "turns": [
            "explain this query from the crm, I inherited it\n\n```sql\nWITH RECURSIVE chain "
            "AS (\n  SELECT id, manager_id, name, 1 AS depth FROM employees WHERE id = $1\n  "
            "UNION ALL\n  SELECT e.id, e.manager_id, e.name, c.depth + 1\n  FROM employees e "
            "JOIN chain c ON e.id = c.manager_id\n)\nSELECT * FROM chain;\n```",
            """
            It walks *up* the management chain from one employee:

            1. the first `SELECT` (the anchor) is the employee `$1` itself, depth 1;
            2. the part after `UNION ALL` runs repeatedly: each round joins the rows found in
               the previous round to their manager (`e.id = c.manager_id`), depth + 1;
            3. it stops when a round finds no new row (the top, whose `manager_id` is NULL).

            The result: the employee, their manager, the manager's manager… up to the CEO.
            """,
            "what if someone is their own manager's manager (a loop)",
            "It would run forever (until memory runs out). Guard with a depth limit (`WHERE "
            "c.depth < 50`) or, in PostgreSQL 14+, `CYCLE id SET is_cycle USING path` after "
            "the CTE.",
        ],
        "q": [("natural", "recursive cte that walks up the management chain")],
        "para": [],
    },
    {
        "key": "explain-regex-log",
        "repo": "ingest-worker",
        "chat": True,
        "turns": [
            "what does this regex match: ^(?P<ip>\\S+) \\S+ \\S+ \\[(?P<ts>[^\\]]+)\\] "
            '"(?P<method>[A-Z]+) (?P<path>\\S+)',
            """
            The start of an access log line in the common log format (nginx/Apache):

            - `(?P<ip>\\S+)`: the client IP (any non-space run), named `ip`;
            - `\\S+ \\S+`: the ident and user fields (usually `- -`);
            - `\\[(?P<ts>[^\\]]+)\\]`: the timestamp between brackets, named `ts`;
            - `"(?P<method>[A-Z]+) (?P<path>\\S+)`: the quoted request line's method and path.

            It stops there, so protocol, status and size aren't captured.
            """,
            "add status and bytes",
            'Append ` \\S+" (?P<status>\\d{3}) (?P<bytes>\\d+|-)`: the protocol, the closing '
            "quote, the 3-digit status, and the size (`-` when none).",
        ],
        "q": [("natural", "explain the access log regex with named groups")],
        "para": [],
    },
    {
        "key": "explain-go-select",
        "repo": "zanzibar",
        "chat": True,
        "turns": [
            "what does this do\n\n```go\nselect {\ncase res := <-results:\n    return res, "
            "nil\ncase <-ctx.Done():\n    return nil, ctx.Err()\n}\n```",
            """
            It waits for whichever comes first: a value on `results`, or the context being
            cancelled (timeout or the caller giving up). If the result arrives first it's
            returned; if the context ends first, the function returns the context's error
            (`context.DeadlineExceeded` or `context.Canceled`) without waiting any longer.
            """,
            "and the goroutine that would have sent to results?",
            "If `results` is unbuffered, it blocks forever on its send: a goroutine leak. Make "
            "the channel buffered with capacity 1 so the late send succeeds and the goroutine "
            "exits.",
        ],
        "q": [("keywords", "select ctx.Done results channel goroutine leak buffered")],
        "para": [],
    },
    {
        "key": "explain-k8s-yaml",
        "repo": "infra",
        "chat": True,
        "turns": [
            "explain podAntiAffinity in our billing deployment, I don't get the topologyKey part",
            """
            It tells the scheduler to avoid putting two billing-api pods in the same
            *topology domain*, and `topologyKey` says what a domain is: a node label. With
            `kubernetes.io/hostname` each node is its own domain, so pods spread over nodes;
            with `topology.kubernetes.io/zone`, over availability zones.

            `preferredDuringScheduling…` means "try", so pods still schedule when there are
            more pods than nodes; `required…` would leave them pending instead.
            """,
            "we use hostname + preferred",
            "So a node failure takes out at most one pod when there are enough nodes. For "
            "zone failures, `topologySpreadConstraints` on the zone label is the newer, "
            "clearer way.",
        ],
        "q": [("natural", "what does topologyKey mean in pod anti affinity")],
        "para": [],
    },
    {
        "key": "explain-react-reducer",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "why would someone use useReducer here instead of 4 useStates? the invoice editor",
            """
            Because the four values change together: adding a line updates `lines`,
            recomputes `totals`, marks `dirty` and clears `errors`. With separate `useState`s
            each event handler has to update all four correctly; with a reducer there's one
            function that takes the old state and an action (`{type: "addLine"}`) and returns
            the new state, easy to test without rendering anything.
            """,
            "makes sense, the reducer has tests indeed",
            "That's the main win: `reducer(state, action)` is a pure function, so its tests "
            "are plain input/output checks.",
        ],
        "q": [("natural", "why use useReducer instead of several useState in the invoice editor")],
        "para": [],
    },
]

family("explain", EXPLAIN)(written)

TESTS: list[Variant] = [
    {
        "key": "tests-property-based-parser",
        "repo": "tidy",
        "turns": [
            "write property tests for fix_text: fixing twice = fixing once, and it never "
            "changes non-whitespace content",
            """
            With `proptest`:

            ```rust
            proptest! {
                #[test]
                fn fix_is_idempotent(s in "[ a-z\\t\\r\\n]{0,200}") {
                    let once = fix_text(&s);
                    prop_assert_eq!(fix_text(&once), once.clone());
                }

                #[test]
                fn fix_keeps_non_whitespace(s in "\\\\PC{0,200}") {
                    let strip = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
                    prop_assert_eq!(strip(&fix_text(&s)), strip(&s));
                }
            }
            ```
            """,
            (
                "$",
                "cargo test fix_ 2>&1 | tail -8",
                "thread 'fix_is_idempotent' panicked\nproptest: minimal failing input: s = "
                '"a\\r"\n'
                "test result: FAILED. 1 passed; 1 failed",
            ),
            """
            Found a real bug: for `"a\\r"` (a lone carriage return at the end), the first
            fix adds a final `\\n`, giving `"a\\r\\n"`... and the second pass sees a CRLF line
            and keeps it, while the first saw a line ending in `\\r` whitespace and trimmed
            it differently. `fix_text` must treat a lone `\\r` before the end as a line ending
            consistently. Fixed in `split_lines`.
            """,
        ],
        "msg": "proptest: fix is idempotent and keeps content; lone CR fixed",
        "q": [("natural", "property tests for tidy that found the lone carriage return bug")],
        "para": [],
    },
    {
        "key": "tests-factory-boy",
        "repo": "legacy-crm",
        "turns": [
            "our crm tests build objects by hand in every test, 30 lines of setup each. "
            "cleaner way?",
            """
            `factory_boy` factories: defaults for every field, overridable per test, related
            objects created automatically:

            ```python
            class CompanyFactory(DjangoModelFactory):
                class Meta:
                    model = Company
                name = factory.Faker("company")

            class ContactFactory(DjangoModelFactory):
                class Meta:
                    model = Contact
                email = factory.Sequence(lambda n: f"person{n}@example.test")
                name = factory.Faker("name")
                company = factory.SubFactory(CompanyFactory)
            ```

            A test then says only what matters to it: `ContactFactory(company__name="Acme")`.
            """,
            "and with pytest fixtures?",
            "`pytest-factoryboy`'s `register(ContactFactory)` turns it into fixtures "
            "`contact` and `contact_factory`.",
        ],
        "q": [("keywords", "factory_boy SubFactory Sequence crm tests")],
        "para": [],
    },
    {
        "key": "tests-msw-mock-api",
        "repo": "web-dashboard",
        "turns": [
            "component tests mock fetch with vi.fn everywhere and it's brittle. better?",
            """
            Mock Service Worker (MSW) intercepts requests at the network level, so components
            use their real fetch code and you describe the API once:

            ```ts
            export const handlers = [
              http.get('/api/invoices', () => HttpResponse.json([invoice1, invoice2])),
            ]
            const server = setupServer(...handlers)
            beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
            afterEach(() => server.resetHandlers())
            afterAll(() => server.close())
            ```

            A test overrides one endpoint with `server.use(...)` to simulate an error.
            """,
            "onUnhandledRequest error is strict",
            "On purpose: a request nobody mocked fails the test loudly instead of hanging or "
            "hitting a real server.",
        ],
        "q": [("natural", "stop mocking fetch by hand in component tests")],
        "para": [],
    },
    {
        "key": "tests-go-golden-files",
        "repo": "zanzibar",
        "turns": [
            "the expand API returns big trees, asserting them field by field is painful",
            """
            Golden files: write the JSON output to `testdata/<name>.golden` once, compare on
            every run, and regenerate with a flag when the change is intended:

            ```go
            var update = flag.Bool("update", false, "rewrite golden files")

            func golden(t *testing.T, name string, got []byte) {
                path := filepath.Join("testdata", name+".golden")
                if *update {
                    os.WriteFile(path, got, 0o644)
                }
                want, _ := os.ReadFile(path)
                if diff := cmp.Diff(string(want), string(got)); diff != "" {
                    t.Errorf("%s mismatch (-want +got):\\n%s", name, diff)
                }
            }
            ```

            `go test ./... -update` rewrites them; the diff in the PR shows what changed.
            """,
            (
                "$",
                "go test ./internal/api/ -run Expand -update && git status --short testdata",
                "?? internal/api/testdata/expand_nested_groups.golden\n?? "
                "internal/api/testdata/expand_folder_inheritance.golden",
            ),
        ],
        "msg": "expand: golden file tests",
        "q": [("keywords", "golden files -update flag testdata expand")],
        "para": [],
    },
    {
        "key": "tests-snapshot-pdf",
        "repo": "billing-api",
        "turns": [
            "how do we test that the invoice PDF looks right, not just that it contains text",
            """
            Visual regression: render each test invoice to PNG (page 1, 100 dpi, with
            `pdftoppm`) and compare to a stored reference image with a small tolerance
            (`pixelmatch`-style, via `pytest-image-diff`). Fonts must be identical in CI and
            locally, so run these tests only in the Docker image.
            """,
            "tolerance how much",
            "Start at 0.1% of pixels: anti-aliasing differences stay below it, a moved "
            "column or a missing logo is far above.",
        ],
        "q": [("natural", "visual regression test for the invoice pdf")],
        "para": [],
    },
    {
        "key": "tests-coverage-gaps",
        "repo": "payments-gateway",
        "turns": [
            "which parts of payments-gateway have no test coverage at all",
            (
                "$",
                "go test -coverprofile=cover.out ./... >/dev/null && go tool cover "
                "-func=cover.out | sort -k3 -n | head -6",
                "github.com/ann/payments-gateway/internal/psp/refund.go:41:\t\tRefund\t\t0.0%\n"
                "github.com/ann/payments-gateway/internal/psp/refund.go:88:\t\tpartialRefund\t0.0%\n"
                "github.com/ann/payments-gateway/internal/api/payout.go:22:\t\tPayout\t\t12.5%",
            ),
            "Refunds have no test at all (`Refund`, `partialRefund`), and payouts almost none. "
            "Refunds move money, so I'd start there: the PSP client can be faked with "
            "`httptest.Server` returning the PSP's documented responses.",
            "write the refund tests",
        ],
        "msg": "psp: refund tests (full, partial, PSP errors)",
        "q": [("natural", "which parts of the payments gateway had no test coverage")],
        "para": [],
    },
]

family("tests", TESTS)(written)
