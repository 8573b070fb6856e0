-- The one sessiond daemon of this Neovim, spoken to through vim.lsp.rpc (it
-- does the Content-Length framing). Started on first use, stopped on VimLeavePre.
-- The only module that talks to the wire, and the bottom floor: it knows no
-- view. The server's notifications go to whoever registered for them with
-- M.on(method, fn); a restarted daemon is announced to M.on_restart(fn).
local config = require("sessiond.config")
local protocol = require("sessiond.protocol")

local M = {}

---@class sessiond.ClientError
---@field code? integer the contract's code; nil when the daemon could not be asked
---@field message string for a person

---@alias sessiond.Callback fun(err: sessiond.ClientError?, result: any)

local state = {
  status = "stopped", -- stopped | starting | ready
  rpc = nil, -- vim.lsp.rpc.PublicClient
  run = nil, -- this daemon's run: { exited = bool }, so an old exit can't reset a new daemon
  queue = {}, -- callbacks waiting for initialize
  pending = {}, -- in-flight request id -> finisher, failed when the daemon dies
  server_info = nil,
  capabilities = nil,
  subscribed = false, -- session/subscribe answered: changes by any process arrive as notifications
  cmd = nil,
}

local errors = protocol.errors
local levels = vim.log.levels

--- How loud a daemon error is, by its contract code (one place, like conform's level_for_code).
---@param code integer?
---@return integer
function M.level_for_code(code)
  if code == errors.SessionEnded or code == errors.EngineError or code == errors.MethodNotFound then
    return levels.WARN -- the person can go on: continue, fix the engine, update sessiond
  end
  return levels.ERROR
end

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or levels.ERROR)
end

---@alias sessiond.NotificationHandler fun(params: table)

local handlers = {} ---@type table<string, sessiond.NotificationHandler[]>
local restart_handlers = {} ---@type fun()[]

--- Calls `fn(params)` for each `method` notification the daemon sends (a name
--- from protocol.server_notifications), after those registered before it.
--- Params that are not an object are dropped here.
---@param method string
---@param fn sessiond.NotificationHandler
function M.on(method, fn)
  handlers[method] = handlers[method] or {}
  table.insert(handlers[method], fn)
end

--- Calls `fn()` when a daemon that died was started again: what changed while
--- none listened was never notified, so views read the store again.
---@param fn fun()
function M.on_restart(fn)
  table.insert(restart_handlers, fn)
end

local function dispatch(method, params)
  for _, fn in ipairs(handlers[method] or {}) do
    fn(params)
  end
end

-- A -32601 in words: which method this daemon lacks and what to do.
local function explain(method, err)
  if err and err.code == errors.MethodNotFound then
    local server = state.server_info or {}
    return {
      code = err.code,
      message = ("%s %s does not offer %s (it speaks protocol %s): install a newer sessiond"):format(
        server.name or "sessiond",
        server.version or "?",
        method,
        tostring(M.protocol_version())
      ),
    }
  end
  return err
end

-- Every answer ends here: daemon errors reach the person with the daemon's own message.
local function finish(cb, err, result, opts)
  if err and not (opts and opts.silent) then
    notify(err.message or vim.inspect(err), M.level_for_code(err.code))
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
  state.server_info, state.capabilities, state.subscribed = nil, nil, false
  fail_waiting(err or { message = "the daemon stopped" })
end

local function on_exit(run, code, signal)
  if state.run ~= run then
    return -- an older daemon, already stopped on purpose
  end
  local how = signal ~= 0 and ("signal " .. signal) or ("code " .. code)
  local msg = ("the daemon exited (%s); its messages are in %s"):format(how, vim.lsp.get_log_path())
  reset({ message = msg })
  state.restarted = true
  notify(msg, levels.WARN)
end

-- Why cmd can't run, in words that fit how it was given (a name on $PATH, or a path).
local function not_runnable(exe)
  if exe:find("/", 1, true) then
    local what = vim.uv.fs_stat(exe) and "is not executable" or "does not exist"
    return ("%s %s: point `cmd` in require('sessiond').setup() at the sessiond command"):format(
      exe,
      what
    )
  end
  return ("command %q is not on $PATH: install sessiond (pip install sessiond), or set `cmd` in require('sessiond').setup()"):format(
    exe
  )
end
M.not_runnable = not_runnable

local function ready(run)
  if state.run ~= run then
    return
  end
  state.status = "ready"
  if state.restarted then
    -- Changes made while no daemon listened were never notified: read the views again.
    state.restarted = false
    vim.schedule(function()
      for _, fn in ipairs(restart_handlers) do
        fn()
      end
    end)
  end
  local queue = state.queue
  state.queue = {}
  for _, cb in ipairs(queue) do
    cb(nil)
  end
end

