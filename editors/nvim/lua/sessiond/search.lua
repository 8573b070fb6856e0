-- :SessiondSearch (protocol version 2): the hits of `session/search` in a
-- picker through vim.ui.select (telescope, fzf-lua or snacks users get theirs),
-- or with a bang in the quickfix list, each entry on its line of the history.
local client = require("sessiond.client")
local config = require("sessiond.config")
local history = require("sessiond.history")
local labels = require("sessiond.labels")
local layout = require("sessiond.layout")
local protocol = require("sessiond.protocol")
local util = require("sessiond.util")
local windows = require("sessiond.windows")

local M = {}

local ns_match = vim.api.nvim_create_namespace("sessiond_match")

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

--- The matched words of a hit: its snippet's highlighted spans (code point offsets).
---@param hit sessiond.Hit
---@return string[]
function M.words(hit)
  local out, seen = {}, {}
  for _, h in ipairs(hit.highlights or {}) do
    local from, to = tonumber(h[1]), tonumber(h[2])
    if from and to and to > from then
      local w = vim.fn.strcharpart(hit.snippet or "", from, to - from)
      if w ~= "" and not seen[w] then
        seen[w] = true
        table.insert(out, w)
      end
    end
  end
  return out
end

--- One line for a hit: session, time, kind, snippet, with the matches in «…».
---@param hit sessiond.Hit
function M.format(hit)
  local snippet, marks = hit.snippet or "", {}
  for _, h in ipairs(hit.highlights or {}) do
    table.insert(marks, { tonumber(h[1]) or 0, tonumber(h[2]) or 0 })
  end
  table.sort(marks, function(a, b)
    return a[1] > b[1]
  end)
  for _, m in ipairs(marks) do -- from the end, so earlier offsets still hold
    local n = vim.fn.strchars(snippet)
    if m[1] >= 0 and m[2] <= n and m[2] > m[1] then
      snippet = vim.fn.strcharpart(snippet, 0, m[1])
        .. "«"
        .. vim.fn.strcharpart(snippet, m[1], m[2] - m[1])
        .. "»"
        .. vim.fn.strcharpart(snippet, m[2])
    end
  end
  local label = labels.label(hit.session)
  return ("%s · %s · %s · %s"):format(
    labels.fit(label, 40),
    labels.when(hit.createdAt),
    labels.kind(hit.kind),
    labels.one_line(snippet)
  )
end

