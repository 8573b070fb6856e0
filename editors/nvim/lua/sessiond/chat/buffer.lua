-- The chat buffer: where a person writes a turn, in a small window under the
-- session's history (like CodeCompanion's or avante's input). <CR> in normal
-- mode sends the whole buffer as one turn, as does <C-s> in insert mode (<CR>
-- there stays a new line, for turns of several lines); the reply streams into
-- the history above (chat/send and chat/delta). The window's bar names the
-- session and the keys; a line under the text says, before anything is sent,
-- when turns are kept as notes (no engine) or go to a new session (↳).
local changes = require("sessiond.changes")
local chat = require("sessiond.chat")
local current = require("sessiond.current")
local keys = require("sessiond.keys")
local labels = require("sessiond.labels")
local protocol = require("sessiond.protocol")
local util = require("sessiond.util")

local M = {}

M.PREFIX = "sessiond-chat://"
M.FILETYPE = "sessiond_chat"
local HEIGHT = 6
local ns = vim.api.nvim_create_namespace("sessiond_chat_buffer")

local targets = {} ---@type table<integer, sessiond.Session> chat buffer -> the session it writes to

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

--- What a chat buffer tells before anything is sent, one line each (may be empty).
---@param s sessiond.Session
---@return string[]
function M.notices(s)
  local out = {}
  local why = current.continues_why(s)
  if why then
    table.insert(
      out,
      ("this session %s: what you send goes to a new session that continues it (↳)"):format(why)
    )
  end
  local note = not why and chat.no_engine_note(s)
  if note then
    table.insert(out, note)
  end
  return out
end

--- The window bar: whom this buffer writes to, and the keys.
---@param s sessiond.Session
---@return string
function M.bar(s)
  local label = labels.fit(labels.label(s), 40):gsub("%%", "%%%%")
  return (" Say to “%s” · <CR> sends · <C-s> sends from insert mode · q closes"):format(
    label
  )
end

-- The notices, as virtual lines under the text (never part of what is sent).
local function show(buf)
  local s = targets[buf]
  if not (s and vim.api.nvim_buf_is_valid(buf)) then
    return
  end
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  local lines = {}
  for _, n in ipairs(M.notices(s)) do
    table.insert(lines, { { n, "SessiondWarn" } })
  end
  if #lines > 0 then
    local last = vim.api.nvim_buf_line_count(buf) - 1
    vim.api.nvim_buf_set_extmark(buf, ns, last, 0, { virt_lines = lines, right_gravity = false })
  end
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    vim.wo[win].winbar = M.bar(s)
  end
end

--- The notices now under the text of `buf` (for tests).
---@param buf integer
---@return string[]
function M.shown(buf)
  local out = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })) do
    for _, line in ipairs(mark[4].virt_lines or {}) do
      table.insert(out, line[1][1])
    end
  end
  return out
end

--- Sends what `buf` holds as one turn to its session; the buffer is emptied
--- (and the text put back when it could not be stored).
---@param buf integer
---@param cb? sessiond.Callback
function M.send(buf, cb)
  cb = cb or function() end
  local s = targets[buf]
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local text = vim.trim(table.concat(lines, "\n"))
  if text == "" then
    notify("nothing to send: write your turn first")
    return cb({ message = "nothing to send" })
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "" })
  show(buf)
  current.say(text, function(err, res)
    local kept = not err or err.code == protocol.errors.EngineError -- the prompt is stored
    if not kept and vim.api.nvim_buf_is_valid(buf) then
      local now = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      if vim.trim(table.concat(now, "")) == "" then
        vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines) -- not stored: not lost either
        show(buf)
      end
    end
    cb(err, res)
  end, s)
end

