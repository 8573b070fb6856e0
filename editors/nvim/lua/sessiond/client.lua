-- The one sessiond daemon of this Neovim, spoken to through vim.lsp.rpc (it
-- does the Content-Length framing). Started on first use, stopped on VimLeavePre.
local config = require("sessiond.config")
local protocol = require("sessiond.protocol")

local M = {}

local state = {
  status = "stopped", -- stopped | starting | ready
  rpc = nil, -- vim.lsp.rpc.PublicClient
  run = nil, -- this daemon's run: { exited = bool }, so an old exit can't reset a new daemon
  queue = {}, -- callbacks waiting for initialize
  pending = {}, -- in-flight request id -> finisher, failed when the daemon dies
  server_info = nil,
  capabilities = nil,
  cmd = nil,
}

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.ERROR)
end

-- Every answer ends here: daemon errors reach the person with the daemon's own message.
local function finish(cb, err, result, opts)
  if err and not (opts and opts.silent) then
    notify(err.message or vim.inspect(err))
  end
  cb(err, result)
end

local function fail_waiting(err)
  local queue, pending = state.queue, state.pending
  state.queue, state.pending = {}, {}
  for _, cb in ipairs(queue) do
    cb(err)
  end
  for _, fin in pairs(pending) do
    fin(err)
  end
end

local function reset(err)
  state.status, state.rpc, state.run = "stopped", nil, nil
  state.server_info, state.capabilities = nil, nil
  fail_waiting(err or { message = "the daemon stopped" })
end

local function on_exit(run, code, signal)
  if state.run ~= run then
    return -- an older daemon, already stopped on purpose
  end
  local how = signal ~= 0 and ("signal " .. signal) or ("code " .. code)
  local msg = ("the daemon exited (%s); its messages are in %s"):format(how, vim.lsp.get_log_path())
  reset({ message = msg })
  notify(msg, vim.log.levels.WARN)
end

local function start()
  local cmd = config.command()
  if vim.fn.executable(cmd[1]) ~= 1 then
    return ("command %q not found: install the sessiond daemon on $PATH, or set `cmd` in require('sessiond').setup()"):format(
      cmd[1]
    )
  end
  local run = { exited = false }
  local ok, rpc = pcall(vim.lsp.rpc.start, cmd, {
    on_exit = function(code, signal)
      run.exited = true -- plain write: safe in this fast callback, and seen by vim.wait
      vim.schedule(function()
        on_exit(run, code, signal)
      end)
    end,
    on_error = function(code, err)
      vim.schedule(function()
        local name = vim.lsp.rpc.client_errors[code] or code -- the table maps both ways
        notify(("RPC error %s: %s"):format(name, vim.inspect(err)))
      end)
    end,
  })
  if not ok then
    return ("could not start %s: %s"):format(table.concat(cmd, " "), rpc)
  end
  state.status, state.rpc, state.run, state.cmd = "starting", rpc, run, cmd
  local params = {
    processId = vim.fn.getpid(),
    clientInfo = { name = "sessiond.nvim", version = require("sessiond").version },
    rootUri = vim.NIL,
    capabilities = vim.empty_dict(),
  }
  rpc.request(protocol.methods.initialize, params, function(err, result)
    if state.run ~= run then
      return
    end
    if err then
      fail_waiting({ message = "initialize failed: " .. (err.message or "?") })
      M.stop()
      return
    end
    state.server_info = result and result.serverInfo
    state.capabilities = result and result.capabilities
    rpc.notify(protocol.notifications.initialized, vim.empty_dict())
    state.status = "ready"
    local queue = state.queue
    state.queue = {}
    for _, cb in ipairs(queue) do
      cb(nil)
    end
  end)
  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = vim.api.nvim_create_augroup("sessiond_client", { clear = true }),
    callback = function()
      M.stop()
    end,
  })
end

-- Calls cb(err) once the daemon has answered initialize.
local function ensure(cb)
  if state.status == "ready" then
    return cb(nil)
  end
  table.insert(state.queue, cb)
  if state.status == "stopped" then
    local err = start()
    if err then
      fail_waiting({ message = err })
    end
  end
end

--- Sends a request; cb(err, result) runs on the main loop. Errors are shown with
--- vim.notify unless opts.silent. Empty params go out as {} (vim.empty_dict()).
function M.request(method, params, cb, opts)
  cb = cb or function() end
  ensure(function(err)
    if err then
      return finish(cb, err, nil, opts)
    end
    local id
    local function fin(e, r)
      if id then
        state.pending[id] = nil
      end
      finish(cb, e, r, opts)
    end
    local ok
    ok, id = state.rpc.request(method, params or vim.empty_dict(), function(e, r)
      if state.pending[id] then
        fin(e, r)
      end
    end)
    if ok then
      state.pending[id] = fin
    else
      fin({ message = "the daemon is not running" })
    end
  end)
end

--- Waits for the answer (for :checkhealth and tests). Returns err, result.
function M.request_sync(method, params, timeout, opts)
  local done, e, r = false, nil, nil
  M.request(method, params, function(err, res)
    done, e, r = true, err, res
  end, opts)
  if not vim.wait(timeout or 5000, function()
    return done
  end, 10) then
    return { message = ("no answer to %s within %d ms"):format(method, timeout or 5000) }
  end
  return e, r
end

--- LSP shutdown -> exit, waiting briefly for each; a daemon that lingers is terminated.
function M.stop(timeout)
  timeout = timeout or 1000
  local rpc, run = state.rpc, state.run
  if not rpc then
    return
  end
  state.run = nil -- its exit is expected now: no warning
  if state.status == "ready" then
    local answered = false
    rpc.request(protocol.methods.shutdown, nil, function()
      answered = true
    end)
    vim.wait(timeout, function()
      return answered or run.exited
    end, 10)
    rpc.notify(protocol.notifications.exit, nil)
  end
  vim.wait(timeout, function()
    return run.exited
  end, 10)
  if not run.exited then
    pcall(rpc.terminate)
  end
  reset({ message = "the daemon was stopped" })
end

--- What the daemon said about itself, or nil while it is not running.
function M.info()
  if state.status ~= "ready" then
    return nil
  end
  return { server_info = state.server_info, capabilities = state.capabilities, cmd = state.cmd }
end

function M.status()
  return state.status
end

return M
