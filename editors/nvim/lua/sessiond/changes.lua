-- The store's changes, handed to whoever subscribed: those the daemon reports
-- (after session/subscribe, whichever process made them) and those this Neovim
-- just made itself (so views update at once, before the notification comes;
-- duplicates are ignored by seq). Views subscribe when they are loaded, so a
-- notification never loads or opens anything; writers emit. This module knows
-- neither: it sits just above client.lua.
local client = require("sessiond.client")
local protocol = require("sessiond.protocol")

local M = {}

---@alias sessiond.ChangeKind
---| "session" a session started, ended, renamed, deleted or restored: (session)
---| "append" a turn was stored: (event)
---| "current" the session this Neovim writes to changed: (session?)
---| "continued" this Neovim started `child` to go on from `parent`: (parent, child)
---| "pending" a streaming reply grew or ended: (session_id, pending?)
---| "reread" read every view again (a restarted daemon, a new database, :SessiondRefresh)

---@class sessiond.Subscriber
---@field fn function
---@field order integer lower first
---@field n integer when it subscribed: among equal orders, the first comes first

local subscribers = {} ---@type table<sessiond.ChangeKind, sessiond.Subscriber[]>
local count = 0

--- Calls `fn(...)` for every change of `kind`. `order` (default 50) says who
--- goes first when several listen: the current session's record (10) before
--- the views (50), the streaming reply (90) after the history drew the turn.
---@param kind sessiond.ChangeKind
---@param fn function
---@param order? integer
function M.on(kind, fn, order)
  local list = subscribers[kind] or {}
  subscribers[kind] = list
  count = count + 1
  table.insert(list, { fn = fn, order = order or 50, n = count })
  table.sort(list, function(a, b)
    if a.order ~= b.order then
      return a.order < b.order
    end
    return a.n < b.n
  end)
end

--- Hands a change to every subscriber of `kind`, in order.
---@param kind sessiond.ChangeKind
function M.emit(kind, ...)
  for _, sub in ipairs(subscribers[kind] or {}) do
    sub.fn(...)
  end
end

--- A session started, ended, renamed, deleted or restored (here or elsewhere).
---@param session sessiond.Session
function M.did_change(session)
  M.emit("session", session)
end

M.did_start = M.did_change

--- A turn was stored (here or elsewhere).
---@param event sessiond.Event
function M.did_append(event)
  M.emit("append", event)
end

-- What the daemon reports.
local sn = protocol.server_notifications
client.on(sn.did_start, function(p)
  if type(p.session) == "table" then
    M.did_start(p.session)
  end
end)
client.on(sn.did_change, function(p)
  if type(p.session) == "table" then
    M.did_change(p.session)
  end
end)
client.on(sn.did_append, function(p)
  if type(p.event) == "table" then
    M.did_append(p.event)
  end
end)
client.on_restart(function()
  M.emit("reread")
end)

return M
