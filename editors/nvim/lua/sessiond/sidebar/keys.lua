-- The sidebar's keys, one table (what `g?` lists and the vimdoc documents),
-- built from the few things the sidebar knows: the session under the cursor,
-- reading the list again, this folder or all, closing.
local current = require("sessiond.current")
local edits = require("sessiond.edits")
local history = require("sessiond.history")
local resume = require("sessiond.resume")
local windows = require("sessiond.windows")

local M = {}

---@class sessiond.SidebarOps
---@field selected fun(): sessiond.Session? the session under the cursor
---@field refresh fun()
---@field toggle_folder fun() this folder's sessions only, or all
---@field close fun()

--- The keys of a sidebar with these operations.
---@param ops sessiond.SidebarOps
---@return sessiond.Key[]
function M.build(ops)
  local function with_session(fn)
    return function()
      local session = ops.selected()
      if session then
        fn(session)
      end
    end
  end

  -- Opens the history of `s` in a normal window, not focused when `stay`; returns that window.
  local function open_history(s, opts)
    local win = windows.target(vim.api.nvim_get_current_win())
    history.open(s.ulid, win, opts)
    return win
  end

  -- Its history with a chat buffer below, the focus in the chat buffer.
  local function say_to(s)
    require("sessiond.chat.buffer").open(s, open_history(s, { stay = true }))
  end

  return {
    {
      "<CR>",
      "open the history of the session under the cursor",
      with_session(function(s)
        open_history(s)
      end),
    },
    {
      "i",
      "say something to it: its history with a chat buffer below, <CR> sends",
      with_session(say_to),
    },
    {
      "x",
      "resume it in the program it came from, in a terminal (:SessiondResume)",
      with_session(function(s)
        resume.run(s, say_to)
      end),
    },
    {
      "f",
      "this folder's sessions only, or all of them (this folder's first)",
      function()
        ops.toggle_folder()
      end,
    },
    {
      "w",
      "write your next turns to it (:SessiondUse)",
      with_session(function(s)
        current.use(s.ulid)
      end),
    },
    {
      "c",
      "continue it in a new session (:SessiondContinue)",
      with_session(function(s)
        current.continue(s.ulid)
      end),
    },
    {
      "R",
      "rename it",
      with_session(function(s)
        edits.rename(s)
      end),
    },
    {
      "d",
      "move it to the trash (u or :SessiondRestore brings it back)",
      with_session(function(s)
        edits.delete(s)
      end),
    },
    {
      "u",
      "undo the last rename or trash",
      function()
        edits.undo()
      end,
    },
    {
      "s",
      "search every turn (:SessiondSearch); / still searches this list",
      function()
        vim.ui.input({ prompt = "Search sessions: " }, function(query)
          if query and vim.trim(query) ~= "" then
            require("sessiond.search").search(query)
          end
        end)
      end,
    },
    {
      "I",
      "import another tool's history (:SessiondImport)",
      function()
        require("sessiond.import").pick()
      end,
    },
    {
      "y",
      "copy its ULID",
      with_session(function(s)
        vim.fn.setreg('"', s.ulid)
        vim.notify("sessiond: copied " .. s.ulid)
      end),
    },
    {
      "r",
      "read the list again",
      function()
        ops.refresh()
      end,
    },
    {
      "q",
      "close the sidebar",
      function()
        ops.close()
      end,
    },
  }
end

return M
