-- The sidebar as issue 28 has it: at most a third of the editor, `u` undoing
-- the last trash or rename, rename prefilled, keys for say, search and
-- import, and an empty list that offers :SessiondImport.
--   nvim --headless -u NONE -l tests/spec/sidebar.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local db = H.tmpdb()
H.load_plugin()
require("sessiond").setup({ db = db })
local client = require("sessiond.client")
local config = require("sessiond.config")
local m = require("sessiond.protocol").methods

local sidebar_buf
local function sidebar_win()
  return vim.fn.bufwinid(sidebar_buf)
end

test("an empty sidebar offers :SessiondImport, and :SessiondSay", function()
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  wait(function()
    return H.line_of(sidebar_buf, ":SessiondImport")
  end, "the offer to import")
  truthy(H.line_of(sidebar_buf, ":SessiondSay {text} starts one"), H.lines(sidebar_buf))
  truthy(H.lines(sidebar_buf):find("I (:SessiondImport {source})", 1, true), "its key named")
end)

test("at 80 columns the sidebar takes a third (26), and the history the rest", function()
  eq(80, vim.o.columns, "the headless editor's columns")
  eq(26, vim.api.nvim_win_get_width(sidebar_win()), "sidebar width")
  eq(26, config.sidebar_width(), "config.sidebar_width()")
  local other = vim.fn.win_getid(vim.fn.winnr("l"))
  truthy(vim.api.nvim_win_get_width(other) >= 50, "the other window keeps most of the width")
end)

test("width and max_share are the user's: the smaller of the two wins", function()
  require("sessiond.config").set({ db = db, width = 20 })
  eq(20, config.sidebar_width(), "width under a third")
  require("sessiond.config").set({ db = db, max_share = 0.5 })
  eq(40, config.sidebar_width(), "half of 80")
  require("sessiond.config").set({ db = db, max_share = 1 })
  eq(64, config.sidebar_width(), "the full width when the share allows it")
  local ok, err = pcall(require("sessiond.config").set, { max_share = 2 })
  truthy(not ok and tostring(err):find("max_share", 1, true), "a share above 1 is refused")
  require("sessiond.config").set({ db = db })
end)

test("when the editor is resized the sidebar follows (VimResized)", function()
  require("sessiond.config").set({ db = db, max_share = 0.25 })
  -- Neovim fires VimResized from its main loop, which a `-l` script does not run.
  vim.api.nvim_exec_autocmds("VimResized", {})
  eq(20, vim.api.nvim_win_get_width(sidebar_win()), "a quarter of 80")
  require("sessiond.config").set({ db = db })
  vim.api.nvim_exec_autocmds("VimResized", {})
  eq(26, vim.api.nvim_win_get_width(sidebar_win()), "a third again")
end)

local function seed(prompt)
  local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
  client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = prompt })
  return s
end

local alpha, beta
test("a narrow sidebar keeps the label first and the state at the right", function()
  alpha = seed("Alpha session about tmux")
  beta = seed("Beta session about sqlite")
  vim.cmd("SessiondRefresh")
  -- Each label comes with its session's first prompt, which may be read after the list.
  wait(function()
    return H.line_of(sidebar_buf, "Beta session") and H.line_of(sidebar_buf, "Alpha session")
  end, "both listed")
  local line = vim.fn.getbufline(sidebar_buf, H.line_of(sidebar_buf, "Alpha session"))[1]
  truthy(line:find("^   Alpha session") and line:find(" live$"), line)
  eq(25, vim.fn.strdisplaywidth(line), "the line fills the window but its last column")
end)

local function press(keys, mode)
  vim.api.nvim_set_current_win(sidebar_win())
  vim.api.nvim_feedkeys(vim.keycode(keys), mode or "x", false)
end

local function on(text)
  vim.api.nvim_set_current_win(sidebar_win())
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, text), 0 })
end

