// Format checks for the FHIR R4 primitive types (hl7.org/fhir/R4/datatypes.html#primitive), as
// they appear in JSON (hl7.org/fhir/R4/json.html#primitive): booleans and numbers as JSON
// literals, everything else as non-empty JSON strings that match the type's regex. The checks are
// hand-written rather than std::regex, because they run for every primitive on the write path.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

namespace kiln::core {

enum class Primitive : uint8_t {
  kBoolean,
  kInteger,
  kPositiveInt,
  kUnsignedInt,
  kDecimal,
  kString,
  kCode,
  kId,
  kUri,
  kUrl,
  kCanonical,
  kOid,
  kUuid,
  kMarkdown,
  kBase64Binary,
  kDate,
  kDateTime,
  kInstant,
  kTime,
  kXhtml,
};

// The primitive of that FHIR type name ("dateTime"), or nullopt for other names.
std::optional<Primitive> PrimitiveNamed(std::string_view name);

// Checks a JSON value against a primitive type. Returns a description of the problem, e.g.
// "'2024-02-30' is not a valid date: day out of range", or nullopt when the value is valid.
std::optional<std::string> CheckPrimitive(Primitive type, const json::Value& value);
// As above by type name; an unknown name is reported as a problem.
std::optional<std::string> CheckPrimitive(std::string_view type_name, const json::Value& value);

// Checks the lexical form alone (e.g. a search parameter's date, or "true"), by the regex of the
// type, including boolean and the number types; no JSON typing rules apply.
std::optional<std::string> CheckPrimitiveText(Primitive type, std::string_view text);

}  // namespace kiln::core
