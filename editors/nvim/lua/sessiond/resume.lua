-- :SessiondResume and `x`: a session reopened in the program it came from
-- (`claude --resume ID`, `codex resume ID`, `llm chat --cid ID`, …) in a
-- terminal split at the bottom. `sessiond resume ULID` knows each source's
-- command and runs it in the session's project folder; it is asked with
-- `--print` first, so that a session no program reopens is a message rather
-- than a terminal holding an error. The database goes in the environment, as
-- for the daemon. A session held in Neovim goes on here instead (the caller's
-- `here`), since `sessiond resume` would start another Neovim.
local config = require("sessiond.config")
local labels = require("sessiond.labels")
local protocol = require("sessiond.protocol")

local M = {}

local function notify(msg, level)
  vim.notify("sessiond: " .. msg, level or vim.log.levels.INFO)
end

-- What the CLI wrote, safe to show: one line each, colour codes and control
-- bytes gone, its own "sessiond: " prefix dropped (ours is there).
local function said(text)
  local out = {}
  for _, l in ipairs(vim.split(text or "", "\n", { plain = true })) do
    l = labels.one_line((l:gsub("\27%[[%d;?]*%a", "")))
    l = l:gsub("^sessiond: ", "")
    if l ~= "" then
      table.insert(out, l)
    end
  end
  return out
end

--- Opens a terminal split at the bottom running `cmd`, focused, in terminal mode.
---@param cmd string[]
---@return integer buf, integer job
function M.terminal(cmd)
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  local opts = { env = config.env() }
  local job
  if vim.fn.has("nvim-0.11") == 1 then
    opts.term = true
    job = vim.fn.jobstart(cmd, opts)
  else
    job = vim.fn.termopen(cmd, opts)
  end
  vim.cmd("startinsert")
  return buf, job
end

---@class sessiond.Resumed
---@field command string what `sessiond resume --print` printed (the program's command)
---@field buf integer the terminal's buffer
---@field job integer its job

--- Reopens `s` in the program it came from, in a terminal split.
---@param s sessiond.Session
---@param here fun(s: sessiond.Session) how a session held in Neovim goes on (its chat buffer)
---@param cb? fun(err: sessiond.ClientError?, resumed: sessiond.Resumed?)
function M.run(s, here, cb)
  cb = cb or function() end
  if s.source == protocol.source then
    notify(("%s was held in Neovim: it goes on here"):format(labels.named(s)))
    here(s)
    return cb(nil, nil)
  end
  -- `--`: a ULID of a client's own may start with "-", which is no option.
  local check = config.cli({ "resume", "--print", "--", s.ulid })
  if vim.fn.executable(check[1]) ~= 1 then
    local msg = require("sessiond.client").not_runnable(check[1])
    notify(msg, vim.log.levels.ERROR)
    return cb({ message = msg })
  end
  local opts = { text = true, stdin = false, env = config.env() }
  vim.system(check, opts, function(res)
    vim.schedule(function()
      local errs = said(res.stderr)
      if res.code ~= 0 then
        local msg = table.concat(errs, " ")
        if res.code == 2 and msg:find("invalid choice: 'resume'", 1, true) then
          msg = ("%s has no `resume` command: install a newer sessiond"):format(check[1])
        elseif msg == "" then
          msg = ("%s resume exited %d"):format(check[1], res.code)
        end
        notify(msg, vim.log.levels.WARN)
        return cb({ message = msg })
      end
      local command = said(res.stdout)[1] or ""
      local buf, job = M.terminal(config.cli({ "resume", "--", s.ulid }))
      -- The command goes in the terminal's bar; the message stays short enough
      -- for one line of an 80-column editor (no hit-enter prompt over the tool).
      vim.wo[vim.api.nvim_get_current_win()].winbar = " " .. command:gsub("%%", "%%%%")
      local tool = labels.one_line(s.source or "")
      notify(
        ("resuming “%s” in %s"):format(
          labels.fit(labels.label(s), 30),
          tool ~= "" and labels.fit(tool, 16) or "its program"
        )
      )
      if #errs > 0 then -- e.g. the program is not installed
        notify(table.concat(errs, "\n"), vim.log.levels.WARN)
      end
      cb(nil, { command = command, buf = buf, job = job })
    end)
  end)
end

return M
