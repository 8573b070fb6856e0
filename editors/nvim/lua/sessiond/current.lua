-- The session this Neovim writes to, and where a turn goes: to the session in
-- view when it is live, to a continuation of it when it has ended or was
-- imported (as the VS Code client does; said in one line first), else to the
-- current one, else to a new one. Which session is in view is the caller's to
-- say (focus.lua knows the windows); changes go out through changes.lua.
local changes = require("sessiond.changes")
local chat = require("sessiond.chat")
local client = require("sessiond.client")
local config = require("sessiond.config")
local import_sources = require("sessiond.import.sources")
local labels = require("sessiond.labels")
local lookup = require("sessiond.lookup")
local protocol = require("sessiond.protocol")
local workspace = require("sessiond.workspace")

local M = {}

local current = nil ---@type sessiond.Session?
local waiting_for_start = {} -- turns typed while their session is being started

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
  if changed then
    changes.emit("current", session) -- the sidebar's `*` moves
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
    if not current then
      changes.emit("current", nil)
    end
  end
end
changes.on("session", M.on_session, 10) -- before the views, which ask who is current

--- Whether `s` was brought in by `sessiond import` (its `source` names another
--- program, or its cliVersion starts with an import source's name): turns
--- written to it go to a continuation, so the imported history stays as it was.
---@param s sessiond.Session
function M.imported(s)
  if type(s.source) == "string" then
    return not vim.tbl_contains({ "sessiond-chat", "vscode", "nvim" }, s.source)
  end
  local word = (s.cliVersion or ""):match("^(%S+)") or ""
  if word == "" or word:find("^sessiond") then
    return false -- sessiond's own clients (sessiond.nvim, sessiond-chat, sessiond-vscode)
  end
  return vim.tbl_contains(import_sources.names(), word)
end

--- Why a turn to `s` goes to a new session continuing it, or nil when it can go to `s`.
---@param s sessiond.Session
---@return string?
function M.continues_why(s)
  if s.endedAt then
    return "has ended"
  elseif M.imported(s) then
    return "was imported"
  end
end

--- Forgets the current session (a new daemon or database).
function M.reset()
  current = nil
end

-- Sessions started here say who held them (`nvim`) and where: the working
-- folder, so the sidebar of that folder lists them first (protocol 3; an
-- older daemon ignores both).
local function start_session(extra, cb)
  local params = vim.tbl_extend("force", {
    cliVersion = "sessiond.nvim " .. require("sessiond.version"),
    engineBaseUrl = config.get().engine_base_url,
    source = protocol.source,
    project = workspace.cwd(),
  }, extra or {})
  client.request(methods.start, params, function(err, session)
    if not err then
      set(session)
      changes.did_start(session)
    end
    if cb then
      cb(err, session)
    end
  end)
end

function M.new(cb)
  start_session({}, cb)
end

-- Starts a session continuing `parent`; the windows showing the parent's
-- history show the new one (the history listens for "continued").
local function continue_from(parent, cb)
  start_session({ parentUlid = parent.ulid }, function(err, child)
    if not err then
      changes.emit("continued", parent, child)
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
  if config.get().chat and client.offers_chat() and chat.wanted(session) then
    return chat.send(session, text, cb)
  end
  if config.get().chat and client.offers_chat() then
    chat.tell_no_engine(session) -- before the note is stored
  end
  local params = { sessionId = session.id, kind = "prompt", text = text }
  client.request(methods.append, params, function(err, res)
    if not err then
      changes.did_append({
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
--- a continuation of it when it has ended or was imported (said first, in one
--- line), else to the current session, else to a new one.
---@param text string
---@param cb? sessiond.Callback
---@param in_view? sessiond.Session the session the person is looking at
function M.say(text, cb, in_view)
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
        notify(err.message, client.level_for_code(err.code))
      end
      cb(err, res)
    end)
  end
  local target = in_view or current
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
  local why = M.continues_why(target)
  if why then
    notify(
      ("%s %s: your turn goes to a new session that continues it (↳)"):format(
        labels.named(target),
        why
      )
    )
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

--- Makes a live session the current one: ULID (a unique prefix will do).
---@param ulid? string
---@param cb? sessiond.Callback
function M.use(ulid, cb)
  cb = cb or function() end
  if not ulid then
    notify(
      "no session in view: :SessiondUse {ULID}, or open one with :Sessiond",
      vim.log.levels.WARN
    )
    return cb({ message = "no session" })
  end
  lookup.resolve(ulid, function(err, s)
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
  client.request(methods["end"], { sessionId = current.id }, function(err, session)
    if not err then
      notify("ended " .. labels.named(session))
      current = nil
      changes.emit("current", nil)
      changes.did_change(session)
    end
    cb(err, session)
  end)
end

--- Continues ULID (default: the session in view, else the current one, else the newest).
---@param ulid? string
---@param cb? sessiond.Callback
---@param in_view? sessiond.Session
function M.continue(ulid, cb, in_view)
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
  local target = not ulid and (in_view or current)
  if ulid then
    lookup.resolve(ulid, from)
  elseif target then
    from(nil, target)
  else
    client.request(methods.last, vim.empty_dict(), from)
  end
end

return M
