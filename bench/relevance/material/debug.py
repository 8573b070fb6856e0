"""Debugging: backend bugs, frontend bugs, the odd crash."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

BACKEND: list[Variant] = [
    {
        "key": "cors-credentials",
        "repo": "web-dashboard",
        "turns": [
            "dashboard on localhost:5173 calling the api on localhost:8000: 'Access to fetch "
            "has been blocked by CORS policy: The value of the Access-Control-Allow-Origin "
            "header must not be the wildcard * when the request's credentials mode is include'",
            """
            The browser sends cookies (`credentials: 'include'`), and for credentialed requests
            the server must name the exact origin, not `*`, and also send
            `Access-Control-Allow-Credentials: true`. The API (FastAPI) has
            `allow_origins=["*"]`:

            ```python
            app.add_middleware(
                CORSMiddleware,
                allow_origins=["http://localhost:5173", "https://app.ann.dev"],
                allow_credentials=True,
                allow_methods=["*"],
                allow_headers=["*"],
            )
            ```
            """,
            "or the vite proxy so it's same-origin in dev?",
            """
            Also good, and closer to production (where the app and API share a domain):

            ```ts
            server: { proxy: { '/api': 'http://localhost:8000' } }
            ```

            Then fetch `/api/...` relatively and CORS doesn't apply in dev at all. I'd do the
            proxy and keep the explicit origins for the staging setup.
            """,
        ],
        "msg": "dev: proxy /api through vite; explicit CORS origins",
        "q": [
            ("keywords", "CORS wildcard credentials include"),
            ("natural", "cors error when the dashboard calls the api with cookies"),
        ],
        "para": [],
    },
    {
        "key": "timezone-invoice-off-by-one",
        "repo": "billing-api",
        "title": "invoice dates off by one",
        "turns": [
            "customers in Australia see invoice dates one day earlier than what they picked",
            """
            Sounds like a date turned into a datetime at midnight UTC somewhere, then displayed
            in local time. Let me trace `issue_date` from the API to the PDF.
            """,
            (
                "$",
                "grep -rn issue_date billing/ | grep -v test | head",
                "billing/schemas.py:22:    issue_date: datetime\n"
                "billing/pdf/render.py:48:    issued = "
                "invoice.issue_date.astimezone(customer_tz).date()",
            ),
            """
            Found it. The API schema types `issue_date` as a `datetime`, so the date
            `2025-03-14` the customer picks becomes `2025-03-14T00:00:00Z`. The PDF then
            converts it to the customer's zone, which for Sydney is still the 14th... but the
            dashboard sends `2025-03-14T00:00:00+11:00` (local midnight), which is the 13th at
            13:00 UTC, and the DB column is a `date`, so it stores the 13th.

            An issue date is a calendar date, not an instant. Make it a `date` end to end:
            `issue_date: date` in the schema, and no `astimezone` in the renderer.
            """,
            "how many invoices are wrong in the db already",
            (
                "$",
                'psql $DATABASE_URL -Atc "SELECT count(*) FROM invoices i JOIN customers c ON '
                "c.id = i.customer_id WHERE c.timezone LIKE 'Australia/%' OR c.timezone LIKE "
                "'Pacific/%' "
                "OR c.timezone LIKE 'Asia/%'\"",
                "3118",
            ),
            """
            Up to 3,118 invoices of customers east of UTC may be a day early, but not all:
            only those created from the dashboard (the API clients send plain dates). The
            audit log has the raw request bodies, so a script can recompute the intended date
            for each; I'd review its output before updating anything.
            """,
        ],
        "msg": "invoices: issue_date is a date, not a datetime",
        "q": [
            ("natural", "why did australian customers see invoice dates a day early"),
            ("keywords", "issue_date datetime astimezone off by one"),
        ],
        "para": [],
    },
    {
        "key": "unicode-decode-cp1252",
        "repo": "ingest-worker",
        "turns": [
            "UnicodeDecodeError: 'utf-8' codec can't decode byte 0x92 in position 1833: "
            "invalid start byte — on a CSV a customer uploaded",
            """
            `0x92` is the right single quotation mark (’) in Windows-1252, the classic Excel
            on Windows export. The file isn't UTF-8. Don't guess by hand: detect it and fall
            back:

            ```python
            from charset_normalizer import from_bytes

            def decode_upload(raw: bytes) -> str:
                try:
                    return raw.decode("utf-8-sig")   # also strips Excel's BOM
                except UnicodeDecodeError:
                    best = from_bytes(raw).best()
                    if best is None:
                        raise ValueError("the file's text encoding could not be recognised")
                    return str(best)
            ```
            """,
            (
                "$",
                'python -c "from ingest.upload import decode_upload; '
                "print(decode_upload(open('/tmp/acme.csv','rb').read())[1820:1850])\"",
                "Customer’s reference,Amount",
            ),
            ("person", "decoded as cp1252 correctly. add a test with that file?"),
            "Added `tests/fixtures/cp1252.csv` (3 lines, with the ’ and an é) and a test that "
            "it decodes; plus one for a UTF-8 file with a BOM.",
        ],
        "msg": "uploads: decode non-UTF-8 CSVs (cp1252 from Excel)",
        "q": [("keywords", "UnicodeDecodeError 0x92 cp1252 csv")],
        "para": [],
    },
    {
        "key": "idempotency-double-charge",
        "repo": "payments-gateway",
        "title": "double charges",
        "turns": [
            "two customers got charged twice yesterday. the mobile app retries on timeout. "
            "don't we have idempotency keys?",
            (
                "$",
                "grep -rn Idempotency-Key internal/ | head -5",
                'internal/api/charge.go:37:\tkey := r.Header.Get("Idempotency-Key")\n'
                "internal/idem/store.go:22:func (s *Store) Seen(ctx context.Context, key string) "
                "(bool, error) {",
            ),
            (
                "$",
                "sed -n 30,60p internal/api/charge.go",
                "\tif seen, _ := h.idem.Seen(ctx, key); seen {\n\t\treturn h.replay(w, key)\n\t}\n"
                "\tres, err := h.psp.Charge(ctx, req)\n\t...\n\th.idem.Save(ctx, key, res)",
            ),
            """
            We do, but it's check-then-act: `Seen` and `Save` are two separate steps with the
            charge in between. The app's retry arrives while the first request is still waiting
            for the PSP (2 to 8 s), `Seen` says no for both, and both charge.

            The key has to be claimed atomically *before* charging:

            ```go
            ok, err := h.idem.Claim(ctx, key, 24*time.Hour) // SET key "pending" NX EX 86400
            if !ok {
                return h.replayOrConflict(w, key) // 409 while pending, the result once saved
            }
            ```

            and pass the same key to the PSP as its idempotency key, so even a crash between
            our claim and the charge can't double charge.
            """,
            "yes. and refund the 2 customers, I'll do that in the dashboard",
        ],
        "msg": "charge: claim the idempotency key atomically before charging",
        "q": [
            ("natural", "why did customers get charged twice when the app retried"),
            ("keywords", "idempotency key SET NX claim race"),
            ("title", "double charges"),
        ],
        "para": [],
    },
    {
        "key": "go-deadlock-channel",
        "repo": "zanzibar",
        "turns": [
            "fatal error: all goroutines are asleep - deadlock! in the new batch writer",
            (
                "$",
                "sed -n 1,40p internal/store/batch.go",
                "func (w *BatchWriter) Flush(tuples []Tuple) error {\n\tresults := make(chan "
                "error)\n"
                "\tfor _, t := range tuples {\n\t\tgo func(t Tuple) { results <- w.write(t) "
                "}(t)\n\t}\n"
                "\tfor range tuples {\n\t\tif err := <-results; err != nil {\n\t\t\treturn "
                "err\n\t\t}\n\t}\n"
                "\treturn nil\n}",
            ),
            """
            Two issues here:

            1. The deadlock: `w.write` takes `w.mu`, and `Flush` is called from
               `WriteBatch`, which already holds `w.mu`. The goroutines wait for the lock,
               `Flush` waits for their results: everyone waits.
            2. Also a leak: when one write fails, `Flush` returns early and the other
               goroutines block forever on the unbuffered `results`.

            Fix: don't hold `mu` around `Flush` (it only protects the buffer swap), and use
            `errgroup`:

            ```go
            g, ctx := errgroup.WithContext(ctx)
            g.SetLimit(16)
            for _, t := range tuples {
                g.Go(func() error { return w.write(ctx, t) })
            }
            return g.Wait()
            ```
            """,
            (
                "$",
                "go test -race -run TestBatchWriter ./internal/store/",
                "ok  \tgithub.com/ann/zanzibar/internal/store\t1.218s",
            ),
        ],
        "msg": "batch writer: errgroup, no lock held while flushing",
        "q": [("keywords", "all goroutines are asleep deadlock batch writer errgroup")],
        "para": [],
    },
    {
        "key": "python-circular-import",
        "repo": "billing-api",
        "turns": [
            "ImportError: cannot import name 'Customer' from partially initialized module "
            "'billing.models' (most likely due to a circular import)",
            (
                "$",
                "python -X importtime -c 'import billing.main' 2>&1 | tail -1; grep -n "
                "'^from\\|^import' billing/models/__init__.py billing/tax/calc.py",
                "billing/models/__init__.py:3:from billing.tax.calc import tax_for\n"
                "billing/tax/calc.py:5:from billing.models import Customer",
            ),
            """
            `models` imports `tax.calc` at the top, and `tax.calc` imports `models` back to get
            `Customer`. `calc.py` uses `Customer` only in a type annotation, so it doesn't need
            it at runtime:

            ```python
            from __future__ import annotations
            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from billing.models import Customer
            ```
            """,
            "ok that works. is this a smell though",
            "A bit: `models` shouldn't depend on tax logic. Moving `tax_for` calls out of the "
            "model (into the service that builds invoices) removes the cycle for real. It's a "
            "small change; want it now or as a follow-up?",
            "follow-up, make an issue",
        ],
        "msg": "tax: import Customer only for type checking",
        "q": [("natural", "circular import between billing models and tax calc")],
        "para": [],
    },
    {
        "key": "pagination-off-by-one",
        "repo": "legacy-crm",
        "chat": True,
        "turns": [
            "our api pagination skips one contact between pages, every time. page size 25",
            (
                "paste",
                "code:",
                """
                def list_contacts(page: int, size: int = 25):
                    start = page * size + 1
                    return Contact.objects.order_by("id")[start:start + size]
                """,
            ),
            """
            The `+ 1`: Python slices are 0-based and end-exclusive, so page 0 should be
            `[0:25]` and page 1 `[25:50]`. With `+ 1` page 0 is `[1:26]` (skipping the very
            first contact) and each page starts one after the previous one's end... which
            should overlap, not skip, unless your pages are 1-based: then page 1 is
            `[26:51]`, and contact 25 (index 25) is never shown. Which numbering does the client
            use?
            """,
            "1-based",
            "Then `start = (page - 1) * size`, and no `+ 1`.",
        ],
        "q": [("natural", "pagination skipped one contact between pages")],
        "para": [],
    },
    {
        "key": "torch-segfault-openmp",
        "repo": "ml-experiments",
        "title": "segfault on import",
        "turns": [
            "python segfaults when I import torch after cv2 in the training script. the other "
            "order works?!",
            (
                "$",
                "python -X faulthandler -c 'import cv2, torch' 2>&1 | tail -4",
                "Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f3b (most recent "
                "call first):\n"
                '  File "/home/ann/.venv/ml/lib/python3.11/site-packages/torch/__init__.py", line 237 in _load_global_deps',
            ),
            (
                "$",
                "ldd $(python -c 'import cv2,os;print(os.path.dirname(cv2.__file__))')/cv2*.so | "
                "grep -i omp; "
                "ls $(python -c 'import torch,os;print(os.path.dirname(torch.__file__))')/lib | "
                "grep -i omp",
                "\tlibgomp-a34b3233.so.1 => "
                "/home/ann/.venv/ml/lib/python3.11/site-packages/opencv_python.libs/libgomp-a34b3233.so.1\n"
                "libgomp-4dbbc2f2.so.1",
            ),
            """
            Two different copies of the OpenMP runtime (`libgomp`): one bundled with the
            `opencv-python` wheel, one with torch. Whichever loads first wins the symbols, and
            torch crashes with opencv's older copy.

            Install `opencv-python-headless` built against the system libgomp... simpler: the
            training code only uses cv2 for image decoding, which `torchvision.io.decode_image`
            does too. Or keep importing torch first. What do you prefer?
            """,
            "drop cv2, use torchvision",
        ],
        "msg": "data: decode images with torchvision (cv2's libgomp crashed torch)",
        "q": [
            ("natural", "segfault when importing torch after cv2"),
            ("keywords", "libgomp opencv torch segmentation fault"),
        ],
        "para": [],
    },
    {
        "key": "case-sensitive-path-docker",
        "repo": "docs-site",
        "turns": [
            "docs-site builds fine on my mac but in the docker build: Module not found: Can't "
            "resolve './components/CodeTabs'",
            ("$", "git ls-files src/components | grep -i codetabs", "src/components/Codetabs.tsx"),
            """
            The file is `Codetabs.tsx` in git, the import says `CodeTabs`. macOS's file system
            is case-insensitive, so it resolves locally; Linux (the Docker build) is
            case-sensitive. Someone renamed it only in case, which git on a Mac doesn't notice
            by default.

            ```bash
            git mv src/components/Codetabs.tsx src/components/CodeTabs.tsx
            ```

            and turn on `forceConsistentCasingInFileNames` in `tsconfig.json` so TypeScript
            catches it on Macs too.
            """,
            (
                "$",
                "git mv src/components/Codetabs.tsx src/components/CodeTabs.tsx && docker build "
                "-q -t docs-site .",
                "sha256:1be0c4f7a6d9e21f3c5b8a0d4e7f9c2b1a3d5e6f7081920a3b4c5d6e7f809a1b",
            ),
        ],
        "msg": "components: CodeTabs.tsx with its real case",
        "q": [("natural", "works on mac but module not found in docker build")],
        "para": [],
    },
    {
        "key": "float-money-rounding",
        "repo": "billing-api",
        "title": "BILL-482 rounding",
        "turns": [
            "invoice total is 0.01 off from the sum of lines for some invoices. accounting noticed",
            ("$", "python -c 'print(sum([19.99, 5.01, 0.1, 0.2]), round(2.675, 2))'", "25.3 2.67"),
            """
            Floats: `0.1 + 0.2` isn't exactly 0.3, and `round(2.675, 2)` gives 2.67 because
            2.675 is stored as 2.67499999…. The line amounts are `float` in
            `billing/invoices.py`, and the tax is rounded per line with `round()`.

            Money should be `Decimal` (or integer cents) everywhere, with explicit rounding:

            ```python
            from decimal import Decimal, ROUND_HALF_UP
            CENT = Decimal("0.01")

            def line_tax(amount: Decimal, rate: Decimal) -> Decimal:
                return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            ```

            The DB columns are already `numeric(12,2)`, so only the Python side changes.
            """,
            "half up or bankers rounding? what does accounting want",
            "Ask them, but most invoicing in the EU uses half up on each line; `round()` in "
            "Python uses banker's rounding (half to even), which is one reason the totals "
            "disagree. I made it a setting, `ROUNDING = ROUND_HALF_UP`, in one place.",
        ],
        "msg": "invoices: Decimal amounts, half-up rounding per line",
        "q": [
            ("natural", "why was the invoice total a cent off from the lines"),
            ("title", "BILL-482"),
            ("keywords", "Decimal ROUND_HALF_UP float rounding"),
        ],
        "para": [],
    },
]

family("debug-backend", BACKEND)(written)

FRONTEND: list[Variant] = [
    {
        "key": "useeffect-infinite-loop",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "this effect runs forever and hammers the api\n\n```tsx\nconst filters = { status, "
            "from, to }\nuseEffect(() => { load(filters) }, [filters])\n```",
            """
            `filters` is a new object on every render, and effect dependencies are compared
            with `Object.is`, so the effect runs after every render; `load` sets state, which
            renders again: a loop. Depend on the primitive values instead:

            ```tsx
            useEffect(() => { load({ status, from, to }) }, [status, from, to])
            ```

            or `useMemo` the object with those three as dependencies.
            """,
            "and eslint didn't warn because?",
            "`react-hooks/exhaustive-deps` checks that every used value is listed, not that "
            "listed values are stable. Some teams add the `react-hooks` rule "
            "`no-unstable-nested-components`, but nothing catches this exact case reliably.",
        ],
        "q": [("natural", "useEffect with an object dependency runs in an infinite loop")],
        "para": [],
    },
    {
        "key": "nextjs-hydration-date",
        "repo": "docs-site",
        "turns": [
            'Error: Text content does not match server-rendered HTML. Server: "3 minutes ago" '
            'Client: "4 minutes ago"',
            """
            Hydration mismatch: the "time ago" label is computed during render, once on the
            server and again in the browser a moment later, and the text differs. Render the
            absolute time on the server and switch to the relative label after mount:

            ```tsx
            function TimeAgo({ iso }: { iso: string }) {
              const [now, setNow] = useState<number | null>(null)
              useEffect(() => setNow(Date.now()), [])
              return <time dateTime={iso}>{now ? relative(iso, now) : formatDate(iso)}</time>
            }
            ```

            `suppressHydrationWarning` on the `<time>` would also silence it, but then the
            server text stays until something re-renders.
            """,
            "ok that component is used in 3 places, replace all",
        ],
        "msg": "TimeAgo: relative label only after mount (hydration mismatch)",
        "q": [("keywords", "hydration mismatch Text content does not match minutes ago")],
        "para": [],
    },
    {
        "key": "css-zindex-stacking-context",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "modal shows behind the sticky header even with z-index: 9999 on the modal. header "
            "has z-index 10",
            """
            z-index only compares elements in the same *stacking context*. If the modal is
            rendered inside an element that creates its own stacking context (anything with
            `transform`, `filter`, `opacity < 1`, `will-change`, or `position` + `z-index`),
            its 9999 only counts inside that parent, and the parent as a whole sits below the
            header.

            Check the modal's ancestors in DevTools for `transform`. The robust fix is to render
            the modal in a portal on `document.body`:

            ```tsx
            return createPortal(<div className="modal">…</div>, document.body)
            ```
            """,
            "the page wrapper has transform: translateZ(0) from some old safari hack. portal it is",
            "That's the one. With the portal the wrapper's transform no longer matters.",
        ],
        "q": [("natural", "modal behind the header despite z-index 9999")],
        "para": [],
    },
    {
        "key": "safari-date-parse",
        "repo": "mobile-app",
        "chat": True,
        "turns": [
            "new Date('2025-03-01 10:00') is Invalid Date on safari/iOS only",
            """
            The only string format `Date` must parse everywhere is ISO 8601, which needs a `T`
            between date and time: `2025-03-01T10:00`. Chrome accepts the space as an
            extension; Safari's JavaScriptCore doesn't.

            Better not to parse date strings with `new Date` at all; the API should send ISO
            with an offset (`2025-03-01T10:00:00Z`), or parse explicitly with date-fns'
            `parse(str, 'yyyy-MM-dd HH:mm', new Date())`.
            """,
            "the string comes from the API like that. I'll fix the API too",
            "Do; and note that without an offset `2025-03-01T10:00` is read as *local* time, "
            "which on phones in other zones is yet another bug.",
        ],
        "q": [("natural", "date with a space is invalid on safari")],
        "para": [],
    },
]

family("debug-frontend", FRONTEND)(written)
