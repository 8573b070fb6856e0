-- Commands only: every module is required on first use, so startup costs nothing.
if vim.g.loaded_sessiond then
  return
end
vim.g.loaded_sessiond = true

if vim.fn.has("nvim-0.10") ~= 1 then
  vim.notify("sessiond.nvim needs Neovim 0.10 or newer", vim.log.levels.ERROR)
  return
end

local function cmd(name, fn, opts)
  vim.api.nvim_create_user_command(name, function(o)
    require("sessiond")[fn](o.args ~= "" and o.args or nil)
  end, opts)
end

cmd("Sessiond", "toggle", { nargs = 0, desc = "Toggle the sessiond sessions sidebar" })
cmd("SessiondSay", "say", { nargs = "+", desc = "Send a prompt turn to the current session" })
cmd("SessiondNew", "new", { nargs = 0, desc = "Start a new session" })
cmd("SessiondEnd", "end_session", { nargs = 0, desc = "End the current session" })
cmd("SessiondContinue", "continue", {
  nargs = "?",
  complete = function(lead)
    return require("sessiond").complete_ulids(lead)
  end,
  desc = "Continue a session (default: the current or newest) in a new one",
})
cmd("SessiondRefresh", "refresh", { nargs = 0, desc = "Refresh the sidebar and history buffers" })

-- `:edit sessiond://<ULID>` (and session restore) loads a history buffer.
vim.api.nvim_create_autocmd("BufReadCmd", {
  group = vim.api.nvim_create_augroup("sessiond_plugin", { clear = true }),
  pattern = "sessiond://*",
  callback = function(ev)
    require("sessiond.history").read(ev.buf)
  end,
})
