-- Loads an ndjson file (from bench/gen_ndjson.py) into the server with one
-- PUT /fhir/{type}/{id} per line (FHIR update-as-create: the resources keep the ids the file
-- gives them, so a later read workload knows what to ask for). Thread k of n sends lines
-- k, k+n, k+2n, ... and stops itself once every one of its PUTs has been answered.
--
-- wrk's main thread always sleeps for the whole -d, even when every thread has stopped, so
-- the last thread to finish ends the run early by sending wrk a SIGINT (which wrk handles
-- like the end of -d: it reports and exits). Threads count themselves done in DONEFILE.
-- The signal is sent from a detached shell after a short delay because system() ignores
-- SIGINT in the calling process while it runs. -d stays as the safety cap.
--
-- Usage: wrk -tN -cC -d300s -s bench/wrk/load_ndjson.lua http://HOST:PORT/fhir -- FILE.ndjson N DONEFILE
-- Prints created (201), failed (status >= 400) and lines (this thread's share, summed).
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

setup = common.setup

created, failed, lines = 0, 0, 0
local nthreads, donefile, finished
local requests, next_index, idle
-- wrk calls request() once on thread 0 before the run, only to inspect the request (and
-- throws the result away): answering the first call in every thread with the idle
-- request keeps that from swallowing a line.
local first_call = true

function init(args)
  local file
  file, nthreads, donefile = args[1], tonumber(args[2]), args[3]
  assert(file and nthreads and donefile, "usage: -- FILE.ndjson THREADS DONEFILE")
  local base = wrk.path:gsub("/$", "")
  local headers = { ["Content-Type"] = "application/fhir+json", ["Accept"] = "application/fhir+json" }
  requests, next_index = {}, 1
  local n = 0
  for line in io.lines(file) do
    if n % nthreads == tid and #line > 0 then
      -- gen_ndjson.py writes resourceType then id first on every line.
      local rtype, id = line:match('^{"resourceType":"(%a+)","id":"([^"]+)"')
      assert(rtype, "line " .. (n + 1) .. " does not start with resourceType and id")
      requests[#requests + 1] = wrk.format("PUT", base .. "/" .. rtype .. "/" .. id, headers, line)
    end
    n = n + 1
  end
  lines = #requests
  -- Once every PUT has been sent, connections still waiting for other PUTs to finish need
  -- something to send: a metadata read, whose 200 is not counted below.
  idle = wrk.format("GET", base .. "/metadata")
end

function request()
  if first_call then
    first_call = false
    return idle
  end
  local r = requests[next_index]
  if r then
    next_index = next_index + 1
    return r
  end
  return idle
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status >= 400 then
    failed = failed + 1
  end -- 200: the idle metadata read (the data dir is fresh, so no PUT updates)
  if not finished and created + failed >= lines then
    finished = true
    wrk.thread:stop()
    -- $PPID in the shell that os.execute starts is wrk's pid.
    os.execute(string.format(
      "echo %d >> '%s'; if [ $(wc -l < '%s') -ge %d ]; then (sleep 0.3; kill -INT $PPID) >/dev/null 2>&1 & fi",
      tid, donefile, donefile, nthreads))
  end
end

function done(summary, latency, requests)
  common.report(summary, latency, {
    { "lines", common.sum("lines") },
    { "created", common.sum("created") },
    { "failed", common.sum("failed") },
  })
end
