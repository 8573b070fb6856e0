"""Chores given to an agent: version bumps, lint, renames, small cleanups.
Short sessions on one template; they are most of an agent's history and the
noise every search has to see through."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import Chat, Variant, family


def chore(
    key: str, repo: str, ask: str, look: str, look_out: str, reply: str, **more: object
) -> Variant:
    v: dict[str, object] = {
        "key": key,
        "repo": repo,
        "ask": ask,
        "look": look,
        "look_out": look_out,
        "reply": reply,
        "q": [],
        "para": [],
    }
    v.update(more)
    return v


CHORES: list[Variant] = [
    chore(
        "chore-bump-billing-241",
        "billing-api",
        "bump the version to 2.4.1 and add a changelog entry for the rounding fix",
        "grep -n '^version' pyproject.toml && head -12 CHANGELOG.md",
        '3:version = "2.4.0"\n# Changelog\n\n## 2.4.0 (2025-05-20)\n\n- CSV export of invoices',
        'Set `version = "2.4.1"` and added `## 2.4.1` with "Invoice totals match the sum '
        'of their lines (amounts are decimals, rounded half up per line)."',
        msg="release 2.4.1",
        title="Bump version to 2.4.1",
        q=[("spread", "bump decimals half up")],
    ),
    chore(
        "chore-ruff-unused-imports",
        "ingest-worker",
        "clean up the unused imports ruff complains about",
        "ruff check --select F401 --statistics",
        "23\tF401\t[*] `os` imported but unused",
        "Removed all 23 with `ruff check --select F401 --fix`; two were re-exports in "
        "`ingest/__init__.py`, which I kept and listed in `__all__` instead.",
        msg="remove unused imports",
    ),
    chore(
        "chore-type-hints-utils",
        "billing-api",
        "add type hints to billing/utils.py, mypy strict is complaining",
        "mypy --strict billing/utils.py | tail -3",
        "billing/utils.py:41: error: Function is missing a type annotation  [no-untyped-def]\n"
        'billing/utils.py:58: error: Returning Any from function declared to return "str"\n'
        "Found 14 errors in 1 file (checked 1 source file)",
        "Annotated the 11 functions; `slugify` returned `Any` because of `unidecode`, which "
        "has no stubs, so I cast its result to `str`. `mypy --strict` is clean for the "
        "file.",
        msg="utils: type hints",
    ),
    chore(
        "chore-copyright-year",
        "tidy",
        "update the copyright year in LICENSE and the --version output",
        "grep -rn 'Copyright' LICENSE src/",
        "LICENSE:3:Copyright (c) 2023 Ann Example\nsrc/main.rs:12:const COPYRIGHT: &str = "
        '"Copyright (c) 2023 Ann Example";',
        "Both now say 2023–2025. The `--version` text is built from `COPYRIGHT`, so one "
        "constant changed.",
        msg="copyright 2023-2025",
    ),
    chore(
        "chore-remove-unused-deps",
        "web-dashboard",
        "find dependencies we don't use anymore in the dashboard",
        "npx knip --dependencies",
        "Unused dependencies (4)\nmoment        package.json\nclassnames    package.json\n"
        "react-helmet  package.json\nuuid          package.json",
        "`knip` lists 4. `moment` is still imported dynamically in `src/legacy/reports.ts` "
        "(knip misses `import()` with a variable), so it stays; the other three are unused. "
        "Removed `classnames`, `react-helmet` and `uuid`.",
        msg="deps: remove classnames, react-helmet, uuid",
        q=[("keywords", "knip unused dependencies react-helmet")],
    ),
    chore(
        "chore-rename-env-var",
        "notifier",
        "rename env var MAIL_HOST to SMTP_HOST everywhere incl. helm chart and docs",
        "rg -n 'MAIL_HOST'",
        "src/config.ts:7:  host: required('MAIL_HOST'),\nREADME.md:41:| `MAIL_HOST` | SMTP server "
        "|\n"
        "deploy/values.yaml:18:    MAIL_HOST: smtp.eu.mailprovider.net",
        "Renamed in the three places. To avoid breaking the running deployment during the "
        "switch, `config.ts` reads `SMTP_HOST` and falls back to `MAIL_HOST` with a "
        "deprecation warning; remove the fallback after the next release.",
        msg="config: SMTP_HOST (MAIL_HOST still read, deprecated)",
        follow="put the removal in the changelog as upcoming",
        follow_answer='Added under "Deprecated": `MAIL_HOST` is read until 3.0, use `SMTP_HOST`.',
        q=[("natural", "when did we rename MAIL_HOST to SMTP_HOST")],
    ),
    chore(
        "chore-makefile-help",
        "payments-gateway",
        "add a `make help` that lists the targets with descriptions",
        "grep -E '^[a-z-]+:' Makefile",
        "build:\ntest:\nlint:\nrun:\nmigrate:\ndocker:",
        "Added `## description` comments after each target and a `help` target that prints "
        "them with awk; `help` is the default goal now.",
        msg="make help",
    ),
    chore(
        "chore-readme-badges",
        "tidy",
        "update the readme badges, CI badge still points to travis lol",
        "head -5 README.md",
        "# tidy\n\n[![Build Status](https://travis-ci.org/ann/tidy.svg?branch=master)]"
        "(https://travis-ci.org/ann/tidy)",
        "Replaced with the GitHub Actions badge (`ci.yml` on `main`), and added crates.io "
        "version and license badges.",
        msg="readme: current badges",
    ),
    chore(
        "chore-regenerate-lock",
        "mobile-app",
        "package-lock.json has merge conflicts after rebasing, regenerate it",
        "git diff --name-only --diff-filter=U",
        "package-lock.json",
        "Took `main`'s lockfile and re-ran `npm install` so it picks up this branch's "
        "`package.json` changes: `git checkout --theirs package-lock.json && npm "
        "install`. Only the two packages this branch added changed in the lockfile.",
        msg="lockfile regenerated after rebase",
        q=[("natural", "how to fix merge conflicts in package-lock.json")],
    ),
    chore(
        "chore-dead-code",
        "legacy-crm",
        "find dead code in the crm, functions nobody calls",
        "vulture crm/ --min-confidence 80 | head",
        "crm/utils/export.py:44: unused function 'export_vcard' (60% confidence)\n"
        "crm/reports/legacy.py:12: unused function 'quarterly_report_v1' (100% confidence)\n"
        "crm/reports/legacy.py:88: unused function 'render_xls' (100% confidence)",
        "`vulture` finds 6 at 80%+. `quarterly_report_v1` and `render_xls` are really "
        "unused (replaced by v2 in 2023); `export_vcard` is called from a template tag, "
        "which vulture can't see. Removed `reports/legacy.py` entirely.",
        msg="remove the v1 quarterly report",
    ),
    chore(
        "chore-gitignore-ds-store",
        "docs-site",
        "someone committed .DS_Store files again",
        "git ls-files | grep DS_Store",
        "docs/.DS_Store\nstatic/img/.DS_Store",
        "Removed them from the index (`git rm --cached`) and added `.DS_Store` to "
        "`.gitignore`. A global ignore (`git config --global core.excludesFile`) on each "
        "Mac stops it at the source.",
        msg="remove .DS_Store, ignore it",
    ),
    chore(
        "chore-node-version-file",
        "web-dashboard",
        "pin the node version for the project so everyone uses 20",
        "cat .nvmrc package.json | grep -n 'engines' -A 2",
        "cat: .nvmrc: No such file or directory",
        'Added `.nvmrc` (`20`), `"engines": {"node": ">=20 <21"}` and '
        "`engine-strict=true` in `.npmrc`, so installing with another major fails with a "
        "clear message. `setup-node` in CI now reads `node-version-file: .nvmrc`.",
        msg="pin node 20",
    ),
    chore(
        "chore-sort-imports",
        "search-service",
        "imports are all over the place, can spotless sort them",
        "grep -n 'spotless' build.gradle.kts",
        "",
        "Spotless wasn't configured. Added it with `googleJavaFormat()` and "
        "`importOrder()`, and ran `./gradlew spotlessApply`: 212 files changed, imports and "
        "formatting only. Worth a separate commit and an entry in "
        "`.git-blame-ignore-revs`.",
        msg="spotless: google-java-format, sorted imports",
        q=[("keywords", "spotless googleJavaFormat importOrder")],
    ),
    chore(
        "chore-todo-list",
        "zanzibar",
        "list all TODOs in the code with their age",
        "git grep -n 'TODO' -- '*.go' | wc -l",
        "31",
        "31 TODOs. With `git blame` for each line, the oldest is from March 2023 "
        '(`internal/check/expand.go`: "TODO: cycle detection"), 9 are older than a year. '
        "I wrote the list with dates and authors to `docs/todos.md` so you can triage.",
        follow="cycle detection one sounds important actually",
        follow_answer="It is: a group that includes itself through another group makes "
        "`Expand` recurse until the depth limit (25) and return an error instead of an "
        "answer. I'd open an issue with a reproducing test.",
        q=[("natural", "the old todo about cycle detection in expand")],
    ),
    chore(
        "chore-env-example",
        "billing-api",
        "create a .env.example from the settings so new devs know what to set",
        "grep -n 'Field\\|: str\\|: int' billing/settings.py | head -20",
        '8:    DATABASE_URL: str\n9:    REDIS_URL: str = "redis://localhost:6379/0"\n'
        '10:    STRIPE_KEY: str\n11:    SENTRY_DSN: str | None = None\n12:    LOG_LEVEL: str = "INFO"',
        "Wrote `.env.example` with every setting, the defaults filled in and the secrets "
        "empty with a comment where to get them. A test checks that every field of "
        "`Settings` appears in the file, so it can't drift.",
        msg="add .env.example (checked against Settings)",
    ),
    chore(
        "chore-editorconfig",
        "dotfiles",
        "add an editorconfig to the dotfiles repo, 2 spaces except Makefiles and go",
        "ls -a | head -20",
        ".\n..\n.git\nMakefile\nnvim\ntmux.conf\nzshrc\ninstall.sh",
        "Added `.editorconfig`: `indent_style = space`, `indent_size = 2` for all, "
        "`indent_style = tab` for `Makefile` and `*.go`, final newline and trimmed "
        "trailing whitespace everywhere.",
        msg="editorconfig",
    ),
    chore(
        "chore-fix-typos",
        "docs-site",
        "run a spell check over the docs",
        "npx cspell 'docs/**/*.md' --no-progress | tail -3",
        "docs/install.md:14:8 - Unknown word (recieve)\ndocs/api/client.md:88:22 - Unknown "
        "word (seperately)\nCSpell: Files checked: 86, Issues found: 41 in 19 files.",
        "41 findings: 12 real typos (fixed: recieve, seperately, occured…), the rest are "
        "product and code words, which I added to `cspell.json`'s `words` list so the next "
        "run is clean. Added the check to CI too.",
        msg="docs: fix typos, cspell in CI",
    ),
    chore(
        "chore-update-snapshots",
        "mobile-app",
        "update the jest snapshots after the button redesign, only those",
        "npx jest --ci 2>&1 | grep -c '›.*snapshot'",
        "17",
        "17 snapshots failed, all in components that use `<Button>`. I checked three diffs "
        "(only the class names and the border radius change) and updated them with `npx "
        "jest -u -t Button`... `-t` filters tests, not snapshots, so I used `npx jest -u "
        "src/components` which contains all 17.",
        msg="snapshots after the button redesign",
    ),
    chore(
        "chore-dockerfile-nonroot",
        "ingest-worker",
        "the worker container runs as root, fix that",
        "grep -n 'USER' Dockerfile",
        "",
        "Added a `worker` user (uid 10001) in the final stage and `USER worker`; the app "
        "folder is owned by it. Celery also warned about running as root before, that "
        "warning is gone. The Kubernetes manifest gets `runAsNonRoot: true` to enforce it.",
        msg="run the worker as a non-root user",
        q=[("natural", "make the worker container stop running as root")],
    ),
    chore(
        "chore-github-templates",
        "web-dashboard",
        "add issue and PR templates",
        "ls .github",
        "workflows\ndependabot.yml",
        "Added `.github/pull_request_template.md` (what, why, how to test, screenshots) and "
        "two issue forms in `.github/ISSUE_TEMPLATE/`: bug report (steps, expected, "
        "browser) and feature request.",
        msg="issue and PR templates",
    ),
    chore(
        "chore-codeowners",
        "infra",
        "add CODEOWNERS so terraform changes need platform team review",
        "ls terraform k8s",
        "terraform:\naws\nmodules\nk8s:\ncharts\nenvs",
        "`.github/CODEOWNERS`: `/terraform/ @ann/platform`, `/k8s/envs/prod/ @ann/platform "
        '@ann/sre`. It only blocks merges with "Require review from Code Owners" on in '
        "the branch protection; I can't change that setting from here.",
        msg="CODEOWNERS for terraform and prod",
    ),
    chore(
        "chore-log-levels",
        "payments-gateway",
        "too much noise in prod logs. which log lines are most frequent",
        "kubectl -n payments logs -l app=payments-gateway --since=1h | jq -r .msg | sort | uniq "
        "-c | sort -rn | head -4",
        "  81233 psp request\n  81190 psp response\n   4102 idempotency hit\n    312 webhook "
        "received",
        "Two lines are 95% of the volume: `psp request` and `psp response`, at INFO for "
        "every call. Moved them to DEBUG and added one INFO line per charge with the "
        "outcome and the duration.",
        msg="log: psp request/response at debug",
    ),
    chore(
        "chore-go-mod-tidy",
        "zanzibar",
        "go mod tidy and update minor versions of deps",
        "go list -m -u all | grep '\\[' | head",
        "github.com/jackc/pgx/v5 v5.5.5 [v5.6.0]\ngolang.org/x/sync v0.6.0 [v0.7.0]\n"
        "google.golang.org/grpc v1.62.1 [v1.64.0]",
        "Updated the three with `go get -u=patch` first, then minors: `go get "
        "github.com/jackc/pgx/v5@v5.6.0 golang.org/x/sync@v0.7.0 "
        "google.golang.org/grpc@v1.64.0`, and `go mod tidy`. grpc 1.64 deprecates "
        "`grpc.Dial` (use `grpc.NewClient`), two call sites changed.",
        msg="deps: pgx 5.6, grpc 1.64",
    ),
    chore(
        "chore-cargo-clippy",
        "tidy",
        "fix the clippy warnings",
        "cargo clippy --all-targets 2>&1 | grep -c '^warning'",
        "9",
        "9 warnings: 4 `needless_borrow`, 3 `uninlined_format_args`, one `or_fun_call` and "
        "one `too_many_arguments` on `walk_dir`. Fixed the first eight; for `walk_dir` I "
        "grouped its options in a `WalkOptions` struct instead of silencing the lint.",
        msg="clippy fixes, WalkOptions",
    ),
    chore(
        "chore-api-docs-openapi",
        "billing-api",
        "the openapi docs show no descriptions for the invoice endpoints",
        "curl -s localhost:8000/openapi.json | jq '.paths[\"/invoices\"].get.description'",
        "null",
        "FastAPI takes the description from the route function's docstring and the "
        "summary from its name. Added docstrings, `response_model`s and examples for the "
        "six invoice routes, and `Field(description=...)` on `InvoiceFilters`.",
        msg="docs: describe the invoice endpoints in OpenAPI",
    ),
    chore(
        "chore-sentry-release",
        "web-dashboard",
        "sentry errors from the dashboard have minified stack traces",
        "ls dist/assets/*.map 2>/dev/null | wc -l",
        "0",
        "No source maps are built. Turned on `build.sourcemap: 'hidden'` (maps generated "
        "but not referenced from the JS, so the public can't fetch them) and added "
        "`@sentry/vite-plugin` to upload them with the release. Stack traces will show the "
        "TypeScript sources from the next deploy.",
        msg="sentry: upload hidden source maps",
        q=[("keywords", "sentry minified stack traces sourcemap hidden")],
    ),
    chore(
        "chore-pytest-slowest",
        "billing-api",
        "which tests are the slowest",
        "pytest -q --durations=5 2>&1 | tail -7",
        "slowest 5 durations\n4.12s call     tests/test_pdf.py::test_pdf_renders_long_invoice\n"
        "2.30s setup    tests/test_reports.py::test_revenue_by_month\n0.91s call     "
        "tests/test_login_limits.py::test_sixth_failed_login_is_429",
        "The PDF test renders a 40-page invoice (4.1 s); the reports test's setup creates "
        "5,000 invoices one by one. A `bulk_create` in that fixture brings it to 0.2 s; "
        "the PDF test I'd mark `slow` and run only in CI.",
        msg="tests: faster revenue fixture, mark the long PDF test slow",
    ),
    chore(
        "chore-helm-lint",
        "infra",
        "run helm lint on all charts and fix what's wrong",
        "for c in charts/*/; do helm lint $c --quiet; done",
        "==> Linting charts/notifier/\n[WARNING] templates/deployment.yaml: object name does "
        "not conform to Kubernetes naming requirements\n[ERROR] Chart.yaml: version "
        "'1.2' is not a valid SemVerV2",
        "Two findings: `notifier`'s `Chart.yaml` version `1.2` must be SemVer (`1.2.0`), "
        "and a deployment name built from `.Values.name` can contain an underscore; now "
        'passed through `| replace "_" "-" | trunc 63`.',
        msg="charts: semver version, valid names",
    ),
    chore(
        "chore-translate-strings",
        "mobile-app",
        "extract the hardcoded strings on the settings screen into i18n",
        'grep -c "\'[A-Z][a-z]" src/screens/Settings.tsx',
        "23",
        "Moved the 23 strings into `locales/en.json` under `settings.*` and replaced them "
        "with `t('settings.…')`. The German and French files get the same keys with the "
        "English text for now, marked for translation.",
        msg="settings: i18n strings",
    ),
    chore(
        "chore-ci-timeout",
        "search-service",
        "a hung integration test held the CI runner for 6 hours yesterday",
        "grep -n 'timeout' .github/workflows/build.yml",
        "",
        "No timeouts anywhere, so GitHub's default of 6 hours applied. Added "
        "`timeout-minutes: 25` to the job (normal runs take 9) and a JUnit default timeout "
        "of 2 minutes per test (`junit.jupiter.execution.timeout.default`).",
        msg="ci: job and test timeouts",
        q=[("natural", "integration test hung the ci runner for six hours")],
    ),
    chore(
        "chore-renovate-to-dependabot",
        "notifier",
        "we have both renovate and dependabot opening PRs for the same packages",
        "ls .github renovate.json 2>&1",
        ".github:\ndependabot.yml\nworkflows\nrenovate.json",
        "Kept Renovate (it groups better and already has your automerge rules) and "
        "deleted `.github/dependabot.yml`. Dependabot *security* alerts stay on, they're a "
        "repository setting, separate from the version update PRs.",
        msg="one bot: renovate",
    ),
    chore(
        "chore-python-312",
        "ingest-worker",
        "move ingest-worker to python 3.12",
        "grep -rn '3.11' Dockerfile .github pyproject.toml",
        "Dockerfile:1:FROM python:3.11-slim AS build\nDockerfile:9:FROM python:3.11-slim\n"
        '.github/workflows/ci.yml:17:          python-version: "3.11"\npyproject.toml:6:requires-python = ">=3.11"',
        "Bumped the images, CI and `requires-python`. One incompatibility: `imp` was "
        "removed in 3.12 and `ingest/plugins.py` used `imp.load_source`; replaced with "
        "`importlib.util.spec_from_file_location`.",
        msg="python 3.12",
        q=[("spread", "ingest-worker 3.12 imp removed importlib")],
    ),
    chore(
        "chore-add-healthcheck",
        "notifier",
        "add a /health endpoint that checks redis",
        "grep -n 'router.get' src/server.ts",
        "14:router.get('/metrics', metrics)",
        'Added `GET /health`: 200 with `{redis: "ok"}` when a `PING` answers within 500 '
        "ms, 503 otherwise. Kept it separate from the liveness probe, which should not "
        "depend on Redis.",
        msg="health endpoint with redis check",
    ),
    chore(
        "chore-license-check",
        "web-dashboard",
        "legal asks which licenses our frontend deps have, any GPL?",
        "npx license-checker --production --summary",
        "├─ MIT: 612\n├─ ISC: 48\n├─ Apache-2.0: 21\n├─ BSD-3-Clause: 14\n├─ BSD-2-Clause: 6\n"
        "└─ MPL-2.0: 1",
        "No GPL or AGPL among the production dependencies. The one MPL-2.0 package is "
        "`axe-core`, only used in development in fact (it's wrongly in `dependencies`; "
        "moved to `devDependencies`). Wrote the full list to `licenses.csv` for legal.",
        msg="move axe-core to devDependencies",
        q=[("natural", "do we have any gpl licensed dependencies in the frontend")],
    ),
    chore(
        "chore-backup-script",
        "infra",
        "write a script that dumps the crm db nightly to s3 and keeps 14 days",
        "ls scripts",
        "rotate-logs.sh\nrestore-test.sh",
        "Wrote `scripts/backup-crm.sh`: `pg_dump -Fc` piped to `aws s3 cp -` (no temp "
        "file), object key with the date, and an S3 lifecycle rule (in Terraform) that "
        "expires objects under `crm/` after 14 days instead of deleting in the script. "
        "`set -euo pipefail` so a failed dump fails the job.",
        msg="nightly crm backup to s3",
        q=[("natural", "nightly crm database backup script to s3 with 14 day retention")],
    ),
    chore(
        "chore-flaky-retry-plugin",
        "web-dashboard",
        "can playwright retry flaky e2e tests in CI only",
        "grep -n 'retries' playwright.config.ts",
        "12:  retries: 0,",
        "`retries: process.env.CI ? 2 : 0`. A test that passes on retry is reported as "
        '"flaky" in the HTML report, so they stay visible instead of hidden.',
        msg="e2e: 2 retries in CI",
    ),
    chore(
        "chore-s3-public-block",
        "infra",
        "make sure none of our s3 buckets are public",
        "aws s3api list-buckets --query 'Buckets[].Name' --output text | tr '\\t' '\\n' | "
        'while read b; do echo "$b $(aws s3api get-public-access-block --bucket $b '
        "--query 'PublicAccessBlockConfiguration.BlockPublicPolicy' 2>/dev/null || echo "
        'NONE)"; done',
        "ann-analytics True\nann-backups True\nann-blog-assets NONE\nann-exports True",
        "Only `ann-blog-assets` has no public access block; it serves the blog's images "
        "through CloudFront. I'd switch it to an Origin Access Control so the bucket can "
        "be private too, and turn on the account-level block.",
        msg="s3: account-level public access block; blog assets via OAC",
    ),
    chore(
        "chore-vite-alias",
        "web-dashboard",
        "I'm tired of ../../../ imports, set up @/ alias",
        "grep -c \"from '\\.\\./\\.\\./\" -r src | awk -F: '{s+=$2} END {print s}'",
        "214",
        "`@` → `src` in `vite.config.ts` (`resolve.alias`) and `tsconfig.json` (`paths`), "
        "and vitest reads Vite's config, so tests follow. Rewrote the 214 deep relative "
        "imports with a codemod.",
        msg="@/ import alias",
    ),
    chore(
        "chore-readme-setup-fix",
        "legacy-crm",
        "README setup steps are wrong, new dev got stuck at step 3",
        "sed -n 20,40p README.md",
        "3. `pip install -r requirements.txt`\n4. `python manage.py migrate`\n5. "
        "`python manage.py runserver`",
        "Step 3 fails on Python 3.12 because `requirements.txt` pins `psycopg2==2.8.6` "
        "(no wheels for 3.12). The project moved to `requirements/dev.txt` with psycopg 3 "
        "last year; the README never followed. Fixed the steps and added `docker compose "
        "up db` before `migrate`.",
        msg="readme: current setup steps",
    ),
]

for v in CHORES:
    v.setdefault("msg", "")


@family("chore", CHORES)
def chore_session(c: Chat) -> None:
    c.p(c.v["ask"])
    if c.maybe(0.4):
        c.s("On it.", "Sure, let me check.", "Looking.")
    c.sh(c.v["look"], c.v["look_out"], "Look at the current state")
    c.s(c.v["reply"])
    if "follow" in c.v:
        c.p(c.v["follow"])
        c.s(c.v["follow_answer"])
    if c.v["msg"]:
        if c.maybe(0.5):
            c.tests(ask=c.maybe(0.5))
        c.commit(c.v["msg"])
    if c.maybe(0.3):
        c.thanks()
