-- The plugin's version: sent to the daemon in `initialize` and stored as the
-- `cliVersion` of the sessions this Neovim starts ("sessiond.nvim 0.3.0").
return "0.3.0"
