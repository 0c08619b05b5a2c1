// `_typeFilter` of a Bulk Data export (hl7.org/fhir/uv/bulkdata/export.html#_typefilter-query-parameter):
// FHIR search queries "[type]?[query]" that narrow what is exported of their type. A resource is
// exported when it matches any of its type's queries; a type without one is exported whole.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/result.h"
#include "search/search.h"
#include "store/types.h"

namespace kiln::rest {

// The queries of one `_typeFilter` value. Bulk Data v2 repeats the parameter, v1 separates
// queries with commas; a comma starts a new query only where "[resource type]?" follows it, so
// the commas between a query's own values stay in that query.
std::vector<std::string> SplitTypeFilters(const core::Model& model, std::string_view value);

// One query as a scan runs it.
struct TypeFilter {
  std::string type;
  store::IndexQuery index;  // its clauses, _has and _id
  std::vector<store::TimeInterval> last_updated;
};

// Parses "[type]?[query]" (the query percent-encoded as in a URL). 400 with expression
// `_typeFilter` for an unknown type, a missing query, a parameter this server does not know or
// support, or one that shapes results rather than selects resources (_sort, _include, ...: the
// spec does not allow them).
Result<TypeFilter> ParseTypeFilter(const core::Model& model, const search::Registry& registry,
                                   std::string_view filter);

}  // namespace kiln::rest