---@type sessiond.Key[]
M.keys = {
  {
    "<CR>",
    "send the buffer as your turn",
    function()
      M.send(vim.api.nvim_get_current_buf())
    end,
  },
  {
    "<C-s>",
    "send the buffer as your turn (in insert mode too)",
    function()
      M.send(vim.api.nvim_get_current_buf())
    end,
  },
  {
    "<C-c>",
    "stop the reply streaming in (what came is kept)",
    function()
      local s = targets[vim.api.nvim_get_current_buf()]
      if not (s and chat.cancel(s.id)) then
        notify("no reply is streaming here")
      end
    end,
  },
  {
    "q",
    "close this chat buffer's window (what you wrote stays)",
    function()
      pcall(vim.api.nvim_win_close, 0, false)
    end,
  },
}

local function prepare(buf, s)
  local bo = vim.bo[buf]
  bo.buftype = "nofile"
  bo.bufhidden = "hide"
  bo.swapfile = false
  bo.modeline = false
  bo.filetype = M.FILETYPE
  util.highlights()
  keys.apply(buf, M.keys, "sessiond chat: keys")
  vim.keymap.set("i", "<C-s>", function()
    M.send(buf)
  end, { buffer = buf, silent = true, desc = "send the buffer as your turn" })
  -- What you type reads as markdown, when its parser is there.
  pcall(vim.treesitter.start, buf, "markdown")
  targets[buf] = s
  local group = vim.api.nvim_create_augroup("sessiond_chat_" .. buf, { clear = true })
  vim.api.nvim_create_autocmd({ "TextChanged", "TextChangedI" }, {
    group = group,
    buffer = buf,
    callback = function()
      show(buf) -- the notices stay under the last line
    end,
  })
  vim.api.nvim_create_autocmd("BufWipeout", {
    group = group,
    buffer = buf,
    callback = function()
      targets[buf] = nil
      pcall(vim.api.nvim_del_augroup_by_id, group)
    end,
  })
end

--- The chat buffer of session `s`, made when there is none.
---@param s sessiond.Session
---@return integer buf
function M.ensure(s)
  for buf, t in pairs(targets) do
    if t.id == s.id and vim.api.nvim_buf_is_valid(buf) then
      targets[buf] = s
      return buf
    end
  end
  local buf = vim.api.nvim_create_buf(false, true)
  pcall(vim.api.nvim_buf_set_name, buf, M.PREFIX .. s.ulid)
  prepare(buf, s)
  show(buf)
  return buf
end

--- Opens the chat buffer of `s` under `above` (a window showing its history),
--- or focuses the window that shows it already; the cursor waits in insert mode.
---@param s sessiond.Session
---@param above integer
---@return integer buf, integer win
function M.open(s, above)
  local buf = M.ensure(s)
  local win = vim.fn.win_findbuf(buf)[1]
  if not win then
    vim.api.nvim_win_call(above, function()
      vim.cmd(("belowright %dsplit"):format(HEIGHT))
      win = vim.api.nvim_get_current_win()
    end)
    vim.api.nvim_win_set_buf(win, buf)
    local wo = vim.wo[win]
    wo.winfixheight, wo.number, wo.relativenumber, wo.signcolumn = true, false, false, "no"
    wo.wrap, wo.linebreak, wo.spell = true, true, false
  end
  vim.api.nvim_set_current_win(win)
  show(buf)
  vim.cmd("startinsert!")
  return buf, win
end

--- The session a chat buffer writes to (for tests and statuslines).
---@param buf integer 0: the current buffer
---@return sessiond.Session?
function M.target(buf)
  return targets[buf ~= 0 and buf or vim.api.nvim_get_current_buf()]
end

-- A session changed (ended, renamed, …): its chat buffers say so.
changes.on("session", function(s)
  for buf, t in pairs(targets) do
    if t.id == s.id then
      targets[buf] = s
      show(buf)
    end
  end
end)

-- A turn went on in a new session: the chat buffer writes there from now on.
changes.on("continued", function(parent, child)
  for buf, t in pairs(targets) do
    if t.id == parent.id then
      targets[buf] = child
      pcall(vim.api.nvim_buf_set_name, buf, M.PREFIX .. child.ulid)
      show(buf)
    end
  end
end)

return M
