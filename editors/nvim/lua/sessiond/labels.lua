-- How a session is named on one line (title, else preview; where it comes
-- from when that is not here), how a time reads ("14:32", "yesterday",
-- "Mar 3"), how tokens read, and one-line text made safe to show.
local util = require("sessiond.util")
local workspace = require("sessiond.workspace")

local M = {}

-- Stored text is untrusted (imports bring other tools' text): control characters
-- (C0, DEL, C1) and bidi overrides never reach a label, a picker or a message,
-- where a terminal-based picker could read them as escape sequences.
local UNSAFE = {
  "[%z\1-\31\127]", -- C0 and DEL (newlines and tabs are folded to spaces first)
  "\194[\128-\159]", -- C1, U+0080..U+009F
  "\226\128[\170-\174]", -- U+202A..U+202E
  "\226\129[\166-\169]", -- U+2066..U+2069
}

--- Text on one line: whitespace runs (newlines included) folded to one space,
--- unsafe characters dropped.
---@param text string?
---@return string
function M.one_line(text)
  local s = (text or ""):gsub("%s+", " ")
  for _, pattern in ipairs(UNSAFE) do
    s = s:gsub(pattern, "")
  end
  return vim.trim(s)
end

--- At most `width` display cells, with "…" where it was cut.
---@param text string
---@param width integer
---@return string
function M.fit(text, width)
  if width <= 0 then
    return ""
  end
  if vim.fn.strdisplaywidth(text) <= width then
    return text
  end
  local out, used = {}, 0
  for _, ch in ipairs(vim.fn.split(text, [[\zs]])) do
    local w = vim.fn.strdisplaywidth(ch)
    if used + w > width - 1 then
      break
    end
    table.insert(out, ch)
    used = used + w
  end
  return table.concat(out) .. "…"
end

--- Pads (or cuts) to exactly `width` display cells.
function M.pad(text, width)
  text = M.fit(text, width)
  return text .. (" "):rep(width - vim.fn.strdisplaywidth(text))
end

---@alias sessiond.LabelKind "title"|"preview"|"none"

--- The session's name on one line: its title, else its preview (the opening of
--- its first prompt; `preview` stands in for it on a version-1 daemon), else a note.
---@param session sessiond.Session
---@param preview? string
---@return string label
---@return sessiond.LabelKind kind
function M.label(session, preview)
  local title = M.one_line(session.title)
  if title ~= "" then
    return title, "title"
  end
  local p = M.one_line(session.preview or preview)
  if p ~= "" then
    return p, "preview"
  end
  return "(no prompt yet)", "none"
end

--- How a turn's kind reads. Replies (`system` on the wire) read as the model
--- that wrote them when the event names it (`meta.model`, protocol version 3),
--- else "reply"; the other kinds as they are.
---@param kind string
---@param meta? table the event's meta
---@return string
function M.kind(kind, meta)
  if kind == "system" then
    local model = type(meta) == "table" and type(meta.model) == "string" and M.one_line(meta.model)
      or ""
    return model ~= "" and M.fit(model, 40) or "reply"
  end
  return M.one_line(kind)
end

-- Sources whose names are long for a sidebar, by the name a person uses.
M.short_sources = {
  ["claude-code"] = "claude",
  ["gemini-cli"] = "gemini",
  ["copilot-chat"] = "copilot",
  ["sessiond-chat"] = "chat",
}

--- A session's source, short ("claude" for claude-code); "" when it has none.
---@param source? string
---@return string
function M.source(source)
  local name = M.one_line(type(source) == "string" and source or "")
  return M.short_sources[name] or M.fit(name, 12)
end

--- Where a session comes from, when that is not here, as a sidebar or picker
--- shows it before its name: its source (short) unless it is this plugin's
--- own (`nvim`), and its project's last part unless it is `folder`. E.g.
--- "claude·api", "codex", "api"; "" for a Neovim session of `folder`. The
--- second result is what to show when that is too wide: the project alone,
--- else the source alone.
---@param s sessiond.Session
---@param folder? string the working folder
---@param own? string this client's source (`nvim`)
---@return string where, string[] shorter
function M.where(s, folder, own)
  local source, project = "", ""
  if type(s.source) == "string" and s.source ~= own then
    source = M.source(s.source)
  end
  if type(s.project) == "string" and s.project ~= "" and not workspace.same(s.project, folder) then
    project = M.fit(M.one_line(workspace.name(s.project)), 16)
  end
  if source ~= "" and project ~= "" then
    return source .. "·" .. project, { project, source }
  end
  return source .. project, {}
end

--- An integer with thousands separated: 52000 -> "52,000".
---@param n number
---@return string
function M.count(n)
  local digits = tostring(math.floor(tonumber(n) or 0))
  local out = digits:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  return (out:gsub("^(%-?),", "%1"))
end

--- Token counts as `sessiond show` words them: "1,200 in, 3,400 out, 52,000
--- read from cache, 8,100 written to cache" (the cache parts only when not 0).
---@param u sessiond.Usage
---@return string
function M.tokens(u)
  local parts = {
    M.count(u.inputTokens or 0) .. " in",
    M.count(u.outputTokens or 0) .. " out",
  }
  if (tonumber(u.cacheReadTokens) or 0) > 0 then
    table.insert(parts, M.count(u.cacheReadTokens) .. " read from cache")
  end
  if (tonumber(u.cacheWriteTokens) or 0) > 0 then
    table.insert(parts, M.count(u.cacheWriteTokens) .. " written to cache")
  end
  return table.concat(parts, ", ")
end

--- A short name with the start of its ULID, for messages: “Title” (01JD8X2K4M).
function M.named(session)
  local label, kind = M.label(session)
  if kind == "none" then
    return session.ulid
  end
  return ("“%s” (%s)"):format(M.fit(label, 40), session.ulid:sub(1, 10))
end

--- "14:32" today, "yesterday", "Mar 3" this year, "2025-03-03" before; local time.
---@param ts string? RFC 3339 UTC
---@param now? integer os.time() of "now" (tests)
---@return string
function M.when(ts, now)
  local t = util.epoch(ts)
  if not t then
    return ""
  end
  now = now or os.time()
  local day = os.date("%Y-%m-%d", t)
  if day == os.date("%Y-%m-%d", now) then
    return os.date("%H:%M", t) --[[@as string]]
  end
  if day == os.date("%Y-%m-%d", now - 86400) then
    return "yesterday"
  end
  if os.date("%Y", t) == os.date("%Y", now) then
    return ("%s %d"):format(os.date("%b", t), tonumber(os.date("%d", t)))
  end
  return day --[[@as string]]
end

return M
