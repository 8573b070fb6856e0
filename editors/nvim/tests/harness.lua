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

function H.test(name, fn)
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

return H
