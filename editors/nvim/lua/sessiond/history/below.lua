-- "↓ N new turns below": a history window that does not follow the bottom
-- (its cursor is elsewhere) is told, in a small float at its bottom right,
-- of turns that arrived below what it shows. Its cursor and view never move;
-- the float goes once those turns are in view (G, scrolling) or the window
-- shows something else.
local M = {}

---@class sessiond.Below
---@field buf integer the history it counts for
---@field rows integer[] 1-based first rows of the turns that arrived below the view
---@field float? integer the float's window
---@field fbuf? integer the float's buffer

local marks = {} ---@type table<integer, sessiond.Below> window -> what arrived below it

local function close(win)
  local m = marks[win]
  marks[win] = nil
  if m and m.float and vim.api.nvim_win_is_valid(m.float) then
    vim.api.nvim_win_close(m.float, true)
  end
end

-- The last buffer line shown in `win` (line("w$") brings it up to date first).
local function botline(win)
  return vim.api.nvim_win_call(win, function()
    return vim.fn.line("w$")
  end)
end

local function place(win, m, text)
  local width = vim.fn.strdisplaywidth(text)
  local height = vim.api.nvim_win_get_height(win)
  local win_width = vim.api.nvim_win_get_width(win)
  local cfg = {
    relative = "win",
    win = win,
    anchor = "SE",
    row = height,
    col = win_width,
    width = math.min(width, math.max(win_width - 1, 1)),
    height = 1,
    style = "minimal",
    focusable = false,
    zindex = 45,
  }
  if not (m.fbuf and vim.api.nvim_buf_is_valid(m.fbuf)) then
    m.fbuf = vim.api.nvim_create_buf(false, true)
    vim.bo[m.fbuf].bufhidden = "wipe"
  end
  vim.api.nvim_buf_set_lines(m.fbuf, 0, -1, false, { text })
  if m.float and vim.api.nvim_win_is_valid(m.float) then
    vim.api.nvim_win_set_config(m.float, cfg)
  else
    cfg.noautocmd = true
    m.float = vim.api.nvim_open_win(m.fbuf, false, cfg)
    vim.wo[m.float].winhighlight = "Normal:SessiondNewBelow"
  end
end

--- Counts again what is still below each window's view; closes what is seen.
function M.check()
  for win, m in pairs(marks) do
    if not vim.api.nvim_win_is_valid(win) or vim.api.nvim_win_get_buf(win) ~= m.buf then
      close(win)
    else
      local bot = botline(win)
      m.rows = vim.tbl_filter(function(r)
        return r > bot
      end, m.rows)
      if #m.rows == 0 then
        close(win)
      else
        local n = #m.rows
        place(win, m, (" ↓ %d new turn%s below · G "):format(n, n == 1 and "" or "s"))
      end
    end
  end
end

--- The words on a window's marker, or nil when it has none (for tests and statuslines).
---@param win integer
---@return string?
function M.text(win)
  local m = marks[win]
  if m and m.float and vim.api.nvim_win_is_valid(m.float) then
    return vim.api.nvim_buf_get_lines(m.fbuf, 0, 1, false)[1]
  end
end

local group
local function watch()
  if group then
    return
  end
  group = vim.api.nvim_create_augroup("sessiond_below", { clear = true })
  vim.api.nvim_create_autocmd({ "WinScrolled", "WinResized", "CursorMoved", "BufWinEnter" }, {
    group = group,
    callback = function()
      if next(marks) then
        M.check()
      end
    end,
  })
  vim.api.nvim_create_autocmd("WinClosed", {
    group = group,
    callback = function(ev)
      local win = tonumber(ev.match)
      if win and marks[win] then
        vim.schedule(function()
          close(win)
        end)
      end
    end,
  })
end

--- A turn was drawn in `buf` from 1-based `row` on: windows that do not
--- follow and do not show that row count it.
---@param buf integer
---@param row integer
---@param followers integer[] the windows that follow the bottom
function M.arrived(buf, row, followers)
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    if not vim.tbl_contains(followers, win) and row > botline(win) then
      marks[win] = marks[win] and marks[win].buf == buf and marks[win] or { buf = buf, rows = {} }
      table.insert(marks[win].rows, row)
      watch()
    end
  end
  M.check()
end

--- Forgets the markers of `buf` (it is drawn anew: the rows changed).
---@param buf integer
function M.clear(buf)
  for win, m in pairs(marks) do
    if m.buf == buf then
      close(win)
    end
  end
end

return M
