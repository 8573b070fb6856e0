-- Naming and the trash (protocol version 2): rename, move to the trash, restore.
-- Nothing is removed for good from here; `sessiond trash empty` does that.
local labels = require("sessiond.labels")
local protocol = require("sessiond.protocol")

local M = {}

local methods = protocol.methods

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

local function client()
  return require("sessiond.client")
end

local function changed(session)
  require("sessiond.live").did_change(session)
end

--- Asks for a new title (empty clears it) and renames `session`.
---@param session sessiond.Session
---@param cb? sessiond.Callback
function M.rename(session, cb)
  cb = cb or function() end
  vim.ui.input(
    { prompt = "Title (empty clears it): ", default = session.title or "" },
    function(input)
      if input == nil then
        return cb({ message = "cancelled" })
      end
      M.set_title(session, input, cb)
    end
  )
end

--- Renames `session` to `title`; "" (or only spaces) clears the title.
---@param session sessiond.Session
---@param title string
---@param cb? sessiond.Callback
function M.set_title(session, title, cb)
  cb = cb or function() end
  title = vim.trim(title)
  if vim.fn.strchars(title) > protocol.max_title_chars then
    local msg = ("a title has at most %d characters; this one has %d"):format(
      protocol.max_title_chars,
      vim.fn.strchars(title)
    )
    notify(msg, vim.log.levels.ERROR)
    return cb({ message = msg })
  end
  local params = { sessionId = session.id, title = title == "" and vim.NIL or title }
  client().request(methods.rename, params, function(err, s)
    if not err then
      changed(s)
      notify(
        title == "" and ("cleared the title of " .. s.ulid) or ("renamed to " .. labels.named(s))
      )
    end
    cb(err, s)
  end)
end

--- Moves `session` to the trash and says how to bring it back.
---@param session sessiond.Session
---@param cb? sessiond.Callback
function M.delete(session, cb)
  cb = cb or function() end
  client().request(methods.delete, { sessionId = session.id }, function(err, s)
    if not err then
      changed(s)
      notify(
        ("moved %s to the trash: :SessiondRestore %s brings it back"):format(
          labels.named(s),
          s.ulid
        )
      )
    end
    cb(err, s)
  end)
end

local function restore(session, cb)
  client().request(methods.restore, { sessionId = session.id }, function(err, s)
    if not err then
      changed(s)
      notify("restored " .. labels.named(s))
    end
    cb(err, s)
  end)
end

--- The trash, newest first.
---@param cb fun(err: sessiond.ClientError?, sessions: sessiond.Session[]?)
function M.trash(cb)
  client().request(methods.list, { limit = protocol.max_limit, deleted = true }, function(err, res)
    cb(err, not err and res and res.sessions or nil)
  end)
end

--- Brings ULID (a unique prefix will do) back from the trash; without one,
--- offers the trash through vim.ui.select.
---@param ulid? string
---@param cb? sessiond.Callback
function M.restore(ulid, cb)
  cb = cb or function() end
  if ulid then
    return require("sessiond.current").resolve(ulid, function(err, s)
      if err or not s then
        return cb(err or { message = "no session" })
      end
      restore(s, cb)
    end, { deleted = true })
  end
  M.trash(function(err, sessions)
    if err then
      return cb(err)
    end
    if #sessions == 0 then
      notify("the trash is empty")
      return cb(nil, nil)
    end
    vim.ui.select(sessions, {
      prompt = "Restore from the trash",
      kind = "sessiond_session",
      format_item = function(s)
        return ("%s · %s · deleted %s"):format(labels.label(s), s.ulid, labels.when(s.deletedAt))
      end,
    }, function(s)
      if not s then
        return cb({ message = "cancelled" })
      end
      restore(s, cb)
    end)
  end)
end

--- ULIDs in the trash starting with `lead`, for :SessiondRestore <Tab>.
function M.complete_trash(lead)
  local err, res = client().request_sync(
    methods.list,
    { limit = 200, deleted = true },
    2000,
    { silent = true }
  )
  if err or not res then
    return {}
  end
  return vim.tbl_filter(
    function(u)
      return vim.startswith(u, lead or "")
    end,
    vim.tbl_map(function(s)
      return s.ulid
    end, res.sessions or {})
  )
end

return M
