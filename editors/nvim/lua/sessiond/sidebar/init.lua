-- The sessions sidebar: a scratch buffer in a left split, at most a third of
-- the editor wide, one line per session: where it comes from when that is not
-- here (its source and project), its title (else its preview) across the
-- width, then (room allowing) when it was last active, its turns and its
-- state. The sessions of the working folder come first, then the others (`f`:
-- this folder only), each group by last activity. Follows the store by itself
-- (changes.lua); never moves the reader's cursor or focus when it does.
local changes = require("sessiond.changes")
local client = require("sessiond.client")
local config = require("sessiond.config")
local current = require("sessiond.current")
local groups = require("sessiond.sidebar.groups")
local keys = require("sessiond.keys")
local layout = require("sessiond.layout")
local previews = require("sessiond.previews")
local protocol = require("sessiond.protocol")
local util = require("sessiond.util")
local windows = require("sessiond.windows")
local workspace = require("sessiond.workspace")

local M = {}

local NAME = "sessiond:sessions"
local FILETYPE = "sessiond_sessions"
local HEADER = 2 -- title line + keys line; the groups start below
local ns = vim.api.nvim_create_namespace("sessiond_sidebar")

local state = {
  buf = nil,
  groups = groups.new(), ---@type sessiond.SidebarGroups the working folder's, the others
  rows = {}, ---@type table<integer, sessiond.Session> 1-based line -> its session, as last drawn
  drawn = {}, ---@type table<integer, string> 1-based line -> its session's ULID, as last drawn
  error = nil, -- last list error, shown in place of the list
  generation = 0, -- only the newest refresh may draw
  loading = false, -- a list request is in flight
  deferred = {}, -- changes that came meanwhile, applied after it
  render_queued = false,
  found = nil, ---@type sessiond.ImportSource[]? sources whose history is on this machine (for the empty list)
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
  return state.rows[row]
end

---@type sessiond.Key[]
M.keys = require("sessiond.sidebar.keys").build({
  selected = session_at_cursor,
  refresh = function()
    M.refresh()
  end,
  toggle_folder = function()
    M.toggle_folder()
  end,
  close = function()
    M.close()
  end,
})

local function ensure_buf()
  if state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    return state.buf
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, NAME)
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].modeline = false
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = FILETYPE
  keys.apply(buf, M.keys, "sessiond sessions: keys")
  state.buf = buf
  return buf
end

-- The width the text may use: the window's, less what Neovim draws beside it.
local function text_width(win)
  local info = win and vim.fn.getwininfo(win)[1]
  return info and (info.width - info.textoff) or config.sidebar_width()
end

