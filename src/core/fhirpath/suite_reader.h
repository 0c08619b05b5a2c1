// Reads the official FHIRPath test suite in the YAML form the fhirpath.js project publishes
// (cases/fhir-r4.yaml): groups of cases with desc, inputfile, expression, result, error, disable.
// This is a reader for exactly that file's subset of YAML (block maps and lists, plain, quoted and
// folded scalars), not a general YAML parser. Used by fhirpath_suite_test.cc only.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiln::fhirpath::testing {

// A result value as YAML types it: true/false, a number, or a string.
struct SuiteValue {
  enum class Kind { kBoolean, kNumber, kString } kind = Kind::kString;
  std::string text;  // the scalar's text (for numbers too, so they compare exactly)
  bool boolean = false;
};

struct SuiteCase {
  std::string group;
  std::string desc;
  std::string inputfile;  // empty when the case needs no input
  std::string expression;
  std::vector<SuiteValue> result;
  bool error = false;    // the expression must fail to compile or to evaluate
  bool disable = false;  // fhirpath.js disagrees with the expected result, or it needs a feature it lacks
  size_t line = 0;
};

Result<std::vector<SuiteCase>> ReadSuite(std::string_view yaml);

}  // namespace kiln::fhirpath::testing
