-- What a person changes about a session (protocol version 2): its title, the
-- trash, and undoing the last rename or trash (`u`, as Vim users expect).
-- Nothing is removed for good from here; `sessiond trash empty` does that.
local changes = require("sessiond.changes")
local client = require("sessiond.client")
local labels = require("sessiond.labels")
local protocol = require("sessiond.protocol")

local M = {}

local methods = protocol.methods

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

local function changed(session)
  changes.did_change(session)
end

---@class sessiond.Undo
---@field what "rename"|"delete"
---@field session sessiond.Session as it was before
---@field title? string its title before a rename (nil: none)

local undo_stack = {} ---@type sessiond.Undo[] newest last
local MAX_UNDO = 100

local function remember(entry)
  table.insert(undo_stack, entry)
  if #undo_stack > MAX_UNDO then
    table.remove(undo_stack, 1)
  end
end

--- Asks for a new title, prefilled with the name it goes by now (its title,
--- else its preview); empty clears the title.
---@param session sessiond.Session
---@param cb? sessiond.Callback
function M.rename(session, cb)
  cb = cb or function() end
  local name, kind = labels.label(session)
  vim.ui.input(
    { prompt = "Title (empty clears it): ", default = kind == "none" and "" or name },
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
---@param opts? { undoing?: boolean } an undo is not remembered as a change
function M.set_title(session, title, cb, opts)
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
  -- The title before, as the store has it (the caller's copy may be older).
  client.request(methods.get, { ulid = session.ulid }, function(_, fresh)
    local before = fresh and fresh.title or nil
    client.request(methods.rename, params, function(err, s)
      if not err then
        if not (opts and opts.undoing) then
          remember({ what = "rename", session = s, title = before })
        end
        changed(s)
        notify(
          title == "" and ("cleared the title of " .. s.ulid) or ("renamed to " .. labels.named(s))
        )
      end
      cb(err, s)
    end)
  end, { silent = true })
end

--- Moves `session` to the trash and says how to bring it back.
---@param session sessiond.Session
---@param cb? sessiond.Callback
function M.delete(session, cb)
  cb = cb or function() end
  client.request(methods.delete, { sessionId = session.id }, function(err, s)
    if not err then
      remember({ what = "delete", session = s })
      changed(s)
      notify(
        ("moved %s to the trash: u or :SessiondRestore %s brings it back"):format(
          labels.named(s),
          s.ulid
        )
      )
    end
    cb(err, s)
  end)
end

local function restore(session, cb)
  client.request(methods.restore, { sessionId = session.id }, function(err, s)
    if not err then
      changed(s)
      notify("restored " .. labels.named(s))
    end
    cb(err, s)
  end)
end

--- `u`: undoes the last rename or trash made here (a trashed session comes
--- back, a title goes back to what it was); says so when there is nothing to undo.
---@param cb? sessiond.Callback
function M.undo(cb)
  cb = cb or function() end
  local last = table.remove(undo_stack)
  if not last then
    notify("nothing to undo: no rename or trash since Neovim started")
    return cb({ message = "nothing to undo" })
  end
  if last.what == "delete" then
    return restore(last.session, cb)
  end
  M.set_title(last.session, last.title or "", cb, { undoing = true })
end

--- The trash, newest first.
---@param cb fun(err: sessiond.ClientError?, sessions: sessiond.Session[]?)
function M.trash(cb)
  client.request(methods.list, { limit = protocol.max_limit, deleted = true }, function(err, res)
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
    return require("sessiond.lookup").resolve(ulid, function(err, s)
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
  local err, res = client.request_sync(
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
