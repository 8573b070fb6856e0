"""Quick questions: the short chats that fill most of a real history (a flag
forgotten, an idiom, an error message pasted), two exchanges each."""

# Typographic characters (dashes, curly quotes, the times sign) stay as people wrote them.
# ruff: noqa: RUF001

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Variant, family, written


def quick(
    key: str, turns: list[str], q: list[tuple[str, str]] | None = None, **more: str
) -> Variant:
    return {"key": key, "turns": turns, "q": q or [], "para": [], "chat": True, **more}


PYTHON: list[Variant] = [
    quick(
        "py-dataclass-default-list",
        [
            "dataclass with a list field: ValueError: mutable default <class 'list'> for field "
            "tags is not allowed: use default_factory",
            "Every instance would share the same list object, so dataclasses refuse it. Use a "
            "factory that makes a new list per instance:\n\n```python\n@dataclass\nclass Post:\n"
            "    tags: list[str] = field(default_factory=list)\n```",
            "same thing with a dict I guess",
            "Yes, `field(default_factory=dict)`, and for any other mutable default.",
        ],
        [("keywords", "dataclass mutable default default_factory")],
    ),
    quick(
        "py-walrus",
        [
            "is the walrus operator worth using or just clever",
            "It earns its place in a few spots: `while (chunk := f.read(8192)):` and "
            "`if (m := pattern.match(line)):`, where you'd otherwise compute the value twice or "
            "add a line before the condition. Elsewhere plain assignment reads better.",
            "ok in list comprehensions?",
            "`[y for x in data if (y := parse(x)) is not None]` avoids calling `parse` twice; "
            "fine if the team is used to it.",
        ],
    ),
    quick(
        "py-enumerate-start",
        [
            "python loop with index starting at 1",
            "`for i, item in enumerate(items, start=1):`",
            "and zip two lists with index?",
            "`for i, (a, b) in enumerate(zip(xs, ys), start=1):`; with `zip(..., strict=True)` "
            "(3.10+) it raises if the lengths differ.",
        ],
    ),
    quick(
        "py-sort-multiple-keys",
        [
            "sort a list of dicts by 'priority' descending then 'name' ascending",
            '```python\nitems.sort(key=lambda d: (-d["priority"], d["name"]))\n```\n\nThe '
            "minus trick works for numbers. For strings descending, sort twice (Python's sort is "
            "stable): first by the secondary key, then by the primary with `reverse=True`.",
            "priority can be None for some",
            'Put them last: `key=lambda d: (d["priority"] is None, -(d["priority"] or 0), '
            'd["name"])`.',
        ],
        [("natural", "sort dicts by two keys one descending in python")],
    ),
    quick(
        "py-pathlib-glob",
        [
            "pathlib: all .md files recursively",
            '`Path("docs").rglob("*.md")` (same as `glob("**/*.md")`). It returns a '
            "generator of `Path` objects.",
            "excluding a folder?",
            'Filter: `[p for p in Path("docs").rglob("*.md") if "drafts" not in p.parts]`.',
        ],
    ),
    quick(
        "py-fstring-debug",
        [
            "was there an f-string shortcut to print variable name and value",
            '`f"{x=}"` prints `x=42`. Works with expressions too: `f"{len(items)=}"`, and '
            'with format specs: `f"{ratio=:.2f}"`.',
            "since which python",
            "3.8.",
        ],
        [("keywords", "f-string = debug variable name")],
    ),
    quick(
        "py-typing-protocol",
        [
            "typing: how do I type 'anything with a .read() method' without inheritance",
            "A `Protocol`:\n\n```python\nclass Readable(Protocol):\n    def read(self, n: int = "
            "-1) -> bytes: ...\n\ndef checksum(src: Readable) -> str: ...\n```\n\nAny class with "
            "a matching `read` is accepted by the type checker, no base class needed.",
            "checkable at runtime?",
            "Decorate it with `@runtime_checkable`; `isinstance` then checks the method exists "
            "(not its signature).",
        ],
    ),
    quick(
        "py-requests-retry",
        [
            "requests with automatic retries on 502/503",
            "```python\nretry = Retry(total=5, backoff_factor=0.5, status_forcelist=[502, 503, "
            '504], allowed_methods=["GET", "PUT"])\nsession = requests.Session()\n'
            'session.mount("https://", HTTPAdapter(max_retries=retry))\n```\n\n`Retry` comes '
            "from `urllib3.util`. POST isn't retried by default, on purpose.",
            "and a timeout, always",
            "Yes: `session.get(url, timeout=(3, 30))`, connect and read timeouts; requests has "
            "no default timeout at all.",
        ],
        [("typo", "requets retry on 503 with backof")],
    ),
    quick(
        "py-logging-json",
        [
            "structured json logs in python without a big framework",
            "A small formatter is enough:\n\n```python\nclass JsonFormatter(logging.Formatter):\n"
            '    def format(self, r):\n        return json.dumps({"ts": self.formatTime(r), '
            '"level": r.levelname, "logger": r.name, "msg": r.getMessage(), '
            '**getattr(r, "ctx", {})})\n```\n\nor `python-json-logger` / `structlog` if you '
            "want more.",
            "how do I pass extra fields",
            '`log.info("charged", extra={"ctx": {"invoice": 12}})`, which the formatter '
            "reads from `r.ctx`.",
        ],
    ),
    quick(
        "py-subprocess-output",
        [
            "run a command from python and get its output, error if it fails",
            '```python\nout = subprocess.run(["git", "rev-parse", "HEAD"], check=True, '
            "capture_output=True, text=True).stdout.strip()\n```\n\n`check=True` raises "
            "`CalledProcessError` on a non-zero exit; pass a list, not a string, to avoid the "
            "shell.",
            "with a timeout?",
            "`timeout=10` raises `TimeoutExpired` and kills the process.",
        ],
        [("natural", "run a shell command from python and capture the output")],
    ),
    quick(
        "py-venv-which",
        [
            "how do I know which python / pip I'm actually using",
            '`python -c "import sys; print(sys.executable)"` and `python -m pip --version` '
            "(which names the site-packages it installs into). Using `python -m pip` instead of "
            "bare `pip` avoids the mismatch altogether.",
            "pip says it's in ~/.local, not the venv",
            "The venv isn't active in that shell; `source .venv/bin/activate` and check again.",
        ],
    ),
    quick(
        "py-lru-cache-method",
        [
            "functools.lru_cache on a method, any problem?",
            "It keeps `self` in the cache keys, so the instances are never garbage collected "
            "while the cache lives (a memory leak for short-lived objects). For per-instance "
            "caching use `functools.cached_property` (no arguments) or a dict on the instance.",
            "the objects live forever anyway in my case",
            "Then it's fine; set `maxsize` if the arguments vary a lot.",
        ],
    ),
    quick(
        "py-zip-longest",
        [
            "zip two lists of different length without losing the extra items",
            "`itertools.zip_longest(a, b, fillvalue=None)` pads the shorter one.",
            "and if I want an error instead",
            "`zip(a, b, strict=True)` (Python 3.10+).",
        ],
    ),
    quick(
        "py-pytest-parametrize-ids",
        [
            "pytest parametrize: the test ids are unreadable test_x[case0-case1]",
            'Give ids: `@pytest.mark.parametrize("raw,want", [...], ids=["empty", '
            '"unicode", "crlf"])`, or `pytest.param(..., id="empty")` per case.',
            "can ids be generated from the values",
            "`ids=str` or a function: `ids=lambda v: v[:10] if isinstance(v, str) else None`.",
        ],
        [("keywords", "pytest parametrize ids unreadable")],
    ),
    quick(
        "py-freeze-time-tz",
        [
            "datetime.now() vs datetime.utcnow(), which one",
            "Neither bare: `utcnow()` returns a *naive* datetime (no tzinfo) that's easy to "
            "mistake for local time, and it's deprecated since 3.12. Use "
            "`datetime.now(timezone.utc)`, an aware datetime.",
            "and to show local time to a user",
            '`.astimezone(ZoneInfo("Europe/Berlin"))` at display time; store and compute in UTC.',
        ],
        [("natural", "should i use utcnow or now with timezone")],
    ),
]

