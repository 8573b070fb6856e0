-- Reading a history buffer anew: fetch (history/fetch.lua), then draw
-- (history/draw.lua). Only the newest read of a buffer may draw; changes that
-- arrive meanwhile wait for it (history/state.lua).
local below = require("sessiond.history.below")
local chat = require("sessiond.chat")
local draw = require("sessiond.history.draw")
local fetch = require("sessiond.history.fetch")
local state = require("sessiond.history.state")

local M = {}

--- Reads the session anew and redraws `buf`. `cb(buf)` runs once it is drawn.
---@param buf integer 0: the current buffer
---@param cb? fun(buf: integer)
function M.refresh(buf, cb)
  buf = buf ~= 0 and buf or vim.api.nvim_get_current_buf()
  local st, ulid = state.get(buf), state.ulid_of(buf)
  if not (st and ulid) then
    return
  end
  if cb then
    table.insert(st.waiters, cb)
  end
  st.generation = st.generation + 1
  st.loading = true
  local generation = st.generation
  fetch.history(ulid, st.from_seq, function(err, data)
    local newest = state.get(buf) == st and st.generation == generation
    if not (newest and vim.api.nvim_buf_is_valid(buf)) then
      return
    end
    if not data then
      st.session, st.events, st.rows, st.links, st.pending = nil, {}, {}, {}, nil
      draw.note(
        buf,
        err and ("could not read: " .. (err.message or "?"))
          or ("no session " .. ulid .. " in this database")
      )
      return state.done(buf, st)
    end
    st.session, st.events, st.parent, st.children =
      data.session, data.events, data.parent, data.children
    st.notice = chat.no_engine_line(data.session)
    below.clear(buf) -- its rows are drawn anew
    draw.all(buf, st)
    state.done(buf, st)
  end)
end

function M.refresh_all()
  for _, buf in ipairs(state.bufs()) do
    M.refresh(buf)
  end
end

return M
