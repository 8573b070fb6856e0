-- Protocol version 3 against the real daemon (issues 21, 22, 28): sessions
-- Neovim starts say `source: "nvim"` and the working folder; the sidebar lists
-- that folder's sessions first (`f`: only them), by last activity, labelled
-- with their source and project when they are not this folder's; a history's
-- header names its models and tokens and replies read as their model;
-- :SessiondSearch is `session/find`, one row per session opened at its best
-- turn; `x` and :SessiondResume run `sessiond resume` in a terminal.
--   nvim --headless -u NONE -l tests/spec/v3.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db, tmp = H.tmpdb()
-- The working folder is ".../proj/api"; another project is ".../elsewhere/web".
vim.fn.mkdir(tmp .. "/proj/api/sub", "p")
vim.fn.mkdir(tmp .. "/elsewhere/web", "p")
vim.cmd.cd(vim.fn.fnameescape(tmp .. "/proj/api"))
local work = vim.fn.getcwd()
local web = vim.fn.fnamemodify(work .. "/../../elsewhere/web", ":p"):gsub("/$", "")

H.load_plugin()
-- A wide sidebar, so that labels are whole.
require("sessiond").setup({ db = db, width = 64, max_share = 1 })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods
local sidebar = require("sessiond.sidebar")
local workspace = require("sessiond.workspace")

test("the daemon on PATH speaks protocol version 3", function()
  eq(nil, (client.request_sync(m.last, vim.empty_dict())), "session/last")
  eq(3, client.protocol_version(), "protocolVersion announced by `sessiond` on PATH")
end)
H.needs(
  "protocol version 3, which the daemon on PATH does not speak",
  client.protocol_version() >= 3
)

-- A session as an import would have it: source, its id there, project, branch.
local function seed(params, turns)
  params = vim.tbl_extend("force", { cliVersion = "seed 1" }, params)
  local _, s = client.request_sync(m.start, params)
  for i, turn in ipairs(turns) do
    local p = type(turn) == "table" and turn or { text = turn }
    p.sessionId, p.kind = s.id, p.kind or (i % 2 == 1 and "prompt" or "system")
    local err = client.request_sync(m.append, p)
    assert(not err, vim.inspect(err))
  end
  return s
end

local CLAUDE_ID = "5d0f1a52-8c3e-4b7a-9f21-3e6b2c1d4a01"
local claude = seed(
  { source = "claude-code", sourceId = CLAUDE_ID, project = work, branch = "main" },
  {
    "Fix the CI cache",
    {
      text = "Restore the cache keyed on the lockfile hash; that fixes it.",
      meta = {
        model = "claude-sonnet-4-5",
        usage = {
          inputTokens = 1200,
          outputTokens = 3400,
          cacheReadTokens = 52000,
          cacheWriteTokens = 8100,
        },
      },
    },
  }
)
local codex = seed(
  { source = "codex", sourceId = "th_1", project = web },
  { "Port the web client" }
)
local legacy = seed({}, { "An old note without a folder" })

local mine
test("a session Neovim starts says source nvim and the working folder as its project", function()
  local done
  require("sessiond").say("Started from Neovim here", function(err, res)
    done = { err = err, res = res }
  end)
  wait(function()
    return done
  end, ":SessiondSay")
  eq(nil, done.err, "no error")
  mine = require("sessiond").current()
  local _, s = client.request_sync(m.get, { ulid = mine.ulid })
  eq("nvim", s.source, "source")
  eq(work, s.project, "project: the working folder")
end)

local sidebar_buf
local function row(text)
  return H.line_of(sidebar_buf, text)
end
local function line(text)
  return vim.fn.getbufline(sidebar_buf, row(text))[1]
end