JS: list[Variant] = [
    quick(
        "js-optional-chaining-call",
        [
            "call a callback only if it exists, short way",
            "`onChange?.(value)`: optional chaining works on calls too.",
            "and default for null but not for 0",
            "`value ?? fallback`: `??` only replaces `null` and `undefined`, unlike `||`.",
        ],
    ),
    quick(
        "js-array-group",
        [
            "group an array of objects by a key in js without lodash",
            "`Object.groupBy(items, i => i.status)` (ES2024, Node 21+, modern browsers). Before "
            "that: `items.reduce((acc, i) => ((acc[i.status] ??= []).push(i), acc), {})`.",
            "typescript knows Object.groupBy?",
            'With `"lib": ["ES2024"]` (or `ESNext`) in `tsconfig.json`.',
        ],
        [("keywords", "Object.groupBy without lodash")],
    ),
    quick(
        "js-fetch-timeout",
        [
            "fetch with a timeout",
            "`fetch(url, { signal: AbortSignal.timeout(5000) })`: rejects with a `TimeoutError` "
            "after 5 s.",
            "combine with my own abort controller?",
            "`AbortSignal.any([controller.signal, AbortSignal.timeout(5000)])`.",
        ],
        [("typo", "fetch timout abortsignal")],
    ),
    quick(
        "ts-exhaustive-switch",
        [
            "typescript: make the compiler complain when I forget a case in a switch on a union",
            "End with a `never` check:\n\n```ts\ndefault: {\n  const unreachable: never = "
            "status\n  throw new Error(`unhandled ${unreachable}`)\n}\n```\n\nAdding a member to "
            "the union makes this line a compile error.",
            "is there an eslint rule",
            "`@typescript-eslint/switch-exhaustiveness-check`.",
        ],
        [("natural", "typescript error when a switch misses a union case")],
    ),
    quick(
        "ts-satisfies",
        [
            "what's `satisfies` for in typescript",
            "It checks a value against a type *without* widening it to that type:\n\n```ts\n"
            "const routes = { home: '/', invoice: '/invoices/:id' } satisfies Record<string, "
            "string>\n```\n\n`routes.invoice` is still known to exist, whereas with `: "
            "Record<string, string>` any key would be allowed and the literal keys lost.",
            "ok so annotation loses info, satisfies keeps it",
            "Exactly.",
        ],
    ),
    quick(
        "js-debounce",
        [
            "simple debounce function in ts",
            "```ts\nexport function debounce<A extends unknown[]>(fn: (...a: A) => void, ms: "
            "number) {\n  let t: ReturnType<typeof setTimeout> | undefined\n  return (...a: A) "
            "=> {\n    clearTimeout(t)\n    t = setTimeout(() => fn(...a), ms)\n  }\n}\n```",
            "in react for a search input?",
            "Keep it stable across renders with `useMemo(() => debounce(search, 300), [])`, or "
            "use `useDeferredValue` and skip debouncing.",
        ],
    ),
    quick(
        "js-date-format",
        [
            "format a date as '14 Mar 2025' in js without a library",
            "`new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: "
            "'numeric' }).format(date)`.",
            "and relative like '3 days ago'",
            "`new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-3, 'day')`.",
        ],
    ),
    quick(
        "js-structured-clone",
        [
            "deep copy an object in js, JSON.parse(JSON.stringify()) loses dates",
            "`structuredClone(obj)`: built in (Node 17+, all browsers), keeps `Date`, `Map`, "
            "`Set`, typed arrays, and cycles. Functions and class instances' prototypes are not "
            "kept.",
            "nice",
            "It's also what `postMessage` uses internally.",
        ],
    ),
    quick(
        "node-esm-dirname",
        [
            "__dirname is not defined in ES module scope",
            "In ESM use `import.meta.dirname` (Node 20.11+) or, older: `path.dirname("
            "fileURLToPath(import.meta.url))`.",
            "and require?",
            "`import { createRequire } from 'node:module'; const require = "
            "createRequire(import.meta.url)`.",
        ],
        [("keywords", "__dirname is not defined in ES module scope")],
    ),
    quick(
        "node-env-file",
        [
            "load .env in node without dotenv?",
            "Node 20.6+: `node --env-file=.env server.js`. Node 21.7+ also has "
            "`process.loadEnvFile()`.",
            "does it override existing env vars",
            "No, variables already set in the environment win.",
        ],
    ),
    quick(
        "ts-zod-infer",
        [
            "zod: get the ts type from a schema",
            "`type User = z.infer<typeof UserSchema>`. For the input type (before transforms) "
            "`z.input<typeof UserSchema>`.",
            "parse vs safeParse",
            "`parse` throws a `ZodError`; `safeParse` returns `{ success, data | error }` "
            "without throwing.",
        ],
    ),
    quick(
        "js-promise-allsettled",
        [
            "Promise.all fails if one fails, I want all results anyway",
            "`Promise.allSettled(promises)` resolves with `{status: 'fulfilled', value}` or "
            "`{status: 'rejected', reason}` for each.",
            "limit concurrency to 5?",
            "`p-limit`: `const limit = pLimit(5); await Promise.allSettled(urls.map(u => "
            "limit(() => fetch(u))))`.",
        ],
    ),
    quick(
        "css-center-div",
        [
            "center a div horizontally and vertically, the modern way",
            "On the parent: `display: grid; place-items: center;`. Or flex: `display: flex; "
            "justify-content: center; align-items: center;`.",
            "parent needs a height?",
            "Yes, e.g. `min-height: 100dvh` for a full screen.",
        ],
        [("natural", "center a div vertically and horizontally")],
    ),
    quick(
        "css-truncate-lines",
        [
            "truncate text to 2 lines with ellipsis",
            "```css\n.clamp {\n  display: -webkit-box;\n  -webkit-box-orient: vertical;\n  "
            "-webkit-line-clamp: 2;\n  overflow: hidden;\n}\n```\n\nThe `-webkit-` prefixes work "
            "in all current browsers. `line-clamp: 2` unprefixed is coming.",
            "single line?",
            "`white-space: nowrap; overflow: hidden; text-overflow: ellipsis;`.",
        ],
        [("keywords", "line-clamp ellipsis two lines css")],
    ),
    quick(
        "css-dark-scrollbar",
        [
            "scrollbars stay light in dark mode",
            "Tell the browser the page supports dark: `:root { color-scheme: light dark; }`. "
            "Form controls and scrollbars then follow the theme.",
            "only in our dark theme class?",
            '`[data-theme="dark"] { color-scheme: dark; }`.',
        ],
    ),
    quick(
        "html-input-mode",
        [
            "numeric keyboard on mobile for a code field, but type=number adds spinners",
            '`<input inputmode="numeric" pattern="[0-9]*" autocomplete="one-time-code">`: '
            "number pad, no spinners, and iOS offers the SMS code.",
            "👍",
            '`type="number"` is meant for quantities; codes and card numbers should use '
            "`inputmode`.",
        ],
    ),
]

