-- Protocol version 2 against the real daemon: titles and previews from the
-- Session, rename, the trash, :SessiondSearch (picker and quickfix).
--   nvim --headless -u NONE -l tests/spec/v2.lua
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

-- Every request the plugin sends, by method, to check what it does not ask.
local asked = {}
local request = client.request
client.request = function(method, ...)
  asked[method] = (asked[method] or 0) + 1
  return request(method, ...)
end

local function seed(turns)
  local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
  for i, text in ipairs(turns) do
    client.request_sync(
      m.append,
      { sessionId = s.id, kind = i % 2 == 1 and "prompt" or "system", text = text }
    )
  end
  return s
end

test("the daemon on PATH speaks protocol version 2 or newer", function()
  eq(nil, (client.request_sync(m.last, vim.empty_dict())), "session/last")
  truthy(
    client.protocol_version() >= 2,
    "protocolVersion 2 or newer announced by `sessiond` on PATH"
  )
end)
H.needs(
  "protocol version 2, which the daemon on PATH does not speak",
  client.protocol_version() >= 2
)

local wal = seed({
  "Why does my SQLite WAL file keep growing?",
  "A long-lived reader blocks the checkpoint.",
})
local tuples = seed({ "Sort a list of tuples by the second item", "sorted(xs, key=itemgetter(1))" })

local sidebar_buf
test("the sidebar labels sessions with the Session's preview, reading no events", function()
  asked = {}
  vim.cmd("Sessiond")
  sidebar_buf = vim.api.nvim_get_current_buf()
  wait(function()
    return H.line_of(sidebar_buf, "Why does my SQLite WAL file")
      and H.line_of(sidebar_buf, "Sort a list of tuples")
  end, "both previews")
  eq(nil, asked[m.events], "session/events requests")
  local row = H.line_of(sidebar_buf, "Why does my SQLite")
  truthy(H.groups_at(sidebar_buf, row, 5).SessiondPreview, "preview highlight")
end)

test("R renames the session under the cursor; the title replaces the preview", function()
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, "Why does my SQLite"), 0 })
  H.answer_input("WAL growth")
  vim.api.nvim_feedkeys("R", "x", false)
  wait(function()
    return H.line_of(sidebar_buf, "WAL growth")
  end, "the title in the sidebar")
  eq(nil, H.line_of(sidebar_buf, "Why does my SQLite"), "the preview gave way")
  truthy(
    H.groups_at(sidebar_buf, H.line_of(sidebar_buf, "WAL growth"), 4).SessiondTitle,
    "title highlight"
  )
  local _, s = client.request_sync(m.get, { ulid = wal.ulid })
  eq("WAL growth", s.title, "stored title")
  H.answer_input("")
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, "WAL growth"), 0 })
  vim.api.nvim_feedkeys("R", "x", false)
  wait(function()
    return H.line_of(sidebar_buf, "Why does my SQLite")
  end, "an empty title clears it")
  require("sessiond.edits").set_title(wal, "WAL growth")
  wait(function()
    return H.line_of(sidebar_buf, "WAL growth")
  end, "titled again")
end)

