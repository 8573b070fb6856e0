"""git: accidents and how they were undone, everyday workflow, config."""

# Code quoted in the conversations keeps its own line lengths.
# ruff: noqa: E501

from __future__ import annotations

from bench.relevance.material.kit import Variant, family, written

ACCIDENTS: list[Variant] = [
    {
        "key": "git-undo-last-commit-soft",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "committed too early, how do i undo the last commit but keep my changes",
            """
            ```bash
            git reset --soft HEAD~1
            ```

            The commit is gone, and its changes are back in the staging area, exactly as
            before you committed. Use `--mixed` (the default, `git reset HEAD~1`) if you want
            them unstaged instead. Only do this if the commit isn't pushed yet.
            """,
            "not pushed. and if I only wanted to change the message?",
            '`git commit --amend -m "new message"` rewrites the last commit with the new '
            "message (and anything staged). Same rule: fine before pushing.",
        ],
        "q": [
            (
                "natural",
                "i committed too early, what was the command to undo it and keep my changes",
            ),
        ],
        "para": [],
    },
    {
        "key": "git-revert-pushed",
        "repo": "billing-api",
        "title": "revert bad merge on main",
        "turns": [
            "I merged a PR into main that breaks tax calculation and it's already pushed + "
            "deployed to staging. whats the clean way to undo it",
            (
                "$",
                "git log --oneline -4 main",
                "e44b0f1 (HEAD -> main, origin/main) Merge pull request #412 from "
                "ann/tax-rounding\n"
                "9cd1a02 tax: round per line instead of per invoice\n"
                "51f7be3 Merge pull request #409 from ann/coupons-expiry\n"
                "a02c6de coupons: expire at end of day",
            ),
            """
            Since it's pushed, don't rewrite history; revert the merge commit, which makes a
            new commit that undoes its changes. For a merge you have to say which parent is the
            mainline, `-m 1` (main before the merge):

            ```bash
            git revert -m 1 e44b0f1
            ```
            """,
            (
                "$",
                "git revert -m 1 e44b0f1 --no-edit && git push",
                '[main 3f7d20b] Revert "Merge pull request #412 from ann/tax-rounding"\n'
                " 2 files changed, 9 insertions(+), 31 deletions(-)",
            ),
            ("person", "later when the fix is ready, can I just merge the branch again?"),
            """
            Not as is: git considers the branch's commits already merged, so merging it again
            brings in nothing. Either revert the revert (`git revert 3f7d20b`) and add the fix
            on top, or rebase the branch to new commits. Reverting the revert is the usual way.
            """,
        ],
        "q": [
            ("natural", "how did we undo the merge that was already pushed to main"),
            ("keywords", "git revert -m 1 merge commit"),
            ("title", "revert bad merge"),
        ],
        "para": [],
    },
    {
        "key": "git-reflog-deleted-branch",
        "repo": "zanzibar",
        "turns": [
            "I deleted my branch feature/relation-tuples with -D thinking it was merged. it "
            "wasn't. 3 days of work. please tell me it's recoverable",
            """
            It almost certainly is: deleting a branch only deletes the name, the commits stay
            in the repository until garbage collection (weeks). The reflog remembers where HEAD
            has been:
            """,
            (
                "$",
                "git reflog --date=relative | grep -m5 relation-tuples",
                "8c2e4d1 HEAD@{2 minutes ago}: checkout: moving from feature/relation-tuples to "
                "main\n"
                "8c2e4d1 HEAD@{41 minutes ago}: commit: relation tuples: batch writes\n"
                "b91aa07 HEAD@{3 hours ago}: commit: relation tuples: check API",
            ),
            "`8c2e4d1` was the tip of the branch when you left it. Recreate it:",
            (
                "$",
                "git branch feature/relation-tuples 8c2e4d1 && git log --oneline -3 "
                "feature/relation-tuples",
                "8c2e4d1 relation tuples: batch writes\nb91aa07 relation tuples: check API\n"
                "77de3c0 relation tuples: schema",
            ),
            ("person", "OMG thank you. push it right now so this can't happen again"),
            (
                "$",
                "git push -u origin feature/relation-tuples",
                " * [new branch]      feature/relation-tuples -> feature/relation-tuples",
            ),
        ],
        "q": [
            ("natural", "how did i get back the branch i deleted by accident"),
            ("keywords", "reflog recover deleted branch"),
        ],
        "para": [],
    },
    {
        "key": "git-force-push-teammate",
        "repo": "mobile-app",
        "title": "oops force push",
        "turns": [
            "i force pushed to the shared release/2.4 branch and I think I wiped out two of "
            "Priya's commits. she's offline",
            """
            Don't panic, they exist in at least two places: Priya's machine and, likely, your
            own repository (your last `fetch` before the force push saw them). Look at the
            remote-tracking reflog:
            """,
            (
                "$",
                "git reflog show origin/release/2.4 | head -4",
                "a77c1e0 refs/remotes/origin/release/2.4@{0}: update by push\n"
                "f3b9d42 refs/remotes/origin/release/2.4@{1}: fetch: fast-forward\n"
                "c01e8aa refs/remotes/origin/release/2.4@{2}: fetch: fast-forward",
            ),
            (
                "$",
                "git log --oneline a77c1e0..f3b9d42",
                "f3b9d42 android: bump targetSdk to 34\n0be7b95 push: handle token refresh on "
                "resume",
            ),
            """
            There they are: `f3b9d42` and `0be7b95` were on the remote before your push. Put
            them back on top of your work:

            ```bash
            git checkout release/2.4
            git cherry-pick 0be7b95 f3b9d42
            git push
            ```

            And from now on `git push --force-with-lease` instead of `--force`: it refuses to
            overwrite the remote if it has commits you haven't seen.
            """,
            (
                "$",
                "git cherry-pick 0be7b95 f3b9d42 && git push",
                "[release/2.4 5e2f0c3] push: handle token refresh on resume\n"
                "[release/2.4 2ad9b81] android: bump targetSdk to 34\n"
                "   a77c1e0..2ad9b81  release/2.4 -> release/2.4",
            ),
            ("person", "can I make --force-with-lease the default"),
            "An alias is the usual way: `git config --global alias.pushf 'push "
            "--force-with-lease'`. Some people also protect shared branches on GitHub so force "
            "pushes are refused there altogether.",
        ],
        "q": [
            ("natural", "i overwrote priya's commits with a force push, how did we get them back"),
            ("keywords", "force-with-lease cherry-pick remote reflog"),
            ("title", "oops force push"),
        ],
        "para": [],
    },
    {
        "key": "git-secret-committed",
        "repo": "notifier",
        "title": "leaked sendgrid key",
        "turns": [
            "I committed .env with the SendGrid API key and pushed it to github 😬 repo is "
            "private but still",
            """
            First things first, in this order:

            1. **Revoke the key** in SendGrid now and create a new one. Once pushed, assume
               it's copied; cleaning the history doesn't un-leak it.
            2. Put the new key in the secret store / deployment env, not in `.env` in git.
            3. Then clean the history so it isn't sitting in every clone.
            """,
            "revoked and rotated. now the history",
            """
            `git filter-repo` (faster and safer than `filter-branch`):

            ```bash
            git filter-repo --path .env --invert-paths
            git push --force --all
            ```

            Everyone has to re-clone afterwards (or their next push brings the file back), and
            GitHub may still show the old commits in cached views of PRs. Add `.env` to
            `.gitignore` and commit a `.env.example` with empty values.
            """,
            (
                "$",
                "git filter-repo --path .env --invert-paths --force",
                "Parsed 412 commits\nNew history written in 0.91 seconds; now "
                "repacking/cleaning...\n"
                "Completely finished after 1.62 seconds.",
            ),
            ("person", "and something to stop it happening again?"),
            "A pre-commit hook with `gitleaks` blocks commits that contain keys; GitHub's push "
            "protection (secret scanning) does the same on the server side for private repos "
            "with Advanced Security.",
        ],
        "q": [
            ("natural", "what did we do after the api key was committed in the .env file"),
            ("keywords", "filter-repo invert-paths .env"),
            ("title", "leaked sendgrid key"),
        ],
        "para": [],
    },
    {
        "key": "git-commit-wrong-branch",
        "repo": "tidy",
        "chat": True,
        "turns": [
            "made 3 commits on main that should have been on a feature branch. not pushed. fix?",
            """
            Create the branch where you are, then move `main` back:

            ```bash
            git branch feature/glob-excludes     # the 3 commits stay on this branch
            git reset --hard origin/main         # main back to the remote
            git switch feature/glob-excludes
            ```

            `--hard` is safe here only because the commits are kept by the new branch; make
            sure your working tree is clean first.
            """,
            "worked",
            "Good. `git log --oneline main..feature/glob-excludes` should list exactly your 3 "
            "commits.",
        ],
        "q": [
            ("natural", "i committed to main instead of a feature branch, how to move the commits")
        ],
        "para": [],
    },
    {
        "key": "git-rebase-conflict-abort",
        "repo": "search-service",
        "turns": [
            "in the middle of a rebase onto main, conflicts in 6 files and I lost track of "
            "what I was doing. how do I get out",
            """
            `git rebase --abort` puts everything back exactly as it was before you started the
            rebase. Nothing is lost.

            Then, to make the second attempt easier: turn on `rerere` so git remembers how you
            resolved each conflict, and rebase in smaller steps if the branch is long.
            """,
            (
                "$",
                "git rebase --abort && git status -sb",
                "## feature/synonyms...origin/feature/synonyms",
            ),
            ("person", "ok clean. why so many conflicts anyway"),
            (
                "$",
                "git log --oneline main --since='2 weeks ago' -- "
                "src/main/java/dev/ann/search/analysis | head",
                "c3d8e10 analysis: move tokenizer config to yaml\n8ae2f01 reformat with "
                "google-java-format",
            ),
            """
            `8ae2f01` reformatted the whole `analysis` package on main, and your branch edits
            the same files, so almost every hunk conflicts on whitespace alone. Rebase with
            the whitespace-ignoring strategy option:

            ```bash
            git rebase -X ignore-space-change main
            ```

            Then run the formatter on your branch once and commit it.
            """,
            (
                "$",
                "git rebase -X ignore-space-change main",
                "Successfully rebased and updated refs/heads/feature/synonyms.",
            ),
        ],
        "q": [
            ("spread", "synonyms rebase google-java-format rerere"),
            ("natural", "how do i get out of a rebase with conflicts everywhere"),
        ],
        "para": [],
    },
    {
        "key": "git-detached-head-commits",
        "repo": "blog",
        "chat": True,
        "turns": [
            "I checked out an old commit to look at something, made 2 commits, then switched "
            "back to main. where are they now??",
            """
            You were on a *detached HEAD*: the commits were made but no branch points to them,
            and git printed a warning with their id when you switched away:
            "Warning: you are leaving 2 commits behind, not connected to any of your branches".
            If that's scrolled away, `git reflog` has them:

            ```bash
            git reflog | head
            git branch rescue <sha>
            ```
            """,
            (
                "paste",
                "found it I think",
                """
                4e81d2c HEAD@{0}: checkout: moving from 9b0a3f1 to main
                9b0a3f1 HEAD@{1}: commit: fix feed url for old posts
                """,
            ),
            "`9b0a3f1` is your last commit there. `git branch rescue 9b0a3f1`, then merge or "
            "cherry-pick `rescue` into `main`.",
        ],
        "q": [("natural", "lost commits after checking out an old commit and switching back")],
        "para": [],
    },
    {
        "key": "git-restore-deleted-file",
        "repo": "infra",
        "chat": True,
        "turns": [
            "deleted terraform/modules/vpc/outputs.tf a few commits ago by mistake. get it "
            "back without reverting the whole commit?",
            """
            Find the commit that deleted it, and restore the file from its parent:

            ```bash
            git log --oneline --diff-filter=D -- terraform/modules/vpc/outputs.tf
            git restore --source=<sha>~1 terraform/modules/vpc/outputs.tf
            ```

            The file comes back as an uncommitted change; commit it as usual.
            """,
            "the ~1 is the parent right",
            "Yes: in the deleting commit the file no longer exists, one commit earlier it "
            "still does.",
        ],
        "q": [("keywords", "restore deleted file diff-filter=D")],
        "para": [],
    },
    {
        "key": "git-stash-lost",
        "repo": "web-dashboard",
        "turns": [
            "I did git stash drop on the wrong stash. it had the whole chart refactor",
            """
            A dropped stash is an unreferenced commit, so it's still in the object database
            until garbage collection. `git fsck` lists dangling commits; stashes show up with
            their "WIP on" message:
            """,
            (
                "$",
                "git fsck --no-reflog --lost-found 2>/dev/null | awk '/dangling commit/ {print "
                "$3}' "
                "| xargs -n1 git log -1 --format='%h %cr %s' | grep -i wip",
                "d71a0c9 2 hours ago WIP on feature/charts: 8e1d4aa charts: shared axis\n"
                "06bb3e2 5 weeks ago WIP on main: 1c0f9d2 deps",
            ),
            "`d71a0c9`, two hours ago, on `feature/charts`. That's it:",
            (
                "$",
                "git stash apply d71a0c9",
                "On branch feature/charts\nChanges not staged for commit:\n"
                "\tmodified:   src/charts/LineChart.tsx\n\tmodified:   src/charts/axis.ts\n"
                "\tnew file:   src/charts/useSharedScale.ts",
            ),
            ("person", "you're a lifesaver"),
        ],
        "q": [
            ("natural", "how did we recover the stash i dropped with the chart refactor"),
            ("keywords", "fsck dangling commit stash"),
        ],
        "para": [],
    },
    {
        "key": "git-amend-author",
        "repo": "dotfiles",
        "chat": True,
        "turns": [
            "my last 5 commits on the dotfiles repo have my work email as author. change them "
            "to personal? not pushed yet",
            """
            Rebase over them and amend each one's author:

            ```bash
            git rebase -r HEAD~5 --exec 'git commit --amend --no-edit --reset-author'
            ```

            `--reset-author` takes the name and email from your current config, so set
            `user.email` in this repo first: `git config user.email ann@fastmail.com`.
            """,
            "and so it doesn't happen again in this repo",
            "The `git config user.email` without `--global` is per repository, so it sticks "
            "here. For all personal repos at once, see `includeIf` in your global config.",
        ],
        "q": [("natural", "change the author email on my last few commits")],
        "para": [],
    },
    {
        "key": "git-large-file-rejected",
        "repo": "ml-experiments",
        "turns": [
            "push rejected: 'File checkpoints/resnet50_ft.pt is 312.45 MB; this exceeds "
            "GitHub's file size limit of 100.00 MB'. I already removed it in a later commit",
            """
            Removing it in a later commit doesn't help: the big file is still in the earlier
            commit, and every commit you push is uploaded. Move it out of the history (or into
            LFS, if you want it versioned):

            ```bash
            git lfs migrate import --include="checkpoints/*.pt" --everything
            ```

            That rewrites the unpushed commits so the `.pt` files are LFS pointers.
            """,
            "i don't want them in git at all tbh",
            (
                "$",
                "git filter-repo --path-glob 'checkpoints/*.pt' --invert-paths --refs main "
                "--force && git push",
                "New history written in 0.31 seconds\n"
                "To github.com:ann/ml-experiments.git\n   41c0aa2..b93de10  main -> main",
            ),
            "Pushed. I also added `checkpoints/` to `.gitignore`; they live in the S3 bucket "
            "the training script already uploads to.",
        ],
        "q": [("keywords", "exceeds GitHub's file size limit checkpoints")],
        "para": [],
    },
]

