"""What came after the sessions: the titles people and tools gave them, more
of the questions asked later to find them again, and the paraphrased ones.

Kept in one table rather than in each variant so that the kinds can be read
and balanced together: titles in the style of their source (Claude Code and
Codex summarise the task, people write a word or a ticket), and questions
whose words are spread over several turns or found in the title alone.
`apply` adds them to the variants of `kit.FAMILIES`.
"""

from __future__ import annotations

from bench.relevance.material.kit import FAMILIES

TITLES = {
    "alembic-enum-autogenerate": "Add refunded invoice status migration",
    "alembic-multiple-heads": "Alembic heads fork after two PRs",
    "bundle-lodash": "Shrink dashboard bundle",
    "case-sensitive-path-docker": "CodeTabs import fails in Docker",
    "certbot-renewal-failed": "status page cert",
    "chore-add-healthcheck": "Add /health endpoint with Redis check",
    "chore-backup-script": "crm backups",
    "chore-ci-timeout": "Add CI job timeouts",
    "chore-dead-code": "Remove dead quarterly report code",
    "chore-dockerfile-nonroot": "Run worker as non-root",
    "chore-env-example": "Add .env.example",
    "chore-license-check": "license audit for legal",
    "chore-python-312": "Python 3.12 upgrade",
    "chore-regenerate-lock": "lockfile conflict",
    "chore-remove-unused-deps": "Remove unused npm dependencies",
    "chore-rename-env-var": "MAIL_HOST -> SMTP_HOST",
    "chore-s3-public-block": "S3 public access review",
    "chore-sentry-release": "Sentry source maps",
    "chore-sort-imports": "Spotless setup",
    "chore-type-hints-utils": "Type hints for billing utils",
    "ci-cache-gradle": "Gradle cache for search-service CI",
    "ci-cache-pnpm": "Fix pnpm store caching in CI",
    "ci-fork-secrets": "Link checker 401 on fork PRs",
    "ci-node20-checkout": "Update GitHub Actions to Node 20",
    "ci-tag-trigger": "release workflow not firing",
    "ci-ubuntu-2404-python38": "CI red after ubuntu-latest change",
    "cors-credentials": "CORS with cookies",
    "csv-dates-messy": "date parsing hell",
    "customer-reply-data-export": "Acme data export question",
    "dependabot-grouping": "dependabot noise",
    "django-migration-conflict": "Merge conflicting crm migrations",
    "docker-arm64-exec-format": "exec format error on k8s",
    "docker-build-secret": "NPM_TOKEN build arg",
    "email-decline-meeting": "email to Marco",
    "feat-autocomplete": "Listing title autocomplete",
    "feat-csv-upload-preview": "Customer CSV import",
    "feat-dead-letter-queue": "Dead letter queue for Celery tasks",
    "feat-early-stopping": "Early stopping in train.py",
    "feat-list-objects": "ListObjects API",
    "feat-login-rate-limit": "Login rate limiting",
    "feat-mjml-templates": "Outlook-proof emails",
    "feat-pdf-invoices": "PDF invoices with WeasyPrint",
    "feat-s3-multipart": "Archive upload > 5GB",
    "feat-slack-channel": "Slack channel for notifier",
    "feat-webhook-signature": "Verify PSP webhook signatures",
    "feature-flag-config": "homemade feature flags",
    "flaky-go-race": "Fix data race in decision cache",
    "flaky-jest-fake-timers": "Toast test timeout",
    "flaky-redis-port": "Redis port clash in CI",
    "flaky-testcontainers": "Elasticsearch testcontainer timeout",
    "flyway-checksum": "Flyway V14 checksum",
    "git-commit-wrong-branch": "commits on main by mistake",
    "git-large-file-rejected": "checkpoint too big for GitHub",
    "git-reflog-deleted-branch": "PANIC deleted branch",
    "git-split-pr-add-p": "Split PR into refactor + fix",
    "git-stash-lost": "dropped stash",
    "git-worktree": "worktrees for reviews",
    "go-deadlock-channel": "BatchWriter deadlock",
    "go-pprof-json": "check latency p99",
    "k8s-hpa-metrics-server": "HPA not scaling",
    "k8s-readiness-probe-path": "notifier rollout stuck",
    "later-cargo-dist-release": "tidy binaries",
    "later-celery-prefetch": "uneven celery workers",
    "later-invoices-partitioning": "partition invoices?",
    "later-migrate-init-container": "migrations in k8s",
    "later-node-heap-limit": "monthly digest OOM",
    "later-playwright-browsers-cache": "Cache Playwright browsers in CI",
    "later-react-query-focus": "refetch flash on tab focus",
    "later-terraform-import-bucket": "terraform import ann-exports",
    "learn-cap-theorem": "CAP",
    "learn-monad": "monads for dummies",
    "learn-oauth-pkce": "PKCE",
    "learn-tls-handshake": "TLS 1.3 handshake",
    "lighthouse-lcp-image": "blog LCP",
    "nginx-502-proxy-timeout": "export 504",
    "node-openssl-legacy": "mobile web build on node 20",
    "npm-eresolve-peer": "replace react-beautiful-dnd",
    "numpy-2-float": "imgaug vs numpy 2",
    "onboarding-doc": "Tomás onboarding",
    "pandas-apply-vectorize": "slow margin calc",
    "pg-add-column-default-rewrite": "is_archived on PG10",
    "pg-dump-restore-parallel": "CRM db move to new VM",
    "pg-jsonb-gin": "tenant filter seq scan",
    "pg-keyset-pagination": "export pagination",
    "pg-replication-slot-xmin": "WAL disk full",
    "pg-trgm-search": "contact search 4s",
    "pg-upgrade-link": "analytics pg13→16",
    "pg-xid-wraparound": "wraparound alert!!",
    "precommit-slow-mypy": "slow pre-commit",
    "py-spy-profile": "normalize_batch 25s",
    "python-circular-import": "circular import models/tax",
    "react-18-strictmode": "React 18 upgrade",
    "react-rerender-memo": "Laggy invoice filter",
    "redis-cache-stampede": "cache revenue stats",
    "refactor-store-interface": "TupleReader interface",
    "release-notes-2-3": "2.3 notes",
    "rust-regex-in-loop": "tidy --check 9s",
    "safari-date-parse": "Safari Invalid Date",
    "self-review-h1": "H1 self review",
    "sh-rsync-delete-dry": "NAS photo sync",
    "sh-ssh-tunnel": "staging db tunnel",
    "sqlalchemy-2-select": "SQLAlchemy 2.0 prep",
    "systemd-environmentfile": "SMTP_PASSWORD not seen by systemd",
    "talk-abstract": "meetup CFP",
    "terraform-state-lock": "stuck terraform lock",
    "tests-coverage-gaps": "refund tests",
    "tests-property-based-parser": "proptest for fix_text",
    "tsc-slow-project-refs": "tsc 70s",
    "unicode-decode-cp1252": "Acme CSV won't decode",
    "ja-npm-update": "依存パッケージ更新",
    "zh-connection-pool": "HikariCP 连接池问题",
    "zh-weekly-report": "周报 W46",
}

