// Text folding for string search (hl7.org/fhir/R4/search.html#string): case- and
// accent-insensitive, through ICU (NFD, drop nonspacing marks, case fold). ASCII takes a fast path.
#pragma once

#include <string>
#include <string_view>

namespace kiln {

// "Müller" -> "muller", "ÉLODIE" -> "elodie". Invalid UTF-8 is folded byte-wise as ASCII.
std::string FoldText(std::string_view utf8);

// Percent-decoding (RFC 3986); with `plus_is_space`, '+' is a space, as in form-encoded queries.
// A '%' not followed by two hex digits stays as it is.
std::string UrlDecode(std::string_view s, bool plus_is_space);
// Percent-encoding of everything but RFC 3986's unreserved characters (A-Z a-z 0-9 - . _ ~), for
// one query or form value.
std::string UrlEncode(std::string_view s);

}  // namespace kiln
