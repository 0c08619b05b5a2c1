#!/usr/bin/env bash
# Kiln on PostgreSQL, side by side with SQLite: the workloads of bench/run.sh (read by id,
# create, memory), bench/ingest/run.sh (transaction ingest) and bench/search/run.sh (search
# latencies), each run once on SQLite and once on a private PostgreSQL server (durable
# settings: fsync and synchronous_commit on) that this script starts on a temporary directory and
# a free loopback port and stops on exit; then a fault check: PostgreSQL restarted under a write
# load (bench/postgres/outage.py). Builds nothing: point KILN at a Release build.
#
# Usage: [KILN=build/kiln] bench/postgres/run.sh [--quick] [core|ingest|search|outage]...
#   (default: all four; --quick is passed on to the other harnesses)
# Needs: what the other harnesses need, and the Debian package postgresql.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
die() { echo "bench: $*" >&2; exit 1; }
QUICK=()
PARTS=()
for arg in "$@"; do
  case "$arg" in
    --quick) QUICK=(--quick) ;;
    core | ingest | search | outage) PARTS+=("$arg") ;;
    -h | --help) sed -n '9,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$arg'" ;;
  esac
done
((${#PARTS[@]})) || PARTS=(core ingest search outage)
KILN=$(realpath "${KILN:-build/kiln}")
export KILN

PG_DIR=$(mktemp -d /tmp/kiln-pg-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  [[ -z "$SERVER_PID" ]] || { kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }
  "$ROOT/scripts/pg-test-server.sh" stop "$PG_DIR"
}
trap cleanup EXIT
PG_URL=$(PG_DURABLE=1 "$ROOT/scripts/pg-test-server.sh" start "$PG_DIR")
echo "PostgreSQL: $PG_URL ($(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1))"

# run NAME SCRIPT: the harness on SQLite, then on PostgreSQL, with its output kept.
run() {
  local name=$1 script=$2
  echo; echo "##### $name on SQLite"
  "$script" "${QUICK[@]}" | tee "$PG_DIR/$name.sqlite.out"
  echo; echo "##### $name on PostgreSQL"
  BENCH_PG_URL=$PG_URL "$script" "${QUICK[@]}" | tee "$PG_DIR/$name.postgres.out"
}

for part in "${PARTS[@]}"; do
  case "$part" in
    core) run core "$ROOT/bench/run.sh" ;;
    ingest) run ingest "$ROOT/bench/ingest/run.sh" ;;
    search) run search "$ROOT/bench/search/run.sh" ;;
    outage)
      echo; echo "##### outage: PostgreSQL stopped for 3 s and started again under a write load"
      url="$PG_URL?options=-csearch_path%3Doutage"
      "$KILN" migrate --store "$url" >/dev/null
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
      "$KILN" serve --store "$url" --data-dir "$PG_DIR/outage" --no-auth --bind 127.0.0.1 --port "$port" \
        --log-level error >"$PG_DIR/outage.log" 2>&1 &
      SERVER_PID=$!
      for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/fhir/metadata" 2>/dev/null && break; sleep 0.1; done
      python3 "$HERE/outage.py" "$port" 12 &
      load=$!
      sleep 3
      pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
      as_pg() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
      as_pg "$pg_bin/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null
      sleep 3
      as_pg "$pg_bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
        -o "-p $(cat "$PG_DIR/port") -k $PG_DIR -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null
      wait "$load"
      kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
      ;;
  esac
done
