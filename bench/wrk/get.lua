-- Plain GET of the URL given to wrk (read by id, and the bench-http ceiling). No request()
-- or response() callbacks, so wrk sends a pre-built request at full speed; only done()
-- is added, to print the KILN_RESULT line. wrk itself prints "Non-2xx or 3xx responses".
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local common = dofile(dir .. "common.lua")

function done(summary, latency, requests)
  common.report(summary, latency)
end