DEVOPS: list[Variant] = [
    quick(
        "k8s-exec-shell",
        [
            "get a shell in a running pod",
            "`kubectl exec -it <pod> -- sh` (or `bash` if the image has it). For a specific "
            "container: `-c name`.",
            "distroless image, no shell",
            "`kubectl debug -it <pod> --image=busybox --target=<container>` starts an ephemeral "
            "container sharing its process namespace.",
        ],
        [("typo", "kuberentes shell into pod distroless")],
    ),
    quick(
        "k8s-port-forward",
        [
            "access a service in the cluster from my laptop for debugging",
            "`kubectl port-forward svc/billing-api 8080:80 -n billing`, then "
            "http://localhost:8080.",
            "it stops after a while",
            "It ends when the pod it picked restarts; rerun it, or use a tool like `kubefwd` for "
            "long sessions.",
        ],
    ),
    quick(
        "k8s-rollout-restart",
        [
            "restart all pods of a deployment without changing anything",
            "`kubectl rollout restart deploy/NAME -n NS`: a normal rolling update with new pods.",
            "and watch it",
            "`kubectl rollout status deploy/NAME -n NS`.",
        ],
    ),
    quick(
        "k8s-secret-decode",
        [
            "read a k8s secret's value",
            "`kubectl get secret NAME -o jsonpath='{.data.password}' | base64 -d`.",
            "all keys at once?",
            "`kubectl get secret NAME -o json | jq '.data | map_values(@base64d)'`.",
        ],
        [("keywords", "kubectl secret base64 decode jsonpath")],
    ),
    quick(
        "docker-prune",
        [
            "docker is using 60GB, how do I clean up",
            "`docker system df` shows what; `docker system prune` removes stopped containers, "
            "dangling images and build cache; add `-a` for all unused images and `--volumes` for "
            "unused volumes (careful: data).",
            "build cache is 40GB of it",
            "`docker builder prune --keep-storage 10GB` keeps the most recent 10 GB.",
        ],
        [("typo", "dokcer using 60gb disk clean up")],
    ),
    quick(
        "docker-logs-follow",
        [
            "follow logs of a compose service from the last 5 minutes",
            "`docker compose logs -f --since 5m worker`.",
            "with timestamps",
            "Add `-t`.",
        ],
    ),
    quick(
        "docker-healthcheck-compose",
        [
            "compose: start the api only when postgres is ready, not just started",
            "```yaml\nservices:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: "
            '["CMD-SHELL", "pg_isready -U postgres"]\n      interval: 2s\n      retries: 15\n  '
            "api:\n    depends_on:\n      db:\n        condition: service_healthy\n```",
            "works",
            "The same pattern works for Redis with `redis-cli ping`.",
        ],
        [("natural", "docker compose wait until postgres is ready")],
    ),
    quick(
        "tf-fmt-validate",
        [
            "terraform: check formatting in CI",
            "`terraform fmt -check -recursive` exits non-zero if anything isn't formatted; "
            "`terraform validate` checks the configuration (after `init -backend=false`).",
            "and tflint?",
            "Adds provider-aware checks (invalid instance types, deprecated syntax); worth it "
            "for AWS.",
        ],
    ),
    quick(
        "aws-whoami",
        [
            "which aws account/role am I using right now",
            "`aws sts get-caller-identity`.",
            "switch profile for one command",
            "`AWS_PROFILE=prod aws s3 ls` or `--profile prod`.",
        ],
    ),
    quick(
        "gh-cli-checkout-pr",
        [
            "check out someone's PR locally",
            "`gh pr checkout 412`. Without gh: `git fetch origin pull/412/head:pr-412 && git "
            "switch pr-412`.",
            "and see the CI status",
            "`gh pr checks 412`.",
        ],
    ),
    quick(
        "ssh-copy-id",
        [
            "set up key login to a new server",
            "`ssh-copy-id -i ~/.ssh/id_ed25519.pub ann@server`, then try `ssh ann@server`.",
            "then disable password login?",
            "In `/etc/ssh/sshd_config`: `PasswordAuthentication no`, then `sudo systemctl "
            "reload ssh`, keeping your current session open until you've tested a new login.",
        ],
    ),
    quick(
        "systemd-logs",
        [
            "logs of a systemd service since boot",
            '`journalctl -u notifier -b`; follow with `-f`, last hour `--since "1 hour ago"`.',
            "only errors",
            "`-p err`.",
        ],
        [("keywords", "journalctl -u since boot errors")],
    ),
]

