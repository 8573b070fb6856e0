-- The public face: setup() (optional) and what the commands do. The top
-- floor: nothing requires it. Other modules are required inside functions so
-- `require("sessiond")` stays cheap.
local config = require("sessiond.config")

local M = {}

M.version = require("sessiond.version")

local function current()
  return require("sessiond.current")
end

local function in_view()
  return require("sessiond.focus").in_view()
end

--- Sets the options (see |sessiond-config|). Optional: the defaults apply without it.
---@param opts? table a partial sessiond.Config
function M.setup(opts)
  local before = { config.command(), config.env() }
  config.set(opts)
  if package.loaded["sessiond.chat"] then
    require("sessiond.chat").reset() -- an engine may be set now
  end
  if package.loaded["sessiond.import.sources"] then
    require("sessiond.import.sources").reset() -- another command may know other sources
  end
  -- A new command or database means a new daemon, started on next use.
  local now = { config.command(), config.env() }
  if package.loaded["sessiond.client"] and not vim.deep_equal(before, now) then
    require("sessiond.client").stop()
    current().reset()
    M.changed() -- open views show the new store
  end
end

--- The session this Neovim writes to, or nil.
---@return sessiond.Session?
function M.current()
  return current().get()
end

--- Redraws whatever is open after a change the daemon does not report (protocol 1).
function M.changed()
  if package.loaded["sessiond.changes"] then
    require("sessiond.changes").emit("reread") -- only loaded views listen
  end
end

--- :SessiondSay: sends `text` as a prompt to the session in view when it is
--- live, to a continuation when it has ended, else to the current or a new session.
---@param text string
---@param cb? sessiond.Callback
function M.say(text, cb)
  current().say(text, cb, (in_view()))
end

--- :SessiondNew: starts a session and makes it current.
---@param cb? sessiond.Callback
function M.new(_, cb)
  current().new(cb)
end

--- :SessiondEnd: ends the current session.
---@param cb? sessiond.Callback
function M.end_session(_, cb)
  current().end_session(cb)
end

--- :SessiondContinue [ULID]: a new session continuing ULID (a prefix will do),
--- else the one in view, the current or the newest.
---@param ulid? string
---@param cb? sessiond.Callback
function M.continue(ulid, cb)
  current().continue(ulid, cb, (in_view()))
end

--- :SessiondUse [ULID]: makes a live session (default: the one in view) current.
---@param ulid? string
---@param cb? sessiond.Callback
function M.use(ulid, cb)
  if not ulid then
    local s = in_view()
    ulid = s and s.ulid
  end
  current().use(ulid, cb)
end

--- :SessiondSearch[!] {query}: hits in vim.ui.select, or (bang) in the quickfix list.
---@param query string
---@param bang? boolean
---@param cb? sessiond.Callback
function M.search(query, bang, cb)
  require("sessiond.search").search(query, bang, cb)
end

--- :SessiondResume [ULID]: reopens ULID (a prefix will do; default: the one in
--- view) in the program it came from, in a terminal split; a Neovim session
--- goes on here, in its chat buffer.
---@param ulid? string
---@param cb? fun(err: sessiond.ClientError?, resumed: sessiond.Resumed?)
function M.resume(ulid, cb)
  cb = cb or function() end
  -- A Neovim session: its history (the window showing it, else one for it) and a chat buffer under it.
  local function here(session)
    local history = require("sessiond.history")
    local name = history.prefix .. session.ulid
    local shown = vim.iter(vim.api.nvim_tabpage_list_wins(0)):find(function(w)
      return vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(w)) == name
    end)
    if not shown then
      local windows = require("sessiond.windows")
      local from = vim.api.nvim_get_current_win()
      shown = (windows.is_normal(from) and vim.bo.buftype == "") and from or windows.target(from)
      history.open(session.ulid, shown, { stay = true })
    end
    require("sessiond.chat.buffer").open(session, shown)
  end
  if not ulid then
    local s = in_view()
    if not s then
      vim.notify(
        "sessiond: no session in view: :SessiondResume {ULID}, or open one with :Sessiond",
        vim.log.levels.WARN
      )
      return cb({ message = "no session" })
    end
    return require("sessiond.resume").run(s, here, cb)
  end
  require("sessiond.lookup").resolve(ulid, function(err, found)
    if err or not found then
      return cb(err or { message = "no session" })
    end
    require("sessiond.resume").run(found, here, cb)
  end)
end

--- :SessiondRestore [ULID]: brings a session back from the trash (without ULID: pick one).
---@param ulid? string
---@param cb? sessiond.Callback
function M.restore(ulid, cb)
  require("sessiond.edits").restore(ulid, cb)
end

--- :SessiondImport {source} [path …]: `sessiond import` into this database.
---@param args string[]
---@param cb? fun(code: integer, summary: string)
function M.import(args, cb)
  require("sessiond.import").run(args, cb)
end

-- :SessiondContinue/:SessiondUse <Tab>: the newest sessions' ULIDs; quiet and brief, as completion must be.
function M.complete_ulids(lead)
  local params = { limit = config.get().list_limit }
  local methods = require("sessiond.protocol").methods
  local err, res =
    require("sessiond.client").request_sync(methods.list, params, 2000, { silent = true })
  if err or not res then
    return {}
  end
  local out = {}
  for _, s in ipairs(res.sessions or {}) do
    if vim.startswith(s.ulid, lead or "") then
      table.insert(out, s.ulid)
    end
  end
  return out
end

--- :SessiondRefresh: reads the sidebar and every history again.
function M.refresh()
  M.changed()
end

--- :Sessiond: toggles the sidebar.
function M.toggle()
  require("sessiond.sidebar").toggle()
end

return M