test(":SessiondSearch! fills the quickfix list with each hit on its line", function()
  vim.cmd("wincmd l")
  vim.cmd("SessiondSearch! checkpoint OR itemgetter")
  wait(function()
    return #vim.fn.getqflist() == 2
  end, "two entries in the quickfix list")
  local qf = vim.fn.getqflist({ title = true, items = true })
  truthy(qf.title:find("checkpoint OR itemgetter", 1, true), "title: " .. qf.title)
  local by_ulid = {}
  for _, item in ipairs(qf.items) do
    local name = vim.api.nvim_buf_get_name(item.bufnr)
    local ulid = name:match("^sessiond://(.+)$")
    truthy(ulid, "a history buffer: " .. name)
    by_ulid[ulid] = item
    local line = vim.api.nvim_buf_get_lines(item.bufnr, item.lnum - 1, item.lnum, false)[1]
    local word = ulid == wal.ulid and "checkpoint" or "itemgetter"
    truthy(line:find(word, 1, true), ("line %d holds %s: %s"):format(item.lnum, word, line))
    eq(word, line:sub(item.col, item.col + #word - 1), "the column is the match's")
    truthy(item.text:find(word, 1, true), "the snippet in the text: " .. item.text)
  end
  truthy(by_ulid[wal.ulid] and by_ulid[tuples.ulid], "one hit in each session")
  eq("WAL growth", by_ulid[wal.ulid].module, "the session's title names the entry")
  eq("quickfix", vim.bo.buftype, "the list is open")
  vim.cmd("cc 1")
  local item = qf.items[1]
  eq(item.bufnr, vim.api.nvim_get_current_buf(), ":cc opens the history")
  eq(item.lnum, vim.fn.line("."), ":cc puts the cursor on the hit")
  local groups = H.groups_at(0, item.lnum, item.col - 1)
  truthy(groups.SessiondMatch, "the match is highlighted: " .. vim.inspect(groups))
  vim.cmd("cclose")
end)

test(":SessiondSearch picks a hit through vim.ui.select and opens it on the match", function()
  vim.cmd("enew")
  H.pick_with(function(items)
    return items[1]
  end)
  vim.cmd("SessiondSearch sorted")
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. tuples.ulid
      and vim.fn.getline("."):find("sorted", 1, true)
  end, "the history open on the match")
  eq(1, #H.picked.items, "one hit offered")
  local shown = H.picked.opts.format_item(H.picked.items[1])
  truthy(shown:find("«sorted»", 1, true), "the match marked in the picker: " .. shown)
  truthy(shown:find("Sort a list of tuples", 1, true), "the session's label: " .. shown)
end)

test("a query without a word is the daemon's clear error, not a crash", function()
  H.notes = {}
  vim.cmd("SessiondSearch !!")
  wait(function()
    return H.find_note("'!!'", vim.log.levels.ERROR)
  end, "the daemon's message, naming the query")
end)

test("a hit further back than the history shows is opened all the same", function()
  local turns = { "needle in the first prompt" }
  for i = 2, 12 do
    table.insert(turns, "filler turn " .. i)
  end
  local long = seed(turns)
  require("sessiond").setup({ db = db, history_limit = 3 })
  H.pick_with(function(items)
    return items[1]
  end)
  vim.cmd("SessiondSearch needle")
  wait(function()
    return vim.api.nvim_buf_get_name(0) == "sessiond://" .. long.ulid
      and vim.fn.getline("."):find("needle", 1, true)
  end, "the old turn shown, the cursor on it")
  require("sessiond").setup({ db = db })
end)

test("d moves a session to the trash and says how to undo; :SessiondRestore undoes it", function()
  vim.api.nvim_set_current_win(vim.fn.bufwinid(sidebar_buf))
  vim.api.nvim_win_set_cursor(0, { H.line_of(sidebar_buf, "Sort a list of tuples"), 0 })
  H.notes = {}
  vim.api.nvim_feedkeys("d", "x", false)
  wait(function()
    return H.find_note(":SessiondRestore " .. tuples.ulid)
  end, "a message naming the undo")
  wait(function()
    return H.line_of(sidebar_buf, "Sort a list of tuples") == nil
  end, "gone from the sidebar")
  local _, s = client.request_sync(m.get, { ulid = tuples.ulid })
  truthy(s.deletedAt, "deletedAt stored")
  local done = vim.fn.getcompletion("SessiondRestore " .. tuples.ulid:sub(1, 6), "cmdline")
  eq({ tuples.ulid }, done, "completion offers the trash")
  vim.cmd("SessiondRestore " .. tuples.ulid:sub(1, 12))
  wait(function()
    return H.line_of(sidebar_buf, "Sort a list of tuples")
  end, "back in the sidebar")
end)

test(
  ":SessiondRestore without a ULID offers the trash; a turn never goes to a trashed session",
  function()
    require("sessiond.edits").delete(wal)
    wait(function()
      return H.line_of(sidebar_buf, "WAL growth") == nil
    end, "trashed")
    local buf = vim.api.nvim_get_current_buf()
    vim.cmd("wincmd l")
    require("sessiond.history").open(wal.ulid)
    wait(function()
      return vim.fn.getline(2):find("^in the trash · ")
    end, "the history says it is in the trash")
    H.notes = {}
    vim.cmd("SessiondSay this must not be stored")
    wait(function()
      return H.find_note("is in the trash: :SessiondRestore " .. wal.ulid, vim.log.levels.WARN)
    end, "refused with the way back")
    truthy(not H.show(wal.ulid, db):find("this must not be stored", 1, true), "nothing stored")
    H.pick_with(function(items)
      return items[1]
    end)
    vim.cmd("SessiondRestore")
    wait(function()
      return H.line_of(sidebar_buf, "WAL growth")
    end, "restored from the picker")
    eq(wal.ulid, H.picked.items[1].ulid, "the trash was offered")
    local _ = buf
  end
)

client.stop()
H.finish()
