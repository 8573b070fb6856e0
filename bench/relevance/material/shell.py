"""Shell one-liners and small scripts, data analysis, editor and tool
configuration: short chats."""

# Code quoted in the conversations keeps its own line lengths, and typographic
# characters (dashes, curly quotes, the times sign) stay as tools and people wrote them.
# ruff: noqa: E501, RUF001

from __future__ import annotations

from bench.relevance.material.kit import CHATS, Variant, family, written

SHELL: list[Variant] = [
    {
        "key": "sh-largest-files",
        "turns": [
            "disk full on my laptop. one-liner to find the biggest folders/files in my home",
            """
            ```bash
            du -ah ~ 2>/dev/null | sort -rh | head -20
            ```

            `-a` includes files, `-h` human sizes, and `sort -h` understands them. For folders
            only, one level at a time: `du -h -d 1 ~ | sort -rh | head`. Or the interactive
            `ncdu ~`, which is much nicer for this.
            """,
            "ncdu is great. 40GB in ~/Library/Developer/Xcode/DerivedData lol",
            "That's Xcode's build cache, safe to delete entirely: `rm -rf "
            "~/Library/Developer/Xcode/DerivedData`. It comes back as you build.",
        ],
        "q": [("natural", "one liner to find the biggest files in my home folder")],
        "para": [],
    },
    {
        "key": "sh-bulk-rename",
        "turns": [
            "rename all .jpeg to .jpg in a folder (and subfolders)",
            """
            ```bash
            find . -type f -name '*.jpeg' -exec sh -c 'mv -- "$1" "${1%.jpeg}.jpg"' _ {} \\;
            ```

            `${1%.jpeg}` strips the extension. If you have `rename` (the Perl one):
            `find . -name '*.jpeg' -exec rename 's/\\.jpeg$/.jpg/' {} +`.
            """,
            "and uppercase .JPEG too?",
            'Use `-iname \'*.jpeg\'` and strip any case: `mv -- "$1" "${1%.*}.jpg"`.',
        ],
        "q": [("keywords", "rename jpeg to jpg find exec")],
        "para": [],
    },
    {
        "key": "sh-awk-sum-column",
        "turns": [
            "sum the 3rd column of a csv in the terminal",
            """
            ```bash
            awk -F, 'NR > 1 { s += $3 } END { print s }' sales.csv
            ```

            `NR > 1` skips the header. This breaks if fields contain commas inside quotes; for
            real CSV use `mlr --icsv stats1 -a sum -f amount sales.csv` or `csvstat`.
            """,
            "grouped by column 1?",
            """
            ```bash
            awk -F, 'NR > 1 { s[$1] += $3 } END { for (k in s) print k, s[k] }' sales.csv | sort
            ```
            """,
        ],
        "q": [("natural", "awk sum of a column grouped by another column")],
        "para": [],
    },
    {
        "key": "sh-xargs-parallel-curl",
        "turns": [
            "I have urls.txt with 2000 urls, want to check status codes in parallel, 10 at a time",
            """
            ```bash
            xargs -P 10 -n 1 curl -s -o /dev/null -w '%{http_code} %{url_effective}\\n' < urls.txt
            ```

            `-P 10` runs 10 curls at once, `-n 1` one URL each. Add `--max-time 10` to curl so a
            hanging server doesn't stall a slot forever.
            """,
            "only show the non-200 ones",
            "Pipe into `grep -v '^200 '`.",
        ],
        "q": [("keywords", "xargs -P parallel curl status codes")],
        "para": [],
    },
    {
        "key": "sh-jq-extract",
        "turns": [
            "jq: from a json array of users get email of those with role admin",
            """
            ```bash
            jq -r '.[] | select(.role == "admin") | .email' users.json
            ```

            `-r` prints raw strings (no quotes). If `role` is a list: `select(.roles |
            index("admin"))`.
            """,
            "as a csv with name and email?",
            """
            ```bash
            jq -r '.[] | select(.role == "admin") | [.name, .email] | @csv' users.json
            ```
            """,
        ],
        "q": [("keywords", "jq select role admin email csv")],
        "para": [],
    },
    {
        "key": "sh-sed-inplace-mac",
        "turns": [
            "sed -i 's/foo/bar/' file.txt works on linux but on mac: 'sed: 1: \"file.txt\": "
            "invalid command code f'",
            """
            BSD sed (macOS) requires an argument to `-i`, the backup suffix, and takes your
            expression as that suffix. Give it an empty one:

            ```bash
            sed -i '' 's/foo/bar/' file.txt
            ```

            That form fails on GNU sed, though. Portable across both: `sed -i.bak 's/foo/bar/'
            file.txt && rm file.txt.bak`, or install GNU sed as `gsed` with Homebrew.
            """,
            "gsed it is. can I make sed mean gsed",
            "`brew install gnu-sed`, then put `$(brew --prefix)/opt/gnu-sed/libexec/gnubin` "
            "first in your `PATH`: plain `sed` is GNU sed from then on.",
        ],
        "q": [("keywords", "sed -i invalid command code mac")],
        "para": [],
    },
    {
        "key": "sh-tar-exclude",
        "turns": [
            "tar a project folder but without node_modules and .git",
            """
            ```bash
            tar --exclude=node_modules --exclude=.git -czf project.tgz project/
            ```

            With GNU tar the `--exclude` options must come before the paths. Or, if it's a git
            repo, `git archive --format=tar.gz -o project.tgz HEAD` takes only tracked files.
            """,
            "git archive is cleaner, thx",
            "It also leaves out untracked junk like `.env`, which is usually what you want.",
        ],
        "q": [("natural", "tar a folder without node_modules")],
        "para": [],
    },
    {
        "key": "sh-rsync-delete-dry",
        "turns": [
            "rsync my photos to the NAS, mirror deletions too, but I'm scared of deleting the "
            "wrong stuff",
            """
            Do a dry run first, always, with `--delete`:

            ```bash
            rsync -avh --delete --dry-run ~/Pictures/ nas:/volume1/photos/
            ```

            Note the trailing slash on the source: `~/Pictures/` copies the *contents*;
            without it you'd get `photos/Pictures/`. Lines starting with `deleting` are what
            would be removed. Happy with it? Run again without `--dry-run`.
            """,
            "it wants to delete 3000 files?!",
            "Probably the slash: if an earlier run copied without it, everything sits in "
            "`photos/Pictures/` and the new layout would delete it. Check with `ssh nas ls "
            "/volume1/photos | head`.",
            "yep that was it. moved them",
        ],
        "q": [("natural", "rsync to the nas wanted to delete 3000 files")],
        "para": [],
    },
    {
        "key": "sh-kill-port",
        "turns": [
            "port 3000 already in use, how do I find and kill what's using it",
            """
            ```bash
            lsof -i :3000 -sTCP:LISTEN
            kill <PID>
            ```

            or in one go: `kill $(lsof -t -i :3000 -sTCP:LISTEN)`. On Linux without lsof:
            `fuser -k 3000/tcp`.
            """,
            "it was an old vite dev server in another tmux window",
            "Classic. `tmux ls` and `tmux kill-session -t name` clean up forgotten sessions.",
        ],
        "q": [("keywords", "port 3000 already in use lsof kill")],
        "para": [],
    },
    {
        "key": "sh-tail-grep-buffered",
        "turns": [
            "tail -f app.log | grep ERROR | tee errors.txt — errors.txt stays empty for ages",
            """
            `grep` buffers its output when it's writing to a pipe (blocks of 4 KB), so lines
            reach `tee` only when a block is full. Make it line-buffered:

            ```bash
            tail -f app.log | grep --line-buffered ERROR | tee errors.txt
            ```

            For other tools, `stdbuf -oL cmd` does the same.
            """,
            "works. why does grep to the terminal not have this problem",
            "When its output is a terminal, grep (like most C programs) flushes after every "
            "line; only pipes and files get the big buffer.",
        ],
        "q": [("keywords", "grep --line-buffered tail -f tee empty")],
        "para": [],
    },
    {
        "key": "sh-count-loc",
        "turns": [
            "count lines of code per language in the repo",
            """
            `tokei` or `scc` (both fast, both understand comments):

            ```bash
            scc --no-cocomo .
            ```

            Without installing anything, a rough count per extension:

            ```bash
            git ls-files | sed 's/.*\\.//' | sort | uniq -c | sort -rn | head
            ```

            (that counts files; for lines: `git ls-files '*.py' | xargs wc -l | tail -1`).
            """,
            "scc says 61% typescript, 30% css?? we have that much css",
            "Check for generated or vendored CSS: `scc --by-file -s lines . | head`. A "
            "committed build folder or a copied library often shows up there; exclude it with "
            "`--exclude-dir`.",
        ],
        "q": [("natural", "count lines of code per language")],
        "para": [],
    },
    {
        "key": "sh-ssh-tunnel",
        "turns": [
            "need to reach the staging postgres (only reachable from the bastion) from my "
            "laptop with dbeaver",
            """
            A local port forward through the bastion:

            ```bash
            ssh -N -L 5433:staging-db.internal:5432 ann@bastion.ann.dev
            ```

            Then connect DBeaver to `localhost:5433`. `-N` means no remote shell. DBeaver can
            also do this itself: the SSH tab of the connection, with the bastion as host.
            """,
            "it disconnects after a while of idle",
            "Add `-o ServerAliveInterval=30` (or in `~/.ssh/config` for that host) so ssh "
            "sends keepalives through the firewall's idle timeout.",
        ],
        "q": [("natural", "ssh tunnel to the staging database through the bastion")],
        "para": [],
    },
    {
        "key": "sh-find-replace-repo",
        "turns": [
            "replace 'acme-corp' with 'acme' in all files of the repo except node_modules",
            """
            With ripgrep to list the files and sed to change them:

            ```bash
            rg -l 'acme-corp' | xargs sed -i 's/acme-corp/acme/g'
            ```

            `rg` already skips what's in `.gitignore` (so `node_modules`). On macOS `sed -i ''`.
            Check with `git diff` before committing.
            """,
            "nice, only 14 files changed",
            "nice, only 14 files changed",
            "Also check file names: `fd acme-corp` lists files whose *names* contain it, which "
            "the content replace doesn't touch.",
        ],
        "q": [("keywords", "rg -l xargs sed replace across repo")],
        "para": [],
    },
    {
        "key": "sh-cron-every-15",
        "turns": [
            "crontab syntax: every 15 min between 8 and 18 on weekdays",
            """
            ```
            */15 8-17 * * 1-5 /path/to/script.sh
            ```

            `8-17` because 17:45 is the last run before 18:00; use `8-18` if you want 18:00,
            18:15… too. crontab.guru is handy for checking.
            """,
            "and log output somewhere",
            "Append `>> /var/log/script.log 2>&1`; cron otherwise mails the output to the "
            "user, which usually goes nowhere.",
        ],
        "q": [("keywords", "crontab every 15 minutes weekdays")],
        "para": [],
    },
    {
        "key": "sh-while-read-filenames",
        "turns": [
            "my loop `for f in $(ls *.mp4)` breaks on file names with spaces",
            """
            Word splitting: `$(ls …)` is split on spaces. Let the shell glob instead, and
            quote the variable:

            ```bash
            for f in *.mp4; do
              ffmpeg -i "$f" -vf scale=1280:-2 "small/${f%.mp4}.mp4"
            done
            ```

            For recursive: `find . -name '*.mp4' -print0 | while IFS= read -r -d '' f; do …;
            done`.
            """,
            "why -print0 and -d ''",
            "File names may contain newlines too; `-print0` separates them with NUL bytes, "
            "which can't appear in a name, and `read -d ''` reads up to each NUL.",
        ],
        "q": [("natural", "bash loop breaks on file names with spaces")],
        "para": [],
    },
    {
        "key": "sh-diff-two-dirs",
        "turns": [
            "compare two folders and list files that differ",
            """
            ```bash
            diff -rq dir1/ dir2/
            ```

            `-q` only names the files. For a visual view, `meld dir1 dir2`, or `git diff
            --no-index dir1 dir2` for a colored unified diff even outside a repo.
            """,
            "git diff --no-index, didn't know that",
            "git diff --no-index, didn't know that",
            "It works on any two files or folders, with all of git diff's options: "
            "`--stat`, `--word-diff`, `--color-words`.",
        ],
        "q": [("keywords", "diff -rq two folders git diff --no-index")],
        "para": [],
    },
    {
        "key": "sh-base64-cert",
        "turns": [
            "check when a certificate expires from the command line, for a remote host",
            """
            ```bash
            echo | openssl s_client -connect status.ann.dev:443 -servername status.ann.dev 2>/dev/null \\
              | openssl x509 -noout -enddate
            ```

            `-servername` matters for hosts that serve several certificates (SNI).
            """,
            "and for a pem file",
            "`openssl x509 -in cert.pem -noout -enddate -subject`.",
        ],
        "q": [("natural", "check when a remote host's certificate expires with openssl")],
        "para": [],
    },
    {
        "key": "sh-watch-cmd",
        "turns": [
            "rerun a command every 2 seconds and highlight what changed",
            "`watch -n 2 -d kubectl get pods`: `-d` highlights the differences between runs. "
            "On macOS `brew install watch` first.",
            "exits when something fails?",
            "`watch -e` (`--errexit`) stops when the command exits non-zero; `-g` "
            "(`--chgexit`) stops when the output changes.",
        ],
        "q": [("keywords", "watch -n 2 -d highlight changes")],
        "para": [],
    },
]

