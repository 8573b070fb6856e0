#!/usr/bin/env bash
# A real terminal: Neovim in tmux, driven by typing, the screen read back with
# capture-pane. Polls the screen, never sleeps blind.
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
keys() { tmux -L "$sock" send-keys -t t "$@"; }
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
wait_gone() { # wait_gone TEXT [SECONDS]: until TEXT is no longer on screen
  local deadline=$((SECONDS + ${2:-15}))
  while ((SECONDS < deadline)); do
    screen | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  return 1
}
daemon_gone() { # no process serves the test database any more
  local deadline=$((SECONDS + ${1:-10})) f
  while ((SECONDS < deadline)); do
    local found=0
    for f in /proc/[0-9]*/cmdline; do
      [[ "$(tr '\0' ' ' 2>/dev/null <"$f")" == *"sessiond"*"--db $SESSIOND_TEST_DB"* ]] && found=1 && break
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
other() { nvim --headless -u NONE -l "$here/other.lua" "$SESSIOND_TEST_DB" "$@"; }

# Older sessions first (the sidebar lists the newest first): one ended, one
# continuing it, one with a title, then the one the test opens.
wal=$(other start "Why does my SQLite WAL file keep growing?" "A reader holds the checkpoint back.")
other end "$wal" >/dev/null
other continue "$wal" "And how do I check the checkpoint from the shell?" >/dev/null
titled=$(other start "Sketch a Neovim sidebar for chat sessions")
other rename "$titled" "Sidebar design" >/dev/null
reply=$'It prints the pane\'s text. From Lua:\n\n```lua\nlocal text = vim.fn.system({ "tmux", "capture-pane", "-p" })\n```'
ulid=$(other start "Explain tmux capture-pane in one line" "$reply")
check "seeded sessions from another process" test -n "$ulid"

# -u: UTF-8 whatever the locale, so "·", "↳" and "…" draw as themselves.
tmux -L "$sock" -u -f /dev/null new-session -d -s t -x 132 -y 30 \
  "nvim -u '$here/minimal_init.lua'"
check "Neovim started in tmux" wait_for "[No Name]"
keys ":Sessiond" Enter
check "the sidebar labels the session with its first prompt" wait_for "Explain tmux capture-pane in one line"
check "a title comes before the preview" wait_for "Sidebar design"
check "a continued session is marked" wait_for "↳ And how do I check the checkpoint"
check "the keys are in the sidebar's header" wait_for "<CR> open  u use  c continue  R rename  d trash"
keys "g?"
check "g? lists every sidebar key" wait_for "copy its ULID"
check "g? shows the trash key too" wait_for "move it to the trash (:SessiondRestore brings it back)"
keys Escape
check "<Esc> closes the key list" wait_gone "copy its ULID"
keys Enter
check "<CR> opens its history beside the sidebar" wait_for "$ulid"
check "with the reply turn" wait_for "It prints the pane's text. From Lua:"
keys ":SessiondSay And what does it print?" Enter
check ":SessiondSay while viewing the session appends to it" wait_for "#3  "
check "and the turn shows in the open history" wait_for "  And what does it print?"
check "the engine's reply streams in as turn #4" wait_for "  It reads the pane's text and prints it."
check "and is stored as a system turn" wait_for "system"
check "no new session: still four in the sidebar" wait_for " 4 sessions "
check "its count grew in the sidebar" wait_for " 4  live"
other append "$ulid" command "appended by another process" >/dev/null
check "a turn from another process shows up without a key press" wait_for "  appended by another process"
check "and the sidebar counts it" wait_for " 5  live"
capture=$(screen)
keys "/local text" Enter ":Inspect" Enter
check "the fenced block is highlighted as lua under the cursor" wait_for "@keyword.lua"
keys Escape ":qa!" Enter
check "Neovim quits" gone
check "and its daemon with it" daemon_gone

echo "--- the screen after :SessiondSay and the other process's turn:"
echo "$capture"
if [ -n "${SESSIOND_CAPTURE:-}" ]; then echo "$capture" >"$SESSIOND_CAPTURE"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
