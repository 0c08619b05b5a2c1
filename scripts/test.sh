#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. format and layering checks;
#   2. the unit and HTTP tests built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the Release build's full suite (units, HTTP, process and end-to-end tests), and the HTTP
#      suite once more on PostgreSQL ("pg." tests: a private server on a temporary directory and
#      port, stopped at the end, also on failure) -- last, so the final line is ctest's summary.
# Test material outside the repo: the official R4 examples (npm hl7.fhir.r4.examples@4.0.1),
# fetched into .cache/; tests that need it skip loudly when it cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
scripts/install-deps.sh --test

jobs=$(nproc)
export CCACHE_DIR="${CCACHE_DIR:-$root/.cache/ccache}"

echo "== format and layering checks"
mapfile -t sources < <(git ls-files '*.cc' '*.h' 2>/dev/null || find src test -name '*.cc' -o -name '*.h')
clang-format --dry-run -Werror "${sources[@]}"
tools/check_layers.sh

echo "== official R4 examples"
examples="$root/.cache/r4/package"
if [[ ! -f "$examples/StructureDefinition-Patient.json" ]]; then
  mkdir -p .cache/r4
  (cd .cache/r4 && npm pack --silent hl7.fhir.r4.examples@4.0.1 >/dev/null && tar xzf hl7.fhir.r4.examples-4.0.1.tgz) ||
    echo "*** could not fetch hl7.fhir.r4.examples@4.0.1: the official-examples test will SKIP ***"
fi
[[ -f "$examples/StructureDefinition-Patient.json" ]] || examples=""

echo "== sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DKILN_SANITIZE=ON -DKILN_R4_EXAMPLES="$examples" >/dev/null
cmake --build build-asan -j "$jobs"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest -j "$jobs" --output-on-failure -E e2e)

echo "== private PostgreSQL server for the pg. tests"
pg_dir=$(mktemp -d /tmp/kiln-pg-test.XXXXXX)
trap '"$root/scripts/pg-test-server.sh" stop "$pg_dir"' EXIT
KILN_TEST_PG_URL=$(scripts/pg-test-server.sh start "$pg_dir")
export KILN_TEST_PG_URL
echo "$KILN_TEST_PG_URL"

echo "== release build, full suite (SQLite, then the HTTP suite on PostgreSQL)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DKILN_TESTS=ON -DKILN_TEST_POSTGRES=ON \
  -DKILN_R4_EXAMPLES="$examples" >/dev/null
cmake --build build -j "$jobs"
cd build
ctest -j "$jobs" --output-on-failure
