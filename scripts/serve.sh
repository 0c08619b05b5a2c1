#!/usr/bin/env bash
# Quick start: install what is missing, build a Release binary, and serve the FHIR API on
# http://localhost:8080/fhir with its data in ./kiln-data (embedded SQLite, no other service).
# Every FHIR request needs an access token: the first run registers a client `demo` (scope
# system/*.cruds) whose secret it keeps in kiln-data/demo-client.secret, and each run prints how
# to get a token with it. Extra arguments go to `kiln serve` (e.g. --port 9090; --no-auth serves
# without tokens, for development only).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_TESTS=OFF >/dev/null
cmake --build build --target kiln
data="${KILN_DATA_DIR:-kiln-data}"
secret_file="$data/demo-client.secret"
if [[ ! -s "$secret_file" ]]; then
  mkdir -p "$data"
  build/kiln client delete demo --data-dir "$data" >/dev/null 2>&1 || true  # its secret was lost
  secret=$(build/kiln client create --data-dir "$data" --id demo --scope "system/*.cruds" --generate-secret |
    sed -n 's/^secret (shown this once): //p')
  (umask 077 && printf '%s\n' "$secret" >"$secret_file")
fi
cat <<EOT

Kiln requires an access token for every FHIR request (client_credentials, SMART Backend Services).
Get one for the demo client (its secret is in $secret_file) and use it:

  TOKEN=\$(curl -s -u "demo:\$(cat $secret_file)" -d grant_type=client_credentials \\
          http://localhost:8080/auth/token | sed -E 's/.*"access_token":"([^"]+)".*/\1/')
  curl -s -H "Authorization: Bearer \$TOKEN" http://localhost:8080/fhir/Patient

Tokens last an hour. Register other clients with build/kiln client create (see docs/security.md).

EOT
exec build/kiln serve --data-dir "$data" "$@"
