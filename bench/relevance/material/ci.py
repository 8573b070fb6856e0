"""CI and builds: caches that never hit, flaky tests, pipelines that broke
on their own, Docker images."""

# Code quoted in the conversations keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Chat, Variant, family, written

CACHE: list[Variant] = [
    {
        "key": "ci-cache-pip",
        "repo": "billing-api",
        "title": "Fix the CI cache",
        "ask": "ci on billing-api takes forever again, looks like pip downloads everything "
        "every single run. the cache step says it saved something but it never restores?",
        "wf": ".github/workflows/ci.yml",
        "wf_body": """
            name: ci
            on: [push, pull_request]
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/setup-python@v5
                    with:
                      python-version: "3.12"
                  - uses: actions/cache@v4
                    with:
                      path: ~/.cache/pip
                      key: pip-${{ runner.os }}-${{ github.sha }}
                  - run: pip install -r requirements.txt -r requirements-dev.txt
                  - run: pytest -q
            """,
        "why": """
            Found it. The cache key ends in `${{ github.sha }}`, and the commit sha is different
            on every push, so the key never matches anything that was saved before: every run is
            a cache miss, downloads all wheels, and then saves yet another entry nobody will ever
            read. That is also why the repo's cache storage keeps filling up with `pip-Linux-…`
            entries.

            The key should change only when the dependencies change, so hash the requirement
            files. The simplest way is to let `setup-python` do it:
            """,
        "old": """
                  - uses: actions/setup-python@v5
                    with:
                      python-version: "3.12"
                  - uses: actions/cache@v4
                    with:
                      path: ~/.cache/pip
                      key: pip-${{ runner.os }}-${{ github.sha }}""",
        "new": """
                  - uses: actions/setup-python@v5
                    with:
                      python-version: "3.12"
                      cache: pip
                      cache-dependency-path: |
                        requirements.txt
                        requirements-dev.txt""",
        "follow": "wait so we don't need actions/cache at all anymore?",
        "follow_answer": """
            No, `setup-python` with `cache: pip` runs the same cache action under the hood. It
            keys on a hash of the files in `cache-dependency-path` (plus the OS and Python
            version), and restores the newest entry with the same prefix when the exact key
            misses, so bumping one pin still starts from a warm cache. You can delete the old
            `pip-Linux-*` entries under Actions → Caches, they will never be hit again.
            """,
        "before": "3m50",
        "after": "40s",
        "msg": "ci: key the pip cache on the requirement files, not the commit",
        "q": [
            ("natural", "how did we fix the ci cache on billing-api"),
            ("keywords", "pip cache github.sha key"),
        ],
        "para": [],
    },
    {
        "key": "ci-cache-pnpm",
        "repo": "web-dashboard",
        "ask": "the install step in web-dashboard's workflow is 2+ min even though we cache. "
        "can you figure out why the cache is useless",
        "wf": ".github/workflows/test.yml",
        "wf_body": """
            jobs:
              test:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: pnpm/action-setup@v4
                    with:
                      version: 9
                  - uses: actions/setup-node@v4
                    with:
                      node-version: 20
                  - uses: actions/cache@v4
                    with:
                      path: ~/.npm
                      key: deps-${{ hashFiles('pnpm-lock.yaml') }}
                  - run: pnpm install --frozen-lockfile
                  - run: pnpm test
            """,
        "why": """
            The key is fine (it hashes `pnpm-lock.yaml`), but the cached *path* is wrong:
            `~/.npm` is npm's cache. pnpm keeps its content-addressable store somewhere else,
            on the Linux runners `~/.local/share/pnpm/store/v3`, so the cache saves an empty
            folder and `pnpm install` fetches every tarball again. You can confirm with
            `pnpm store path` in a step.

            `setup-node` knows where pnpm's store is, as long as pnpm is installed before it:
            """,
        "old": """
                  - uses: actions/setup-node@v4
                    with:
                      node-version: 20
                  - uses: actions/cache@v4
                    with:
                      path: ~/.npm
                      key: deps-${{ hashFiles('pnpm-lock.yaml') }}""",
        "new": """
                  - uses: actions/setup-node@v4
                    with:
                      node-version: 20
                      cache: pnpm""",
        "follow": "order matters? pnpm/action-setup has to come first?",
        "follow_answer": """
            Yes. `setup-node` runs `pnpm store path` to find the folder to cache, so the `pnpm`
            binary has to exist already; with the steps the other way round it fails with
            "Unable to locate executable file: pnpm". Keep `pnpm/action-setup` right after
            checkout.
            """,
        "before": "2m15",
        "after": "18s",
        "msg": "ci: cache the pnpm store instead of ~/.npm",
        "q": [
            ("natural", "why wasn't the pnpm store getting cached in the dashboard workflow"),
            ("spread", "dashboard install slow pnpm store path"),
        ],
        "para": [],
    },
    {
        "key": "ci-cache-cargo",
        "repo": "tidy",
        "title": "rust cache evictions",
        "ask": "tidy's CI: the cargo cache gets restored maybe 1 in 5 runs. rest of the time "
        "it builds all deps from scratch (~6 min). whats going on",
        "wf": ".github/workflows/ci.yml",
        "wf_body": """
            jobs:
              build:
                strategy:
                  matrix:
                    os: [ubuntu-latest, macos-latest, windows-latest]
                runs-on: ${{ matrix.os }}
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/cache@v4
                    with:
                      path: |
                        ~/.cargo/registry
                        ~/.cargo/git
                        target
                      key: ${{ matrix.os }}-cargo-${{ hashFiles('**/Cargo.lock') }}
                  - run: cargo test --all-features
            """,
        "why": """
            The cache itself is right, it is being *evicted*. GitHub keeps at most 10 GB of
            caches per repository and throws out the least recently used entries beyond that.
            You cache the whole `target/` folder on three operating systems, and `gh cache list`
            shows those entries at 3.1 to 4.8 GB each, so every new save pushes an older OS's
            entry out, and most runs find nothing.

            Most of `target/` is not worth caching: `target/debug/incremental` and your own
            crate's artifacts change on every commit. `Swatinem/rust-cache` caches only the
            dependencies' build output and cleans the rest before saving:
            """,
        "old": """
                  - uses: actions/cache@v4
                    with:
                      path: |
                        ~/.cargo/registry
                        ~/.cargo/git
                        target
                      key: ${{ matrix.os }}-cargo-${{ hashFiles('**/Cargo.lock') }}""",
        "new": """
                  - uses: Swatinem/rust-cache@v2
                    with:
                      save-if: ${{ github.ref == 'refs/heads/main' }}""",
        "follow": "why only save on main?",
        "follow_answer": """
            So that pull requests read the cache but never write one. Caches saved on a PR
            branch are only visible to that branch anyway, so they were pure waste that pushed
            the main branch's entries out of the 10 GB. With `save-if` only `main` saves, about
            600 MB per OS after the cleanup, and every branch restores from those.
            """,
        "before": "6m10",
        "after": "1m20",
        "msg": "ci: use rust-cache, save only on main (stay under the 10 GB cache limit)",
        "q": [
            ("natural", "what did we do about the cargo cache getting evicted"),
            ("keywords", "10 GB cache limit evicted target"),
            ("title", "rust cache evictions"),
        ],
        "para": [],
    },
    {
        "key": "ci-cache-gradle",
        "repo": "search-service",
        "ask": "search-service builds download half of maven central on every PR. we have a "
        "cache step for ~/.gradle. pls check",
        "wf": ".github/workflows/build.yml",
        "wf_body": """
            jobs:
              build:
                runs-on: ubuntu-latest
                steps:
                  - uses: actions/checkout@v4
                  - uses: actions/setup-java@v4
                    with:
                      distribution: temurin
                      java-version: 21
                  - uses: actions/cache@v4
                    with:
                      path: ~/.gradle/caches
                      key: gradle-${{ hashFiles('build.gradle.kts') }}
                  - run: ./gradlew build
            """,
        "why": """
            Two problems. The key hashes only the root `build.gradle.kts`, but the dependencies
            are declared in `gradle/libs.versions.toml` and the submodules' build files, so a
            version bump there restores a stale cache that Gradle then mostly re-downloads. And
            `~/.gradle/wrapper` (the Gradle distribution itself, 130 MB) is not cached at all,
            so every run downloads Gradle first.

            The `gradle/actions/setup-gradle` action handles both and also caches the
            configuration cache; it only writes the cache from the default branch:
            """,
        "old": """
                  - uses: actions/cache@v4
                    with:
                      path: ~/.gradle/caches
                      key: gradle-${{ hashFiles('build.gradle.kts') }}""",
        "new": """
                  - uses: gradle/actions/setup-gradle@v4""",
        "follow": "and the PRs? will they get a cache if it's only written from main",
        "follow_answer": """
            Yes, PR builds restore main's entry read-only (`cache-read-only` is true for every
            branch but the default one). That is what you want: the PRs stop polluting the
            cache and still start warm.
            """,
        "before": "5m30",
        "after": "1m45",
        "msg": "ci: setup-gradle instead of a hand-made ~/.gradle cache",
        "q": [("natural", "gradle cache in github actions for search-service")],
        "para": [],
    },
    {
        "key": "ci-cache-gitlab-go",
        "repo": "zanzibar",
        "title": "zanzibar pipeline cache",
        "ask": "gitlab pipeline for the authz service: `go mod download` on every job, cache "
        "seems to do nothing. merge request pipelines especially",
        "wf": ".gitlab-ci.yml",
        "wf_body": """
            image: golang:1.22

            cache:
              key: $CI_COMMIT_REF_SLUG
              paths:
                - /go/pkg/mod

            test:
              stage: test
              script:
                - go mod download
                - go test ./...
            """,
        "why": """
            Two things:

            1. GitLab can only cache paths inside the project directory. `/go/pkg/mod` is
               outside it, so the runner logs `WARNING: /go/pkg/mod: no matching files` and
               uploads nothing.
            2. `key: $CI_COMMIT_REF_SLUG` gives every branch its own cache, so a merge request
               branch starts cold the first time, which is almost always.

            Move the module cache into the project and key it on `go.sum`:
            """,
        "old": """
            cache:
              key: $CI_COMMIT_REF_SLUG
              paths:
                - /go/pkg/mod""",
        "new": """
            variables:
              GOPATH: $CI_PROJECT_DIR/.go

            cache:
              key:
                files:
                  - go.sum
              paths:
                - .go/pkg/mod/""",
        "follow": "doesnt .go end up in the repo then?",
        "follow_answer": """
            Only in the job's checkout; add `.go/` to `.gitignore` so nobody commits it locally
            by accident. I added that too.
            """,
        "before": "2m40",
        "after": "35s",
        "msg": "ci: cache go modules inside the project, keyed on go.sum",
        "q": [
            ("keywords", "gitlab cache go.sum CI_PROJECT_DIR"),
            ("spread", "merge request pipelines go mod download no matching files"),
            ("title", "zanzibar pipeline cache"),
        ],
        "para": [],
    },
    {
        "key": "ci-cache-node-modules",
        "repo": "mobile-app",
        "ask": "why is our node_modules cache in mobile-app CI not doing anything? we restore "
        "it and then npm ci takes 90s anyway",
        "wf": ".github/workflows/ci.yml",
        "wf_body": """
            steps:
              - uses: actions/checkout@v4
              - uses: actions/setup-node@v4
                with:
                  node-version: 20
              - uses: actions/cache@v4
                with:
                  path: node_modules
                  key: nm-${{ hashFiles('package-lock.json') }}
              - run: npm ci
              - run: npx jest --ci
            """,
        "why": """
            `npm ci` always deletes `node_modules` before installing, by design (it guarantees
            a clean tree that matches the lockfile). So the restored folder is thrown away a
            second later.

            Cache npm's download cache (`~/.npm`) instead; `npm ci` then installs from local
            tarballs without touching the network. `setup-node` does that for you:
            """,
        "old": """
              - uses: actions/setup-node@v4
                with:
                  node-version: 20
              - uses: actions/cache@v4
                with:
                  path: node_modules
                  key: nm-${{ hashFiles('package-lock.json') }}""",
        "new": """
              - uses: actions/setup-node@v4
                with:
                  node-version: 20
                  cache: npm""",
        "follow": "could we skip npm ci when the cache hits instead?",
        "follow_answer": """
            You can (`if: steps.cache.outputs.cache-hit != 'true'`), but it is fragile: a cached
            `node_modules` built with another Node version breaks native modules like
            `sharp`, and postinstall scripts don't run. Installing from `~/.npm` is fast enough
            and always correct.
            """,
        "before": "1m55",
        "after": "30s",
        "msg": "ci: cache ~/.npm, npm ci wipes node_modules anyway",
        "q": [("natural", "why did caching node_modules not work with npm ci")],
        "para": [],
    },
]


