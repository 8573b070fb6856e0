-- Options and their defaults; setup() is optional, so every reader goes
-- through get() and sees the defaults until setup() says otherwise.
local M = {}

M.defaults = {
  cmd = { "sessiond" }, -- the daemon; served over stdio
  db = nil, -- database path, passed as `--db PATH`; nil: the daemon's own default
  engine_base_url = nil, -- stored with sessions this Neovim starts
  width = 64, -- sidebar columns
  list_limit = 100, -- sessions shown in the sidebar
  history_limit = 2000, -- newest events shown in a history buffer
}

local options = vim.deepcopy(M.defaults)

function M.get()
  return options
end

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

-- The full daemon command line. A leading ~ is expanded: no shell runs it.
function M.command()
  local cmd = vim.deepcopy(options.cmd)
  cmd[1] = vim.fs.normalize(cmd[1])
  if options.db then
    local db = options.db == ":memory:" and options.db or vim.fs.normalize(options.db)
    vim.list_extend(cmd, { "--db", db })
  end
  return cmd
end

return M