family("shell", SHELL, CHATS)(written)

DATA: list[Variant] = [
    {
        "key": "pandas-monthly-revenue",
        "repo": "data-notebooks",
        "turns": [
            "pandas: I have orders with created_at and amount. monthly revenue per country, "
            "months as columns",
            """
            ```python
            monthly = (
                orders
                .assign(month=orders["created_at"].dt.to_period("M"))
                .pivot_table(index="country", columns="month", values="amount",
                             aggfunc="sum", fill_value=0)
            )
            ```

            `to_period("M")` gives clean month labels (`2025-03`). If `created_at` is a
            string, `pd.to_datetime` it first, with `utc=True` if it has offsets.
            """,
            "and a total row + column",
            '`pivot_table(..., margins=True, margins_name="Total")` adds both.',
        ],
        "q": [("natural", "pandas monthly revenue per country with months as columns")],
        "para": [],
    },
    {
        "key": "sql-running-total",
        "repo": "data-notebooks",
        "turns": [
            "sql: running total of signups per day, and rank of each day within its month",
            """
            ```sql
            SELECT
              day,
              signups,
              SUM(signups) OVER (ORDER BY day) AS running_total,
              RANK() OVER (PARTITION BY date_trunc('month', day) ORDER BY signups DESC) AS rank_in_month
            FROM daily_signups
            ORDER BY day;
            ```

            Window functions don't collapse rows like `GROUP BY`; each row gets its own value
            computed over its window.
            """,
            "running total resets each month?",
            "Partition it too: `SUM(signups) OVER (PARTITION BY date_trunc('month', day) ORDER "
            "BY day)`.",
        ],
        "q": [("keywords", "running total window function rank partition month")],
        "para": [],
    },
    {
        "key": "matplotlib-dual-axis",
        "repo": "data-notebooks",
        "turns": [
            "plot revenue (bars) and conversion rate (line) on the same chart, two y axes",
            """
            ```python
            fig, ax = plt.subplots(figsize=(10, 4))
            ax.bar(df["month"], df["revenue"], color="#9bb7d4", label="revenue")
            ax.set_ylabel("revenue (€)")
            ax2 = ax.twinx()
            ax2.plot(df["month"], df["conversion"] * 100, color="#c0392b", marker="o",
                     label="conversion")
            ax2.set_ylabel("conversion (%)")
            fig.legend(loc="upper left", bbox_to_anchor=(0.1, 0.9))
            fig.tight_layout()
            ```

            `twinx()` makes a second y axis sharing the x axis.
            """,
            "x labels overlap",
            '`fig.autofmt_xdate()` rotates them, or `ax.tick_params(axis="x", rotation=45)`.',
        ],
        "q": [("keywords", "matplotlib twinx bars line two y axes")],
        "para": [],
    },
    {
        "key": "csv-dates-messy",
        "repo": "data-notebooks",
        "turns": [
            "a csv with dates like '03/04/2025', '2025-04-03', '3 Apr 2025' mixed in one "
            "column. how do I parse that sanely",
            """
            `pd.to_datetime(col, format="mixed", dayfirst=True)` (pandas 2.0+) parses each
            value on its own. The real problem is `03/04/2025`: April 3rd or March 4th? Only the
            source can tell. Check which one is consistent with the unambiguous rows (e.g.
            `13/04/2025` means day first). Then parse and flag what failed:

            ```python
            parsed = pd.to_datetime(df["date"], format="mixed", dayfirst=True, errors="coerce")
            print(df.loc[parsed.isna(), "date"].unique())
            ```
            """,
            "there's one '31/02/2025' lol",
            'An impossible date; `errors="coerce"` turned it into `NaT`. Ask whoever exports '
            "it, or drop it with a note in the notebook.",
        ],
        "q": [("natural", "parsing a csv column with mixed date formats")],
        "para": [],
    },
    {
        "key": "ab-test-significance",
        "repo": "data-notebooks",
        "title": "checkout A/B",
        "turns": [
            "A/B test on checkout: A 4120 visitors 312 conversions, B 4088 visitors 359. is B "
            "really better?",
            """
            A two-proportion z-test (equivalently chi-squared on the 2×2 table):

            ```python
            from statsmodels.stats.proportion import proportions_ztest
            stat, p = proportions_ztest([359, 312], [4088, 4120])
            ```

            Conversion is 7.57% (A) vs 8.78% (B), a relative lift of 16%, with p ≈ 0.045. So
            significant at 5%, barely. Two caveats: decide the sample size before the test
            (stopping when p dips under 0.05 inflates false positives), and the 95% interval of
            the difference is wide, roughly +0.03 to +2.4 points.
            """,
            "so ship it or not",
            "If B has no downside (cost, complexity), shipping is reasonable. If it does, run "
            "it to a pre-planned size of ~10k per arm to narrow the interval.",
        ],
        "q": [
            ("natural", "was variant b of the checkout test significant"),
            ("keywords", "proportions_ztest conversion p value"),
        ],
        "para": [],
    },
    {
        "key": "jupyter-kernel-died-memory",
        "repo": "data-notebooks",
        "turns": [
            "jupyter kernel keeps dying when I load the 6GB events csv",
            """
            The kernel is killed for memory: pandas needs several times the file size (object
            columns for strings are expensive). Options:

            1. load only the columns you need: `usecols=[…]`;
            2. smaller types: `dtype={"country": "category", "amount": "float32"}`;
            3. read in chunks and aggregate as you go;
            4. or query the file with DuckDB without loading it:
               `duckdb.sql("SELECT country, sum(amount) FROM 'events.csv' GROUP BY 1").df()`.
            """,
            "duckdb did it in 9 seconds. what",
            "DuckDB streams the file and only keeps the aggregate, in parallel on all cores. "
            "For repeated work convert once to Parquet (`COPY (SELECT * FROM 'events.csv') TO "
            "'events.parquet'`): smaller and much faster to read.",
        ],
        "q": [("natural", "jupyter kernel died loading a big csv")],
        "para": [],
    },
    {
        "key": "duckdb-parquet-s3",
        "repo": "data-notebooks",
        "turns": [
            "can duckdb read parquet files directly from our s3 bucket",
            """
            Yes, with the `httpfs` extension:

            ```python
            con = duckdb.connect()
            con.sql("INSTALL httpfs; LOAD httpfs;")
            con.sql("CREATE SECRET (TYPE s3, PROVIDER credential_chain)")
            con.sql("SELECT count(*) FROM 's3://ann-analytics/events/2025/*/*.parquet'")
            ```

            `credential_chain` uses your normal AWS credentials (profile, SSO). Globs work, and
            DuckDB only downloads the row groups and columns the query needs.
            """,
            "hive partitions year=2025/month=04?",
            "`read_parquet('s3://…/events/*/*/*.parquet', hive_partitioning = true)` exposes "
            "`year` and `month` as columns, and filters on them skip whole folders.",
        ],
        "q": [("keywords", "duckdb httpfs s3 parquet hive_partitioning")],
        "para": [],
    },
]