@family("ci-cache", CACHE)
def ci_cache(c: Chat) -> None:
    c.p(c.v["ask"])
    c.s("Let me look at the workflow.", "Checking the workflow file first.")
    c.read("«wf»", c.v["wf_body"])
    c.s(c.v["why"] + "\n```yaml\n" + c.v["new"].strip("\n") + "\n```")
    c.edit("«wf»", c.v["old"], c.v["new"])
    c.p(c.v["follow"])
    c.s(c.v["follow_answer"])
    if c.maybe(0.6):
        c.p("ok push it to a branch and let's see", "push and run it twice so we see a hit")
        c.sh(
            "git push -u origin HEAD && gh run watch --exit-status",
            "✓ main ci · 9811243371\nTriggered via push about 1 minute ago\n\nJOBS\n"
            "✓ test in «after» (ID 26930012214)",
            "Push and watch the run",
        )
        c.p(
            "install went from «before» to «after». nice",
            "«before» -> «after» on the second run 🎉",
        )
        c.s("That's the cache hitting. The first run after a lockfile change will still be slow.")
    c.commit(c.v["msg"])
    if c.maybe(0.4):
        c.thanks()


FLAKY: list[Variant] = [
    {
        "key": "flaky-freezegun-midnight",
        "run": "pytest -q -p no:randomly tests/test_invoices.py::test_due_date_is_30_days_out",
        "repo": "billing-api",
        "title": "flaky invoice due date test",
        "test": "tests/test_invoices.py::test_due_date_is_30_days_out",
        "symptom": "test_due_date_is_30_days_out fails in CI maybe once a week, never locally. "
        "assert 2024-04-12 == 2024-04-11",
        "error": "AssertionError: assert datetime.date(2024, 4, 12) == datetime.date(2024, 4, 11)",
        "cause": """
            The test computes the expected date with `date.today()` (the runner's local date)
            while `Invoice.due_date` uses `datetime.now(timezone.utc).date()`. The CI runners
            are in UTC and the nightly scheduled run starts at 23:30 UTC on some days, close to
            midnight: if the invoice is created after midnight and the expectation before (or
            the reverse), they differ by a day. Locally you never run it at midnight.
            """,
        "fix": """
            Freeze the clock so both sides see the same instant:

            ```python
            from freezegun import freeze_time

            @freeze_time("2024-03-12 23:59:59", tz_offset=0)
            def test_due_date_is_30_days_out():
                invoice = make_invoice()
                assert invoice.due_date == date(2024, 4, 11)
            ```

            And `date.today()` should not appear in the app at all; I found one more use in
            `reminders.py` and switched it to the UTC helper.
            """,
        "q": [
            ("natural", "the flaky test that failed near midnight utc, how did we fix it"),
            ("keywords", "freezegun due date flaky"),
        ],
        "para": [],
    },
    {
        "key": "flaky-jest-fake-timers",
        "run": "pnpm vitest run src/components/Toast.test.tsx",
        "repo": "web-dashboard",
        "test": "src/components/Toast.test.tsx",
        "symptom": "Toast.test.tsx times out randomly in CI (exceeded timeout of 5000 ms), passes "
        "when I rerun. annoying",
        "error": 'thrown: "Exceeded timeout of 5000 ms for a test."',
        "cause": """
            The test turns on fake timers with `vi.useFakeTimers()` and then `await`s
            `findByText`, which polls with `setTimeout`, a timer that is now fake and never
            fires unless something advances the clock. Whether it passes depends on whether the
            toast was already rendered on the first check, which is a race with React's commit.
            """,
        "fix": """
            Advance the fake clock instead of waiting on it, and restore real timers after each
            test:

            ```ts
            beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }))
            afterEach(() => vi.useRealTimers())

            it('hides the toast after 4s', async () => {
              render(<Toast message="Saved" />)
              expect(screen.getByText('Saved')).toBeInTheDocument()
              await act(() => vi.advanceTimersByTimeAsync(4000))
              expect(screen.queryByText('Saved')).toBeNull()
            })
            ```
            """,
        "q": [("natural", "why was the Toast test timing out in CI")],
        "para": [],
    },
    {
        "key": "flaky-go-race",
        "run": "go test -race -count=1 -run TestCheckCacheConcurrent ./internal/check/",
        "repo": "zanzibar",
        "test": "internal/check/cache_test.go",
        "symptom": "TestCheckCacheConcurrent is flaky, fails ~10% with wrong results. can you dig",
        "error": "WARNING: DATA RACE\nWrite at 0x00c0001a4060 by goroutine 23:\n  "
        "runtime.mapassign_faststr()",
        "cause": """
            Running it with `-race` shows a data race: `decisionCache.entries` is a plain map
            written from the goroutines that handle checks and read by the sweeper goroutine,
            without a lock. Concurrent map writes in Go are undefined behaviour, and the test
            sometimes reads a half-updated entry.
            """,
        "fix": """
            Guard the map with a `sync.RWMutex` (reads are far more frequent than writes):

            ```go
            type decisionCache struct {
                mu      sync.RWMutex
                entries map[string]decision
            }

            func (c *decisionCache) get(k string) (decision, bool) {
                c.mu.RLock()
                defer c.mu.RUnlock()
                d, ok := c.entries[k]
                return d, ok
            }
            ```

            I also added `-race` to the test job in CI so the next one is caught on the first
            run.
            """,
        "q": [
            ("keywords", "data race decisionCache RWMutex"),
            ("spread", "zanzibar flaky concurrent check test race detector"),
        ],
        "para": [],
    },
    {
        "key": "flaky-redis-port",
        "run": "pytest -q tests/test_tasks.py",
        "repo": "ingest-worker",
        "test": "tests/test_tasks.py",
        "symptom": "ingest-worker tests fail in CI with ConnectionError to redis, only when the "
        "two test jobs run at the same time on the self-hosted runner",
        "error": "redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. "
        "Connection refused.",
        "cause": """
            Both jobs start a Redis container with `-p 6379:6379` on the same self-hosted
            machine. The second `docker run` fails to bind the port (the step ignores the error
            because of `|| true`), and when the first job finishes and stops its container, the
            second job's tests lose Redis mid-run.
            """,
        "fix": """
            Let Docker pick a free port and pass it to the tests:

            ```bash
            cid=$(docker run -d -p 127.0.0.1::6379 redis:7-alpine)
            export REDIS_URL="redis://$(docker port "$cid" 6379/tcp)/0"
            ```

            and drop the `|| true`, so a failed start fails the job loudly. The Celery config
            already reads `REDIS_URL`.
            """,
        "q": [("natural", "redis connection refused when two ci jobs ran at the same time")],
        "para": [],
    },
    {
        "key": "flaky-testcontainers",
        "run": "./gradlew integrationTest --tests IndexerIT",
        "repo": "search-service",
        "test": "IndexerIT",
        "symptom": "IndexerIT fails on CI with container startup timeout for elasticsearch. "
        "works on my mac",
        "error": "org.testcontainers.containers.ContainerLaunchException: Timed out waiting for "
        "container port to open (localhost ports: [32771] should be listening)",
        "cause": """
            The Elasticsearch container needs more than the 60 s default to start on the CI
            runner (2 cores, and it also runs the Gradle daemon), mostly because it allocates a
            1 GB heap and runs its bootstrap checks. On your laptop it is up in 15 s.
            """,
        "fix": """
            Give it a smaller heap, a longer wait, and reuse one container for the whole test
            class:

            ```java
            @Container
            static ElasticsearchContainer es = new ElasticsearchContainer(ES_IMAGE)
                .withEnv("ES_JAVA_OPTS", "-Xms256m -Xmx256m")
                .withEnv("xpack.security.enabled", "false")
                .withStartupTimeout(Duration.ofMinutes(3));
            ```
            """,
        "q": [("keywords", "testcontainers elasticsearch startup timeout")],
        "para": [],
    },
    {
        "key": "flaky-snapshot-locale",
        "run": "npx jest src/screens/__tests__/Receipt.test.tsx",
        "repo": "mobile-app",
        "test": "src/screens/__tests__/Receipt.test.tsx",
        "symptom": "Receipt snapshot test fails on CI but not locally, the diff is just the date "
        "'12/03/2024' vs '3/12/2024'",
        "error": "-   Issued 12/03/2024\n+   Issued 3/12/2024",
        "cause": """
            The component formats the date with `toLocaleDateString()` without a locale, so the
            output follows the machine's locale: yours is en-GB (day first), the CI image is
            en-US. The snapshot was recorded on your machine.
            """,
        "fix": """
            Pin the locale and time zone in the component (it should not depend on the
            device for a receipt anyway) and in the test environment:

            ```ts
            const issued = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' })
              .format(receipt.issuedAt)
            ```

            plus `process.env.TZ = 'UTC'` in `jest.setup.ts`, then update the snapshot once.
            """,
        "q": [("natural", "receipt snapshot failing because of date format in ci")],
        "para": [],
    },
]


