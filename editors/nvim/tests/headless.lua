-- Headless tests against the real daemon on a temporary database:
--   nvim --headless -u NONE -l tests/headless.lua
local H = dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local tmp = vim.fn.tempname()
vim.fn.mkdir(tmp, "p")
local db = tmp .. "/test.db"

-- `sessiond show ULID --db DB`: what a person would read, so the test trusts the store, not the plugin.
local function show(ulid, path)
  local r = vim
    .system({ "sessiond", "show", ulid, "--db", path or db }, { text = true })
    :wait(10000)
  return (r.stdout or "") .. (r.stderr or "")
end

-- Read /proc rather than run pgrep: procps is not on every fresh machine.
-- Returns the pid of the daemon serving `path`, or nil.
local function daemon_running(path)
  for _, f in ipairs(vim.fn.glob("/proc/[0-9]*/cmdline", false, true)) do
    local fh = io.open(f, "rb")
    local cmdline = fh and (fh:read("*a") or ""):gsub("%z", " ") or ""
    if fh then
      fh:close()
    end
    if cmdline:find("--db " .. path, 1, true) then
      return tonumber(f:match("^/proc/(%d+)/"))
    end
  end
  return nil
end

H.load_plugin()

test("plugin/ defines the commands without loading any module", function()
  for _, c in ipairs({ "Sessiond", "SessiondSay", "SessiondNew", "SessiondEnd" }) do
    truthy(vim.fn.exists(":" .. c) == 2, c .. " exists")
  end
  truthy(vim.fn.exists(":SessiondContinue") == 2 and vim.fn.exists(":SessiondRefresh") == 2)
  eq(nil, package.loaded["sessiond"], "package.loaded.sessiond")
  eq({ "sessiond" }, require("sessiond.config").command(), "default command without setup()")
end)

test("protocol.lua mirrors the method table of protocol.md (or the contract)", function()
  -- The repo's protocol.md, else the contract it documents (shared/ sits beside the clone in CI).
  local repo = vim.fn.fnamemodify(H.root, ":h:h")
  local doc = vim
    .iter({ repo .. "/protocol.md", repo .. "/../shared/contract.md" })
    :find(function(p)
      return vim.uv.fs_stat(p) ~= nil
    end)
  if not doc then
    return H.say("     (neither protocol.md nor shared/contract.md found: cross-check skipped)")
  end
  local text = table.concat(vim.fn.readfile(doc), "\n")
  local ours = {}
  for _, method in pairs(require("sessiond.protocol").methods) do
    if method:find("/") then
      ours[method] = true
      truthy(text:find("`" .. method .. "`", 1, true), method .. " in protocol.md")
    end
  end
  for method in text:gmatch("`((%l+)/(%l+))`") do
    truthy(ours[method], method .. " from protocol.md in protocol.lua")
  end
end)

test("a missing sessiond command is a clear message, not a stack trace", function()
  require("sessiond").setup({ cmd = { "sessiond-not-installed" }, db = db })
  local ok, err = pcall(vim.cmd, "SessiondSay hello")
  truthy(ok, "the command did not throw: " .. tostring(err))
  wait(function()
    return H.find_note("not found", vim.log.levels.ERROR)
  end, "a 'not found' notification")
  local note = H.find_note("not found")
  truthy(note.msg:find("sessiond-not-installed", 1, true), "names the command")
  truthy(not note.msg:find("traceback"), "no stack trace")
  eq(nil, require("sessiond").current(), "no session")
end)

require("sessiond").setup({ db = db })
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

local sidebar_buf
test(":Sessiond opens a left sidebar listing the seeded session", function()
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  eq("sessiond_sessions", vim.bo.filetype, "filetype")
  eq(1, vim.fn.winnr(), "leftmost window")
  wait(function()
    return H.lines():find(seeded.ulid:sub(1, 10), 1, true)
  end, "the seeded ULID in the sidebar")
  wait(function()
    return H.lines():find("How do I sort a list", 1, true)
  end, "the first prompt's opening words")
  local line = vim.fn.getline(3)
  truthy(line:find("live", 1, true) and line:find(" 2 ", 1, true), "live, 2 events: " .. line)
end)

test("<CR> opens the history buffer with its turns", function()
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. seeded.ulid
      and H.lines():find("itemgetter", 1, true)
  end, "the history buffer with both turns")
  eq("sessiond", vim.bo.filetype, "filetype")
  eq(false, vim.bo.modifiable, "modifiable")
  local text = H.lines()
  truthy(text:find("#1  %d%d:%d%d:%d%d  prompt"), "event 1 with time and kind")
  truthy(text:find("#2  %d%d:%d%d:%d%d  system"), "event 2 with time and kind")
  truthy(text:find("sort a list of tuples", 1, true), "prompt text")
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

local said
test(":SessiondSay starts a session and stores the turn (seen by sessiond show)", function()
  vim.cmd("SessiondSay hello from the headless test")
  wait(function()
    return require("sessiond").current() ~= nil
  end, "a current session")
  said = require("sessiond").current()
  eq("sessiond.nvim " .. require("sessiond").version, said.cliVersion, "cliVersion")
  wait(function()
    return show(said.ulid):find("hello from the headless test", 1, true)
  end, "the turn in `sessiond show`")
end)

