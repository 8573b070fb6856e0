-- Small shared pieces: time display and the highlight groups.
local M = {}

-- Wire timestamps are RFC 3339 UTC ("2026-11-25T04:26:05.123Z"); people read local time.
function M.local_time(ts, fmt)
  if type(ts) ~= "string" then
    return ""
  end
  local y, mo, d, h, mi, s = ts:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then
    return ts
  end
  -- os.time() reads the table as local time; correct by the zone offset at that moment.
  local t = os.time({ year = y, month = mo, day = d, hour = h, min = mi, sec = s, isdst = false })
  local as_utc = os.time(os.date("!*t", t) --[[@as osdateparam]])
  return os.date(fmt, t + (t - as_utc)) --[[@as string]]
end

-- The first `max` characters of a text's first non-empty line, whitespace squeezed.
function M.opening_words(text, max)
  local line = (text or ""):match("^%s*([^\n]*)") or ""
  line = vim.trim((line:gsub("%s+", " ")))
  if vim.fn.strchars(line) > max then
    line = vim.fn.strcharpart(line, 0, max - 1) .. "…"
  end
  return line
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
