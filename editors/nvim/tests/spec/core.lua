-- The plugin's main paths against the real daemon on a temporary database:
--   nvim --headless -u NONE -l tests/spec/core.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db = H.tmpdb()
H.load_plugin()

local COMMANDS = {
  "Sessiond",
  "SessiondSay",
  "SessiondNew",
  "SessiondEnd",
  "SessiondContinue",
  "SessiondUse",
  "SessiondRefresh",
  "SessiondSearch",
  "SessiondRestore",
  "SessiondImport",
}

test("plugin/ defines the commands without loading any module", function()
  for _, c in ipairs(COMMANDS) do
    truthy(vim.fn.exists(":" .. c) == 2, c .. " exists")
  end
  eq(nil, package.loaded["sessiond"], "package.loaded.sessiond")
  eq({ "sessiond" }, require("sessiond.config").command(), "default command without setup()")
end)

test("a missing command on $PATH is a clear message, not a stack trace", function()
  require("sessiond").setup({ cmd = { "sessiond-not-installed" }, db = db })
  local ok, err = pcall(vim.cmd, "SessiondSay hello")
  truthy(ok, "the command did not throw: " .. tostring(err))
  wait(function()
    return H.find_note("sessiond-not-installed", vim.log.levels.ERROR)
  end, "an error naming the command")
  local note = H.find_note("sessiond-not-installed")
  truthy(note.msg:find("is not on $PATH", 1, true), note.msg)
  truthy(not note.msg:find("traceback"), "no stack trace")
  eq(nil, require("sessiond").current(), "no session")
end)

test("a missing absolute path says the file does not exist, not 'not on $PATH'", function()
  H.notes = {}
  require("sessiond").setup({ cmd = { "/opt/nowhere/bin/sessiond" }, db = db })
  vim.cmd("SessiondNew")
  wait(function()
    return H.find_note("/opt/nowhere/bin/sessiond", vim.log.levels.ERROR)
  end, "an error naming the path")
  local msg = H.find_note("/opt/nowhere/bin/sessiond").msg
  truthy(msg:find("does not exist", 1, true), msg)
  truthy(not msg:find("PATH", 1, true), "no word of $PATH: " .. msg)
end)

