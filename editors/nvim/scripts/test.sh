#!/usr/bin/env bash
# The Neovim plugin's checks: stylua formatting, the headless specs
# (tests/spec/*.lua) and the tmux test, all against the real `sessiond` on PATH. Exits non-zero if any
# fails; the last line totals them as "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Neovim's state (the LSP log with the daemon's stderr) goes to a throwaway place.
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state
export XDG_CACHE_HOME=$tmp/cache
unset SESSIOND_DB

passed=0 failed=0
# step NAME COMMAND...: runs it, adds its "N passed, N failed" (or 1 for its exit code).
step() {
  local name=$1 start=$SECONDS log="$tmp/$1.log"
  shift
  echo "=== $name"
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line p f
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n1)
  if [ -n "$line" ]; then
    read -r p _ f _ <<<"$line"
  elif [ "$rc" -eq 0 ]; then p=1 f=0; else p=0 f=1; fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a crash after a clean count still fails
  passed=$((passed + p)) failed=$((failed + f))
  echo "=== $name: exit $rc in $((SECONDS - start)) s"
}

if ! command -v sessiond >/dev/null; then
  echo "sessiond is not on PATH: install the daemon first (pip install -e .)"
  echo "0 passed, 1 failed"
  exit 1
fi

step stylua stylua --check .
# Each spec in its own Neovim (and daemon), so no test leans on another file's state.
for spec in tests/spec/*.lua; do
  step "headless:$(basename "$spec" .lua)" nvim --headless -u NONE -l "$spec"
done
step tmux bash tests/tmux.sh

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
