-- Markdown highlighting of the turns in history buffers, with treesitter: each
-- turn is parsed on its own (an unclosed fence can't spill into the next turn),
-- its injections included, so fenced code is highlighted in its own language
-- when that parser is installed and stays plain `@markup.raw.block` when not.
-- Without the markdown parser nothing is highlighted and nothing fails.
-- Highlights become extmarks; the turns in view first, the rest in small batches.
local M = {}

M.ns = vim.api.nvim_create_namespace("sessiond_markdown")
local anchors = vim.api.nvim_create_namespace("sessiond_markdown_anchors")

---@class sessiond.MdMark
---@field [1] integer start row, relative to the text
---@field [2] integer start col (bytes)
---@field [3] integer end row
---@field [4] integer end col
---@field [5] string highlight group ("@markup.strong.markdown_inline", "@keyword.lua", …)
---@field [6] integer priority
---@field [7]? string conceal replacement

local usable = nil ---@type boolean?

--- Whether the markdown parser and its highlight query are there.
function M.available()
  if usable == nil then
    local ok, loaded, err = pcall(vim.treesitter.language.add, "markdown")
    usable = ok and loaded ~= false and err == nil
    if usable then
      local qok, query = pcall(vim.treesitter.query.get, "markdown", "highlights")
      usable = qok and query ~= nil
    end
  end
  return usable
end

-- Plain sentences are the common prompt: skip the parser when no markup can be in it.
local function may_have_markup(text)
  return text:find("[*_`#%[|>~\\<]") or text:find("^%s*[-+%d]") or text:find("\n%s*[-+%d]")
end

local cache, cached = {}, 0 -- text -> marks; events never change, so text is a fine key

--- Highlight marks of one turn's text, relative to it. Captures that are not
--- colours (spell, private `_` ones) are left out, `@conceal` is kept only for
--- its conceal text, and link targets are never made into terminal hyperlinks.
---@param text string
---@return sessiond.MdMark[]
function M.marks(text)
  if cache[text] then
    return cache[text]
  end
  local out = {}
  if may_have_markup(text) then
    local ok, parser = pcall(vim.treesitter.get_string_parser, text, "markdown")
    if ok and parser then
      parser:parse(true)
      parser:for_each_tree(function(tree, ltree)
        local lang = ltree:lang()
        local qok, query = pcall(vim.treesitter.query.get, lang, "highlights")
        if not (qok and query) then
          return
        end
        for id, node, metadata in query:iter_captures(tree:root(), text, 0, -1) do
          local name = query.captures[id]
          local md = metadata and metadata[id] or {}
          local conceal = metadata.conceal or md.conceal
          local private = name == "spell" or name == "nospell" or name:sub(1, 1) == "_"
          if not private and (name ~= "conceal" or conceal) then
            local r = vim.treesitter.get_range(node, text, md)
            local sr, sc, er, ec = r[1], r[2], r[#r == 6 and 4 or 3], r[#r == 6 and 5 or 4]
            local priority = tonumber(metadata.priority or md.priority)
              or (vim.hl or vim.highlight).priorities.treesitter
            table.insert(out, { sr, sc, er, ec, "@" .. name .. "." .. lang, priority, conceal })
          end
        end
      end)
    end
  end
  if cached > 5000 then
    cache, cached = {}, 0
  end
  cache[text], cached = out, cached + 1
  return out
end

-- Turns are shown indented by `indent` bytes on every line.
local function apply(buf, row, marks, indent, conceal)
  for _, m in ipairs(marks) do
    if conceal or not m[5]:find("^@conceal%.") then
      local opts = {
        end_row = row + m[3],
        end_col = m[4] > 0 and m[4] + indent or 0,
        hl_group = m[5],
        priority = m[6],
        strict = false,
      }
      if conceal and m[7] then
        opts.conceal = m[7]
      end
      pcall(vim.api.nvim_buf_set_extmark, buf, M.ns, row + m[1], m[2] + indent, opts)
    end
  end
end

local queues = {} -- buf -> { {anchor id, text}, … } waiting to be highlighted
local scheduled = {} -- buf -> true while a batch is queued

local function visible(buf)
  local ranges = {}
  for _, win in ipairs(vim.fn.win_findbuf(buf)) do
    local info = vim.fn.getwininfo(win)[1]
    if info then
      table.insert(ranges, { info.topline - 1, info.botline - 1 })
    end
  end
  return ranges
end

local function run(buf, budget_ms)
  local queue = queues[buf]
  if not queue or not vim.api.nvim_buf_is_valid(buf) then
    queues[buf] = nil
    return
  end
  local conceal = require("sessiond.config").get().conceal
  local deadline = vim.uv.hrtime() + budget_ms * 1e6
  -- The turns in view go first, so what the reader sees is coloured at once.
  local view = visible(buf)
  for _, item in ipairs(queue) do
    local pos = vim.api.nvim_buf_get_extmark_by_id(buf, anchors, item[1], {})
    item[4] = 1
    for _, r in ipairs(view) do
      if pos[1] and pos[1] <= r[2] and pos[1] + item[3] >= r[1] then
        item[4] = 0
      end
    end
  end
  table.sort(queue, function(a, b) -- the next to do is last: table.remove pops it cheaply
    if a[4] ~= b[4] then
      return a[4] > b[4]
    end
    return a[1] > b[1]
  end)
  while #queue > 0 and vim.uv.hrtime() < deadline do
    local item = table.remove(queue)
    local pos = vim.api.nvim_buf_get_extmark_by_id(buf, anchors, item[1], {})
    vim.api.nvim_buf_del_extmark(buf, anchors, item[1])
    if pos[1] then
      apply(buf, pos[1], M.marks(item[2]), 2, conceal)
    end
  end
  if #queue == 0 then
    queues[buf] = nil
  elseif not scheduled[buf] then
    scheduled[buf] = true
    vim.schedule(function()
      scheduled[buf] = nil
      run(buf, 10)
    end)
  end
end

--- Forgets what was queued and drawn for `buf` (before it is drawn anew).
function M.reset(buf)
  queues[buf] = nil
  pcall(vim.api.nvim_buf_clear_namespace, buf, M.ns, 0, -1)
  pcall(vim.api.nvim_buf_clear_namespace, buf, anchors, 0, -1)
end

---@class sessiond.MdBlock
---@field row integer 0-based row of the turn's first text line
---@field text string the turn's text, as drawn (lines indented by 2)

--- Highlights these turns of `buf`: those in view now, the others soon after.
---@param buf integer
---@param blocks sessiond.MdBlock[]
function M.highlight(buf, blocks)
  if not (require("sessiond.config").get().markdown and M.available()) then
    return
  end
  queues[buf] = queues[buf] or {}
  for _, b in ipairs(blocks) do
    local id = vim.api.nvim_buf_set_extmark(buf, anchors, b.row, 0, {})
    local _, n = b.text:gsub("\n", "")
    table.insert(queues[buf], { id, b.text, n })
  end
  run(buf, 30)
end

--- Whether `buf` still has turns waiting to be highlighted (for tests).
function M.pending(buf)
  return queues[buf] ~= nil and #queues[buf] > 0
end

return M
