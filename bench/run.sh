#!/usr/bin/env bash
# Kiln benchmark harness: read by id, the HTTP stack's ceiling, create, and memory.
# Builds nothing: point KILN at a Release build (default build/kiln). Every server it starts
# listens on 127.0.0.1 only, lives in a temp dir, and is stopped (SIGTERM, by pid) on exit.
# See bench/README.md for what each benchmark measures and the targets.
#
# Usage: [KILN=build/kiln] bench/run.sh [--quick]
#   --quick               5 s measurements instead of 20 s (the memory benchmark still loads
#                         100,000 resources: the target is stated for that many)
#   BENCH_DURATION=10s    overrides the measurement length (wrk -d syntax)
#   BENCH_MEM_N=100000    resources loaded by the memory benchmark
# Needs: wrk (Debian package wrk), python3, curl.
set -euo pipefail

usage() { sed -n '7,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LUA=$HERE/wrk
source "$HERE/lib.sh"
parse_quick "$@"
need_kiln wrk python3 curl

if [[ $QUICK -eq 1 ]]; then DURATION=${BENCH_DURATION:-5s}; WARMUP=1s; else DURATION=${BENCH_DURATION:-20s}; WARMUP=3s; fi
MEM_N=${BENCH_MEM_N:-100000}
# The load's -d is only a safety cap: the loader ends the run itself when the file is in.
LOAD_CAP=600s

SERVER_PID=""
SERVER_PORT=""
enter_workdir kiln-bench

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$SERVER_PID/status"; }



# wrk's own "Non-2xx or 3xx responses: N" line (absent when there were none).
non2xx() { awk '/Non-2xx or 3xx responses:/ {print $NF; found=1} END {if (!found) print 0}' "$WORK/$1.wrk"; }

# More number formatting and comparisons (the shared ones are in lib.sh).
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; } # KiB from /proc → MB (10^6 bytes)
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }

echo "kiln: $KILN_SOURCE ($("$KILN" version 2>/dev/null || echo 'version unknown'))"
echo "mode: $([[ $QUICK -eq 1 ]] && echo quick || echo full), measurement $DURATION, warm-up $WARMUP, memory N=$MEM_N"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); wrk and the server share it"

