#!/usr/bin/env bash
# Kiln audit and token benchmark (docs/audit.md): read by id (GET /fhir/Patient/{id}, wrk -t2
# -c64, keep-alive) four ways: without tokens and without auditing (the foundation's figure,
# bench/run.sh's benchmark 1), with auditing only, with a bearer token only, and with both. Then
# checks that every read of the audited runs left an AuditEvent. Builds nothing: point KILN at
# a Release build (default build/kiln). Every server listens on 127.0.0.1 only, lives in a temp
# dir, and is stopped (SIGTERM, by pid) on exit.
#
# Usage: [KILN=build/kiln] bench/audit/run.sh [--quick]
#   --quick               5 s measurements instead of 20 s
#   BENCH_DURATION=10s    overrides the measurement length (wrk -d syntax)
# Needs: wrk (Debian package wrk), python3, curl.
set -euo pipefail

usage() { sed -n '9,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LUA=$HERE/../wrk # bench/run.sh's scripts (get.lua, common.lua)
source "$HERE/../lib.sh"
parse_quick "$@"
need_kiln wrk python3 curl

if [[ $QUICK -eq 1 ]]; then DURATION=${BENCH_DURATION:-5s}; WARMUP=1s; else DURATION=${BENCH_DURATION:-20s}; WARMUP=3s; fi
SECRET=bench-client-secret-0123456789abcdef-0123

SERVER_PID=""
SERVER_PORT=""
enter_workdir kiln-audit-bench

json_field() { python3 -c "import json, sys; print(json.load(sys.stdin)[\"$1\"])"; }

# read_run NAME AUTH(0|1) AUDIT(0|1): one server on a new data dir, one Patient, the read
# workload; sets RPS_<NAME>, P99_<NAME>, BAD_<NAME> and READS_<NAME>.
read_run() {
  local name=$1 auth=$2 audit=$3 data=$WORK/$1-data base token="" patient
  local -a header=()
  SERVE_ARGS=""
  [[ $auth -eq 1 ]] || SERVE_ARGS+=" --no-auth"
  [[ $audit -eq 1 ]] || SERVE_ARGS+=" --no-audit"
  if [[ $auth -eq 1 ]]; then
    "$KILN" client create --data-dir "$data" --id bench --secret "$SECRET" --scope "system/*.cruds" >/dev/null
  fi
  start_server "$name" serve "$data"
  base=http://127.0.0.1:$SERVER_PORT
  if [[ $auth -eq 1 ]]; then
    token=$(curl -fsS -u "bench:$SECRET" -d grant_type=client_credentials "$base/auth/token" | json_field access_token)
    header=(-H "Authorization: Bearer $token")
  fi
  patient=$(curl -fsS -X POST "${header[@]}" -H 'Content-Type: application/fhir+json' \
    --data '{"resourceType":"Patient","name":[{"family":"Bench","given":["Read"]}],"gender":"female","birthDate":"1970-01-01"}' \
    "$base/fhir/Patient" | json_field id)
  curl -fsS -o /dev/null "${header[@]}" "$base/fhir/Patient/$patient" || die "cannot read back Patient/$patient"
  wrk -t2 -c64 -d"$WARMUP" "${header[@]}" "$base/fhir/Patient/$patient" >/dev/null
  run_wrk "$name" -t2 -c64 -d"$DURATION" --latency -s "$LUA/get.lua" "${header[@]}" "$base/fhir/Patient/$patient"
  check_alive "$name"
  printf -v "RPS_$name" '%s' "$(field "$name" rps)"
  printf -v "P99_$name" '%s' "$(field "$name" p99_ms)"
  printf -v "BAD_$name" '%s' "$(( $(field "$name" socket_errors) + $(field "$name" status_errors) ))"
  printf -v "READS_$name" '%s' "$(field "$name" requests)"
  if [[ $audit -eq 1 ]]; then
    # A graceful stop stores what is queued; then count what was stored.
    stop_server
    start_server "$name-count" serve "$data"
    base=http://127.0.0.1:$SERVER_PORT
    if [[ $auth -eq 1 ]]; then
      token=$(curl -fsS -u "bench:$SECRET" -d grant_type=client_credentials "$base/auth/token" | json_field access_token)
      header=(-H "Authorization: Bearer $token")
    fi
    printf -v "EVENTS_$name" '%s' "$(curl -fsS "${header[@]}" \
      "$base/fhir/AuditEvent?entity=Patient/$patient&subtype=read&_summary=count" | json_field total)"
  fi
  stop_server
  rm -rf "$data"
}

echo "kiln: $KILN_SOURCE ($("$KILN" version 2>/dev/null || echo 'version unknown'))"
echo "mode: $([[ $QUICK -eq 1 ]] && echo quick || echo full), measurement $DURATION, warm-up $WARMUP"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); wrk and the server share it"

section "1. no token, no auditing (--no-auth --no-audit): the foundation's configuration"
read_run plain 0 0
section "2. auditing, no token (--no-auth)"
read_run audit 0 1
section "3. bearer token, no auditing (--no-audit)"
read_run token 1 0
section "4. bearer token and auditing (the default)"
read_run both 1 1

pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", 100 * a / b }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
AUDIT_PCT=$(pct "$RPS_audit" "$RPS_plain")
TOKEN_COST=$(awk -v a="$RPS_token" -v b="$RPS_plain" 'BEGIN { printf "%.0f", 100 * (1 - a / b) }')
BOTH_PCT=$(pct "$RPS_both" "$RPS_plain")
BOTH_AUDIT_PCT=$(pct "$RPS_both" "$RPS_token")

section "summary"
echo "| configuration | reads/s | p99 ms | errors | AuditEvents stored |"
echo "| --- | --- | --- | --- | --- |"
echo "| no token, no auditing | $(thousands "$RPS_plain") | $P99_plain | $BAD_plain | - |"
echo "| auditing, no token | $(thousands "$RPS_audit") | $P99_audit | $BAD_audit | $EVENTS_audit of $READS_audit reads (+ warm-up) |"
echo "| token, no auditing | $(thousands "$RPS_token") | $P99_token | $BAD_token | - |"
echo "| token and auditing | $(thousands "$RPS_both") | $P99_both | $BAD_both | $EVENTS_both of $READS_both reads (+ warm-up) |"
echo
echo "| target | measured | verdict |"
echo "| --- | --- | --- |"
echo "| reads with auditing >= 70% of without (no token) | ${AUDIT_PCT}% | $(verdict ge "$AUDIT_PCT" 70) |"
echo "| reads with auditing >= 70% of without (with token) | ${BOTH_AUDIT_PCT}% | $(verdict ge "$BOTH_AUDIT_PCT" 70) |"
echo "| token verification adds < 10% per request | ${TOKEN_COST}% | $(verdict lt "$TOKEN_COST" 10) |"
all_stored() { [[ $EVENTS_audit -ge $READS_audit && $EVENTS_both -ge $READS_both ]]; }
echo "| every measured read left an AuditEvent | $EVENTS_audit >= $READS_audit, $EVENTS_both >= $READS_both | $(verdict all_stored) |"
echo
echo "token and auditing vs the foundation's configuration: ${BOTH_PCT}% ($(thousands "$RPS_both") vs $(thousands "$RPS_plain") reads/s)"
