-- Mirrors the method table, notifications, event kinds and error codes of
-- protocol.md (the sessiond contract, versions 1 to 3). Keep this the only place
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
---@field source? string version 3: the program it was held in (`claude-code`, `nvim`, …)
---@field sourceId? string version 3: its id in that program (what its resume command takes)
---@field project? string version 3: the folder it worked in, an absolute path
---@field branch? string version 3: the git branch, when the source records one
---@field lastActivityAt? string version 3: its newest event's createdAt, else startedAt
---@field usage? sessiond.Usage version 3: the sums of its events' meta.usage
---@field models? string[] version 3: the models its events name, the most used first

---Token counts (version 3); in a Session all four are there, in an event's meta any may be.
---@class sessiond.Usage
---@field inputTokens? integer read by the model from no cache
---@field outputTokens? integer written, reasoning included
---@field cacheReadTokens? integer
---@field cacheWriteTokens? integer

---What is known of a turn (version 3).
---@class sessiond.Meta
---@field model? string
---@field usage? sessiond.Usage
---@field tool? string
---@field isError? boolean

---@class sessiond.Event
---@field sessionId integer
---@field seq integer 1, 2, 3, … within its session
---@field kind sessiond.EventKind
---@field text string untrusted: shown, never run
---@field createdAt string
---@field meta? sessiond.Meta version 3

---A search hit (version 2); `highlights` are [start, end) code point offsets into `snippet`.
---@class sessiond.Hit
---@field session sessiond.Session
---@field seq integer
---@field kind sessiond.EventKind
---@field createdAt string
---@field snippet string
---@field highlights integer[][]

---A session/find result (version 3): a session and up to `find_hits` of its best turns.
---@class sessiond.FindResult
---@field session sessiond.Session
---@field score number larger is better
---@field hits sessiond.Hit[] best first; empty when only its title matched

local M = {}

--- The newest protocol version this plugin speaks. Version-2 and -3 features
--- are used when the daemon announces them; on an older daemon they say so instead
--- (a version-3 param an older daemon does not know is ignored there).
M.protocol_version = 3

-- Request methods: name used here -> wire method. Params in comments; `?` = optional.
M.methods = {
  initialize = "initialize", -- LSP lifecycle; result.serverInfo, capabilities.experimental.sessiond
  shutdown = "shutdown",
  start = "session/start", -- {cliVersion, ulid?, engineBaseUrl?, parentUlid?, source?, sourceId?, project?, branch?} -> Session
  ["end"] = "session/end", -- {sessionId} -> Session (idempotent)
  append = "session/append", -- {sessionId, kind, text, meta?} -> {seq, createdAt}
  events = "session/events", -- {sessionId, limit, beforeSeq?} -> {events}, oldest first
  list = "session/list", -- {limit, deleted?, project?, source?, orderBy?} -> {sessions}, newest startedAt (or lastActivityAt) first
  get = "session/get", -- {ulid} -> Session | null
  count = "session/count", -- {sessionId} -> {count}
  last = "session/last", -- {} -> Session | null
  milestone_set = "milestone/set", -- {key, value} -> null
  milestone_get = "milestone/get", -- {key} -> {value} | null
  -- version 2
  search = "session/search", -- {query, limit, sessionId?, kinds?, since?, until?, project?, source?} -> {hits}
  rename = "session/rename", -- {sessionId, title | null} -> Session
  delete = "session/delete", -- {sessionId} -> Session, deletedAt set
  restore = "session/restore", -- {sessionId} -> Session, deletedAt null
  subscribe = "session/subscribe", -- {} -> null; the server_notifications below follow
  unsubscribe = "session/unsubscribe", -- {} -> null
  chat_send = "chat/send", -- {sessionId, text, model?} -> {prompt: {seq, createdAt}, reply: {…}}
  -- version 3
  find = "session/find", -- {query, limit?, project?, source?, since?, until?} -> {results, relaxed}
  stats_usage = "stats/usage", -- {groupBy, since?, until?, project?, source?} -> {rows}
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

-- `session/find`: `limit` from 1 to 100, and up to 3 hits per result.
M.max_find_limit = 100
M.find_hits = 3

-- `session/start`'s `source` for the sessions this plugin starts.
M.source = "nvim"

return M
