-- The session this Neovim writes to, and where a turn goes: to the session in
-- view when it is live, to a continuation of it when it has ended (as the VS
-- Code client does), else to the current one, else to a new one.
local config = require("sessiond.config")
local labels = require("sessiond.labels")
local protocol = require("sessiond.protocol")

local M = {}

local current = nil ---@type sessiond.Session?
local waiting_for_start = {} -- turns typed while their session is being started

local function client()
  return require("sessiond.client")
end

local methods = protocol.methods

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

---@return sessiond.Session?
function M.get()
  return current
end

local function set(session)
  local changed = not current or not session or current.id ~= session.id
  current = session
  if changed and package.loaded["sessiond.sidebar"] then
    require("sessiond.sidebar").redraw() -- the `*` moves
  end
  if changed and session then
    notify("now writing to " .. labels.named(session))
  end
end

--- Keeps the current session's facts fresh; one moved to the trash stops being current.
---@param s sessiond.Session
function M.on_session(s)
  if current and current.id == s.id then
    current = not s.deletedAt and s or nil
    if not current and package.loaded["sessiond.sidebar"] then
      require("sessiond.sidebar").redraw()
    end
  end
end

--- Forgets the current session (a new daemon or database).
function M.reset()
  current = nil
end

--- The session the person is looking at: the history in the current window,
--- else the session under the sidebar's cursor (in the sidebar), else the
--- history last entered, when a window of this tab page still shows it.
---@return sessiond.Session? session
---@return integer? win the window showing its history
function M.in_view()
  local history = package.loaded["sessiond.history"]
  local st = history and history.state(0)
  if st and st.session then
    return st.session, vim.api.nvim_get_current_win()
  end
  local sidebar = package.loaded["sessiond.sidebar"]
  local selected = sidebar and sidebar.selected()
  if selected then
    return selected, nil
  end
  local buf = history and history.last_viewed()
  st = buf and history.state(buf)
  if st and st.session then
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_buf(win) == buf then
        return st.session, win
      end
    end
  end
end

