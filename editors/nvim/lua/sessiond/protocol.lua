-- Mirrors the method table, notifications, event kinds and error codes of
-- protocol.md (the sessiond contract, versions 1 and 2). Keep this the only place
-- that spells them, so a change to the protocol is a change to this one file;
-- tests/spec/protocol.lua holds it to protocol.md both ways.

---@alias sessiond.EventKind "prompt"|"system"|"command"|"warn"|"alert"|"mode_change"

---A session as the daemon returns it. JSON null arrives as nil.
---@class sessiond.Session
---@field id integer the session's number in this database (`sessionId` in params)
---@field ulid string its lasting name
---@field startedAt string RFC 3339 UTC
---@field endedAt? string nil while live
---@field engineBaseUrl? string
---@field cliVersion string
---@field parentUlid? string the session this one continues
---@field eventCount integer also its last seq
---@field title? string version 2: set by session/rename
---@field preview? string version 2: the opening of its first prompt
---@field deletedAt? string version 2: when it was moved to the trash

---@class sessiond.Event
---@field sessionId integer
---@field seq integer 1, 2, 3, … within its session
---@field kind sessiond.EventKind
---@field text string untrusted: shown, never run
---@field createdAt string

---A search hit (version 2); `highlights` are [start, end) code point offsets into `snippet`.
---@class sessiond.Hit
---@field session sessiond.Session
---@field seq integer
---@field kind sessiond.EventKind
---@field createdAt string
---@field snippet string
---@field highlights integer[][]

local M = {}

--- The newest protocol version this plugin speaks. Version-2 features are used
--- when the daemon announces 2; on a version-1 daemon they say so instead.
M.protocol_version = 2

-- Request methods: name used here -> wire method. Params in comments; `?` = optional.
M.methods = {
  initialize = "initialize", -- LSP lifecycle; result.serverInfo, capabilities.experimental.sessiond
  shutdown = "shutdown",
  start = "session/start", -- {cliVersion, ulid?, engineBaseUrl?, parentUlid?} -> Session
  ["end"] = "session/end", -- {sessionId} -> Session (idempotent)
  append = "session/append", -- {sessionId, kind, text} -> {seq, createdAt}
  events = "session/events", -- {sessionId, limit, beforeSeq?} -> {events}, oldest first
  list = "session/list", -- {limit, deleted?} -> {sessions}, newest startedAt first
  get = "session/get", -- {ulid} -> Session | null
  count = "session/count", -- {sessionId} -> {count}
  last = "session/last", -- {} -> Session | null
  milestone_set = "milestone/set", -- {key, value} -> null
  milestone_get = "milestone/get", -- {key} -> {value} | null
  -- version 2
  search = "session/search", -- {query, limit, sessionId?, kinds?, since?, until?} -> {hits}
  rename = "session/rename", -- {sessionId, title | null} -> Session
  delete = "session/delete", -- {sessionId} -> Session, deletedAt set
  restore = "session/restore", -- {sessionId} -> Session, deletedAt null
  subscribe = "session/subscribe", -- {} -> null; the server_notifications below follow
  unsubscribe = "session/unsubscribe", -- {} -> null
  chat_send = "chat/send", -- {sessionId, text, model?} -> {prompt: {seq, createdAt}, reply: {…}}
}

-- Notifications this client sends (no answer).
M.notifications = {
  initialized = "initialized",
  exit = "exit",
  cancel = "$/cancelRequest", -- {id}: stops a chat/send stream
}

-- Notifications the server sends: the session/* ones after session/subscribe,
-- chat/delta while a chat/send reply streams.
M.server_notifications = {
  did_start = "session/didStart", -- {session}
  did_append = "session/didAppend", -- {event}; once per event, in seq order
  did_change = "session/didChange", -- {session}: ended, renamed, deleted or restored
  chat_delta = "chat/delta", -- {sessionId, promptSeq, text}: text is the new part
}

---@type sessiond.EventKind[]
M.kinds = { "prompt", "system", "command", "warn", "alert", "mode_change" }

M.errors = {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  InternalError = -32603,
  ServerNotInitialized = -32002,
  SessionNotFound = 1001,
  SessionExists = 1002,
  SessionEnded = 1003,
  PayloadTooLarge = 1004,
  StorageError = 1005,
  EngineError = 1006,
}

-- `limit` must lie in 0..10000.
M.max_limit = 10000

-- `session/rename`'s title: 1 to 256 characters.
M.max_title_chars = 256

return M
