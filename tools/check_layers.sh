#!/usr/bin/env bash
# Fails when an #include points up the layer stack or across modules it may not use:
#   core -> store -> search -> rest -> (feature modules: auth, tenant, audit) -> http -> app   (see docs/architecture.md)
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A allowed=(
  [core]="core"
  [store]="core store"
  [search]="core store search"
  [rest]="core store search rest"
  [auth]="core store rest auth"
  [tenant]="core store rest tenant"
  [audit]="core store search rest audit"
  [http]="core rest http"
  [app]="core store search rest auth tenant audit http app"
)
status=0
for module in "${!allowed[@]}"; do
  [[ -d "src/$module" ]] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$line")
    if [[ " ${allowed[$module]} " != *" $target "* ]]; then
      echo "layering: $file includes $target/ (src/$module may include only: ${allowed[$module]})"
      status=1
    fi
  done < <(grep -rnE '^#include "[a-z_]+/' "src/$module" --include='*.cc' --include='*.h' || true)
done
# Outside src/store/, only store/store.h (and the types it includes) may be used.
if grep -rnE '#include "store/(sqlite|postgres)/' src --include='*.cc' --include='*.h' | grep -v '^src/store/'; then
  echo "layering: only src/store/ may include a storage backend's headers"
  status=1
fi
exit $status
