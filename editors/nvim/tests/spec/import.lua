-- :SessiondImport runs the real `sessiond import` on the plugin's database.
--   nvim --headless -u NONE -l tests/spec/import.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db, tmp = H.tmpdb()
H.load_plugin()
-- max_share = 1: the sidebar keeps its full 64 columns in this 80-column
-- headless editor (the third it takes by default is tests/spec/sidebar.lua's).
require("sessiond").setup({ db = db, max_share = 1 })

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

-- The sources as the real CLI lists them: what completion and checks must offer.
local listed = vim.system({ "sessiond", "import", "--list", "--json" }, { text = true }):wait(20000)
local names = {}
for line in vim.gsplit(listed.stdout or "", "\n", { plain = true, trimempty = true }) do
  table.insert(names, vim.json.decode(line).name)
end

test("`sessiond import --list --json` lists the sources, one JSON object a line", function()
  eq(0, listed.code, "exit code (stderr: " .. tostring(listed.stderr) .. ")")
  truthy(vim.tbl_contains(names, "claude-code") and vim.tbl_contains(names, "aider"), "names")
  local sources = require("sessiond.import.sources")
  local parsed = sources.parse(listed.stdout)
  eq(
    names,
    vim.tbl_map(function(src)
      return src.name
    end, parsed),
    "the plugin reads the same names, in the CLI's order"
  )
  truthy(parsed[1].label ~= "" and type(parsed[1].found) == "boolean", "label and found")
end)

test(":SessiondImport completes the sources the CLI lists", function()
  local want = vim.tbl_filter(function(n)
    return vim.startswith(n, "c")
  end, names)
  truthy(#want >= 2, "sources starting with c: " .. table.concat(want, " "))
  eq(want, vim.fn.getcompletion("SessiondImport c", "cmdline"), "completion")
end)

test(":SessiondImport with an unknown source says which ones there are", function()
  vim.cmd("SessiondImport nosuchtool")
  truthy(H.find_note("unknown source", vim.log.levels.ERROR), "an error")
  truthy(H.find_note(table.concat(names, "|")), "the sources listed, as the CLI lists them")
end)

test(
  "the import picker (I in the sidebar) offers the CLI's sources, those found here first",
  function()
    H.pick_with(function()
      return nil -- looked at, not chosen
    end)
    require("sessiond.import").pick()
    wait(function()
      return H.picked and H.picked.opts.kind == "sessiond_import_source"
    end, "the picker")
    local items = H.picked.items
    eq(#names, #items, "every source")
    local seen_missing = false
    for _, src in ipairs(items) do
      seen_missing = seen_missing or not src.found
      truthy(src.found or seen_missing, "found ones first")
      truthy(not (src.found and seen_missing), src.name .. ": a found source after a missing one")
    end
    local row = H.picked.opts.format_item(items[1])
    truthy(row:find(items[1].label .. " (" .. items[1].name .. ")", 1, true), row)
  end
)

test("the list's format: a line that is not a source is an error, not a guess", function()
  local sources = require("sessiond.import.sources")
  local ok = sources.parse(table.concat({
    '{"name": "claude-code", "label": "Claude Code", "description": "Claude Code transcripts",'
      .. ' "paths": ["/home/x/.claude/projects"], "found": true}',
    '{"name": "aider", "label": "Aider", "description": "", "paths": [], "found": false}',
  }, "\n"))
  eq({ "claude-code", "aider" }, { ok[1].name, ok[2].name }, "names in order")
  eq({ "/home/x/.claude/projects" }, ok[1].paths, "paths")
  eq({ true, false }, { ok[1].found, ok[2].found }, "found")
  local bad, err = sources.parse('{"name": "claude-code"}\nusage: sessiond import SOURCE')
  eq(nil, bad, "no list from a usage message")
  truthy(err:find("not a source", 1, true), err)
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
    -- After its source and project ("aider·0"), which leave the label less room.
    local folder = vim.fn.fnamemodify(history, ":h:t") -- aider's project: the history's folder
    return H.line_of(sidebar_buf, "aider·" .. folder .. " How do I reverse a list")
  end, "the imported session in the sidebar")
  local line = vim.fn.getbufline(sidebar_buf, H.line_of(sidebar_buf, "How do I reverse"))[1]
  truthy(line:find(" 2 ended$") or line:find(" 2  live$"), "two turns: " .. line)
  eq(before, vim.fn.readblob(history), "the source file is untouched")
end)

test("a sessiond that cannot list its sources: a clear message naming the command", function()
  require("sessiond").setup({ cmd = { "false" }, db = db })
  H.notes = {}
  vim.cmd("SessiondImport aider")
  wait(function()
    return H.find_note("import --list --json` failed", vim.log.levels.ERROR)
  end, "an error naming the command")
  eq({}, vim.fn.getcompletion("SessiondImport a", "cmdline"), "no sources to complete")
  require("sessiond").setup({ db = db })
end)

require("sessiond.client").stop()
H.finish()
