#!/usr/bin/env bash
# Shared by bench/run.sh and bench/search/run.sh: starting, checking and stopping servers, and
# running wrk. Sourced, not run. Uses the caller's KILN, WORK, SERVER_PID, SERVER_PORT and die().

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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# start_server LOGNAME serve|bench-http [DATA_DIR]: starts one server on a free loopback port
# and waits until /fhir/metadata answers. Retries with another port if the first was taken
# between picking and binding.
start_server() {
  local name=$1 mode=$2 data_dir=${3:-} port
  local -a args=("$mode" --bind 127.0.0.1 --log-level warn)
  [[ -n "$data_dir" ]] && args+=(--data-dir "$data_dir")
  # auth: the benchmarks measure the FHIR API without tokens (docs/security.md).
  [[ "$mode" == serve ]] && args+=(--no-auth)
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
