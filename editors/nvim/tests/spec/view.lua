-- How history and sidebar read: markdown highlighting, labels, `g?`, `q`, no
-- lone sidebar, and stored text that tries to be more than text.
--   nvim --headless -u NONE -l tests/spec/view.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db = H.tmpdb()
H.load_plugin()
-- max_share = 1: the sidebar keeps its full 64 columns in this 80-column
-- headless editor (the third it takes by default is tests/spec/sidebar.lua's).
require("sessiond").setup({ db = db, max_share = 1 })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods

local REPLY = table.concat({
  "Here is **bold** text and `inline code`.",
  "",
  "```lua",
  "local answer = 42 -- the lua block",
  "```",
  "",
  "```python",
  "def python_block(): pass",
  "```",
}, "\n")

local function seed(prompt, reply)
  local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
  client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = prompt })
  if reply then
    client.request_sync(m.append, { sessionId = s.id, kind = "system", text = reply })
  end
  return s
end

local md = seed("Show me a fenced block", REPLY)
local code_buf = vim.api.nvim_get_current_buf() -- the "file" the person was editing
vim.api.nvim_buf_set_lines(code_buf, 0, -1, false, { "print('my code')" })

local function open_history(s)
  local drawn
  require("sessiond.history").open(s.ulid, nil, {
    on_drawn = function(buf)
      drawn = buf
    end,
  })
  wait(function()
    return drawn and not require("sessiond.markdown").pending(drawn)
  end, "the history drawn and highlighted")
  return drawn
end

test("a fenced lua block is highlighted as lua (the group under the cursor)", function()
  local buf = open_history(md)
  local row = H.line_of(buf, "local answer")
  vim.api.nvim_win_set_cursor(0, { row, vim.fn.getline(row):find("local", 1, true) - 1 })
  local groups = H.groups_at(buf, row, vim.api.nvim_win_get_cursor(0)[2])
  truthy(groups["@keyword.lua"], "@keyword.lua under the cursor: " .. vim.inspect(groups))
  truthy(groups["@markup.raw.block.markdown"], "inside a markdown code block")
  local num = H.groups_at(buf, row, vim.fn.getline(row):find("42", 1, true) - 1)
  truthy(num["@number.lua"], "42 is a lua number: " .. vim.inspect(num))
  local bold = H.groups_at(
    buf,
    H.line_of(buf, "**bold**"),
    vim.fn.getline(H.line_of(buf, "**bold**")):find("bold") - 1
  )
  truthy(bold["@markup.strong.markdown_inline"], "bold is strong: " .. vim.inspect(bold))
end)

test("a fence in a language without a parser stays plain code, without errors", function()
  local buf = vim.api.nvim_get_current_buf()
  local row = H.line_of(buf, "def python_block")
  local groups = H.groups_at(buf, row, 2)
  truthy(groups["@markup.raw.block.markdown"], "still a code block: " .. vim.inspect(groups))
  for g in pairs(groups) do
    truthy(not g:find("python", 1, true), "no python highlight without its parser: " .. g)
  end
  truthy(not H.find_note("rror"), "no error notified")
end)

test("conceal is off by default: markup stays visible", function()
  eq(0, vim.wo.conceallevel, "conceallevel in the history window")
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(0, -1, 0, -1, { details = true })) do
    eq(nil, mark[4].conceal, "no concealed text")
  end
end)

test("an unclosed fence in one turn does not swallow the next turn", function()
  local s = seed("first turn", "```lua\nlocal unclosed = 1")
  client.request_sync(
    m.append,
    { sessionId = s.id, kind = "prompt", text = "plain words after it" }
  )
  local buf = open_history(s)
  local row = H.line_of(buf, "plain words after it")
  local groups = H.groups_at(buf, row, 3)
  eq(nil, groups["@markup.raw.block.markdown"], "the next turn is not code")
  truthy(
    H.groups_at(buf, H.line_of(buf, "local unclosed"), 2)["@keyword.lua"],
    "the unclosed block is lua"
  )
end)

