// Shared by the FHIRPath tests: the R4 model loaded once per test process, and file access.
#pragma once

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "core/model.h"

namespace kiln::fhirpath::testing {

inline const core::Model& R4() {
  static const core::Model* model = core::Model::LoadEmbedded().value().release();  // never freed
  return *model;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The environment variable `env`, else the compile-time default (either may be empty).
inline std::string DirFromEnv(const char* env, const char* fallback) {
  const char* dir = std::getenv(env);
  if (dir == nullptr || *dir == '\0') dir = fallback;
  return dir == nullptr ? std::string() : std::string(dir);
}

}  // namespace kiln::fhirpath::testing
