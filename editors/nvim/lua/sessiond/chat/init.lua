-- Turns through the daemon's engine (`chat/send`): the reply streams in as
-- `chat/delta` notifications arrive, handed on as "pending" changes (the open
-- histories draw it), then the stored turns take its place. Also whether a
-- session has an engine at all, so that turns without one are kept as notes.
local changes = require("sessiond.changes")
local client = require("sessiond.client")
local protocol = require("sessiond.protocol")

local M = {}

---@class sessiond.Stream
---@field session_id integer
---@field prompt string
---@field prompt_seq? integer known from the first delta
---@field prompt_shown boolean its stored turn is drawn
---@field reply string what came so far
---@field handle? sessiond.Handle
---@field finished boolean

local streams = {} ---@type table<integer, sessiond.Stream> session id -> its reply in progress
-- Engines the daemon said are not set ("" for its own default): turns to
-- their sessions are kept as notes (session/append), as the VS Code client does.
local notes_only = {}

--- Whether `session` has an engine: true when it names its own or the daemon
--- says it has one, false when the daemon says it has none (or said "no engine
--- is set" to an earlier turn), nil when nobody said (a daemon without the
--- `engine` capability: the first turn asks and learns).
---@param session sessiond.Session
---@return boolean?
function M.engine_for(session)
  if notes_only[session.engineBaseUrl or ""] then
    return false
  end
  if session.engineBaseUrl then
    return true
  end
  return client.engine()
end

--- Whether a prompt to `session` should ask the engine.
---@param session sessiond.Session
function M.wanted(session)
  return M.engine_for(session) ~= false
end

--- The line a live session's history ends with when its turns are kept as notes, or nil.
---@param session sessiond.Session
---@return string?
function M.no_engine_line(session)
  if not session.endedAt and not session.deletedAt and M.engine_for(session) == false then
    return "no engine: what you say here is kept as a note (set engine_base_url for replies)"
  end
end

--- What to tell a person whose turns to `session` are kept as notes, or nil.
---@param session sessiond.Session
---@return string?
function M.no_engine_note(session)
  if M.engine_for(session) == false then
    return "no engine is set, so your turns are kept as notes; for replies, set engine_base_url in setup() (e.g. http://localhost:11434/v1 for Ollama) or start sessiond with --engine-base-url"
  end
end

local told = false -- said once that turns are kept as notes

--- Forgets which engines were missing (setup() may have set one).
function M.reset()
  notes_only = {}
  told = false
end

--- Says, once per Neovim, that turns to `session` are kept as notes (when they are).
---@param session sessiond.Session
function M.tell_no_engine(session)
  local note = M.no_engine_note(session)
  if note and not told then
    told = true
    vim.notify("sessiond: " .. note, vim.log.levels.INFO)
  end
end

-- Tells the views what is streaming now (nil: nothing any more).
local function redraw(s)
  local pending = not s.finished
      and { prompt = not s.prompt_shown and s.prompt or nil, reply = s.reply }
    or nil
  changes.emit("pending", s.session_id, pending)
end

-- Reads the stored turns from `from` on and hands them to the views.
local function catch_up(session_id, from)
  client.request(protocol.methods.events, { sessionId = session_id, limit = 20 }, function(err, res)
    for _, e in ipairs(not err and res and res.events or {}) do
      if e.seq >= from then
        changes.did_append(e)
      end
    end
  end, { silent = true })
end

--- Sends `text` to the engine in `session`; cb(err, {prompt, reply}) at the end.
---@param session sessiond.Session
---@param text string
---@param cb sessiond.Callback
function M.send(session, text, cb)
  local s =
    { session_id = session.id, prompt = text, reply = "", prompt_shown = false, finished = false }
  streams[session.id] = s
  redraw(s)
  s.handle = client.request(
    protocol.methods.chat_send,
    { sessionId = session.id, text = text },
    function(err, res)
      if streams[session.id] == s then
        streams[session.id] = nil
      end
      s.finished = true
      redraw(s)
      if res and res.prompt then
        catch_up(session.id, res.prompt.seq)
      elseif err and err.code == protocol.errors.EngineError then
        -- The prompt is stored even so (with a `warn` turn saying why no reply came).
        catch_up(session.id, s.prompt_seq or 1)
        local msg = err.message or "the engine failed"
        if msg:lower():find("no engine", 1, true) then
          notes_only[session.engineBaseUrl or ""] = true
          M.tell_no_engine(session)
        else
          vim.notify("sessiond: no reply: " .. msg .. " (your turn is stored)", vim.log.levels.WARN)
        end
      end
      cb(err, res)
    end,
    { silent = true }
  )
end

--- `chat/delta {sessionId, promptSeq, text}`: the new part of a streaming reply.
---@param p table
function M.delta(p)
  local s = streams[p.sessionId]
  if not s or type(p.text) ~= "string" then
    return
  end
  s.prompt_seq = type(p.promptSeq) == "number" and p.promptSeq or s.prompt_seq
  s.reply = s.reply .. p.text
  redraw(s)
end

--- A stored turn: the prompt's own turn replaces its "(sending)" block; the
--- reply's replaces the streaming one.
---@param e sessiond.Event
function M.on_append(e)
  local s = streams[e.sessionId]
  if not s then
    return
  end
  if
    e.kind == "prompt"
    and not s.prompt_shown
    and (s.prompt_seq == e.seq or e.text == s.prompt)
  then
    s.prompt_shown, s.prompt_seq = true, e.seq
  elseif e.kind == "system" and s.prompt_seq and e.seq > s.prompt_seq then
    s.finished = true
  end
  redraw(s)
end

--- Stops the reply streaming into `session_id` (what came is stored).
function M.cancel(session_id)
  local s = streams[session_id]
  if s then
    client.cancel(s.handle)
  end
  return s ~= nil
end

client.on(protocol.server_notifications.chat_delta, M.delta)
-- After the history drew the turn, so the streaming block moves below it.
changes.on("append", M.on_append, 90)

return M
