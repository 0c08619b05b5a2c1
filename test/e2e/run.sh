#!/usr/bin/env bash
# End-to-end test: starts a throwaway `kiln serve` on a free loopback port with an empty
# data dir, runs a test suite against it, stops the server with SIGTERM and exits with the test
# runner's exit code. Suites: crud (default; crud.test.mjs, fhir-kit-client, served with
# --no-auth), oauth (oauth.test.mjs, openid-client: tokens required, and the clients and the
# user it needs registered with `kiln client` and `kiln user` first) and backend
# (backend.test.mjs, jose: SMART Backend Services assertions, with a client whose keys jose made).
#
# Usage: test/e2e/run.sh path/to/kiln [crud|oauth|backend]
# Needs: node >= 20 and npm (for `npm ci` on first use), python3 (to pick a free port), curl.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 path/to/kiln [crud|oauth|backend]" >&2
  exit 2
fi
SUITE=${2:-crud}
if [[ "$SUITE" != crud && "$SUITE" != oauth && "$SUITE" != backend ]]; then
  echo "unknown suite: $SUITE" >&2
  exit 2
fi
KILN_BIN=$(realpath "$1")
if [[ ! -x "$KILN_BIN" ]]; then
  echo "not an executable: $1" >&2
  exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

WORK=$(mktemp -d -t kiln-e2e.XXXXXX)
SERVER_PID=""

# Always stop the server we started (by its pid) and remove the temp dir, however we exit.
# shellcheck disable=SC2317 # invoked by the EXIT trap
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Give the graceful shutdown 10 s, then insist, so the script never hangs.
    for _ in $(seq 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "kiln did not stop on SIGTERM within 10 s; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The kernel hands out an unused port for port 0; another process could take it before the
# server binds, so starting is retried with a new port below.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts the server and waits (at most 15 s) for /fhir/metadata to answer 200.
# Returns non-zero if the server died first (e.g. the port was taken meanwhile).
start_server() {
  local port=$1
  # KILN_BASE_URL is the test's setting, not the server's --base-url: keep it out of its env.
  # crud: --no-auth, that suite is about the FHIR API; oauth: tokens required, as by default.
  local auth=()
  [[ "$SUITE" == crud ]] && auth=(--no-auth)
  env -u KILN_BASE_URL "$KILN_BIN" serve --bind 127.0.0.1 --port "$port" \
    --data-dir "$WORK/data" --log-level warn "${auth[@]}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 150); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      return 1
    fi
    if curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/fhir/metadata" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "kiln did not answer /fhir/metadata within 15 s" >&2
  return 1
}

# Install the pinned clients from package-lock.json once; later runs reuse node_modules, until
# the lock file changes (npm ci keeps a copy of the lock it installed in node_modules/). Suites
# run in parallel (ctest -j) take turns, so that only one of them installs.
(
  flock 9
  if [[ ! -f "$HERE/node_modules/.package-lock.json" ||
    "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]]; then
    cd "$HERE" && npm ci --no-audit --no-fund
  fi
) 9>"${TMPDIR:-/tmp}/kiln-e2e-npm.lock"

# oauth: what the suite signs in with (docs/security.md): a backend client, a public SMART app
# and a user who may read in the default tenant.
if [[ "$SUITE" == oauth ]]; then
  export KILN_E2E_SECRET=e2e-backend-secret-0123456789abcdef0123 KILN_E2E_PASSWORD=e2e-password-123
  export KILN_E2E_REDIRECT=http://127.0.0.1/e2e/callback
  "$KILN_BIN" client create --data-dir "$WORK/data" --id e2e-backend --secret "$KILN_E2E_SECRET" \
    --scope "system/*.cruds" >/dev/null
  "$KILN_BIN" client create --data-dir "$WORK/data" --id e2e-app --public --redirect-uri "$KILN_E2E_REDIRECT" \
    --scope "launch/patient offline_access patient/*.rs user/*.cruds" >/dev/null
  "$KILN_BIN" user create --data-dir "$WORK/data" --id e2e-user --password "$KILN_E2E_PASSWORD" \
    --member default:reader >/dev/null
fi

# backend: a SMART Backend Services client whose key pairs jose made (ES384 and RS384), registered
# with its public JWKS, one that signs HS256 assertions with its secret, and one registered with
# the URL of its JWKS, which backend.test.mjs serves on KILN_E2E_JWKS_PORT.
if [[ "$SUITE" == backend ]]; then
  export KILN_E2E_PRIVATE_KEYS="$WORK/backend-private-keys.json"
  export KILN_E2E_HS_SECRET=e2e-hs256-secret-0123456789abcdef0123456789
  (cd "$HERE" && node backend-keys.mjs "$WORK")
  "$KILN_BIN" client create --data-dir "$WORK/data" --id e2e-bulk --jwks "$WORK/backend-jwks.json" \
    --scope "system/Patient.cruds system/Observation.rs" >/dev/null
  "$KILN_BIN" client create --data-dir "$WORK/data" --id e2e-hs --secret "$KILN_E2E_HS_SECRET" \
    --scope "system/Patient.rs" >/dev/null
  # And one that publishes its keys at a URL (SMART's jwks_url), served by the test itself.
  KILN_E2E_JWKS_PORT=$(free_port)
  export KILN_E2E_JWKS_PORT
  "$KILN_BIN" client create --data-dir "$WORK/data" --id e2e-jwks-url \
    --jwks "http://127.0.0.1:$KILN_E2E_JWKS_PORT/.well-known/jwks.json" --scope "system/Patient.rs" >/dev/null
fi

PORT=""
for _ in 1 2 3 4 5; do
  candidate=$(free_port)
  if start_server "$candidate"; then
    PORT=$candidate
    break
  fi
  if [[ -n "$SERVER_PID" ]]; then
    break # alive but not answering: a new port will not help
  fi
done
if [[ -z "$PORT" ]]; then
  echo "could not start kiln; its log:" >&2
  cat "$WORK/server.log" >&2 || true
  exit 1
fi
echo "kiln serving on http://127.0.0.1:$PORT/fhir (data dir $WORK/data)"

rc=0
(cd "$HERE" && KILN_BASE_URL="http://127.0.0.1:$PORT/fhir" node --test "$SUITE.test.mjs") || rc=$?

if [[ $rc -ne 0 ]]; then
  echo "--- kiln log (last 50 lines) ---" >&2
  tail -n 50 "$WORK/server.log" >&2 || true
fi
exit "$rc"
