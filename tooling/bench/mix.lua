-- wrk script for `make bench` (tooling/bench/stack.py): requests in given proportions, an
-- optional pace, and the figures wrk's own summary lacks (p95, errors by kind) as one line.
--
--   [WRK_PACE_MS=N] wrk -s mix.lua URL -- page=28 static=55 read=14 write=3 [close=1]
--
-- Kinds: page GET /, static GET /static/{style.css,notes.js} in turn, read GET
-- /api/notes?limit=20, write POST /api/notes (JSON). The order is a fixed weighted
-- round-robin, the same every run, so two runs differ only by the server under test.
-- close=1 asks for a new connection per request (Connection: close), for servers that close
-- after each answer anyway, such as uWSGI's http-socket: wrk then counts no read error.
-- Every request says Accept-Encoding: gzip, as browsers and Locust's client do, so nginx's
-- gzip settings cost and save here what they would for real visitors.
-- WRK_PACE_MS: each connection waits this long before each request (a paced, not flat-out,
-- load); read when the script loads, since wrk looks for delay() before init() runs.

local kinds = {
  page = {method = "GET", path = "/"},
  static = {method = "GET", path = {"/static/style.css", "/static/notes.js"}},
  read = {method = "GET", path = "/api/notes?limit=20"},
  write = {method = "POST", path = "/api/notes",
           headers = {["Content-Type"] = "application/json"},
           body = '{"author": "wrk", "body": "bench note"}'},
}
local order = {"page", "static", "read", "write"}
local weights, sequence, close = {}, {}, false
local pace = tonumber(os.getenv("WRK_PACE_MS") or "0")

function init(args)
  for _, arg in ipairs(args) do
    local name, value = arg:match("^([%w_]+)=(%d+)$")
    if not name then error("argument '" .. arg .. "' is not name=number") end
    if name == "close" then close = value ~= "0"
    elseif kinds[name] then weights[name] = tonumber(value)
    else error("unknown kind '" .. name .. "'") end
  end
  -- smooth weighted round-robin: each step the kind furthest behind its share goes next
  local total, credit = 0, {}
  for _, name in ipairs(order) do total = total + (weights[name] or 0); credit[name] = 0 end
  if total == 0 then error("give at least one kind a weight above 0") end
  local static_turn = 0
  for _ = 1, total do
    local best
    for _, name in ipairs(order) do
      credit[name] = credit[name] + (weights[name] or 0)
      if (weights[name] or 0) > 0 and (best == nil or credit[name] > credit[best]) then best = name end
    end
    credit[best] = credit[best] - total
    local kind, path = kinds[best], kinds[best].path
    if type(path) == "table" then
      static_turn = static_turn % #path + 1
      path = path[static_turn]
    end
    local headers = {["Accept-Encoding"] = "gzip, deflate"}
    for k, v in pairs(kind.headers or {}) do headers[k] = v end
    if close then headers["Connection"] = "close" end
    sequence[#sequence + 1] = wrk.format(kind.method, path, headers, kind.body)
  end
end

local position = 0
function request()
  position = position % #sequence + 1
  return sequence[position]
end

if pace > 0 then
  function delay() return pace end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.3f, "bytes": %d, "p50_ms": %.3f, "p95_ms": %.3f, ' ..
    '"p99_ms": %.3f, "max_ms": %.3f, "status_errors": %d, "connect_errors": %d, "read_errors": %d, ' ..
    '"write_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration / 1e6, summary.bytes,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, e.status, e.connect, e.read, e.write, e.timeout))
end
