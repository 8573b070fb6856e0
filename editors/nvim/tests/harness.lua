-- A tiny test runner for `nvim --headless -u NONE -l`: no plugin manager, no
-- busted, so a fresh machine needs nothing but Neovim.
local H = {
  passed = 0,
  failed = 0,
  root = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h:h"),
}

-- io.write, not print: print goes through the message area and can lose its newline.
function H.say(msg)
  io.stdout:write(msg .. "\n")
  io.stdout:flush()
end

-- H.needs(what, ok): the tests after it fail at once, naming `what`, when ok is false
-- (a feature the daemon on PATH lacks), instead of each waiting out its timeout.
function H.needs(what, ok)
  H.missing = not ok and what or nil
end

function H.test(name, fn)
  if H.missing then
    H.failed = H.failed + 1
    return H.say("FAIL " .. name .. "\n     needs " .. H.missing)
  end
  local ok, err = xpcall(fn, debug.traceback)
  if ok then
    H.passed = H.passed + 1
    H.say("ok   " .. name)
  else
    H.failed = H.failed + 1
    H.say("FAIL " .. name .. "\n" .. tostring(err))
  end
end

-- Waits on a condition, never a fixed time; fails the test with `what` on timeout.
function H.wait(cond, what, ms)
  if not vim.wait(ms or 10000, cond, 20) then
    error("timed out waiting for " .. what, 2)
  end
end

function H.eq(want, got, what)
  if not vim.deep_equal(want, got) then
    error(("%s: want %s, got %s"):format(what or "value", vim.inspect(want), vim.inspect(got)), 2)
  end
end

function H.truthy(v, what)
  if not v then
    error((what or "value") .. " is not true", 2)
  end
  return v
end

function H.lines(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf or 0, 0, -1, false), "\n")
end

-- Notifications, captured: tests read them instead of the screen.
H.notes = {}
vim.notify = function(msg, level)
  table.insert(H.notes, { msg = msg, level = level or vim.log.levels.INFO })
end

function H.find_note(pattern, level)
  for _, n in ipairs(H.notes) do
    if n.msg:find(pattern, 1, true) and (not level or n.level == level) then
      return n
    end
  end
end

function H.finish()
  H.say(("%d passed, %d failed"):format(H.passed, H.failed))
  os.exit(H.failed == 0 and 0 or 1)
end

-- The plugin as a plugin manager would add it: on 'runtimepath', plugin/ sourced.
function H.load_plugin()
  vim.opt.runtimepath:prepend(H.root)
  vim.cmd.runtime("plugin/sessiond.lua")
end

-- A fresh temporary folder and a database path in it.
function H.tmpdb()
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp, "p")
  return tmp .. "/test.db", tmp
end

-- `sessiond show ULID --db DB`: what a person would read, so tests trust the store, not the plugin.
function H.show(ulid, db)
  local r = vim.system({ "sessiond", "show", ulid, "--db", db }, { text = true }):wait(10000)
  return (r.stdout or "") .. (r.stderr or "")
end

-- tests/other.lua: another Neovim with its own daemon writes to DB. Returns its output line.
-- Runs in the background (the daemon under test keeps being served meanwhile).
function H.other(db, ...)
  local cmd = { "nvim", "--headless", "-u", "NONE", "-l", H.root .. "/tests/other.lua", db, ... }
  local res
  vim.system(cmd, { text = true }, function(r)
    res = r
  end)
  H.wait(function()
    return res ~= nil
  end, "tests/other.lua " .. table.concat({ ... }, " "), 20000)
  if res.code ~= 0 then
    error("tests/other.lua failed: " .. (res.stderr or ""), 2)
  end
  return vim.trim(res.stdout or "")
end

-- Reads /proc rather than run pgrep (procps is not on every fresh machine).
local function read_proc(pid, what)
  local fh = io.open(("/proc/%s/%s"):format(pid, what), "rb")
  if not fh then
    return nil
  end
  local text = fh:read("*a") or ""
  fh:close()
  return text
end
H.read_proc = read_proc

-- The pid of a sessiond process serving the database PATH, or nil. The plugin
-- hands the database over in the environment (SESSIOND_DB), never on the
-- command line, so it is looked for in /proc/PID/environ.
function H.daemon_running(path)
  for _, f in ipairs(vim.fn.glob("/proc/[0-9]*/cmdline", false, true)) do
    local pid = f:match("^/proc/(%d+)/")
    local cmdline = (read_proc(pid, "cmdline") or ""):gsub("%z", " ")
    if cmdline:find("sessiond", 1, true) and not cmdline:find("import", 1, true) then
      local environ = "\0" .. (read_proc(pid, "environ") or "")
      if environ:find("\0SESSIOND_DB=" .. path .. "\0", 1, true) then
        return tonumber(pid)
      end
    end
  end
  return nil
end

-- Highlight groups of extmarks at (row, col), 1-based row, 0-based col, in `buf`.
function H.groups_at(buf, row, col)
  local out = {}
  for _, e in ipairs(vim.inspect_pos(buf, row - 1, col).extmarks) do
    if e.opts.hl_group then
      out[e.opts.hl_group] = true
    end
  end
  return out
end

-- The 1-based line of the first line of `buf` containing `text` (plain), or nil.
function H.line_of(buf, text)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:find(text, 1, true) then
      return i
    end
  end
end

-- Answers vim.ui.input / vim.ui.select as a person would, once.
function H.answer_input(text)
  vim.ui.input = function(_, on_confirm)
    on_confirm(text)
  end
end

function H.pick_with(fn)
  vim.ui.select = function(items, opts, on_choice)
    H.picked = { items = items, opts = opts }
    on_choice(fn(items, opts))
  end
end

return H
