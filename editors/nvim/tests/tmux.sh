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
# daemon_pid: the sessiond serving the test database (handed over in its
# environment as SESSIOND_DB, never on its command line), or nothing.
daemon_pid() {
  local d
  for d in /proc/[0-9]*; do
    [[ "$(tr '\0' ' ' 2>/dev/null <"$d/cmdline")" == *sessiond* ]] || continue
    tr '\0' '\n' 2>/dev/null <"$d/environ" | grep -qxF "SESSIOND_DB=$SESSIOND_TEST_DB" &&
      echo "${d#/proc/}" && return 0
  done
  return 1
}
daemon_gone() { # no process serves the test database any more
  local deadline=$((SECONDS + ${1:-10}))
  while ((SECONDS < deadline)); do
    daemon_pid >/dev/null || return 0
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
# wait_for_line REGEX [SECONDS]: poll until a screen line (its right-hand
# window's part, after the last "│") matches the extended REGEX.
wait_for_line() {
  local deadline=$((SECONDS + ${2:-15}))
  while ((SECONDS < deadline)); do
    screen | sed 's/.*│//' | grep -qE -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# wait_for_sidebar_line N: the sidebar's status line shows its cursor on line N.
wait_for_sidebar_line() {
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    screen | grep -qE "^sessiond:sessions +$1,[0-9]+ " && return 0
    sleep 0.1
  done
  return 1
}
# sidebar_lines: the sidebar's part of the screen (left of "│", status and command lines left out).
sidebar_lines() { screen | head -n -2 | sed 's/│.*//'; }
# sidebar_lacks TEXT / sidebar_shows TEXT: poll the sidebar's lines only.
sidebar_lacks() {
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    sidebar_lines | grep -qF -- "$1" || return 0
    sleep 0.1
  done
  return 1
}
sidebar_shows() {
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    sidebar_lines | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# stored_kind SEQ KIND: the store (read by `sessiond export`, not the plugin) keeps KIND for turn SEQ.
stored_kind() {
  sessiond export "$ulid" --format jsonl --db "$SESSIOND_TEST_DB" |
    python3 -c 'import json, sys
seq, kind = int(sys.argv[1]), sys.argv[2]
rows = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if any(r.get("seq") == seq and r.get("kind") == kind for r in rows) else 1)' "$1" "$2"
}
# chat_buffer_empty: the chat buffer's first line, under its bar, holds nothing typed.
chat_buffer_empty() {
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    screen | grep -A1 -F "Say to “" | tail -n1 | sed 's/.*│//' | grep -qvF "Now say it" && return 0
    sleep 0.1
  done
  return 1
}
# sidebar_order TEXT…: each TEXT is on a line of the sidebar below the one before.
sidebar_order() {
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    sidebar_lines | python3 -c 'import sys
lines = sys.stdin.read().splitlines()
at = -1
for want in sys.argv[1:]:
    rows = [i for i, l in enumerate(lines) if want in l and i > at]
    if not rows:
        sys.exit(1)
    at = rows[0]' "$@" && return 0
    sleep 0.1
  done
  sidebar_lines
  return 1
}
# wait_for_joined TEXT: TEXT on the screen, lines joined (a terminal wraps long ones).
wait_for_joined() {
  local deadline=$((SECONDS + 15))
  while ((SECONDS < deadline)); do
    screen | sed 's/ *$//' | tr -d '\n' | grep -qF -- "$1" && return 0
    sleep 0.1
  done
  return 1
}
# sidebar_at_most N: the first screen line's separator "│" (the sidebar's right
# edge) comes at or before column N+1, counted in characters.
sidebar_at_most() {
  local deadline=$((SECONDS + 10)) at
  while ((SECONDS < deadline)); do
    at=$(screen | head -n1 | python3 -c 'import sys; print(sys.stdin.read().find("│"))')
    ((at >= 10 && at <= $1)) && return 0
    sleep 0.1
  done
  echo "the sidebar's edge is at column $at"
  return 1
}

# Neovim works in .../proj/api; another project is .../elsewhere/db. Older
# sessions first (each group lists the newest activity first): one of Codex in
# the other project, ended, one continuing it, one of Claude Code here with a
# title, then one a Neovim wrote here, which the test opens.
proj=$tmp/proj/api
mkdir -p "$proj" "$tmp/elsewhere/db" "$tmp/bin"
proj=$(cd "$proj" && pwd -P)
claude_id=5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01
wal=$(other seed '{"source":"codex","sourceId":"th_wal","project":"'"$tmp/elsewhere/db"'"}' \
  "Why does my SQLite WAL file keep growing?" "A reader holds the checkpoint back.")
other end "$wal" >/dev/null
other continue "$wal" "And how do I check the checkpoint from the shell?" >/dev/null
titled=$(other seed '{"source":"claude-code","sourceId":"'$claude_id'","project":"'"$proj"'"}' \
  "Sketch a Neovim sidebar for chat sessions")
other rename "$titled" "Sidebar design" >/dev/null
reply=$'It prints the pane\'s text. From Lua:\n\n```lua\nlocal text = vim.fn.system({ "tmux", "capture-pane", "-p" })\n```'
ulid=$(other seed '{"source":"nvim","project":"'"$proj"'"}' "Explain tmux capture-pane in one line" "$reply")
check "seeded sessions from another process" test -n "$ulid"
# A stand-in for Claude Code's CLI on PATH: `claude --resume <sessionId>` is how
# its documentation reopens a session; it prints what it was given and where.
printf '#!/bin/sh\necho "claude stand-in: $* in $(pwd)"\n' >"$tmp/bin/claude"
chmod +x "$tmp/bin/claude"

# -u: UTF-8 whatever the locale, so "·", "↳" and "…" draw as themselves. 160
# columns: the sidebar takes a third (53), room for the labels checked below.
tmux -L "$sock" -u -f /dev/null new-session -d -s t -x 160 -y 40 -c "$proj" \
  "PATH='$tmp/bin':\"\$PATH\" nvim -u '$here/minimal_init.lua'"
check "Neovim started in tmux" wait_for "[No Name]"
keys ":Sessiond" Enter
check "the sidebar labels the session with its first prompt" wait_for "Explain tmux capture-pane in one line"
check "a title comes before the preview" wait_for "Sidebar design"
check "a continued session is marked" wait_for "↳ And how do I check the checkpoint"
check "the working folder's sessions come first" sidebar_order "── api (this folder)" \
  "Explain tmux capture-pane" "Sidebar design" "── other folders" "And how do I check" "Why does my SQLite"
check "a session of another program here is labelled with its source" sidebar_shows "   claude Sidebar design"
check "one of another project with its source and project" sidebar_shows "   codex·db Why does my SQLite"
check "the count says how many are here" wait_for " 4 sessions · 2 here "
check "the keys are in the sidebar's header" wait_for "<CR> open  i say  s search  u undo  d trash"
keys "g?"
check "g? lists every sidebar key" wait_for "copy its ULID"
check "g? shows the trash key too" wait_for "move it to the trash (u or :SessiondRestore brings it back)"
check "g? shows undo on u" wait_for "undo the last rename or trash"
check "g? shows 'write here' on w" wait_for "write your next turns to it (:SessiondUse)"
keys Escape
check "<Esc> closes the key list" wait_gone "copy its ULID"
keys Enter
check "<CR> opens its history beside the sidebar" wait_for "$ulid"
check "with the reply turn" wait_for "It prints the pane's text. From Lua:"
check "its header says where it was held" wait_for_line "^nvim · $proj\$"
check "a reply reads as one, not as system" wait_for_line "^#2  [0-9:]{8}  reply$"
keys ":SessiondSay And what does it print?" Enter
check ":SessiondSay while viewing the session appends to it" wait_for "#3  "
check "and the turn shows in the open history" wait_for "  And what does it print?"
check "the engine's reply streams in as turn #4" wait_for "  It reads the pane's text and prints it."
check "labelled as the model that wrote it" wait_for_line "^#4  [0-9:]{8}  nvim-test-model$"
check "the header names the model and the tokens" wait_for_line "^model nvim-test-model · tokens 20 in, 9 out, 4 read from cache$"
check "and stored as a system turn" stored_kind 4 system
check "no new session: still four in the sidebar" wait_for " 4 sessions "
check "its count grew in the sidebar" wait_for " 4  live"
other append "$ulid" command "appended by another process" >/dev/null
check "a turn from another process shows up without a key press" wait_for "  appended by another process"
check "and the sidebar counts it" wait_for " 5  live"

# The chat buffer: `i` in the history opens it below, in insert mode; <Esc>
# then <CR> sends what was typed, and the engine's reply streams in above.
keys "i"
check "i opens a chat buffer under the history" wait_for "Say to “Explain tmux capture-pane in one line”"
keys "Now say it in five words" Escape Enter
check "<CR> in the chat buffer sends it as turn #6" wait_for_line "^#6  [0-9:]{8}  prompt$"
check "the turn is in the history" wait_for "  Now say it in five words"
check "and the engine's reply streams in as turn #7" wait_for_line "^#7  [0-9:]{8}  nvim-test-model$"
check "the chat buffer is empty again" chat_buffer_empty
keys C-w k gg
check "the header's tokens grew with the second reply" wait_for_line "^model nvim-test-model · tokens 40 in, 18 out, 8 read from cache$"
capture=$(screen)

keys "/local text" Enter ":Inspect" Enter
check "the fenced block is highlighted as lua under the cursor" wait_for "@keyword.lua"
keys Escape

# d then u in the sidebar: the session goes to the trash and comes back.
keys C-w t "/Sidebar design" Enter
check "/ finds a session in the list" wait_for_sidebar_line 5
keys "d"
check "d moves the session to the trash" wait_for " 3 sessions "
check "and the sidebar no longer lists it" sidebar_lacks "Sidebar design"
keys "u"
check "u brings it back" wait_for " 4 sessions "
check "with its title" sidebar_shows "Sidebar design"
check "and says so" wait_for "restored “Sidebar design”"

# f: this folder's sessions only, then all again.
keys "f"
check "f lists this folder's sessions only" wait_for " 2 sessions in api "
check "the other project's are gone" sidebar_lacks "Why does my SQLite"
keys "f"
check "f again lists them all" sidebar_shows "── other folders"

# s: search by session (session/find), through Neovim's own vim.ui.select.
keys "s"
check "s asks for a query" wait_for "Search sessions:"
keys "capture pane" Enter
check "the picker offers sessions" wait_for "1 session for capture pane"
check "one row per session, its hits and its best turn" wait_for_line "^1: Explain tmux capture-pane in one line · [0-9]\+? hits? · "
keys Escape

# x on the Claude Code session: `sessiond resume` runs its command, here, in a terminal.
keys C-w t "/Sidebar design" Enter
check "/ finds it again" wait_for_sidebar_line 5
if sessiond resume --help >/dev/null 2>&1; then
  keys "x"
  check "x resumes it in its program, in a terminal" wait_for_joined "claude stand-in: --resume $claude_id in $proj"
  check "the terminal's bar names the command" wait_for " cd $proj && claude --resume $claude_id"
  resumed=$(screen)
  keys C-\\ C-n
else
  check "x resumes it in its program: needs \`sessiond resume\` (the CLI verb), which the sessiond on PATH lacks" false
fi

# At 80 columns the sidebar takes at most a third: the history keeps the rest.
tmux -L "$sock" resize-window -t t -x 80 -y 30
check "the sidebar is at most a third of an 80-column window" sidebar_at_most 26
keys ":qa!" Enter
check "Neovim quits" gone
check "and its daemon with it" daemon_gone

echo "--- the screen after :SessiondSay, the other process's turn and a turn from the chat buffer:"
echo "$capture"
if [ -n "${resumed:-}" ]; then
  echo "--- the screen after x on the Claude Code session:"
  echo "$resumed"
fi
if [ -n "${SESSIOND_CAPTURE:-}" ]; then echo "$capture" >"$SESSIOND_CAPTURE"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