@family("flaky-test", FLAKY)
def flaky(c: Chat) -> None:
    c.p(c.v["symptom"])
    c.s("Let me run it a few times and see how it fails.", "Let me reproduce it first.")
    c.sh(
        "for i in $(seq 1 30); do «run» || break; done",
        "«error»",
        "Run the test in a loop until it fails",
    )
    c.s(c.v["cause"])
    if c.maybe(0.5):
        c.p("ugh. and the fix?", "makes sense. fix it", "ok so what do we do")
    c.s(c.v["fix"])
    if c.maybe(0.7):
        c.tests(ask=c.maybe(0.5))
    c.commit("test: fix flaky " + c.v["test"].split("/")[-1].split("::")[-1])


BROKE: list[Variant] = [
    {
        "key": "ci-ubuntu-2404-python38",
        "repo": "legacy-crm",
        "turns": [
            "CI broke on legacy-crm without any change from us: 'Version 3.8 was not found in "
            "the local cache'. ???",
            """
            That's the runner image, not your code. `ubuntu-latest` now points to Ubuntu 24.04,
            and the `setup-python` tool cache for 24.04 has no Python 3.8 (it reached end of
            life in October 2024), so `setup-python` can't find a prebuilt 3.8 for it.

            Two ways out:

            - pin the old image for now: `runs-on: ubuntu-22.04`
            - or, better, move the test matrix to 3.10+ , since 3.8 gets no security fixes
              anymore

            Which Python does production run?
            """,
            "prod is 3.11 actually. 3.8 is just left over in the matrix",
            """
            Then drop it: the matrix becomes `["3.10", "3.11", "3.12"]`. Django 4.2 supports all
            three. I'd keep `ubuntu-latest` so you don't end up pinned to an image that goes
            away too.
            """,
            (
                "$",
                "sed -i 's/\"3.8\", //' .github/workflows/tests.yml && git diff --stat",
                " .github/workflows/tests.yml | 2 +-\n 1 file changed, 1 insertion(+), 1 "
                "deletion(-)",
            ),
            ("person", "push it"),
            (
                "$",
                "git commit -am 'ci: drop python 3.8 from the matrix' && git push",
                "[master 5d1c0a2] ci: drop python 3.8 from the matrix\n 1 file changed",
            ),
            "Pushed. The run is green on 3.10, 3.11 and 3.12.",
        ],
        "q": [("keywords", "Version 3.8 was not found in the local cache")],
        "para": [],
    },
    {
        "key": "ci-node20-checkout",
        "repo": "docs-site",
        "turns": [
            "getting a bunch of annotations on every docs-site run: 'Node.js 16 actions are "
            "deprecated. Please update the following actions to use Node.js 20: "
            "actions/checkout@v3, actions/upload-pages-artifact@v1'. does it matter?",
            """
            Right now they're warnings, but GitHub forces Node 16 actions onto Node 20 and will
            remove Node 16 from the runners, at which point old majors can break. It's a
            five-minute fix: bump each action to the major that runs on Node 20.

            | action | from | to |
            | --- | --- | --- |
            | actions/checkout | v3 | v4 |
            | actions/setup-node | v3 | v4 |
            | actions/upload-pages-artifact | v1 | v3 |
            | actions/deploy-pages | v1 | v4 |

            `upload-pages-artifact@v3` and `deploy-pages@v4` must be upgraded together, the
            artifact format changed between them.
            """,
            "do it",
            (
                "$",
                "grep -rn 'uses:' .github/workflows/",
                ".github/workflows/pages.yml:12:      - uses: actions/checkout@v3\n"
                ".github/workflows/pages.yml:13:      - uses: actions/setup-node@v3\n"
                ".github/workflows/pages.yml:24:      - uses: actions/upload-pages-artifact@v1\n"
                ".github/workflows/pages.yml:35:      - uses: actions/deploy-pages@v1",
            ),
            """
            Updated the four `uses:` lines in `pages.yml`. I'd also add a Dependabot config for
            `github-actions` so this happens by itself next time:

            ```yaml
            version: 2
            updates:
              - package-ecosystem: github-actions
                directory: /
                schedule:
                  interval: monthly
            ```
            """,
            "yes add that too",
            "Added `.github/dependabot.yml`.",
        ],
        "q": [
            ("natural", "how did we get rid of the node 16 deprecation warnings on the docs site")
        ],
        "para": [],
    },
    {
        "key": "ci-no-space-docker",
        "repo": "ml-experiments",
        "title": "runner out of disk",
        "turns": [
            "docker build in CI dies with 'no space left on device' while installing torch",
            """
            The hosted runners have about 14 GB free on `/`, and the CUDA build of torch plus
            its layers is bigger than that once Docker keeps both the pip cache and the layer.
            Options, cheapest first:

            1. install the CPU wheel in CI (`--index-url https://download.pytorch.org/whl/cpu`),
               the tests don't need a GPU;
            2. `pip install --no-cache-dir` so pip's cache doesn't end up in the layer;
            3. free space on the runner before building (remove `/usr/share/dotnet`,
               `/opt/ghc`, the Android SDK: about 20 GB).
            """,
            "1 and 2 please. 3 feels hacky",
            (
                "$",
                "grep -n torch requirements*.txt docker/Dockerfile",
                "requirements.txt:4:torch==2.3.1\ndocker/Dockerfile:9:RUN pip install -r "
                "requirements.txt",
            ),
            """
            Done: a `requirements-ci.txt` that pins `torch==2.3.1+cpu` with the CPU index, and
            `--no-cache-dir` in the Dockerfile. The image went from 9.7 GB to 2.1 GB and the
            build no longer runs out of disk.
            """,
        ],
        "q": [("natural", "ci docker build ran out of disk installing torch, what did we change")],
        "para": [],
    },
    {
        "key": "ci-gitlab-docker-sock",
        "repo": "infra",
        "turns": [
            "our gitlab runner job that builds images fails: 'permission denied while trying "
            "to connect to the Docker daemon socket at unix:///var/run/docker.sock'",
            """
            The job runs inside a container (docker executor) and talks to the host's Docker
            through the mounted socket, and the user in the job image isn't allowed to use it.
            Cleaner than fixing permissions: use Docker-in-Docker as a service, which is what
            GitLab documents for building images:

            ```yaml
            build-image:
              image: docker:27
              services:
                - docker:27-dind
              variables:
                DOCKER_TLS_CERTDIR: "/certs"
              script:
                - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .
            ```

            The runner needs `privileged = true` in its `config.toml` for dind.
            """,
            "runner is ours, can set privileged. or is kaniko better?",
            """
            Kaniko builds without a daemon and without privileged mode, which is safer on a
            shared runner. But it is archived by Google now (2025) and slower on multi-stage
            builds. Since the runner is yours alone, dind is fine; if you ever share it, look at
            Buildah or BuildKit rootless.
            """,
        ],
        "q": [("keywords", "docker.sock permission denied gitlab runner dind")],
        "para": [],
    },
    {
        "key": "ci-fork-secrets",
        "repo": "docs-site",
        "turns": [
            "PRs from outside contributors fail the link checker step with 401. our own PRs "
            "are fine",
            """
            Secrets are not passed to workflows triggered by `pull_request` from a fork, so
            `secrets.LINKCHECK_TOKEN` is empty there and the API answers 401. That's on purpose:
            a fork's PR could print your secret otherwise.

            Don't switch to `pull_request_target` to work around it; it runs with secrets on
            code from the fork, which is exactly the risk. Instead make the step work without
            the token for forks:

            ```yaml
            - name: check links
              env:
                GITHUB_TOKEN: ${{ secrets.LINKCHECK_TOKEN || github.token }}
              run: lychee --no-progress docs/
            ```

            The default `github.token` is read-only but is enough for lychee to avoid the
            anonymous rate limit.
            """,
            "ok good, why not pull_request_target though, lots of repos use it",
            """
            They use it for jobs that never check out the PR's code (labelling, commenting).
            The moment such a job runs `npm install` or a script from the PR, anyone can open a
            PR that exfiltrates your secrets. The link checker has to read the PR's files, so
            it's the dangerous case.
            """,
        ],
        "q": [("natural", "why did the link checker fail with 401 on PRs from forks")],
        "para": [],
    },
    {
        "key": "ci-tag-trigger",
        "repo": "tidy",
        "turns": [
            "pushed tag v0.9.0 and the release workflow didn't run at all. on: push: tags: "
            "['release-*']  hmm",
            """
            There it is: the filter only matches tags named `release-*`, and your tag is
            `v0.9.0`. Use a pattern that matches your tags:

            ```yaml
            on:
              push:
                tags:
                  - "v[0-9]+.[0-9]+.[0-9]+"
            ```

            (GitHub's filter patterns are globs with `+` and `[]` allowed, not regexes.) Then
            re-trigger by deleting and pushing the tag, or run it by hand if you add
            `workflow_dispatch`.
            """,
            (
                "$",
                "git push --delete origin v0.9.0 && git push origin v0.9.0",
                "To github.com:ann/tidy.git\n - [deleted]         v0.9.0\n * [new tag]         "
                "v0.9.0 -> v0.9.0",
            ),
            ("person", "ran now, binaries uploaded to the release. thx"),
        ],
        "q": [("natural", "release workflow didnt trigger when i pushed the tag")],
        "para": [],
    },
]

