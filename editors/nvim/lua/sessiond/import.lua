-- :SessiondImport {source} [path …]: runs `sessiond import` on the same
-- database, in the background, and reports its summary. The sidebar follows
-- the new sessions by itself (notifications), or is re-read at the end.
local config = require("sessiond.config")
local protocol = require("sessiond.protocol")

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

--- The sources `sessiond import` knows, for completion and checking.
M.sources = protocol.import_sources

---@param args string[] { source, path… }
---@param cb? fun(code: integer, summary: string)
function M.run(args, cb)
  cb = cb or function() end
  local source = args[1]
  if not source or not vim.tbl_contains(M.sources, source) then
    local msg = ("say what to import: :SessiondImport {%s} [path …]"):format(
      table.concat(M.sources, "|")
    )
    if source then
      msg = ("unknown source %q: %s"):format(source, msg)
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
    local msg = require("sessiond.client").not_runnable(cmd[1])
    notify(msg, vim.log.levels.ERROR)
    return cb(127, msg)
  end
  notify(("importing from %s…"):format(source))
  local ok, err = pcall(vim.system, cmd, { text = true, stdin = false }, function(res)
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
      local client = require("sessiond.client")
      if not client.subscribed() and package.loaded["sessiond.sidebar"] then
        require("sessiond.sidebar").refresh()
      end
      cb(res.code, summary)
    end)
  end)
  if not ok then
    notify(("could not run %s import: %s"):format(cmd[1], err), vim.log.levels.ERROR)
    cb(1, tostring(err))
  end
end

--- :SessiondImport <Tab>: the sources, then paths.
function M.complete(lead, line)
  local n = #vim.split(vim.trim(line), "%s+") - (line:match("%s$") and 0 or 1)
  if n <= 1 then
    return vim.tbl_filter(function(s)
      return vim.startswith(s, lead)
    end, M.sources)
  end
  return vim.fn.getcompletion(lead, "file")
end

return M