--- Finds a session by ULID or by a unique prefix of one (as `sessiond show` does).
---@param ulid string
---@param cb fun(err: sessiond.ClientError?, session: sessiond.Session?)
---@param opts? { deleted?: boolean } look in the trash instead
function M.resolve(ulid, cb, opts)
  local deleted = opts and opts.deleted
  client().request(methods.get, { ulid = ulid }, function(err, session)
    if err or (session and (not deleted or session.deletedAt)) then
      return cb(err, session)
    end
    local params = { limit = protocol.max_limit, deleted = deleted or nil }
    client().request(methods.list, params, function(err2, res)
      if err2 then
        return cb(err2)
      end
      local found = vim.tbl_filter(function(s)
        return vim.startswith(s.ulid, ulid)
      end, res.sessions or {})
      if #found == 1 then
        return cb(nil, found[1])
      end
      local where = deleted and " in the trash" or ""
      local why = (#found == 0 and "no session%s matches %s" or "%s matches several sessions%s")
      local msg = #found == 0 and why:format(where, ulid) or why:format(ulid, where)
      notify(msg, vim.log.levels.ERROR)
      cb({ message = msg })
    end)
  end)
end

local function start_session(extra, cb)
  local params = vim.tbl_extend("force", {
    cliVersion = "sessiond.nvim " .. require("sessiond").version,
    engineBaseUrl = config.get().engine_base_url,
  }, extra or {})
  client().request(methods.start, params, function(err, session)
    if not err then
      set(session)
      require("sessiond.live").did_start(session)
    end
    if cb then
      cb(err, session)
    end
  end)
end

function M.new(cb)
  start_session({}, cb)
end

-- Starts a session continuing `parent`; the windows showing the parent's history show the new one.
local function continue_from(parent, cb)
  start_session({ parentUlid = parent.ulid }, function(err, child)
    if not err and package.loaded["sessiond.history"] then
      local history = require("sessiond.history")
      for _, buf in ipairs(history.bufs()) do
        local st = history.state(buf)
        if st.session and st.session.id == parent.id then
          for _, win in ipairs(vim.fn.win_findbuf(buf)) do
            history.open(child.ulid, win, { stay = true })
          end
        end
      end
    end
    cb(err, child)
  end)
end

-- Turns typed while the first session starts wait for it, not start their own.
local function with_new_session(cb)
  table.insert(waiting_for_start, cb)
  if #waiting_for_start == 1 then
    start_session({}, function(err, session)
      local waiting = waiting_for_start
      waiting_for_start = {}
      for _, fn in ipairs(waiting) do
        fn(err, session)
      end
    end)
  end
end

-- Writes a prompt: through the engine when the daemon offers chat, else as a turn.
local function write(session, text, cb)
  if config.get().chat and client().offers_chat() and require("sessiond.chat").wanted(session) then
    return require("sessiond.chat").send(session, text, cb)
  end
  local params = { sessionId = session.id, kind = "prompt", text = text }
  client().request(methods.append, params, function(err, res)
    if not err then
      require("sessiond.live").did_append({
        sessionId = session.id,
        seq = res.seq,
        kind = "prompt",
        text = text,
        createdAt = res.createdAt,
      })
    end
    cb(err, res)
  end, { silent = true })
end

--- Sends `text` as a prompt turn: to the session in view when it is live, to
--- a continuation of it when it has ended, else to the current session, else
--- to a new one.
---@param text string
---@param cb? sessiond.Callback
function M.say(text, cb)
  cb = cb or function() end
  if not text or vim.trim(text) == "" then
    notify(":SessiondSay needs some text", vim.log.levels.ERROR)
    return cb({ message = "no text" })
  end
  local function to(session, retried)
    write(session, text, function(err, res)
      if err and err.code == protocol.errors.SessionEnded and not retried then
        -- Ended elsewhere since we last heard: go on in a continuation, once.
        return continue_from(session, function(err2, child)
          if err2 then
            return cb(err2)
          end
          to(child, true)
        end)
      end
      if err and err.code ~= protocol.errors.EngineError then
        notify(err.message, require("sessiond.client").level_for_code(err.code))
      end
      cb(err, res)
    end)
  end
  local target = M.in_view() or current
  if not target then
    return with_new_session(function(err, session)
      if err then
        return cb(err)
      end
      to(session)
    end)
  end
  if target.deletedAt then
    local msg = ("%s is in the trash: :SessiondRestore %s brings it back"):format(
      labels.named(target),
      target.ulid
    )
    notify(msg, vim.log.levels.WARN)
    return cb({ message = msg })
  end
  if target.endedAt then
    return continue_from(target, function(err, child)
      if err then
        return cb(err)
      end
      to(child)
    end)
  end
  set(target)
  to(target)
end

--- Makes a live session the current one: ULID (a unique prefix will do), else the one in view.
---@param ulid? string
---@param cb? sessiond.Callback
function M.use(ulid, cb)
  cb = cb or function() end
  ulid = ulid or (M.in_view() or {}).ulid
  if not ulid then
    notify(
      "no session in view: :SessiondUse {ULID}, or open one with :Sessiond",
      vim.log.levels.WARN
    )
    return cb({ message = "no session" })
  end
  M.resolve(ulid, function(err, s)
    if err or not s then
      return cb(err or { message = "no session" })
    end
    local why = s.deletedAt and "is in the trash: :SessiondRestore %s brings it back"
      or s.endedAt and "has ended: :SessiondContinue %s goes on in a new session"
    if why then
      local msg = labels.named(s) .. " " .. why:format(s.ulid)
      notify(msg, vim.log.levels.WARN)
      return cb({ message = msg })
    end
    set(s)
    cb(nil, s)
  end)
end

function M.end_session(cb)
  cb = cb or function() end
  if not current then
    notify("no current session to end", vim.log.levels.WARN)
    return cb({ message = "no current session" })
  end
  client().request(methods["end"], { sessionId = current.id }, function(err, session)
    if not err then
      notify("ended " .. labels.named(session))
      current = nil
      require("sessiond.live").did_change(session)
    end
    cb(err, session)
  end)
end

--- Continues ULID (default: the session in view, else the current one, else the newest).
---@param ulid? string
---@param cb? sessiond.Callback
function M.continue(ulid, cb)
  cb = cb or function() end
  local function from(err, parent)
    if err then
      return cb(err)
    end
    if not parent then
      notify("no session to continue", vim.log.levels.WARN)
      return cb({ message = "no session" })
    end
    continue_from(parent, cb)
  end
  local target = not ulid and (M.in_view() or current)
  if ulid then
    M.resolve(ulid, from)
  elseif target then
    from(nil, target)
  else
    client().request(methods.last, vim.empty_dict(), from)
  end
end

return M
