-- The sidebar's sessions in two groups, the working folder's (and the folders
-- under it) and the others, each by last activity; how they change as the
-- store does; and the lines they make under the sidebar's header: dividers,
-- one line per session, what an empty list says. Data and lines only:
-- sidebar/init.lua owns the buffer, the window and the requests.
local labels = require("sessiond.labels")
local layout = require("sessiond.layout")
local previews = require("sessiond.previews")
local protocol = require("sessiond.protocol")
local workspace = require("sessiond.workspace")

local M = {}

---@class sessiond.SidebarGroups
---@field here sessiond.Session[] the working folder's, newest activity first
---@field elsewhere sessiond.Session[] the others (none when `only`); all of them when not `grouped`
---@field folder? string the working folder they were listed for
---@field grouped boolean the daemon knows projects (protocol 3): two groups, else one list
---@field only boolean `f`: the working folder's sessions only

---@return sessiond.SidebarGroups
function M.new()
  return { here = {}, elsewhere = {}, folder = nil, grouped = false, only = false }
end

--- Activity order: newest lastActivityAt (else startedAt) first, ties by id.
---@param a sessiond.Session
---@param b sessiond.Session
function M.newer(a, b)
  local x, y = a.lastActivityAt or a.startedAt, b.lastActivityAt or b.startedAt
  if x ~= y then
    return x > y
  end
  return a.id > b.id
end

--- The sessions as drawn, top to bottom.
---@param g sessiond.SidebarGroups
---@return sessiond.Session[]
function M.listed(g)
  return vim.list_extend(vim.list_extend({}, g.here), g.elsewhere)
end

--- Fills the groups from the lists read: the folder's, and (unless `only`)
--- every session, of which those not the folder's are the others. Without
--- projects (`grouped` false) the one list, as the daemon orders it.
---@param g sessiond.SidebarGroups
---@param folder string
---@param grouped boolean
---@param here sessiond.Session[]
---@param all? sessiond.Session[]
function M.fill(g, folder, grouped, here, all)
  g.folder, g.grouped = folder, grouped
  if not grouped then
    g.here, g.elsewhere = {}, all or here
    return
  end
  local ids = {}
  for _, s in ipairs(here) do
    ids[s.id] = true
  end
  g.here = here
  g.elsewhere = vim.tbl_filter(function(s)
    return not ids[s.id]
  end, all or {})
end

--- A session started or changed: out of its group, and back into the one its
--- project puts it in (unless it went to the trash, or `only` leaves it out).
---@param g sessiond.SidebarGroups
---@param s sessiond.Session
---@param limit integer sessions kept per group
function M.place(g, s, limit)
  local old
  local function without(list)
    return vim.tbl_filter(function(x)
      if x.id == s.id then
        old = x
      end
      return x.id ~= s.id
    end, list)
  end
  g.here, g.elsewhere = without(g.here), without(g.elsewhere)
  if s.deletedAt then
    return
  end
  if old then
    -- A change replayed after a list read may be older than it: what only
    -- grows (turns, last activity, a preview once there is a prompt) stays.
    local active = s.lastActivityAt
    if old.lastActivityAt and (not active or old.lastActivityAt > active) then
      active = old.lastActivityAt
    end
    s = vim.tbl_extend("force", s, {
      eventCount = math.max(old.eventCount or 0, s.eventCount or 0),
      preview = s.preview or old.preview,
      lastActivityAt = active,
    })
  end
  local mine = g.grouped and workspace.holds(g.folder or workspace.cwd(), s.project)
  if mine or not (g.only and g.grouped) then
    local list = mine and g.here or g.elsewhere
    table.insert(list, s)
    table.sort(list, M.newer)
    for i = #list, limit + 1, -1 do
      list[i] = nil
    end
  end
end

--- A turn stored: its session's count grows and it moves up its group (its
--- last activity). Returns the session, or nil when it is not listed.
---@param g sessiond.SidebarGroups
---@param e sessiond.Event
---@return sessiond.Session?
function M.bump(g, e)
  for _, list in ipairs({ g.here, g.elsewhere }) do
    for _, s in ipairs(list) do
      if s.id == e.sessionId then
        s.eventCount = math.max(s.eventCount or 0, e.seq)
        if
          s.lastActivityAt
          and type(e.createdAt) == "string"
          and e.createdAt > s.lastActivityAt
        then
          s.lastActivityAt = e.createdAt
          table.sort(list, M.newer)
        end
        return s
      end
    end
  end
end

--- What the header says after the count: how many are the folder's, or that only they are shown.
---@param g sessiond.SidebarGroups
---@return string?
function M.header_note(g)
  if not g.grouped then
    return nil
  end
  local name = labels.fit(labels.one_line(workspace.name(g.folder or workspace.cwd())), 20)
  if g.only then
    return "in " .. name
  end
  return ("· %d here"):format(#g.here)
end

---@class sessiond.SidebarBodyOpts
---@field width integer the text's columns
---@field top integer lines above (the header)
---@field current? sessiond.Session the `*` one
---@field error? string shown in place of the list
---@field found? sessiond.ImportSource[] for the empty list's offer

--- The lines below the header: the groups with their dividers, or what an
--- empty list says; their marks ({ row, from, to, group }, rows counting the
--- header); the session of each line (1-based, header counted).
---@param g sessiond.SidebarGroups
---@param o sessiond.SidebarBodyOpts
---@return string[] lines, table[] marks, table<integer, sessiond.Session> rows
function M.body(g, o)
  local lines, marks, rows = {}, {}, {}
  local folder = g.folder or workspace.cwd()
  local name = labels.one_line(workspace.name(folder))
  local function add(text, group)
    table.insert(lines, text)
    table.insert(marks, { o.top + #lines - 1, 0, -1, group })
  end
  local function sessions(list)
    for _, s in ipairs(list) do
      local where, shorter = labels.where(s, g.grouped and folder or nil, protocol.source)
      local line, line_marks =
        layout.session_line(s, o.width, o.current, previews.get(s), where, shorter)
      table.insert(lines, line)
      rows[o.top + #lines] = s
      for _, m in ipairs(line_marks) do
        table.insert(marks, { o.top + #lines - 1, m[1], m[2], m[3] })
      end
    end
  end
  if o.error then
    add("  " .. o.error, "SessiondAlert")
  elseif #g.here + #g.elsewhere == 0 and not g.only then
    vim.list_extend(lines, layout.empty_sidebar(o.found))
  elseif not g.grouped then
    sessions(g.elsewhere)
  elseif g.only then
    if #g.here == 0 then
      add(("  no sessions in %s yet: f shows all"):format(name), "SessiondNone")
    end
    sessions(g.here)
  else
    local head = #g.here == 0 and (name .. ": no sessions yet") or (name .. " (this folder)")
    add(layout.divider(head, o.width), "SessiondTime")
    sessions(g.here)
    if #g.elsewhere > 0 then
      add(layout.divider("other folders", o.width), "SessiondTime")
      sessions(g.elsewhere)
    end
  end
  return lines, marks, rows
end

return M