family("git-accidents", ACCIDENTS)(written)

WORKFLOW: list[Variant] = [
    {
        "key": "git-bisect-regression",
        "repo": "tidy",
        "title": "bisect the glob slowdown",
        "turns": [
            "tidy got 5x slower on big trees somewhere between v0.7 and v0.8. there are like "
            "140 commits in between. help me bisect",
            """
            Let's automate it: a script that exits 0 when fast and 1 when slow, and `git bisect
            run` does the rest (about 8 steps for 140 commits).

            ```bash
            cat > /tmp/fast.sh <<'EOF'
            cargo build --release -q || exit 125   # 125 = skip commits that don't build
            t=$( { /usr/bin/time -f %e ./target/release/tidy --check ~/src/linux >/dev/null; } 2>&1 )
            awk -v t="$t" 'BEGIN { exit (t > 4.0) }'
            EOF
            chmod +x /tmp/fast.sh
            ```
            """,
            (
                "$",
                "git bisect start v0.8.0 v0.7.0 && git bisect run /tmp/fast.sh",
                "Bisecting: 70 revisions left to test after this (roughly 6 steps)\n...\n"
                "5a0e7c2d is the first bad commit\ncommit 5a0e7c2d\n    walk: match excludes with "
                "globset per entry\n\n src/walk.rs | 23 ++++++++++-------\nbisect found first bad "
                "commit",
            ),
            """
            `5a0e7c2d` "walk: match excludes with globset per entry": it builds the `GlobSet`
            inside the loop, once per directory entry, instead of once per run. Compiling the
            glob set is the expensive part. Moving the build out of the loop should give the
            speed back.
            """,
            "fix it",
        ],
        "msg": "walk: build the exclude GlobSet once, not per entry",
        "q": [
            ("natural", "which commit made tidy slower and how did we find it"),
            ("keywords", "git bisect run script exit 125"),
            ("title", "bisect the glob slowdown"),
        ],
        "para": [],
    },
    {
        "key": "git-squash-interactive",
        "repo": "web-dashboard",
        "chat": True,
        "turns": [
            "how do I squash my last 6 commits into one before opening the PR",
            """
            Interactive rebase:

            ```bash
            git rebase -i HEAD~6
            ```

            In the editor keep `pick` on the first line and change the other five to `squash`
            (or `s`), save, and write the combined message. Or without the editor:
            `git reset --soft HEAD~6 && git commit`.
            """,
            "the soft reset trick is neat. any difference?",
            "Same result: one commit with all the changes. The rebase lets you keep some "
            'commits separate or reorder them; the reset only does "all into one" but can\'t '
            "stop halfway on a conflict.",
        ],
        "q": [("natural", "how to squash the last few commits into one before a pr")],
        "para": [],
    },
    {
        "key": "git-submodule-init",
        "repo": "docs-site",
        "turns": [
            "cloned docs-site on the new laptop and the themes/ folder is empty, build fails",
            """
            `themes/docsy` is a git submodule, and a plain `git clone` doesn't fetch
            submodules. Fetch them now:

            ```bash
            git submodule update --init --recursive
            ```

            Next time `git clone --recurse-submodules` does both in one go.
            """,
            (
                "$",
                "git submodule update --init --recursive",
                "Submodule 'themes/docsy' (https://github.com/google/docsy) registered for path "
                "'themes/docsy'\n"
                "Cloning into '/home/ann/src/docs-site/themes/docsy'...\n"
                "Submodule path 'themes/docsy': checked out '2f2aa9a'",
            ),
            ("person", "can git pull update them automatically?"),
            "`git config --global submodule.recurse true`: `pull`, `checkout` and `switch` then "
            "update submodules too.",
        ],
        "q": [("keywords", "submodule update --init themes empty")],
        "para": [],
    },
    {
        "key": "git-split-pr-add-p",
        "repo": "billing-api",
        "turns": [
            "my branch has the refactor and the bug fix mixed in the same commits. reviewer "
            "wants 2 PRs. how do i split it without redoing everything",
            """
            Rebuild the branch as two. Start a new branch from main with the branch's changes
            uncommitted, then stage only the refactor hunks with `git add -p`:

            ```bash
            git switch -c refactor-tax-module main
            git restore --source=fix-and-refactor -- .
            git add -p        # answer y for refactor hunks, n for the fix
            git commit -m "tax: split calculation into its own module"
            git stash         # the rest is the fix
            ```

            Then a second branch on top of the first for the fix: `git switch -c
            fix-rounding && git stash pop`.
            """,
            (
                "$",
                "git diff --stat main fix-and-refactor",
                " billing/tax/__init__.py   |  12 +++\n billing/tax/calc.py       | 148 "
                "+++++++++++++\n"
                " billing/invoices.py       |  97 ++-------\n tests/test_tax.py         |  31 +++\n"
                " 4 files changed, 221 insertions(+), 67 deletions(-)",
            ),
            (
                "person",
                "ok I did the add -p dance. 2 branches now, second one is stacked on the first",
            ),
            "Then open the fix's PR against `refactor-tax-module`, not `main`; GitHub retargets "
            "it to `main` when the first one is merged.",
        ],
        "q": [("natural", "how did i split one branch into two PRs with add -p")],
        "para": [],
    },
    {
        "key": "git-worktree",
        "repo": "search-service",
        "chat": True,
        "turns": [
            "I keep stashing to review colleagues' PRs and it's a mess. better way?",
            """
            `git worktree`: a second working folder on another branch, sharing the same
            repository.

            ```bash
            git worktree add ../search-service-review origin/pr-branch
            cd ../search-service-review
            # review, run tests…
            git worktree remove ../search-service-review
            ```

            Your own branch stays untouched, builds and all.
            """,
            "can both folders have the same branch checked out",
            "No, git refuses that (two folders moving the same branch would fight). Check out "
            "the PR as a detached HEAD or a new local branch instead.",
        ],
        "q": [("keywords", "git worktree review without stashing")],
        "para": [],
    },
]

