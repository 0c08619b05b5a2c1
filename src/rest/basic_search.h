// The search parameters every resource type supports before the search module arrives
// (issue #3): `_id` and `_lastUpdated` (with date prefixes), plus `_count`, `_total`,
// `_summary=count` and Kiln's paging cursor. Used by type search and by the conditional
// interactions (If-None-Exist, conditional update and delete), which must never ignore a
// parameter they do not understand.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "rest/context.h"
#include "store/types.h"

namespace kiln::rest {

using Params = std::vector<std::pair<std::string, std::string>>;

struct BasicSearch {
  store::ListQuery query;
  Params used;                 // the parameters applied, for the self link
  std::vector<Error> ignored;  // unknown parameters skipped under lenient handling
};

enum class Handling { kLenient, kStrict };

// From decoded query pairs. Under kStrict an unknown parameter is a 400.
Result<BasicSearch> ParseBasicSearch(const Context& ctx, std::string_view type, const Params& params,
                                     Handling handling);

// Parses "a=1&b=c%20d" (form encoding: '+' is a space).
Params ParseQueryString(std::string_view query);

// `Prefer: handling=strict|lenient` (hl7.org/fhir/R4/search.html#errors); lenient by default.
Handling HandlingFrom(const Request& req);

// Runs a conditional interaction's criteria: the ids of all current matches (at most `limit`).
Result<std::vector<std::string>> MatchIds(const Call& call, std::string_view type, const Params& criteria,
                                          int limit);

}  // namespace kiln::rest
