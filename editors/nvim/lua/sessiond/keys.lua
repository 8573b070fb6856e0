-- Buffer-local keys from one table per buffer kind, and `g?`, which lists that
-- same table: what is mapped and what the help says can't drift apart.
local M = {}

---@class sessiond.Key
---@field [1] string lhs
---@field [2] string what it does, for `g?` and the vimdoc
---@field [3] fun() the action

---@param buf integer
---@param keys sessiond.Key[]
---@param title string heading of the `g?` window
function M.apply(buf, keys, title)
  for _, key in ipairs(keys) do
    vim.keymap.set(
      "n",
      key[1],
      key[3],
      { buffer = buf, nowait = true, silent = true, desc = key[2] }
    )
  end
  vim.keymap.set("n", "g?", function()
    M.help(keys, title)
  end, { buffer = buf, nowait = true, silent = true, desc = "show these keys" })
end

--- The lines `g?` shows: one per key, aligned.
---@param keys sessiond.Key[]
---@return string[]
function M.lines(keys)
  local lines = {}
  for _, key in ipairs(keys) do
    table.insert(lines, (" %-6s %s "):format(key[1], key[2]))
  end
  table.insert(lines, (" %-6s %s "):format("g?", "show these keys (q or <Esc> closes)"))
  return lines
end

--- A small float beside the cursor listing the keys; any of q, <Esc>, g? closes it.
---@param keys sessiond.Key[]
---@param title string
---@return integer win
function M.help(keys, title)
  local lines = M.lines(keys)
  local width = 0
  for _, l in ipairs(lines) do
    width = math.max(width, vim.fn.strdisplaywidth(l))
  end
  width = math.min(math.max(width, #title + 4), math.max(vim.o.columns - 4, 10))
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].filetype = "sessiond_keys"
  local ns = vim.api.nvim_create_namespace("sessiond_keys")
  for i, key in ipairs(keys) do
    vim.api.nvim_buf_set_extmark(
      buf,
      ns,
      i - 1,
      1,
      { end_col = 1 + #key[1], hl_group = "SessiondKey" }
    )
  end
  vim.api.nvim_buf_set_extmark(buf, ns, #lines - 1, 1, { end_col = 3, hl_group = "SessiondKey" })
  local win = vim.api.nvim_open_win(buf, true, {
    relative = "editor",
    row = math.max(math.floor((vim.o.lines - #lines) / 2) - 1, 0),
    col = math.max(math.floor((vim.o.columns - width) / 2), 0),
    width = width,
    height = math.min(#lines, math.max(vim.o.lines - 4, 1)),
    style = "minimal",
    border = "rounded",
    title = " " .. title .. " ",
    title_pos = "center",
  })
  local function close()
    if vim.api.nvim_win_is_valid(win) then
      vim.api.nvim_win_close(win, true)
    end
  end
  for _, lhs in ipairs({ "q", "<Esc>", "g?" }) do
    vim.keymap.set("n", lhs, close, { buffer = buf, nowait = true, silent = true })
  end
  vim.api.nvim_create_autocmd("WinLeave", { buffer = buf, once = true, callback = close })
  return win
end

return M
