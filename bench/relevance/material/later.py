"""Coming back later: sessions on the same projects and topics as earlier
ones, about something else (the next CI problem on the same pipeline, what
broke after an upgrade). They are the near neighbours a search must tell
apart, and history is full of them."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

LATER: list[Variant] = [
    {
        "key": "later-billing-ci-shards",
        "repo": "billing-api",
        "title": "split billing tests",
        "turns": [
            "billing-api CI install is fast now but the tests themselves take 6 min. can we "
            "split them across jobs",
            """
            Yes: `pytest-split` divides the suite into N groups of equal *duration*, using a
            `.test_durations` file recorded from a full run. A matrix of 4 jobs:

            ```yaml
            strategy:
              matrix:
                group: [1, 2, 3, 4]
            steps:
              - run: pytest -q --splits 4 --group ${{ matrix.group }}
            ```

            The durations file is refreshed by a weekly job with `--store-durations`; when it's
            stale the groups are a bit uneven, nothing breaks.
            """,
            (
                "$",
                "pytest --store-durations -q 2>&1 | tail -1 && git add .test_durations",
                "212 passed in 351.08s (0:05:51)",
            ),
            "Recorded. With 4 groups each one should take about 1m30.",
            "and the coverage report? it's per job now",
            """
            Each job uploads its `.coverage.*` file as an artifact, and a final job after the
            matrix downloads them, runs `coverage combine` and `coverage report
            --fail-under=85`. That keeps one coverage number for the PR.
            """,
        ],
        "msg": "ci: run the tests in 4 groups of equal duration",
        "q": [
            ("natural", "how did we split the billing tests across parallel ci jobs"),
            ("keywords", "pytest-split durations coverage combine"),
        ],
        "para": [],
    },
    {
        "key": "later-playwright-browsers-cache",
        "repo": "web-dashboard",
        "turns": [
            "the e2e job in the dashboard workflow spends 1m40 in 'npx playwright install "
            "--with-deps' every run",
            """
            The browsers (about 450 MB) are downloaded into `~/.cache/ms-playwright` each time.
            Cache that folder keyed on the Playwright version, and only install the system
            dependencies on a hit:

            ```yaml
            - id: pw
              run: echo "version=$(pnpm exec playwright --version | cut -d' ' -f2)" >> $GITHUB_OUTPUT
            - uses: actions/cache@v4
              id: pw-cache
              with:
                path: ~/.cache/ms-playwright
                key: playwright-${{ runner.os }}-${{ steps.pw.outputs.version }}
            - if: steps.pw-cache.outputs.cache-hit != 'true'
              run: pnpm exec playwright install --with-deps chromium
            - if: steps.pw-cache.outputs.cache-hit == 'true'
              run: pnpm exec playwright install-deps chromium
            ```

            Also: install only `chromium`, the suite doesn't run Firefox or WebKit.
            """,
            "install-deps still takes 40s with apt",
            "Then run the job in the official image `mcr.microsoft.com/playwright:v1.47.2-"
            "jammy` (`container:` on the job): browsers and system libraries are already in "
            "it, no install step at all.",
        ],
        "q": [("natural", "playwright install taking too long in the e2e ci job")],
        "para": [],
    },
    {
        "key": "later-invoices-partitioning",
        "repo": "billing-api",
        "turns": [
            "invoices table hits 120M rows next year. should we partition it? by year?",
            """
            Partitioning helps if queries usually touch one partition (filtered by date) or if
            you want to drop old data cheaply. Your hot query filters by `customer_id` and
            sorts by `created_at`, across all years for big customers, so yearly partitions
            would make it check every partition. With the composite index it's 0.14 ms today;
            120M rows adds maybe one B-tree level.

            I wouldn't partition for query speed. Reasons that *would* justify it: archiving
            invoices older than 10 years (legal retention) by detaching partitions, or vacuum
            times on one huge table.
            """,
            "retention is 10 years so dropping old ones is real but not before 2032",
            "Then wait: converting later is a known procedure (new partitioned table, move data "
            "in batches, swap). Revisit when the retention job is due, or if autovacuum on "
            "`invoices` starts taking hours.",
        ],
        "q": [("natural", "should we partition the invoices table by year")],
        "para": [],
    },
    {
        "key": "later-pydantic-decimal-json",
        "repo": "billing-api",
        "title": "PRT-88 numeric format regression",
        "turns": [
            "after the pydantic 2 release a partner says our API returns amounts as strings "
            '"119.00" instead of numbers 119.0',
            """
            That's a Pydantic 2 change: `Decimal` fields are serialized to JSON as strings by
            default (to keep exact values), while v1 turned them into floats. Your
            `InvoiceOut.total` is a `Decimal`.

            Strings are the safer format for money, but the partner's integration expects
            numbers. To keep the old behaviour for this API version:

            ```python
            Money = Annotated[Decimal, PlainSerializer(float, return_type=float, when_used="json")]
            ```

            and use `Money` for the amount fields of the response models.
            """,
            "keep numbers for v1, strings in v2 of the api",
            "Made two response models: `/v1/…` uses `Money` (floats, as before), `/v2/…` "
            "returns strings and says so in the OpenAPI schema. The changelog entry tells "
            "integrators to move to v2 for exact amounts.",
        ],
        "msg": "api v1: amounts as numbers again (pydantic 2 made them strings)",
        "q": [
            ("natural", "decimal amounts became strings in the api json after pydantic 2"),
            ("title", "PRT-88 regression"),
        ],
        "para": [],
    },
    {
        "key": "later-git-unstage",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "git add . added a file I don't want in this commit. undo the add, keep the file",
            "`git restore --staged path/to/file` (older git: `git reset HEAD path/to/file`). "
            "The file stays as it is in your working folder, just unstaged.",
            "all files?",
            "`git restore --staged .`",
        ],
        "q": [("natural", "undo git add for one file without losing it")],
        "para": [],
    },
    {
        "key": "later-git-reset-hard-lost",
        "repo": "zanzibar",
        "title": "lost work after reset --hard",
        "turns": [
            "I ran git reset --hard and lost an afternoon of uncommitted changes. any hope?",
            """
            Honest answer: changes that were never committed nor staged are not in git, so
            `reset --hard` overwrote them for good. Two places to look anyway:

            1. if you ran `git add` at some point, the staged versions exist as dangling
               blobs: `git fsck --lost-found`, then look in `.git/lost-found/other/`;
            2. your editor's local history: VS Code's "Timeline" view per file and GoLand's
               "Local History" keep copies of saved files.
            """,
            ("$", "git fsck --lost-found 2>/dev/null | grep -c blob", "4"),
            (
                "$",
                "grep -l 'func (s \\*Server) ListObjects' .git/lost-found/other/*",
                ".git/lost-found/other/9d12c7e0b4a51e8f03b2d44a61c95d0e7f3a2b18",
            ),
            "One of the four dangling blobs is `list_objects.go` as you last staged it. Copy "
            "it back: `cp .git/lost-found/other/9d12c7… internal/api/list_objects.go`.",
            "saved most of it. wow",
        ],
        "q": [
            ("natural", "recover uncommitted changes after git reset --hard"),
            ("keywords", "lost-found dangling blob reset --hard"),
        ],
        "para": [],
    },
    {
        "key": "later-migrate-init-container",
        "repo": "infra",
        "turns": [
            "where should billing-api run its alembic migrations in k8s? now it's in the "
            "container entrypoint and 6 pods race each other on deploy",
            """
            Running them in every pod's entrypoint means six concurrent `alembic upgrade`s;
            alembic has no lock, so two can apply the same revision. Options:

            1. a Helm `pre-upgrade` hook Job that runs `alembic upgrade head` once, before the
               new pods start;
            2. an init container per pod with a Postgres advisory lock around the upgrade.

            The hook Job is the usual choice: one run, logs in one place, and the deploy stops
            if it fails.
            """,
            "hook job. what if the migration is slow, does helm time out",
            "`helm upgrade --timeout 15m` covers the hook too (default 5 minutes). And keep "
            "the `lock_timeout` from the alembic env so a blocked migration fails fast instead "
            "of hanging.",
        ],
        "msg": "billing: migrations in a pre-upgrade hook job",
        "q": [("natural", "where to run database migrations when deploying to kubernetes")],
        "para": [],
    },
    {
        "key": "later-node-heap-limit",
        "repo": "notifier",
        "turns": [
            "notifier batch job for the monthly digest crashes: FATAL ERROR: Reached heap "
            "limit Allocation failed - JavaScript heap out of memory",
            """
            This one isn't the listener leak from before: the digest job loads every
            subscriber (800k) with their last 30 notifications into one array before sending.
            Node's default heap limit (about 2–4 GB depending on the version and memory) runs
            out.

            Raising the limit (`node --max-old-space-size=6144`) would hide it until next
            year. Stream instead: read subscribers with a cursor in pages of 1,000, build and
            queue each page's emails, release the page.
            """,
            "stream it",
            (
                "$",
                "node --expose-gc dist/jobs/digest.js --dry-run",
                "subscribers: 803412, pages: 804, peak heapUsed: 182MB, duration: 6m12s",
            ),
            "Peak heap 182 MB for the whole run.",
        ],
        "msg": "digest: page through subscribers instead of loading all",
        "q": [("keywords", "JavaScript heap out of memory digest max-old-space-size")],
        "para": [],
    },
    {
        "key": "later-cargo-dist-release",
        "repo": "tidy",
        "turns": [
            "people want prebuilt tidy binaries for mac/linux/windows instead of cargo "
            "install. least effort way?",
            """
            `cargo-dist` generates the release workflow: on a tag it builds the binaries for
            the targets you choose, makes archives, checksums, a shell and a PowerShell
            installer, and a Homebrew formula if you want:

            ```bash
            cargo install cargo-dist
            cargo dist init      # pick targets and installers
            ```

            It writes `.github/workflows/release.yml` and `[workspace.metadata.dist]` in
            `Cargo.toml`. Your existing release workflow (the one triggered on `v*` tags)
            would be replaced.
            """,
            (
                "$",
                "cargo dist plan",
                "announcing v0.9.1\n  tidy 0.9.1\n    tidy-aarch64-apple-darwin.tar.xz\n"
                "    tidy-x86_64-apple-darwin.tar.xz\n    tidy-x86_64-pc-windows-msvc.zip\n"
                "    tidy-x86_64-unknown-linux-gnu.tar.xz\n    tidy-installer.sh\n    "
                "tidy-installer.ps1",
            ),
            ("person", "perfect, and a homebrew tap?"),
            'Add `installers = ["shell", "powershell", "homebrew"]` and `tap = '
            '"ann/homebrew-tap"`; the workflow pushes the formula there, with a token that '
            "can write to that repo.",
        ],
        "q": [
            ("natural", "prebuilt binaries for tidy on mac linux and windows"),
            ("keywords", "cargo-dist homebrew tap installer"),
        ],
        "para": [],
    },
    {
        "key": "later-celery-prefetch",
        "repo": "ingest-worker",
        "turns": [
            "some workers are idle while others have a backlog of long normalize tasks. "
            "concurrency 4 on each",
            """
            Celery's default prefetch: each worker process reserves `worker_prefetch_multiplier
            = 4` tasks ahead. With long tasks, a worker grabs 16 tasks at once and sits on them
            while other workers have nothing to do. For long tasks:

            ```python
            app.conf.worker_prefetch_multiplier = 1
            app.conf.task_acks_late = True
            ```

            `acks_late` also means a task whose worker dies is redelivered instead of lost
            (make sure tasks are safe to run twice).
            """,
            "normalize_batch is idempotent yes",
            "Then both settings are safe. Expect the queue to drain evenly across workers.",
        ],
        "msg": "celery: prefetch 1 and late acks for long tasks",
        "q": [("keywords", "worker_prefetch_multiplier acks_late idle workers")],
        "para": [],
    },
    {
        "key": "later-admin-search-prefix",
        "repo": "legacy-crm",
        "turns": [
            "the search box in the django admin for companies is slow too, 3s",
            """
            `search_fields = ["name", "domain"]` makes Django run `ILIKE '%term%'` on both
            columns, joined with OR, which can't use a normal index. Two options:

            - prefix search with `^`: `search_fields = ["^name", "^domain"]` becomes
              `ILIKE 'term%'`, which a `text_pattern_ops` index serves;
            - keep substring search and add trigram indexes, as for contacts.

            Company names are usually searched by their beginning, so `^` is enough here.
            """,
            "yes prefix",
        ],
        "msg": "admin: prefix search on companies",
        "q": [("natural", "django admin company search slow, prefix search")],
        "para": [],
    },
    {
        "key": "later-compose-watch",
        "repo": "billing-api",
        "turns": [
            "dev loop: every code change I rebuild the api container. hot reload with compose?",
            """
            `docker compose watch` (Compose 2.22+) syncs files into the running container and
            rebuilds only when dependencies change:

            ```yaml
            services:
              api:
                build: .
                command: uvicorn billing.main:app --host 0.0.0.0 --reload
                develop:
                  watch:
                    - action: sync
                      path: ./billing
                      target: /app/billing
                    - action: rebuild
                      path: requirements.txt
            ```

            uvicorn's `--reload` picks up the synced files.
            """,
            (
                "$",
                "docker compose watch",
                "watching [/home/ann/src/billing-api/billing "
                "/home/ann/src/billing-api/requirements.txt]\n"
                'Syncing "api" after changes were detected',
            ),
            "Changes show up in about a second now.",
        ],
        "q": [("keywords", "docker compose watch sync rebuild uvicorn reload")],
        "para": [],
    },
    {
        "key": "later-terraform-import-bucket",
        "repo": "infra",
        "turns": [
            "the ann-exports bucket was created by hand in the console. get it into terraform "
            "without recreating it",
            """
            Write the resource, then import it (Terraform 1.5+ can do it in config):

            ```hcl
            import {
              to = aws_s3_bucket.exports
              id = "ann-exports"
            }

            resource "aws_s3_bucket" "exports" {
              bucket = "ann-exports"
            }
            ```

            `terraform plan -generate-config-out=generated.tf` can even write the resource
            blocks for you; review them before keeping.
            """,
            (
                "$",
                "terraform plan -no-color | tail -2",
                "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.",
            ),
            "1 to import, nothing else: the config matches the bucket.",
        ],
        "q": [("natural", "import a bucket created by hand into terraform")],
        "para": [],
    },
    {
        "key": "later-expo-updates-channels",
        "repo": "mobile-app",
        "turns": [
            "can we push a JS-only fix to the app without going through app store review",
            """
            Yes, with EAS Update: JavaScript and assets can be updated over the air, as long as
            no native code changed. Builds listen on a *channel* (`production`, `preview`);
            you publish to a branch mapped to it:

            ```bash
            eas update --branch production --message "fix receipt date format"
            ```

            The app downloads it on next launch and applies it on the launch after (or
            immediately, if you call `Updates.reloadAsync()`).
            """,
            "and if the update is broken?",
            "`eas update:rollback` (or republish the previous update); builds also fall back "
            "to the embedded bundle if an update crashes on launch. Test on the `preview` "
            "channel first.",
        ],
        "q": [("natural", "push a javascript fix to the app without store review")],
        "para": [],
    },
    {
        "key": "later-es-reindex-alias",
        "repo": "search-service",
        "turns": [
            "the autocomplete mapping change needs a reindex of listings. how without downtime",
            """
            Through an alias: the app queries `listings` which is an alias, not an index.

            1. create `listings_v2` with the new mapping;
            2. `_reindex` from `listings_v1` to `listings_v2` (with `slices=auto`);
            3. catch up the writes made during the reindex (the indexer re-sends everything
               updated since the start time);
            4. atomically move the alias: one `_aliases` call with `remove` v1 and `add` v2.
            """,
            ("$", "curl -s localhost:9200/_cat/aliases/listings", "listings listings_v1 - - - -"),
            "Good, `listings` is already an alias, so the app needs no change.",
        ],
        "q": [("keywords", "reindex alias swap zero downtime listings_v2")],
        "para": [],
    },
    {
        "key": "later-idem-keys-ttl",
        "repo": "payments-gateway",
        "turns": [
            "redis memory for payments keeps growing since the idempotency fix",
            (
                "$",
                "redis-cli --scan --pattern 'idem:v2:*' | head -1000 | xargs -n 100 redis-cli ttl "
                "| sort | uniq -c | sort -rn | head -3",
                "    702 -1\n    298 84211",
            ),
            """
            70% of the sampled keys have no TTL (`-1`). The `Claim` sets the key with `EX
            86400`, but `Save` overwrites it with a plain `SET` when storing the result, which
            removes the expiry. Use `SET … KEEPTTL` in `Save`, and a one-off scan that adds an
            expiry to existing keys without one.
            """,
            "ok do both",
        ],
        "msg": "idempotency: keep the TTL when saving the result",
        "q": [("spread", "redis memory growing idempotency KEEPTTL")],
        "para": [],
    },
    {
        "key": "later-cohort-retention",
        "repo": "data-notebooks",
        "chat": True,
        "turns": [
            "monthly cohort retention table in pandas: signup month × months since signup, % "
            "still active",
            """
            ```python
            ev = events.assign(month=events["at"].dt.to_period("M"))
            first = ev.groupby("user_id")["month"].min().rename("cohort")
            ev = ev.join(first, on="user_id")
            ev["age"] = (ev["month"] - ev["cohort"]).apply(lambda d: d.n)
            counts = ev.groupby(["cohort", "age"])["user_id"].nunique().unstack(fill_value=0)
            retention = counts.div(counts[0], axis=0).round(3)
            ```

            Rows are cohorts, columns months since signup, column 0 is 100%.
            """,
            "heatmap of it?",
            '`sns.heatmap(retention, annot=True, fmt=".0%", cmap="Blues")`.',
        ],
        "q": [("natural", "cohort retention table by signup month in pandas")],
        "para": [],
    },
    {
        "key": "later-react-query-focus",
        "repo": "web-dashboard",
        "turns": [
            "every time I switch back to the dashboard tab all queries refetch and the tables "
            "flash",
            """
            TanStack Query refetches stale queries on window focus, and with the default
            `staleTime: 0` every query is stale immediately. Give data a freshness period:

            ```ts
            const queryClient = new QueryClient({
              defaultOptions: { queries: { staleTime: 60_000 } },
            })
            ```

            and the flash comes from rendering a loading state during refetch: use
            `isPending` (first load) instead of `isFetching` for the spinner.
            """,
            "staleTime 1 min everywhere ok, invoices maybe 10s",
            "Set `staleTime: 10_000` on the invoices query itself; per-query options override "
            "the defaults.",
        ],
        "msg": "queries: 60s stale time, no flash on refetch",
        "q": [("natural", "tables flash because queries refetch when the tab regains focus")],
        "para": [],
    },
    {
        "key": "later-hugo-resources-cache",
        "repo": "blog",
        "turns": [
            "since the image processing change netlify builds take 4 min instead of 30s",
            """
            Hugo processes every image again on each build because the generated files
            (`resources/_gen`) aren't kept between Netlify builds. The `netlify-plugin-hugo-
            cache-resources` plugin saves and restores that folder:

            ```toml
            [[plugins]]
              package = "netlify-plugin-hugo-cache-resources"
            ```

            Or commit `resources/_gen/` to the repo, which Hugo's docs also suggest.
            """,
            "plugin",
            "Added; the second build after it restores the cache and takes 35 s.",
        ],
        "q": [("natural", "netlify builds of the blog got slow after image processing")],
        "para": [],
    },
]

family("later", LATER)(written)
