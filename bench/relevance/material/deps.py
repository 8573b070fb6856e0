"""Dependency upgrades and the problems of resolvers and lockfiles."""

# Code quoted in the conversations keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

UPGRADES: list[Variant] = [
    {
        "key": "pydantic-v2",
        "repo": "billing-api",
        "title": "pydantic 2 migration",
        "turns": [
            "let's finally move billing-api to pydantic 2. fastapi is already on 0.111",
            (
                "$",
                "grep -rn -E '@validator|\\.dict\\(|class Config|orm_mode|parse_obj' billing/ | "
                "wc -l",
                "87",
            ),
            """
            87 places. The mechanical part is known:

            | pydantic 1 | pydantic 2 |
            | --- | --- |
            | `@validator("x")` | `@field_validator("x")` (a classmethod) |
            | `@root_validator` | `@model_validator(mode="after")` |
            | `.dict()`, `.json()` | `.model_dump()`, `.model_dump_json()` |
            | `Model.parse_obj(d)` | `Model.model_validate(d)` |
            | `class Config: orm_mode = True` | `model_config = ConfigDict(from_attributes=True)` |

            `bump-pydantic` does most of it automatically. Then the behaviour changes need
            reading: v2 no longer converts `int` to `str` silently, and `Optional[X]` without
            a default is now *required*.
            """,
            (
                "$",
                "pip install bump-pydantic && bump-pydantic billing",
                "[12:01:44] Start bump-pydantic.\n[12:01:47] Refactored 31 files.",
            ),
            (
                "$",
                "pytest -q -x 2>&1 | tail -4",
                "FAILED tests/test_customers.py::test_create_customer_minimal - "
                "pydantic_core._pydantic_core."
                "ValidationError: 1 validation error for CustomerIn\ntax_id\n  Field required "
                "[type=missing, input_value={'name': 'Acme'}, input_type=dict]\n1 failed, 143 "
                "passed",
            ),
            """
            The `Optional` change, as expected: `tax_id: Optional[str]` was optional in v1
            because v1 added `= None` implicitly. In v2 it means "may be None, but must be
            given". I'm adding `= None` to the 9 fields that relied on it.
            """,
            ("$", "pytest -q 2>&1 | tail -1", "212 passed in 11.20s"),
        ],
        "msg": "move to pydantic 2",
        "q": [
            ("natural", "which fields became required when we upgraded billing-api to pydantic 2"),
            ("keywords", "bump-pydantic field_validator model_dump"),
            ("spread", "pydantic Optional tax_id Field required"),
        ],
        "para": [],
    },
    {
        "key": "react-18-strictmode",
        "repo": "web-dashboard",
        "turns": [
            "after upgrading to react 18 every useEffect fetch runs twice in dev. is that the "
            "upgrade or a bug on our side",
            """
            It's React 18's `StrictMode`: in development it mounts every component, unmounts
            it and mounts it again, to surface effects that don't clean up after themselves.
            Production runs them once. So the double fetch is intended, and it points at
            effects without cleanup.

            For fetches, abort the first one in the cleanup:

            ```tsx
            useEffect(() => {
              const ctrl = new AbortController()
              fetch(`/api/invoices?page=${page}`, { signal: ctrl.signal })
                .then(r => r.json()).then(setInvoices)
                .catch(e => { if (e.name !== 'AbortError') throw e })
              return () => ctrl.abort()
            }, [page])
            ```

            Even better, move data fetching to TanStack Query, which you already use on half
            of the pages.
            """,
            "also getting a warning ReactDOM.render is no longer supported in React 18",
            """
            The entry point still uses the old API. In `src/main.tsx`:

            ```tsx
            import { createRoot } from 'react-dom/client'
            createRoot(document.getElementById('root')!).render(<App />)
            ```

            Until you switch, React 18 runs in React 17 mode (no concurrent features).
            """,
        ],
        "msg": "react 18: createRoot, abort fetches in effect cleanup",
        "q": [
            ("natural", "why does every useEffect run twice after the react 18 upgrade"),
            ("keywords", "createRoot ReactDOM.render no longer supported"),
        ],
        "para": [],
    },
    {
        "key": "django-5-upgrade",
        "repo": "legacy-crm",
        "title": "Django 5",
        "turns": [
            "plan for moving the crm from django 4.2 to 5.1? tests are decent",
            ("$", "python -Wd manage.py test 2>&1 | grep -c RemovedInDjango50Warning", "23"),
            """
            First fix the 23 deprecation warnings on 4.2 (they're the things 5.0 removes), then
            bump. From the warnings:

            - `USE_L10N` setting: gone, localization is always on; delete it.
            - `pytz` time zones: Django 5 only supports `zoneinfo`; 14 of the warnings are
              `timezone.utc` / `pytz.timezone(...)` uses.
            - `Model.Meta.index_together`: replace with `Meta.indexes` (the `Deal` model).
            - `DEFAULT_FILE_STORAGE` → the `STORAGES` setting.

            Also: Django 5.0 needs Python 3.10+, and prod is on 3.11, fine.
            """,
            "do the pytz ones first, that's the scary part",
            (
                "$",
                "grep -rln pytz crm/ | head",
                "crm/reports/schedule.py\ncrm/models/deal.py\ncrm/utils/dates.py",
            ),
            """
            Three files. `pytz.timezone(name).localize(dt)` becomes `dt.replace(tzinfo=
            ZoneInfo(name))`, and `normalize()` calls go away (zoneinfo handles DST
            arithmetic itself). The one subtle spot is `reports/schedule.py`, which relies on
            `localize(is_dst=None)` raising for ambiguous times; with zoneinfo I check `fold`
            explicitly.
            """,
        ],
        "msg": "replace pytz with zoneinfo ahead of Django 5",
        "q": [
            ("natural", "what did we need to change before upgrading the crm to django 5"),
            ("keywords", "pytz zoneinfo localize RemovedInDjango50Warning"),
        ],
        "para": [],
    },
    {
        "key": "node-openssl-legacy",
        "repo": "mobile-app",
        "turns": [
            "switched to node 20 and the web build of mobile-app fails: error:0308010C:digital "
            "envelope routines::unsupported",
            """
            That's webpack 4 (used by the old `expo-cli` web build) hashing with MD4, which
            OpenSSL 3 (Node 17+) no longer provides. Three ways:

            1. quick hack: `NODE_OPTIONS=--openssl-legacy-provider` (re-enables the old
               algorithms, fine for a build, not something to keep);
            2. upgrade to a webpack 5 based build;
            3. move the web build to Expo's Metro bundler (`"web": {"bundler": "metro"}` in
               app.json), which is the default since SDK 50.

            You're on Expo SDK 51, so 3 is the real fix.
            """,
            "3 then",
            (
                "$",
                "npx expo export --platform web",
                "Starting Metro Bundler\nWeb Bundled 4182ms index.js (1212 modules)\n"
                "Exported: dist",
            ),
            "The web export works with Metro on Node 20.",
        ],
        "msg": "web: bundle with metro (webpack 4 broke on node 20)",
        "q": [("keywords", "error:0308010C digital envelope routines unsupported")],
        "para": [],
    },
    {
        "key": "numpy-2-float",
        "repo": "ml-experiments",
        "turns": [
            "AttributeError: `np.float_` was removed in the NumPy 2.0 release. Use "
            "`np.float64` instead. — it's inside an old version of a lib not our code",
            (
                "$",
                "python -c 'import traceback' && pip show imgaug | head -2 && pip list "
                "2>/dev/null | grep -i numpy",
                "Name: imgaug\nVersion: 0.4.0\nnumpy                     2.0.1",
            ),
            """
            `imgaug` 0.4.0 is unmaintained (last release 2020) and uses `np.float_`. Options:
            pin `numpy<2` for this project for now, or replace imgaug with `albumentations`,
            which does the same augmentations and supports NumPy 2. Where is imgaug used?
            """,
            (
                "$",
                "grep -rn imgaug --include=*.py . | wc -l && grep -rln imgaug --include=*.py .",
                "4\n./train/augment.py",
            ),
            ("person", "only augment.py. replace it"),
            """
            Rewrote `train/augment.py` with albumentations: the same flips, the crop and the
            brightness/contrast jitter, with equivalent parameters. `numpy` stays at 2.0.1.
            """,
        ],
        "msg": "augment: albumentations instead of unmaintained imgaug (numpy 2)",
        "q": [("natural", "np.float_ removed in numpy 2 in an old library")],
        "para": [],
    },
    {
        "key": "sqlalchemy-2-select",
        "repo": "ingest-worker",
        "turns": [
            "sqlalchemy 2.0 upgrade for ingest-worker, how bad",
            """
            Start with 1.4 and `SQLALCHEMY_WARN_20=1`: every 2.0-incompatible call warns.
            The big ones:

            - `session.query(Model).filter(...)` still works in 2.0 (legacy), but the new
              style is `session.scalars(select(Model).where(...))`;
            - `engine.execute()` is gone: use `with engine.connect() as conn:
              conn.execute(text(...))`;
            - autocommit is gone: you need `conn.commit()`.

            Only the last two are required for 2.0, `query()` can wait.
            """,
            (
                "$",
                "SQLALCHEMY_WARN_20=1 python -W always::DeprecationWarning -m pytest -q 2>&1 | "
                "grep -c RemovedIn20Warning",
                "41",
            ),
            (
                "$",
                "SQLALCHEMY_WARN_20=1 python -W always::DeprecationWarning -m pytest -q 2>&1 | "
                "grep RemovedIn20Warning | sed 's/.*: //' | sort | uniq -c | sort -rn | head -3",
                "     29 The Engine.execute() method is considered legacy\n"
                "      9 The autocommit parameter is deprecated\n"
                '      3 The "whereclause" argument to Query.filter() is deprecated',
            ),
            "29 of 41 are `engine.execute()` in `ingest/sql.py`; I'll change those to "
            "connections with explicit commits.",
        ],
        "msg": "sqlalchemy 2 style connections",
        "q": [("keywords", "SQLALCHEMY_WARN_20 engine.execute RemovedIn20Warning")],
        "para": [],
    },
    {
        "key": "spring-boot-3-jakarta",
        "repo": "search-service",
        "title": "Spring Boot 3",
        "turns": [
            "spring boot 2.7 → 3.3 for search-service. compile errors everywhere on javax.*",
            """
            Boot 3 is on Jakarta EE 10: every `javax.servlet`, `javax.persistence`,
            `javax.validation` import becomes `jakarta.*`. OpenRewrite does it (and much
            more: properties renames, Spring Security's new config style):

            ```bash
            ./gradlew rewriteRun -Drewrite.activeRecipe=org.openrewrite.java.spring.boot3.UpgradeSpringBoot_3_3
            ```

            Java 17 minimum; you're on 21.
            """,
            (
                "$",
                "./gradlew rewriteRun 2>&1 | tail -2 && ./gradlew compileJava 2>&1 | tail -3",
                "Changes have been made to 64 files\n"
                "SecurityConfig.java:31: error: cannot find symbol\n"
                '        http.authorizeRequests().antMatchers("/actuator/**").permitAll()\n1 error',
            ),
            """
            One left: Spring Security 6 removed `antMatchers` and `authorizeRequests`:

            ```java
            http.authorizeHttpRequests(auth -> auth
                .requestMatchers("/actuator/**").permitAll()
                .anyRequest().authenticated());
            ```
            """,
        ],
        "msg": "spring boot 3.3",
        "q": [
            ("keywords", "javax jakarta openrewrite"),
            ("natural", "what replaced antMatchers in spring security 6"),
        ],
        "para": [],
    },
    {
        "key": "go-122-loopvar",
        "repo": "zanzibar",
        "chat": True,
        "turns": [
            "we bumped go.mod to go 1.22 and a test started passing that used to fail?? the "
            "one with goroutines in a for loop",
            """
            That's the loop variable change in Go 1.22: each iteration of a `for` loop now has
            its own variable. Before, all goroutines started in the loop shared one `i` (or
            `tc`) and usually all saw the last value, which made your test fail. With
            `go 1.22` in `go.mod`, the code means what it looks like.

            Which means the old test was right to fail, the code under test had the classic
            bug, and 1.22 fixed it for you. The `tc := tc` copies in your table tests are now
            unnecessary too.
            """,
            "can I find all those tc := tc lines and drop them",
            "`gofmt` won't, but the `copyloopvar` linter in golangci-lint reports them, and "
            "`go fix` won't touch them either. `grep -rn ':= tc$'` finds most.",
        ],
        "q": [("natural", "go 1.22 loop variable change fixed a goroutine test")],
        "para": [],
    },
]