family("ci-broke", BROKE)(written)

DOCKER: list[Variant] = [
    {
        "key": "docker-multistage-size",
        "repo": "ingest-worker",
        "title": "slim down worker image",
        "turns": [
            "the ingest-worker image is 1.9GB, pulls take forever on deploy. can we shrink it",
            (
                "$",
                "docker history ingest-worker:latest --format '{{.Size}}\\t{{.CreatedBy}}' | head",
                "612MB\tRUN /bin/sh -c apt-get update && apt-get install -y build-essential "
                "libpq-dev\n"
                "540MB\tRUN /bin/sh -c pip install -r requirements.txt\n"
                "0B\tWORKDIR /app\n"
                "1.02GB\t/bin/sh -c #(nop) FROM python:3.12",
            ),
            """
            The big parts: the full `python:3.12` base (1 GB, a whole Debian with compilers),
            `build-essential` (600 MB) that's only needed to compile `psycopg2`, and pip's
            cache. A multi-stage build compiles wheels in one stage and copies only them into a
            slim one:

            ```dockerfile
            FROM python:3.12-slim AS build
            RUN apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev
            COPY requirements.txt .
            RUN pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt

            FROM python:3.12-slim
            RUN apt-get update && apt-get install -y --no-install-recommends libpq5 \\
                && rm -rf /var/lib/apt/lists/*
            COPY --from=build /wheels /wheels
            RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
            WORKDIR /app
            COPY . .
            CMD ["celery", "-A", "ingest.app", "worker", "-l", "info"]
            ```

            The runtime only needs `libpq5`, not the headers.
            """,
            "try it",
            (
                "$",
                "docker build -t ingest-worker:slim . && docker images ingest-worker",
                "REPOSITORY      TAG      IMAGE ID       CREATED          SIZE\n"
                "ingest-worker   slim     3f9a1c2d7e88   5 seconds ago    214MB\n"
                "ingest-worker   latest   b71e0d55a0c1   3 weeks ago      1.91GB",
            ),
            "214 MB, from 1.91 GB. The worker starts and connects to Redis in a quick smoke test.",
            "could we go alpine for even smaller?",
            """
            I wouldn't: alpine uses musl, so most wheels (psycopg, numpy) aren't available as
            prebuilt binaries and get compiled from source, which makes builds slow and
            sometimes subtly different. `-slim` is the better trade.
            """,
        ],
        "q": [
            ("natural", "how did we get the worker docker image down from 1.9gb"),
            ("keywords", "multi-stage build slim libpq5 wheels"),
        ],
        "para": [],
    },
    {
        "key": "docker-layer-order",
        "repo": "billing-api",
        "turns": [
            "every tiny code change makes docker rebuild the whole pip install layer. why",
            (
                "paste",
                "dockerfile:",
                """
                FROM python:3.12-slim
                WORKDIR /app
                COPY . .
                RUN pip install --no-cache-dir -r requirements.txt
                CMD ["uvicorn", "billing.main:app", "--host", "0.0.0.0"]
                """,
            ),
            """
            `COPY . .` comes before the install, so any change to any file invalidates that
            layer and every layer after it, including `pip install`. Copy the requirements
            first, install, then copy the code:

            ```dockerfile
            FROM python:3.12-slim
            WORKDIR /app
            COPY requirements.txt .
            RUN pip install --no-cache-dir -r requirements.txt
            COPY . .
            CMD ["uvicorn", "billing.main:app", "--host", "0.0.0.0"]
            ```

            Now the install layer is reused until `requirements.txt` changes. Add a
            `.dockerignore` with `.git`, `.venv` and `__pycache__` too, so the context is small.
            """,
            "oh. obvious in hindsight",
        ],
        "q": [("natural", "why did every code change rebuild the pip install layer")],
        "para": [],
    },
    {
        "key": "docker-arm64-exec-format",
        "repo": "payments-gateway",
        "turns": [
            "built the payments-gateway image on my M2 and pushed it, the k8s pod fails with "
            "'exec /app/gateway: exec format error'",
            """
            The image was built for `linux/arm64` (your Mac's architecture) and the cluster
            nodes are `amd64`. Build for the nodes' platform:

            ```bash
            docker buildx build --platform linux/amd64 -t registry.ann.dev/payments-gateway:1.14.2 --push .
            ```

            Or both, as a multi-arch manifest: `--platform linux/amd64,linux/arm64`. For a Go
            binary the cross-compile is cheap if the Dockerfile uses `$BUILDPLATFORM` for the
            build stage and sets `GOARCH=$TARGETARCH`, instead of emulating amd64 with QEMU.
            """,
            "show me the dockerfile change for the go part",
            """
            ```dockerfile
            FROM --platform=$BUILDPLATFORM golang:1.22 AS build
            ARG TARGETOS TARGETARCH
            WORKDIR /src
            COPY go.mod go.sum ./
            RUN go mod download
            COPY . .
            RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/gateway ./cmd/gateway

            FROM gcr.io/distroless/static-debian12
            COPY --from=build /out/gateway /app/gateway
            ENTRYPOINT ["/app/gateway"]
            ```

            The compiler runs natively on your Mac and emits an amd64 binary; no emulation.
            """,
        ],
        "q": [("keywords", "exec format error arm64 amd64 buildx")],
        "para": [],
    },
    {
        "key": "docker-build-secret",
        "repo": "notifier",
        "turns": [
            "we pass NPM_TOKEN as a build arg to install private packages in the notifier "
            "image. someone said that's bad?",
            """
            They're right: build args end up in the image metadata. Anyone who can pull the
            image can run `docker history --no-trunc notifier` and read the token. Use a build
            secret instead; it's mounted for one `RUN` and never stored in a layer:

            ```dockerfile
            # syntax=docker/dockerfile:1
            RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci --omit=dev
            ```

            ```bash
            docker build --secret id=npmrc,src=$HOME/.npmrc -t notifier .
            ```

            And rotate the token that's been in the old images.
            """,
            "what about in github actions",
            """
            `docker/build-push-action` has a `secrets:` input:

            ```yaml
            - uses: docker/build-push-action@v6
              with:
                secrets: |
                  "npmrc=//registry.npmjs.org/:_authToken=${{ secrets.NPM_TOKEN }}"
            ```
            """,
        ],
        "q": [("natural", "is passing the npm token as a docker build arg a problem")],
        "para": [],
    },
    {
        "key": "docker-context-huge",
        "repo": "web-dashboard",
        "turns": [
            "docker build for web-dashboard sits at 'transferring context: 812MB' for ages",
            """
            Everything in the folder is sent to the builder, including `node_modules`, `.git`
            and the `dist/` output, because there is no `.dockerignore`. Add one:

            ```
            node_modules
            dist
            .git
            coverage
            *.log
            .env*
            ```

            The context should drop to a few MB. The `.env*` line also keeps local secrets out
            of the image.
            """,
            (
                "$",
                "docker build -t web-dashboard . 2>&1 | grep context",
                "#5 [internal] load build context\n#5 transferring context: 3.42MB 0.2s done",
            ),
            ("person", "812MB → 3.4MB lol"),
        ],
        "q": [("keywords", "transferring context 812MB dockerignore")],
        "para": [],
    },
]

