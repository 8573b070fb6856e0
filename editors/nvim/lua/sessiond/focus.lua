-- Which session the person is looking at, for the commands that act on "the
-- session in view": the chat buffer or history in the current window, else the
-- session under the sidebar's cursor (in the sidebar), else the history entered
-- last while a window of this tab page still shows it. Views that are not
-- loaded show nothing, and are not loaded to find out.
local M = {}

--- The session in view, and the window showing its history (when one does).
---@return sessiond.Session? session
---@return integer? win
function M.in_view()
  local chat_buffer = package.loaded["sessiond.chat.buffer"]
  local target = chat_buffer and chat_buffer.target(vim.api.nvim_get_current_buf())
  if target then
    return target, nil
  end
  local history = package.loaded["sessiond.history"]
  local st = history and history.state(0)
  if st and st.session then
    return st.session, vim.api.nvim_get_current_win()
  end
  local sidebar = package.loaded["sessiond.sidebar"]
  local selected = sidebar and sidebar.selected()
  if selected then
    return selected, nil
  end
  local buf = history and history.last_viewed()
  st = buf and history.state(buf)
  if st and st.session then
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if vim.api.nvim_win_get_buf(win) == buf then
        return st.session, win
      end
    end
  end
end

return M
