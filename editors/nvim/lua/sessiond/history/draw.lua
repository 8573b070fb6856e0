-- What history buffers show and how it changes: a header, one block per turn
-- (markdown-highlighted), links to the session it continues and to its
-- continuations. New turns are added at the bottom in place, so a reader's
-- cursor and view stay where they are. history/init.lua owns buffers and windows.
local config = require("sessiond.config")
local layout = require("sessiond.layout")
local markdown = require("sessiond.markdown")
local util = require("sessiond.util")

local M = {}

M.prefix = "sessiond://"
local ns = vim.api.nvim_create_namespace("sessiond_history")
local CHILDREN_SCAN = 1000 -- continuations are looked for among the newest sessions

---@class sessiond.History
---@field session? sessiond.Session
---@field parent? sessiond.Session|{ ulid: string }
---@field children sessiond.Session[]
---@field events sessiond.Event[] shown, oldest first
---@field rows table<integer, integer> seq -> 0-based row of its "#seq" line
---@field links table<integer, string> 0-based row -> ULID it opens
---@field body_end integer row where the next turn goes (pending and footer follow)
---@field pending? sessiond.Pending
---@field pending_lines integer
---@field footer_lines integer
---@field day? string day of the last turn shown
---@field from_seq? integer show turns from this seq on (a search hit further back)
---@field generation integer only the newest read may draw
---@field ready boolean drawn at least once
---@field waiters fun()[] called after the next full draw
local states = {}

--- Starts keeping state for a history buffer (once per buffer).
function M.attach(buf)
  states[buf] = states[buf]
    or {
      children = {},
      events = {},
      rows = {},
      links = {},
      body_end = 0,
      pending_lines = 0,
      footer_lines = 0,
      generation = 0,
      ready = false,
      waiters = {},
    }
  return states[buf]
end

function M.detach(buf)
  states[buf] = nil
end

