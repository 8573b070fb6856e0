#!/usr/bin/env bash
# A real terminal: Neovim in tmux, the sidebar opened by typing `:Sessiond`,
# the screen read back with capture-pane. Polls the screen, never sleeps blind.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
sock="sessiond-nvim-test-$$" # a tmux server of our own, killed at the end
export XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state
export XDG_CACHE_HOME=$tmp/cache SESSIOND_TEST_DB=$tmp/tmux.db
passed=0 failed=0
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

check() { # check NAME COMMAND...
  if "${@:2}"; then
    passed=$((passed + 1)) && echo "ok   $1"
  else
    failed=$((failed + 1)) && echo "FAIL $1" && echo "--- screen:" && screen
  fi
}
screen() { tmux -L "$sock" capture-pane -p -t t 2>/dev/null; }
# wait_for TEXT [SECONDS]: poll the screen until TEXT shows up.
wait_for() {
  local deadline=$((SECONDS + ${2:-15}))
  while ((SECONDS < deadline)); do
    screen | grep -qF -- "$1" && return 0
    tmux -L "$sock" has-session -t t 2>/dev/null || return 1
    sleep 0.1 # a poll interval, not a wait for something to happen
  done
  return 1
}
daemon_gone() { # no process serves the test database any more
  local deadline=$((SECONDS + ${1:-10})) f
  while ((SECONDS < deadline)); do
    local found=0
    for f in /proc/[0-9]*/cmdline; do
      [[ "$(tr '\0' ' ' 2>/dev/null <"$f")" == *"--db $SESSIOND_TEST_DB"* ]] && found=1 && break
    done
    ((found)) || return 0
    sleep 0.1
  done
  return 1
}
gone() { # the tmux session ended, i.e. Neovim quit
  local deadline=$((SECONDS + ${1:-10}))
  while ((SECONDS < deadline)); do
    tmux -L "$sock" has-session -t t 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

ulid=$(nvim --headless -u NONE -l "$here/seed.lua" "$SESSIOND_TEST_DB" \
  "Explain tmux capture-pane in one line" "It prints the pane's text.")
check "seeded a session through the plugin client" test -n "$ulid"
short=${ulid:0:10}

# -u: UTF-8 whatever the locale, so "·" and "…" draw as themselves.
tmux -L "$sock" -u -f /dev/null new-session -d -s t -x 120 -y 24 \
  "nvim -u '$here/minimal_init.lua'"
check "Neovim started in tmux" wait_for "[No Name]"
tmux -L "$sock" send-keys -t t ":Sessiond" Enter
check "the sidebar lists the seeded session" wait_for "$short"
check "with its first prompt's opening words" wait_for "Explain tmux capture-pane"
check "and the column headings" wait_for "ULID       started       ev state  first prompt"
tmux -L "$sock" send-keys -t t Enter
check "<CR> opens its history" wait_for "Session $ulid"
check "with the reply turn" wait_for "It prints the pane's text."
tmux -L "$sock" send-keys -t t ":SessiondSay typed in tmux" Enter
check ":SessiondSay's new session shows up in the open sidebar" wait_for "2 sessions"
check "with the turn as its opening words" wait_for "live   typed in tmux"
capture=$(screen)
tmux -L "$sock" send-keys -t t ":qa!" Enter
check "Neovim quits" gone
check "and its daemon with it" daemon_gone

echo "--- the screen before quitting:"
echo "$capture"
if [ -n "${SESSIOND_CAPTURE:-}" ]; then echo "$capture" >"$SESSIOND_CAPTURE"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