-- vim.lsp.rpc.start logs its spawn options at INFO, environment included: a
-- database URL's password must not reach the LSP log, so the start is not
-- logged below WARN. Returns pcall's results.
local function quietly(fn, ...)
  local log = vim.lsp.log
  local level = log.get_level()
  if level < vim.log.levels.WARN then
    log.set_level(vim.log.levels.WARN)
  end
  local res = { pcall(fn, ...) }
  if level < vim.log.levels.WARN then
    log.set_level(level)
  end
  return unpack(res)
end

local function start()
  local cmd = config.command()
  if vim.fn.executable(cmd[1]) ~= 1 then
    return not_runnable(cmd[1])
  end
  local run = { exited = false }
  local ok, rpc = quietly(vim.lsp.rpc.start, cmd, {
    notification = function(method, params) -- already scheduled by vim.lsp.rpc, in order
      if state.run == run and type(params) == "table" then
        dispatch(method, params)
      end
    end,
    on_exit = function(code, signal)
      run.exited = true -- plain write: safe in this fast callback, and seen by vim.wait
      vim.schedule(function()
        on_exit(run, code, signal)
      end)
    end,
    on_error = function(code, err)
      local name = vim.lsp.rpc.client_errors[code] or code -- the table maps both ways
      notify(("RPC error %s: %s"):format(name, vim.inspect(err)))
    end,
  }, { env = config.env() })
  if not ok then
    return ("could not start %s: %s"):format(cmd[1], rpc) -- not the database: it may hold a password
  end
  state.status, state.rpc, state.run, state.cmd = "starting", rpc, run, cmd
  local params = {
    processId = vim.fn.getpid(),
    clientInfo = { name = "sessiond.nvim", version = require("sessiond.version") },
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
    if M.protocol_version() < 2 then
      return ready(run)
    end
    -- Changes made by any process (this one included) then arrive as notifications.
    rpc.request(protocol.methods.subscribe, vim.empty_dict(), function(serr)
      if state.run == run then
        state.subscribed = serr == nil
        ready(run)
      end
    end)
  end)
  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = vim.api.nvim_create_augroup("sessiond_client", { clear = true }),
    callback = function()
      M.stop()
    end,
  })
end

-- Calls cb(err) once the daemon has answered initialize (and subscribe).
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

---@class sessiond.RequestOpts
---@field silent? boolean leave errors to the caller instead of vim.notify

---@class sessiond.Handle
---@field id? integer the request's id once sent

--- Sends a request; cb(err, result) runs on the main loop. Errors are shown with
--- vim.notify unless opts.silent. Empty params go out as {} (vim.empty_dict()).
---@param method string
---@param params? table
---@param cb? sessiond.Callback
---@param opts? sessiond.RequestOpts
---@return sessiond.Handle handle for M.cancel
function M.request(method, params, cb, opts)
  cb = cb or function() end
  local handle = {}
  ensure(function(err)
    if err then
      return finish(cb, err, nil, opts)
    end
    local id
    local function fin(e, r)
      if id then
        state.pending[id] = nil
      end
      finish(cb, explain(method, e), r, opts)
    end
    local ok
    ok, id = state.rpc.request(method, params or vim.empty_dict(), function(e, r)
      if state.pending[id] then
        fin(e, r)
      end
    end)
    if ok then
      state.pending[id] = fin
      handle.id = id
    else
      fin({ message = "the daemon is not running" })
    end
  end)
  return handle
end

--- Asks the daemon to stop a request (a streaming chat/send); its answer still comes.
---@param handle sessiond.Handle
function M.cancel(handle)
  if handle and handle.id and state.rpc and state.pending[handle.id] then
    state.rpc.notify(protocol.notifications.cancel, { id = handle.id })
  end
end

--- Waits for the answer (for :checkhealth, completion and tests). Returns err, result.
---@return sessiond.ClientError? err
---@return any result
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
  return {
    server_info = state.server_info,
    capabilities = state.capabilities,
    cmd = state.cmd,
    subscribed = state.subscribed,
  }
end

-- capabilities.experimental.sessiond, or {} before initialize.
local function ours()
  local caps = state.capabilities or {}
  return caps.experimental and caps.experimental.sessiond or {}
end

--- The protocol version the running daemon announced (1 until it says otherwise).
---@return integer
function M.protocol_version()
  local v = ours().protocolVersion
  return type(v) == "number" and v or 1
end

--- Whether the running daemon sends session/did* notifications to this client.
function M.subscribed()
  return state.status == "ready" and state.subscribed
end

--- Whether the running daemon answers chat/send (it says `chat: true`).
function M.offers_chat()
  return ours().chat == true
end

--- Whether the daemon has an engine of its own (`engine: true|false` in its
--- capabilities); nil when it does not say (an older daemon: unknown).
---@return boolean?
function M.engine()
  local engine = ours().engine
  if type(engine) == "boolean" then
    return engine
  end
  return nil
end

function M.status()
  return state.status
end

return M
