-- Shared by the benchmark scripts: keeps the list of wrk threads (to add up per-thread
-- counters in done()) and prints one machine-readable result line that bench/run.sh parses:
--   KILN_RESULT requests=N duration_s=S rps=R p50_ms=.. p90_ms=.. p99_ms=.. max_ms=..
--               socket_errors=N status_errors=N [extra counters...]
-- Loaded with dofile() from the directory of the script that uses it.
local M = {}

-- setup() and done() run in wrk's main Lua state, so this list lives there.
M.threads = {}

-- Gives every thread a 0-based global `tid` (visible to its init/request/response).
function M.setup(thread)
  thread:set("tid", #M.threads)
  table.insert(M.threads, thread)
end

-- The sum over threads of a numeric global that each thread kept.
function M.sum(name)
  local total = 0
  for _, thread in ipairs(M.threads) do
    total = total + (tonumber(thread:get(name)) or 0)
  end
  return total
end

-- extra: an array of {name, value} pairs appended to the line, in order.
function M.report(summary, latency, extra)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local parts = {
    string.format("requests=%d", summary.requests),
    string.format("duration_s=%.3f", seconds),
    string.format("rps=%.1f", summary.requests / seconds),
    string.format("p50_ms=%.3f", latency:percentile(50) / 1000),
    string.format("p90_ms=%.3f", latency:percentile(90) / 1000),
    string.format("p99_ms=%.3f", latency:percentile(99) / 1000),
    string.format("max_ms=%.3f", latency.max / 1000),
    string.format("socket_errors=%d", e.connect + e.read + e.write + e.timeout),
    string.format("status_errors=%d", e.status), -- wrk counts statuses > 399 here
  }
  for _, kv in ipairs(extra or {}) do
    parts[#parts + 1] = kv[1] .. "=" .. tostring(kv[2])
  end
  io.write("KILN_RESULT ", table.concat(parts, " "), "\n")
end

return M