test("the sidebar lists the working folder's sessions first, then the others", function()
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  wait(function()
    return row("Fix the CI cache") and row("Port the web client") and row("An old note")
  end, "every session listed")
  local here, others = row("── api (this folder)"), row("── other folders")
  truthy(here and others, H.lines(sidebar_buf))
  for _, text in ipairs({ "Fix the CI cache", "Started from Neovim here" }) do
    truthy(row(text) > here and row(text) < others, text .. " in this folder's group")
  end
  for _, text in ipairs({ "Port the web client", "An old note" }) do
    truthy(row(text) > others, text .. " among the others")
  end
  truthy(vim.fn.getbufline(sidebar_buf, 1)[1]:find("4 sessions · 2 here", 1, true), "the count")
  -- Newest activity first: the Neovim session had the last turn.
  truthy(row("Started from Neovim here") < row("Fix the CI cache"), H.lines(sidebar_buf))
  truthy(row("An old note") < row("Port the web client"), "the others by activity too")
end)

test("labels show the source (short) and the project when they are not this folder's", function()
  truthy(line("Fix the CI cache"):find("^   claude Fix the CI cache "), line("Fix the CI cache"))
  truthy(line("Port the web client"):find("^   codex·web Port the web client "), line("Port"))
  truthy(line("Started from Neovim here"):find("^%*  Started from Neovim here "), line("Started"))
  truthy(line("An old note"):find("^   An old note without a folder "), line("An old note"))
  local r = row("Port the web client")
  truthy(H.groups_at(sidebar_buf, r, 4).SessiondWhere, "the source and project are dim")
  truthy(H.groups_at(sidebar_buf, r, 14).SessiondPreview, "the name is not")
end)

test("a turn moves its session up its group; a new one lands in its folder's group", function()
  client.request_sync(
    m.append,
    { sessionId = claude.id, kind = "prompt", text = "And the cache key?" }
  )
  wait(function()
    return row("Fix the CI cache") < row("Started from Neovim here")
  end, "the session with the newest turn first")
  seed({ source = "codex", project = work .. "/sub" }, { "A session of a subfolder" })
  seed({ source = "gemini-cli", project = web }, { "Another web session" })
  wait(function()
    return row("A session of a subfolder") and row("Another web session")
  end, "both listed")
  local others = row("── other folders")
  truthy(row("A session of a subfolder") < others, "a subfolder is this folder's")
  truthy(line("A session of a subfolder"):find("codex·sub A session", 1, true), "named sub")
  truthy(row("Another web session") > others, "another project's among the others")
  truthy(line("Another web session"):find("gemini·web Another", 1, true), "gemini, short")
end)

test("f lists this folder's sessions only, and f again all of them", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(sidebar_buf))
  vim.api.nvim_feedkeys("f", "x", false)
  wait(function()
    return vim.fn.getbufline(sidebar_buf, 1)[1]:find("3 sessions in api", 1, true)
      and not row("Port the web client")
  end, "only this folder's")
  truthy(row("Fix the CI cache") and row("A session of a subfolder"), H.lines(sidebar_buf))
  eq(true, (sidebar.scope()), "scope")
  vim.api.nvim_feedkeys("f", "x", false)
  wait(function()
    return row("Port the web client") and row("── other folders")
  end, "all again")
end)

test(":cd to another project lists its sessions first", function()
  vim.cmd.cd(vim.fn.fnameescape(web))
  wait(function()
    return row("── web (this folder)")
  end, "the new folder's group")
  local others = row("── other folders")
  truthy(row("Port the web client") < others and row("Another web session") < others, "web's first")
  truthy(line("Port the web client"):find("^   codex Port", 1, false), "its project is here now")
  truthy(row("Fix the CI cache") > others, "api's among the others")
  truthy(line("Fix the CI cache"):find("claude·api Fix", 1, true), line("Fix the CI cache"))
  vim.cmd.cd(vim.fn.fnameescape(work))
  wait(function()
    return row("── api (this folder)")
  end, "back")
end)

local function open_history(s)
  local drawn
  vim.cmd("wincmd l")
  require("sessiond.history").open(s.ulid, nil, {
    on_drawn = function(buf)
      drawn = buf
    end,
  })
  wait(function()
    return drawn
  end, "the history of " .. s.ulid)
  return drawn
end

