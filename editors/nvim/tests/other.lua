-- Another process writing to the store, as a second editor or a terminal chat
-- would: its own Neovim and its own sessiond daemon, through the plugin's client.
--   nvim --headless -u NONE -l tests/other.lua DB start "first prompt" ["reply" …]  -> prints the ULID
--   nvim --headless -u NONE -l tests/other.lua DB seed JSON "first prompt" ["reply" …] -> prints the ULID
--     (JSON: session/start's version-3 params, e.g. {"source":"codex","project":"/src/api"})
--   nvim --headless -u NONE -l tests/other.lua DB append ULID KIND TEXT              -> prints the seq
--   nvim --headless -u NONE -l tests/other.lua DB end ULID
--   nvim --headless -u NONE -l tests/other.lua DB rename ULID TITLE
--   nvim --headless -u NONE -l tests/other.lua DB continue ULID "prompt"            -> prints the new ULID
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(root)
local db, action = arg[1], arg[2]
require("sessiond").setup({ db = db })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods
local function must(err, res)
  if err then
    io.stderr:write("other.lua: " .. (err.message or vim.inspect(err)) .. "\n")
    os.exit(1)
  end
  return res
end
local function session(ulid)
  return must(client.request_sync(m.get, { ulid = ulid }, 10000))
    or must({ message = "no " .. ulid })
end
local out
if action == "start" or action == "seed" then
  local params, first = { cliVersion = "other 1" }, 3
  if action == "seed" then
    params, first = vim.tbl_extend("force", params, vim.json.decode(arg[3])), 4
  end
  local s = must(client.request_sync(m.start, params, 10000))
  for i = first, #arg do
    local kind = (i - first) % 2 == 0 and "prompt" or "system"
    must(client.request_sync(m.append, { sessionId = s.id, kind = kind, text = arg[i] }, 10000))
  end
  out = s.ulid
elseif action == "append" then
  local s = session(arg[3])
  out = must(
    client.request_sync(m.append, { sessionId = s.id, kind = arg[4], text = arg[5] }, 10000)
  ).seq
elseif action == "continue" then
  local params = { cliVersion = "other 1", parentUlid = session(arg[3]).ulid }
  local s = must(client.request_sync(m.start, params, 10000))
  must(client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = arg[4] }, 10000))
  out = s.ulid
elseif action == "end" then
  out = must(client.request_sync(m["end"], { sessionId = session(arg[3]).id }, 10000)).ulid
elseif action == "rename" then
  out = must(
    client.request_sync(m.rename, { sessionId = session(arg[3]).id, title = arg[4] }, 10000)
  ).ulid
else
  io.stderr:write("other.lua: unknown action " .. tostring(action) .. "\n")
  os.exit(2)
end
client.stop()
io.stdout:write(tostring(out) .. "\n")
os.exit(0)
