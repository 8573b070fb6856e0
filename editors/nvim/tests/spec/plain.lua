-- Without the markdown parser (a Neovim built without it, or a user who
-- removed it), histories show plain text and nothing fails.
--   nvim --headless -u NONE -l tests/spec/plain.lua
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, wait, eq, truthy = H.test, H.wait, H.eq, H.truthy

-- Take every folder that provides parser/markdown.so off 'runtimepath' before
-- anything loads it.
for _, so in ipairs(vim.api.nvim_get_runtime_file("parser/markdown.so", true)) do
  vim.opt.runtimepath:remove(vim.fn.fnamemodify(so, ":h:h"))
end

local db = H.tmpdb()
H.load_plugin()
require("sessiond").setup({ db = db })
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods

test("the markdown parser is really gone for this test", function()
  eq({}, vim.api.nvim_get_runtime_file("parser/markdown.so", true), "parser files on 'runtimepath'")
  eq(false, require("sessiond.markdown").available(), "markdown.available()")
end)

test("a history with markdown and a fence shows plain text, with no error", function()
  local _, s = client.request_sync(m.start, { cliVersion = "seed 1" })
  client.request_sync(m.append, { sessionId = s.id, kind = "prompt", text = "**bold** please" })
  client.request_sync(
    m.append,
    { sessionId = s.id, kind = "system", text = "```lua\nlocal x = 1\n```" }
  )
  local drawn
  require("sessiond.history").open(s.ulid, nil, {
    on_drawn = function(buf)
      drawn = buf
    end,
  })
  wait(function()
    return drawn
  end, "the history drawn")
  truthy(H.line_of(drawn, "local x = 1"), "the code is there")
  truthy(H.line_of(drawn, "**bold** please"), "the markup is there, as typed")
  local md = vim.api.nvim_buf_get_extmarks(drawn, require("sessiond.markdown").ns, 0, -1, {})
  eq(0, #md, "no markdown highlights")
  local groups = H.groups_at(drawn, H.line_of(drawn, "#1  "), 0)
  truthy(groups.SessiondSeq, "the plugin's own highlights still apply")
  eq(nil, H.find_note("rror"), "no error notified")
end)

client.stop()
H.finish()
