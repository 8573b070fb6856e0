-- The chat buffer and how a history reads while a conversation goes on: <CR>
-- and <C-s> send, the reply streams in (tests/engine.lua, OpenAI's streaming
-- protocol over real HTTP), histories open at the newest turn, "↓ N new turns
-- below", "↑ N earlier turns", a line before anything is sent when the turn
-- goes to a continuation or is kept as a note.
--   nvim --headless -u NONE -l tests/spec/say.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local engine = dofile(H.root .. "/tests/engine.lua").start({
  pieces = { "Short", " answer", " here." },
  hold_after = 1,
})
vim.env.SESSIOND_ENGINE_BASE_URL = nil
local db = H.tmpdb()
H.load_plugin()
require("sessiond").setup({ db = db, engine_base_url = engine.base_url })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods
local history = require("sessiond.history")
local chat_buffer = require("sessiond.chat.buffer")

local function seed(turns, cli)
  local params = { cliVersion = cli or "seed 1", engineBaseUrl = engine.base_url }
  local _, s = client.request_sync(m.start, params)
  for i, text in ipairs(turns) do
    local kind = i % 2 == 1 and "prompt" or "system"
    client.request_sync(m.append, { sessionId = s.id, kind = kind, text = text })
  end
  return s
end

local function open(s, win)
  local drawn
  history.open(s.ulid, win, {
    on_drawn = function(buf)
      drawn = buf
    end,
  })
  wait(function()
    return drawn
  end, "the history drawn")
  return drawn
end

local function stored(s)
  local _, res = client.request_sync(m.events, { sessionId = s.id, limit = 100 })
  return res.events
end

local talk = seed({ "first question", "first answer" })
local talk_buf, talk_win, chat_buf

test("a history opens at its newest turn (the cursor on the last line)", function()
  talk_buf = open(talk)
  talk_win = vim.api.nvim_get_current_win()
  eq(vim.api.nvim_buf_line_count(talk_buf), vim.fn.line("."), "cursor line")
  truthy(vim.fn.getline("."):find("first answer", 1, true), "on the reply: " .. vim.fn.getline("."))
end)

test("i in a history opens a chat buffer under it; <CR> sends, the reply streams in", function()
  vim.api.nvim_feedkeys("i", "x", false)
  chat_buf = vim.api.nvim_get_current_buf()
  eq("sessiond_chat", vim.bo.filetype, "the chat buffer is focused")
  eq(talk.id, chat_buffer.target(0).id, "it writes to this session")
  eq(talk_win, vim.fn.win_getid(vim.fn.winnr("k")), "the history is right above it")
  truthy(vim.wo.winbar:find("<CR> sends", 1, true), "its bar names the keys: " .. vim.wo.winbar)
  eq({}, chat_buffer.shown(chat_buf), "nothing to warn about: live, with an engine")
  vim.api.nvim_buf_set_lines(chat_buf, 0, -1, false, { "a turn of", "two lines" })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return engine.holding and H.line_of(talk_buf, "Short") and H.line_of(talk_buf, "(streaming…)")
  end, "the reply streaming into the history while the engine holds the rest")
  eq({ "" }, vim.api.nvim_buf_get_lines(chat_buf, 0, -1, false), "the chat buffer emptied")
  engine.release()
  wait(function()
    return H.line_of(talk_buf, "Short answer here.") and not H.line_of(talk_buf, "(streaming…)")
  end, "the whole reply")
  local events = stored(talk)
  eq("a turn of\ntwo lines", events[3].text, "the buffer sent as one prompt")
  eq({ "prompt", "system" }, { events[3].kind, events[4].kind }, "kinds stored")
  eq(
    { role = "user", content = "a turn of\ntwo lines" },
    engine.chat_requests()[1].body.messages[3],
    "what the engine got"
  )
  eq(vim.api.nvim_buf_line_count(talk_buf), vim.fn.line(".", talk_win), "the history followed")
end)

