// Query strings and the search-backed parts of other interactions: decoding form bodies,
// `Prefer: handling`, and the criteria of conditional create/update/delete, which must never
// ignore a parameter they do not understand.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "rest/context.h"
#include "search/search.h"

namespace kiln::rest {

using Params = search::Params;

// Parameters that shape a search's result rather than select resources (_sort, _include, ...).
bool IsResultParam(std::string_view name);

// Parses "a=1&b=c%20d" (form encoding: '+' is a space).
Params ParseQueryString(std::string_view query);

// A search's parameters: the URL's, then for POST [type]/_search or [base]/_search those of the
// form body (hl7.org/fhir/R4/http.html#search); 415 for a POST body that is not a form.
Result<Params> SearchParams(const Request& req);

// The criteria of If-None-Exist (or a Bundle entry's request.ifNoneExist): a query string,
// optionally written as "[type]?query".
Params ParseIfNoneExist(std::string_view criteria);

// The resource types a `_type` parameter lists ("Patient,Observation"); 400 for an unknown one.
Result<std::vector<std::string>> ParseTypeList(const core::Model& model, std::string_view value);

// `Prefer: handling=strict|lenient` (hl7.org/fhir/R4/search.html#errors); lenient by default.
search::Handling HandlingFrom(const Request& req);

// Runs a conditional interaction's criteria: the ids of the current matches (at most `limit`).
Result<std::vector<std::string>> MatchIds(const Call& call, const core::ResourceType& type,
                                          const Params& criteria, int limit);

// The one current match of a conditional interaction's criteria, nullopt for none; several
// matches are 412 (kDuplicate), `what` naming the criteria in the message. Ids in `exclude` do
// not count (resources a transaction deletes before it evaluates the criteria).
Result<std::optional<std::string>> MatchOne(const Call& call, const core::ResourceType& type,
                                            const Params& criteria, std::string_view what,
                                            const std::set<std::string>& exclude = {});

}  // namespace kiln::rest
