-- :SessiondImport {source} [path …]: runs `sessiond import` on the same
-- database (handed over in its environment), in the background, and reports
-- its summary. The sources are those the CLI lists (import/sources.lua). The
-- sidebar follows the new sessions by itself (notifications), or reads again.
local changes = require("sessiond.changes")
local client = require("sessiond.client")
local config = require("sessiond.config")
local sources = require("sessiond.import.sources")

local M = {}

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

-- The command's last lines, colour codes and other control bytes dropped.
local function tail(text, n)
  local lines = {}
  for _, l in ipairs(vim.split(text or "", "\n", { plain = true })) do
    l = l:gsub("\27%[[%d;?]*%a", ""):gsub("\r", "\n"):match("([^\n]*)$") or ""
    l = l:gsub("[%z\1-\8\11-\31\127]", "")
    if vim.trim(l) ~= "" then
      table.insert(lines, l)
    end
  end
  return table.concat(vim.list_slice(lines, math.max(#lines - n + 1, 1)), "\n")
end

---@param args string[] { source, path… }
---@param cb? fun(code: integer, summary: string)
function M.run(args, cb)
  cb = cb or function() end
  sources.load(function(list_err, list)
    if list_err or not list then
      notify(list_err or "no import sources", vim.log.levels.ERROR)
      return cb(2, list_err or "no import sources")
    end
    M.start(args, list, cb)
  end)
end

--- Runs the import once the sources are known.
---@param args string[]
---@param list sessiond.ImportSource[]
---@param cb fun(code: integer, summary: string)
function M.start(args, list, cb)
  local source = args[1]
  local names = vim.tbl_map(function(s)
    return s.name
  end, list)
  if not source or not vim.tbl_contains(names, source) then
    local msg = ("say what to import: :SessiondImport {%s} [path …]"):format(
      table.concat(names, "|")
    )
    if source then
      msg = ("unknown source %q: %s"):format(require("sessiond.labels").one_line(source), msg)
    end
    notify(msg, vim.log.levels.ERROR)
    return cb(2, msg)
  end
  local cmd = { "import", source }
  for i = 2, #args do
    table.insert(cmd, vim.fs.normalize(args[i])) -- no shell: expand ~ here
  end
  cmd = config.cli(cmd)
  if vim.fn.executable(cmd[1]) ~= 1 then
    local msg = client.not_runnable(cmd[1])
    notify(msg, vim.log.levels.ERROR)
    return cb(127, msg)
  end
  notify(("importing from %s…"):format(source))
  local opts = { text = true, stdin = false, env = config.env() }
  local ok, err = pcall(vim.system, cmd, opts, function(res)
    vim.schedule(function()
      local out = tail(res.stdout, 6)
      local errs = tail(res.stderr, 6)
      local summary = vim.trim(out .. "\n" .. errs)
      if res.code == 0 then
        notify(("import from %s done:\n%s"):format(source, summary))
      else
        notify(
          ("import from %s failed (exit %d):\n%s"):format(source, res.code, summary),
          vim.log.levels.ERROR
        )
      end
      if not client.subscribed() then
        changes.emit("reread")
      end
      cb(res.code, summary)
    end)
  end)
  if not ok then
    notify(("could not run %s import: %s"):format(cmd[1], err), vim.log.levels.ERROR)
    cb(1, tostring(err))
  end
end

--- `I` in the sidebar: pick a source (those found on this machine first), then import it.
function M.pick()
  sources.load(function(err, list)
    if err or not list then
      return notify(err or "no import sources", vim.log.levels.ERROR)
    end
    local sorted = vim.list_extend(
      vim.tbl_filter(function(s)
        return s.found
      end, list),
      vim.tbl_filter(function(s)
        return not s.found
      end, list)
    )
    vim.ui.select(sorted, {
      prompt = "Import the history of",
      kind = "sessiond_import_source",
      format_item = function(s)
        local where = s.found and ("found in " .. table.concat(s.paths, ", "))
          or "nothing at its usual place"
        return ("%s (%s) · %s"):format(s.label, s.name, where)
      end,
    }, function(s)
      if s then
        M.run({ s.name })
      end
    end)
  end)
end

--- :SessiondImport <Tab>: the sources (as the CLI lists them), then paths.
function M.complete(lead, line)
  local n = #vim.split(vim.trim(line), "%s+") - (line:match("%s$") and 0 or 1)
  if n <= 1 then
    return vim.tbl_filter(function(s)
      return vim.startswith(s, lead)
    end, sources.names())
  end
  return vim.fn.getcompletion(lead, "file")
end

return M
