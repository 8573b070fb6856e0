-- Finding a session by its ULID or a unique prefix of one, as `sessiond show` does.
local client = require("sessiond.client")
local protocol = require("sessiond.protocol")

local M = {}

local methods = protocol.methods

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

--- Finds a session by ULID or by a unique prefix of one (as `sessiond show` does).
---@param ulid string
---@param cb fun(err: sessiond.ClientError?, session: sessiond.Session?)
---@param opts? { deleted?: boolean } look in the trash instead
function M.resolve(ulid, cb, opts)
  local deleted = opts and opts.deleted
  client.request(methods.get, { ulid = ulid }, function(err, session)
    if err or (session and (not deleted or session.deletedAt)) then
      return cb(err, session)
    end
    local params = { limit = protocol.max_limit, deleted = deleted or nil }
    client.request(methods.list, params, function(err2, res)
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

return M
