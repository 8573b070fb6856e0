-- Version 1 daemons only: their Session has no `preview`, so the sidebar reads
-- each session's first events to find its first prompt, and keeps what it found.
-- A version-2 daemon sends the preview with the Session; nothing is read then.
local M = {}

local SCAN = 20 -- events read from a session's start
local known = {} -- ulid -> { text = first prompt | nil, count = events scanned, done = bool }

--- The first prompt found for `s` so far (version 1), or nil.
---@param s sessiond.Session
---@return string?
function M.get(s)
  return known[s.ulid] and known[s.ulid].text
end

--- A session's first prompt, seen as it was appended.
function M.found(s, text)
  known[s.ulid] = { text = text, count = s.eventCount, done = true }
end

--- Reads the first events of each session whose first prompt is not known
--- yet (none on a version-2 daemon); done() once all have answered.
---@param sessions sessiond.Session[]
---@param done fun()
function M.fetch(sessions, done)
  local client = require("sessiond.client")
  local methods = require("sessiond.protocol").methods
  local waiting = 1 -- held until the loop below has sent everything
  local function one_done()
    waiting = waiting - 1
    if waiting == 0 then
      done()
    end
  end
  for _, s in ipairs(client.protocol_version() < 2 and sessions or {}) do
    local p = known[s.ulid]
    if (s.eventCount or 0) > 0 and not (p and (p.done or p.count == s.eventCount)) then
      waiting = waiting + 1
      local params = { sessionId = s.id, limit = SCAN, beforeSeq = SCAN + 1 }
      client.request(methods.events, params, function(err, res)
        if not err then
          local events = res.events or {}
          local first = vim.iter(events):find(function(e)
            return e.kind == "prompt"
          end)
          known[s.ulid] = {
            text = first and first.text,
            count = s.eventCount,
            done = first ~= nil or #events >= SCAN,
          }
        end
        one_done()
      end, { silent = true })
    end
  end
  one_done()
end

return M