test("the open sidebar and history refresh themselves after a change", function()
  vim.cmd("SessiondContinue " .. seeded.ulid)
  wait(function()
    local cur = require("sessiond").current()
    return cur and cur.parentUlid == seeded.ulid
  end, "a continued session")
  local child = require("sessiond").current()
  wait(function()
    return H.lines(sidebar_buf):find("* " .. child.ulid:sub(1, 10), 1, true)
  end, "the new current session marked in the sidebar")
  require("sessiond.history").open(child.ulid)
  wait(function()
    return H.lines():find("continues " .. seeded.ulid, 1, true)
  end, "the child's history naming its parent")
  vim.cmd("SessiondSay a turn that should appear by itself")
  wait(function()
    return H.lines():find("a turn that should appear by itself", 1, true)
  end, "the history refreshed without asking")
end)

test("c in the sidebar continues the session under the cursor", function()
  local win = vim.fn.bufwinid(sidebar_buf)
  vim.api.nvim_set_current_win(win)
  local row = vim.fn.search(seeded.ulid:sub(1, 10)) -- the seeded one, wherever it now is
  truthy(row > 0, "seeded row")
  local before = require("sessiond").current()
  vim.api.nvim_feedkeys("c", "x", false)
  wait(function()
    local cur = require("sessiond").current()
    return cur and cur.ulid ~= before.ulid and cur.parentUlid == seeded.ulid
  end, "a second continuation")
  local cur = require("sessiond").current()
  wait(function()
    return H.lines(sidebar_buf):find("* " .. cur.ulid:sub(1, 10), 1, true)
  end, "the continuation listed")
  local line = vim.api.nvim_buf_get_lines(
    sidebar_buf,
    vim.fn.line(".", win) - 1,
    vim.fn.line(".", win),
    false
  )[1]
  truthy(line:find(seeded.ulid:sub(1, 10), 1, true), "cursor still on the seeded session: " .. line)
end)

test(":SessiondEnd ends the current session; the sidebar says so", function()
  local cur = require("sessiond").current()
  vim.cmd("SessiondEnd")
  wait(function()
    return require("sessiond").current() == nil
  end, "no current session")
  local _, s = client.request_sync(m.get, { ulid = cur.ulid })
  truthy(s.endedAt, "endedAt set")
  wait(function()
    return H.lines(sidebar_buf):find(cur.ulid:sub(1, 10) .. " [^\n]* ended")
  end, "'ended' in the sidebar")
end)

test(":SessiondNew starts a session; :SessiondContinue alone continues the current one", function()
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
  local pid = truthy(daemon_running(db), "the daemon's pid")
  vim.uv.kill(pid, "sigkill")
  wait(function()
    return H.find_note("the daemon exited", vim.log.levels.WARN)
  end, "a warning that it exited")
  eq("stopped", client.status(), "status")
  local text = "said after the daemon was restarted"
  vim.cmd("SessiondSay " .. text)
  wait(function()
    return show(require("sessiond").current().ulid):find(text, 1, true)
  end, "the turn stored by the new daemon")
end)

test("daemon errors reach vim.notify with the daemon's message", function()
  local err = client.request_sync(m.append, { sessionId = 987654, kind = "prompt", text = "x" })
  eq(1001, err.code, "SessionNotFound")
  truthy(err.message ~= "", "a message")
  truthy(H.find_note("sessiond: " .. err.message, vim.log.levels.ERROR), "notified")
end)

test("a command's daemon error (text over maxTextBytes) is notified", function()
  require("sessiond").setup({ cmd = { "sessiond", "--max-text-bytes", "16" }, db = db })
  local before = #H.notes
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
  truthy(text:find("database: " .. db, 1, true), "database path\n" .. text)
  truthy(
    text:find("OK initialize → session/last answered by sessiond", 1, true),
    "round trip\n" .. text
  )
  truthy(not text:find("ERROR", 1, true), "no error\n" .. text)
  vim.cmd("tabclose")
end)

test("VimLeavePre shuts the daemon down (shutdown, exit)", function()
  eq("ready", client.status(), "running before")
  truthy(daemon_running(db), "a daemon serving the test database")
  H.notes = {} -- only what this stop says counts below
  vim.api.nvim_exec_autocmds("VimLeavePre", {})
  eq("stopped", client.status(), "status after")
  wait(function()
    return not daemon_running(db)
  end, "the daemon process to end")
  truthy(not H.find_note("exited", vim.log.levels.WARN), "no 'exited' warning for a planned stop")
end)

test("vimdoc: helptags builds without errors", function()
  local doc = tmp .. "/doc"
  vim.fn.mkdir(doc, "p")
  vim.fn.writefile(vim.fn.readfile(H.root .. "/doc/sessiond.txt"), doc .. "/sessiond.txt")
  vim.cmd("helptags " .. vim.fn.fnameescape(doc))
  local tags = table.concat(vim.fn.readfile(doc .. "/tags"), "\n")
  for _, tag in ipairs({ "sessiond.txt", ":Sessiond", ":SessiondSay", "sessiond-config" }) do
    truthy(tags:find(tag .. "\t", 1, true), "tag " .. tag)
  end
end)

H.finish()