QUESTIONS = [
    # A word found in the title only.
    ("chore-license-check", "title", "license audit"),
    ("csv-dates-messy", "title", "date parsing hell"),
    ("feat-mjml-templates", "title", "outlook-proof emails"),
    ("feature-flag-config", "title", "homemade feature flags"),
    ("git-reflog-deleted-branch", "title", "panic deleted branch"),
    ("learn-monad", "title", "monads for dummies"),
    ("talk-abstract", "title", "meetup CFP"),
    ("later-node-heap-limit", "title", "digest OOM"),
    ("later-celery-prefetch", "title", "uneven celery workers"),
    ("sh-rsync-delete-dry", "title", "nas photo sync"),
    ("pandas-apply-vectorize", "title", "margin calc"),
    ("zh-weekly-report", "title", "周报 W46"),
    # Words from different turns: the question in one, the answer in another.
    ("pg-restore-one-table", "spread", "deleted coupons dblink not exists"),
    ("ci-cache-pip", "spread", "billing ci slow setup-python cache-dependency-path"),
    ("ci-cache-node-modules", "spread", "mobile-app 90s npm ci deletes node_modules"),
    ("docker-multistage-size", "spread", "worker image 1.9GB alpine musl"),
    ("pg-trgm-search", "spread", "smith 4s TrigramSimilarity smyth"),
    ("pg-keyset-pagination", "spread", "export job 20s ties same millisecond"),
    ("pg-lock-timeout-idle-tx", "spread", "batches priority column api timing out pid 88121"),
    ("git-force-push-teammate", "spread", "release/2.4 priya targetSdk"),
    ("git-secret-committed", "spread", "sendgrid rotate gitleaks"),
    ("k8s-oomkilled-java", "spread", "search-service restarting netty off-heap"),
    ("k8s-rolling-prestop", "spread", "502 deploys distroless native sleep handler"),
    ("terraform-rds-replace", "spread", "destroy prod rds 15.7 auto minor upgrade"),
    ("pydantic-v2", "spread", "billing pydantic 87 places tax_id"),
    ("node-memory-leak-listeners", "spread", "oom every night waitUntilFinished autocannon"),
    ("idempotency-double-charge", "spread", "charged twice mobile retry PSP 409 pending"),
    ("timezone-invoice-off-by-one", "spread", "australia invoice 3118 audit log request bodies"),
    ("feat-dark-mode", "spread", "dashboard toggle OS setting 212 hard-coded colors"),
    ("feat-soft-delete-contacts", "spread", "sales deletes contacts GDPR hard_delete"),
    ("later-git-reset-hard-lost", "spread", "afternoon lost GoLand local history"),
    ("zsh-startup-nvm", "spread", "2 seconds prompt fnm 180ms"),
    ("ab-test-significance", "spread", "checkout 359 conversions 10k per arm"),
    ("git-bisect-regression", "spread", "5x slower big trees GlobSet per entry"),
    ("sh-ssh-tunnel", "spread", "dbeaver bastion ServerAliveInterval"),
    ("pg-replication-slot-xmin", "spread", "WAL 300GB old analytics pipeline may"),
    ("chore-rename-env-var", "spread", "MAIL_HOST helm deprecated 3.0"),
    ("feat-login-rate-limit", "spread", "credential stuffing per account successful login resets"),
    # Vague: as remembered, mostly in other words than the session's.
    (
        "pg-invoices-composite-index",
        "vague",
        "how did we make the invoice page quick for our largest clients",
    ),
    ("ci-cache-pip", "vague", "when the billing pipeline stopped taking four minutes"),
    ("docker-multistage-size", "vague", "shrinking the celery image"),
    (
        "k8s-rolling-prestop",
        "vague",
        "errors from the load balancer whenever we ship the dashboard",
    ),
    ("pg-lock-timeout-idle-tx", "vague", "the release where a stuck query took the api down"),
    ("idempotency-double-charge", "vague", "people paid two times for one order"),
    ("node-memory-leak-listeners", "vague", "notifier ram keeps going up"),
    ("timezone-invoice-off-by-one", "vague", "wrong dates on invoices for customers far east"),
    ("feat-dark-mode", "vague", "night theme for the dashboard"),
    ("pydantic-v2", "vague", "the big validation library upgrade in billing"),
    ("terraform-rds-replace", "vague", "terraform almost deleted our database"),
    ("certbot-renewal-failed", "vague", "certificate for the status site almost expired"),
    ("git-secret-committed", "vague", "leaked credentials in the notifier repo"),
    ("flaky-go-race", "vague", "authz tests randomly failing"),
    ("zsh-startup-nvm", "vague", "shell takes ages to start"),
    ("sh-largest-files", "vague", "which folders eat my laptop disk"),
    ("precommit-slow-mypy", "vague", "commit hooks too slow so people skip them"),
    ("django-n-plus-one", "vague", "admin list page in the crm takes forever"),
    ("feat-login-rate-limit", "vague", "brute force protection on login"),
    ("later-node-heap-limit", "vague", "digest job crashes running out of memory"),
    ("pg-replication-slot-xmin", "vague", "database server running out of disk"),
    ("k8s-oomkilled-java", "vague", "java service keeps getting killed in kubernetes"),
    ("email-decline-meeting", "vague", "getting out of a weekly meeting politely"),
    ("ab-test-significance", "vague", "did the new checkout win"),
    ("cron-timezone-container", "vague", "emails going out at the wrong hour"),
    ("git-force-push-teammate", "vague", "i overwrote a colleague's work on the release branch"),
    ("feat-pdf-invoices", "vague", "invoice documents customers can print"),
    ("react-rerender-memo", "vague", "search box on the invoices table is slow"),
    ("bundle-lodash", "vague", "dashboard loads slowly, too much javascript"),
    ("chore-backup-script", "vague", "automatic backups of the crm database"),
    (
        "later-billing-ci-shards",
        "vague",
        "billing test suite takes too long in ci, run it in parallel",
    ),
    ("pg-trgm-search", "vague", "fuzzy contact search in the crm"),
    ("learn-python-asyncio", "vague", "how does async work in python"),
    ("nginx-502-proxy-timeout", "vague", "report export dies after a minute"),
    ("git-bisect-regression", "vague", "tracking down a performance regression in tidy"),
    ("helm-rollback", "vague", "reverting the payments deploy"),
    ("later-git-reset-hard-lost", "vague", "got back changes i never committed"),
    ("feat-slack-channel", "vague", "chat notifications from the notifier"),
    ("pg-alter-type-bigint", "vague", "events id running out of numbers"),
    # Misspelled, as typed in a hurry.
    ("pg-autovacuum-scale-factor", "typo", "autovaccum scale factor events tabel"),
    ("k8s-crashloop-secret-key", "typo", "crashloopbackof billing secret key databse_url"),
    ("react-18-strictmode", "typo", "useffect runs twice react 18 strictmode"),
    ("git-stash-lost", "typo", "recover droped stash chart refactor"),
    ("sh-xargs-parallel-curl", "typo", "xargs paralel curl 10 at a time"),
]


