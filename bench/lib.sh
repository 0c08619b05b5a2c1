#!/usr/bin/env bash
# Shared by bench/run.sh, bench/search/run.sh, bench/export/run.sh, bench/ingest/run.sh and bench/audit/run.sh: starting, checking and
# stopping servers, and running wrk. Sourced, not run. Uses the caller's KILN, WORK, SERVER_PID,
# SERVER_PORT and die().

# parse_quick ARGS...: sets QUICK=1 for --quick; -h/--help prints the caller's usage().
parse_quick() {
  QUICK=0
  for arg in "$@"; do
    case "$arg" in
      --quick) QUICK=1 ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
  done
}

# need_kiln TOOL...: KILN (default build/kiln) as an absolute path, and the tools on PATH.
need_kiln() {
  KILN=${KILN:-build/kiln}
  [[ -x "$KILN" ]] || die "no kiln binary at '$KILN' (build it, or set KILN=path/to/kiln)"
  KILN=$(realpath "$KILN")
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "'$tool' is not installed (Debian: apt-get install $tool)"
  done
}

# enter_workdir NAME: WORK, a temp dir removed on exit (with the server stopped), holding a
# private copy of the binary, so a rebuild of build/kiln during the run cannot mix two binaries.
# KILN_SOURCE keeps the original path.
enter_workdir() {
  WORK=$(mktemp -d -t "$1.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  cp "$KILN" "$WORK/kiln"
  KILN_SOURCE=$KILN
  KILN=$WORK/kiln
}

# Stops the current server (graceful SIGTERM; SIGKILL after 15 s so we never hang).
stop_server() {
  local pid=$SERVER_PID
  SERVER_PID=""
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq "${START_TICKS:-150}"); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "bench: server $pid ignored SIGTERM for 15 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  stop_server
  rm -rf "$WORK"
}

# store_args DATA_DIR: the options that put a server's or importer's data in DATA_DIR: just
# --data-dir, or with BENCH_PG_URL set (bench/postgres/run.sh), also --store with a PostgreSQL
# schema of that directory's own (the same one for every command on it), migrated first.
store_args() {
  local dir=$1
  if [[ -z "${BENCH_PG_URL:-}" ]]; then
    printf '%s\n' --data-dir "$dir"
    return
  fi
  local schema url sep='?'
  schema=b_$(printf '%s' "$dir" | md5sum | cut -c1-16)
  [[ "$BENCH_PG_URL" == *'?'* ]] && sep='&'
  url="$BENCH_PG_URL${sep}options=-csearch_path%3D$schema"
  mkdir -p "$dir"
  "$KILN" migrate --store "$url" >/dev/null || die "kiln migrate failed on $url"
  printf '%s\n' --data-dir "$dir" --store "$url"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server LOGNAME serve|bench-http [DATA_DIR]: starts one server on a free loopback port
# and waits until /fhir/metadata answers. Retries with another port if the first was taken
# between picking and binding.
start_server() {
  local name=$1 mode=$2 data_dir=${3:-} port
  local -a args=("$mode" --bind 127.0.0.1 --log-level warn)
  if [[ -n "$data_dir" ]]; then
    local -a store
    mapfile -t store < <(store_args "$data_dir")
    args+=("${store[@]}")
  fi
  # auth, audit: the benchmarks measure the FHIR API without tokens and without auditing
  # (docs/security.md, docs/audit.md), unless the caller sets SERVE_ARGS (bench/audit/run.sh).
  if [[ "$mode" == serve ]]; then
    # shellcheck disable=SC2206 # split on purpose: a list of options
    args+=(${SERVE_ARGS---no-auth --no-audit})
  fi
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$KILN" "${args[@]}" --port "$port" >"$WORK/$name.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq "${START_TICKS:-150}"); do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        break
      fi
      if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/fhir/metadata" 2>/dev/null; then
        SERVER_PORT=$port
        return 0
      fi
      sleep 0.1
    done
    [[ -z "$SERVER_PID" ]] || break # alive but silent: another port will not help
  done
  cat "$WORK/$name.log" >&2 || true
  die "could not start 'kiln $mode'"
}

# The benchmark is void if the server died under load.
check_alive() {
  if [[ -z "$SERVER_PID" ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
    local status=0
    wait "$SERVER_PID" 2>/dev/null || status=$?
    SERVER_PID=""
    tail -n 30 "$WORK/$1.log" >&2 || true
    if [[ $status -gt 128 ]]; then
      die "the server died during '$1' (killed by signal $((status - 128)))"
    fi
    die "the server died during '$1' (exit status $status)"
  fi
}

# run_wrk NAME WRK-ARGS...: runs wrk, shows its output and keeps it for `field`.
run_wrk() {
  local name=$1
  shift
  echo "\$ wrk $*"
  wrk "$@" | tee "$WORK/$name.wrk"
  grep -q '^KILN_RESULT ' "$WORK/$name.wrk" || die "wrk printed no KILN_RESULT line for '$name'"
}

# field NAME KEY: a value from the KILN_RESULT line that the wrk script's done() printed.
field() {
  grep '^KILN_RESULT ' "$WORK/$1.wrk" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'
}

# Number formatting and comparisons (awk, to stay in bash + coreutils), and section headings.
thousands() { awk -v n="$1" 'BEGIN { s = sprintf("%d", n + 0.5); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }
verdict() { if "$@"; then echo PASS; else echo FAIL; fi; }
dir_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%d", s }'; }
mb_bytes() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1e6 }'; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
section() { printf '\n=== %s ===\n' "$*"; }
