// _include and _revinclude (hl7.org/fhir/R4/search.html#include): the resources a page of
// matches references, or that reference it, added to the searchset with search.mode "include".
#pragma once

#include <vector>

#include "rest/context.h"
#include "search/search.h"

namespace kiln::rest {

// Included resources for `matches`, without duplicates and without the matches themselves.
// `:iterate` specs are applied again to what was included, a few rounds deep.
Result<std::vector<store::Version>> Included(const Call& call, const search::ParsedSearch& search,
                                             const std::vector<store::Version>& matches);

}  // namespace kiln::rest
