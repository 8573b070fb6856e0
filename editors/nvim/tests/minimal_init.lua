-- init for the tmux test: the plugin on 'runtimepath' exactly as a plugin
-- manager would put it; plugin/sessiond.lua is then sourced by Neovim itself.
local root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h")
vim.opt.runtimepath:prepend(root)
vim.opt.swapfile = false
require("sessiond").setup({ db = vim.env.SESSIOND_TEST_DB })
