-- Reads back the resources of an ndjson file (from bench/gen_ndjson.py) by id:
-- GET /fhir/{type}/{id}. Thread k of n walks lines k, k+n, k+2n, ... and wraps around, so
-- every id is read once before any is read twice (if the run is long enough: the
-- printed `distinct` says how many different ids were asked for).
--
-- Usage: wrk -tN -cC -dD -s bench/wrk/read_ndjson_ids.lua http://HOST:PORT/fhir -- FILE.ndjson N
-- Prints ok (200) and non2xx counts.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

setup = common.setup

ok, non2xx, distinct = 0, 0, 0
local requests, next_index
-- wrk calls request() once on thread 0 before the run, only to inspect the request;
-- skipping the first call in every thread keeps the walk's start in place.
local first_call = true

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  assert(file and nthreads, "usage: -- FILE.ndjson THREADS")
  local base = wrk.path:gsub("/$", "")
  local headers = { ["Accept"] = "application/fhir+json" }
  requests, next_index = {}, 1
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == tid and #line > 0 then
      local rtype, id = line:match('^{"resourceType":"(%a+)","id":"([^"]+)"')
      assert(rtype, "line " .. (n + 1) .. " does not start with resourceType and id")
      requests[#requests + 1] = wrk.format("GET", base .. "/" .. rtype .. "/" .. id, headers)
    end
    n = n + 1
  end
  assert(#requests > 0, "no ids for thread " .. tid)
end

function request()
  if first_call then
    first_call = false
    return requests[1]
  end
  local r = requests[next_index]
  if next_index > distinct then distinct = next_index end
  next_index = next_index % #requests + 1
  return r
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  common.report(summary, latency, {
    { "ok", common.sum("ok") },
    { "non2xx", common.sum("non2xx") },
    { "distinct", common.sum("distinct") },
  })
end
