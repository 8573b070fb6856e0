-- :SessiondSearch (protocol version 3): the sessions `session/find` answers,
-- best first, one picker row each (its hit count and its best turn) through
-- vim.ui.select (telescope, fzf-lua or snacks users get theirs), opened at
-- that turn; or with a bang in the quickfix list, an entry for each of their
-- hits on its line of the history. When no session holds every word, the
-- daemon answers the closest ones (`relaxed`), and the picker says so.
local client = require("sessiond.client")
local config = require("sessiond.config")
local history = require("sessiond.history")
local labels = require("sessiond.labels")
local layout = require("sessiond.layout")
local protocol = require("sessiond.protocol")
local util = require("sessiond.util")
local windows = require("sessiond.windows")
local workspace = require("sessiond.workspace")

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

--- A hit's turn on one line: when, kind, snippet, with the matches in «…».
---@param hit sessiond.Hit
function M.turn(hit)
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
  return ("%s · %s · %s"):format(
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

--- How many of a result's turns match, as its row says it: "1 hit", "2 hits",
--- "3+ hits" when it has as many as session/find gives (it may have more),
--- "title matches" when only its title does.
---@param r sessiond.FindResult
---@return string
function M.hit_count(r)
  local n = #r.hits
  if n == 0 then
    return "title matches"
  end
  local more = n >= protocol.find_hits and "+" or ""
  return ("%d%s hit%s"):format(n, more, (n == 1 and more == "") and "" or "s")
end

--- One picker row for a session: where it comes from (when not here), its
--- name, its hit count, then its best turn (when it was, kind, snippet).
---@param r sessiond.FindResult
---@return string
function M.format_result(r)
  local where = labels.where(r.session, workspace.cwd(), protocol.source)
  local head = ("%s%s · %s"):format(
    where ~= "" and (where .. " ") or "",
    labels.fit(labels.label(r.session), 40),
    M.hit_count(r)
  )
  local best = r.hits[1]
  if not best then
    return head .. " · " .. labels.when(r.session.lastActivityAt or r.session.startedAt)
  end
  return head .. " · " .. M.turn(best)
end

-- What the picker's prompt and the quickfix title say about the results.
local function what(query, results, relaxed)
  local n = #results
  local sessions = ("%d session%s"):format(n, n == 1 and "" or "s")
  if relaxed then
    sessions = ("%d closest session%s (not every word)"):format(n, n == 1 and "" or "s")
  end
  return ("%s for %s"):format(sessions, labels.one_line(query))
end

--- Opens a result: at its best turn, or (only its title matched) at its newest.
---@param r sessiond.FindResult
---@param cb? fun(buf: integer)
function M.open_result(r, cb)
  if r.hits[1] then
    return M.open(r.hits[1], cb)
  end
  M.clear_matches()
  history.open(r.session.ulid, window(), { on_drawn = cb })
end

-- One row per session, best first; the chosen one opens at its best turn.
local function pick(query, results, relaxed)
  vim.ui.select(results, {
    prompt = "sessiond: " .. what(query, results, relaxed),
    kind = "sessiond_session_hits",
    format_item = M.format_result,
  }, function(r)
    if r then
      M.open_result(r)
    end
  end)
end

-- Loads each session's history (so every entry has its line), then fills the
-- list: an entry for each hit of each result, best session first; a session
-- only its title matched gets one entry, on its first line.
local function quickfix(query, results, relaxed, cb)
  M.clear_matches()
  local bufs, waiting = {}, #results
  local function fill()
    local items = {}
    for _, r in ipairs(results) do
      local buf = bufs[r.session.ulid]
      local module = labels.fit(labels.label(r.session), 30)
      if #r.hits == 0 then
        table.insert(items, {
          bufnr = buf,
          lnum = 1,
          col = 1,
          module = module,
          text = "its title matches",
          user_data = { ulid = r.session.ulid },
        })
      end
      for _, hit in ipairs(r.hits) do
        local lnum, col = M.locate(buf, hit.seq, M.words(hit))
        table.insert(items, {
          bufnr = buf,
          lnum = lnum or 1,
          col = (col or 0) + 1,
          module = module,
          text = ("#%d %s %s · %s"):format(
            hit.seq,
            labels.kind(hit.kind),
            util.local_time(hit.createdAt, "%Y-%m-%d %H:%M"),
            labels.one_line(hit.snippet)
          ),
          user_data = { ulid = r.session.ulid, seq = hit.seq },
        })
      end
    end
    vim.fn.setqflist(
      {},
      " ",
      { title = ":SessiondSearch " .. what(query, results, relaxed), items = items }
    )
    vim.cmd("botright copen")
    cb(nil, items)
  end
  for _, r in ipairs(results) do
    local oldest
    for _, hit in ipairs(r.hits) do
      oldest = math.min(oldest or hit.seq, hit.seq)
    end
    bufs[r.session.ulid] = history.load(r.session.ulid, oldest, function()
      waiting = waiting - 1
      if waiting == 0 then
        fill()
      end
    end)
  end
end

-- The results as the wire has them, each checked: a session, and hits that each have a turn.
local function checked(res)
  local out = {}
  for _, r in ipairs(type(res) == "table" and type(res.results) == "table" and res.results or {}) do
    if type(r) == "table" and type(r.session) == "table" and type(r.session.ulid) == "string" then
      local hits = vim.tbl_filter(function(h)
        return type(h) == "table" and type(h.seq) == "number"
      end, type(r.hits) == "table" and r.hits or {})
      for _, h in ipairs(hits) do
        h.session = type(h.session) == "table" and h.session or r.session
      end
      table.insert(out, { session = r.session, score = r.score, hits = hits })
    end
  end
  return out
end

--- Finds the sessions that answer `query` (the daemon's query language),
--- best first: a picker, or with `bang` the quickfix list.
---@param query? string
---@param bang? boolean fill the quickfix list instead of picking
---@param cb? sessiond.Callback called with the results (or the quickfix items)
function M.search(query, bang, cb)
  cb = cb or function() end
  if not query or vim.trim(query) == "" then
    notify(":SessiondSearch needs a query, e.g. :SessiondSearch sqlite wal", vim.log.levels.ERROR)
    return cb({ message = "no query" })
  end
  local limit = math.max(math.min(config.get().search_limit, protocol.max_find_limit), 1)
  local params = { query = query, limit = limit }
  client.request(protocol.methods.find, params, function(err, res)
    if err then
      return cb(err)
    end
    local results = checked(res)
    if #results == 0 then
      notify("nothing matches " .. labels.one_line(query))
      return cb(nil, {})
    end
    local relaxed = res.relaxed == true
    if bang then
      if relaxed then
        notify("no session holds every word of " .. labels.one_line(query) .. ": the closest ones")
      end
      return quickfix(query, results, relaxed, cb)
    end
    pick(query, results, relaxed)
    cb(nil, results)
  end)
end

return M
