-- The mirrors and the docs, held to what they describe, both ways:
-- protocol.lua <-> protocol.md; every :Sessiond* command, key and option <->
-- doc/sessiond.txt (and the README's install snippet); the vimdoc's tags build.
--   nvim --headless -u NONE -l tests/spec/docs.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, eq, truthy = H.test, H.eq, H.truthy

H.load_plugin()
local protocol = require("sessiond.protocol")
local repo = vim.fn.fnamemodify(H.root, ":h:h")
local function read(path)
  return table.concat(vim.fn.readfile(path), "\n")
end
local doc = read(H.root .. "/doc/sessiond.txt")
local readme = read(H.root .. "/README.md")

-- The first cell of every table row that is a `noun/verb` name: the methods and notifications.
local function table_names(md)
  local names = {}
  for line in md:gmatch("[^\n]+") do
    local name = line:match("^| `([%w$]+/[%w]+)` |")
    if name then
      names[name] = true
    end
  end
  return names
end

local proto_md = read(repo .. "/protocol.md")

test(
  "protocol.lua's methods and notifications are documented in protocol.md, and the reverse",
  function()
    local ours = {}
    for _, group in ipairs({
      protocol.methods,
      protocol.server_notifications,
      protocol.notifications,
    }) do
      for _, name in pairs(group) do
        if name:find("/", 1, true) then
          ours[name] = true
          truthy(proto_md:find("`" .. name .. "`", 1, true), name .. " is in protocol.md")
        end
      end
    end
    local rows = table_names(proto_md)
    truthy(next(rows), "protocol.md has a method table")
    for name in pairs(rows) do
      truthy(ours[name], name .. " from protocol.md's tables is in protocol.lua")
    end
  end
)

test("protocol.lua's error codes and event kinds are protocol.md's", function()
  local doc_codes = {}
  for code, name in proto_md:gmatch("\n| (%-?%d+) | (%a+) |") do
    doc_codes[name] = tonumber(code)
  end
  eq(doc_codes, protocol.errors, "error table")
  local kinds_line = proto_md:match("%*%*EventKind%*%*:([^\n]+\n[^\n]*)")
  local kinds = {}
  for kind in (kinds_line or ""):gmatch('`"([%l_]+)"`') do
    table.insert(kinds, kind)
  end
  eq(protocol.kinds, kinds, "event kinds")
end)

local commands = vim.tbl_keys(vim.api.nvim_get_commands({}))
table.sort(commands)
commands = vim.tbl_filter(function(c)
  return c:find("^Sessiond") ~= nil
end, commands)

test("every :Sessiond* command has a tag in doc/sessiond.txt, and every tag a command", function()
  truthy(#commands >= 10, "commands defined: " .. table.concat(commands, " "))
  for _, c in ipairs(commands) do
    truthy(doc:find("*:" .. c .. "*", 1, true), ":" .. c .. " is documented")
  end
  for tag in doc:gmatch("%*:(Sessiond%a*)%*") do
    truthy(vim.tbl_contains(commands, tag), "the documented :" .. tag .. " exists")
  end
end)

test("the lazy.nvim snippets (README and vimdoc) list every command", function()
  for _, c in ipairs(commands) do
    truthy(readme:find('"' .. c .. '"', 1, true), c .. " in the README's cmd list")
    truthy(doc:find('"' .. c .. '"', 1, true), c .. " in the vimdoc's cmd list")
  end
end)

-- The lines of a doc section, from its tag to the next ==== rule.
local function section(tag)
  local from = doc:find("*" .. tag .. "*", 1, true)
  truthy(from, "section " .. tag)
  local to = doc:find("\n====", from, true) or #doc
  return doc:sub(from, to)
end

test(
  "every key of the sidebar, history and chat buffer is in |sessiond-keys|, and the reverse",
  function()
    local keys = section("sessiond-keys")
    local sidebar_part = keys:match("In the sidebar:(.-)In a history buffer:")
    local history_part = keys:match("In a history buffer:(.-)In a chat buffer:")
    local chat_part = keys:match("In a chat buffer:(.*)")
    truthy(sidebar_part and history_part and chat_part, "the three parts")
    for part, list in pairs({
      [sidebar_part] = require("sessiond.sidebar").keys,
      [history_part] = require("sessiond.history").keys,
      [chat_part] = require("sessiond.chat.buffer").keys,
    }) do
      local documented = {}
      for lhs in part:gmatch("\n    (%S+)") do
        documented[lhs] = true
      end
      for _, key in ipairs(list) do
        truthy(documented[key[1]], key[1] .. " documented")
        documented[key[1]] = nil
      end
      documented["g?"] = nil
      eq({}, documented, "documented keys that are not mapped")
    end
  end
)

test("every option and its default is in |sessiond-config| and the README", function()
  local config = section("sessiond-config")
  for name, value in pairs(require("sessiond.config").defaults) do
    local shown = type(value) == "table" and "{ " .. vim.inspect(value[1]) .. " }"
      or vim.inspect(value)
    shown = shown:gsub("'", '"')
    truthy(config:find(name .. " = " .. shown, 1, true), name .. " = " .. shown .. " in the vimdoc")
    truthy(readme:find(name .. " = " .. shown, 1, true), name .. " = " .. shown .. " in the README")
  end
  truthy(
    config:find("db = nil", 1, true) and config:find("engine_base_url = nil", 1, true),
    "nil options"
  )
end)

test("vimdoc: helptags builds without errors", function()
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp .. "/doc", "p")
  vim.fn.writefile(vim.fn.readfile(H.root .. "/doc/sessiond.txt"), tmp .. "/doc/sessiond.txt")
  vim.cmd("helptags " .. vim.fn.fnameescape(tmp .. "/doc"))
  local tags = read(tmp .. "/doc/tags")
  for _, tag in ipairs({
    "sessiond.txt",
    ":Sessiond",
    ":SessiondSay",
    "sessiond-config",
    "sessiond-keys",
  }) do
    truthy(tags:find(tag .. "\t", 1, true), "tag " .. tag)
  end
end)

H.finish()
