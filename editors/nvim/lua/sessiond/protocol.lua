-- Mirrors the method table, event kinds and error codes of protocol.md (the
-- sessiond contract, version 1). Keep this the only place that spells them, so
-- a change to the protocol is a change to this one file.
local M = {}

M.protocol_version = 1

-- Request methods: name used here -> wire method. Params in comments; `?` = optional.
M.methods = {
  initialize = "initialize", -- LSP lifecycle; result.serverInfo, capabilities.experimental.sessiond
  shutdown = "shutdown",
  start = "session/start", -- {cliVersion, ulid?, engineBaseUrl?, parentUlid?} -> Session
  ["end"] = "session/end", -- {sessionId} -> Session (idempotent)
  append = "session/append", -- {sessionId, kind, text} -> {seq, createdAt}
  events = "session/events", -- {sessionId, limit, beforeSeq?} -> {events}, oldest first
  list = "session/list", -- {limit} -> {sessions}, newest startedAt first
  get = "session/get", -- {ulid} -> Session | null
  count = "session/count", -- {sessionId} -> {count}
  last = "session/last", -- {} -> Session | null
  milestone_set = "milestone/set", -- {key, value} -> null
  milestone_get = "milestone/get", -- {key} -> {value} | null
}

-- Notifications (no answer).
M.notifications = { initialized = "initialized", exit = "exit" }

M.kinds = { "prompt", "system", "command", "warn", "alert", "mode_change" }

M.errors = {
  ParseError = -32700,
  InvalidRequest = -32600,
  MethodNotFound = -32601,
  InvalidParams = -32602,
  ServerNotInitialized = -32002,
  SessionNotFound = 1001,
  SessionExists = 1002,
  SessionEnded = 1003,
  PayloadTooLarge = 1004,
  StorageError = 1005,
}

-- `limit` must lie in 0..10000.
M.max_limit = 10000

return M
