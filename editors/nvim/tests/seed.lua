-- Seeds a database through the plugin's own client:
--   nvim --headless -u NONE -l tests/seed.lua DB "first prompt" ["reply"]
-- prints the new session's ULID.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(root)
local db, prompt, reply = arg[1], arg[2] or "seeded prompt", arg[3] or "seeded reply"
require("sessiond").setup({ db = db })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods
local function must(err, res)
  if err then
    io.stderr:write("seed: " .. (err.message or vim.inspect(err)) .. "\n")
    os.exit(1)
  end
  return res
end
local s = must(client.request_sync(m.start, { cliVersion = "seed 1" }, 10000))
must(client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = prompt }))
must(client.request_sync(m.append, { sessionId = s.id, kind = "system", text = reply }))
client.stop()
io.stdout:write(s.ulid .. "\n")
os.exit(0)