test("a history's header says where it was held, its models and tokens", function()
  local buf = open_history(claude)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, 4, false)
  eq("claude-code · " .. workspace.shown(work) .. " · branch main", lines[3], "where")
  eq(
    "model claude-sonnet-4-5 · tokens 1,200 in, 3,400 out, 52,000 read from cache, 8,100 written to cache",
    lines[4],
    "models and tokens"
  )
  local reply = H.line_of(buf, "Restore the cache keyed") - 1
  truthy(
    vim.fn.getbufline(buf, reply)[1]:find("^#2  %d%d:%d%d:%d%d  claude%-sonnet%-4%-5$"),
    "#2 names its model"
  )
end)

test("a reply with another model: the header follows in place, the reply names it", function()
  local buf = vim.fn.bufnr("sessiond://" .. claude.ulid)
  client.request_sync(m.append, {
    sessionId = claude.id,
    kind = "system",
    text = "Key it on the hash of package-lock.json.",
    meta = { model = "gpt-5", usage = { inputTokens = 100, outputTokens = 50 } },
  })
  wait(function()
    return H.line_of(buf, "Key it on the hash")
  end, "the reply in the open history")
  wait(function()
    return vim.fn.getbufline(buf, 4)[1]
      == "models claude-sonnet-4-5, gpt-5 · tokens 1,300 in, 3,450 out, 52,000 read from cache, 8,100 written to cache"
  end, "both models and the new sums: " .. vim.fn.getbufline(buf, 4)[1])
  local head = vim.fn.getbufline(buf, H.line_of(buf, "Key it on the hash") - 1)[1]
  truthy(head:find("^#4  %d%d:%d%d:%d%d  gpt%-5$"), head)
  local _, s = client.request_sync(m.get, { ulid = claude.ulid })
  eq(1300, s.usage.inputTokens, "the daemon's sum agrees")
end)

test("a session that knows none of it has no such lines", function()
  local buf = open_history(legacy)
  eq(2, require("sessiond.history").state(buf).top_lines, "title and facts only")
  truthy(not H.lines(buf):find("tokens", 1, true), H.lines(buf))
end)

test(
  ":SessiondSearch finds sessions: one row each, its hits, its best turn, opened there",
  function()
    H.pick_with(function(items)
      return items[1]
    end)
    vim.cmd("SessiondSearch cache")
    wait(function()
      return vim.api.nvim_buf_get_name(0) == "sessiond://" .. claude.ulid
        and vim.fn.getline("."):find("cache", 1, true)
    end, "the history open on its best turn")
    eq(1, #H.picked.items, "one session")
    local shown = H.picked.opts.format_item(H.picked.items[1])
    truthy(shown:find("^claude Fix the CI cache · 3%+ hits · "), shown)
    truthy(shown:find("«cache»", 1, true), "the best turn's match marked: " .. shown)
    truthy(H.picked.opts.prompt:find("1 session for cache", 1, true), H.picked.opts.prompt)
    local best = H.picked.items[1].hits[1]
    local st = require("sessiond.history").state(0)
    local at = vim.fn.line(".") - 1
    truthy(
      at > st.rows[best.seq] and (not st.rows[best.seq + 1] or at < st.rows[best.seq + 1]),
      "on turn #" .. best.seq
    )
  end
)

test("when no session holds every word, the closest ones, said so", function()
  H.pick_with(function()
    return nil
  end)
  vim.cmd("SessiondSearch lockfile zebrafinch")
  wait(function()
    return H.picked and H.picked.opts.prompt:find("zebrafinch", 1, true)
  end, "the picker")
  truthy(
    H.picked.opts.prompt:find("1 closest session (not every word)", 1, true),
    H.picked.opts.prompt
  )
end)

test("a session only its title matches: its row says so, and it opens", function()
  client.request_sync(m.rename, { sessionId = codex.id, title = "Quarterly planning" })
  H.pick_with(function(items)
    return items[1]
  end)
  vim.cmd("SessiondSearch quarterly")
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. codex.ulid
  end, "its history")
  local shown = H.picked.opts.format_item(H.picked.items[1])
  truthy(shown:find("^codex·web Quarterly planning · title matches · "), shown)
end)

