// JSON for Kiln: RapidJSON documents for reading resources, plus text-level helpers that
// never re-parse numbers, so that stored FHIR decimals keep their exact digits ("1.50").
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace kiln::json {

using Document = rapidjson::Document;
using Value = rapidjson::Value;

// Parses UTF-8 JSON text. Errors are kInvalid with the byte offset and RapidJSON's reason.
// Numbers are parsed at full precision; see the text helpers below for exact round-tripping.
Result<Document> Parse(std::string_view text);
// Parse for text already known to be valid UTF-8 (a part of a body that Parse checked, with
// only valid text put in): the same, without checking the encoding of every string again.
Result<Document> ParseValidUtf8(std::string_view text);

// Serializes a value compactly. Numbers are written in RapidJSON's shortest form, so only use
// this for values Kiln built itself (meta, bundles, outcomes), not for stored client content.
std::string Write(const Value& value);

// Serializes like Write, but writes each number as `sources` (the JSON texts the value was built
// from) spelled it, so that an edited resource keeps its decimals' digits ("72.50", not "72.5").
// A number spelled in more than one way for the same value, or in none, is written as Write would.
std::string WriteKeepingNumbers(const Value& value, const std::vector<std::string_view>& sources);

// Removes insignificant whitespace from valid JSON text, leaving strings and numbers byte-exact.
// REQUIRES: `text` parsed successfully.
std::string Minify(std::string_view text);
// Minify, appending to `out`.
void AppendMinified(std::string& out, std::string_view text);

// Indents valid compact or pretty JSON text by two spaces per level (for `_pretty=true`).
// REQUIRES: `text` parsed successfully.
std::string Pretty(std::string_view text);

// One member of a top-level object as it stands in the text: `key` is decoded, `raw` is the
// value's exact text (a view into the input).
struct RawMember {
  std::string key;
  std::string_view raw;
};
// Lists the members of the top-level object in order. REQUIRES: `text` is a valid JSON object.
std::vector<RawMember> TopLevelMembers(std::string_view text);

// The elements of a JSON array as they stand in the text. REQUIRES: `text` is a valid array.
std::vector<std::string_view> ArrayElements(std::string_view text);

// Appends `s` to `out` as a JSON string literal, quotes included.
void AppendQuoted(std::string& out, std::string_view s);
std::string Quote(std::string_view s);

// Equal JSON values as RFC 6902's `test` defines them: same types, numbers by value (1 = 1.0),
// object members in any order, arrays in order.
bool Equal(const Value& a, const Value& b);

// Small accessors that treat a missing member and a member of the wrong type alike.
const Value* Find(const Value& object, std::string_view key);
std::string_view GetString(const Value& object, std::string_view key);

}  // namespace kiln::json