-- max_share = 1: the sidebar keeps its full 64 columns in this 80-column
-- headless editor (the third it takes by default is tests/spec/sidebar.lua's).
require("sessiond").setup({ db = db, max_share = 1 })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods
local seeded -- Session

test("seed a session through the plugin's client (initialize first)", function()
  local err
  err, seeded = client.request_sync(m.start, { cliVersion = "seed 1" })
  eq(nil, err, "session/start error")
  eq("sessiond", client.info().server_info.name, "serverInfo.name")
  eq(nil, (client.request_sync(m.append, {
    sessionId = seeded.id,
    kind = "prompt",
    text = "How do I sort a list of tuples by the second item?",
  })))
  eq(nil, (client.request_sync(m.append, {
    sessionId = seeded.id,
    kind = "system",
    text = "Use sorted(xs, key=lambda t: t[1]).\nOr itemgetter.",
  })))
end)

local first -- the session :SessiondSay starts
test(":SessiondSay with nothing in view starts a session (seen by sessiond show)", function()
  vim.cmd("SessiondSay hello from the headless test")
  wait(function()
    return require("sessiond").current() ~= nil
  end, "a current session")
  first = require("sessiond").current()
  eq("sessiond.nvim " .. require("sessiond").version, first.cliVersion, "cliVersion")
  truthy(first.ulid ~= seeded.ulid, "a new session, not the seeded one")
  wait(function()
    return H.show(first.ulid, db):find("hello from the headless test", 1, true)
  end, "the turn in `sessiond show`")
end)

local sidebar_buf
test(":Sessiond opens a left sidebar: labels first, then time, turns and state", function()
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  eq("sessiond_sessions", vim.bo.filetype, "filetype")
  eq(1, vim.fn.winnr(), "leftmost window")
  wait(function()
    return H.line_of(sidebar_buf, "How do I sort a list of tuples")
  end, "the first prompt as the label")
  local line = vim.fn.getline(H.line_of(sidebar_buf, "How do I sort"))
  truthy(line:find("live$") and line:find(" 2  live", 1, true), "2 turns, live: " .. line)
  truthy(line:find("^%*? +How do I sort"), "the label comes first: " .. line)
  truthy(H.lines(sidebar_buf):find("hello from the headless test", 1, true), "the said session")
  local said = vim.fn.getline(H.line_of(sidebar_buf, "hello from the headless"))
  truthy(said:find("^%*"), "* marks the current session: " .. said)
  local top = vim.fn.getline(1) .. "\n" .. vim.fn.getline(2)
  truthy(
    top:find("2 sessions", 1, true) and top:find("g? all keys", 1, true),
    "count and g?: " .. top
  )
  truthy(
    top:find("<CR> open", 1, true) and top:find("d trash", 1, true),
    "keys in the header: " .. top
  )
end)

test("<CR> opens the history in a normal window: title, facts, turns", function()
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, "How do I sort"), 0 })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. seeded.ulid
      and H.lines():find("itemgetter", 1, true)
  end, "the history buffer with both turns")
  truthy(
    vim.api.nvim_get_current_win() ~= vim.fn.bufwinid(sidebar_buf),
    "not in the sidebar's window"
  )
  eq(2, #vim.api.nvim_tabpage_list_wins(0), "sidebar + one normal window")
  eq("sessiond", vim.bo.filetype, "filetype")
  eq(false, vim.bo.modifiable, "modifiable")
  eq(false, vim.bo.modeline, "modeline off: stored text is never read as settings")
  eq(
    "How do I sort a list of tuples by the second item?",
    vim.fn.getline(1),
    "title line: the preview"
  )
  truthy(
    vim.fn.getline(2):find("^live · 2 events · started .* · seed 1 · " .. seeded.ulid .. "$"),
    "facts: " .. vim.fn.getline(2)
  )
  local text = H.lines()
  truthy(text:find("#1  %d%d:%d%d:%d%d  prompt"), "event 1 with time and kind")
  -- A reply reads as the assistant's ("reply"), never "system"; the wire keeps `system`.
  truthy(text:find("#2  %d%d:%d%d:%d%d  reply\n"), "event 2 with time, labelled a reply")
  truthy(not text:find("system", 1, true), "no turn labelled system")
  local _, stored = client.request_sync(m.events, { sessionId = seeded.id, limit = 2 })
  eq("system", stored.events[2].kind, "the stored kind")
  local groups = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, -1, 0, -1, { details = true })) do
    groups[mark[4].hl_group] = true
  end
  truthy(groups.SessiondPrompt and groups.SessiondSystem, "kinds highlighted")
  eq("Function", vim.api.nvim_get_hl(0, { name = "SessiondPrompt" }).link, "default link")
end)

test("highlight groups are the user's to override", function()
  vim.api.nvim_set_hl(0, "SessiondPrompt", { fg = "#ff0000" })
  vim.cmd("doautocmd ColorScheme")
  eq(0xff0000, vim.api.nvim_get_hl(0, { name = "SessiondPrompt" }).fg, "user colour kept")
end)

test(":SessiondSay while viewing a live session writes to it and makes it current", function()
  local view_win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_cursor(0, { 1, 0 }) -- not following: the cursor must stay
  vim.cmd("SessiondSay a turn for the session in view")
  wait(function()
    return H.lines():find("a turn for the session in view", 1, true)
  end, "the turn in the open history, without a refresh")
  eq(seeded.id, require("sessiond").current().id, "current is the session in view")
  eq({ 1, 0 }, vim.api.nvim_win_get_cursor(0), "the cursor did not move")
  eq(view_win, vim.api.nvim_get_current_win(), "focus stayed")
  wait(function()
    return H.show(seeded.ulid, db):find("a turn for the session in view", 1, true)
  end, "stored in the seeded session")
  truthy(
    not H.show(first.ulid, db):find("a turn for the session in view", 1, true),
    "not in the old current"
  )
  wait(function()
    local row = H.line_of(sidebar_buf, "How do I sort")
    return row and vim.api.nvim_buf_get_lines(sidebar_buf, row - 1, row, false)[1]:find("^%*")
  end, "the * moved to it in the sidebar")
end)

