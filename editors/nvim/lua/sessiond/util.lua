-- Small shared pieces: wire times and the highlight groups.
local M = {}

--- Seconds since the epoch of a wire timestamp (RFC 3339 UTC), or nil.
---@param ts string?
---@return integer?
function M.epoch(ts)
  if type(ts) ~= "string" then
    return nil
  end
  local y, mo, d, h, mi, s = ts:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then
    return nil
  end
  -- os.time() reads the table as local time; correct by the zone offset at that moment.
  local t = os.time({ year = y, month = mo, day = d, hour = h, min = mi, sec = s, isdst = false })
  local as_utc = os.time(os.date("!*t", t) --[[@as osdateparam]])
  return t + (t - as_utc)
end

--- A wire timestamp in local time, formatted with os.date's `fmt`.
---@param ts string?
---@param fmt string
---@return string
function M.local_time(ts, fmt)
  local t = M.epoch(ts)
  if not t then
    return type(ts) == "string" and ts or ""
  end
  return os.date(fmt, t) --[[@as string]]
end

--- A database path or URL fit to show: a URL's password is replaced by ***.
---@param db string
---@return string
function M.redact(db)
  return (db:gsub("^(%a[%w+.-]*://[^:/@]*):[^@/]*@", "%1:***@"))
end

-- Every group is linked with `default`, so a colorscheme or the user's own
-- `:highlight` wins; re-applied after :colorscheme, which clears links.
M.groups = {
  SessiondPrompt = "Function",
  SessiondSystem = "String",
  SessiondCommand = "Special",
  SessiondWarn = "DiagnosticWarn",
  SessiondAlert = "DiagnosticError",
  SessiondModeChange = "Type",
  SessiondTime = "Comment",
  SessiondSeq = "LineNr",
  SessiondUlid = "Identifier",
  SessiondLive = "DiagnosticOk",
  SessiondEnded = "Comment",
  SessiondHeader = "Title",
  SessiondCurrent = "Todo",
  SessiondTitle = "Title",
  SessiondPreview = "Normal",
  SessiondNone = "Comment",
  SessiondWhere = "Comment",
  SessiondContinued = "Special",
  SessiondLink = "Underlined",
  SessiondMatch = "Search",
  SessiondKey = "Special",
  SessiondStreaming = "Comment",
  SessiondNewBelow = "PmenuSel",
}

-- "mode_change" -> "SessiondModeChange"
function M.kind_group(kind)
  local camel = tostring(kind):gsub("^%l", string.upper):gsub("_(%l)", string.upper)
  local group = "Sessiond" .. camel
  return M.groups[group] and group or "SessiondSystem"
end

local defined = false
function M.highlights()
  if defined then
    return
  end
  defined = true
  local function apply()
    for group, link in pairs(M.groups) do
      vim.api.nvim_set_hl(0, group, { link = link, default = true })
    end
  end
  apply()
  vim.api.nvim_create_autocmd("ColorScheme", {
    group = vim.api.nvim_create_augroup("sessiond_highlights", { clear = true }),
    callback = apply,
  })
end

return M
