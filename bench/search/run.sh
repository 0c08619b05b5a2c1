#!/usr/bin/env bash
# Kiln search benchmark: a Synthea-like data set of ~100,000 resources is imported with
# `kiln import`, then four typical searches are timed one request at a time (wrk -t1 -c1),
# and a create benchmark runs on an empty server. Builds nothing: point KILN at a Release
# build (default build/kiln). Every server it starts listens on 127.0.0.1 only, lives in a
# temp dir, and is stopped (SIGTERM, by pid) on exit. See bench/README.md ("Search benchmark").
#
# Usage: [KILN=build/kiln] bench/search/run.sh [--quick]
#   --quick                 5 s measurements instead of 10 s (the data set stays the same:
#                           the targets are stated for ~100,000 resources)
#   BENCH_DURATION=10s      overrides the measurement length (wrk -d syntax)
#   SEARCH_PATIENTS=1000    patients in the data set (~101 resources each)
#   SEARCH_SEED=1           the data set's seed
# Needs: wrk (Debian package wrk), python3, curl.
set -euo pipefail

usage() { sed -n '8,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LUA=$HERE/../wrk # the shared scripts of bench/run.sh (create_observation.lua, common.lua)
source "$HERE/../lib.sh"
parse_quick "$@"
need_kiln wrk python3 curl

if [[ $QUICK -eq 1 ]]; then DURATION=${BENCH_DURATION:-5s}; WARMUP=1s; else DURATION=${BENCH_DURATION:-10s}; WARMUP=2s; fi
PATIENTS=${SEARCH_PATIENTS:-1000}
SEED=${SEARCH_SEED:-1}

SERVER_PID=""
SERVER_PORT=""
START_TICKS=300  # the imported database takes longer to open
enter_workdir kiln-search-bench

# check NAME KEY: a value from the CHECK line that check_queries.py printed.
check() {
  grep '^CHECK ' "$WORK/$1.check" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'
}

echo "kiln: $KILN_SOURCE ($("$KILN" version 2>/dev/null || echo 'version unknown'))"
echo "mode: $([[ $QUICK -eq 1 ]] && echo quick || echo full), measurement $DURATION, warm-up $WARMUP per query, $PATIENTS patients, seed $SEED"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); wrk and the server share it"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
section "1. create: POST /fhir/Observation (~1.2 KB) on an EMPTY server, wrk -t2 -c32"
start_server create serve "$WORK/create-data"
# /proc/PID/io write_bytes: bytes the server caused to be written to storage.
WB0=$(awk '/^write_bytes:/ {print $2}' "/proc/$SERVER_PID/io" 2>/dev/null || echo "")
run_wrk create -t2 -c32 -d"$DURATION" --latency -s "$LUA/create_observation.lua" \
  "http://127.0.0.1:$SERVER_PORT/fhir/Observation"
check_alive create
WB1=$(awk '/^write_bytes:/ {print $2}' "/proc/$SERVER_PID/io" 2>/dev/null || echo "")
STORED=$(curl -fsS "http://127.0.0.1:$SERVER_PORT/fhir/Observation?_summary=count" |
  python3 -c 'import json, sys; print(json.load(sys.stdin).get("total", "?"))')
stop_server
CREATE_DB_BYTES=$(dir_bytes "$WORK/create-data")
rm -rf "$WORK/create-data"
CREATE_RATE=$(field create created_per_s) CREATE_P50=$(field create p50_ms) CREATE_P99=$(field create p99_ms)
CREATED=$(field create created) CREATE_BAD=$(( $(field create non2xx) + $(field create socket_errors) ))
echo "201 responses: $CREATED; Observations the server reports holding: $STORED"
if [[ -n "$WB0" && -n "$WB1" && "$STORED" =~ ^[0-9]+$ && $STORED -gt 0 ]]; then
  WRITE_PER_CREATE=$(awk -v a="$WB0" -v b="$WB1" -v n="$STORED" 'BEGIN { printf "%.1f", (b - a) / n / 1000 }')
  DB_PER_CREATE=$(awk -v b="$CREATE_DB_BYTES" -v n="$STORED" 'BEGIN { printf "%.1f", b / n / 1000 }')
  echo "server wrote $(( WB1 - WB0 )) bytes to storage: $WRITE_PER_CREATE kB per stored Observation; data dir $CREATE_DB_BYTES bytes after stop ($DB_PER_CREATE kB per Observation)"
  CREATE_EXTRA="; storage writes $WRITE_PER_CREATE kB per create, data dir $DB_PER_CREATE kB per create"
