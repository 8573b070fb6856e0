-- :SessiondSay with an engine (chat/send, chat/delta): the reply streams into
-- the open history, then is stored; engine errors are warnings and the turn
-- stays stored. The engine is tests/engine.lua, a real HTTP server speaking
-- OpenAI's streaming protocol inside this Neovim.
--   nvim --headless -u NONE -l tests/spec/chat.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

local engine = dofile(H.root .. "/tests/engine.lua").start({
  pieces = { "Hello", " from", " the", " engine." },
  hold_after = 2,
  usage = { prompt = 24, completion = 9, cached = 4 },
})
local db = H.tmpdb()
H.load_plugin()
require("sessiond").setup({ db = db, engine_base_url = engine.base_url })
local client = require("sessiond.client")

test("the daemon on PATH offers chat", function()
  eq(
    nil,
    (client.request_sync(require("sessiond.protocol").methods.last, vim.empty_dict())),
    "session/last"
  )
  truthy(
    client.offers_chat(),
    "capabilities.experimental.sessiond.chat (a daemon without chat/send fails here)"
  )
end)
H.needs("chat/send, which the daemon on PATH does not offer", client.offers_chat())

local session
test(":SessiondSay streams the reply into the open history, then stores it", function()
  vim.cmd("SessiondNew")
  wait(function()
    return require("sessiond").current()
  end, "a session")
  session = require("sessiond").current()
  eq(engine.base_url, session.engineBaseUrl, "the engine stored with the session")
  local drawn
  require("sessiond.history").open(session.ulid, nil, {
    on_drawn = function(buf)
      drawn = buf
    end,
  })
  wait(function()
    return drawn
  end, "the empty history")
  vim.cmd("SessiondSay hello engine")
  wait(function()
    return engine.holding and H.line_of(drawn, "Hello from") and H.line_of(drawn, "(streaming…)")
  end, "half the reply on screen while the engine holds the rest")
  truthy(not H.show(session.ulid, db):find("Hello from", 1, true), "the reply is not stored yet")
  engine.release()
  wait(function()
    return H.line_of(drawn, "Hello from the engine.") and not H.line_of(drawn, "(streaming…)")
  end, "the whole reply, no longer streaming")
  -- The reply reads as the assistant's: the model that wrote it, which the
  -- daemon records (meta.model, protocol 3) from the engine's stream; never "system".
  local _, stored = client.request_sync(
    require("sessiond.protocol").methods.events,
    { sessionId = session.id, limit = 2 }
  )
  eq("system", stored.events[2].kind, "the stored kind")
  local meta = stored.events[2].meta
  eq(
    "nvim-test-model",
    type(meta) == "table" and meta.model or meta,
    "the stored reply's meta.model"
  )
  local label = meta.model
  eq(
    "#2  " .. label,
    (
      vim.fn
        .getbufline(drawn, H.line_of(drawn, "Hello from the engine.") - 1)[1]
        :gsub("  %d%d:%d%d:%d%d  ", "  ")
    ),
    "turn #2, labelled"
  )
  truthy(H.line_of(drawn, "hello engine"), "the prompt as turn #1")
  -- The engine's usage chunk, as the daemon stores it (cached tokens apart),
  -- and the history's header naming the model and the tokens once it is stored.
  eq(20, meta.usage and meta.usage.inputTokens, "input tokens without the cached ones")
  eq(9, meta.usage and meta.usage.outputTokens, "output tokens")
  wait(function()
    return H.line_of(drawn, "model nvim-test-model · tokens 20 in, 9 out, 4 read from cache")
  end, "the header's models and tokens: " .. H.lines(drawn):sub(1, 300))
  wait(function()
    return H.show(session.ulid, db):find("Hello from the engine.", 1, true)
  end, "the reply stored")
  local sent = engine.chat_requests()[1].body
  eq(true, sent.stream, "streamed")
  eq(
    { role = "user", content = "hello engine" },
    sent.messages[#sent.messages],
    "the prompt as a user message"
  )
  local count = 0
  for _, l in ipairs(vim.api.nvim_buf_get_lines(drawn, 0, -1, false)) do
    count = count + (l:find("Hello from the engine.", 1, true) and 1 or 0)
  end
  eq(1, count, "the reply drawn once")
end)

test("<C-c> in the history stops a streaming reply; what came is stored, marked as cut", function()
  local requests = #engine.chat_requests()
  vim.cmd("SessiondSay tell me a long story")
  wait(function()
    return #engine.chat_requests() > requests and engine.holding and H.line_of(0, "(streaming…)")
  end, "a reply held halfway")
  vim.api.nvim_feedkeys(vim.keycode("<C-c>"), "mx", false)
  wait(function()
    return H.line_of(0, "[reply cut: ") and not H.line_of(0, "(streaming…)")
  end, "the cut reply in the history")
  wait(function()
    return H.show(session.ulid, db):find("[reply cut: ", 1, true)
  end, "the cut reply stored")
  engine.continue = nil -- the daemon hung up on the held stream
end)

test("an engine that cannot be reached is a warning; the turn stays stored", function()
  engine.stop()
  H.notes = {}
  vim.cmd("SessiondSay is anyone there")
  wait(function()
    for _, n in ipairs(H.notes) do
      if n.level == vim.log.levels.WARN and n.msg:find("your turn is stored", 1, true) then
        return true
      end
    end
  end, "a warning saying the turn is stored")
  wait(function()
    return H.show(session.ulid, db):find("is anyone there", 1, true)
  end, "the prompt stored")
  wait(function()
    return H.line_of(0, "is anyone there") and not H.line_of(0, "(streaming…)")
  end, "the prompt in the history, no streaming block left")
end)

test("with no engine set, the first turn says so once; later turns are kept as notes", function()
  vim.env.SESSIOND_ENGINE_BASE_URL = nil -- the new daemon inherits this Neovim's environment
  local plain_db = H.tmpdb()
  require("sessiond").setup({ db = plain_db })
  local sends, request = 0, client.request
  client.request = function(method, ...)
    sends = sends + (method == "chat/send" and 1 or 0)
    return request(method, ...)
  end
  vim.cmd("enew")
  H.notes = {}
  vim.cmd("SessiondSay a note without an engine")
  wait(function()
    return H.find_note("no engine is set, so your turns are kept as notes", vim.log.levels.INFO)
  end, "one message saying how to get replies")
  local s = require("sessiond").current()
  vim.cmd("SessiondSay a second note")
  wait(function()
    return H.show(s.ulid, plain_db):find("a second note", 1, true)
  end, "the second note stored")
  client.request = request
  local said = vim.tbl_filter(function(n)
    return n.msg:find("no engine", 1, true) ~= nil
  end, H.notes)
  eq(1, #said, "messages about the engine")
  local _, shown = H.show(s.ulid, plain_db):gsub("no reply:", "")
  if client.engine() == false then
    -- The daemon says it has no engine: known before the first turn, so
    -- chat/send is never asked and nothing but the turns is stored.
    eq(0, sends, "chat/send asked")
    eq(0, shown, "'no reply' notes stored")
  else
    -- A daemon that does not say (no `engine` capability): the first turn asks and learns.
    eq(nil, client.engine(), "engine unknown")
    eq(1, sends, "chat/send asked once")
    eq(1, shown, "one 'no reply' note stored, for the first turn only")
  end
end)

client.stop()
H.finish()
