#!/usr/bin/env bash
# Kiln bulk export benchmark: N resources (bench/gen_ndjson.py: one Patient for every four
# vital-sign Observations) are loaded with `kiln import`, then one system-level
# `$export` is timed from the kick-off through polling to the download of every file of the
# manifest, and the files are checked against what was loaded. Builds nothing: point KILN at a
# Release build (default build/kiln). The server listens on 127.0.0.1 only, lives in a temp
# dir, and is stopped (SIGTERM, by pid) on exit. See bench/README.md ("Export benchmark").
#
# Usage: [KILN=build/kiln] bench/export/run.sh [--quick]
#   --quick            200,000 resources instead of 1,000,000
#   EXPORT_N=1000000   overrides the number of resources
#   EXPORT_SEED=1      the data set's seed
# Needs: python3, curl.
set -euo pipefail

usage() { sed -n '9,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../lib.sh"
parse_quick "$@"
need_kiln python3 curl

if [[ $QUICK -eq 1 ]]; then N=${EXPORT_N:-200000}; else N=${EXPORT_N:-1000000}; fi
SEED=${EXPORT_SEED:-1}
TARGET=100000 # resources/s, kick-off to the last byte of the last file
SERVER_PID=""
SERVER_PORT=""
START_TICKS=300 # the imported database takes longer to open
enter_workdir kiln-export-bench

elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rss_mb() { awk '/^'"$2"':/ { printf "%.1f", $2 / 1000 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

echo "kiln: $KILN_SOURCE ($("$KILN" version 2>/dev/null || echo 'version unknown'))"
echo "mode: $([[ $QUICK -eq 1 ]] && echo quick || echo full), $(thousands "$N") resources, seed $SEED"
echo "machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo); curl and the server share it"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------
section "1. data set: gen_ndjson.py $N --seed $SEED, loaded with kiln import"
python3 "$HERE/../gen_ndjson.py" "$N" "$WORK/resources.ndjson" --seed "$SEED"
NDJSON_BYTES=$(stat -c %s "$WORK/resources.ndjson")
DATA=$WORK/data
"$KILN" import $(store_args "$DATA") "$WORK/resources.ndjson" 2>"$WORK/import.log" | tee "$WORK/import.out" ||
  { tail -n 20 "$WORK/import.log" >&2; die "kiln import failed"; }
IMPORTED=$(awk '/^imported/ {print $2}' "$WORK/import.out")
IMPORT_SECONDS=$(awk '/^imported/ {print $(NF-1)}' "$WORK/import.out")
[[ "$IMPORTED" == "$N" ]] || die "kiln import stored $IMPORTED of $N resources"
# What the files must hold: gen_ndjson.py writes max(1, N // 5) Patients, the rest Observations.
PATIENTS=$((N / 5 > 0 ? N / 5 : 1))
echo "{\"Patient\": $PATIENTS, \"Observation\": $((N - PATIENTS))}" >"$WORK/expected.json"
rm -f "$WORK/resources.ndjson" # the exported files take its place on disk

# ---------------------------------------------------------------------------------------
section "2. \$export: kick-off, polling every 0.1 s (Retry-After ignored), download of every file"
start_server export serve "$DATA"
BASE="http://127.0.0.1:$SERVER_PORT/fhir"
RSS_BEFORE=$(rss_mb "$SERVER_PID" VmRSS)
mkdir -p "$WORK/out"
T0=$(now)
curl -sS -o "$WORK/kickoff.json" -D "$WORK/kickoff.headers" -w '%{http_code}' \
  -H 'Prefer: respond-async' -H 'Accept: application/fhir+json' "$BASE/\$export" >"$WORK/kickoff.status"
[[ $(cat "$WORK/kickoff.status") == 202 ]] || die "kick-off answered $(cat "$WORK/kickoff.status"): $(cat "$WORK/kickoff.json")"
STATUS_URL=$(awk 'tolower($1) == "content-location:" { print $2 }' "$WORK/kickoff.headers" | tr -d '\r')
[[ -n "$STATUS_URL" ]] || die "the kick-off had no Content-Location"
POLLS=0
for _ in $(seq 36000); do
  POLLS=$((POLLS + 1))
  code=$(curl -sS -o "$WORK/manifest.json" -D "$WORK/status.headers" -w '%{http_code}' "$STATUS_URL")
  [[ $code == 200 ]] && break
  [[ $code == 202 ]] || die "status answered $code: $(cat "$WORK/manifest.json")"
  sleep 0.1
done
[[ $code == 200 ]] || die "the export did not complete within an hour"
T1=$(now)
mapfile -t URLS < <(python3 -c 'import json, sys; [print(o["url"]) for o in json.load(open(sys.argv[1]))["output"]]' "$WORK/manifest.json")
for url in "${URLS[@]}"; do
  curl -sS -f -o "$WORK/out/$(basename "$url")" "$url" || die "download of $url failed"
done
T2=$(now)
check_alive export
RSS_AFTER=$(rss_mb "$SERVER_PID" VmRSS)
RSS_PEAK=$(rss_mb "$SERVER_PID" VmHWM)
EXPORT_S=$(elapsed "$T0" "$T1") DOWNLOAD_S=$(elapsed "$T1" "$T2") TOTAL_S=$(elapsed "$T0" "$T2")
OUT_BYTES=$(find "$WORK/out" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }')
echo "kick-off to manifest: $EXPORT_S s ($POLLS status requests); download of ${#URLS[@]} files, $(mb_bytes "$OUT_BYTES") MB: $DOWNLOAD_S s"

# ---------------------------------------------------------------------------------------
section "3. checks: every file against the manifest and the data set; DELETE"
python3 - "$WORK/manifest.json" "$WORK/out" "$WORK/expected.json" <<'EOF' | tee "$WORK/check.out"
import json, os, sys
manifest = json.load(open(sys.argv[1]))
expected = {k: v for k, v in json.load(open(sys.argv[3])).items() if v}
problems, lines_by_type, ids = [], {}, set()
for o in manifest["output"]:
    path = os.path.join(sys.argv[2], os.path.basename(o["url"]))
    n = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            n += 1
            r = json.loads(line)
            if r["resourceType"] != o["type"]:
                problems.append(f"{path}: a {r['resourceType']} in a {o['type']} file")
            ids.add((r["resourceType"], r["id"]))
    if n != o.get("count"):
        problems.append(f"{path}: {n} lines, the manifest says {o.get('count')}")
    lines_by_type[o["type"]] = lines_by_type.get(o["type"], 0) + n
if lines_by_type != expected:
    problems.append(f"exported {lines_by_type}, loaded {expected}")
if len(ids) != sum(expected.values()):
    problems.append(f"{len(ids)} distinct resources in the files")
print(f"CHECK files={len(manifest['output'])} lines={sum(lines_by_type.values())} distinct={len(ids)} problems={len(problems)}")
for p in problems[:10]:
    print("  " + p)
EOF
PROBLEMS=$(awk '/^CHECK/ { for (i = 2; i <= NF; i++) if ($i ~ /^problems=/) { sub("problems=", "", $i); print $i } }' "$WORK/check.out")
DELETE_CODE=$(curl -sS -o /dev/null -w '%{http_code}' -X DELETE "$STATUS_URL")
AFTER_CODE=$(curl -sS -o /dev/null -w '%{http_code}' "$STATUS_URL")
echo "DELETE: $DELETE_CODE; status afterwards: $AFTER_CODE"
stop_server
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

RATE=$(awk -v n="$N" -v s="$TOTAL_S" 'BEGIN { printf "%.0f", n / s }')
EXPORT_RATE=$(awk -v n="$N" -v s="$EXPORT_S" 'BEGIN { printf "%.0f", n / s }')
ok() { [[ $PROBLEMS == 0 && $DELETE_CODE == 202 && $AFTER_CODE == 404 ]] && awk -v r="$RATE" -v t="$TARGET" 'BEGIN { exit !(r >= t) }'; }

section "summary"
cat <<EOF
Kiln export benchmark ($([[ $QUICK -eq 1 ]] && echo quick || echo full) mode; $(nproc) cores shared by curl and the server)
Data set: $(thousands "$N") resources (gen_ndjson.py, seed $SEED; $(mb_bytes "$NDJSON_BYTES") MB of ndjson), imported in $IMPORT_SECONDS s

| Benchmark | Measured | Target | Verdict |
| --- | --- | --- | --- |
| System \`\$export\`: kick-off → complete → download of all files | $(thousands "$N") resources in $TOTAL_S s: **$(thousands "$RATE") resources/s** (to the manifest $EXPORT_S s, $(thousands "$EXPORT_RATE")/s; download $DOWNLOAD_S s); ${#URLS[@]} files, $(mb_bytes "$OUT_BYTES") MB; checks: $PROBLEMS problems, DELETE $DELETE_CODE then $AFTER_CODE | ≥ $(thousands "$TARGET") resources/s | $(if ok; then echo PASS; else echo FAIL; fi) |
| Server RSS | $RSS_BEFORE MB before, $RSS_AFTER MB after, peak $RSS_PEAK MB | — | — |
EOF
