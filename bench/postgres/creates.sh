#!/usr/bin/env bash
# Single creates on PostgreSQL, two binaries alternated: POST /fhir/Observation (~1.2 KB,
# wrk -t2 -c32, as benchmark 3 of bench/run.sh) against `kiln serve --no-auth --no-audit` on a
# private PostgreSQL server with durable settings (fsync and synchronous_commit on), each run on
# a new schema after a CHECKPOINT. Alternating A B A B ... evens out what this machine's
# PostgreSQL does in the background (checkpoints, autovacuum), which moves single runs by 2×.
#
# Usage: bench/postgres/creates.sh A_BINARY B_BINARY [ROUNDS (3)] [DURATION (8s)]
# Needs: wrk, curl, python3, and the Debian package postgresql.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LUA=$ROOT/bench/wrk
usage() { sed -n '8,9p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || { usage >&2; exit 2; }
A=$(realpath "$1") B=$(realpath "$2") ROUNDS=${3:-3} DURATION=${4:-8s}
source "$ROOT/bench/lib.sh"
KILN=$A need_kiln wrk curl python3

SERVER_PID=""
SERVER_PORT=""
KILN=$A
enter_workdir kiln-bench-creates
cp "$A" "$WORK/a" && cp "$B" "$WORK/b"
PG_DIR=$(mktemp -d /tmp/kiln-pg-bench.XXXXXX) # not under WORK: PostgreSQL runs as its own user
pg_stop() { "$ROOT/scripts/pg-test-server.sh" stop "$PG_DIR" >/dev/null 2>&1 || true; }
trap 'stop_server; pg_stop; rm -rf "$WORK"' EXIT
export BENCH_PG_URL
BENCH_PG_URL=$(PG_DURABLE=1 "$ROOT/scripts/pg-test-server.sh" start "$PG_DIR")
echo "PostgreSQL: $BENCH_PG_URL; $ROUNDS rounds of $DURATION each, A=$A, B=$B"

declare -A RATES=([a]="" [b]="")
for round in $(seq "$ROUNDS"); do
  for which in a b; do
    KILN=$WORK/$which
    psql -q "$BENCH_PG_URL" -c CHECKPOINT >/dev/null
    start_server "$which$round" serve "$WORK/data-$which-$round"
    run_wrk "$which$round" -t2 -c32 -d"$DURATION" --latency -s "$LUA/create_observation.lua" \
      "http://127.0.0.1:$SERVER_PORT/fhir/Observation" >/dev/null
    check_alive "$which$round"
    stop_server
    rate=$(field "$which$round" created_per_s) bad=$(($(field "$which$round" non2xx) + $(field "$which$round" socket_errors)))
    echo "round $round ${which^^}: $(thousands "$rate") creates/s, p99 $(field "$which$round" p99_ms) ms, non-2xx/errors $bad"
    RATES[$which]+="$(thousands "$rate")/s "
  done
done
echo
echo "A: ${RATES[a]}"
echo "B: ${RATES[b]}"
