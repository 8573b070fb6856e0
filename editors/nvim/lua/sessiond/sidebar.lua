-- The sessions sidebar: a scratch buffer in a left split, one line per session.
local config = require("sessiond.config")
local util = require("sessiond.util")

local M = {}

local NAME = "sessiond:sessions"
local HEADER = 2 -- title line + column line; sessions start below
local SCAN = 20 -- events read from a session's start to find its first prompt
local ns = vim.api.nvim_create_namespace("sessiond_sidebar")

local state = {
  buf = nil,
  sessions = {}, -- as listed, one per line after the header
  drawn = {}, -- the ULIDs on screen, line by line, as last drawn
  error = nil, -- last list error, shown in place of the list
  previews = {}, -- ulid -> { text = first prompt | nil, count = events scanned, done = bool }
  generation = 0, -- only the newest refresh may draw
}

local function win_of_buf()
  if not (state.buf and vim.api.nvim_buf_is_valid(state.buf)) then
    return nil
  end
  for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
    if vim.api.nvim_win_get_buf(win) == state.buf then
      return win
    end
  end
end

local function session_at_cursor()
  local row = vim.api.nvim_win_get_cursor(0)[1]
  return state.sessions[row - HEADER]
end

-- Where <CR> shows a history: the window last used, else any other normal window, else a new split.
local function target_window(sidebar)
  local prev = vim.fn.win_getid(vim.fn.winnr("#"))
  local wins = { prev }
  vim.list_extend(wins, vim.api.nvim_tabpage_list_wins(0))
  for _, win in ipairs(wins) do
    if
      win ~= 0
      and win ~= sidebar
      and vim.api.nvim_win_is_valid(win)
      and vim.api.nvim_win_get_config(win).relative == ""
      and vim.api.nvim_win_get_tabpage(win) == vim.api.nvim_get_current_tabpage()
    then
      return win
    end
  end
  vim.cmd("rightbelow vsplit")
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_width(sidebar, config.get().width)
  return win
end

local function open_history()
  local session = session_at_cursor()
  if session then
    require("sessiond.history").open(session.ulid, target_window(vim.api.nvim_get_current_win()))
  end
end

local function continue_session()
  local session = session_at_cursor()
  if session then
    require("sessiond").continue(session.ulid)
  end
end

local function ensure_buf()
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    return state.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, NAME)
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "sessiond_sessions"
  local function map(lhs, fn, desc)
    vim.keymap.set("n", lhs, fn, { buffer = buf, nowait = true, silent = true, desc = desc })
  end
  map("<CR>", open_history, "Open this session's history")
  map("r", M.refresh, "Refresh the sessions")
  map("c", continue_session, "Continue this session in a new one")
  map("q", M.close, "Close the sidebar")
  state.buf = buf
  return buf
end

