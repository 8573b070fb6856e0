-- :checkhealth sessiond: the command, its version, the database and its backend, a
-- round trip, and what the daemon offers (protocol version, notifications, chat).
local M = {}

local health = vim.health
local util = require("sessiond.util")

-- Where the daemon will keep its store: --db, else $SESSIOND_DB, else the
-- platformdirs user data directory (computed here for Linux and macOS).
local function db_path(cfg)
  if cfg.db then
    local db = cfg.db:find("^%a[%w+.-]*://") and cfg.db or vim.fs.normalize(cfg.db)
    return db, "from setup({ db = ... })"
  end
  if vim.env.SESSIOND_DB and vim.env.SESSIOND_DB ~= "" then
    return vim.env.SESSIOND_DB, "from $SESSIOND_DB"
  end
  local base
  if vim.fn.has("mac") == 1 then
    base = vim.fn.expand("~/Library/Application Support")
  elseif vim.fn.has("win32") == 1 then
    return "sessions.db in the user data directory of sessiond", "the daemon's default"
  else
    local xdg = vim.env.XDG_DATA_HOME
    base = (xdg and xdg ~= "") and xdg or vim.fn.expand("~/.local/share")
  end
  return base .. "/sessiond/sessions.db", "the daemon's default"
end

-- "PostgreSQL" for a postgresql:// URL, else "SQLite".
local function backend(db)
  return db:find("^postgres") and "PostgreSQL" or "SQLite"
end

function M.check()
  local cfg = require("sessiond.config").get()
  local cmd = require("sessiond.config").command()

  health.start("sessiond: Neovim")
  if vim.fn.has("nvim-0.10") == 1 then
    health.ok("Neovim " .. tostring(vim.version()))
  else
    health.error("Neovim 0.10 or newer is needed")
  end

  health.start("sessiond: the daemon")
  local exe = vim.fn.exepath(cmd[1])
  if exe == "" then
    health.error(require("sessiond.client").not_runnable(cmd[1]), {
      "Install the sessiond daemon so that it is on $PATH",
      "or point setup({ cmd = { '/path/to/sessiond' } }) at it",
    })
    return
  end
  health.ok("command found: " .. exe)
  local ok, res = pcall(function()
    return vim.system({ exe, "--version" }, { text = true }):wait(5000)
  end)
  if ok and res.code == 0 then
    health.ok("`" .. cmd[1] .. " --version`: " .. vim.trim(res.stdout or ""))
  else
    local why = ok and vim.trim((res.stderr or "") .. " (exit " .. tostring(res.code) .. ")") or res
    health.warn("`" .. cmd[1] .. " --version` failed: " .. why)
  end

  local path, source = db_path(cfg)
  local url = path:find("^%a[%w+.-]*://") ~= nil
  local exists = url or vim.uv.fs_stat(path) ~= nil
  health.info(
    ("database: %s (%s, %s%s)"):format(
      util.redact(path),
      backend(path),
      source,
      exists and "" or ", not created yet"
    )
  )

  health.start("sessiond: round trip")
  local client = require("sessiond.client")
  local err = client.request_sync(
    require("sessiond.protocol").methods.last,
    vim.empty_dict(),
    10000,
    { silent = true }
  )
  local info = client.info()
  if err then
    local env = require("sessiond.config").env()
    local shown = table.concat(cmd, " ")
    if env then -- as the plugin runs it: the database in the environment
      shown = ("SESSIOND_DB=%s %s"):format(vim.fn.shellescape(util.redact(env.SESSIOND_DB)), shown)
    end
    health.error("session/last failed: " .. (err.message or vim.inspect(err)), {
      "Run `" .. shown .. "` in a terminal to see what the daemon says",
      "Its messages are also in " .. vim.lsp.get_log_path(),
    })
    return
  end
  local server = info and info.server_info or {}
  local caps = info and info.capabilities or {}
  local ours = caps.experimental and caps.experimental.sessiond or {}
  health.ok(
    ("initialize → session/last answered by %s %s"):format(
      server.name or "?",
      server.version or "?"
    )
  )
  local wanted = require("sessiond.protocol").protocol_version
  local got = ours.protocolVersion
  if got == wanted then
    health.ok(("protocol version %d, maxTextBytes %s"):format(got, tostring(ours.maxTextBytes)))
  elseif type(got) == "number" and got < wanted then
    health.warn(
      ("the daemon speaks protocol %d; this plugin knows %d: search, rename, the trash and live updates need a newer sessiond"):format(
        got,
        wanted
      )
    )
  else
    health.warn(
      ("the daemon speaks protocol %s; this plugin knows %d"):format(tostring(got), wanted)
    )
  end
  if info and info.subscribed then
    health.ok("notifications: on (changes by any process show up by themselves)")
  else
    health.info(
      "notifications: not offered by this daemon (changes made elsewhere show on `r` or :SessiondRefresh)"
    )
  end
  if ours.chat == true then
    health.ok("chat: offered (:SessiondSay asks the engine for a reply)")
  else
    health.info("chat: not offered by this daemon (:SessiondSay records your turns)")
  end
  if ours.engine == true then
    health.ok("engine: the daemon has one (replies stream in)")
  elseif ours.engine == false then
    health.info(
      "engine: none, so turns are kept as notes (set engine_base_url in setup(), or start sessiond with --engine-base-url)"
    )
  elseif ours.chat == true then
    health.info("engine: this daemon does not say whether it has one (the first turn finds out)")
  end
end

return M
