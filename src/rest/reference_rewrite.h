// Rewriting the URLs resources in one Bundle use for each other (hl7.org/fhir/R4/bundle.html#
// references): a resource's fullUrl "urn:uuid:..." becomes the "Type/id" it is stored under.
// Works on JSON text, not on a parsed document, so that every other byte (decimals above all)
// stays exactly as the client sent it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace kiln::rest {

// fullUrl -> "Type/id". std::less<> so that string_views look up without copies.
using LocalUrls = std::map<std::string, std::string, std::less<>>;

// Decides, for one string value, the raw JSON text (without quotes) to replace it with; nullopt
// keeps it. `key` is the name of the member holding the value (for array elements, the array's).
using StringRewrite =
    std::function<Result<std::optional<std::string>>(std::string_view key, std::string_view raw)>;

// Calls `rewrite` for every string value of valid JSON text and returns the text with the
// replacements made; the first error `rewrite` returns stops it.
Result<std::string> RewriteStrings(std::string_view json, const StringRewrite& rewrite);

// The replacement of one string value under the transaction rules (hl7.org/fhir/R4/http.html#
// trules): a value equal to a local URL (a reference, or an element of type uri, url, oid or
// uuid), and in narrative (`div`) the src and href attributes naming one. Works from member
// names, not element types: a `value` member (Identifier.value, ContactPoint.value: strings) is
// never rewritten, and a canonical element equal to a fullUrl is.
std::optional<std::string> LocalUrlReplacement(std::string_view key, std::string_view raw,
                                               const LocalUrls& urls);

// RewriteStrings with LocalUrlReplacement alone (what `kiln import` does to a whole Bundle).
std::string RewriteLocalUrls(std::string_view json, const LocalUrls& urls);

}  // namespace kiln::rest