local function render()
  local buf = state.buf
  if not (buf and vim.api.nvim_buf_is_valid(buf)) then
    return
  end
  util.highlights()
  local win = win_of_buf()
  local width = text_width(win)
  local g = state.groups
  local lines = layout.sidebar_header(#g.here + #g.elsewhere, width, groups.header_note(g))
  local marks = { { 0, 0, -1, "SessiondHeader" }, { 1, 0, -1, "SessiondKey" } }
  local more, more_marks, rows = groups.body(g, {
    width = width,
    top = HEADER,
    current = current.get(),
    error = state.error,
    found = state.found,
  })
  vim.list_extend(lines, more)
  vim.list_extend(marks, more_marks)
  -- The cursor stays on its session when others come or go above it.
  local view = win and vim.api.nvim_win_call(win, vim.fn.winsaveview)
  local at = view and state.drawn[view.lnum]
  local row_of, first = {}, nil
  for row, s in pairs(rows) do
    row_of[s.ulid] = row
    first = math.min(first or row, row)
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, m in ipairs(marks) do
    local len = #lines[m[1] + 1]
    local end_col = m[3] == -1 and len or math.min(m[3], len)
    if m[2] < end_col then
      vim.api.nvim_buf_set_extmark(buf, ns, m[1], m[2], { end_col = end_col, hl_group = m[4] })
    end
  end
  state.rows, state.drawn = rows, {}
  for row, s in pairs(rows) do
    state.drawn[row] = s.ulid
  end
  if view then
    local row = at and row_of[at] or view.lnum
    if not (at and row_of[at]) and first and row < first then
      row = first -- not on a session (a new list, a divider): on the first one
    end
    row = math.max(math.min(row, #lines), math.min(HEADER + 1, #lines))
    if at and row_of[at] then -- its session moved: the view moves with it
      view.topline = math.max(view.topline + row - view.lnum, 1)
    end
    view.topline = math.min(view.topline, row)
    if #lines <= vim.api.nvim_win_get_height(win) then
      view.topline = 1 -- all of it fits: the header stays in view
    end
    view.lnum = row
    vim.api.nvim_win_call(win, function()
      vim.fn.winrestview(view)
    end)
  end
end

-- Many notifications in a burst draw once.
local function render_soon()
  if not state.render_queued then
    state.render_queued = true
    vim.schedule(function()
      state.render_queued = false
      render()
    end)
  end
end

-- An empty list offers :SessiondImport, naming the tools whose history is here.
local function find_importable()
  require("sessiond.import.sources").load(function(_, list)
    state.found = vim.tbl_filter(function(src)
      return src.found
    end, list or {})
    render_soon()
  end)
end

--- Lists the sessions again: the working folder's (`session/list` with
--- `project` and `orderBy: "activity"`), then, unless `only`, every session
--- by activity less those. A daemon older than protocol 3 gets one list.
function M.refresh()
  if not (state.buf and vim.api.nvim_buf_is_valid(state.buf)) then
    return
  end
  state.generation = state.generation + 1
  local generation = state.generation
  local limit, folder = config.get().list_limit, workspace.cwd()
  local answers, waiting = {}, state.groups.only and 1 or 2
  state.loading = true
  local function done()
    if generation ~= state.generation then
      return
    end
    state.loading = false
    local deferred = state.deferred
    state.deferred = {}
    -- Changes that arrived while the list was read are newer than it: applied after.
    local function replay()
      for _, fn in ipairs(deferred) do
        fn()
      end
    end
    local err = answers.here.err or (answers.all and answers.all.err)
    if err then
      state.error = "could not list sessions: " .. (err.message or "?")
      state.groups.here, state.groups.elsewhere = {}, {}
      render()
      return replay()
    end
    state.error = nil
    local all = answers.all and answers.all.sessions
    groups.fill(state.groups, folder, client.protocol_version() >= 3, answers.here.sessions, all)
    replay()
    if #groups.listed(state.groups) == 0 and not state.found then
      find_importable()
    end
    previews.fetch(groups.listed(state.groups), function()
      if generation == state.generation then
        render()
      end
    end)
  end
  local function ask(key, params)
    client.request(protocol.methods.list, params, function(err, res)
      answers[key] = { err = err, sessions = not err and res and res.sessions or {} }
      waiting = waiting - 1
      if waiting == 0 then
        done()
      end
    end)
  end
  ask("here", { limit = limit, project = folder, orderBy = "activity" })
  if not state.groups.only then
    ask("all", { limit = limit, orderBy = "activity" })
  end
end

--- `f`: this folder's sessions only, or (again) every session, this folder's first.
function M.toggle_folder()
  state.groups.only = not state.groups.only
  M.refresh()
end

--- A session started or changed (here or in any process): updated in place,
--- in the group its project puts it in.
---@param s sessiond.Session
function M.on_session(s)
  if not state.buf then
    return
  end
  if state.loading then
    return table.insert(state.deferred, function()
      M.on_session(s)
    end)
  end
  groups.place(state.groups, s, config.get().list_limit)
  render_soon()
end

--- A turn stored: its session's count grows and it moves up (its last
--- activity); a first prompt brings a preview.
---@param e sessiond.Event
function M.on_append(e)
  if state.loading then
    return table.insert(state.deferred, function()
      M.on_append(e)
    end)
  end
  local s = groups.bump(state.groups, e)
  if not s then
    return
  end
  if e.kind == "prompt" and not s.preview and not s.title then
    if client.protocol_version() >= 2 then
      client.request(protocol.methods.get, { ulid = s.ulid }, function(err, fresh)
        if not err and fresh then
          M.on_session(fresh)
        end
      end, { silent = true })
    else
      previews.found(s, e.text)
    end
  end
  render_soon()
end

--- Redraws (the `*` moved, or the width changed).
function M.redraw()
  render_soon()
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
  vim.api.nvim_win_set_width(win, config.sidebar_width())
  local wo = vim.wo[win]
  wo.winfixwidth, wo.number, wo.relativenumber, wo.wrap = true, false, false, false
  wo.cursorline, wo.signcolumn, wo.foldcolumn, wo.spell, wo.list = true, "no", "0", false, false
  windows.guard(win_of_buf, function(ev)
    local sidebar = win_of_buf()
    if sidebar and ev and ev.event == "VimResized" then
      vim.api.nvim_win_set_width(sidebar, config.sidebar_width()) -- still at most a third
    end
    if sidebar then
      render_soon()
    end
  end)
  -- Another working folder (`:cd`, `:tcd`, a tab page with its own): its sessions first.
  vim.api.nvim_create_autocmd("DirChanged", {
    group = vim.api.nvim_create_augroup("sessiond_sidebar_folder", { clear = true }),
    callback = function()
      if win_of_buf() and state.groups.folder ~= workspace.cwd() then
        M.refresh()
      end
    end,
  })
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

changes.on("session", M.on_session)
changes.on("append", M.on_append)
changes.on("current", M.redraw) -- the `*` moves
changes.on("reread", M.refresh)

--- For tests and statuslines: the sessions as drawn, top to bottom.
---@return sessiond.Session[]
function M.sessions()
  return groups.listed(state.groups)
end

--- For tests: whether `f` narrowed the list to this folder's sessions, and that folder.
---@return boolean only, string? folder
function M.scope()
  return state.groups.only, state.groups.folder
end

--- The session under the sidebar's cursor, when the sidebar is the current window.
---@return sessiond.Session?
function M.selected()
  if vim.api.nvim_get_current_buf() == state.buf then
    return session_at_cursor()
  end
end

return M