DATA: list[Variant] = [
    quick(
        "sql-upsert",
        [
            "postgres insert or update if exists",
            "```sql\nINSERT INTO settings (user_id, key, value) VALUES ($1, $2, $3)\nON "
            "CONFLICT (user_id, key) DO UPDATE SET value = EXCLUDED.value;\n```\n\nNeeds a "
            "unique constraint on `(user_id, key)`.",
            "and ignore instead of update?",
            "`ON CONFLICT DO NOTHING`.",
        ],
        [("typo", "postgress insert or update on conflict")],
    ),
    quick(
        "sql-delete-duplicates",
        [
            "delete duplicate rows keeping the lowest id, postgres",
            "```sql\nDELETE FROM contacts a USING contacts b\nWHERE a.email = b.email AND a.id > "
            "b.id;\n```",
            "then prevent it",
            "`CREATE UNIQUE INDEX CONCURRENTLY contacts_email_uniq ON contacts (lower(email));` "
            "(lower if emails differ only by case).",
        ],
        [("natural", "delete duplicate rows but keep one in postgres")],
    ),
    quick(
        "sql-generate-series",
        [
            "list every day of a month even days with no orders",
            "```sql\nSELECT d::date AS day, count(o.id)\nFROM generate_series('2025-03-01', "
            "'2025-03-31', interval '1 day') AS d\nLEFT JOIN orders o ON o.created_at::date = "
            "d::date\nGROUP BY 1 ORDER BY 1;\n```",
            "count(*) gave 1 for empty days",
            "Right: `count(*)` counts the row from `generate_series`; `count(o.id)` counts only "
            "matched orders.",
        ],
    ),
    quick(
        "sql-lateral-top-n",
        [
            "top 3 orders per customer in sql",
            "```sql\nSELECT c.id, o.*\nFROM customers c\nCROSS JOIN LATERAL (\n  SELECT * FROM "
            "orders WHERE customer_id = c.id ORDER BY total DESC LIMIT 3\n) o;\n```\n\nOr "
            "`row_number() OVER (PARTITION BY customer_id ORDER BY total DESC) <= 3` in a "
            "subquery.",
            "which is faster",
            "With an index on `(customer_id, total DESC)`, LATERAL usually wins: three index "
            "reads per customer instead of numbering every order.",
        ],
        [("keywords", "top n per group lateral row_number")],
    ),
    quick(
        "sql-json-agg",
        [
            "return customers with their orders as a json array in one query",
            "```sql\nSELECT c.id, c.name, coalesce(json_agg(o ORDER BY o.created_at) FILTER "
            "(WHERE o.id IS NOT NULL), '[]') AS orders\nFROM customers c LEFT JOIN orders o ON "
            "o.customer_id = c.id\nGROUP BY c.id;\n```",
            "why the filter",
            "Without it, customers with no orders get `[null]` instead of `[]`.",
        ],
    ),
    quick(
        "sqlite-wal",
        [
            "sqlite database is locked errors with 2 processes writing",
            "Use WAL mode (`PRAGMA journal_mode=WAL`, persistent) so readers don't block the "
            "writer, and a busy timeout (`PRAGMA busy_timeout=5000`) so a writer waits instead "
            "of failing immediately. SQLite allows one writer at a time in any mode.",
            "wal on a network drive?",
            "Don't: WAL needs shared memory between processes on the same machine.",
        ],
        [("natural", "sqlite database is locked with two writers")],
    ),
    quick(
        "pandas-read-excel-sheet",
        [
            "pandas read all sheets of an excel file",
            '`pd.read_excel("file.xlsx", sheet_name=None)` returns a dict of DataFrames, one '
            "per sheet. Needs `openpyxl`.",
            "into one dataframe with the sheet name as column",
            '`pd.concat(sheets, names=["sheet"]).reset_index(level=0)`.',
        ],
    ),
    quick(
        "pandas-settingwithcopy",
        [
            "SettingWithCopyWarning when I do df[df.x > 0]['y'] = 1",
            "Chained indexing: the first `[]` may return a copy, and the assignment goes to the "
            'copy. Do it in one step: `df.loc[df.x > 0, "y"] = 1`.',
            "and if I really want a new frame",
            "`sub = df[df.x > 0].copy()` and then change `sub` freely.",
        ],
        [("keywords", "SettingWithCopyWarning loc chained indexing")],
    ),
    quick(
        "numpy-argsort-topk",
        [
            "numpy: indices of the 5 largest values",
            "`np.argpartition(a, -5)[-5:]` (unordered, O(n)), then sort those: `idx = "
            "idx[np.argsort(a[idx])[::-1]]`.",
            "just argsort?",
            "`np.argsort(a)[-5:][::-1]` is simpler, O(n log n); fine unless `a` is huge.",
        ],
    ),
    quick(
        "regex-lookahead-password",
        [
            "regex: at least one digit, one uppercase, min 12 chars",
            "`^(?=.*\\d)(?=.*[A-Z]).{12,}$`: each lookahead checks a condition without consuming.",
            "is that a good password rule though",
            "NIST's current advice: require length (12+), check against breached-password lists, "
            "and drop composition rules; they push people to `Password1234`.",
        ],
    ),
    quick(
        "regex-named-groups",
        [
            "python regex named groups to dict",
            '`m = re.match(r"(?P<year>\\d{4})-(?P<month>\\d{2})", s); m.groupdict()` gives '
            "`{'year': '2025', 'month': '03'}`.",
            "all matches?",
            "`[m.groupdict() for m in re.finditer(pattern, text)]`.",
        ],
        [("keywords", "regex named groups groupdict")],
    ),
    quick(
        "regex-non-greedy",
        [
            "my regex <.*> eats everything between the first < and the last >",
            "`*` is greedy; `<.*?>` stops at the first `>`. Better still `<[^>]*>`, which "
            "can't run past a `>` at all. (And for real HTML, use a parser.)",
            "ok",
            "👍",
        ],
    ),
]