test("d then u: the session goes to the trash and comes back", function()
  on("Alpha session")
  H.notes = {}
  press("d")
  wait(function()
    return H.line_of(sidebar_buf, "Alpha session") == nil
  end, "gone from the list")
  truthy(H.find_note("u or :SessiondRestore " .. alpha.ulid), "the message names u")
  press("u")
  wait(function()
    return H.line_of(sidebar_buf, "Alpha session")
  end, "back in the list")
  local _, s = client.request_sync(m.get, { ulid = alpha.ulid })
  eq(nil, s.deletedAt, "deletedAt cleared in the store")
  truthy(H.find_note("restored “Alpha session about tmux”"), "said so")
end)

test("R is prefilled with the name shown; u puts the old title back", function()
  on("Beta session")
  local asked
  vim.ui.input = function(opts, on_confirm)
    asked = opts
    on_confirm("Beta renamed")
  end
  press("R")
  eq("Beta session about sqlite", asked.default, "prefilled with the label (its preview)")
  wait(function()
    return H.line_of(sidebar_buf, "Beta renamed")
  end, "renamed")
  on("Beta renamed")
  press("R")
  eq("Beta renamed", asked.default, "prefilled with its title now")
  wait(function()
    return H.line_of(sidebar_buf, "Beta renamed")
  end, "the same title")
  H.answer_input("Beta twice")
  press("R")
  wait(function()
    return H.line_of(sidebar_buf, "Beta twice")
  end, "renamed again")
  press("u")
  wait(function()
    return H.line_of(sidebar_buf, "Beta renamed")
  end, "u: the title before")
  press("u")
  press("u")
  wait(function()
    return H.line_of(sidebar_buf, "Beta session")
  end, "u twice more: no title, the preview again (cut to the sidebar's width)")
  local _, s = client.request_sync(m.get, { ulid = beta.ulid })
  eq(nil, s.title, "no title in the store")
  H.notes = {}
  press("u")
  truthy(H.find_note("nothing to undo"), "nothing left to undo, said")
end)

test("s asks for a query and searches every turn", function()
  local asked
  vim.ui.input = function(opts, on_confirm)
    asked = opts
    on_confirm("sqlite")
  end
  H.pick_with(function(items)
    return items[1]
  end)
  press("s")
  truthy(asked and asked.prompt:find("Search", 1, true), "asked for a query")
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. beta.ulid
  end, "the hit's history opened")
  eq(1, #H.picked.items, "one hit")
end)

test("search (session/find) offers one row per session, with its number of hits", function()
  local two = seed("zebra crossing rules")
  client.request_sync(
    m.append,
    { sessionId = two.id, kind = "system", text = "a zebra has stripes" }
  )
  seed("one zebra only")
  H.pick_with(function()
    return nil
  end)
  local results
  require("sessiond.search").search("zebra", false, function(_, res)
    results = res
  end)
  wait(function()
    return results
  end, "the results")
  eq(2, #results, "two sessions")
  eq(2, #H.picked.items, "two rows: one per session")
  local rows = vim.tbl_map(H.picked.opts.format_item, H.picked.items)
  table.sort(rows)
  truthy(rows[1]:find("one zebra only · 1 hit · ", 1, true), rows[1])
  truthy(rows[2]:find("zebra crossing rules · 2 hits · ", 1, true), rows[2])
  truthy(H.picked.opts.prompt:find("2 sessions for zebra", 1, true), H.picked.opts.prompt)
end)

-- That it waits in insert mode is the tmux test's: typed text goes straight in.
test("i opens the session's history with a chat buffer below it", function()
  on("Alpha session")
  press("i")
  local chat_buffer = require("sessiond.chat.buffer")
  wait(function()
    return vim.bo.filetype == "sessiond_chat"
  end, "the chat buffer focused")
  eq(alpha.id, chat_buffer.target(0).id, "it writes to the session under the cursor")
  local above = vim.fn.win_getid(vim.fn.winnr("k"))
  eq(
    "sessiond://" .. alpha.ulid,
    vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(above)),
    "the history above"
  )
end)

client.stop()
H.finish()