family("dep-upgrades", UPGRADES)(written)

PROBLEMS: list[Variant] = [
    {
        "key": "pip-resolver-urllib3",
        "repo": "ingest-worker",
        "turns": [
            "pip install fails: botocore 1.29.165 depends on urllib3<1.27 and requests 2.32 "
            "wants urllib3>=1.21.1,<3 and something else wants urllib3>=2",
            (
                "$",
                "pipdeptree -r -p urllib3",
                "urllib3==2.2.2\n├── botocore==1.29.165 [requires: urllib3>=1.25.4,<1.27]\n"
                "├── requests==2.32.3 [requires: urllib3>=1.21.1,<3]\n"
                "└── elastic-transport==8.13.1 [requires: urllib3>=1.26.2,<3]\n"
                "    └── (pinned in requirements.in) types-urllib3 / urllib3>=2",
            ),
            """
            The old `botocore` pin is the problem: it's from mid-2023, and botocore supports
            urllib3 2 since 1.31.x (with Python ≥ 3.10). Bump `boto3` (which pins botocore) and
            the conflict disappears; the explicit `urllib3>=2` line in `requirements.in` can go
            too.
            """,
            (
                "$",
                "pip-compile -P boto3 requirements.in -q && git diff --stat requirements.txt",
                " requirements.txt | 8 ++++----\n 1 file changed, 4 insertions(+), 4 deletions(-)",
            ),
        ],
        "msg": "deps: newer boto3, urllib3 2 everywhere",
        "q": [("keywords", "botocore urllib3 conflict pipdeptree")],
        "para": [],
    },
    {
        "key": "npm-eresolve-peer",
        "repo": "web-dashboard",
        "turns": [
            'npm ERR! ERESOLVE unable to resolve dependency tree, peer react@"^17" from '
            "react-beautiful-dnd@13.1.1",
            """
            `react-beautiful-dnd` never supported React 18 and is archived (Atlassian stopped
            it in 2024). `--legacy-peer-deps` would install it anyway, but it's unmaintained and
            has known issues with StrictMode. The maintained fork with the same API is
            `@hello-pangea/dnd`:

            ```bash
            pnpm remove react-beautiful-dnd && pnpm add @hello-pangea/dnd
            ```

            and change the imports; the components are the same.
            """,
            (
                "$",
                "grep -rl react-beautiful-dnd src | xargs sed -i "
                "'s#react-beautiful-dnd#@hello-pangea/dnd#' && pnpm tsc --noEmit",
                "",
            ),
            "Types check. The kanban board drags like before in the dev server.",
        ],
        "msg": "deps: @hello-pangea/dnd instead of react-beautiful-dnd",
        "q": [
            ("natural", "what did we replace react-beautiful-dnd with"),
            ("keywords", "ERESOLVE peer react 17 dnd"),
        ],
        "para": [],
    },
    {
        "key": "dependabot-grouping",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "dependabot opens 25 PRs a week on the dashboard, everyone ignores them. can it "
            "batch them",
            """
            Yes, with `groups` in `.github/dependabot.yml`:

            ```yaml
            version: 2
            updates:
              - package-ecosystem: npm
                directory: /
                schedule:
                  interval: weekly
                groups:
                  minor-and-patch:
                    update-types: [minor, patch]
                  eslint:
                    patterns: ["eslint*", "@typescript-eslint/*"]
            ```

            Minor and patch updates come as one PR a week; majors stay separate (they need a
            look anyway).
            """,
            "and auto-merge the group PR if CI is green?",
            "Possible with a workflow using `dependabot/fetch-metadata` and `gh pr merge --auto` "
            "for `update-type` minor/patch. I'd start with grouping only and see if the one "
            "weekly PR gets reviewed.",
        ],
        "q": [("natural", "can dependabot group its pull requests into one")],
        "para": [],
    },
    {
        "key": "cargo-duplicate-tokio",
        "repo": "tidy",
        "turns": [
            "cargo tree -d shows two versions of hyper and of http. binary grew 2MB. how do I "
            "find who pulls the old one",
            (
                "$",
                "cargo tree -i hyper@0.14.30 -e normal",
                "hyper v0.14.30\n└── reqwest v0.11.27\n    └── self_update v0.39.0\n        └── "
                "tidy v0.9.0",
            ),
            """
            `self_update` 0.39 depends on `reqwest` 0.11, which uses hyper 0.14; everything
            else is on hyper 1. `self_update` 0.41 moved to reqwest 0.12:
            """,
            (
                "$",
                "cargo update -p self_update --precise 0.41.0 && cargo tree -d | grep -c hyper",
                "    Updating self_update v0.39.0 -> v0.41.0\n0",
            ),
            "One hyper left; the release binary is 1.9 MB smaller.",
        ],
        "msg": "deps: self_update 0.41 (one hyper)",
        "q": [("keywords", "cargo tree duplicate hyper self_update")],
        "para": [],
    },
    {
        "key": "poetry-to-uv",
        "repo": "ml-experiments",
        "title": "uv migration",
        "turns": [
            "poetry lock takes 4 minutes on ml-experiments. people talk about uv. worth switching?",
            """
            For this project, probably yes: resolving torch's big dependency set is where
            Poetry is slowest, and uv resolves it in seconds. uv reads standard
            `[project]` metadata, so the move is mostly converting `[tool.poetry]` sections:

            ```bash
            uvx migrate-to-uv
            uv lock
            ```

            CI then uses `astral-sh/setup-uv` and `uv sync --frozen`.
            """,
            (
                "$",
                "uvx migrate-to-uv && time uv lock",
                "Successfully migrated project from Poetry to uv!\nResolved 142 packages in "
                "2.81s\n\n"
                "real\t0m2.914s",
            ),
            ("person", "lol. 4 min to 3 s. do the CI part too"),
        ],
        "msg": "move from poetry to uv",
        "q": [
            ("natural", "how long did uv lock take after we switched from poetry"),
            ("title", "uv migration"),
        ],
        "para": [],
    },
]

family("dep-problems", PROBLEMS)(written)
