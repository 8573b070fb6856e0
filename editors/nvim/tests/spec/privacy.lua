-- The database never shows on a command line (`ps` shows every user's) nor in
-- the LSP log: the daemon gets it in its environment (SESSIOND_DB). Read from
-- /proc while the real daemon runs.
--   nvim --headless -u NONE -l tests/spec/privacy.lua
-- With SESSIOND_TEST_PG_URL (a postgresql:// URL with a password) the same is
-- checked against a PostgreSQL server.
local H =
  dofile(vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h") .. "/harness.lua")
local test, eq, truthy = H.test, H.eq, H.truthy

H.load_plugin()
local client = require("sessiond.client")
local m = require("sessiond.protocol").methods

-- Every RPC message and the spawn itself would be logged at this level.
vim.lsp.set_log_level("debug")

--- Starts the daemon on `db` with a round trip; returns its pid, argv and environment.
local function daemon_on(db)
  require("sessiond").setup({ db = db })
  eq(nil, (client.request_sync(m.last, vim.empty_dict(), 20000)), "session/last")
  local pid = truthy(H.daemon_running(db), "a daemon with SESSIOND_DB=" .. db)
  return pid, H.read_proc(pid, "cmdline") or "", H.read_proc(pid, "environ") or ""
end

local function log_text()
  local fh = io.open(vim.lsp.get_log_path(), "rb")
  local text = fh and fh:read("*a") or ""
  if fh then
    fh:close()
  end
  return text
end

test("the database is in the daemon's environment, not on its command line", function()
  local marker = "marker-" .. vim.fn.rand()
  local dir = vim.fn.tempname() .. "-" .. marker
  vim.fn.mkdir(dir, "p")
  local db = dir .. "/sessions.db"
  local pid, cmdline, environ = daemon_on(db)
  truthy(cmdline:find("sessiond", 1, true), "pid " .. pid .. " is sessiond: " .. cmdline)
  truthy(not cmdline:find(marker, 1, true), "no database on the command line: " .. cmdline)
  truthy(not cmdline:find("--db", 1, true), "no --db: " .. cmdline)
  truthy(environ:find("SESSIOND_DB=" .. db .. "\0", 1, true), "SESSIOND_DB in its environment")
  truthy(vim.uv.fs_stat(db), "the daemon made the database it was handed")
  local log = log_text()
  truthy(log:find("session/last", 1, true), "the LSP log records messages at this level")
  truthy(not log:find(marker, 1, true), "the database is not in the LSP log")
  client.stop()
end)

local pg = vim.env.SESSIOND_TEST_PG_URL
if pg and pg ~= "" then
  test("a PostgreSQL URL's password shows neither in /proc/PID/cmdline nor in the log", function()
    local password = pg:match("^%a[%w+.-]*://[^:/@]*:([^@/]+)@")
    truthy(password and #password >= 4, "SESSIOND_TEST_PG_URL holds a password")
    local _, cmdline, environ = daemon_on(pg)
    truthy(not cmdline:find(password, 1, true), "no password on the command line: " .. cmdline)
    truthy(environ:find("SESSIOND_DB=" .. pg .. "\0", 1, true), "the URL in its environment")
    truthy(not log_text():find(password, 1, true), "no password in the LSP log")
    client.stop()
  end)
else
  H.say("skip the PostgreSQL check: SESSIOND_TEST_PG_URL is not set")
end

test("`sessiond import` gets the database the same way: no --db on its command line", function()
  require("sessiond").setup({ db = "/tmp/some.db" })
  local cmd = require("sessiond.config").cli({ "import", "aider", "x" })
  eq({ "sessiond", "import", "aider", "x" }, cmd, "the command line")
  eq({ SESSIOND_DB = "/tmp/some.db" }, require("sessiond.config").env(), "its environment")
end)

H.finish()
