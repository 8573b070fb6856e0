-- Every change to the store reaches the views through here, whether the
-- daemon reported it (client.lua's router) or this Neovim just made it (so the
-- views update at once, before the notification; duplicates are ignored by seq).
-- Only modules already loaded are told: nothing is opened by a notification.
local M = {}

local function loaded(name)
  return package.loaded[name]
end

--- A session started, ended, renamed, deleted or restored.
---@param session sessiond.Session
function M.did_change(session)
  require("sessiond.current").on_session(session)
  local sidebar, history = loaded("sessiond.sidebar"), loaded("sessiond.history")
  if sidebar then
    sidebar.on_session(session)
  end
  if history then
    history.on_session(session)
  end
end

M.did_start = M.did_change

--- A turn was stored.
---@param event sessiond.Event
function M.did_append(event)
  local sidebar, history, chat =
    loaded("sessiond.sidebar"), loaded("sessiond.history"), loaded("sessiond.chat")
  if sidebar then
    sidebar.on_append(event)
  end
  if history then
    history.on_append(event)
  end
  if chat then
    chat.on_append(event) -- after the history drew the turn, so the streaming block moves below it
  end
end

return M
