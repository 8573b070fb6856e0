-- The plugin's modules form floors, not a knot: every `require("sessiond…")`
-- in every file under lua/sessiond (lazy ones inside functions included) and
-- every `package.loaded["sessiond…"]` look-up is an edge, read with the Lua
-- treesitter parser (so text in strings and comments is not one), and the
-- graph they make has no cycle. client.lua is the bottom floor.
--   nvim --headless -u NONE -l tests/spec/layers.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, eq, truthy = H.test, H.eq, H.truthy

H.load_plugin()

local LUA = H.root .. "/lua/"

-- "lua/sessiond/history/init.lua" -> "sessiond.history"
local function module_of(path)
  local rel = path:sub(#LUA + 1):gsub("%.lua$", ""):gsub("/init$", "")
  return (rel:gsub("/", "."))
end

local QUERY = [[
(function_call
  name: (identifier) @fn
  arguments: (arguments . (_) @arg)) @call
(bracket_index_expression
  table: (dot_index_expression
    table: (identifier) @package
    field: (identifier) @loaded)
  field: (string content: (string_content) @mod)) @lookup
]]

---@class Edge
---@field to string
---@field line integer
---@field how string

--- The sessiond modules `src` requires or looks up, and the requires whose
--- argument is not a plain string (which no reader could follow).
---@param src string
---@return Edge[] edges, string[] unreadable
local function edges_of(src)
  local parser = vim.treesitter.get_string_parser(src, "lua")
  local root = parser:parse()[1]:root()
  local query = vim.treesitter.query.parse("lua", QUERY)
  local edges, unreadable = {}, {}
  for _, match in query:iter_matches(root, src, 0, -1, { all = true }) do
    local caps = {}
    for id, nodes in pairs(match) do
      caps[query.captures[id]] = nodes[1]
    end
    local function text(name)
      return caps[name] and vim.treesitter.get_node_text(caps[name], src)
    end
    if caps.call and text("fn") == "require" then
      local arg, line = caps.arg, caps.call:start() + 1
      local content = arg:type() == "string" and arg:field("content")[1]
      if not content then
        table.insert(unreadable, ("line %d: %s"):format(line, text("call")))
      else
        local name = vim.treesitter.get_node_text(content, src)
        if name == "sessiond" or vim.startswith(name, "sessiond.") then
          table.insert(edges, { to = name, line = line, how = "require" })
        end
      end
    elseif caps.lookup and text("package") == "package" and text("loaded") == "loaded" then
      local name = text("mod")
      if name == "sessiond" or vim.startswith(name, "sessiond.") then
        table.insert(edges, { to = name, line = caps.lookup:start() + 1, how = "package.loaded" })
      end
    end
  end
  return edges, unreadable
end

--- A cycle in `graph` (module -> { module -> Edge }), as a list of modules
--- whose last is its first, or nil.
---@return string[]?
local function find_cycle(graph)
  local colour, stack = {}, {}
  local names = vim.tbl_keys(graph)
  table.sort(names)
  local function visit(m)
    colour[m] = "grey"
    table.insert(stack, m)
    local next_names = vim.tbl_keys(graph[m] or {})
    table.sort(next_names)
    for _, n in ipairs(next_names) do
      if colour[n] == "grey" then
        local from = vim.iter(ipairs(stack)):find(function(_, v)
          return v == n
        end)
        local cycle = vim.list_slice(stack, from)
        table.insert(cycle, n)
        return cycle
      elseif not colour[n] then
        local found = visit(n)
        if found then
          return found
        end
      end
    end
    table.remove(stack)
    colour[m] = "black"
  end
  for _, m in ipairs(names) do
    if not colour[m] then
      local found = visit(m)
      if found then
        return found
      end
    end
  end
end

local function describe(graph, cycle)
  local steps = {}
  for i = 1, #cycle - 1 do
    local e = graph[cycle[i]][cycle[i + 1]]
    table.insert(steps, ("%s -> %s (%s, line %d)"):format(cycle[i], cycle[i + 1], e.how, e.line))
  end
  return table.concat(steps, "\n  ")
end

local files = vim.fn.globpath(LUA .. "sessiond", "**/*.lua", false, true)
table.sort(files)
local graph, modules, unreadable = {}, {}, {}
for _, path in ipairs(files) do
  local name = module_of(path)
  modules[name] = true
  graph[name] = graph[name] or {}
  local edges, bad = edges_of(table.concat(vim.fn.readfile(path), "\n"))
  for _, e in ipairs(edges) do
    graph[name][e.to] = graph[name][e.to] or e
  end
  for _, b in ipairs(bad) do
    table.insert(unreadable, name .. " " .. b)
  end
end

test("the reader sees lazy requires and package.loaded, not strings or comments", function()
  local edges, bad = edges_of(table.concat({
    'local a = require("sessiond.a")',
    "local function later() return require 'sessiond.b' end",
    'local c = package.loaded["sessiond.c"]',
    "local msg = \"call require('sessiond.d').setup()\"",
    '-- require("sessiond.e")',
    'local f = require("vim.fs")',
    "local g = require(name)",
  }, "\n"))
  eq(
    { "sessiond.a", "sessiond.b", "sessiond.c" },
    vim.tbl_map(function(e)
      return e.to
    end, edges),
    "edges"
  )
  eq({ "line 7: require(name)" }, bad, "a require the reader cannot follow")
end)

test("the cycle finder finds a cycle when there is one, and names it", function()
  local g = {
    a = { b = { how = "require", line = 1 } },
    b = { c = { how = "require", line = 2 } },
    c = { a = { how = "package.loaded", line = 3 } },
    d = {},
  }
  eq({ "a", "b", "c", "a" }, find_cycle(g), "the cycle")
  g.c = {}
  eq(nil, find_cycle(g), "no cycle once c -> a is gone")
end)

test("every lua file under lua/sessiond was read (" .. #files .. " files)", function()
  truthy(#files >= 20, "files found: " .. #files)
  truthy(graph["sessiond.client"] and graph["sessiond.history"], "modules named by their path")
  eq({}, unreadable, "requires whose module cannot be read from the source")
end)

test("every required sessiond module exists", function()
  for from, targets in pairs(graph) do
    for to, e in pairs(targets) do
      truthy(modules[to], ("%s line %d: %s %q has no file"):format(from, e.line, e.how, to))
    end
  end
end)

test("no require cycle among the plugin's modules", function()
  local cycle = find_cycle(graph)
  if cycle then
    error("a require cycle:\n  " .. describe(graph, cycle), 0)
  end
end)

test("client.lua is the bottom floor: it requires config, protocol and version only", function()
  local got = vim.tbl_keys(graph["sessiond.client"])
  table.sort(got)
  eq({ "sessiond.config", "sessiond.protocol", "sessiond.version" }, got, "client.lua's requires")
end)

test("nothing requires the public module sessiond (init.lua): it is the top floor", function()
  for from, targets in pairs(graph) do
    truthy(not targets["sessiond"], from .. " requires sessiond")
  end
end)

test("every module loads on its own", function()
  for name in pairs(modules) do
    for loaded in pairs(package.loaded) do
      if loaded == "sessiond" or vim.startswith(loaded, "sessiond.") then
        package.loaded[loaded] = nil
      end
    end
    local ok, err = pcall(require, name)
    truthy(ok, name .. ": " .. tostring(err))
  end
end)

H.finish()
