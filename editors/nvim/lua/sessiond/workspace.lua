-- The folder this Neovim works in: its working directory (the tab page's when
-- `:tcd` set one). Sessions started here carry it as their `project`, and the
-- sidebar lists its sessions first. No requests, no views: plain paths.
local M = {}

--- The working folder: the tab page's (`:tcd`) when it has one, else the global one.
---@return string
function M.cwd()
  return vim.fn.getcwd(-1, 0)
end

-- A path without its trailing slashes ("/" stays "/").
local function trim(path)
  return (path:gsub("(.)/+$", "%1"))
end
M.trim = trim

--- Whether `project` is `folder` or a folder under it, as session/list's
--- `project` filter reads it (a trailing `/` ignored on both).
---@param folder string
---@param project? string
---@return boolean
function M.holds(folder, project)
  if type(project) ~= "string" or project == "" then
    return false
  end
  folder, project = trim(folder), trim(project)
  if project == folder or folder == "/" then
    return true
  end
  return vim.startswith(project, folder .. "/")
end

--- The same folder (a trailing `/` ignored on both).
---@param a? string
---@param b? string
function M.same(a, b)
  return type(a) == "string" and type(b) == "string" and trim(a) == trim(b)
end

--- A folder's last part ("api" for /home/ann/src/api; "~" for the home folder, "/" for the root).
---@param path string
---@return string
function M.name(path)
  path = trim(path)
  local home = vim.uv.os_homedir()
  if home and path == trim(home) then
    return "~"
  end
  return path:match("([^/]+)$") or path
end

--- A folder as a person reads it: the home folder as `~`.
---@param path string
---@return string
function M.shown(path)
  local home = vim.uv.os_homedir()
  path = trim(path)
  if home and home ~= "/" and (path == trim(home) or vim.startswith(path, trim(home) .. "/")) then
    return "~" .. path:sub(#trim(home) + 1)
  end
  return path
end

return M