test(":SessiondSay while viewing an ended session continues it; links join the two", function()
  vim.cmd("SessiondEnd")
  wait(function()
    return vim.fn.getline(2):find("^ended ")
  end, "the open history says ended")
  local win = vim.api.nvim_get_current_win()
  vim.cmd("SessiondSay going on after the end")
  wait(function()
    local cur = require("sessiond").current()
    return cur
      and cur.parentUlid == seeded.ulid
      and H.lines():find("going on after the end", 1, true)
  end, "a continuation, shown in the same window, with the turn")
  eq(win, vim.api.nvim_get_current_win(), "same window")
  local child = require("sessiond").current()
  eq("sessiond://" .. child.ulid, vim.api.nvim_buf_get_name(0), "the window shows the continuation")
  local link = H.line_of(0, "↰ continues")
  truthy(link and link <= 4, "a 'continues' link at the top")
  truthy(vim.fn.getline(link):find(seeded.ulid, 1, true), vim.fn.getline(link))
  truthy(
    vim.fn.getline(link):find("How do I sort", 1, true),
    "the parent's label: " .. vim.fn.getline(link)
  )
  vim.api.nvim_win_set_cursor(0, { link, 0 })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. seeded.ulid
      and H.line_of(0, "↳ continued in")
  end, "<CR> opens the parent, which links to its continuation at the bottom")
  local back = H.line_of(0, "↳ continued in")
  eq(vim.api.nvim_buf_line_count(0), back, "the link is the last line")
  truthy(vim.fn.getline(back):find(child.ulid, 1, true), vim.fn.getline(back))
  vim.api.nvim_feedkeys("q", "x", false)
  eq("sessiond://" .. child.ulid, vim.api.nvim_buf_get_name(0), "q goes back to the continuation")
end)

test(
  ":SessiondUse makes a live session current; an ended one is refused with the way on",
  function()
    vim.cmd("SessiondUse " .. first.ulid:sub(1, 12))
    wait(function()
      return require("sessiond").current().id == first.id
    end, "the first session current again")
    H.notes = {}
    vim.cmd("SessiondUse " .. seeded.ulid)
    wait(function()
      return H.find_note("has ended: :SessiondContinue " .. seeded.ulid, vim.log.levels.WARN)
    end, "a warning naming :SessiondContinue")
    eq(first.id, require("sessiond").current().id, "current unchanged")
    local done = vim.fn.getcompletion("SessiondUse " .. first.ulid:sub(1, 8), "cmdline")
    truthy(vim.tbl_contains(done, first.ulid), "ULID completion")
  end
)

test("c in the sidebar continues the session under the cursor; the cursor stays on it", function()
  local win = vim.fn.bufwinid(sidebar_buf)
  vim.api.nvim_set_current_win(win)
  local row = H.line_of(sidebar_buf, "hello from the headless")
  vim.api.nvim_win_set_cursor(win, { row, 0 })
  vim.api.nvim_feedkeys("c", "x", false)
  wait(function()
    local cur = require("sessiond").current()
    return cur and cur.parentUlid == first.ulid
  end, "a continuation of the first session")
  wait(function()
    return #vim.tbl_filter(function(l)
      return l:find("↳", 1, true)
    end, vim.api.nvim_buf_get_lines(sidebar_buf, 0, -1, false)) >= 2
  end, "continued sessions marked ↳ in the sidebar")
  local line = vim.api.nvim_buf_get_lines(
    sidebar_buf,
    vim.fn.line(".", win) - 1,
    vim.fn.line(".", win),
    false
  )[1]
  truthy(line:find("hello from the headless", 1, true), "cursor still on its session: " .. line)
end)

local function ended_rows()
  return #vim.tbl_filter(function(l)
    return l:find(" ended$") ~= nil
  end, vim.api.nvim_buf_get_lines(sidebar_buf, 0, -1, false))
end

test(":SessiondEnd ends the current session; the sidebar says so", function()
  local cur = require("sessiond").current()
  local before = ended_rows()
  vim.cmd("SessiondEnd")
  wait(function()
    return require("sessiond").current() == nil
  end, "no current session")
  local _, s = client.request_sync(m.get, { ulid = cur.ulid })
  truthy(s.endedAt, "endedAt set")
  wait(function()
    return ended_rows() == before + 1
  end, "one more 'ended' in the sidebar")
end)

