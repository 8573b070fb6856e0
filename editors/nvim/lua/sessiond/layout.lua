-- What the buffers show, as lines and highlight marks, apart from the buffers
-- themselves. A history: a header (title, facts, a link to the session it
-- continues), one block per turn, a streaming reply, links to its
-- continuations. The sidebar: a header with the keys, one line per session.
local labels = require("sessiond.labels")
local util = require("sessiond.util")
local workspace = require("sessiond.workspace")

local M = {}

M.INDENT = "  " -- a turn's text lines; never 4 spaces, which markdown reads as code

---@class sessiond.Lines
---@field lines string[]
---@field marks table[] { row, col, end_col (-1: line end), group }, rows relative

local function new()
  return { lines = {}, marks = {} }
end

local function add(out, line, group, from, to)
  table.insert(out.lines, line)
  if group then
    table.insert(out.marks, { #out.lines - 1, from or 0, to or -1, group })
  end
end

--- A turn's text as drawn: \r\n as \n, so markdown and the lines agree.
---@param text string
function M.text(text)
  return (text or ""):gsub("\r\n", "\n")
end

--- Line 2 of the header: what the session is, in facts, the most wanted first.
---@param s sessiond.Session
function M.facts(s)
  local facts = {
    s.endedAt and ("ended " .. util.local_time(s.endedAt, "%Y-%m-%d %H:%M")) or "live",
    ("%d event%s"):format(s.eventCount or 0, s.eventCount == 1 and "" or "s"),
    "started " .. util.local_time(s.startedAt, "%Y-%m-%d %H:%M:%S"),
    labels.one_line(s.cliVersion),
    s.ulid,
  }
  if s.deletedAt then
    table.insert(facts, 1, "in the trash")
  end
  return table.concat(facts, " · ")
end

--- Where the session was held (protocol 3): its source, its project folder
--- and its branch, as far as they are known; "" when none is.
---@param s sessiond.Session
---@return string
function M.where(s)
  local parts = {}
  if type(s.source) == "string" and s.source ~= "" then
    table.insert(parts, labels.one_line(s.source))
  end
  if type(s.project) == "string" and s.project ~= "" then
    table.insert(parts, labels.one_line(workspace.shown(s.project)))
  end
  if type(s.branch) == "string" and s.branch ~= "" then
    table.insert(parts, "branch " .. labels.one_line(s.branch))
  end
  return table.concat(parts, " · ")
end

--- What the session cost (protocol 3): the models that answered, the most
--- used first, and the tokens of its turns; "" when neither is known.
---@param s sessiond.Session
---@return string
function M.usage(s)
  local parts = {}
  local models = vim.tbl_filter(function(m)
    return type(m) == "string" and labels.one_line(m) ~= ""
  end, type(s.models) == "table" and s.models or {})
  if #models > 0 then
    local names = vim.tbl_map(function(m)
      return labels.fit(labels.one_line(m), 60)
    end, models)
    table.insert(parts, (#names == 1 and "model " or "models ") .. table.concat(names, ", "))
  end
  if type(s.usage) == "table" then
    table.insert(parts, "tokens " .. labels.tokens(s.usage))
  end
  return table.concat(parts, " · ")
end

--- The header's first lines, which follow the session in place: its title,
--- its facts, then (when known) where it was held and its models and tokens.
---@param s sessiond.Session
---@return { [1]: string, [2]: string }[] lines, each { text, highlight group }
function M.top(s)
  local lines = { { M.title(s), "SessiondHeader" }, { M.facts(s), "SessiondTime" } }
  for _, text in ipairs({ M.where(s), M.usage(s) }) do
    if text ~= "" then
      table.insert(lines, { text, "SessiondTime" })
    end
  end
  return lines
end

--- Line 1 of the header: the session's title, else its preview, else its ULID.
---@param s sessiond.Session
function M.title(s)
  local label, kind = labels.label(s)
  return kind == "none" and ("Session " .. s.ulid) or label
end

--- A link line to another session; <CR> on it opens that session.
---@param arrow string
---@param words string
---@param s sessiond.Session|{ ulid: string }
function M.link(arrow, words, s)
  local label, kind = labels.label(s)
  local name = s.startedAt and kind ~= "none" and ("“" .. labels.fit(label, 60) .. "” ") or ""
  return ("%s %s %s(%s)"):format(arrow, words, name, s.ulid)
end

---@param session sessiond.Session
---@param parent? sessiond.Session|{ ulid: string } the session it continues (a stub when unread)
---@param hidden integer older turns not shown
---@param more? integer how many <CR> on the "earlier" line shows (default: all of them)
---@return sessiond.Lines, integer? link_row, integer? earlier_row
function M.header(session, parent, hidden, more)
  local out = new()
  for _, line in ipairs(M.top(session)) do
    add(out, line[1], line[2])
  end
  local link_row
  if parent then
    add(out, M.link("↰", "continues", parent), "SessiondLink")
    link_row = #out.lines - 1
  end
  local earlier_row
  if hidden > 0 then
    local shows = (not more or more >= hidden) and "shows them" or ("shows %d more"):format(more)
    add(
      out,
      ("↑ %d earlier turn%s not shown · <CR> %s"):format(
        hidden,
        hidden == 1 and "" or "s",
        shows
      ),
      "SessiondLink"
    )
    earlier_row = #out.lines - 1
  end
  return out, link_row, earlier_row
end

--- One turn: a blank line, the day when it changed, "#seq  time  kind", the text.
---@param e sessiond.Event
---@param prev_day? string
---@return sessiond.Lines, string day, integer text_row
function M.event(e, prev_day)
  local out = new()
  add(out, "")
  local day = util.local_time(e.createdAt, "%Y-%m-%d")
  if day ~= prev_day then
    add(out, "── " .. day, "SessiondTime")
  end
  local kind = labels.kind(e.kind, e.meta)
  local head = ("#%d  %s  %s"):format(e.seq, util.local_time(e.createdAt, "%H:%M:%S"), kind)
  add(out, head, "SessiondSeq", 0, #tostring(e.seq) + 1)
  table.insert(out.marks, { #out.lines - 1, #head - #kind - 10, #head - #kind, "SessiondTime" })
  table.insert(out.marks, { #out.lines - 1, #head - #kind, #head, util.kind_group(e.kind) })
  local text_row = #out.lines
  for _, l in ipairs(vim.split(M.text(e.text), "\n", { plain = true })) do
    add(out, M.INDENT .. l)
  end
  return out, day, text_row
end

---@class sessiond.Pending
---@field prompt? string the prompt, until its event is shown
---@field reply string the reply so far

--- The reply while it streams (and its prompt until that is stored).
---@param p sessiond.Pending
---@return sessiond.Lines
function M.pending(p)
  local out = new()
  local now = os.date("%H:%M:%S")
  local function block(kind, text, note)
    add(out, "")
    local label = labels.kind(kind)
    local head = ("…  %s  %s  %s"):format(now, label, note)
    add(out, head, "SessiondStreaming")
    table.insert(
      out.marks,
      { #out.lines - 1, #head - #note - #label - 2, #head - #note - 2, util.kind_group(kind) }
    )
    for _, l in ipairs(vim.split(M.text(text), "\n", { plain = true })) do
      add(out, M.INDENT .. l)
    end
  end
  if p.prompt then
    block("prompt", p.prompt, "(sending)")
  end
  block("system", p.reply, "(streaming…)")
  return out
end

--- Links to the sessions that continue this one, then a notice (turns kept as notes).
---@param children sessiond.Session[]
---@param notice? string
---@return sessiond.Lines
function M.footer(children, notice)
  local out = new()
  if #children > 0 or notice then
    add(out, "")
    for _, child in ipairs(children) do
      add(out, M.link("↳", "continued in", child), "SessiondLink")
    end
  end
  if notice then
    add(out, "(" .. notice .. ")", "SessiondWarn")
  end
  return out
end

--- A sidebar line for one session, and its highlights (byte columns):
--- `*` current, `↳` continued, where it comes from when not here (its source
--- and project, dim), the label across the width, when, turns, state.
---@param s sessiond.Session
---@param width integer
---@param current? sessiond.Session
---@param preview? string the first prompt, read from events (protocol 1)
---@param where? string labels.where(): "claude·api", or "" when it is from here
---@param shorter? string[] what to show instead when `where` is too wide (labels.where())
---@return string line, table[] marks { from, to, group }
function M.session_line(s, width, current, preview, where, shorter)
  local live = s.endedAt == nil
  local when = ("%10s"):format(labels.when(s.lastActivityAt or s.startedAt))
  local count = ("%4d"):format(s.eventCount or 0)
  local state = ("%5s"):format(live and "live" or "ended") -- right-aligned
  -- The label first: a narrow sidebar drops when it was active, then its count.
  local right = width >= 56 and ("%s %s %s"):format(when, count, state)
    or width >= 40 and ("%s %s"):format(count, state)
    or state
  if width < 56 then
    when = ""
  end
  local mark = current and current.ulid == s.ulid and "*" or " "
  local cont = s.parentUlid and "↳" or " "
  local label, kind = labels.label(s, preview)
  local lead = mark .. cont .. " "
  local room = math.max(width - vim.fn.strdisplaywidth(lead) - #right - 2, 8)
  local tag, most = "", math.min(20, math.floor(room / 2))
  for _, t in ipairs(where and where ~= "" and { where, unpack(shorter or {}) } or {}) do
    if tag == "" and vim.fn.strdisplaywidth(t) <= most then
      tag = t .. " "
    end
  end
  if tag == "" and where and where ~= "" then
    tag = labels.fit((shorter or {})[1] or where, most) .. " "
  end
  local text = tag .. labels.pad(label, room - vim.fn.strdisplaywidth(tag))
  local line = lead .. text .. " " .. right
  local at = #lead + #text + 1 -- where `right` starts
  local marks = {
    { 0, 1, "SessiondCurrent" },
    { 1, #mark + #cont, "SessiondContinued" },
    { #lead, #lead + #tag, "SessiondWhere" },
    {
      #lead + #tag,
      #lead + #text,
      kind == "title" and "SessiondTitle"
        or kind == "preview" and "SessiondPreview"
        or "SessiondNone",
    },
    { at, at + #when, "SessiondTime" }, -- empty when narrow
    { #line - (live and 4 or 5), #line, live and "SessiondLive" or "SessiondEnded" },
  }
  return line, marks
end

--- A line that heads a group of sessions in the sidebar: "── api (this folder)".
---@param text string
---@param width integer
---@return string
function M.divider(text, width)
  return labels.fit(" ── " .. text, math.max(width - 1, 10))
end

--- What an empty sidebar says: how to start a session, and how to bring in
--- another tool's history (naming the tools whose history is on this machine).
---@param found? sessiond.ImportSource[]
---@return string[]
function M.empty_sidebar(found)
  local lines = {
    "  no sessions yet: :SessiondSay {text} starts one,",
    "  or I (:SessiondImport {source}) brings in another tool's history",
  }
  if found and #found > 0 then
    local names = vim.tbl_map(function(src)
      return ("%s (%s)"):format(src.label, src.name)
    end, found)
    table.insert(lines, "  found here: " .. table.concat(names, ", "))
  end
  return lines
end

--- The sidebar's two header lines: the count (and where, `what`) and `g?`, then the main keys.
---@param n integer sessions listed
---@param width integer
---@param what? string after the count, e.g. "· 3 here"
function M.sidebar_header(n, width, what)
  local count = (" %d session%s"):format(n, n == 1 and "" or "s")
  if what and what ~= "" then
    count = count .. " " .. what
  end
  local help = "g? all keys"
  local gap = math.max(width - vim.fn.strdisplaywidth(count) - #help - 1, 2)
  local keys = " <CR> open  i say  s search  u undo  d trash  x resume  f folder/all  w write here"
  return { count .. (" "):rep(gap) .. help, labels.fit(keys, math.max(width - 1, 10)) }
end

return M
