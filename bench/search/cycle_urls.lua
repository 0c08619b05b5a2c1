-- GETs the search URLs listed in a file (one path per line, relative to the FHIR base given
-- to wrk, as bench/search/gen_dataset.py writes them in queries/*.txt), cycling through the
-- list so that consecutive requests ask for different patients, codes, locations. Thread k
-- of n starts at line k+1, so threads do not send the same URL in lockstep.
--
-- Every request carries `Prefer: handling=strict`: a parameter the server does not support
-- is then answered with an error (counted in non2xx) instead of being silently ignored,
-- which would make a query cheaper and look faster.
--
-- Usage: wrk -t1 -c1 -d10s --latency -s bench/search/cycle_urls.lua http://HOST:PORT/fhir -- FILE.txt
-- Prints ok (2xx), non2xx and urls (the list's length) on the KILN_RESULT line.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "../wrk/common.lua")

ok, non2xx, urls = 0, 0, 0
local requests, next_index
-- wrk calls request() once on thread 0 before the run, only to inspect the request;
-- answering the first call in every thread with line 1 keeps the cycle's start in place.
local first_call = true

setup = common.setup

function init(args)
  local file = args[1]
  assert(file, "usage: -- FILE.txt (one URL path per line)")
  local base = wrk.path:gsub("/$", "")
  local headers = { ["Accept"] = "application/fhir+json", ["Prefer"] = "handling=strict" }
  requests = {}
  for line in io.lines(file) do
    if #line > 0 then
      requests[#requests + 1] = wrk.format("GET", base .. line, headers)
    end
  end
  assert(#requests > 0, "no URLs in " .. file)
  urls = #requests
  next_index = tid % #requests + 1
end

function request()
  if first_call then
    first_call = false
    return requests[1]
  end
  local r = requests[next_index]
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
    { "urls", tonumber(common.threads[1]:get("urls")) or 0 },
  })
end