local function ulid_of(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  return vim.startswith(name, M.prefix) and name:sub(#M.prefix + 1) or nil
end
M.ulid_of = ulid_of

--- Loaded history buffers.
---@return integer[]
function M.bufs()
  return vim.tbl_filter(function(buf)
    return vim.api.nvim_buf_is_loaded(buf) and states[buf] ~= nil and ulid_of(buf) ~= nil
  end, vim.api.nvim_list_bufs())
end

---@return sessiond.History?
function M.state(buf)
  return states[buf ~= 0 and buf or vim.api.nvim_get_current_buf()]
end

local function write(buf, from, to, lines)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, from, to, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
end

local function put_marks(buf, row, part)
  for _, m in ipairs(part.marks) do
    local len = #part.lines[m[1] + 1]
    local end_col = m[3] == -1 and len or math.min(m[3], len)
    vim.api.nvim_buf_set_extmark(
      buf,
      ns,
      row + m[1],
      m[2],
      { end_col = end_col, hl_group = m[4], strict = false }
    )
  end
end

-- Windows whose cursor is on the last line follow new turns, like a chat.
local function followers(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  return vim.tbl_filter(function(win)
    return vim.api.nvim_win_get_cursor(win)[1] == last
  end, vim.fn.win_findbuf(buf))
end

local function follow(buf, wins)
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(wins) do
    vim.api.nvim_win_set_cursor(win, { last, 0 })
  end
end

-- The seq whose block holds `row`, and how far into it.
local function seq_at(st, row)
  local best, at = nil, -1
  for seq, r in pairs(st.rows) do
    if r <= row and r > at then
      best, at = seq, r
    end
  end
  return best, best and row - at or nil
end

local function draw(buf, st)
  local session = st.session
  local hidden = math.max((session.eventCount or 0) - #st.events, 0)
  if #st.events > 0 then
    hidden = st.events[1].seq - 1
  end
  local head, link_row = layout.header(session, st.parent, hidden)
  local lines, parts = vim.list_extend({}, head.lines), { { 0, head } }
  st.rows, st.links, st.day = {}, {}, nil
  if link_row then
    st.links[link_row] = st.parent.ulid
  end
  local md = {}
  for _, e in ipairs(st.events) do
    local part, day, text_row = layout.event(e, st.day)
    st.day = day
    table.insert(parts, { #lines, part })
    st.rows[e.seq] = #lines + text_row - 1
    table.insert(md, { row = #lines + text_row, kind = e.kind, text = layout.text(e.text) })
    vim.list_extend(lines, part.lines)
  end
  st.body_end = #lines
  st.pending_lines = 0
  if st.pending then
    local part = layout.pending(st.pending)
    table.insert(parts, { #lines, part })
    vim.list_extend(lines, part.lines)
    st.pending_lines = #part.lines
  end
  local foot = layout.footer(st.children)
  for i, child in ipairs(st.children) do
    st.links[#lines + i] = child.ulid
  end
  table.insert(parts, { #lines, foot })
  vim.list_extend(lines, foot.lines)
  st.footer_lines = #foot.lines

  -- Keep each window on the turn it showed (older turns may have been added above).
  local views = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local view = vim.api.nvim_win_call(win, vim.fn.winsaveview)
    local seq, off = seq_at({ rows = st.ready and st.old_rows or {} }, view.lnum - 1)
    views[win] = { view = view, seq = seq, off = off, old = st.ready and st.old_rows or {} }
  end
  local follow_wins = st.ready and followers(buf) or {}
  write(buf, 0, -1, lines)
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, p in ipairs(parts) do
    put_marks(buf, p[1], p[2])
  end
  for win, v in pairs(views) do
    local old = v.seq and v.old[v.seq]
    local new = v.seq and st.rows[v.seq]
    if old and new and new ~= old then
      v.view.lnum = new + v.off + 1
      v.view.topline = math.max(v.view.topline + new - old, 1)
    end
    v.view.lnum = math.min(v.view.lnum, #lines)
    vim.api.nvim_win_call(win, function()
      vim.fn.winrestview(v.view)
    end)
  end
  follow(buf, follow_wins)
  st.old_rows = st.rows
  markdown.reset(buf)
  M.highlight_turns(buf, md)
end

-- For history/update.lua, which changes drawn histories in place.
M.write, M.put_marks, M.followers, M.follow = write, put_marks, followers, follow
M.ns = ns

--- Hands the prompts and replies to markdown.lua (other kinds are tool output, kept plain).
function M.highlight_turns(buf, blocks)
  markdown.highlight(
    buf,
    vim.tbl_filter(function(b)
      return b.kind == "prompt" or b.kind == "system"
    end, blocks)
  )
end

local function note(buf, text)
  write(buf, 0, -1, { text })
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  vim.api.nvim_buf_set_extmark(buf, ns, 0, 0, { end_col = #text, hl_group = "SessiondAlert" })
end

-- While any history is being read, changes wait for the reads to be drawn, so
-- that an answer read before a change can't draw over it.
local deferred = {}

local function loading()
  return vim.iter(M.bufs()):any(function(buf)
    return states[buf].loading
  end)
end

--- Holds `fn` until every history being read is drawn; false when none is being read.
function M.defer(fn)
  if loading() then
    table.insert(deferred, fn)
    return true
  end
  return false
end

local function done(buf, st)
  st.ready, st.loading = true, false
  if not loading() then
    local queued = deferred
    deferred = {}
    for _, fn in ipairs(queued) do -- what arrived while reads were in flight, newer than them
      fn()
    end
  end
  local waiters = st.waiters
  st.waiters = {}
  for _, fn in ipairs(waiters) do
    fn(buf)
  end
end

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
  local methods = require("sessiond.protocol").methods
  require("sessiond.client").request(methods.list, { limit = CHILDREN_SCAN }, function(err, res)
    family.sessions, family.at = not err and res and res.sessions or {}, vim.uv.hrtime()
    local waiting = family.waiting
    family.waiting = nil
    for _, fn in ipairs(waiting) do
      fn()
    end
  end, { silent = true })
end

--- Reads the session anew and redraws `buf`. `cb(buf)` runs once it is drawn.
---@param buf integer
---@param cb? fun(buf: integer)
function M.refresh(buf, cb)
  buf = buf ~= 0 and buf or vim.api.nvim_get_current_buf()
  local st, ulid = states[buf], ulid_of(buf)
  if not (st and ulid) then
    return
  end
  if cb then
    table.insert(st.waiters, cb)
  end
  st.generation = st.generation + 1
  st.loading = true
  local generation = st.generation
  local function current()
    return states[buf] == st and st.generation == generation and vim.api.nvim_buf_is_valid(buf)
  end
  local client = require("sessiond.client")
  local methods = require("sessiond.protocol").methods
  client.request(methods.get, { ulid = ulid }, function(err, session)
    if not current() then
      return
    end
    if err or not session then
      st.session, st.events, st.rows, st.links, st.pending = nil, {}, {}, {}, nil
      note(
        buf,
        err and ("could not read: " .. (err.message or "?"))
          or ("no session " .. ulid .. " in this database")
      )
      return done(buf, st)
    end
    local waiting, events, parent, children = 3, {}, nil, {}
    local function one()
      waiting = waiting - 1
      if waiting == 0 and current() then
        st.session, st.events, st.parent, st.children = session, events, parent, children
        draw(buf, st)
        done(buf, st)
      end
    end
    local limit = config.get().history_limit
    if st.from_seq then
      limit = math.max(limit, (session.eventCount or 0) - st.from_seq + 1)
    end
    limit = math.min(limit, require("sessiond.protocol").max_limit)
    client.request(methods.events, { sessionId = session.id, limit = limit }, function(e2, res)
      events = not e2 and res and res.events or {}
      one()
    end)
    if session.parentUlid then
      parent = { ulid = session.parentUlid }
      client.request(methods.get, { ulid = session.parentUlid }, function(e3, p)
        parent = not e3 and p or parent
        one()
      end, { silent = true })
    else
      one()
    end
    M.children_of(session.ulid, function(found)
      children = found
      one()
    end)
  end)
end

function M.refresh_all()
  for _, buf in ipairs(M.bufs()) do
    M.refresh(buf)
  end
end

return M
