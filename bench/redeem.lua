-- wrk script of bench/redeem_http.py: each wrk thread sends its share of the prepared, signed
-- redemptions (one per line: device \t token \t timestamp \t signature \t body), each once.
local reqs = {}
local pos = 0
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == (tid - 1) then
      local d, t, s, g, b = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      reqs[#reqs + 1] = wrk.format("POST", "/api/redemptions", {
        ["Authorization"] = "Bearer " .. t, ["Content-Type"] = "application/json",
        ["X-Device-Id"] = d, ["X-Timestamp"] = s, ["X-Signature"] = g}, b)
    end
    i = i + 1
  end
  bad = 0
end

function request()
  pos = pos + 1
  if pos > #reqs then pos = 1 end  -- past the end: replays (200), counted as errors
  return reqs[pos]
end

function response(status, headers, body)
  if status ~= 201 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do errs = errs + t:get("bad") end
  io.write(string.format("errors=%d ", errs))
  io.write(string.format("p50=%.2f p99=%.2f n=%d\n", latency:percentile(50)/1000, latency:percentile(99)/1000, summary.requests))
end
