-- History buffers (`sessiond://<ULID>`, filetype `sessiond`, read-only): made
-- here, with their keys and window options, shown in normal windows only,
-- opened at the newest turn, and left with `q` for what the window showed
-- before. What they hold is history/state.lua; reading history/reload.lua
-- (fetch.lua, draw.lua); following the store in place history/update.lua.
local changes = require("sessiond.changes")
local chat = require("sessiond.chat")
local config = require("sessiond.config")
local current = require("sessiond.current")
local edits = require("sessiond.edits")
local keys = require("sessiond.keys")
local reload = require("sessiond.history.reload")
local resume = require("sessiond.resume")
local state = require("sessiond.history.state")
local update = require("sessiond.history.update")
local util = require("sessiond.util")
local windows = require("sessiond.windows")

local M = {}

M.prefix = state.prefix
M.refresh = reload.refresh
M.refresh_all = reload.refresh_all
M.on_append = update.on_append
M.on_session = update.on_session
M.set_pending = update.set_pending
M.state = state.get
M.bufs = state.bufs

local BACK = "sessiond_back" -- w: variable, the buffers this window showed before, newest last
local last_viewed = nil -- the history buffer entered last

--- The history buffer entered last, if it still exists.
---@return integer?
function M.last_viewed()
  return last_viewed and vim.api.nvim_buf_is_valid(last_viewed) and last_viewed or nil
end

-- "↑ N earlier turns not shown": reads `history_limit` more (the view stays on its turn).
local function show_earlier(buf, st)
  local first = st.events[1] and st.events[1].seq or ((st.session.eventCount or 0) + 1)
  st.from_seq = math.max(first - config.get().history_limit, 1)
  reload.refresh(buf)
end

local function follow_link()
  local buf = vim.api.nvim_get_current_buf()
  local st = state.get(buf)
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local ulid = st and st.links[row]
  if ulid then
    return M.open(ulid, vim.api.nvim_get_current_win())
  end
  if st and st.session and st.earlier_row == row then
    return show_earlier(buf, st)
  end
  pcall(vim.cmd, "normal! " .. vim.v.count1 .. "+") -- <CR>'s own meaning elsewhere
end

local function jump(dir)
  local st = state.get(0)
  if not st then
    return
  end
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local best
  for _, r in pairs(st.rows) do
    if
      (dir > 0 and r > row and (not best or r < best))
      or (dir < 0 and r < row and (not best or r > best))
    then
      best = r
    end
  end
  if best then
    vim.cmd("normal! m'") -- so that `` returns
    vim.api.nvim_win_set_cursor(0, { best + 1, 0 })
  end
end

-- Runs fn(session) for the session of this history, once it is read.
local function with_session(fn)
  return function()
    local st = state.get(0)
    if st and st.session then
      fn(st.session)
    end
  end
end

-- A chat buffer under this history (the current window).
local function say_here(s)
  require("sessiond.chat.buffer").open(s, vim.api.nvim_get_current_win())
end

---@type sessiond.Key[]
M.keys = {
  {
    "<CR>",
    "open the session named on a link line (↰ continues, ↳ continued in), or show earlier turns",
    follow_link,
  },
  {
    "i",
    "say something: a chat buffer below, <CR> sends it",
    with_session(say_here),
  },
  {
    "x",
    "resume it in the program it came from, in a terminal (:SessiondResume)",
    with_session(function(s)
      resume.run(s, say_here)
    end),
  },
  {
    "]]",
    "next turn",
    function()
      jump(1)
    end,
  },
  {
    "[[",
    "previous turn",
    function()
      jump(-1)
    end,
  },
  {
    "w",
    "write your next turns here (:SessiondUse)",
    with_session(function(s)
      current.use(s.ulid)
    end),
  },
  {
    "R",
    "rename this session",
    with_session(function(s)
      edits.rename(s)
    end),
  },
  {
    "u",
    "undo the last rename or trash",
    function()
      edits.undo()
    end,
  },
  {
    "<C-c>",
    "stop the reply streaming in (what came is kept)",
    function()
      local st = state.get(0)
      if not (st and st.session and chat.cancel(st.session.id)) then
        vim.notify("sessiond: no reply is streaming here", vim.log.levels.INFO)
      end
    end,
  },
  {
    "r",
    "read it again",
    function()
      reload.refresh(0)
    end,
  },
  {
    "q",
    "back to what this window showed before",
    function()
      M.back()
    end,
  },
}

-- Long replies wrap at words, indented like their turn; markup is not hidden
-- unless setup({ conceal = true }) asked for it.
local function style(win)
  local function set(name, value)
    vim.api.nvim_set_option_value(name, value, { scope = "local", win = win })
  end
  set("wrap", true)
  set("linebreak", true)
  set("breakindent", true)
  set("spell", false)
  set("conceallevel", config.get().conceal and 2 or 0)
end