LANGS: list[Variant] = [
    quick(
        "go-error-wrap",
        [
            "go: wrap an error and check it later",
            '`return fmt.Errorf("load config: %w", err)`, then `errors.Is(err, '
            "fs.ErrNotExist)` or `errors.As(err, &pathErr)` up the stack.",
            "multiple wrapped errors?",
            "Go 1.20+: `errors.Join(a, b)` or several `%w` in one `Errorf`; `Is` checks all.",
        ],
        [("keywords", "go errors wrap %w errors.Is")],
    ),
    quick(
        "go-context-timeout",
        [
            "go http client with per-request timeout",
            "```go\nctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)\ndefer "
            'cancel()\nreq, _ := http.NewRequestWithContext(ctx, "GET", url, nil)\nresp, err := '
            "client.Do(req)\n```",
            "vs http.Client{Timeout}",
            "`Client.Timeout` covers every request of that client; the context gives a deadline "
            "per call and propagates cancellation from the incoming request.",
        ],
    ),
    quick(
        "go-generics-map",
        [
            "generic Map function in go",
            "```go\nfunc Map[T, U any](xs []T, f func(T) U) []U {\n    out := make([]U, 0, "
            "len(xs))\n    for _, x := range xs {\n        out = append(out, f(x))\n    }\n    "
            "return out\n}\n```",
            "is there one in the std lib",
            "Not for slices; `slices` and `maps` have `Sort`, `Contains`, `Index`, and iterators "
            "since 1.23 (`slices.Collect(maps.Keys(m))`), but no `Map`.",
        ],
    ),
    quick(
        "rust-unwrap-or-else",
        [
            "rust: difference between unwrap_or and unwrap_or_else",
            "`unwrap_or(x)` evaluates `x` always, even when not needed; `unwrap_or_else(|| "
            "x())` only calls the closure for `None`/`Err`. Use `_else` when the default is "
            "costly (allocates, calls something).",
            "clippy told me exactly this",
            "`clippy::or_fun_call`.",
        ],
    ),
    quick(
        "rust-anyhow-thiserror",
        [
            "anyhow or thiserror for my cli",
            "Both, usually: `thiserror` for the error types of your library code (callers can "
            "match on them), `anyhow` in `main` and the CLI glue, where you only report "
            'errors with context (`.context("reading config")`).',
            "tidy is just a cli",
            "Then `anyhow` alone is fine until some part becomes a library.",
        ],
    ),
    quick(
        "rust-string-vs-str",
        [
            "String vs &str for function params",
            "Take `&str`: it accepts `&String` (auto-deref), string literals and slices. Take "
            "`String` only if the function stores it. `impl AsRef<str>` or `Into<String>` if you "
            "want both.",
            "and return types",
            "Return `String` when you build a new one; return `&str` only when it borrows from an "
            "input.",
        ],
    ),
    quick(
        "java-records",
        [
            "java records, can I add validation",
            "Yes, in a compact constructor:\n\n```java\nrecord Money(BigDecimal amount, String "
            "currency) {\n    Money {\n        if (amount.scale() > 2) throw new "
            'IllegalArgumentException("max 2 decimals");\n        Objects.requireNonNull('
            "currency);\n    }\n}\n```",
            "and jackson handles records?",
            "Jackson 2.12+ serializes and deserializes records without annotations.",
        ],
    ),
    quick(
        "java-stream-groupingby",
        [
            "java streams group by and count",
            "`Map<String, Long> byStatus = orders.stream().collect(Collectors.groupingBy("
            "Order::status, Collectors.counting()));`",
            "sorted by count",
            "Stream the entries: `byStatus.entrySet().stream().sorted(Map.Entry.comparingByValue("
            "Comparator.reverseOrder()))`.",
        ],
    ),
]

GIT: list[Variant] = [
    quick(
        "git-stash-untracked",
        [
            "git stash doesn't stash my new files",
            "`git stash -u` includes untracked files (`-a` also ignored ones).",
            "stash only one file?",
            "`git stash push -- path/to/file`.",
        ],
        [("keywords", "git stash untracked files -u")],
    ),
    quick(
        "git-blame-ignore",
        [
            "git blame shows the big formatting commit everywhere",
            "List that commit in `.git-blame-ignore-revs` and `git config "
            "blame.ignoreRevsFile .git-blame-ignore-revs`. GitHub's blame view reads the file "
            "automatically.",
            "👍",
            "It works for any number of commits, one hash per line, comments with `#`.",
        ],
    ),
    quick(
        "git-cherry-pick-range",
        [
            "cherry pick a range of commits",
            "`git cherry-pick A^..B` picks A through B (inclusive). Without `^`, A itself is "
            "left out.",
            "conflict in the middle",
            "Fix, `git add`, `git cherry-pick --continue`; or `--abort` to go back.",
        ],
    ),
    quick(
        "git-clean-untracked",
        [
            "remove all untracked files, like a fresh clone",
            "Dry run first: `git clean -nd`. Then `git clean -fd` (files and folders); `-x` also "
            "removes ignored files such as build output and `.env`. Careful with that one.",
            "dry run shows my .env",
            "Then skip `-x`, or use `-e .env` to keep it.",
        ],
    ),
    quick(
        "git-pull-rebase-default",
        [
            "make git pull rebase by default",
            "`git config --global pull.rebase true`, and `rebase.autoStash true` so local "
            "changes are stashed around it.",
            "only for one repo",
            "Same commands without `--global`, inside the repo.",
        ],
    ),
    quick(
        "git-find-string-history",
        [
            "find the commit that removed a function from the code",
            "`git log -S 'def compute_tax' --oneline` lists commits where the number of "
            "occurrences changed: added or removed. `-G regex` for changes in lines matching.",
            "show the diff too",
            "Add `-p`.",
        ],
        [("natural", "find which commit removed a function")],
    ),
    quick(
        "git-tag-annotated",
        [
            "annotated vs lightweight tag, which for releases",
            'Annotated (`git tag -a v2.3.0 -m "2.3.0"`): it has an author, a date, a message '
            "and can be signed; `git describe` uses only annotated tags by default.",
            "push tags",
            "`git push origin v2.3.0`, or `git push --follow-tags` to push annotated tags "
            "reachable from what you push.",
        ],
    ),
    quick(
        "git-rename-branch",
        [
            "rename master to main locally and on github",
            "```bash\ngit branch -m master main\ngit push -u origin main\n```\n\nThen on GitHub "
            "Settings → Branches, make `main` the default and delete `master`: `git push "
            "origin --delete master`.",
            "colleagues' clones?",
            "They run `git fetch && git branch -m master main && git branch -u origin/main "
            "main && git remote set-head origin -a`.",
        ],
    ),
]

