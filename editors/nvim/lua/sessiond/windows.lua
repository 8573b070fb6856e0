-- Which windows show what: histories go to normal windows (never the
-- sidebar, a float, the quickfix list or help), and the sidebar is never left
-- alone in a tab page.
local M = {}

--- A window that is neither floating nor the sidebar.
---@param win integer
function M.is_normal(win)
  return vim.api.nvim_win_is_valid(win)
    and vim.api.nvim_win_get_config(win).relative == ""
    and vim.bo[vim.api.nvim_win_get_buf(win)].filetype ~= "sessiond_sessions"
end

--- Where a history opened from `from` (the sidebar, the quickfix list) goes:
--- the window used before, else another window with a file or a history in it,
--- else a new window to the right of `from`.
---@param from integer
---@return integer win
function M.target(from)
  local function fits(win)
    if win == 0 or win == from or not M.is_normal(win) then
      return false
    end
    local buf = vim.api.nvim_win_get_buf(win)
    return vim.bo[buf].buftype == "" or vim.bo[buf].filetype == "sessiond"
  end
  local wins = { vim.fn.win_getid(vim.fn.winnr("#")) }
  vim.list_extend(wins, vim.api.nvim_tabpage_list_wins(0))
  for _, win in ipairs(wins) do
    if fits(win) then
      return win
    end
  end
  local width, win = vim.api.nvim_win_get_width(from), nil
  vim.api.nvim_win_call(from, function()
    vim.cmd("rightbelow vnew")
    win = vim.api.nvim_get_current_win()
    vim.bo.bufhidden = "wipe" -- a placeholder: gone once the history takes its place
  end)
  vim.api.nvim_win_set_width(from, width)
  return win
end

-- Never a lone sidebar: `:q` in the last other window closes the sidebar too
-- (so Neovim quits as it would without one), and a sidebar left alone by
-- `:close` or `<C-w>o` gets a new window beside it.
---@param win_of_buf fun(): integer? the sidebar's window
---@param on_resize fun(ev: table) after WinResized or VimResized
function M.guard(win_of_buf, on_resize)
  local group = vim.api.nvim_create_augroup("sessiond_sidebar", { clear = true })
  vim.api.nvim_create_autocmd("QuitPre", {
    group = group,
    callback = function()
      local sidebar, win = win_of_buf(), vim.api.nvim_get_current_win()
      if not sidebar or sidebar == win or vim.api.nvim_win_get_config(win).relative ~= "" then
        return
      end
      local others = vim.tbl_filter(function(w)
        return w ~= win and w ~= sidebar and vim.api.nvim_win_get_config(w).relative == ""
      end, vim.api.nvim_tabpage_list_wins(0))
      if #others == 0 then
        vim.api.nvim_win_close(sidebar, true)
      end
    end,
  })
  vim.api.nvim_create_autocmd("WinClosed", {
    group = group,
    callback = function()
      vim.schedule(function()
        local sidebar = win_of_buf()
        if not sidebar or vim.v.exiting ~= vim.NIL then
          return
        end
        local wins = vim.tbl_filter(function(w)
          return vim.api.nvim_win_get_config(w).relative == ""
        end, vim.api.nvim_tabpage_list_wins(0))
        if #wins == 1 then
          local prev = vim.api.nvim_get_current_win()
          vim.api.nvim_win_call(sidebar, function()
            vim.cmd("rightbelow vnew")
          end)
          vim.api.nvim_win_set_width(sidebar, require("sessiond.config").sidebar_width())
          if prev ~= sidebar then
            vim.api.nvim_set_current_win(prev)
          end
        end
      end)
    end,
  })
  vim.api.nvim_create_autocmd({ "WinResized", "VimResized" }, {
    group = group,
    callback = on_resize,
  })
end

return M