test("<C-s> in insert mode sends too (<CR> there stays a new line)", function()
  local map = vim.fn.maparg("<C-s>", "i", false, true)
  truthy(map.callback and map.buffer == 1, "an insert-mode <C-s> in the chat buffer")
  eq("", vim.fn.maparg("<CR>", "i"), "<CR> is not mapped in insert mode")
  vim.api.nvim_buf_set_lines(chat_buf, 0, -1, false, { "sent from insert mode" })
  engine.reply.hold_after = nil
  map.callback()
  wait(function()
    return #stored(talk) == 6
  end, "the prompt and its reply stored")
  eq("sent from insert mode", stored(talk)[5].text, "the prompt")
end)

test("a turn that cannot be stored comes back into the chat buffer", function()
  local other = seed({ "to be trashed" })
  require("sessiond.edits").delete(other)
  wait(function()
    local _, s = client.request_sync(m.get, { ulid = other.ulid })
    return s.deletedAt
  end, "trashed")
  local _, trashed = client.request_sync(m.get, { ulid = other.ulid })
  local buf = chat_buffer.ensure(trashed)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "must not be lost" })
  H.notes = {}
  local done
  chat_buffer.send(buf, function(err)
    done = err
  end)
  wait(function()
    return done
  end, "refused")
  truthy(H.find_note("is in the trash"), "said why")
  eq({ "must not be lost" }, vim.api.nvim_buf_get_lines(buf, 0, -1, false), "the text is back")
end)

test("turns arriving below the view: '↓ N new turns below', the cursor stays", function()
  vim.api.nvim_set_current_win(talk_win)
  vim.api.nvim_win_set_height(talk_win, 6)
  vim.api.nvim_win_set_cursor(talk_win, { 1, 0 })
  local below = require("sessiond.history.below")
  H.other(db, "append", talk.ulid, "command", "from elsewhere, one")
  wait(function()
    return below.text(talk_win)
  end, "the marker")
  eq(" ↓ 1 new turn below · G ", below.text(talk_win), "one")
  H.other(db, "append", talk.ulid, "command", "from elsewhere, two")
  wait(function()
    return below.text(talk_win) == " ↓ 2 new turns below · G "
  end, "two")
  eq({ 1, 0 }, vim.api.nvim_win_get_cursor(talk_win), "the cursor did not move")
  eq(talk_win, vim.api.nvim_get_current_win(), "nor the focus")
  vim.cmd("normal! G")
  -- Neovim fires WinScrolled from its main loop, which a `-l` script does not run.
  vim.api.nvim_exec_autocmds("WinScrolled", {})
  eq(nil, below.text(talk_win), "gone once they are in view")
end)

test("'↑ N earlier turns not shown': <CR> on it shows more, with the count", function()
  local turns = {}
  for i = 1, 12 do
    table.insert(turns, "turn number " .. i)
  end
  local long = seed(turns)
  require("sessiond.config").set({
    db = db,
    engine_base_url = engine.base_url,
    history_limit = 5,
  })
  local buf = open(long, talk_win)
  local row = H.line_of(buf, "↑ 7 earlier turns not shown · <CR> shows 5 more")
  truthy(row, "the count: " .. H.lines(buf))
  eq(nil, H.line_of(buf, "turn number 7\n"), "turn 7 not shown")
  vim.api.nvim_win_set_cursor(talk_win, { row, 0 })
  local drawn = false
  history.state(buf).waiters = {
    function()
      drawn = true
    end,
  }
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return drawn and H.line_of(buf, "↑ 2 earlier turns not shown · <CR> shows them")
  end, "five more shown")
  truthy(H.line_of(buf, "turn number 3"), "turn 3 now shown")
  eq(nil, H.line_of(buf, "turn number 2"), "turn 2 still not")
  vim.api.nvim_win_set_cursor(talk_win, { H.line_of(buf, "↑ 2 earlier"), 0 })
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    return H.line_of(buf, "turn number 1") and not H.line_of(buf, "earlier turns")
  end, "all of them, no line left")
  require("sessiond.config").set({ db = db, engine_base_url = engine.base_url })
end)

