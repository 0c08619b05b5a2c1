#!/usr/bin/env bash
# Kiln bulk ingest benchmark (issue #4's targets): `kiln import` of N resources from ndjson
# (wall time and the importer's peak RSS), and transaction ingest over HTTP of Synthea-like
# patient Bundles (bench/search's data set, a few patients' whole records per Bundle, about
# 500 entries each, POSTed two at a time). Builds nothing: point KILN at a Release build
# (default build/kiln). Servers listen on 127.0.0.1 only, in a temp dir, stopped on exit.
#
# Usage: [KILN=build/kiln] bench/ingest/run.sh [--quick]
#   --quick                 200,000 resources for the import instead of 1,000,000, and 300
#                           patients (about 30,000 resources) for the transactions
#   IMPORT_N=1000000        resources for the import
#   INGEST_PATIENTS=1000    patients in the transaction data set (~101 resources each)
# Needs: python3, curl, GNU time (/usr/bin/time, Debian package time).
set -euo pipefail

usage() { sed -n '8,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVER_PID=""
SERVER_PORT=""
source "$HERE/../lib.sh"
START_TICKS=300

parse_quick "$@"
need_kiln python3 curl /usr/bin/time
if [[ $QUICK -eq 1 ]]; then N=${IMPORT_N:-200000}; PATIENTS=${INGEST_PATIENTS:-300}
else N=${IMPORT_N:-1000000}; PATIENTS=${INGEST_PATIENTS:-1000}; fi
enter_workdir kiln-ingest-bench


section "1. kiln import of $N resources from ndjson"
python3 "$HERE/../gen_ndjson.py" "$N" "$WORK/import.ndjson" >/dev/null
NDJSON_MB=$(python3 -c 'import os, sys; print(f"{os.path.getsize(sys.argv[1]) / 1e6:.1f}")' "$WORK/import.ndjson")
/usr/bin/time -f 'KILN_TIME wall=%e maxrss_kb=%M' "$KILN" import $(store_args "$WORK/import-data") \
  "$WORK/import.ndjson" >"$WORK/import.out" 2>"$WORK/import.err" || true
cat "$WORK/import.out"
grep KILN_TIME "$WORK/import.err" || die "the import did not finish: $(tail -5 "$WORK/import.err")"
IMPORTED=$(sed -n 's/^imported \([0-9]*\) resources, \([0-9]*\) failed.*/\1/p' "$WORK/import.out")
IMPORT_FAILED=$(sed -n 's/^imported \([0-9]*\) resources, \([0-9]*\) failed.*/\2/p' "$WORK/import.out")
IMPORT_WALL=$(sed -n 's/.*wall=\([0-9.]*\).*/\1/p' "$WORK/import.err")
IMPORT_RSS_MB=$(sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$WORK/import.err" | awk '{printf "%.0f", $1 * 1024 / 1e6}')
IMPORT_RATE=$(python3 -c 'import sys; print(round(int(sys.argv[1]) / float(sys.argv[2])))' "$IMPORTED" "$IMPORT_WALL")
V_IMPORT=$(verdict test "$IMPORT_RATE" -ge 40000 -a "$IMPORT_FAILED" -eq 0 -a "$IMPORTED" -eq "$N")
V_RSS=$(verdict test "$IMPORT_RSS_MB" -lt 1000)
rm -rf "$WORK/import-data" "$WORK/import.ndjson"

section "2. transaction ingest: $PATIENTS patients' records as transaction Bundles over HTTP"
python3 "$HERE/../search/gen_dataset.py" "$WORK/dataset" --patients "$PATIENTS" --seed 1 >/dev/null
python3 "$HERE/bundles.py" make "$WORK/dataset" "$WORK/bundles"
start_server ingest serve "$WORK/ingest-data"
python3 "$HERE/bundles.py" post "http://127.0.0.1:$SERVER_PORT/fhir" "$WORK/bundles" --clients 2 | tee "$WORK/ingest.out"
INGEST_LINE=$(grep KILN_INGEST "$WORK/ingest.out")
INGEST_ENTRIES=$(sed -n 's/.* entries=\([0-9]*\).*/\1/p' <<<"$INGEST_LINE")
INGEST_SECONDS=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$INGEST_LINE")
INGEST_FAILED=$(sed -n 's/.* failed=\([0-9]*\).*/\1/p' <<<"$INGEST_LINE")
INGEST_BUNDLES=$(sed -n 's/.* bundles=\([0-9]*\).*/\1/p' <<<"$INGEST_LINE")
INGEST_RATE=$(python3 -c 'import sys; print(round(int(sys.argv[1]) / float(sys.argv[2])))' "$INGEST_ENTRIES" "$INGEST_SECONDS")
STORED=$(curl -fsS "http://127.0.0.1:$SERVER_PORT/fhir/Observation?_summary=count" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
stop_server
V_INGEST=$(verdict test "$INGEST_RATE" -ge 20000 -a "$INGEST_FAILED" -eq 0)

section "summary"
cat <<TABLE
Kiln ingest benchmark ($([[ $QUICK -eq 1 ]] && echo "quick mode" || echo "full")); binary $KILN_SOURCE; 2 cores shared by the load and the server

| Benchmark | Measured | Target | Verdict |
| --- | --- | --- | --- |
| \`kiln import\` of $(thousands "$N") resources (ndjson, $NDJSON_MB MB; 1 Patient : 4 Observations) | $(thousands "$IMPORTED") stored, $IMPORT_FAILED failed, in $IMPORT_WALL s: $(thousands "$IMPORT_RATE") resources/s | ≥ 40,000/s | $V_IMPORT |
| Peak RSS of that import | $IMPORT_RSS_MB MB | < 1,000 MB | $V_RSS |
| Transaction ingest: $INGEST_BUNDLES Bundles of ~500 PUT entries, 2 clients | $(thousands "$INGEST_ENTRIES") entries in $INGEST_SECONDS s: $(thousands "$INGEST_RATE") resources/s; failed Bundles $INGEST_FAILED; Observations stored $STORED | ≥ 20,000/s | $V_INGEST |
TABLE
