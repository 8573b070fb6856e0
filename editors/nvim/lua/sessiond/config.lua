-- Options and their defaults; setup() is optional, so every reader goes
-- through get() and sees the defaults until setup() says otherwise.

---@class sessiond.Config
---@field cmd string[] the daemon, served over stdio; cmd[1] also runs `import`
---@field db? string database path or URL, passed as `--db`; nil: the daemon's default
---@field engine_base_url? string stored with the sessions this Neovim starts
---@field width integer sidebar columns
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
  return options
end

---@return string? db the --db value, ~ expanded (no shell runs the daemon); URLs as given
local function db_arg()
  local db = options.db
  if not db or db == ":memory:" or db:find("^%a[%w+.-]*://") then
    return db
  end
  return vim.fs.normalize(db)
end

--- The full daemon command line. A leading ~ is expanded: no shell runs it.
---@return string[]
function M.command()
  local cmd = vim.deepcopy(options.cmd)
  cmd[1] = vim.fs.normalize(cmd[1])
  local db = db_arg()
  if db then
    vim.list_extend(cmd, { "--db", db })
  end
  return cmd
end

--- A CLI command line: cmd[1] (the serve-only options of cmd dropped), `args`, and --db.
---@param args string[]
---@return string[]
function M.cli(args)
  local cmd = { vim.fs.normalize(options.cmd[1]) }
  vim.list_extend(cmd, args)
  local db = db_arg()
  if db then
    vim.list_extend(cmd, { "--db", db })
  end
  return cmd
end

return M
