-- History buffers: `sessiond://<ULID>`, filetype `sessiond`, read-only, one
-- block per event: "#seq  time  kind" then the text, indented.
local config = require("sessiond.config")
local util = require("sessiond.util")

local M = {}

M.prefix = "sessiond://"
local ns = vim.api.nvim_create_namespace("sessiond_history")
local generations = {} -- buf -> number: only the newest refresh of a buffer may draw

local function ulid_of(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  return vim.startswith(name, M.prefix) and name:sub(#M.prefix + 1) or nil
end

local function history_bufs()
  return vim.tbl_filter(function(buf)
    return vim.api.nvim_buf_is_loaded(buf) and ulid_of(buf) ~= nil
  end, vim.api.nvim_list_bufs())
end

local function prepare(buf)
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "hide"
  vim.bo[buf].swapfile = false
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = "sessiond"
  vim.keymap.set("n", "r", function()
    M.refresh(buf)
  end, { buffer = buf, nowait = true, silent = true, desc = "Refresh this history" })
  vim.keymap.set("n", "q", "<cmd>close<cr>", { buffer = buf, nowait = true, silent = true })
end

local function render(buf, session, events, note)
  if not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  util.highlights()
  local lines, marks = {}, {}
  local function add(line, group, from, to)
    table.insert(lines, line)
    if group then
      table.insert(marks, { #lines - 1, from or 0, to or #line, group })
    end
  end
  if not session then
    add(note or "", "SessiondAlert")
  else
    add("Session " .. session.ulid, "SessiondHeader")
    local facts = { "started " .. util.local_time(session.startedAt, "%Y-%m-%d %H:%M:%S") }
    local ended = session.endedAt
    table.insert(
      facts,
      ended and ("ended " .. util.local_time(ended, "%Y-%m-%d %H:%M:%S")) or "live"
    )
    local n = session.eventCount
    table.insert(facts, ("%d event%s"):format(n, n == 1 and "" or "s"))
    if session.parentUlid then
      table.insert(facts, "continues " .. session.parentUlid)
    end
    table.insert(facts, session.cliVersion)
    add(table.concat(facts, " · "), "SessiondTime")
    if #events < session.eventCount then
      add(("(%d older events not shown)"):format(session.eventCount - #events), "SessiondTime")
    end
    local day
    for _, e in ipairs(events) do
      add("")
      local this_day = util.local_time(e.createdAt, "%Y-%m-%d")
      if this_day ~= day then
        day = this_day
        add("── " .. day, "SessiondTime")
      end
      local head = ("#%d  %s  %s"):format(e.seq, util.local_time(e.createdAt, "%H:%M:%S"), e.kind)
      add(head, "SessiondSeq", 0, #tostring(e.seq) + 1)
      table.insert(marks, { #lines - 1, #head - #e.kind - 10, #head - #e.kind, "SessiondTime" })
      table.insert(marks, { #lines - 1, #head - #e.kind, #head, util.kind_group(e.kind) })
      for _, l in ipairs(vim.split(e.text, "\n", { plain = true })) do
        add("  " .. l:gsub("\r$", ""))
      end
    end
  end
  -- A window sitting on the last line follows new turns, like a chat.
  local followers = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if vim.api.nvim_win_get_cursor(win)[1] == vim.api.nvim_buf_line_count(buf) then
      table.insert(followers, win)
    end
  end
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, m in ipairs(marks) do
    vim.api.nvim_buf_set_extmark(buf, ns, m[1], m[2], { end_col = m[3], hl_group = m[4] })
  end
  for _, win in ipairs(followers) do
    vim.api.nvim_win_set_cursor(win, { #lines, 0 })
  end
end

function M.refresh(buf)
  local ulid = ulid_of(buf)
  if not ulid then
    return
  end
  generations[buf] = (generations[buf] or 0) + 1
  local generation = generations[buf]
  local function current()
    return generations[buf] == generation
  end
  local client = require("sessiond.client")
  local methods = require("sessiond.protocol").methods
  client.request(methods.get, { ulid = ulid }, function(err, session)
    if not current() then
      return
    end
    if err or not session then
      local note = err and ("could not read: " .. (err.message or "?"))
        or ("no session " .. ulid .. " in this database")
      return render(buf, nil, nil, note)
    end
    local params = { sessionId = session.id, limit = config.get().history_limit }
    client.request(methods.events, params, function(err2, res)
      if current() then
        render(buf, session, err2 and {} or res.events or {}, nil)
      end
    end)
  end)
end

function M.refresh_all()
  for _, buf in ipairs(history_bufs()) do
    M.refresh(buf)
  end
end

-- BufReadCmd: `:edit sessiond://<ULID>`.
function M.read(buf)
  prepare(buf)
  M.refresh(buf)
end

--- Shows the history of `ulid` in `win` (default: the current window) and focuses it.
function M.open(ulid, win)
  win = win or vim.api.nvim_get_current_win()
  local name = M.prefix .. ulid
  -- Exact name match: bufnr() would also accept a unique partial match.
  local buf = vim.iter(vim.api.nvim_list_bufs()):find(function(b)
    return vim.api.nvim_buf_get_name(b) == name
  end)
  if not buf then
    buf = vim.api.nvim_create_buf(true, false)
    vim.api.nvim_buf_set_name(buf, name)
    prepare(buf)
  end
  vim.api.nvim_win_set_buf(win, buf)
  vim.api.nvim_set_current_win(win)
  M.refresh(buf)
  return buf
end

return M
