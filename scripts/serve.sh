#!/usr/bin/env bash
# Quick start: install what is missing, build a Release binary, and serve the FHIR API on
# http://localhost:8080/fhir with its data in ./kiln-data (embedded SQLite, no other service).
# Extra arguments go to `kiln serve` (e.g. --port 9090).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_TESTS=OFF >/dev/null
cmake --build build --target kiln
exec build/kiln serve --data-dir "${KILN_DATA_DIR:-kiln-data}" "$@"