family("data", DATA, CHATS)(written)

TOOLS: list[Variant] = [
    {
        "key": "nvim-pyright-venv",
        "repo": "dotfiles",
        "turns": [
            "neovim: pyright shows import errors for everything in billing-api, the venv is "
            ".venv in the project",
            """
            pyright doesn't know about the venv. Tell it in the project, which also helps
            everyone else's editor:

            ```toml
            # pyproject.toml
            [tool.pyright]
            venvPath = "."
            venv = ".venv"
            ```

            Or start nvim with the venv activated (`source .venv/bin/activate && nvim`):
            pyright picks the `python` on `PATH`.
            """,
            "the pyproject way worked. also want ruff as lsp for lint",
            """
            With nvim-lspconfig:

            ```lua
            require('lspconfig').ruff.setup({})
            require('lspconfig').pyright.setup({
              settings = { pyright = { disableOrganizeImports = true } },  -- ruff does that
            })
            ```
            """,
        ],
        "q": [("natural", "pyright in neovim doesn't see the project venv")],
        "para": [],
    },
    {
        "key": "vscode-python-interpreter",
        "repo": "ml-experiments",
        "turns": [
            "vscode keeps using the system python for ml-experiments instead of the conda env, "
            "every time I open it",
            """
            Pin it in the workspace settings, `.vscode/settings.json`:

            ```json
            {
              "python.defaultInterpreterPath": "~/miniforge3/envs/ml/bin/python"
            }
            ```

            `defaultInterpreterPath` is only used when no interpreter was selected for the
            workspace yet; if an old choice is stuck, run "Python: Clear Workspace Interpreter
            Setting" once.
            """,
            "and the terminal in vscode should activate it too",
            '`"python.terminal.activateEnvironment": true` (the default) activates it in new '
            "terminals; for conda it needs `conda init` for your shell to have run once.",
        ],
        "q": [("keywords", "vscode defaultInterpreterPath conda env")],
        "para": [],
    },
    {
        "key": "tmux-clipboard",
        "repo": "dotfiles",
        "turns": [
            "tmux copy mode: selecting text doesn't go to the mac clipboard",
            """
            With tmux 3.2+ and a terminal that supports OSC 52 (iTerm2, kitty, WezTerm,
            Alacritty):

            ```tmux
            set -g set-clipboard on
            setw -g mode-keys vi
            bind -T copy-mode-vi v send -X begin-selection
            bind -T copy-mode-vi y send -X copy-pipe-and-cancel "pbcopy"
            ```

            `copy-pipe` with `pbcopy` works everywhere on a Mac; `set-clipboard` also makes it
            work over ssh.
            """,
            "in iterm I had to enable 'Applications in terminal may access clipboard'",
            "Right, that's iTerm's switch for OSC 52. Over ssh it's the only way the remote "
            "tmux can reach your Mac's clipboard.",
        ],
        "q": [("natural", "tmux copy mode doesn't copy to the mac clipboard")],
        "para": [],
    },
    {
        "key": "zsh-startup-nvm",
        "repo": "dotfiles",
        "title": "slow shell",
        "turns": [
            "new terminal tab takes 2 seconds before the prompt shows. zsh + oh-my-zsh",
            """
            Measure first:

            ```zsh
            zmodload zsh/zprof   # first line of ~/.zshrc
            # … and at the end:
            zprof | head -15
            ```
            """,
            (
                "paste",
                "top of zprof",
                """
                num  calls                time                       self            name
                 1)    2        1412.33   706.17   72.11%   1102.21   551.11   56.28%  nvm_auto
                 2)    1         281.02   281.02   14.35%    281.02   281.02   14.35%  compinit
                """,
            ),
            """
            `nvm` is 72% of it: it loads on every shell start. Lazy-load it: define `nvm`,
            `node`, `npm` and `npx` as tiny functions that load nvm on first use. Or switch to
            `fnm`, which does the same job in Rust and starts in ~5 ms:

            ```zsh
            eval "$(fnm env --use-on-cd)"
            ```

            For `compinit`, check the dump once a day only: `autoload -Uz compinit; if [[ -n
            ~/.zcompdump(#qN.mh+24) ]]; then compinit; else compinit -C; fi`.
            """,
            "switched to fnm, 180ms now",
        ],
        "q": [
            ("natural", "why did my terminal take 2 seconds to open"),
            ("keywords", "zprof nvm fnm compinit"),
        ],
        "para": [],
    },
    {
        "key": "ssh-agent-keychain",
        "repo": "dotfiles",
        "turns": [
            "git push asks for my ssh key passphrase every single time on the mac",
            """
            Let the agent keep it and store the passphrase in the macOS keychain, in
            `~/.ssh/config`:

            ```
            Host *
              AddKeysToAgent yes
              UseKeychain yes
              IdentityFile ~/.ssh/id_ed25519
            ```

            then once: `ssh-add --apple-use-keychain ~/.ssh/id_ed25519`.
            """,
            "UseKeychain gives 'Bad configuration option' on my linux box (same dotfiles)",
            "It's Apple-only. Put `IgnoreUnknown UseKeychain` above it in the config; Linux "
            "ssh then skips that line.",
        ],
        "q": [("keywords", "ssh passphrase every time UseKeychain IgnoreUnknown")],
        "para": [],
    },
    {
        "key": "prettier-eslint-conflict",
        "repo": "web-dashboard",
        "turns": [
            "eslint --fix and prettier keep undoing each other's changes on save",
            """
            ESLint has stylistic rules (quotes, indentation, `max-len`) that disagree with
            Prettier. Let Prettier own formatting and turn the conflicting ESLint rules off
            with `eslint-config-prettier`, last in your flat config:

            ```js
            import prettier from 'eslint-config-prettier'
            export default [...otherConfigs, prettier]
            ```

            In VS Code: Prettier as the default formatter, and ESLint only in
            `codeActionsOnSave`.
            """,
            "done, no more flip flopping",
            "done, no more flip flopping",
            "Also run `npx eslint-config-prettier src/index.ts` once: it lists any rule in "
            "your config that still conflicts.",
        ],
        "q": [("natural", "eslint and prettier keep undoing each other on save")],
        "para": [],
    },
    {
        "key": "precommit-ruff-setup",
        "repo": "ingest-worker",
        "source": "codex",
        "turns": [
            "set up pre-commit with ruff (lint + format) for ingest-worker",
            """
            `.pre-commit-config.yaml`:

            ```yaml
            repos:
              - repo: https://github.com/astral-sh/ruff-pre-commit
                rev: v0.6.9
                hooks:
                  - id: ruff
                    args: [--fix]
                  - id: ruff-format
            ```

            Then `pre-commit install` once per clone, and `pre-commit run --all-files` to apply
            it to everything the first time.
            """,
            (
                "$",
                "pre-commit install && pre-commit run --all-files",
                "pre-commit installed at "
                ".git/hooks/pre-commit\nruff.....................................................Failed\n"
                "- files were modified by this hook\nFound 37 errors (37 fixed, 0 remaining).\n"
                "ruff-format..............................................Failed\n"
                "- files were modified by this hook\n41 files reformatted, 18 files left unchanged",
            ),
            "Ruff fixed 37 issues and reformatted 41 files. Commit that as one formatting "
            "commit, and add its hash to `.git-blame-ignore-revs` so blame skips it.",
        ],
        "msg": "pre-commit with ruff; format everything once",
        "q": [("keywords", "pre-commit ruff-format git-blame-ignore-revs")],
        "para": [],
    },
    {
        "key": "direnv-env",
        "repo": "billing-api",
        "turns": [
            "I keep forgetting to activate the venv and export env vars when I cd into a project",
            """
            `direnv`: a `.envrc` per project, loaded when you enter the folder and unloaded
            when you leave:

            ```bash
            # .envrc
            source .venv/bin/activate
            export DATABASE_URL=postgresql://localhost/billing_dev
            dotenv_if_exists .env.local
            ```

            Hook it into zsh (`eval "$(direnv hook zsh)"`) and `direnv allow` once per change
            of the file (so a cloned repo can't run code without your OK).
            """,
            "should .envrc be in git?",
            "Commit one without secrets (the venv line, non-secret defaults), and keep secrets "
            "in `.env.local`, ignored by git, loaded by `dotenv_if_exists`.",
        ],
        "q": [("natural", "auto activate the venv when i cd into the project")],
        "para": [],
    },
    {
        "key": "brew-postgres-path",
        "repo": "dotfiles",
        "turns": [
            "brew install postgresql@16 worked but psql: command not found",
            """
            Versioned formulae like `postgresql@16` are "keg-only": Homebrew doesn't link them
            into `/opt/homebrew/bin`, so several versions can coexist. Add it to your PATH:

            ```zsh
            export PATH="/opt/homebrew/opt/postgresql@16/bin:$PATH"
            ```

            or `brew link postgresql@16 --force`. `brew services start postgresql@16` runs the
            server.
            """,
            "path it is",
            "Put it in `~/.zprofile` rather than `.zshrc` so GUI apps started from the shell "
            "see it too.",
        ],
        "q": [("keywords", "postgresql@16 keg-only psql command not found")],
        "para": [],
    },
    {
        "key": "git-difftool-vscode",
        "repo": "dotfiles",
        "turns": [
            "use vscode as git difftool and mergetool",
            """
            ```bash
            git config --global diff.tool vscode
            git config --global difftool.vscode.cmd 'code --wait --diff $LOCAL $REMOTE'
            git config --global merge.tool vscode
            git config --global mergetool.vscode.cmd 'code --wait --merge $REMOTE $LOCAL $BASE $MERGED'
            ```

            `--wait` makes git wait until you close the tab.
            """,
            "merge editor opens but git says merge failed when I close it",
            "Add `git config --global mergetool.vscode.trustExitCode false`; then git asks "
            "whether the merge succeeded instead of reading VS Code's exit code.",
        ],
        "q": [("natural", "vscode as git mergetool")],
        "para": [],
    },
    {
        "key": "kitty-font-ligatures",
        "repo": "dotfiles",
        "turns": [
            "kitty: want JetBrains Mono with ligatures but not in the middle of the cursor word",
            """
            In `kitty.conf`:

            ```
            font_family      JetBrains Mono
            font_size        13.0
            disable_ligatures cursor
            ```

            `cursor` disables them only under the cursor, so `!=` is split while you edit it
            and joined elsewhere.
            """,
            "👌",
            "👌",
            "If a font's ligatures are too much in general, `font_features "
            "JetBrainsMono-Regular -calt` turns them off for that font only.",
        ],
        "q": [("keywords", "kitty disable_ligatures cursor")],
        "para": [],
    },
]

family("tools", TOOLS, CHATS)(written)