family("docker", DOCKER)(written)

BUILDS: list[Variant] = [
    {
        "key": "tsc-slow-project-refs",
        "repo": "web-dashboard",
        "turns": [
            "tsc --noEmit takes 70s on web-dashboard now, it was like 15s in spring. anything "
            "we can do?",
            (
                "$",
                "npx tsc --noEmit --extendedDiagnostics | tail -12",
                "Files:                         4211\nLines of TypeScript:         612044\n"
                "Instantiations:             9861022\nCheck time:                   61.84s\n"
                "Total time:                   70.12s",
            ),
            """
            Almost ten million type instantiations, that's the cost. 4,211 files for an app of
            this size means something pulls in a lot; `--generateTrace` will show which types.
            Two quick wins first:

            1. `"incremental": true` with a `tsBuildInfoFile`, so unchanged files aren't
               rechecked (second run is much faster);
            2. `"skipLibCheck": true`, so the `.d.ts` of `node_modules` aren't checked.
            """,
            "do both and then do the trace thing",
            (
                "$",
                "npx tsc --noEmit --generateTrace trace && npx @typescript/analyze-trace trace",
                "Hot Spots\n└─ Check file /home/ann/src/web-dashboard/src/api/schema.ts (38211ms)\n"
                "   └─ Check expression from (line 12, char 1) to (line 4410, char 2) (37980ms)",
            ),
            """
            One file is 38 of the 61 seconds: `src/api/schema.ts`, the generated zod schema of
            the whole API, where every endpoint's type is inferred with `z.infer`. Generating
            plain TypeScript interfaces next to the schemas (openapi-typescript does that) and
            using those in the components removes the inference. With the two flags the warm
            run is already down to 9 s.
            """,
        ],
        "q": [
            ("spread", "typescript check slow generateTrace schema.ts"),
            ("natural", "what made tsc so slow on the dashboard"),
        ],
        "para": [],
    },
    {
        "key": "rust-link-mold",
        "repo": "tidy",
        "turns": [
            "incremental builds of tidy take 12s even when I change one line. mostly linking "
            "apparently?",
            """
            On Linux the default linker (GNU `ld` via `cc`) is slow on big debug binaries.
            Switching to `mold` usually brings the link step from seconds to a fraction of a
            second. In `.cargo/config.toml`:

            ```toml
            [target.x86_64-unknown-linux-gnu]
            linker = "clang"
            rustflags = ["-C", "link-arg=-fuse-ld=mold"]
            ```

            Also `debug = "line-tables-only"` in `[profile.dev]` shrinks the debug info, which
            helps linking too.
            """,
            (
                "$",
                "cargo build --timings 2>&1 | tail -2",
                "    Finished `dev` profile [unoptimized + debuginfo] target(s) in 2.31s",
            ),
            ("person", "12s to 2.3s. Keeping this only local, or in the repo?"),
            """
            Keep it local (`~/.cargo/config.toml`): contributors without mold installed would
            get a linker error. Or put it in the repo behind a `mold` check in the README.
            """,
        ],
        "q": [("keywords", "mold linker cargo config")],
        "para": [],
    },
    {
        "key": "makefile-phony",
        "repo": "payments-gateway",
        "turns": [
            "`make test` says 'make: 'test' is up to date.' and runs nothing. wtf",
            """
            There's a folder called `test/` in the repo now (the fixtures you added), and make
            sees a file named `test` that's newer than its (non-existent) prerequisites, so it
            thinks the target is built. Declare the targets that aren't files as phony:

            ```make
            .PHONY: test build lint run
            ```
            """,
            "ha. classic",
            "It bites everyone once. I added the `.PHONY` line at the top of the Makefile and "
            "`make test` runs the suite again.",
        ],
        "q": [("natural", "make test says up to date and does nothing")],
        "para": [],
    },
    {
        "key": "precommit-slow-mypy",
        "repo": "billing-api",
        "turns": [
            "pre-commit takes 40s per commit, people started using --no-verify. which hook",
            (
                "$",
                "pre-commit run --all-files --verbose 2>&1 | grep -E 'Passed|Failed|duration'",
                "ruff.....................Passed\n- duration: "
                "0.31s\nruff-format..............Passed\n"
                "- duration: 0.22s\nmypy.....................Passed\n- duration: 38.9s",
            ),
            """
            mypy: the pre-commit hook runs it in an isolated environment without your
            dependencies' type stubs, without the cache, and on the whole package. Options:

            - move mypy out of pre-commit into CI only (common, and most teams are fine with
              it);
            - or run it as a `local` hook with `language: system`, so it uses the project's
              venv and `.mypy_cache`: warm runs take 2 to 3 s.
            """,
            "local hook please, keep it in the commit",
            """
            ```yaml
            - repo: local
              hooks:
                - id: mypy
                  name: mypy
                  entry: mypy billing
                  language: system
                  types: [python]
                  pass_filenames: false
            ```

            Second commit: 2.6 s for the whole run.
            """,
        ],
        "q": [("natural", "pre-commit was taking 40 seconds because of mypy, what did we do")],
        "para": [],
    },
]