local function render()
  local buf = state.buf
  if not (buf and vim.api.nvim_buf_is_valid(buf)) then
    return
  end
  util.highlights()
  local current = require("sessiond").current()
  local n = #state.sessions
  local lines = {
    (" %d session%s   <CR> open  c continue  r refresh  q close"):format(n, n == 1 and "" or "s"),
    "  ULID       started       ev state  first prompt",
  }
  local marks = { { 0, 0, -1, "SessiondHeader" }, { 1, 0, -1, "SessiondTime" } }
  if state.error then
    table.insert(lines, "  " .. state.error)
  elseif n == 0 then
    table.insert(lines, "  no sessions yet: :SessiondSay {text} starts one")
  end
  -- The opening words fill what the window leaves after the fixed columns.
  local win = win_of_buf()
  local room = math.max((win and vim.api.nvim_win_get_width(win) or config.get().width) - 38, 8)
  for i, s in ipairs(state.sessions) do
    local live = s.endedAt == nil
    local preview = state.previews[s.ulid]
    local line = ("%s %-10s %s %4d %-5s  %s"):format(
      current and current.ulid == s.ulid and "*" or " ",
      s.ulid:sub(1, 10),
      util.local_time(s.startedAt, "%m-%d %H:%M"),
      s.eventCount or 0,
      live and "live" or "ended",
      preview and preview.text and util.opening_words(preview.text, room) or ""
    )
    table.insert(lines, line)
    local row = HEADER + i - 1
    table.insert(marks, { row, 0, 1, "SessiondCurrent" })
    table.insert(marks, { row, 2, 12, "SessiondUlid" })
    table.insert(marks, { row, 13, 24, "SessiondTime" })
    table.insert(marks, { row, 30, 35, live and "SessiondLive" or "SessiondEnded" })
  end
  local cursor = win and vim.api.nvim_win_get_cursor(win)
  -- The cursor stays on its session when new ones push it down.
  local row_of = {}
  for i, s in ipairs(state.sessions) do
    row_of[s.ulid] = HEADER + i
  end
  local at = win and state.drawn[cursor[1] - HEADER]
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, m in ipairs(marks) do
    local end_col = m[3] == -1 and #lines[m[1] + 1] or math.min(m[3], #lines[m[1] + 1])
    vim.api.nvim_buf_set_extmark(buf, ns, m[1], m[2], { end_col = end_col, hl_group = m[4] })
  end
  state.drawn = vim.tbl_map(function(s)
    return s.ulid
  end, state.sessions)
  if win then
    local row = at and row_of[at] or cursor[1]
    row = math.max(math.min(row, #lines), math.min(HEADER + 1, #lines))
    vim.api.nvim_win_set_cursor(win, { row, cursor[2] })
  end
end

-- Reads the first events of each session whose first prompt is not known yet.
local function fetch_previews(generation, done)
  local client = require("sessiond.client")
  local methods = require("sessiond.protocol").methods
  local waiting = 1 -- held until the loop below has sent everything
  local function one_done()
    waiting = waiting - 1
    if waiting == 0 and generation == state.generation then
      done()
    end
  end
  for _, s in ipairs(state.sessions) do
    local p = state.previews[s.ulid]
    if (s.eventCount or 0) > 0 and not (p and (p.done or p.count == s.eventCount)) then
      waiting = waiting + 1
      local params = { sessionId = s.id, limit = SCAN, beforeSeq = SCAN + 1 }
      client.request(methods.events, params, function(err, res)
        if not err then
          local events = res.events or {}
          local first = vim.iter(events):find(function(e)
            return e.kind == "prompt"
          end)
          state.previews[s.ulid] = {
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

function M.refresh()
  if not (state.buf and vim.api.nvim_buf_is_valid(state.buf)) then
    return
  end
  state.generation = state.generation + 1
  local generation = state.generation
  local methods = require("sessiond.protocol").methods
  local params = { limit = config.get().list_limit }
  require("sessiond.client").request(methods.list, params, function(err, res)
    if generation ~= state.generation then
      return
    end
    if err then
      state.error, state.sessions = "could not list sessions: " .. (err.message or "?"), {}
      return render()
    end
    state.error, state.sessions = nil, res.sessions or {}
    fetch_previews(generation, render)
  end)
end

function M.is_open()
  return win_of_buf() ~= nil
end

function M.open()
  local win = win_of_buf()
  if win then
    return vim.api.nvim_set_current_win(win)
  end
  vim.cmd("topleft vsplit")
  win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, ensure_buf())
  vim.api.nvim_win_set_width(win, config.get().width)
  local wo = vim.wo[win]
  wo.winfixwidth, wo.number, wo.relativenumber, wo.wrap = true, false, false, false
  wo.cursorline, wo.signcolumn, wo.foldcolumn, wo.spell, wo.list = true, "no", "0", false, false
  render()
  M.refresh()
end

function M.close()
  local win = win_of_buf()
  if not win then
    return
  end
  if #vim.api.nvim_tabpage_list_wins(0) == 1 then
    vim.cmd("enew") -- the last window can't close; leave an empty buffer instead
  else
    vim.api.nvim_win_close(win, false)
  end
end

function M.toggle()
  if win_of_buf() then
    M.close()
  else
    M.open()
  end
end

-- For tests and statuslines: the sessions as drawn, top to bottom.
function M.sessions()
  return state.sessions
end

return M
