// `kiln import FILE...`: loads FHIR Bundles (.json) and ndjson files through the same REST API
// code path a client would use: transactions of a few hundred entries (PUT when a resource has
// an id, POST otherwise), and one request per resource for a chunk whose transaction fails.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "rest/rest.h"

namespace kiln::app {

struct ImportStats {
  int64_t stored = 0;
  int64_t failed = 0;
};

// Imports every file, streaming, with `threads` chunks in flight; failures are logged per
// resource and counted, never abort the rest.
ImportStats ImportFiles(const rest::Api& api, const std::vector<std::string>& files, int threads);

}  // namespace kiln::app
