-- What a history shows, read from the daemon: the session, its newest turns
-- (or back to a given turn), the session it continues and its continuations.
-- Requests only: history/reload.lua puts the answer on screen.
local client = require("sessiond.client")
local config = require("sessiond.config")
local protocol = require("sessiond.protocol")

local M = {}

local methods = protocol.methods
local CHILDREN_SCAN = 1000 -- continuations are looked for among the newest sessions

-- The newest sessions, read once for all the histories drawn in a burst (a
-- quickfix list of many sessions): continuations are found among them.
local family = { sessions = nil, at = 0, waiting = nil }
local FAMILY_TTL_NS = 2e9

--- A new continuation may be among the newest sessions: read them again next time.
function M.forget_family()
  family.sessions = nil
end

--- The sessions continuing `ulid`, oldest first (among the newest CHILDREN_SCAN).
---@param ulid string
---@param cb fun(children: sessiond.Session[])
function M.children_of(ulid, cb)
  local function pick()
    local out = {}
    for _, s in ipairs(family.sessions or {}) do
      if s.parentUlid == ulid then
        table.insert(out, 1, s)
      end
    end
    cb(out)
  end
  if family.sessions and vim.uv.hrtime() - family.at < FAMILY_TTL_NS then
    return pick()
  end
  if family.waiting then
    return table.insert(family.waiting, pick)
  end
  family.waiting = { pick }
  client.request(methods.list, { limit = CHILDREN_SCAN }, function(err, res)
    family.sessions, family.at = not err and res and res.sessions or {}, vim.uv.hrtime()
    local waiting = family.waiting
    family.waiting = nil
    for _, fn in ipairs(waiting) do
      fn()
    end
  end, { silent = true })
end

---@class sessiond.HistoryData
---@field session sessiond.Session
---@field events sessiond.Event[] oldest first
---@field parent? sessiond.Session|{ ulid: string } a stub when it could not be read
---@field children sessiond.Session[]

--- Reads everything a history of `ulid` shows: cb(err, data); data is nil
--- (and err too) when there is no such session in this database.
---@param ulid string
---@param from_seq? integer read turns back to this one at least
---@param cb fun(err: sessiond.ClientError?, data: sessiond.HistoryData?)
function M.history(ulid, from_seq, cb)
  client.request(methods.get, { ulid = ulid }, function(err, session)
    if err or not session then
      return cb(err, nil)
    end
    local data = { session = session, events = {}, children = {} }
    local waiting = 3
    local function one()
      waiting = waiting - 1
      if waiting == 0 then
        cb(nil, data)
      end
    end
    local limit = config.get().history_limit
    if from_seq then
      limit = math.max(limit, (session.eventCount or 0) - from_seq + 1)
    end
    limit = math.min(limit, protocol.max_limit)
    client.request(methods.events, { sessionId = session.id, limit = limit }, function(e2, res)
      data.events = not e2 and res and res.events or {}
      one()
    end)
    if session.parentUlid then
      data.parent = { ulid = session.parentUlid }
      client.request(methods.get, { ulid = session.parentUlid }, function(e3, p)
        data.parent = not e3 and p or data.parent
        one()
      end, { silent = true })
    else
      one()
    end
    M.children_of(session.ulid, function(found)
      data.children = found
      one()
    end)
  end)
end

return M
