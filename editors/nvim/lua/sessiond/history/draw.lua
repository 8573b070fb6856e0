-- Drawing a history buffer from its state (history/state.lua): a header, one
-- block per turn (markdown-highlighted), the streaming reply, links to its
-- continuations. Drawing only: reading is history/fetch.lua, following the
-- store in place is history/update.lua. Windows keep the turn they showed.
local config = require("sessiond.config")
local layout = require("sessiond.layout")
local markdown = require("sessiond.markdown")

local M = {}

M.ns = vim.api.nvim_create_namespace("sessiond_history")

--- Replaces rows [from, to) of `buf` with `lines` (the buffer stays read-only).
function M.write(buf, from, to, lines)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, from, to, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
end

--- Puts a part's highlight marks on `buf`, its rows starting at `row`.
---@param part sessiond.Lines
function M.put_marks(buf, row, part)
  for _, m in ipairs(part.marks) do
    local len = #part.lines[m[1] + 1]
    local end_col = m[3] == -1 and len or math.min(m[3], len)
    vim.api.nvim_buf_set_extmark(
      buf,
      M.ns,
      row + m[1],
      m[2],
      { end_col = end_col, hl_group = m[4], strict = false }
    )
  end
end

--- Windows whose cursor is on the last line: they follow new turns, like a chat.
---@return integer[]
function M.followers(buf)
  local last = vim.api.nvim_buf_line_count(buf)
  return vim.tbl_filter(function(win)
    return vim.api.nvim_win_get_cursor(win)[1] == last
  end, vim.fn.win_findbuf(buf))
end

--- Puts the cursor of `wins` on the last line again.
function M.follow(buf, wins)
  local last = vim.api.nvim_buf_line_count(buf)
  for _, win in ipairs(wins) do
    vim.api.nvim_win_set_cursor(win, { last, 0 })
  end
end

-- The seq whose block holds `row`, and how far into it.
local function seq_at(rows, row)
  local best, at = nil, -1
  for seq, r in pairs(rows) do
    if r <= row and r > at then
      best, at = seq, r
    end
  end
  return best, best and row - at or nil
end

--- Hands the prompts and replies to markdown.lua (other kinds are tool output, kept plain).
function M.highlight_turns(buf, blocks)
  markdown.highlight(
    buf,
    vim.tbl_filter(function(b)
      return b.kind == "prompt" or b.kind == "system"
    end, blocks)
  )
end

--- The footer's lines (continuation links, then the note on notes-only
--- sessions), its links recorded in `st.links`; from the row after the
--- streaming block to the end.
---@param st sessiond.History
---@return sessiond.Lines
local function footer(st)
  local foot = layout.footer(st.children, st.notice)
  local from = st.body_end + st.pending_lines
  for row in pairs(st.links) do
    if row >= st.body_end then
      st.links[row] = nil
    end
  end
  for i, child in ipairs(st.children) do
    st.links[from + i] = child.ulid
  end
  st.footer_lines = #foot.lines
  return foot
end

--- Rewrites the footer in place (a notice came or went, a link moved).
---@param buf integer
---@param st sessiond.History
function M.footer(buf, st)
  local from = st.body_end + st.pending_lines
  local wins = M.followers(buf)
  local foot = footer(st)
  vim.api.nvim_buf_clear_namespace(buf, M.ns, from, -1)
  M.write(buf, from, -1, foot.lines)
  M.put_marks(buf, from, foot)
  M.follow(buf, wins)
end

--- Draws the whole history of `st` into `buf`.
---@param buf integer
---@param st sessiond.History
function M.all(buf, st)
  local session = st.session
  local hidden = math.max((session.eventCount or 0) - #st.events, 0)
  if #st.events > 0 then
    hidden = st.events[1].seq - 1
  end
  local more = config.get().history_limit -- what <CR> on the "earlier" line shows
  local head, link_row, earlier_row = layout.header(session, st.parent, hidden, more)
  st.top_lines = #layout.top(session)
  local lines, parts = vim.list_extend({}, head.lines), { { 0, head } }
  st.rows, st.links, st.day, st.earlier_row = {}, {}, nil, earlier_row
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
  local foot = footer(st)
  table.insert(parts, { #lines, foot })
  vim.list_extend(lines, foot.lines)

  -- Keep each window on the turn it showed (older turns may have been added above).
  local views = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local view = vim.api.nvim_win_call(win, vim.fn.winsaveview)
    local old = st.ready and st.old_rows or {}
    local seq, off = seq_at(old, view.lnum - 1)
    views[win] = { view = view, seq = seq, off = off, old = old }
  end
  local follow_wins = st.ready and M.followers(buf) or {}
  M.write(buf, 0, -1, lines)
  vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  for _, p in ipairs(parts) do
    M.put_marks(buf, p[1], p[2])
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
  M.follow(buf, follow_wins)
  st.old_rows = st.rows
  markdown.reset(buf)
  M.highlight_turns(buf, md)
end

--- A one-line note in place of the history (it could not be read).
---@param buf integer
---@param text string
function M.note(buf, text)
  M.write(buf, 0, -1, { text })
  vim.api.nvim_buf_clear_namespace(buf, M.ns, 0, -1)
  vim.api.nvim_buf_set_extmark(buf, M.ns, 0, 0, { end_col = #text, hl_group = "SessiondAlert" })
end

return M