test("setup({ conceal = true }) hides markup in history windows", function()
  require("sessiond.config").set({ db = db, max_share = 1, conceal = true })
  local buf = open_history(md)
  eq(2, vim.wo.conceallevel, "conceallevel")
  local concealed = vim.tbl_filter(function(mark)
    return mark[4].conceal ~= nil
  end, vim.api.nvim_buf_get_extmarks(buf, -1, 0, -1, { details = true }))
  truthy(#concealed > 0, "some markup concealed")
  require("sessiond.config").set({ db = db, max_share = 1 })
  open_history(md)
  eq(0, vim.wo.conceallevel, "off again")
end)

test("g? in a history lists every history key, each of them mapped", function()
  local hist = require("sessiond.history")
  vim.api.nvim_feedkeys("g?", "x", false)
  local float = vim.api.nvim_get_current_win()
  truthy(vim.api.nvim_win_get_config(float).relative ~= "", "a float")
  local text = H.lines()
  for _, key in ipairs(hist.keys) do
    truthy(text:find(key[1], 1, true) and text:find(key[2], 1, true), "g? lists " .. key[1])
  end
  vim.api.nvim_feedkeys("q", "x", false)
  truthy(vim.api.nvim_win_get_config(0).relative == "", "q closed the float")
  local mapped = {}
  for _, km in ipairs(vim.api.nvim_buf_get_keymap(0, "n")) do
    mapped[vim.keycode(km.lhs)] = true
  end
  for _, key in ipairs(hist.keys) do
    truthy(mapped[vim.keycode(key[1])], key[1] .. " is mapped")
  end
end)

test("]] and [[ move between turns", function()
  vim.api.nvim_win_set_cursor(0, { 1, 0 })
  vim.api.nvim_feedkeys("]]", "x", false)
  truthy(vim.fn.getline("."):find("^#1  "), "on turn 1: " .. vim.fn.getline("."))
  vim.api.nvim_feedkeys("]]", "x", false)
  truthy(vim.fn.getline("."):find("^#2  "), "on turn 2")
  vim.api.nvim_feedkeys("[[", "x", false)
  truthy(vim.fn.getline("."):find("^#1  "), "back on turn 1")
end)

local sidebar_buf
test("the sidebar: labels use its width; g? lists its keys", function()
  local long = "A long first prompt that goes on and on well past the old twenty-six characters"
  seed(long)
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  wait(function()
    return H.line_of(sidebar_buf, "A long first prompt")
  end, "the long label")
  local line = vim.fn.getline(H.line_of(sidebar_buf, "A long first prompt"))
  local width = vim.api.nvim_win_get_width(0)
  truthy(
    line:find("A long first prompt that goes on and", 1, true),
    "well over 26 characters: " .. line
  )
  eq(width - 1, vim.fn.strdisplaywidth(line), "the line fills the window but its last column")
  vim.api.nvim_feedkeys("g?", "x", false)
  local text = H.lines()
  for _, key in ipairs(require("sessiond.sidebar").keys) do
    truthy(text:find(key[1], 1, true) and text:find(key[2], 1, true), "g? lists " .. key[1])
  end
  vim.api.nvim_feedkeys(vim.keycode("<Esc>"), "x", false)
  eq(sidebar_buf, vim.api.nvim_get_current_buf(), "<Esc> closed the float")
  vim.cmd("vertical resize 75")
  -- Neovim fires WinResized from its main loop, which a `-l` script does not run.
  vim.api.nvim_exec_autocmds("WinResized", {})
  wait(function()
    return vim.fn.strdisplaywidth(vim.fn.getline(H.line_of(sidebar_buf, "A long first prompt")))
      == 74
  end, "the label grows with the window")
  vim.cmd("vertical resize " .. require("sessiond.config").get().width)
end)

test("q in a history goes back to the buffer the window showed before", function()
  local win = vim.fn.win_getid(vim.fn.winnr("l"))
  vim.api.nvim_set_current_win(win)
  vim.api.nvim_win_set_buf(win, code_buf)
  vim.api.nvim_set_current_win(vim.fn.bufwinid(sidebar_buf))
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, "Show me a fenced block"), 0 })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  eq(win, vim.api.nvim_get_current_win(), "the history took the code window")
  truthy(vim.api.nvim_buf_get_name(0):find("^sessiond://"), "a history")
  vim.api.nvim_feedkeys("q", "x", false)
  eq(win, vim.api.nvim_get_current_win(), "same window")
  eq(code_buf, vim.api.nvim_get_current_buf(), "the code is back")
  eq(2, #vim.api.nvim_tabpage_list_wins(0), "no window closed: the sidebar is not alone")
end)