test(":SessiondNew starts a session; :SessiondContinue alone continues the current one", function()
  vim.cmd("wincmd l")
  vim.cmd("enew") -- nothing in view
  vim.cmd("SessiondNew")
  wait(function()
    return require("sessiond").current() ~= nil
  end, "a new session")
  local fresh = require("sessiond").current()
  eq(nil, fresh.parentUlid, "no parent")
  vim.cmd("SessiondContinue")
  wait(function()
    local cur = require("sessiond").current()
    return cur and cur.parentUlid == fresh.ulid
  end, "a continuation of the new session")
  local done = vim.fn.getcompletion("SessiondContinue " .. fresh.ulid:sub(1, 6), "cmdline")
  truthy(vim.tbl_contains(done, fresh.ulid), "ULID completion offers it")
end)

test("a daemon that dies is reported, and the next command starts a new one", function()
  local pid = truthy(H.daemon_running(db), "the daemon's pid")
  vim.uv.kill(pid, "sigkill")
  wait(function()
    return H.find_note("the daemon exited", vim.log.levels.WARN)
  end, "a warning that it exited")
  eq("stopped", client.status(), "status")
  local text = "said after the daemon was restarted"
  vim.cmd("SessiondSay " .. text)
  wait(function()
    return H.show(require("sessiond").current().ulid, db):find(text, 1, true)
  end, "the turn stored by the new daemon")
end)

test("daemon errors reach vim.notify with the daemon's message, at the code's level", function()
  local err = client.request_sync(m.append, { sessionId = 987654, kind = "prompt", text = "x" })
  eq(1001, err.code, "SessionNotFound")
  truthy(err.message ~= "", "a message")
  truthy(H.find_note("sessiond: " .. err.message, vim.log.levels.ERROR), "notified")
  local missing = client.request_sync("session/nosuchmethod", vim.empty_dict())
  eq(-32601, missing.code, "MethodNotFound")
  truthy(missing.message:find("does not offer session/nosuchmethod", 1, true), missing.message)
  truthy(
    missing.message:find("install a newer sessiond", 1, true),
    "the way on: " .. missing.message
  )
  eq(vim.log.levels.WARN, client.level_for_code(1003), "SessionEnded is a warning")
  eq(vim.log.levels.WARN, client.level_for_code(1006), "EngineError is a warning")
  eq(vim.log.levels.ERROR, client.level_for_code(1005), "StorageError is an error")
end)

test("a command's daemon error (text over maxTextBytes) is notified", function()
  require("sessiond").setup({ cmd = { "sessiond", "--max-text-bytes", "16" }, db = db })
  local before = #H.notes
  vim.cmd("SessiondNew")
  wait(function()
    return require("sessiond").current() ~= nil
  end, "a session on the new daemon")
  vim.cmd("SessiondSay this prompt is longer than sixteen bytes")
  wait(function()
    for i = before + 1, #H.notes do
      if H.notes[i].level == vim.log.levels.ERROR then
        return true
      end
    end
  end, "an error notification")
  local direct = client.request_sync(m.append, {
    sessionId = require("sessiond").current().id,
    kind = "prompt",
    text = string.rep("x", 17),
  })
  eq(1004, direct.code, "PayloadTooLarge")
  require("sessiond").setup({ db = db })
end)

test(":checkhealth sessiond reports command, version, database and a round trip", function()
  vim.cmd("silent checkhealth sessiond")
  local text = H.lines()
  truthy(text:find("OK command found", 1, true), "command found\n" .. text)
  truthy(text:find("--version`: ", 1, true), "version line\n" .. text)
  truthy(
    text:find("database: " .. db .. " (SQLite", 1, true),
    "database path and backend\n" .. text
  )
  truthy(
    text:find("OK initialize → session/last answered by sessiond", 1, true),
    "round trip\n" .. text
  )
  truthy(text:find("notifications: ", 1, true) and text:find("chat: ", 1, true), "offers\n" .. text)
  truthy(not text:find("ERROR", 1, true), "no error\n" .. text)
  vim.cmd("tabclose")
end)

test("VimLeavePre shuts the daemon down (shutdown, exit)", function()
  eq("ready", client.status(), "running before")
  truthy(H.daemon_running(db), "a daemon serving the test database")
  H.notes = {} -- only what this stop says counts below
  vim.api.nvim_exec_autocmds("VimLeavePre", {})
  eq("stopped", client.status(), "status after")
  wait(function()
    return not H.daemon_running(db)
  end, "the daemon process to end")
  truthy(not H.find_note("exited", vim.log.levels.WARN), "no 'exited' warning for a planned stop")
end)

H.finish()
