// _summary and _elements (hl7.org/fhir/R4/search.html#summary, #elements): a resource reduced to
// some of its top-level elements, tagged SUBSETTED, by splicing its stored bytes (no re-encoding
// of the elements kept).
#pragma once

#include <set>
#include <string>
#include <string_view>

#include "core/model.h"

namespace kiln::rest {

struct Subset {
  enum class Mode { kAll, kSummary, kText, kData, kElements };
  Mode mode = Mode::kAll;
  std::set<std::string, std::less<>> elements;  // for kElements
};

// Whether `element` ("status", "value" or "valueQuantity" for value[x]) is a top-level element
// of resource type `type`.
bool HasTopLevelElement(const core::Model& model, std::string_view type, std::string_view element);

// The resource `json` of type `type` reduced per `subset`; unchanged for kAll.
std::string ApplySubset(const core::Model& model, std::string_view json, const Subset& subset);

}  // namespace kiln::rest