test("closing the last normal window never leaves a lone sidebar", function()
  vim.cmd("close")
  wait(function()
    local wins = vim.api.nvim_tabpage_list_wins(0)
    return #wins == 2
      and vim.iter(wins):any(function(w)
        return vim.api.nvim_win_get_buf(w) ~= sidebar_buf
      end)
  end, "a normal window beside the sidebar again")
  eq(64, vim.api.nvim_win_get_width(vim.fn.bufwinid(sidebar_buf)), "sidebar keeps its width")
  -- :q in the last normal window closes the sidebar first, so Neovim would quit.
  vim.api.nvim_set_current_win(vim.fn.win_getid(vim.fn.winnr("l")))
  vim.api.nvim_exec_autocmds("QuitPre", {})
  eq(-1, vim.fn.bufwinid(sidebar_buf), "QuitPre closed the sidebar")
  eq(1, #vim.api.nvim_tabpage_list_wins(0), "one window left, for :q to close")
end)

test("stored text is never a modeline, and control characters never reach a label", function()
  local evil = "vim: set textwidth=7 :\n\27[31mred\27[0m \226\128\174reversed\7"
  local s = seed(evil, "ex: set shiftwidth=3 :")
  local buf = open_history(s)
  eq(false, vim.bo[buf].modeline, "modeline off")
  local tw = vim.bo[buf].textwidth
  vim.cmd("doautocmd BufWinEnter") -- runs modelines when 'modeline' is on
  eq(tw, vim.bo[buf].textwidth, "textwidth untouched")
  -- The same text in a buffer that reads modelines would set it: the check above can fail.
  local control = vim.api.nvim_create_buf(true, false)
  vim.api.nvim_buf_set_lines(control, 0, -1, false, { "vim: set textwidth=7 :" })
  vim.api.nvim_set_current_buf(control)
  vim.bo.modeline = true
  vim.api.nvim_create_autocmd("BufWinEnter", { buffer = control, command = "" })
  vim.cmd("doautocmd BufWinEnter")
  eq(7, vim.bo[control].textwidth, "the control buffer read its modeline")
  vim.cmd("Sessiond")
  vim.cmd("Sessiond")
  wait(function()
    return H.line_of(sidebar_buf, "red")
  end, "the label in the sidebar")
  local line = vim.fn.getline(H.line_of(sidebar_buf, "red"))
  truthy(not line:find("[%z\1-\31\127]"), "no control bytes: " .. vim.inspect(line))
  truthy(not line:find("\226\128\174", 1, true), "no bidi override")
  local title = require("sessiond.labels").label(s, evil)
  truthy(not title:find("[%z\1-\31\127]"), "label clean: " .. vim.inspect(title))
end)

test("times read like a chat list: 14:32, yesterday, Mar 3, an older year", function()
  local labels = require("sessiond.labels")
  local now = os.time({ year = 2026, month = 11, day = 25, hour = 15, min = 0, sec = 0 })
  local function ts(t)
    return os.date("!%Y-%m-%dT%H:%M:%S.000Z", t)
  end
  eq(os.date("%H:%M", now - 3600), labels.when(ts(now - 3600), now), "today")
  eq("yesterday", labels.when(ts(now - 86400), now), "yesterday")
  local march = os.time({ year = 2026, month = 3, day = 3, hour = 12 })
  eq(os.date("%b", march) .. " 3", labels.when(ts(march), now), "this year")
  eq("2025-03-03", labels.when(ts(march - 365 * 86400), now), "an older year")
end)

client.stop()
H.finish()
