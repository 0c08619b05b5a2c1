#!/usr/bin/env bash
# Installs the Debian 12 packages Kiln builds, runs and tests with, if any are missing.
# Usage: scripts/install-deps.sh [--test]   (--test adds what only the test suite needs)
set -euo pipefail

packages=(build-essential cmake ninja-build ccache pkg-config
          libboost-dev libboost-system-dev rapidjson-dev libsqlite3-dev libssl-dev libcli11-dev libicu-dev
          libgoogle-perftools-dev libargon2-dev libpq-dev libcurl4-openssl-dev)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(libgtest-dev libpugixml-dev clang-format nodejs npm python3 curl postgresql)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may already have Node.js from elsewhere; Debian's nodejs/npm are only a fallback.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if ((${#missing[@]})); then
  echo "Installing: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
