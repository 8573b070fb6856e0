-- :SessiondImport runs the real `sessiond import` on the plugin's database.
--   nvim --headless -u NONE -l tests/spec/import.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db, tmp = H.tmpdb()
H.load_plugin()
require("sessiond").setup({ db = db })

-- An aider chat history as aider writes it: a run header, the person's `#### ` lines, the reply.
local history = tmp .. "/.aider.chat.history.md"
vim.fn.writefile({
  "",
  "# aider chat started at 2025-03-01 10:00:00",
  "",
  "#### How do I reverse a list in python?  ",
  "",
  "Use `xs[::-1]` for a copy, or `xs.reverse()` in place.",
  "",
}, history)

test(":SessiondImport completes the sources", function()
  eq({ "claude-code", "codex" }, vim.fn.getcompletion("SessiondImport c", "cmdline"), "completion")
end)

test(":SessiondImport with an unknown source says which ones there are", function()
  vim.cmd("SessiondImport nosuchtool")
  truthy(H.find_note("unknown source", vim.log.levels.ERROR), "an error")
  truthy(H.find_note("claude-code|codex|llm|aider|sessiond"), "the sources listed")
end)

test(":SessiondImport aider PATH imports it; the sidebar lists the session", function()
  local before = vim.fn.readblob(history)
  vim.cmd("Sessiond")
  local sidebar_buf = vim.api.nvim_get_current_buf()
  H.notes = {}
  vim.cmd("SessiondImport aider " .. vim.fn.fnameescape(history))
  wait(function()
    return H.find_note("import from aider done", vim.log.levels.INFO)
  end, "the summary", 30000)
  wait(function()
    return H.line_of(sidebar_buf, "How do I reverse a list in python?")
  end, "the imported session in the sidebar")
  local line = vim.fn.getbufline(sidebar_buf, H.line_of(sidebar_buf, "How do I reverse"))[1]
  truthy(line:find(" 2 ended$") or line:find(" 2  live$"), "two turns: " .. line)
  eq(before, vim.fn.readblob(history), "the source file is untouched")
end)

require("sessiond.client").stop()
H.finish()