else
  CREATE_EXTRA=""
fi

# ---------------------------------------------------------------------------------------
section "2. data set: $PATIENTS Synthea-like patients (gen_dataset.py --seed $SEED)"
DATASET=$WORK/dataset
python3 "$HERE/gen_dataset.py" "$DATASET" --patients "$PATIENTS" --seed "$SEED"
RESOURCES=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["resources"])' "$DATASET/summary.json")
BY_TYPE=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1]))["by_type"]; print(", ".join(f"{v:,} {k}" for k, v in d.items()))' "$DATASET/summary.json")
NDJSON_BYTES=$(find "$DATASET" -maxdepth 1 -name '*.ndjson' -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
echo "$RESOURCES resources ($(mb_bytes "$NDJSON_BYTES") MB of ndjson): $BY_TYPE"

# ---------------------------------------------------------------------------------------
section "3. kiln import of the $RESOURCES resources into an empty data dir"
DATA=$WORK/search-data
echo "\$ kiln import --data-dir DATA $(cd "$DATASET" && echo *.ndjson)"
IMPORT_START=$(now)
"$KILN" import $(store_args "$DATA") "$DATASET"/*.ndjson 2>"$WORK/import.log" | tee "$WORK/import.out" ||
  { tail -n 20 "$WORK/import.log" >&2; die "kiln import failed (the failures are above)"; }
IMPORT_WALL=$(since "$IMPORT_START")
# "imported N resources, F failed, in S s"
IMPORTED=$(awk '/^imported/ {print $2}' "$WORK/import.out")
IMPORT_FAILED=$(awk '/^imported/ {print $4}' "$WORK/import.out")
IMPORT_SECONDS=$(awk '/^imported/ {print $(NF-1)}' "$WORK/import.out")
IMPORT_RATE=$(awk -v n="$IMPORTED" -v s="$IMPORT_SECONDS" 'BEGIN { printf "%.0f", n / s }')
echo "import: $IMPORTED stored, $IMPORT_FAILED failed, $IMPORT_SECONDS s by its own clock ($IMPORT_RATE resources/s), $IMPORT_WALL s wall"
[[ "$IMPORTED" == "$RESOURCES" ]] || die "kiln import stored $IMPORTED of $RESOURCES resources"

echo "data dir after the import:"
find "$DATA" -type f -printf '  %f %s bytes\n'
DB_BYTES=$(dir_bytes "$DATA")
DB_PER_100K=$(awk -v b="$DB_BYTES" -v n="$RESOURCES" 'BEGIN { printf "%.1f", b / n * 100000 / 1e6 }')
DB_PER_RES=$(awk -v b="$DB_BYTES" -v n="$RESOURCES" 'BEGIN { printf "%.2f", b / n / 1000 }')
echo "total $DB_BYTES bytes = $(mb_bytes "$DB_BYTES") MB; $DB_PER_100K MB per 100,000 resources ($DB_PER_RES kB per resource; the ndjson was $(mb_bytes "$NDJSON_BYTES") MB)"

# ---------------------------------------------------------------------------------------
section "4. searches on the imported data: correctness checks"
start_server search serve "$DATA"
BASE="http://127.0.0.1:$SERVER_PORT/fhir"
QUERIES=(obs_patient_code patient_name docref_chain encounter_location)
for q in "${QUERIES[@]}"; do
  first=$(head -n 1 "$DATASET/queries/$q.txt")
  echo "\$ curl -H 'Prefer: handling=strict' '$BASE$first'"
  printf '  HTTP %s; ' "$(curl -sS -o "$WORK/$q.first.json" -w '%{http_code}' -H 'Prefer: handling=strict' "$BASE$first")"
  python3 "$HERE/check_queries.py" --count <"$WORK/$q.first.json" | tee "$WORK/$q.first"
  extra=()
  [[ $q == encounter_location ]] && extra=(--expect-includes)
  echo "  every URL of queries/$q.txt, against the counts gen_dataset.py expects:"
  python3 "$HERE/check_queries.py" "$BASE" "$DATASET/queries/$q.txt" \
    --expected "$DATASET/queries/$q.expected" "${extra[@]}" | tee "$WORK/$q.check"
done
check_alive search

# ---------------------------------------------------------------------------------------
section "5. searches: latency, one request at a time (wrk -t1 -c1 -d$DURATION), cycling through each list"
for q in "${QUERIES[@]}"; do
  echo
  echo "--- $q ($(wc -l <"$DATASET/queries/$q.txt") URLs, e.g. $(head -n 1 "$DATASET/queries/$q.txt"))"
  # A short unmeasured run first, so the measurement starts from a warm server.
  wrk -t1 -c1 -d"$WARMUP" -s "$HERE/cycle_urls.lua" "$BASE" -- "$DATASET/queries/$q.txt" >/dev/null
  run_wrk "$q" -t1 -c1 -d"$DURATION" --latency -s "$HERE/cycle_urls.lua" "$BASE" -- "$DATASET/queries/$q.txt"
  check_alive search
done
stop_server
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
# Targets (docs: bench/README.md). A search target only passes when its wrk run had no
# errors and every URL of its list answered with exactly the matches the data set holds.
declare -A P50 P99 RPS BAD OKCHECK MATCHES
for q in "${QUERIES[@]}"; do
  P50[$q]=$(field "$q" p50_ms) P99[$q]=$(field "$q" p99_ms) RPS[$q]=$(field "$q" rps)
  BAD[$q]=$(( $(field "$q" non2xx) + $(field "$q" socket_errors) ))
  if [[ $(check "$q" failed) -eq 0 && $(check "$q" empty) -eq 0 && $(check "$q" wrong) -eq 0 ]]; then
    OKCHECK[$q]=1
  else
    OKCHECK[$q]=0
  fi
  MATCHES[$q]="matches/query $(check "$q" matches_min)–$(check "$q" matches_max) (median $(check "$q" matches_median))"
done
MATCHES[encounter_location]+=", includes $(check encounter_location includes_min)–$(check encounter_location includes_max)"
clean() { [[ ${BAD[$1]} -eq 0 && ${OKCHECK[$1]} -eq 1 ]]; }
obs_ok() { clean obs_patient_code && lt "${P50[obs_patient_code]}" 2 && lt "${P99[obs_patient_code]}" 10; }
pat_ok() { clean patient_name && lt "${P50[patient_name]}" 5; }
doc_ok() { clean docref_chain && lt "${P50[docref_chain]}" 10; }
enc_ok() { clean encounter_location && lt "${P50[encounter_location]}" 15; }
checks() {
  local q=$1
  echo "$(check "$q" urls) URLs: $(check "$q" failed) failed, $(check "$q" empty) empty, $(check "$q" wrong) wrong"
}
row() { # row LABEL QUERY TARGET VERDICT
  echo "| $1 | $(thousands "${RPS[$2]}") req/s; p50 ${P50[$2]} ms, p99 ${P99[$2]} ms; errors ${BAD[$2]}; ${MATCHES[$2]}; checks: $(checks "$2") | $3 | $4 |"
}

section "summary"
cat <<EOF
Kiln search benchmark ($([[ $QUICK -eq 1 ]] && echo quick || echo full) mode, $DURATION per measurement; $(nproc) cores shared by wrk and the server)
Data set: $(thousands "$RESOURCES") resources for $(thousands "$PATIENTS") patients (seed $SEED): $BY_TYPE

| Benchmark | Measured | Target | Verdict |
| --- | --- | --- | --- |
| \`kiln import\` of the data set | $(thousands "$IMPORTED") stored, $IMPORT_FAILED failed, in $IMPORT_SECONDS s: $(thousands "$IMPORT_RATE") resources/s ($IMPORT_WALL s wall) | — | — |
| Data dir size after the import | $(mb_bytes "$DB_BYTES") MB; $DB_PER_100K MB per 100,000 resources ($DB_PER_RES kB/resource; ndjson $(mb_bytes "$NDJSON_BYTES") MB) | — | — |
$(row "\`Observation?patient=X&code=Y\` (wrk -t1 -c1)" obs_patient_code "p50 < 2 ms, p99 < 10 ms" "$(verdict obs_ok)")
$(row "\`Patient?name=smi&birthdate=ge1970\` and other prefixes/years" patient_name "p50 < 5 ms" "$(verdict pat_ok)")
$(row "\`DocumentReference?subject.identifier=…mrn\\|MRN-n&period=ge2013-01-01\` (chain)" docref_chain "p50 < 10 ms" "$(verdict doc_ok)")
$(row "\`Encounter?location=Location/L&_include=Encounter:subject&_count=50\`" encounter_location "p50 < 15 ms" "$(verdict enc_ok)")
| Create Observation on an empty server, POST (wrk -t2 -c32) | $(thousands "$CREATE_RATE") creates/s (201 only); p50 $CREATE_P50 ms, p99 $CREATE_P99 ms; non-2xx/errors $CREATE_BAD; stored $STORED$CREATE_EXTRA | compare with bench/run.sh benchmark 3 | — |
EOF
