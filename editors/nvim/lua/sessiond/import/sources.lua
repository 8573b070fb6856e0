-- The sources `sessiond import` knows, as the daemon's own CLI lists them
-- (`sessiond import --list --json`: one JSON object per line, in its table's
-- order, `{name, label, description, paths, found}`), run once and kept. A new
-- importer in the daemon shows up here without a change to this plugin.
local config = require("sessiond.config")
local labels = require("sessiond.labels")

local M = {}

---@class sessiond.ImportSource
---@field name string what `sessiond import` takes ("claude-code")
---@field label string for a person ("Claude Code")
---@field description string
---@field paths string[] where the tool keeps its history by default
---@field found boolean whether any of those paths exists

local cache = nil ---@type { sources?: sessiond.ImportSource[], error?: string }?
local waiting = nil ---@type fun()[]? callbacks while the command runs

-- Text from another program, kept to one safe line.
local function clean(v)
  if type(v) ~= "string" then
    return nil
  end
  return labels.one_line(v)
end

--- Reads the command's output: one source per line; a line that is not one is an error.
---@param stdout string
---@return sessiond.ImportSource[]? sources
---@return string? err
function M.parse(stdout)
  local out = {}
  for line in vim.gsplit(stdout or "", "\n", { plain = true }) do
    if vim.trim(line) ~= "" then
      local ok, v = pcall(vim.json.decode, line)
      local name = ok and type(v) == "table" and v.name
      if type(name) ~= "string" or not name:find("^[%w][%w._-]*$") then
        return nil, ("a line is not a source: %s"):format(clean(line:sub(1, 80)))
      end
      local paths = {}
      for _, p in ipairs(type(v.paths) == "table" and v.paths or {}) do
        if type(p) == "string" then
          table.insert(paths, labels.one_line(p)) -- shown in pickers: no control characters
        end
      end
      table.insert(out, {
        name = name,
        label = clean(v.label) or name,
        description = clean(v.description) or "",
        paths = paths,
        found = v.found == true,
      })
    end
  end
  if #out == 0 then
    return nil, "it listed no source"
  end
  return out
end

local function command()
  return config.cli({ "import", "--list", "--json" })
end

local function finish(res)
  local cmd = table.concat(command(), " ")
  if res.code ~= 0 then
    local why = vim.trim(res.stderr or "")
    why = why ~= "" and clean(why:sub(1, 300)) or ("exit " .. tostring(res.code))
    cache = {
      error = ("`%s` failed (%s): a sessiond that lists its import sources is needed (pip install -U sessiond)"):format(
        cmd,
        why
      ),
    }
    return
  end
  local sources, err = M.parse(res.stdout)
  cache = sources and { sources = sources }
    or { error = ("`%s` answered something else than sources: %s"):format(cmd, err) }
end

local function run_failed(msg)
  cache = { error = ("could not run %s: %s"):format(command()[1], msg) }
end

--- The sources, read once: cb(err, sources) on the main loop. The command runs
--- in the background the first time; later calls answer from what it said.
---@param cb fun(err: string?, sources: sessiond.ImportSource[]?)
function M.load(cb)
  if cache then
    return cb(cache.error, cache.sources)
  end
  if waiting then
    return table.insert(waiting, function()
      cb(cache.error, cache.sources)
    end)
  end
  waiting = {
    function()
      cb(cache.error, cache.sources)
    end,
  }
  local function done()
    local list = waiting or {}
    waiting = nil
    for _, fn in ipairs(list) do
      fn()
    end
  end
  local cmd = command()
  if vim.fn.executable(cmd[1]) ~= 1 then
    run_failed(require("sessiond.client").not_runnable(cmd[1]))
    return done()
  end
  local ok, err = pcall(vim.system, cmd, { text = true, stdin = false }, function(res)
    vim.schedule(function()
      if not cache then
        finish(res)
      end
      done()
    end)
  end)
  if not ok then
    run_failed(tostring(err))
    done()
  end
end

--- The sources now, waiting for the command when it has not run yet (for
--- completion, which must answer at once; at most `timeout` ms).
---@param timeout? integer
---@return sessiond.ImportSource[]? sources
---@return string? err
function M.get(timeout)
  if not cache then
    local answered = false
    M.load(function()
      answered = true
    end)
    vim.wait(timeout or 5000, function()
      return answered
    end, 10)
  end
  if not cache then
    return nil, ("`%s` gave no answer in time"):format(table.concat(command(), " "))
  end
  return cache.sources, cache.error
end

--- Just the names, in the CLI's order ({} when it could not be read).
---@return string[]
function M.names()
  return vim.tbl_map(function(s)
    return s.name
  end, M.get() or {})
end

--- Forgets the list (another `cmd` in setup() may know other sources).
function M.reset()
  cache = nil
end

return M