MISC: list[Variant] = [
    quick(
        "vim-replace-word",
        [
            "vim: replace a word in the whole file with confirmation",
            "`:%s/\\<old\\>/new/gc`: `\\<` and `\\>` match whole words, `c` asks each time.",
            "only in a visual selection",
            "Select, then `:` gives `:'<,'>`; type `s/old/new/g`.",
        ],
    ),
    quick(
        "vim-macro",
        [
            "vim macro to repeat on every line",
            "Record with `qa` … `q`, then `:%norm @a` runs it on every line (or a range: "
            "`:10,20norm @a`).",
            "stop on lines where it fails?",
            "`:norm` continues on the next line when a command fails on one, so it simply skips "
            "them.",
        ],
    ),
    quick(
        "vscode-multi-cursor",
        [
            "vscode select all occurrences of a word",
            "`Cmd+Shift+L` (Ctrl+Shift+L on Linux/Windows), or `Cmd+D` repeatedly to add them one "
            "at a time.",
            "column select",
            "`Shift+Option` drag (Shift+Alt on Linux/Windows).",
        ],
    ),
    quick(
        "http-status-401-403",
        [
            "401 vs 403",
            "401: we don't know who you are (no or invalid credentials); log in. 403: we know "
            "who you are and you may not do this.",
            "and 404 for forbidden resources?",
            "A common choice, to not reveal that the resource exists (GitHub does that for private "
            "repos).",
        ],
        [("natural", "difference between 401 and 403")],
    ),
    quick(
        "semver-caret",
        [
            "npm ^1.2.3 vs ~1.2.3",
            "`^1.2.3` allows `>=1.2.3 <2.0.0` (minor and patch updates), `~1.2.3` allows "
            "`>=1.2.3 <1.3.0` (patch only). For `0.x` versions `^0.2.3` is `<0.3.0`.",
            "👍",
            "The lockfile pins exact versions anyway; the ranges matter when you update.",
        ],
        [("keywords", "npm version ranges minor patch")],
    ),
    quick(
        "cron-vs-systemd-timer",
        [
            "cron or systemd timer for a backup job",
            "A systemd timer: logs in the journal, runs missed jobs after downtime "
            "(`Persistent=true`), dependencies on network or mounts, and no mail-the-output "
            "surprises. cron is simpler to write.",
            "example",
            "```ini\n# backup.timer\n[Timer]\nOnCalendar=*-*-* 03:00\nPersistent=true\n"
            "[Install]\nWantedBy=timers.target\n```\n\nwith a `backup.service` that runs the "
            "script.",
        ],
    ),
    quick(
        "json-vs-yaml-config",
        [
            "json, yaml or toml for app config",
            "TOML for files people edit (clear, comments, no indentation traps); JSON for "
            "machine-written config; YAML when the ecosystem expects it (Kubernetes, CI). YAML's "
            "pitfalls: `no` becoming `false`, `010` as octal in 1.1 parsers.",
            "the norway problem",
            "Exactly: country code `NO` parsed as boolean false by YAML 1.1 parsers.",
        ],
    ),
    quick(
        "uuid-vs-ulid",
        [
            "uuid v4 vs ulid vs uuid v7 for primary keys",
            "Random v4 UUIDs scatter inserts across the B-tree index (page splits, cache "
            "misses). ULID and UUIDv7 start with a timestamp, so new keys go to the end of the "
            "index like a serial. UUIDv7 is the standard now (RFC 9562) and fits a `uuid` "
            "column.",
            "postgres generates v7?",
            "PostgreSQL 18 has `uuidv7()`; before that, an extension or generate it in the app.",
        ],
        [("natural", "uuid v4 or v7 for primary keys")],
    ),
    quick(
        "base64-url",
        [
            "base64 vs base64url",
            "base64url replaces `+` and `/` with `-` and `_` (safe in URLs and file names) and "
            "usually drops the `=` padding. JWTs use it.",
            "python?",
            '`base64.urlsafe_b64encode(b).rstrip(b"=")`.',
        ],
    ),
    quick(
        "mac-port-5000",
        [
            "port 5000 in use on mac but nothing of mine runs there",
            "macOS's AirPlay Receiver listens on 5000 (and 7000). Turn it off in System "
            "Settings → General → AirDrop & Handoff, or run your app on another port.",
            "lol",
            "It surprises every Flask developer once.",
        ],
        [("natural", "port 5000 already used on macos by nothing")],
    ),
]

family("quick-python", PYTHON, CHATS)(written)
family("quick-js", JS, CHATS)(written)
family("quick-devops", DEVOPS, CHATS)(written)
family("quick-data", DATA, CHATS)(written)
family("quick-langs", LANGS, CHATS)(written)
family("quick-git", GIT, CHATS)(written)
family("quick-misc", MISC, CHATS)(written)

