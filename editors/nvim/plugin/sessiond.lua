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

local function ulids(lead)
  return require("sessiond").complete_ulids(lead)
end

cmd("Sessiond", "toggle", { nargs = 0, desc = "Toggle the sessiond sessions sidebar" })
cmd("SessiondSay", "say", {
  nargs = "+",
  desc = "Send a prompt to the session in view (live), or its continuation, or the current one",
})
cmd("SessiondNew", "new", { nargs = 0, desc = "Start a new session" })
cmd("SessiondEnd", "end_session", { nargs = 0, desc = "End the current session" })
cmd("SessiondContinue", "continue", {
  nargs = "?",
  complete = ulids,
  desc = "Continue a session (default: the one in view, current or newest) in a new one",
})
cmd("SessiondUse", "use", {
  nargs = "?",
  complete = ulids,
  desc = "Write your turns to a live session (default: the one in view)",
})
cmd("SessiondResume", "resume", {
  nargs = "?",
  complete = ulids,
  desc = "Reopen a session (default: the one in view) in the program it came from, in a terminal",
})
cmd("SessiondRefresh", "refresh", { nargs = 0, desc = "Refresh the sidebar and history buffers" })
cmd("SessiondRestore", "restore", {
  nargs = "?",
  complete = function(lead)
    return require("sessiond.edits").complete_trash(lead)
  end,
  desc = "Bring a session back from the trash",
})

vim.api.nvim_create_user_command(
  "SessiondSearch",
  function(o)
    require("sessiond").search(o.args, o.bang)
  end,
  { nargs = "+", bang = true, desc = "Search every session's turns (!: into the quickfix list)" }
)

vim.api.nvim_create_user_command("SessiondImport", function(o)
  require("sessiond").import(o.fargs)
end, {
  nargs = "+",
  complete = function(lead, line)
    return require("sessiond.import").complete(lead, line)
  end,
  desc = "Import another tool's history (the sources `sessiond import --list` names)",
})

-- `:edit sessiond://<ULID>` (and session restore) loads a history buffer.
vim.api.nvim_create_autocmd("BufReadCmd", {
  group = vim.api.nvim_create_augroup("sessiond_plugin", { clear = true }),
  pattern = "sessiond://*",
  callback = function(ev)
    require("sessiond.history").read(ev.buf)
  end,
})
