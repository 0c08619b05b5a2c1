// The FHIRPath parser: precedence climbing over the token list (operator precedence as in
// hl7.org/fhirpath/N1/#operator-precedence), resolving function names, argument counts, type
// arguments and %constants as it goes. Private to src/core/fhirpath/.
#pragma once

#include <memory>
#include <string_view>

#include "core/fhirpath/ast.h"
#include "core/result.h"

namespace kiln::fhirpath {

Result<std::unique_ptr<Node>> Parse(std::string_view text);

}  // namespace kiln::fhirpath
