-- Live updates (protocol version 2, session/subscribe): what another process
-- writes shows up in the open sidebar and history by itself, and the reader's
-- cursor and focus stay where they are.
--   nvim --headless -u NONE -l tests/spec/live.lua
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

test("the daemon on PATH takes session/subscribe", function()
  eq(nil, (client.request_sync(m.last, vim.empty_dict())), "session/last")
  truthy(client.subscribed(), "subscribed (a daemon without session/subscribe fails here)")
end)
H.needs("session/subscribe, which the daemon on PATH does not serve", client.subscribed())

local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = "Watch this session" })

-- The sidebar on the left, the history top right, the "code" bottom right, focused.
local code_win = vim.api.nvim_get_current_win()
vim.api.nvim_buf_set_lines(0, 0, -1, false, { "line one of my code", "line two" })
vim.cmd("Sessiond")
local sidebar_buf = vim.api.nvim_get_current_buf()
vim.api.nvim_set_current_win(code_win)
vim.cmd("aboveleft split")
local history_win = vim.api.nvim_get_current_win()
local drawn
require("sessiond.history").open(s.ulid, history_win, {
  on_drawn = function(buf)
    drawn = buf
  end,
})
vim.api.nvim_set_current_win(code_win)
vim.api.nvim_win_set_cursor(code_win, { 2, 3 })

local function focus_kept()
  eq(code_win, vim.api.nvim_get_current_win(), "focus stayed in the code window")
  eq({ 2, 3 }, vim.api.nvim_win_get_cursor(code_win), "the code cursor did not move")
end

test(
  "a turn appended by another process appears in the history and the sidebar by itself",
  function()
    wait(function()
      return drawn and H.line_of(sidebar_buf, "Watch this session")
    end, "history and sidebar drawn")
    vim.api.nvim_win_set_cursor(history_win, { 1, 0 })
    H.other(db, "append", s.ulid, "system", "written by another process")
    wait(function()
      return H.line_of(drawn, "written by another process")
    end, "the turn in the open history, no key pressed")
    eq({ 1, 0 }, vim.api.nvim_win_get_cursor(history_win), "the history's cursor stayed")
    wait(function()
      return vim.fn
        .getbufline(sidebar_buf, H.line_of(sidebar_buf, "Watch this session"))[1]
        :find(" 2  live$")
    end, "the sidebar's count grew")
    focus_kept()
  end
)

test("a history whose cursor is on the last line follows new turns", function()
  vim.api.nvim_win_set_cursor(history_win, { vim.api.nvim_buf_line_count(drawn), 0 })
  H.other(db, "append", s.ulid, "prompt", "a second turn from elsewhere")
  wait(function()
    return H.line_of(drawn, "a second turn from elsewhere")
  end, "the turn")
  eq(vim.api.nvim_buf_line_count(drawn), vim.api.nvim_win_get_cursor(history_win)[1], "followed")
  focus_kept()
end)

test("a session started elsewhere appears in the sidebar; a rename relabels it", function()
  local other = H.other(db, "start", "Started in another editor")
  wait(function()
    return H.line_of(sidebar_buf, "Started in another editor")
  end, "the new session listed")
  H.other(db, "rename", s.ulid, "Renamed elsewhere")
  wait(function()
    return H.line_of(sidebar_buf, "Renamed elsewhere")
      and vim.fn.getbufline(drawn, 1)[1] == "Renamed elsewhere"
  end, "the new title in the sidebar and atop the history")
  focus_kept()
  truthy(other ~= "", "ulid")
end)

test("an end elsewhere shows; :SessiondSay in view then goes on in a continuation", function()
  H.other(db, "end", s.ulid)
  wait(function()
    return vim.fn.getbufline(drawn, 2)[1]:find("^ended ")
      and vim.fn
        .getbufline(sidebar_buf, H.line_of(sidebar_buf, "Renamed elsewhere"))[1]
        :find("ended$")
  end, "ended in the history and the sidebar")
  vim.api.nvim_set_current_win(history_win)
  vim.cmd("SessiondSay after it ended elsewhere")
  wait(function()
    local cur = require("sessiond").current()
    return cur and cur.parentUlid == s.ulid and H.lines():find("after it ended elsewhere", 1, true)
  end, "a continuation holding the turn, in view")
end)

test("its own turns come back once: no turn is drawn twice", function()
  local buf = vim.api.nvim_get_current_buf()
  vim.cmd("SessiondSay only once please")
  wait(function()
    return H.line_of(buf, "only once please")
  end, "drawn")
  -- The notification for it arrives within a second; wait for a later one to be sure it came.
  H.other(db, "append", require("sessiond").current().ulid, "system", "a marker after it")
  wait(function()
    return H.line_of(buf, "a marker after it")
  end, "the marker")
  local n = 0
  for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:find("only once please", 1, true) then
      n = n + 1
    end
  end
  eq(1, n, "times the turn is shown")
end)

client.stop()
H.finish()