family("git-workflow", WORKFLOW)(written)

CONFIG: list[Variant] = [
    {
        "key": "git-includeif-work-email",
        "repo": "dotfiles",
        "chat": True,
        "turns": [
            "I want my work email on repos under ~/work and personal everywhere else, "
            "automatically",
            """
            `includeIf` in `~/.gitconfig`:

            ```ini
            [user]
                name = Ann Example
                email = ann@fastmail.com

            [includeIf "gitdir:~/work/"]
                path = ~/.gitconfig-work
            ```

            and `~/.gitconfig-work`:

            ```ini
            [user]
                email = ann.example@corp.example
            ```

            The trailing slash in `gitdir:~/work/` matters: it matches every repository below.
            """,
            "how can I check which one applies",
            "Inside a repo: `git config --show-origin user.email` prints the value and the file "
            "it came from.",
        ],
        "q": [("keywords", "includeIf gitdir work email")],
        "para": [],
    },
    {
        "key": "git-ssh-signing",
        "repo": "dotfiles",
        "chat": True,
        "turns": [
            "want the 'Verified' badge on github commits but gpg is a pain. ssh key signing?",
            """
            Yes, git can sign with your SSH key (git 2.34+):

            ```bash
            git config --global gpg.format ssh
            git config --global user.signingkey ~/.ssh/id_ed25519.pub
            git config --global commit.gpgsign true
            ```

            Then add the same public key on GitHub under Settings → SSH and GPG keys as a
            **Signing key** (it's a separate entry from the authentication key, even if it's
            the same key).
            """,
            "commits show 'Unverified' still",
            "Check the email: GitHub verifies only if the commit's email is a verified email of "
            "your account. `git log --show-signature -1` shows whether git itself considers it "
            "signed; for local verification it also needs `gpg.ssh.allowedSignersFile`.",
        ],
        "q": [("natural", "how do I sign commits with my ssh key instead of gpg")],
        "para": [],
    },
    {
        "key": "git-log-alias",
        "repo": "dotfiles",
        "chat": True,
        "turns": [
            "give me a nice git log alias, one line per commit with graph and branch names",
            """
            ```bash
            git config --global alias.lg "log --graph --abbrev-commit --decorate --date=relative --format='%C(yellow)%h%C(reset) %C(green)(%ar)%C(reset) %s %C(dim)- %an%C(reset)%C(auto)%d%C(reset)' --all"
            ```

            `git lg` then shows every branch; `git lg main` only main's history (the `--all`
            is overridden when you name a ref... actually it isn't: drop `--all` from the
            alias and type `git lg --all` when you want everything).
            """,
            "ok dropped --all. looks great",
            "👍 `git lg -20` limits it to the last 20 commits.",
        ],
        "q": [("keywords", "git lg alias graph decorate")],
        "para": [],
    },
]

family("git-config", CONFIG)(written)