test("an ended session: the chat buffer says first that turns go on in a new session", function()
  local buf = open(talk, talk_win)
  client.request_sync(m["end"], { sessionId = talk.id })
  require("sessiond.changes").did_change(
    select(2, client.request_sync(m.get, { ulid = talk.ulid }))
  )
  wait(function()
    return chat_buffer.shown(chat_buf)[1]
  end, "a notice in the chat buffer")
  eq(
    { "this session has ended: what you send goes to a new session that continues it (↳)" },
    chat_buffer.shown(chat_buf),
    "the notice"
  )
  vim.api.nvim_set_current_win(vim.fn.bufwinid(chat_buf))
  vim.api.nvim_buf_set_lines(chat_buf, 0, -1, false, { "going on" })
  H.notes = {}
  vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
  wait(function()
    local t = chat_buffer.target(chat_buf)
    return t.parentUlid == talk.ulid and #stored(t) >= 1
  end, "a continuation holding the turn")
  truthy(H.find_note("has ended: your turn goes to a new session that continues it (↳)"), "said")
  local child = chat_buffer.target(chat_buf)
  eq("going on", stored(child)[1].text, "the turn in the continuation")
  eq(
    "sessiond://" .. child.ulid,
    vim.api.nvim_buf_get_name(vim.api.nvim_win_get_buf(talk_win)),
    "the window above shows it"
  )
  eq({}, chat_buffer.shown(chat_buf), "no notice for the live continuation")
  local _ = buf
end)

test("an imported session is not written to: a line says so, the turn goes on in ↳", function()
  local imported = seed({ "from aider", "aider's reply" }, "aider")
  local buf = chat_buffer.ensure(imported)
  wait(function()
    return chat_buffer.shown(buf)[1]
  end, "a notice")
  eq(
    { "this session was imported: what you send goes to a new session that continues it (↳)" },
    chat_buffer.shown(buf),
    "the notice"
  )
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "my own turn" })
  local done
  chat_buffer.send(buf, function(err)
    done = { err }
  end)
  wait(function()
    return done
  end, "sent")
  eq(2, #stored(imported), "the imported session is as it was")
  eq(imported.ulid, chat_buffer.target(buf).parentUlid, "the chat buffer writes to its ↳ now")
end)

test("the daemon says whether it has an engine (engine: true|false)", function()
  require("sessiond").setup({ db = H.tmpdb() })
  eq(nil, (client.request_sync(m.last, vim.empty_dict())), "session/last")
  eq("boolean", type(client.engine()), "capabilities.experimental.sessiond.engine")
end)
H.needs(
  "the `engine` capability, which the daemon on PATH does not announce",
  client.engine() ~= nil
)

test(
  "no engine: said before anything is sent, turns are plain notes, nothing else stored",
  function()
    eq(false, client.engine(), "no engine (SESSIOND_ENGINE_BASE_URL unset, none in setup)")
    local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
    local buf = open(s, talk_win)
    local win = vim.fn.bufwinid(buf)
    vim.api.nvim_set_current_win(win)
    vim.api.nvim_feedkeys("i", "x", false)
    local cb = vim.api.nvim_get_current_buf()
    local note = chat_buffer.shown(cb)[1] or ""
    truthy(note:find("no engine is set, so your turns are kept as notes", 1, true), note)
    truthy(
      H.line_of(buf, "no engine: what you say here is kept as a note"),
      "and the history says so"
    )
    local sends, request = 0, client.request
    client.request = function(method, ...)
      sends = sends + (method == "chat/send" and 1 or 0)
      return request(method, ...)
    end
    vim.api.nvim_buf_set_lines(cb, 0, -1, false, { "a note" })
    vim.api.nvim_feedkeys(vim.keycode("<CR>"), "x", false)
    wait(function()
      return #stored(s) >= 1
    end, "the note stored")
    client.request = request
    eq(0, sends, "chat/send never asked")
    local events = stored(s)
    eq(1, #events, "only the note: no warn event")
    eq({ "prompt", "a note" }, { events[1].kind, events[1].text }, "the note")
  end
)

client.stop()
engine.stop()
H.finish()
