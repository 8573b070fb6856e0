-- init for the tmux test: the plugin on 'runtimepath' exactly as a plugin
-- manager would put it; plugin/sessiond.lua is then sourced by Neovim itself.
-- The chat engine is tests/engine.lua (OpenAI's streaming protocol over real
-- HTTP), served by this same Neovim; the daemon finds it through the
-- environment it inherits, as a person's SESSIOND_ENGINE_BASE_URL would.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(root)
vim.opt.swapfile = false
local engine = dofile(root .. "/tests/engine.lua").start({
  pieces = { "It reads ", "the pane's ", "text and ", "prints it." },
  usage = { prompt = 24, completion = 9, cached = 4 },
})
vim.env.SESSIOND_ENGINE_BASE_URL = engine.base_url
require("sessiond").setup({ db = vim.env.SESSIOND_TEST_DB })
