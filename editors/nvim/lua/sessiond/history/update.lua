-- Drawn histories follow the store in place: a new turn goes in at the
-- bottom, a changed session rewrites the header's two lines, a streaming
-- reply replaces its own block. Nothing above moves, so cursors and views
-- stay; a window that does not follow is told of turns below it (history/below.lua).
local below = require("sessiond.history.below")
local changes = require("sessiond.changes")
local chat = require("sessiond.chat")
local draw = require("sessiond.history.draw")
local fetch = require("sessiond.history.fetch")
local layout = require("sessiond.layout")
local reload = require("sessiond.history.reload")
local state = require("sessiond.history.state")

local M = {}

-- Replaces the streaming block of `buf` with `st.pending` (nil: removes it).
local function redraw_pending(buf, st)
  local part = st.pending and layout.pending(st.pending) or { lines = {}, marks = {} }
  local wins = draw.followers(buf)
  vim.api.nvim_buf_clear_namespace(buf, draw.ns, st.body_end, st.body_end + st.pending_lines)
  draw.write(buf, st.body_end, st.body_end + st.pending_lines, part.lines)
  draw.put_marks(buf, st.body_end, part)
  st.pending_lines = #part.lines
  for row in pairs(st.links) do
    if row >= st.body_end then
      st.links[row] = nil
    end
  end
  for i, child in ipairs(st.children) do
    st.links[st.body_end + st.pending_lines + i] = child.ulid
  end
  draw.follow(buf, wins)
end

-- Rewrites the header's first lines (title, facts, where, models and tokens)
-- in place; when their number changed (a first model or usage), the whole
-- history is drawn anew, which keeps each window on its turn.
local function redraw_facts(buf, st)
  local top = layout.top(st.session)
  if #top ~= st.top_lines then
    return reload.refresh(buf)
  end
  draw.write(
    buf,
    0,
    #top,
    vim.tbl_map(function(l)
      return l[1]
    end, top)
  )
  vim.api.nvim_buf_clear_namespace(buf, draw.ns, 0, #top)
  for i, l in ipairs(top) do
    vim.api.nvim_buf_set_extmark(buf, draw.ns, i - 1, 0, { end_col = #l[1], hl_group = l[2] })
  end
end

-- A turn's meta counted into its session, as the daemon sums them (its
-- Session says so on the next read): the model named, the tokens added.
local function count_meta(session, meta)
  if type(meta) ~= "table" then
    return
  end
  if type(meta.model) == "string" and meta.model ~= "" then
    session.models = type(session.models) == "table" and session.models or {}
    if not vim.tbl_contains(session.models, meta.model) then
      table.insert(session.models, meta.model)
    end
  end
  if type(meta.usage) == "table" then
    local sum = type(session.usage) == "table" and session.usage or {}
    for _, key in ipairs({ "inputTokens", "outputTokens", "cacheReadTokens", "cacheWriteTokens" }) do
      sum[key] = (tonumber(sum[key]) or 0) + (tonumber(meta.usage[key]) or 0)
    end
    session.usage = sum
  end
end

--- A turn stored (here or by any process): added at the bottom of its open
--- histories in place. A turn already shown is ignored; a gap means a re-read.
---@param e sessiond.Event
function M.on_append(e)
  if state.defer(function()
    M.on_append(e)
  end) then
    return
  end
  for _, buf in ipairs(state.drawn_of(e.sessionId)) do
    local st = state.get(buf)
    local last = #st.events > 0 and st.events[#st.events].seq or 0
    if e.seq > last + 1 and (#st.events > 0 or e.seq > (st.session.eventCount or 0) + 1) then
      reload.refresh(buf)
    elseif e.seq > last then
      local part, day, text_row = layout.event(e, st.day)
      local wins = draw.followers(buf)
      local at = st.body_end
      draw.write(buf, at, at, part.lines)
      draw.put_marks(buf, at, part)
      st.rows[e.seq] = at + text_row - 1
      local shifted = {}
      for row, ulid in pairs(st.links) do
        shifted[row >= at and row + #part.lines or row] = ulid
      end
      st.links = shifted
      draw.highlight_turns(
        buf,
        { { row = at + text_row, kind = e.kind, text = layout.text(e.text) } }
      )
      st.body_end = at + #part.lines
      st.day = day
      table.insert(st.events, e)
      st.session.eventCount = math.max(st.session.eventCount or 0, e.seq)
      count_meta(st.session, e.meta)
      redraw_facts(buf, st)
      draw.follow(buf, wins)
      below.arrived(buf, at + 1, wins)
    end
  end
end

--- A session changed (ended, renamed, deleted, restored) or started.
---@param s sessiond.Session
function M.on_session(s)
  if s.parentUlid then
    fetch.forget_family()
  end
  if state.defer(function()
    M.on_session(s)
  end) then
    return
  end
  for _, buf in ipairs(state.bufs()) do
    local st = state.get(buf)
    if st.ready and st.session then
      if st.session.id == s.id then
        local count = math.max(st.session.eventCount or 0, s.eventCount or 0)
        st.session = vim.tbl_extend("force", s, { eventCount = count })
        redraw_facts(buf, st)
        local notice = chat.no_engine_line(st.session)
        if notice ~= st.notice then
          st.notice = notice
          draw.footer(buf, st)
        end
      elseif s.parentUlid == st.session.ulid then
        local known = vim.iter(st.children):find(function(c)
          return c.ulid == s.ulid
        end)
        if not known then
          table.insert(st.children, s)
          reload.refresh(buf) -- the footer grows; a re-read keeps every row right
        end
      end
    end
  end
end

--- Shows (or, with nil, removes) the streaming reply of a session in its open histories.
---@param session_id integer
---@param pending? sessiond.Pending
function M.set_pending(session_id, pending)
  for _, buf in ipairs(state.bufs()) do
    local st = state.get(buf)
    if st.session and st.session.id == session_id then
      st.pending = pending -- a history being read draws it when its read is done
    end
  end
  for _, buf in ipairs(state.drawn_of(session_id)) do
    redraw_pending(buf, state.get(buf))
  end
end

changes.on("append", M.on_append)
changes.on("session", M.on_session)
changes.on("pending", M.set_pending)
changes.on("reread", reload.refresh_all)

return M