--- Where `words` (matched text from a search snippet) first occur in turn `seq`,
--- as a 1-based line and 0-based column; the matches get SessiondMatch.
---@return integer? lnum, integer? col
function M.locate(buf, seq, words)
  local st = history.state(buf)
  local row = st and st.rows[seq]
  if not row then
    return nil
  end
  local stop = #st.events
  for i, e in ipairs(st.events) do
    if e.seq == seq then
      stop = i
    end
  end
  local e = st.events[stop]
  local n = #vim.split(layout.text(e.text), "\n", { plain = true })
  local lines = vim.api.nvim_buf_get_lines(buf, row + 1, row + 1 + n, false)
  local first
  for i, line in ipairs(lines) do
    for _, w in ipairs(words) do
      local from = w ~= "" and line:find(w, #layout.INDENT + 1, true)
      while from do
        local r = row + i
        vim.api.nvim_buf_set_extmark(buf, ns_match, r, from - 1, {
          end_col = from - 1 + #w,
          hl_group = "SessiondMatch",
          priority = 250,
        })
        first = first or { r + 1, from - 1 }
        from = line:find(w, from + #w, true)
      end
    end
  end
  first = first or { row + 1, 0 }
  return first[1], first[2]
end

--- Clears search matches from every history.
function M.clear_matches()
  for _, buf in ipairs(history.bufs()) do
    vim.api.nvim_buf_clear_namespace(buf, ns_match, 0, -1)
  end
end

-- A normal window to show a history in: the current one when it is normal, else the sidebar's target.
local function window()
  local win = vim.api.nvim_get_current_win()
  if windows.is_normal(win) and vim.bo.buftype ~= "quickfix" then
    return win
  end
  return windows.target(win)
end

--- Opens a hit's session, the cursor on the match, the matches highlighted.
---@param hit sessiond.Hit
---@param cb? fun(buf: integer) once the cursor is on the match
function M.open(hit, cb)
  M.clear_matches()
  local win = window()
  history.open(hit.session.ulid, win, {
    seq = hit.seq,
    on_drawn = function(buf)
      local lnum, col = M.locate(buf, hit.seq, M.words(hit))
      if lnum and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) == buf then
        vim.api.nvim_win_set_cursor(win, { lnum, col })
      end
      if cb then
        cb(buf)
      end
    end,
  })
end

---@class sessiond.SessionHits
---@field session sessiond.Session
---@field hits sessiond.Hit[] its hits, best first

--- The hits grouped by session, in the order of each session's best hit.
---@param hits sessiond.Hit[]
---@return sessiond.SessionHits[]
function M.by_session(hits)
  local out, at = {}, {}
  for _, hit in ipairs(hits) do
    local u = hit.session.ulid
    if not at[u] then
      table.insert(out, { session = hit.session, hits = {} })
      at[u] = #out
    end
    table.insert(out[at[u]].hits, hit)
  end
  return out
end

--- One picker row for a session: its best hit as M.format shows it, with the count.
---@param group sessiond.SessionHits
function M.format_group(group)
  local n = #group.hits
  local line = M.format(group.hits[1])
  if n == 1 then
    return line
  end
  local label = labels.fit(labels.label(group.session), 40)
  return label .. (" · %d hits"):format(n) .. line:sub(#label + 1)
end

-- One row per session (its hit count, its best hit); the session opens on that hit.
local function pick(query, hits)
  local groups = M.by_session(hits)
  vim.ui.select(groups, {
    prompt = ("sessiond: %d hit%s in %d session%s for %s"):format(
      #hits,
      #hits == 1 and "" or "s",
      #groups,
      #groups == 1 and "" or "s",
      labels.one_line(query)
    ),
    kind = "sessiond_session_hits",
    format_item = M.format_group,
  }, function(group)
    if group then
      M.open(group.hits[1])
    end
  end)
end

-- Loads each hit's history (so every entry has its line), then fills the list.
local function quickfix(query, hits, cb)
  M.clear_matches()
  local by_ulid, order = {}, {}
  for _, hit in ipairs(hits) do
    local u = hit.session.ulid
    if not by_ulid[u] then
      by_ulid[u] = {}
      table.insert(order, u)
    end
    table.insert(by_ulid[u], hit)
  end
  local bufs, waiting = {}, #order
  local function fill()
    local items = {}
    for _, hit in ipairs(hits) do
      local buf = bufs[hit.session.ulid]
      local lnum, col = M.locate(buf, hit.seq, M.words(hit))
      table.insert(items, {
        bufnr = buf,
        lnum = lnum or 1,
        col = (col or 0) + 1,
        module = labels.fit(labels.label(hit.session), 30),
        text = ("#%d %s %s · %s"):format(
          hit.seq,
          labels.kind(hit.kind),
          util.local_time(hit.createdAt, "%Y-%m-%d %H:%M"),
          labels.one_line(hit.snippet)
        ),
        user_data = { ulid = hit.session.ulid, seq = hit.seq },
      })
    end
    vim.fn.setqflist(
      {},
      " ",
      { title = ":SessiondSearch " .. labels.one_line(query), items = items }
    )
    vim.cmd("botright copen")
    cb(nil, items)
  end
  for _, u in ipairs(order) do
    local oldest = math.huge
    for _, hit in ipairs(by_ulid[u]) do
      oldest = math.min(oldest, hit.seq)
    end
    bufs[u] = history.load(u, oldest, function()
      waiting = waiting - 1
      if waiting == 0 then
        fill()
      end
    end)
  end
end

--- Searches every session's turns for `query` (the daemon's query language).
---@param query? string
---@param bang? boolean fill the quickfix list instead of picking
---@param cb? sessiond.Callback called with the hits (or quickfix items)
function M.search(query, bang, cb)
  cb = cb or function() end
  if not query or vim.trim(query) == "" then
    notify(":SessiondSearch needs a query, e.g. :SessiondSearch sqlite wal", vim.log.levels.ERROR)
    return cb({ message = "no query" })
  end
  local params = { query = query, limit = config.get().search_limit }
  client.request(protocol.methods.search, params, function(err, res)
    if err then
      return cb(err)
    end
    local hits = vim.tbl_filter(function(h)
      return type(h) == "table" and type(h.session) == "table" and type(h.seq) == "number"
    end, res and res.hits or {})
    if #hits == 0 then
      notify("nothing matches " .. labels.one_line(query))
      return cb(nil, {})
    end
    if bang then
      return quickfix(query, hits, cb)
    end
    pick(query, hits)
    cb(nil, hits)
  end)
end

return M