local function prepare(buf)
  local st = state.attach(buf)
  if st.prepared then
    return
  end
  st.prepared = true
  local bo = vim.bo[buf]
  bo.modeline = false -- stored text is never read as settings
  bo.buftype = "nofile"
  bo.bufhidden = "hide"
  bo.swapfile = false
  bo.undolevels = -1
  bo.modifiable = false
  bo.filetype = "sessiond"
  util.highlights()
  keys.apply(buf, M.keys, "sessiond history: keys")
  local group = vim.api.nvim_create_augroup("sessiond_history_" .. buf, { clear = true })
  vim.api.nvim_create_autocmd("BufWinEnter", {
    group = group,
    buffer = buf,
    callback = function()
      style(vim.api.nvim_get_current_win())
    end,
  })
  vim.api.nvim_create_autocmd("BufEnter", {
    group = group,
    buffer = buf,
    callback = function()
      last_viewed = buf
    end,
  })
  vim.api.nvim_create_autocmd("BufWipeout", {
    group = group,
    buffer = buf,
    callback = function()
      state.detach(buf)
      pcall(vim.api.nvim_del_augroup_by_id, group)
    end,
  })
end

--- The history buffer of `ulid`, made (not shown, not read) when there is none.
---@param ulid string
---@return integer buf
function M.ensure(ulid)
  local name = M.prefix .. ulid
  -- Exact name match: bufnr() would also accept a unique partial match.
  local buf = vim.iter(vim.api.nvim_list_bufs()):find(function(b)
    return vim.api.nvim_buf_get_name(b) == name
  end)
  if not buf then
    buf = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_name(buf, name)
  end
  prepare(buf)
  return buf
end

-- Shows older turns too when `seq` is further back than what is shown.
local function reach(buf, seq)
  local st = state.get(buf)
  if seq and st and (not st.events[1] or st.events[1].seq > seq) then
    st.from_seq = math.min(st.from_seq or seq, seq)
  end
end

---@class sessiond.OpenOpts
---@field seq? integer read turns back to this one (a search hit further back); the caller places the cursor
---@field stay? boolean leave the focus where it is
---@field on_drawn? fun(buf: integer) called once it is drawn

--- Shows the history of `ulid` in `win` (default: the current window), focuses
--- it (unless opts.stay), and reads it anew. A window that did not show it
--- before opens at the newest turn (its cursor on the last line, so it follows).
---@param ulid string
---@param win? integer
---@param opts? sessiond.OpenOpts
---@return integer buf
function M.open(ulid, win, opts)
  opts = opts or {}
  win = (win and win ~= 0) and win or vim.api.nvim_get_current_win()
  local buf = M.ensure(ulid)
  local before = vim.api.nvim_win_get_buf(win)
  if before ~= buf then
    local ok, stack = pcall(vim.api.nvim_win_get_var, win, BACK)
    stack = ok and stack or {}
    table.insert(stack, before)
    vim.api.nvim_win_set_var(win, BACK, vim.list_slice(stack, math.max(#stack - 49, 1)))
  end
  vim.api.nvim_win_set_buf(win, buf)
  style(win)
  if not opts.stay then
    vim.api.nvim_set_current_win(win)
  end
  reach(buf, opts.seq)
  local newest = before ~= buf and not opts.seq
  reload.refresh(buf, function(b)
    if newest and vim.api.nvim_win_is_valid(win) and vim.api.nvim_win_get_buf(win) == b then
      vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(b), 0 })
    end
    if opts.on_drawn then
      opts.on_drawn(b)
    end
  end)
  return buf
end

--- Reads the history of `ulid` into its buffer without showing it (for the
--- quickfix list); cb(buf) once it is drawn, turns from `seq` on included.
function M.load(ulid, seq, cb)
  local buf = M.ensure(ulid)
  reach(buf, seq)
  reload.refresh(buf, cb)
  return buf
end

--- `q`: the buffer this window showed before the history; else, when another
--- normal window remains, the window closes; else an empty buffer (never a lone sidebar).
function M.back()
  local win, buf = vim.api.nvim_get_current_win(), vim.api.nvim_get_current_buf()
  local ok, stack = pcall(vim.api.nvim_win_get_var, win, BACK)
  stack = ok and stack or {}
  while #stack > 0 do
    local b = table.remove(stack)
    if b ~= buf and vim.api.nvim_buf_is_valid(b) then
      vim.api.nvim_win_set_var(win, BACK, stack)
      return vim.api.nvim_win_set_buf(win, b)
    end
  end
  vim.api.nvim_win_set_var(win, BACK, {})
  local others = vim.tbl_filter(function(w)
    return w ~= win and windows.is_normal(w)
  end, vim.api.nvim_tabpage_list_wins(0))
  if #others > 0 then
    vim.api.nvim_win_close(win, false)
  else
    vim.cmd("enew")
  end
end

-- BufReadCmd: `:edit sessiond://<ULID>`.
function M.read(buf)
  prepare(buf)
  reload.refresh(buf)
end

-- This Neovim went on from `parent` in `child`: windows showing the parent show the child.
changes.on("continued", function(parent, child)
  for _, buf in ipairs(state.bufs()) do
    local st = state.get(buf)
    if st.session and st.session.id == parent.id then
      for _, win in ipairs(vim.fn.win_findbuf(buf)) do
        M.open(child.ulid, win, { stay = true })
      end
    end
  end
end)

return M