# Paraphrases: the same question in other words, sharing no content word
# (nor a word's stem) with their session; `make` checks it. Each says enough
# to pick its one session by meaning.
PARAPHRASES = {
    "ci-cache-pip": [
        "invoicing backend pipeline fetched third-party libraries from scratch on each execution"
    ],
    "ci-cache-cargo": [
        "compiled third-party libraries for the formatter tool kept getting purged once "
        "hosted storage quota filled up"
    ],
    "flaky-jest-fake-timers": [
        "notification popup spec hung occasionally since the simulated ticking was frozen"
    ],
    "flaky-snapshot-locale": [
        "stored rendering of a purchase confirmation view differed between my notebook "
        "computer and the automation server due to month-leading ordering"
    ],
    "ci-no-space-docker": [
        "automation server's storage filled up while baking the neural network container"
    ],
    "docker-multistage-size": [
        "trimming the queue consumer's container so rollouts transfer fewer bytes"
    ],
    "docker-arm64-exec-format": [
        "a container produced on my apple notebook refused to launch on the servers "
        "because of the chip family"
    ],
    "precommit-slow-mypy": [
        "checking scripts before each snapshot were so sluggish that teammates bypassed them"
    ],
    "gha-concurrency-cancel": [
        "abort superseded pipeline executions whenever I upload several revisions in a row"
    ],
    "refactor-split-models": [
        "carving the enormous ORM definitions of the accounts-receivable service into "
        "several smaller pieces"
    ],
    "tests-property-based-parser": [
        "randomized checks of the blank-removal routine exposed an inconsistency with a "
        "solitary control character"
    ],
    "unicode-decode-cp1252": [
        "a spreadsheet from a Microsoft machine had curly apostrophes we couldn't interpret"
    ],
    "idempotency-double-charge": [
        "shoppers billed repeatedly after the phone client resent a purchase; duplicate "
        "detection lacked atomicity"
    ],
    "css-zindex-stacking-context": [
        "a dialog drawn underneath the pinned top strip regardless of its huge layer number"
    ],
    "k8s-crashloop-secret-key": [
        "the invoicing workloads restarted endlessly because a credential label used a "
        "hyphen where the stored one did not"
    ],
    "k8s-oomkilled-java": [
        "the listings lookup engine got reaped over and over since native allocations "
        "weren't budgeted"
    ],
    "nginx-502-proxy-timeout": [
        "the web gateway abandoned a lengthy spreadsheet retrieval after one minute"
    ],
    "certbot-renewal-failed": [
        "automated TLS reissuance broke because inbound web traffic was blocked, so we "
        "proved ownership via nameserver entries"
    ],
    "cron-timezone-container": [
        "clients grumbled that dunning mails showed up in the middle of the night"
    ],
    "pydantic-v2": [
        "shifting our declarative schema library to its next major for the "
        "accounts-receivable service"
    ],
    "npm-eresolve-peer": [
        "the reorderable-cards library was abandoned and refused our UI framework's newest major"
    ],
    "feat-login-rate-limit": ["throttling bots that hammer the sign-in form"],
    "feat-dead-letter-queue": [
        "keeping jobs that ran out of tries somewhere inspectable so we can resend them afterwards"
    ],
    "feat-early-stopping": [
        "halt fitting once the held-out score plateaus and retain the top snapshot"
    ],
    "git-reflog-deleted-branch": [
        "I erased my topic line with a capital D flag and resurrected it from the record "
        "of where the pointer had been"
    ],
    "git-commit-wrong-branch": [
        "three local snapshots landed on the trunk by error and had to go onto a separate "
        "line of development"
    ],
    "git-worktree": [
        "an extra checkout directory so I can inspect coworkers' proposals without "
        "shelving my half-done edits"
    ],
    "later-pydantic-decimal-json": [
        "after the upgrade a third-party consumer got monetary figures wrapped in quotes"
    ],
    "learn-python-asyncio": [
        "the snake language's green scheduling explained, and what occurs if a routine stalls"
    ],
    "django-n-plus-one": [
        "the office staff screen of sales opportunities fired hundreds of lookups for each view"
    ],
    "pg-trgm-search": [
        "make the persons lookup in the customer-relationship app fast for partial surnames"
    ],
    "pg-lock-timeout-idle-tx": [
        "a stale open connection froze an alteration during a release and brought the "
        "website offline"
    ],
    "pg-alter-type-bigint": [
        "our identifier counter for incoming records will overflow soon; widen it with "
        "little disruption"
    ],
    "pg-replication-slot-xmin": [
        "a disused streaming-capture reader made the primary server's transaction logs pile up"
    ],
    "pg-restore-one-table": [
        "somebody wiped part of the discount vouchers and we recovered them from "
        "yesterday's snapshot"
    ],
    "pg-upgrade-link": [
        "moving the reporting machine to a later major release of the relational engine "
        "quickly via hardlinking"
    ],
    "sh-xargs-parallel-curl": [
        "probe thousands of web addresses concurrently for whether they answer OK"
    ],
    "sh-ssh-tunnel": [
        "let my desktop SQL client talk to the pre-production server via the jump machine"
    ],
    "ab-test-significance": [
        "whether the alternate payment page truly converted more or it was luck"
    ],
    "zsh-startup-nvm": [
        "fresh console windows were sluggish to become usable because the JavaScript "
        "runtime selector initialised eagerly"
    ],
    "postmortem-db-failover": [
        "retrospective on the disruption where hostname resolution stayed pinned after "
        "the leader node swapped"
    ],
    "email-decline-meeting": [
        "a courteous message to my manager's manager asking to stop attending a recurring call"
    ],
    "self-review-h1": [
        "the semiannual appraisal text about my own accomplishments and coaching a junior colleague"
    ],
    "learn-rust-lifetimes": [
        "why the tick-marked markers were demanded on my helper picking the lengthier of "
        "a pair of texts"
    ],
    "learn-tls-handshake": [
        "what gets traded when a browser negotiates a secure channel with a website"
    ],
    "learn-cap-theorem": [
        "the tension between correctness and staying reachable when cluster members lose contact"
    ],
    "learn-monad": [
        "that functional-programming abstraction Haskell folks love, explained without math"
    ],
    "learn-floats": ["why does adding one tenth and two tenths yield a weird trailing 4"],
    "learn-kafka-partitions": ["how many subscribers of a data stream can progress simultaneously"],
    "learn-git-internals": ["what the hidden version-control directory holds physically"],
    "sh-largest-files": ["my computer ran out of room; which directories hog it"],
    "sh-rsync-delete-dry": [
        "copying photographs to the network storage box proposed erasing thousands of items"
    ],
    "tmux-clipboard": [
        "highlighted lines inside the multiplexer don't land on the macOS pasteboard"
    ],
    "ssh-agent-keychain": ["stop typing my secret phrase whenever I upload to the forge"],
    "refactor-print-to-logging": [
        "swap console output in the model fitting script for time-stamped entries without "
        "garbling progress indicators"
    ],
    "feat-slack-channel": ["deliver alerts into our team messenger for each customer"],
    "feat-pdf-invoices": ["printable statements produced on the backend from markup"],
    "feat-versioned-docs": [
        "let readers pick between the manual for legacy and present major releases"
    ],
    "feat-pull-to-refresh": ["swipe down gesture to reload purchases on the phone"],
    "feat-audit-log": ["ledger of who granted or revoked privileges, for compliance"],
    "later-cargo-dist-release": [
        "ship ready-made executables of the whitespace checker for every desktop operating system"
    ],
    "explain-sql-recursive": ["statement that climbs the reporting hierarchy up to the chief"],
    "docker-build-secret": [
        "leaking an access credential for proprietary modules through container "
        "construction parameters"
    ],
    "git-bisect-regression": [
        "binary search through history to find which contribution degraded the "
        "formatter's throughput"
    ],
    "pg-xid-wraparound": [
        "the relational store's per-commit numbering was close to rolling over and it "
        "threatened to go read-only"
    ],
    "helm-rollback": ["undoing a broken release of the card processing backend urgently"],
    "feat-mjml-templates": [
        "making our transactional mail display correctly in Microsoft's desktop program"
    ],
    "pg-fastapi-session-leak": [
        "the accounts-receivable backend gradually exhausted its shared handles to "
        "storage until a reboot"
    ],
    "node-memory-leak-listeners": [
        "the alerting service grew steadily in RAM because a handler was attached for each call"
    ],
    "rust-regex-in-loop": [
        "the formatter wasted most effort rebuilding the same pattern for every document"
    ],
}


def apply() -> None:
    """Add the titles, questions and paraphrases to their variants."""
    variants = {v["key"]: v for fam in FAMILIES for v in fam.variants}
    for key in {*TITLES, *(k for k, _, _ in QUESTIONS), *PARAPHRASES}:
        if key not in variants:
            raise KeyError(f"afterwards names {key!r}, which no family has")
    for key, title in TITLES.items():
        if variants[key].get("title"):
            raise ValueError(f"{key} has a title already")
        variants[key]["title"] = title
    for key, kind, question in QUESTIONS:
        variants[key]["q"] = [*variants[key].get("q", []), (kind, question)]
    for key, para in PARAPHRASES.items():
        variants[key]["para"] = [*variants[key].get("para", []), *para]
