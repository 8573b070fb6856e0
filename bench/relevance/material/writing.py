"""Writing with an assistant: postmortems, emails, release notes, docs."""

# Typographic characters (dashes, curly quotes, the times sign) stay as people wrote them.
# ruff: noqa: RUF001

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Variant, family, written

WRITING: list[Variant] = [
    {
        "key": "postmortem-db-failover",
        "title": "INC-77 write-up",
        "turns": [
            "help me write the postmortem for tuesday's outage. facts: 14:02 primary db "
            "(RDS) failed over after a storage issue, app kept connecting to old IP because "
            "of our DNS cache in the java service (networkaddress.cache.ttl=-1), 38 min of "
            "errors on search, billing was fine (python, no dns cache). fixed by restarting "
            "search pods at 14:40",
            """
            # Postmortem: search outage after database failover (14 May)

            **Impact.** From 14:02 to 14:40 UTC (38 minutes), every search request failed.
            Billing and the dashboard were not affected.

            **Timeline (UTC)**

            | time | event |
            | --- | --- |
            | 14:02 | RDS detects a storage problem on the primary and fails over to the standby |
            | 14:03 | billing reconnects to the new primary (DNS updated within 30 s) |
            | 14:03 | search-service keeps connecting to the old primary's IP: errors start |
            | 14:19 | on-call paged by the error-rate alert |
            | 14:40 | search pods restarted; they resolve the new IP and recover |

            **Root cause.** The JVM in search-service caches DNS results forever
            (`networkaddress.cache.ttl=-1`, set in our base image in 2021). A failover changes
            the IP behind the database's DNS name; the service never looked it up again.

            **What went well / badly.** …

            **Actions**

            1. Set `networkaddress.cache.ttl=30` in the base image (owner: platform).
            2. Alert on search error rate within 2 minutes, not 15.
            3. A failover drill on staging every quarter.
            """,
            "good. make 'what went well / badly' concrete, blameless tone. the alert delay "
            "was because the alert had for: 15m",
            """
            **What went well.** The failover itself worked as designed: the standby took over
            in under a minute and no data was lost. Billing, which resolves DNS per
            connection, recovered by itself. Once paged, on-call found the cause in 20 minutes.

            **What didn't.** The error-rate alert waits 15 minutes (`for: 15m`) before firing,
            chosen to avoid noise from deploys, so it took 17 minutes before anyone knew. And
            nothing in our runbooks mentioned the JVM's DNS cache, so the first 15 minutes of
            investigation went to the database.
            """,
        ],
        "q": [
            ("natural", "the postmortem for the search outage after the db failover"),
            ("keywords", "networkaddress.cache.ttl failover postmortem"),
            ("title", "INC-77 write-up"),
        ],
        "para": [],
    },
    {
        "key": "email-decline-meeting",
        "turns": [
            "write a polite email declining the weekly 'sync on sync' meeting (Tues 4pm), I "
            "want to get the updates async instead. to Marco, my skip-level. not too stiff",
            """
            Subject: Tuesday sync: could I follow along async?

            Hi Marco,

            I'd like to suggest a small change for the Tuesday 4pm sync: could I follow it
            asynchronously from now on? Tuesday afternoons are my longest stretch of focus time
            this quarter, and most of what I contribute there could go into a short written
            update instead.

            Concretely, I'd post my update in #eng-leads by noon on Tuesdays and read the notes
            afterwards, and of course I'll join whenever there's something that needs me live.

            Happy to talk about it if you'd rather keep it as is.

            Thanks,
            Ann
            """,
            "nice. shorter?",
            """
            Subject: Tuesday sync: async for me?

            Hi Marco,

            Would it be OK if I followed the Tuesday 4pm sync async from now on? I'll post my
            update in #eng-leads by noon and read the notes after, and join whenever something
            needs me live. Tuesday afternoons are my main focus block this quarter.

            Thanks!
            Ann
            """,
        ],
        "q": [("natural", "email to marco about skipping the tuesday meeting")],
        "para": [],
    },
    {
        "key": "release-notes-2-3",
        "repo": "web-dashboard",
        "turns": [
            "release notes for dashboard 2.3 from these PR titles, for customers not devs: "
            "dark mode; CSV import of customers; fix: invoice filter lag; deps bump; perf: "
            "bundle -50%; fix safari date bug in exports",
            """
            ## What's new in 2.3

            **Dark mode.** The dashboard now follows your system's light or dark setting, and
            you can pick one yourself in the user menu.

            **Import customers from a spreadsheet.** Drop a CSV file on the Customers page to
            add many customers at once. You'll see a preview with any problems highlighted
            before anything is saved.

            **Faster.** The dashboard loads noticeably faster (it downloads half as much), and
            filtering long invoice lists no longer lags while you type.

            **Fixed.** Dates in exports are now correct in Safari.
            """,
            "good, drop 'it downloads half as much', too techy",
            'Done: "**Faster.** The dashboard loads noticeably faster, and filtering long '
            'invoice lists no longer lags while you type."',
        ],
        "q": [("natural", "customer facing release notes for dashboard 2.3")],
        "para": [],
    },
    {
        "key": "readme-tidy",
        "repo": "tidy",
        "turns": [
            "write a README for tidy. it's a rust cli that checks/fixes trailing whitespace, "
            "final newlines, tabs vs spaces. fast, respects .gitignore, --check for CI, --fix, "
            "--diff",
            """
            # tidy

            Whitespace hygiene for whole repositories, fast.

            `tidy` finds and fixes trailing whitespace, missing final newlines and mixed
            indentation in every text file of a tree, respecting `.gitignore`.

            ```console
            $ tidy --check .          # report, exit 1 if anything is found (for CI)
            $ tidy --diff .           # show what --fix would change
            $ tidy --fix .            # rewrite the files in place
            ```

            ## Install

            ```console
            $ cargo install tidy-ws
            ```

            ## In CI

            ```yaml
            - run: tidy --check .
            ```

            ## What it checks

            | rule | fixed by `--fix` |
            | --- | --- |
            | trailing spaces and tabs | yes |
            | missing newline at end of file | yes |
            | tabs where the file indents with spaces (and vice versa) | no, reported only |

            Line endings (LF or CRLF) are kept as they are.
            """,
            "add a 'why not editorconfig' section, short",
            """
            ## Why not just .editorconfig?

            EditorConfig tells *editors* what to do while you type; it doesn't check files
            nobody opened, generated files, or what arrives in a pull request. `tidy` checks
            the whole tree, and `tidy --check` in CI keeps it that way. They work well
            together: `tidy` reads nothing from `.editorconfig` yet, but agrees with the usual
            `trim_trailing_whitespace` and `insert_final_newline` settings.
            """,
        ],
        "q": [("natural", "the readme we wrote for tidy with the why not editorconfig section")],
        "para": [],
    },
    {
        "key": "adr-postgres-vs-mongo",
        "repo": "zanzibar",
        "title": "authz datastore decision",
        "turns": [
            "draft an ADR: we chose postgres over mongodb for the authz tuple store. reasons: "
            "transactions across tuples, consistency tokens need a monotonic log (we use the "
            "WAL LSN), team knows postgres, RDS available. mongo was proposed by the docs team",
            """
            # ADR 004: PostgreSQL for the relation tuple store

            **Status:** accepted · **Date:** 2025-04-02

            ## Context

            The authorization service stores relation tuples (`object#relation@subject`) and
            answers checks against them. Writes often touch several tuples that must change
            together, and clients pass consistency tokens to read at least as fresh as their
            last write. The docs team proposed MongoDB, which they run already.

            ## Decision

            We use PostgreSQL (RDS).

            ## Reasons

            - **Multi-tuple transactions** are the normal case, not the exception.
            - **Consistency tokens** need a monotonic position in a log of changes;
              PostgreSQL's WAL LSN gives us one for free (`pg_current_wal_lsn()`).
            - The team operates PostgreSQL daily; nobody here runs MongoDB in production.
            - RDS gives us backups, failover and point-in-time recovery as a service.

            ## Consequences

            - Check latency depends on query plans; we keep the hot paths covered by indexes
              and watch them with `pg_stat_statements`.
            - The docs team integrates through our API, never our database.
            """,
            "add 'alternatives considered' with mongo and spanner (too expensive)",
            """
            ## Alternatives considered

            - **MongoDB**: multi-document transactions exist since 4.0 but come with limits
              and costs we'd hit on every write, and there is no equivalent of the LSN to build
              tokens on without a separate change log.
            - **Cloud Spanner**: what Google's Zanzibar itself uses, with true global
              consistency, but at our scale it costs several times our whole database budget
              and ties us to one cloud.
            """,
        ],
        "q": [
            ("natural", "why did we pick postgres over mongodb for the authz service"),
            ("title", "datastore decision"),
        ],
        "para": [],
    },
    {
        "key": "pr-description-tax-refactor",
        "repo": "billing-api",
        "turns": [
            "write a PR description for splitting the tax calculation into billing/tax/. no "
            "behaviour change. reviewers: look at calc.py rounding, same as before",
            """
            ## Move tax calculation into `billing/tax/`

            Tax logic lived in `billing/invoices.py` (about 300 lines of the 900). This PR
            moves it, unchanged, into its own package:

            - `billing/tax/calc.py`: `tax_for(line, customer)` and the rounding helpers;
            - `billing/tax/rates.py`: the rate tables per country.

            **No behaviour change.** The functions are moved, not rewritten. The one place
            worth a careful look is `calc.py`'s rounding (`round_line_tax`): it's the same code
            as before, only renamed from `_rt`.

            **How to review.** `git diff --color-moved` shows moved blocks in a different color,
            so the real changes (imports, the rename) stand out.

            **Tests.** `tests/test_tax.py` is new and pins current results for 40 invoices
            taken from production (anonymized), so the next PR (the rounding fix, BILL-482) can
            show exactly what changes.
            """,
            "perfect",
            "🙌",
        ],
        "q": [("keywords", "PR description tax calc color-moved")],
        "para": [],
    },
    {
        "key": "self-review-h1",
        "turns": [
            "I have to write my half-year self review. bullet points I have: led pydantic 2 "
            "migration, cut CI time from 4min to 40s, mentored new hire Tomás, on call 3 "
            "times, wrote the failover postmortem. can you turn it into 2 paragraphs, "
            "confident not bragging",
            """
            This half I focused on making our day-to-day engineering faster and more reliable.
            I led the migration of the billing service to Pydantic 2, planning it so it shipped
            without a single customer-facing regression, and I cut our CI pipeline from about
            four minutes to forty seconds, which every engineer on the team feels several times
            a day.

            I also invested in the team around me. I mentored Tomás through his first months,
            from onboarding to his first production features, and took three on-call rotations.
            After the May database failover I wrote the postmortem, which led to the DNS
            caching fix and a quarterly failover drill. Next half I'd like to take on more of
            that cross-team reliability work.
            """,
            "can you add one line about what I want to improve",
            'Added at the end: "One thing I want to get better at is delegating earlier: on '
            "the Pydantic migration I held on to too much of the work myself for the first few "
            'weeks."',
        ],
        "q": [("natural", "my self review with the mentoring of tomás")],
        "para": [],
    },
    {
        "key": "customer-reply-data-export",
        "turns": [
            "customer (Acme) asks if they can get all their data exported when they cancel, "
            "in a standard format, and how long we keep it after. answer: yes, JSON + CSV via "
            "support within 5 business days; we delete 30 days after cancellation, backups "
            "rotate out after 35 more days. friendly",
            """
            Hi Jordan,

            Yes, absolutely. When you cancel, just ask our support team and we'll send you a
            complete export of your account within 5 business days: all invoices, customers
            and payments, as both CSV (for spreadsheets) and JSON (for importing elsewhere).

            After cancellation we keep your data for 30 days, so you can change your mind or
            request the export, and then delete it. Copies in our encrypted backups are
            removed as those backups rotate out, within a further 35 days.

            Let me know if you'd like a sample export before you decide anything.

            Best,
            Ann
            """,
            "mention GDPR article 20 briefly? they're in Germany",
            'Added after the first paragraph: "This also covers your right to data portability '
            'under Article 20 of the GDPR."',
        ],
        "q": [("natural", "reply to acme about exporting their data when they cancel")],
        "para": [],
    },
    {
        "key": "talk-abstract",
        "turns": [
            "conference talk abstract, ~150 words: 'What our CI taught us about caches' — "
            "the story of cache keys on sha, evictions at 10GB, npm ci deleting node_modules, "
            "pnpm store path. audience: devops meetup",
            """
            **What our CI taught us about caches**

            Every CI system promises faster builds with caching, and for a year ours got
            slower anyway. This talk is the story of four caches that looked fine and did
            nothing: a key that changed with every commit, a cache evicted before anyone could
            use it, a folder deleted by the very command it was meant to speed up, and a
            package store saved from the wrong path.

            Each one is a small, concrete mistake you can check for in your own pipelines
            tomorrow. Along the way we'll look at how cache keys, restore keys and eviction
            really work on GitHub Actions and GitLab, how to tell a hit from a silent miss,
            and the one metric we now watch to catch the next one. Our install step went from
            four minutes to forty seconds; yours might too.
            """,
            "great title? something catchier",
            'A few: "Cache Me If You Can: four CI caches that did nothing"; "Warm Caches, '
            'Cold Truths"; "It Said Cache Hit". I\'d take the first, it says what the talk '
            "delivers.",
        ],
        "q": [("natural", "the abstract for my meetup talk about ci caches")],
        "para": [],
    },
    {
        "key": "onboarding-doc",
        "repo": "billing-api",
        "turns": [
            "new dev starts monday on billing-api. write an onboarding checklist for the "
            "first week, we have: local setup via docker compose, seed data script, on-call "
            "shadowing, architecture doc, first good issues label",
            """
            # Welcome to billing-api: your first week

            **Day 1: get it running**

            - [ ] Access: GitHub team `billing`, Sentry, Grafana, the staging VPN
            - [ ] `docker compose up` and `make seed`: you should see 3 demo customers at
                  http://localhost:8000/docs
            - [ ] Run the tests: `make test` (about a minute)

            **Day 2–3: understand it**

            - [ ] Read `docs/architecture.md`, then follow one invoice from `POST /invoices` to
                  the PDF and the reminder email in the code
            - [ ] Pair with someone on a review

            **Day 3–5: ship something**

            - [ ] Pick an issue labelled `good first issue`
            - [ ] Open a PR, get it reviewed and merged, see it deploy
            - [ ] Shadow the on-call person for an afternoon

            Questions are always welcome in #team-billing; nobody expects you to know anything
            yet.
            """,
            "add a buddy line at the top. buddy is Tomás",
            'Added under the title: "Your buddy this week is **Tomás**: ask him anything, first."',
        ],
        "q": [("natural", "onboarding checklist for the new dev on billing")],
        "para": [],
    },
]

family("writing", WRITING, CHATS)(written)