family("builds", BUILDS)(written)

CHAT_CI: list[Variant] = [
    {
        "key": "gha-matrix-exclude",
        "repo": "tidy",
        "turns": [
            "github actions: how do I skip windows + beta toolchain in a matrix but keep the rest",
            """
            Use `exclude` with the exact combination:

            ```yaml
            strategy:
              matrix:
                os: [ubuntu-latest, macos-latest, windows-latest]
                toolchain: [stable, beta]
                exclude:
                  - os: windows-latest
                    toolchain: beta
            ```

            That gives 5 jobs instead of 6. `include` does the reverse (add one combination or
            extra keys to existing ones).
            """,
            "and fail-fast false so one failing doesn't cancel others?",
            "Yes, `fail-fast: false` under `strategy`, next to `matrix`.",
        ],
        "q": [("natural", "how to exclude one combination from a github actions matrix")],
        "para": [],
    },
    {
        "key": "gha-concurrency-cancel",
        "repo": "web-dashboard",
        "turns": [
            "when I push 3 times quickly all 3 workflow runs go to the end. can older ones be "
            "cancelled automatically",
            """
            Yes, with a concurrency group per branch:

            ```yaml
            concurrency:
              group: ${{ github.workflow }}-${{ github.ref }}
              cancel-in-progress: true
            ```

            A new run in the same group cancels the one in progress. If you don't want that on
            `main` (where every commit should be deployed), use
            `cancel-in-progress: ${{ github.ref != 'refs/heads/main' }}`.
            """,
            "top level of the workflow or per job?",
            """
            Either. At the top level it applies to the whole run; on a job it only serializes
            that job (useful for a deploy job that must never run twice at once while the
            tests may). For your case put it at the top, right under `on:`.
            """,
        ],
        "q": [("keywords", "cancel-in-progress concurrency group")],
        "para": [],
    },
]

family("ci-chat", CHAT_CI, CHATS)(written)