MORE: list[Variant] = [
    quick(
        "py-contextmanager",
        [
            "write my own `with` context manager quickly",
            "```python\n@contextlib.contextmanager\ndef timed(label):\n    t0 = "
            "time.perf_counter()\n"
            '    try:\n        yield\n    finally:\n        log.info("%s took %.3fs", label, '
            'time.perf_counter() - t0)\n```\n\n`with timed("export"): ...`',
            "async version?",
            "`@contextlib.asynccontextmanager` with `async def`, used as `async with`.",
        ],
    ),
    quick(
        "py-argparse-subcommands",
        [
            "argparse with subcommands like git",
            '```python\nparser = argparse.ArgumentParser(prog="tool")\nsub = '
            'parser.add_subparsers(dest="command", required=True)\nrun = sub.add_parser("run", '
            'help="run a job")\nrun.add_argument("job")\nls = sub.add_parser("ls")\nargs = '
            "parser.parse_args()\n```",
            "a flag shared by all subcommands",
            "A parent parser with `add_help=False` holding the flag, passed as `parents=[common]` "
            "to each `add_parser`.",
        ],
        [("keywords", "argparse subcommands add_subparsers parents")],
    ),
    quick(
        "py-heapq-topk",
        [
            "10 largest items from a huge iterator without sorting everything",
            "`heapq.nlargest(10, items, key=lambda x: x.score)`: keeps a heap of 10, O(n log 10).",
            "and a running median?",
            "Two heaps (a max-heap of the lower half, a min-heap of the upper half), rebalanced "
            "after each insert.",
        ],
    ),
    quick(
        "py-toml-read",
        [
            "read a toml config file in python",
            'Python 3.11+: `tomllib` in the standard library: `with open("config.toml", "rb") '
            "as f: cfg = tomllib.load(f)` (binary mode). Before 3.11, the `tomli` package, same "
            "API.",
            "write toml?",
            "`tomllib` only reads; use `tomli-w` (or `tomlkit` to keep comments and formatting).",
        ],
    ),
    quick(
        "py-csv-dictreader-bom",
        [
            "csv.DictReader: first column name is '\\ufeffid' instead of 'id'",
            "The file starts with a UTF-8 byte order mark (Excel adds it). Open with "
            '`encoding="utf-8-sig"`, which strips it.',
            "👍",
            "`utf-8-sig` reads files without a BOM fine too, so it's a safe default for CSVs from "
            "users.",
        ],
        [("typo", "csv dictreader weird first colum name ufeff")],
    ),
    quick(
        "js-array-at",
        [
            "last element of an array in js, cleaner than arr[arr.length - 1]",
            "`arr.at(-1)`. Works on strings too.",
            "and without mutating, a sorted copy?",
            "`arr.toSorted()` (ES2023), likewise `toReversed()` and `with(i, value)`.",
        ],
    ),
    quick(
        "ts-utility-types",
        [
            "make all fields of a type optional except id",
            "`type Patch = Partial<Omit<Invoice, 'id'>> & Pick<Invoice, 'id'>`.",
            "readonly deep?",
            "No built-in deep version; a recursive mapped type, or `ts-essentials`' "
            "`DeepReadonly`.",
        ],
    ),
    quick(
        "node-stream-pipeline",
        [
            "gzip a big file in node without loading it in memory",
            "```js\nimport { pipeline } from 'node:stream/promises'\nawait pipeline(\n  "
            "fs.createReadStream('dump.sql'),\n  zlib.createGzip(),\n  "
            "fs.createWriteStream('dump.sql.gz'),\n)\n```\n\n`pipeline` handles backpressure and "
            "closes every stream on error.",
            "nice",
            "Prefer it over `.pipe()`, which doesn't forward errors.",
        ],
    ),
    quick(
        "css-grid-auto-fit",
        [
            "responsive card grid without media queries",
            "`grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: 1rem;`: as many "
            "240px+ columns as fit, stretched to fill the row.",
            "auto-fill vs auto-fit",
            "With few items, `auto-fill` keeps empty column tracks, `auto-fit` collapses them so "
            "the items stretch.",
        ],
        [("keywords", "grid auto-fit minmax cards without media queries")],
    ),
    quick(
        "sql-explain-buffers",
        [
            "what does 'Buffers: shared hit=12 read=3400' mean in explain analyze",
            "`hit`: pages found in PostgreSQL's shared buffer cache; `read`: pages read from the "
            "OS (disk or page cache). 3,400 reads × 8 KB is about 27 MB fetched for that node: "
            "the query is I/O-bound the first time, faster when repeated.",
            "and dirtied/written",
            "Pages this query modified (`dirtied`) or had to write out itself to make room "
            "(`written`), usually from a hint-bit update or a bulk change.",
        ],
    ),
    quick(
        "sql-timestamptz",
        [
            "timestamp or timestamptz in postgres",
            "`timestamptz`, nearly always: it stores an absolute instant (in UTC) and converts "
            "to the session's time zone on display. `timestamp` (without time zone) is a wall "
            "clock reading with no zone, easy to misinterpret.",
            "and for dates of birth",
            "`date`: a calendar date, no time, no zone.",
        ],
        [("natural", "timestamp vs timestamptz in postgres")],
    ),
    quick(
        "redis-keys-vs-scan",
        [
            "redis KEYS in production bad?",
            "Yes: `KEYS pattern` walks the whole keyspace in one blocking call; with millions of "
            "keys Redis stops serving everyone for the duration. `SCAN` iterates in small steps: "
            "`redis-cli --scan --pattern 'idem:*'`.",
            "count of keys matching",
            "There's no cheap count for a pattern; `--scan … | wc -l` (it scans, so slowly but "
            "without blocking).",
        ],
        [("keywords", "redis KEYS blocking SCAN pattern")],
    ),
    quick(
        "k8s-resource-requests",
        [
            "requests vs limits for cpu in k8s",
            "`requests` is what the scheduler reserves and what you're guaranteed; `limits` is "
            "a hard cap: above the CPU limit the container is throttled, above the memory limit "
            "it's killed. Many teams set CPU requests and no CPU limit (throttling hurts latency), "
            "and memory requests equal to limits.",
            "why no cpu limit",
            "CPU is compressible: without a limit a pod can use idle CPU on the node, and the "
            "requests still guarantee each pod its share under contention.",
        ],
        [("natural", "cpu requests vs limits in kubernetes")],
    ),
    quick(
        "docker-entrypoint-vs-cmd",
        [
            "ENTRYPOINT vs CMD in a dockerfile",
            "`ENTRYPOINT` is the program; `CMD` its default arguments, replaced by anything after "
            "the image name in `docker run`. With only `CMD`, `docker run image sh` replaces the "
            "whole command.",
            "shell form vs exec form",
            'Use the exec form (`["app", "--flag"]`): the shell form wraps the command in '
            "`sh -c`, so your app isn't PID 1 and doesn't get SIGTERM on `docker stop`.",
        ],
    ),
    quick(
        "gha-reusable-workflow",
        [
            "share the same test workflow between 5 repos",
            "A reusable workflow: in a shared repo, `on: workflow_call` with `inputs`; each "
            "repo calls it with `uses: ann/ci/.github/workflows/python-tests.yml@v1` and `with:`.",
            "secrets?",
            "`secrets: inherit` in the caller passes all of them, or list them explicitly under "
            "`secrets:`.",
        ],
        [("keywords", "reusable workflow workflow_call secrets inherit")],
    ),
    quick(
        "git-sparse-checkout",
        [
            "only check out one folder of a huge monorepo",
            "```bash\ngit clone --filter=blob:none --sparse git@github.com:corp/monorepo.git\ncd "
            "monorepo\ngit sparse-checkout set services/billing\n```\n\nOnly that folder's files "
            "are in your working tree, and blobs are downloaded when needed.",
            "add another folder later",
            "`git sparse-checkout add libs/common`.",
        ],
    ),
    quick(
        "git-commit-fixup",
        [
            "I want to add a fix to a commit 3 back in my branch",
            "```bash\ngit commit --fixup=<sha>\ngit rebase -i --autosquash main\n```\n\nThe fixup "
            "commit is moved after its target and squashed into it automatically.",
            "autosquash by default?",
            "`git config --global rebase.autoSquash true`.",
        ],
        [("natural", "add a change to an older commit in my branch")],
    ),
    quick(
        "vim-netrw-oil",
        [
            "file explorer in neovim without a tree plugin",
            "The built-in netrw: `:Explore` (or `-` with vim-vinegar). `oil.nvim` is popular: "
            "it shows a folder as an editable buffer, and renaming a line renames the file.",
            "oil sounds great",
            "`require('oil').setup()` and map `-` to `:Oil`.",
        ],
    ),
    quick(
        "shell-set-euo",
        [
            "what does set -euo pipefail do",
            "`-e`: exit on the first failing command; `-u`: using an unset variable is an error; "
            "`-o pipefail`: a pipeline fails if any part fails, not only the last. The usual "
            "first line of a script after the shebang.",
            "gotchas",
            "`-e` is ignored in conditions (`if cmd`, `cmd || x`) and in functions called from "
            "them, so don't rely on it alone for error handling.",
        ],
        [("keywords", "set -euo pipefail meaning")],
    ),
    quick(
        "shell-heredoc-vars",
        [
            "heredoc without expanding $variables",
            "Quote the delimiter: `cat <<'EOF'` … `EOF`. Unquoted, `$x` and `$(cmd)` are expanded.",
            "indent it in a script",
            "`<<-EOF` strips leading tabs (tabs only, not spaces).",
        ],
    ),
    quick(
        "mac-brew-services",
        [
            "redis installed with brew, start it at login",
            "`brew services start redis`; `brew services list` shows what runs.",
            "just once, not at login",
            "`brew services run redis`, or `redis-server` in a terminal.",
        ],
    ),
    quick(
        "http-cache-headers",
        [
            "cache headers for hashed static assets vs index.html",
            "Hashed files (`app.3f9a1c.js`) never change: `Cache-Control: public, "
            "max-age=31536000, immutable`. `index.html` must always be revalidated: `Cache-"
            "Control: no-cache` (the browser checks with the server, using the ETag).",
            "netlify does that?",
            "Netlify revalidates everything by default; add the immutable header for "
            "`/assets/*` in `_headers`.",
        ],
        [("natural", "cache control headers for hashed assets and index.html")],
    ),
    quick(
        "json-schema-validate",
        [
            "validate a json config file against a schema in CI",
            "`check-jsonschema --schemafile schema.json config/*.json`; it also knows common "
            "schemas (`--builtin-schema vendor.github-workflows`).",
            "as a pre-commit hook",
            "The `check-jsonschema` repo ships pre-commit hooks: `check-github-workflows`, "
            "`check-jsonschema` with `args: [--schemafile, schema.json]`.",
        ],
    ),
    quick(
        "tz-names",
        [
            "store 'Europe/Paris' or '+01:00' for a user's time zone",
            "The IANA name `Europe/Paris`: an offset can't know about daylight saving time "
            "(Paris is +01:00 in winter, +02:00 in summer) or future rule changes.",
            "list of valid names in python",
            "`zoneinfo.available_timezones()`.",
        ],
        [("natural", "store a timezone name or an offset for users")],
    ),
    quick(
        "ssl-self-signed-local",
        [
            "https on localhost for dev without browser warnings",
            "`mkcert`: it creates a local certificate authority, installs it in your system and "
            "browser trust stores, and issues certificates for `localhost`: `mkcert -install && "
            "mkcert localhost 127.0.0.1`.",
            "vite?",
            "`server.https: { key: fs.readFileSync('localhost-key.pem'), cert: "
            "fs.readFileSync('localhost.pem') }`, or the `@vitejs/plugin-basic-ssl` plugin if "
            "you accept a warning.",
        ],
        [("keywords", "mkcert localhost https certificate")],
    ),
    quick(
        "makefile-tabs",
        [
            "Makefile:3: *** missing separator.  Stop.",
            "The recipe line is indented with spaces; make requires a tab. Your editor converted "
            "it (an `.editorconfig` with `[Makefile] indent_style = tab` prevents that).",
            "ugh",
            "`cat -A Makefile | sed -n 3p` shows `^I` for tabs, so you can check.",
        ],
        [("typo", "makefile missing seperator stop")],
    ),
]

family("quick-more", MORE, CHATS)(written)
