-- Options and their defaults; setup() is optional, so every reader goes
-- through get() and sees the defaults until setup() says otherwise.

---@class sessiond.Config
---@field cmd string[] the daemon, served over stdio; cmd[1] also runs `import`
---@field db? string database path or URL, handed over in $SESSIOND_DB (never on the command line); nil: the daemon's default
---@field engine_base_url? string stored with the sessions this Neovim starts
---@field width integer sidebar columns, at most `max_share` of the editor's
---@field max_share number the largest part of the editor's columns the sidebar takes (0.33: a third)
---@field list_limit integer sessions shown in the sidebar
---@field history_limit integer newest events shown in a history buffer
---@field search_limit integer hits asked for by :SessiondSearch
---@field markdown boolean highlight turns as markdown with treesitter, when its parser is there
---@field conceal boolean hide markdown markup (`**`, fences, link targets) in history windows
---@field chat boolean :SessiondSay asks the daemon's engine for a reply when it offers chat

local M = {}

---@type sessiond.Config
M.defaults = {
  cmd = { "sessiond" },
  db = nil,
  engine_base_url = nil,
  width = 64,
  max_share = 0.33,
  list_limit = 100,
  history_limit = 2000,
  search_limit = 50,
  markdown = true,
  conceal = false,
  chat = true,
}

local options = vim.deepcopy(M.defaults)

---@return sessiond.Config
function M.get()
  return options
end

---@param opts? table a partial sessiond.Config
---@return sessiond.Config
function M.set(opts)
  -- Plain checks, not vim.validate: its signature differs between 0.10 and 0.11.
  if opts ~= nil and type(opts) ~= "table" then
    error("sessiond: setup() takes a table", 2)
  end
  options = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  -- A list option is replaced whole, not merged index by index.
  if opts and opts.cmd then
    options.cmd = vim.deepcopy(opts.cmd)
  end
  if type(options.cmd) ~= "table" or type(options.cmd[1]) ~= "string" then
    error('sessiond: cmd must be a list such as { "sessiond" }', 2)
  end
  if type(options.max_share) ~= "number" or options.max_share <= 0 or options.max_share > 1 then
    error("sessiond: max_share is a part of the editor's columns, above 0 and at most 1", 2)
  end
  return options
end

---@return string? db the database value, ~ expanded (no shell reads it); URLs as given
local function db_value()
  local db = options.db
  if not db or db == ":memory:" or db:find("^%a[%w+.-]*://") then
    return db
  end
  return vim.fs.normalize(db)
end

--- The daemon's command line. A leading ~ is expanded: no shell runs it. The
--- database is not on it: a URL's password would show in `ps` (see M.env()).
---@return string[]
function M.command()
  local cmd = vim.deepcopy(options.cmd)
  cmd[1] = vim.fs.normalize(cmd[1])
  return cmd
end

--- What the daemon and `sessiond import` get in their environment, on top of
--- Neovim's own: the database as $SESSIOND_DB, or nil to leave Neovim's as it is.
---@return table<string, string>?
function M.env()
  local db = db_value()
  return db and { SESSIOND_DB = db } or nil
end

--- A CLI command line: cmd[1] (the serve-only options of cmd dropped) and `args`.
--- The database goes in the environment (M.env()), never here.
---@param args string[]
---@return string[]
function M.cli(args)
  local cmd = { vim.fs.normalize(options.cmd[1]) }
  vim.list_extend(cmd, args)
  return cmd
end

--- The sidebar's columns: `width`, but never more than `max_share` of the
--- editor's columns (at 80 columns a history keeps most of the width), and
--- never fewer than 20 unless the editor is that narrow.
---@return integer
function M.sidebar_width()
  local cols = vim.o.columns
  local share = math.floor(cols * options.max_share)
  return math.max(math.min(options.width, share), math.min(20, cols - 1), 1)
end

return M