test(":SessiondSearch! lists each result's hits in the quickfix list, on their lines", function()
  H.picked = nil
  vim.cmd("SessiondSearch! cache")
  wait(function()
    return #vim.fn.getqflist() >= 3
  end, "the quickfix list")
  local qf = vim.fn.getqflist({ title = true, items = true })
  truthy(qf.title:find("1 session for cache", 1, true), qf.title)
  for _, item in ipairs(qf.items) do
    eq("sessiond://" .. claude.ulid, vim.api.nvim_buf_get_name(item.bufnr), "its history")
    local text = vim.fn.getbufline(item.bufnr, item.lnum)[1]:lower()
    truthy(text:find("cache", 1, true), "on a line of the match: " .. text)
  end
  eq(nil, H.picked, "no picker")
  vim.cmd("cclose")
end)

test(":SessiondResume on a Neovim session goes on here, in its chat buffer", function()
  H.notes = {}
  vim.cmd("SessiondResume " .. mine.ulid:sub(1, 12))
  wait(function()
    return vim.bo.filetype == "sessiond_chat"
  end, "the chat buffer")
  eq(mine.id, require("sessiond.chat.buffer").target(0).id, "of that session")
  truthy(H.find_note("was held in Neovim: it goes on here"), vim.inspect(H.notes))
  vim.cmd("stopinsert")
end)

-- `sessiond resume` (its --print first) and the terminal it runs in. The
-- program is a stand-in for Claude Code's CLI on PATH: `claude --resume
-- <sessionId>` is how Claude Code's documentation reopens a session; it
-- prints what it was given and where it runs.
local has_resume = vim.system({ "sessiond", "resume", "--help" }, { text = true }):wait().code == 0
H.needs(
  "`sessiond resume ULID [--print]` (the CLI verb), which the sessiond on PATH lacks",
  has_resume
)

local bin = tmp .. "/bin"
vim.fn.mkdir(bin, "p")
vim.fn.writefile({
  "#!/bin/sh",
  'echo "claude stand-in: $* in $(pwd)"',
}, bin .. "/claude")
vim.fn.setfperm(bin .. "/claude", "rwxr-xr-x")
vim.env.PATH = bin .. ":" .. vim.env.PATH

local function terminals()
  return vim.tbl_filter(function(b)
    return vim.bo[b].buftype == "terminal"
  end, vim.api.nvim_list_bufs())
end

test("x in the sidebar resumes a session in its program, in its folder, in a terminal", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(sidebar_buf))
  vim.api.nvim_win_set_cursor(0, { row("Fix the CI cache"), 0 })
  H.notes = {}
  vim.api.nvim_feedkeys(vim.keycode("<Esc>x"), "x", false) -- <Esc>: out of the chat buffer's insert mode
  local want = ("claude stand-in: --resume %s in %s"):format(CLAUDE_ID, work)
  -- The terminal wraps long lines at its width: read them joined.
  wait(function()
    return vim.iter(terminals()):any(function(b)
      return H.lines(b):gsub("\n", ""):find(want, 1, true) ~= nil
    end)
  end, "the program's output in a terminal")
  eq("terminal", vim.bo.buftype, "the terminal has the focus")
  truthy(H.find_note("resuming “Fix the CI cache” in claude-code"), vim.inspect(H.notes))
  local bar = vim.wo.winbar
  truthy(
    bar:find("cd " .. work .. " && claude --resume " .. CLAUDE_ID, 1, true),
    "the command in its bar: " .. bar
  )
  vim.cmd("stopinsert")
end)

test("a session no program reopens is a message, not a terminal", function()
  local before = #terminals()
  H.notes = {}
  local done
  require("sessiond").resume(legacy.ulid:sub(1, 12), function(err)
    done = err or {}
  end)
  wait(function()
    return done
  end, "an answer")
  truthy(H.find_note("cannot reopen it", vim.log.levels.WARN), vim.inspect(H.notes))
  eq(before, #terminals(), "no new terminal")
end)

client.stop()
H.finish()
