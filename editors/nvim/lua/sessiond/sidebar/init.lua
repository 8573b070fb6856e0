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
local keys = require("sessiond.keys")
local layout = require("sessiond.layout")
local previews = require("sessiond.previews")
local protocol = require("sessiond.protocol")
local labels = require("sessiond.labels")
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
  here = {}, ---@type sessiond.Session[] the working folder's, newest activity first
  elsewhere = {}, ---@type sessiond.Session[] the others (none when `only`)
  folder = nil, ---@type string? the working folder they were listed for
  grouped = false, -- the daemon knows projects (protocol 3): two groups, else one list
  only = false, -- `f`: this folder's sessions only
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

-- The sessions as drawn, top to bottom: the folder's, then (unless `only`) the others.
local function listed()
  return vim.list_extend(vim.list_extend({}, state.here), state.elsewhere)
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

-- The lines below the header: the groups with their dividers, or what an empty
-- list says; their marks; the session of each line (1-based, header counted).
local function body(width, now)
  local lines, marks, rows = {}, {}, {}
  local folder = state.folder or workspace.cwd()
  local name = labels.one_line(workspace.name(folder))
  local function add(text, group)
    table.insert(lines, text)
    table.insert(marks, { HEADER + #lines - 1, 0, -1, group })
  end
  local function sessions(list)
    for _, s in ipairs(list) do
      local where, shorter = labels.where(s, state.grouped and folder or nil, protocol.source)
      local line, line_marks = layout.session_line(s, width, now, previews.get(s), where, shorter)
      table.insert(lines, line)
      rows[HEADER + #lines] = s
      for _, m in ipairs(line_marks) do
        table.insert(marks, { HEADER + #lines - 1, m[1], m[2], m[3] })
      end
    end
  end
  if state.error then
    add("  " .. state.error, "SessiondAlert")
  elseif #state.here + #state.elsewhere == 0 and not state.only then
    vim.list_extend(lines, layout.empty_sidebar(state.found))
  elseif not state.grouped then
    sessions(state.elsewhere)
  elseif state.only then
    if #state.here == 0 then
      add(("  no sessions in %s yet: f shows all"):format(name), "SessiondNone")
    end
    sessions(state.here)
  else
    local head = #state.here == 0 and (name .. ": no sessions yet") or (name .. " (this folder)")
    add(layout.divider(head, width), "SessiondTime")
    sessions(state.here)
    if #state.elsewhere > 0 then
      add(layout.divider("other folders", width), "SessiondTime")
      sessions(state.elsewhere)
    end
  end
  return lines, marks, rows
end

-- What the header says after the count: how many are the folder's, or that only they are shown.
local function header_note()
  if not state.grouped then
    return nil
  end
  local name = labels.fit(labels.one_line(workspace.name(state.folder or workspace.cwd())), 20)
  if state.only then
    return "in " .. name
  end
  return ("· %d here"):format(#state.here)
end

local function render()
  local buf = state.buf
  if not (buf and vim.api.nvim_buf_is_valid(buf)) then
    return
  end
  util.highlights()
  local win = win_of_buf()
  local width = text_width(win)
  local n = #state.here + #state.elsewhere
  local lines = layout.sidebar_header(n, width, header_note())
  local marks = { { 0, 0, -1, "SessiondHeader" }, { 1, 0, -1, "SessiondKey" } }
  local more, more_marks, rows = body(width, current.get())
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

-- Activity order: newest lastActivityAt (else startedAt) first, ties by id.
local function newer(a, b)
  local x, y = a.lastActivityAt or a.startedAt, b.lastActivityAt or b.startedAt
  if x ~= y then
    return x > y
  end
  return a.id > b.id
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
  local answers, waiting = {}, state.only and 1 or 2
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
      state.here, state.elsewhere = {}, {}
      render()
      return replay()
    end
    state.error, state.folder = nil, folder
    state.grouped = client.protocol_version() >= 3
    if state.grouped then
      state.here = answers.here.sessions
      local ids = {}
      for _, s in ipairs(state.here) do
        ids[s.id] = true
      end
      state.elsewhere = vim.tbl_filter(function(s)
        return not ids[s.id]
      end, answers.all and answers.all.sessions or {})
    else -- no projects: the one list, as the daemon orders it
      state.here, state.elsewhere = {}, (answers.all or answers.here).sessions
    end
    replay()
    if #state.here + #state.elsewhere == 0 and not state.found then
      find_importable()
    end
    previews.fetch(listed(), function()
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
  if not state.only then
    ask("all", { limit = limit, orderBy = "activity" })
  end
end

--- `f`: this folder's sessions only, or (again) every session, this folder's first.
function M.toggle_folder()
  state.only = not state.only
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
  local old
  local function without(list)
    return vim.tbl_filter(function(x)
      if x.id == s.id then
        old = x
      end
      return x.id ~= s.id
    end, list)
  end
  state.here, state.elsewhere = without(state.here), without(state.elsewhere)
  if not s.deletedAt then
    if old then
      -- A change replayed after a list read may be older than it: what only
      -- grows (turns, last activity, a preview once there is a prompt) stays.
      local seen = math.max(old.eventCount or 0, s.eventCount or 0)
      local a, b = old.lastActivityAt or "", s.lastActivityAt or ""
      local active = a > b and a or b
      s = vim.tbl_extend("force", s, {
        eventCount = seen,
        preview = s.preview or old.preview,
        lastActivityAt = active ~= "" and active or nil,
      })
    end
    local mine = state.grouped and workspace.holds(state.folder or workspace.cwd(), s.project)
    if mine or not (state.only and state.grouped) then
      local list = mine and state.here or state.elsewhere
      table.insert(list, s)
      table.sort(list, newer)
      for i = #list, config.get().list_limit + 1, -1 do
        list[i] = nil
      end
    end
  end
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
  local s, list
  for _, l in ipairs({ state.here, state.elsewhere }) do
    for _, x in ipairs(l) do
      if x.id == e.sessionId then
        s, list = x, l
      end
    end
  end
  if not s then
    return
  end
  s.eventCount = math.max(s.eventCount or 0, e.seq)
  if s.lastActivityAt and type(e.createdAt) == "string" and e.createdAt > s.lastActivityAt then
    s.lastActivityAt = e.createdAt
    table.sort(list, newer)
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
      if win_of_buf() and state.folder ~= workspace.cwd() then
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
  return listed()
end

--- For tests: whether `f` narrowed the list to this folder's sessions, and that folder.
---@return boolean only, string? folder
function M.scope()
  return state.only, state.folder
end

--- The session under the sidebar's cursor, when the sidebar is the current window.
---@return sessiond.Session?
function M.selected()
  if vim.api.nvim_get_current_buf() == state.buf then
    return session_at_cursor()
  end
end

return M
