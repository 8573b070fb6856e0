-- What is known about each history buffer (`sessiond://<ULID>`): the session,
-- the turns shown and where each is drawn, the links, the streaming block. And
-- the rule that changes wait while a history is being read, so that an answer
-- read before a change can't draw over it. No drawing and no requests here.
local M = {}

M.prefix = "sessiond://"

---@class sessiond.History
---@field session? sessiond.Session
---@field parent? sessiond.Session|{ ulid: string }
---@field children sessiond.Session[]
---@field events sessiond.Event[] shown, oldest first
---@field rows table<integer, integer> seq -> 0-based row of its "#seq" line
---@field old_rows? table<integer, integer> rows as last drawn, to keep views on their turn
---@field links table<integer, string> 0-based row -> ULID it opens
---@field top_lines? integer the header's lines that follow the session (layout.top), as drawn
---@field earlier_row? integer 0-based row of the "earlier turns" line, when there is one
---@field body_end integer row where the next turn goes (pending and footer follow)
---@field pending? sessiond.Pending
---@field pending_lines integer
---@field footer_lines integer
---@field notice? string the footer's last line (turns kept as notes), or nil
---@field day? string day of the last turn shown
---@field from_seq? integer show turns from this seq on (a search hit, "show earlier")
---@field generation integer only the newest read may draw
---@field loading? boolean a read is in flight
---@field ready boolean drawn at least once
---@field prepared? boolean its options and keys are set
---@field waiters fun(buf: integer)[] called after the next full draw
local states = {}

--- Starts keeping state for a history buffer (once per buffer).
---@param buf integer
---@return sessiond.History
function M.attach(buf)
  states[buf] = states[buf]
    or {
      children = {},
      events = {},
      rows = {},
      links = {},
      body_end = 0,
      pending_lines = 0,
      footer_lines = 0,
      generation = 0,
      ready = false,
      waiters = {},
    }
  return states[buf]
end

---@param buf integer
function M.detach(buf)
  states[buf] = nil
end

--- The ULID a history buffer's name holds, or nil.
---@param buf integer
---@return string?
function M.ulid_of(buf)
  local name = vim.api.nvim_buf_get_name(buf)
  return vim.startswith(name, M.prefix) and name:sub(#M.prefix + 1) or nil
end

--- Loaded history buffers.
---@return integer[]
function M.bufs()
  return vim.tbl_filter(function(buf)
    return vim.api.nvim_buf_is_loaded(buf) and states[buf] ~= nil and M.ulid_of(buf) ~= nil
  end, vim.api.nvim_list_bufs())
end

---@param buf integer 0: the current buffer
---@return sessiond.History?
function M.get(buf)
  return states[buf ~= 0 and buf or vim.api.nvim_get_current_buf()]
end

--- The drawn histories of a session; those being read are left to their draw.
---@param session_id integer
---@return integer[]
function M.drawn_of(session_id)
  return vim.tbl_filter(function(buf)
    local st = states[buf]
    return st.ready and not st.loading and st.session and st.session.id == session_id
  end, M.bufs())
end

local deferred = {} ---@type fun()[]

local function loading()
  return vim.iter(M.bufs()):any(function(buf)
    return states[buf].loading
  end)
end

--- Holds `fn` until every history being read is drawn; false when none is being read.
---@param fn fun()
---@return boolean held
function M.defer(fn)
  if loading() then
    table.insert(deferred, fn)
    return true
  end
  return false
end

--- A read of `buf` is over (drawn, or failed): what waited for it runs.
---@param buf integer
---@param st sessiond.History
function M.done(buf, st)
  st.ready, st.loading = true, false
  if not loading() then
    local queued = deferred
    deferred = {}
    for _, fn in ipairs(queued) do -- what arrived while reads were in flight, newer than them
      fn()
    end
  end
  local waiters = st.waiters
  st.waiters = {}
  for _, fn in ipairs(waiters) do
    fn(buf)
  end
end

return M