# ---------------------------------------------------------------------------------------
section "1. read by id: GET /fhir/Patient/{id}, wrk -t2 -c64, keep-alive"
start_server read serve "$WORK/read-data"
PATIENT='{"resourceType":"Patient","name":[{"family":"Bench","given":["Read"]}],"gender":"female","birthDate":"1970-01-01"}'
PATIENT_ID=$(curl -fsS -X POST -H 'Content-Type: application/fhir+json' --data "$PATIENT" \
  "http://127.0.0.1:$SERVER_PORT/fhir/Patient" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
READ_URL="http://127.0.0.1:$SERVER_PORT/fhir/Patient/$PATIENT_ID"
curl -fsS -o /dev/null "$READ_URL" || die "cannot read back Patient/$PATIENT_ID"
# A short unmeasured run first, so the measurement starts from a warm server.
wrk -t2 -c64 -d"$WARMUP" "$READ_URL" >/dev/null
run_wrk read -t2 -c64 -d"$DURATION" --latency -s "$LUA/get.lua" "$READ_URL"
check_alive read
stop_server
rm -rf "$WORK/read-data"
READ_RPS=$(field read rps) READ_P50=$(field read p50_ms) READ_P99=$(field read p99_ms)
READ_BAD=$(( $(non2xx read) + $(field read socket_errors) ))

# ---------------------------------------------------------------------------------------
section "2. the HTTP stack's ceiling: the same workload against 'kiln bench-http'"
start_server ceiling bench-http
CEIL_URL="http://127.0.0.1:$SERVER_PORT/fhir/Patient/bench"
wrk -t2 -c64 -d"$WARMUP" "$CEIL_URL" >/dev/null
run_wrk ceiling -t2 -c64 -d"$DURATION" --latency -s "$LUA/get.lua" "$CEIL_URL"
check_alive ceiling
stop_server
CEIL_RPS=$(field ceiling rps) CEIL_P50=$(field ceiling p50_ms) CEIL_P99=$(field ceiling p99_ms)
RATIO=$(awk -v a="$READ_RPS" -v b="$CEIL_RPS" 'BEGIN { printf "%.0f", 100 * a / b }')

# ---------------------------------------------------------------------------------------
section "3. create: POST /fhir/Observation (~1.2 KB), wrk -t2 -c32"
start_server create serve "$WORK/create-data"
run_wrk create -t2 -c32 -d"$DURATION" --latency -s "$LUA/create_observation.lua" \
  "http://127.0.0.1:$SERVER_PORT/fhir/Observation"
check_alive create
# Cross-check the 201 count against what the server now holds.
STORED=$(curl -fsS "http://127.0.0.1:$SERVER_PORT/fhir/Observation?_summary=count" |
  python3 -c 'import json, sys; print(json.load(sys.stdin).get("total", "?"))')
stop_server
rm -rf "$WORK/create-data"
CREATE_RATE=$(field create created_per_s) CREATE_P99=$(field create p99_ms)
CREATED=$(field create created) CREATE_BAD=$(( $(field create non2xx) + $(field create socket_errors) ))
echo "201 responses: $CREATED; Observations the server reports holding: $STORED"

# ---------------------------------------------------------------------------------------
section "4. memory: RSS idle, then after $MEM_N resources were PUT over HTTP and read back"
NDJSON=$WORK/resources.ndjson
python3 "$HERE/gen_ndjson.py" "$MEM_N" "$NDJSON"
start_server mem serve "$WORK/mem-data"
sleep 1 # let start-up allocations settle before calling it idle
IDLE_KB=$(rss_kb)
echo "RSS idle after start: $IDLE_KB kB"
run_wrk load -t2 -c32 -d"$LOAD_CAP" --latency -s "$LUA/load_ndjson.lua" \
  "http://127.0.0.1:$SERVER_PORT/fhir" -- "$NDJSON" 2 "$WORK/load.done"
check_alive mem
LOADED_KB=$(rss_kb)
echo "RSS after the load: $LOADED_KB kB"
run_wrk memread -t2 -c64 -d"$DURATION" --latency -s "$LUA/read_ndjson_ids.lua" \
  "http://127.0.0.1:$SERVER_PORT/fhir" -- "$NDJSON" 2
check_alive mem
MEM_KB=$(rss_kb) MEM_HWM_KB=$(hwm_kb)
echo "RSS after the reads: $MEM_KB kB (peak $MEM_HWM_KB kB)"
stop_server
rm -rf "$WORK/mem-data"
LOAD_CREATED=$(field load created) LOAD_FAILED=$(field load failed) LOAD_SECONDS=$(field load duration_s)
LOAD_RATE=$(awk -v n="$LOAD_CREATED" -v s="$LOAD_SECONDS" 'BEGIN { printf "%.0f", n / s }')
MEMREAD_OK=$(field memread ok) MEMREAD_BAD=$(( $(field memread non2xx) + $(field memread socket_errors) ))
MEMREAD_DISTINCT=$(field memread distinct)

# ---------------------------------------------------------------------------------------
section "5. memory, import path: 'kiln import' of the same $MEM_N into a data dir, then serve + reads"
IMPORT_START=$(date +%s.%N)
"$KILN" import $(store_args "$WORK/import-data") "$NDJSON" 2>"$WORK/import.log" | tee "$WORK/import.out" ||
  { tail -n 20 "$WORK/import.log" >&2; die "kiln import failed"; }
IMPORT_SECONDS=$(awk -v a="$IMPORT_START" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
start_server imported serve "$WORK/import-data"
sleep 1
IMP_START_KB=$(rss_kb)
echo "RSS right after start on the imported data: $IMP_START_KB kB"
run_wrk impread -t2 -c64 -d"$DURATION" --latency -s "$LUA/read_ndjson_ids.lua" \
  "http://127.0.0.1:$SERVER_PORT/fhir" -- "$NDJSON" 2
check_alive imported
IMP_KB=$(rss_kb)
echo "RSS after the reads: $IMP_KB kB"
stop_server
rm -rf "$WORK/import-data"
IMPREAD_BAD=$(( $(field impread non2xx) + $(field impread socket_errors) ))

# ---------------------------------------------------------------------------------------
# Targets (docs: bench/README.md).
# A target only passes when the run also had no failed requests.
read_ok() { ge "$READ_RPS" 20000 && lt "$READ_P99" 10 && [[ $READ_BAD -eq 0 ]]; }
create_ok() { ge "$CREATE_RATE" 5000 && [[ $CREATE_BAD -eq 0 ]]; }
idle_ok() { lt "$(mb "$IDLE_KB")" 60; }
mem_ok() { lt "$(mb "$MEM_KB")" 300 && [[ $LOAD_FAILED -eq 0 && $MEMREAD_BAD -eq 0 ]]; }
imp_ok() { lt "$(mb "$IMP_KB")" 300 && [[ $IMPREAD_BAD -eq 0 ]]; }
V_READ=$(verdict read_ok) V_CREATE=$(verdict create_ok) V_IDLE=$(verdict idle_ok)
V_MEM=$(verdict mem_ok) V_IMP=$(verdict imp_ok)

section "summary"
cat <<EOF
Kiln benchmarks ($([[ $QUICK -eq 1 ]] && echo quick || echo full) mode, $DURATION per measurement; $(nproc) cores shared by wrk and the server)

| Benchmark | Measured | Target | Verdict |
| --- | --- | --- | --- |
| Read by id, \`kiln serve\` (wrk -t2 -c64) | $(thousands "$READ_RPS") req/s; p50 $READ_P50 ms, p99 $READ_P99 ms; errors $READ_BAD | ≥ 20,000 req/s, p99 < 10 ms | $V_READ |
| Same GET, \`kiln bench-http\` (HTTP ceiling) | $(thousands "$CEIL_RPS") req/s; p50 $CEIL_P50 ms, p99 $CEIL_P99 ms | — | — |
| Read by id as a share of the ceiling | $RATIO % | — | — |
| Create Observation, POST (wrk -t2 -c32) | $(thousands "$CREATE_RATE") creates/s (201 only); p99 $CREATE_P99 ms; non-2xx/errors $CREATE_BAD; stored $STORED | ≥ 5,000/s | $V_CREATE |
| RSS idle right after start | $(mb "$IDLE_KB") MB | < 60 MB | $V_IDLE |
| RSS after $(thousands "$MEM_N") PUT over HTTP, then read back | $(mb "$MEM_KB") MB (after load $(mb "$LOADED_KB") MB, peak $(mb "$MEM_HWM_KB") MB) | < 300 MB | $V_MEM |
| ↳ the load: PUT $(thousands "$MEM_N") over HTTP (wrk -t2 -c32) | $(thousands "$LOAD_CREATED") created, $LOAD_FAILED failed, ${LOAD_SECONDS} s ($(thousands "$LOAD_RATE")/s) | — | — |
| ↳ the reads (wrk -t2 -c64, $DURATION) | $(thousands "$MEMREAD_OK") OK reads over $(thousands "$MEMREAD_DISTINCT") distinct ids; non-2xx/errors $MEMREAD_BAD | — | — |
| RSS after \`kiln import\` of $(thousands "$MEM_N"), start, read back | $(mb "$IMP_KB") MB (right after start $(mb "$IMP_START_KB") MB; import took $IMPORT_SECONDS s); read errors $IMPREAD_BAD | < 300 MB | $V_IMP |
EOF
