-- A local chat engine for the tests, inside the test's own Neovim (libuv TCP):
-- the OpenAI chat-completions API over real HTTP/1.1, as OpenAI documents it.
--   GET  /v1/models            -> {"object":"list","data":[{"id","object":"model",…}]}
--   POST /v1/chat/completions  -> 200 text/event-stream, chunked: one
--        `data: {chat.completion.chunk}\n\n` per piece (delta.role first, then
--        delta.content pieces, then finish_reason "stop"), then, when the request
--        asks for it (`stream_options.include_usage`), one chunk with no choices
--        and the request's `usage` (prompt_tokens, of which
--        prompt_tokens_details.cached_tokens came from a cache, completion_tokens,
--        total_tokens), then `data: [DONE]\n\n`.
-- A reply can stop after some pieces and wait for E.release(), so a test can
-- look at the screen while the reply is still streaming.
local E = { requests = {}, holding = false }

local function chunk(data)
  return ("%x\r\n%s\r\n"):format(#data, data)
end

local function event(delta, finish)
  return "data: "
    .. vim.json.encode({
      id = "chatcmpl-nvim0001",
      object = "chat.completion.chunk",
      created = os.time(),
      model = "nvim-test-model",
      choices = { { index = 0, delta = delta, finish_reason = finish or vim.NIL } },
    })
    .. "\n\n"
end

local function respond(sock, status, ctype, body)
  sock:write(
    ("HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s"):format(
      status,
      ctype,
      #body,
      body
    )
  )
  sock:shutdown(function()
    sock:close()
  end)
end

-- The usage chunk OpenAI streams last when `stream_options.include_usage` is set.
local function usage_event(u)
  return "data: "
    .. vim.json.encode({
      id = "chatcmpl-nvim0001",
      object = "chat.completion.chunk",
      created = os.time(),
      model = "nvim-test-model",
      choices = {},
      usage = {
        prompt_tokens = u.prompt,
        completion_tokens = u.completion,
        total_tokens = u.prompt + u.completion,
        prompt_tokens_details = { cached_tokens = u.cached or 0 },
      },
    })
    .. "\n\n"
end

local function stream(sock, reply, wants_usage)
  sock:write(
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
      .. "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
  )
  sock:write(chunk(event({ role = "assistant", content = "" })))
  local i = 0
  local function rest()
    while i < #reply.pieces do
      i = i + 1
      sock:write(chunk(event({ content = reply.pieces[i] })))
      if reply.hold_after and i == reply.hold_after then
        E.holding = true
        E.continue = rest
        return
      end
    end
    E.holding = false
    sock:write(chunk(event(vim.empty_dict(), "stop")))
    if wants_usage and reply.usage then
      sock:write(chunk(usage_event(reply.usage)))
    end
    sock:write(chunk("data: [DONE]\n\n"))
    sock:write("0\r\n\r\n")
    sock:shutdown(function()
      sock:close()
    end)
    E.finished = (E.finished or 0) + 1
  end
  rest()
end

local function handle(sock, raw)
  local head, body = raw:match("^(.-)\r\n\r\n(.*)$")
  local method, path = head:match("^(%u+) (%S+)")
  local length = tonumber(head:lower():match("\r\ncontent%-length: *(%d+)")) or 0
  if #body < length then
    return false -- more to read
  end
  local ok, decoded = pcall(vim.json.decode, body:sub(1, length))
  table.insert(
    E.requests,
    { method = method, path = path, head = head, body = ok and decoded or body }
  )
  if method == "GET" and path:find("/models$") then
    respond(
      sock,
      "200 OK",
      "application/json",
      vim.json.encode({
        object = "list",
        data = { { id = "nvim-test-model", object = "model", created = 0, owned_by = "tests" } },
      })
    )
  elseif method == "POST" and path:find("/chat/completions$") then
    local options = ok and type(decoded) == "table" and decoded.stream_options
    stream(sock, E.reply, type(options) == "table" and options.include_usage == true)
  else
    respond(sock, "404 Not Found", "application/json", '{"error":{"message":"no such route"}}')
  end
  return true
end

--- Starts serving; `reply` = { pieces = {…}, hold_after = n?, usage = { prompt, completion,
--- cached? }? } for every chat request.
function E.start(reply)
  E.reply = reply
  local server = vim.uv.new_tcp()
  server:bind("127.0.0.1", 0)
  server:listen(16, function()
    local sock = vim.uv.new_tcp()
    server:accept(sock)
    local raw = ""
    sock:read_start(function(err, data)
      if err or not data then
        return sock:close()
      end
      raw = raw .. data
      if raw:find("\r\n\r\n", 1, true) and handle(sock, raw) then
        sock:read_stop()
      end
    end)
  end)
  E.server = server
  E.base_url = ("http://127.0.0.1:%d/v1"):format(server:getsockname().port)
  return E
end

--- Lets a held reply go on to its end.
function E.release()
  local go = E.continue
  E.continue = nil
  if go then
    go()
  end
end

function E.chat_requests()
  return vim.tbl_filter(function(r)
    return r.path:find("/chat/completions$") ~= nil
  end, E.requests)
end

function E.stop()
  if E.server then
    E.server:close()
  end
end

return E
