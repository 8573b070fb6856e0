-- The public face: setup() (optional) and what the commands do. Other modules
-- are required inside functions so `require("sessiond")` stays cheap.
local config = require("sessiond.config")

local M = {}

M.version = "0.1.0"

-- The Session (as the daemon returned it) that this Neovim writes turns to.
local current = nil
local waiting_for_start = {} -- :SessiondSay callbacks while their session is being started

local function client()
  return require("sessiond.client")
end

local function methods()
  return require("sessiond.protocol").methods
end

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

function M.setup(opts)
  local before = config.command()
  config.set(opts)
  -- A new command or database means a new daemon, started on next use.
  if package.loaded["sessiond.client"] and not vim.deep_equal(before, config.command()) then
    client().stop()
    current = nil
  end
end

function M.current()
  return current
end

-- After this Neovim changed the store: redraw whatever is open.
function M.changed()
  if package.loaded["sessiond.sidebar"] then
    require("sessiond.sidebar").refresh()
  end
  if package.loaded["sessiond.history"] then
    require("sessiond.history").refresh_all()
  end
end

local function start_session(extra, cb)
  local params = vim.tbl_extend("force", {
    cliVersion = "sessiond.nvim " .. M.version,
    engineBaseUrl = config.get().engine_base_url,
  }, extra or {})
  client().request(methods().start, params, function(err, session)
    if not err then
      current = session
      notify("now writing to session " .. session.ulid)
      M.changed()
    end
    if cb then
      cb(err, session)
    end
  end)
end

function M.new(_, cb)
  start_session({}, cb)
end

function M.say(text, cb)
  cb = cb or function() end
  if not text or vim.trim(text) == "" then
    notify(":SessiondSay needs some text", vim.log.levels.ERROR)
    return cb({ message = "no text" })
  end
  local function append(session)
    local params = { sessionId = session.id, kind = "prompt", text = text }
    client().request(methods().append, params, function(err, res)
      if err and err.code == require("sessiond.protocol").errors.SessionEnded then
        notify(":SessiondContinue goes on in a new session", vim.log.levels.WARN)
      end
      if not err then
        M.changed()
      end
      cb(err, res)
    end)
  end
  if current then
    return append(current)
  end
  -- Turns typed while the first session is starting wait for it, not start their own.
  table.insert(waiting_for_start, function(err, session)
    if err then
      return cb(err)
    end
    append(session)
  end)
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

function M.end_session(_, cb)
  cb = cb or function() end
  if not current then
    notify("no current session to end", vim.log.levels.WARN)
    return cb({ message = "no current session" })
  end
  client().request(methods()["end"], { sessionId = current.id }, function(err, session)
    if not err then
      notify("ended session " .. session.ulid)
      current = nil
      M.changed()
    end
    cb(err, session)
  end)
end

-- Finds a session by ULID, or by a unique prefix of one (as the sidebar shows them).
local function resolve(ulid, cb)
  client().request(methods().get, { ulid = ulid }, function(err, session)
    if err or session then
      return cb(err, session)
    end
    local limit = require("sessiond.protocol").max_limit
    client().request(methods().list, { limit = limit }, function(err2, res)
      if err2 then
        return cb(err2)
      end
      local found = vim.tbl_filter(function(s)
        return vim.startswith(s.ulid, ulid)
      end, res.sessions or {})
      if #found == 1 then
        return cb(nil, found[1])
      end
      local why = #found == 0 and "no session matches %s" or "%s matches several sessions"
      notify(why:format(ulid), vim.log.levels.ERROR)
      cb({ message = why:format(ulid) })
    end)
  end)
end

-- Continues ULID (default: the current session, else the newest) in a new session.
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
    start_session({ parentUlid = parent.ulid }, cb)
  end
  if ulid then
    resolve(ulid, from)
  elseif current then
    from(nil, current)
  else
    client().request(methods().last, vim.empty_dict(), from)
  end
end

-- :SessiondContinue <Tab>: the newest sessions' ULIDs; quiet and brief, as completion must be.
function M.complete_ulids(lead)
  local params = { limit = config.get().list_limit }
  local err, res = client().request_sync(methods().list, params, 2000, { silent = true })
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

function M.refresh()
  M.changed()
end

function M.toggle()
  require("sessiond.sidebar").toggle()
end

return M
