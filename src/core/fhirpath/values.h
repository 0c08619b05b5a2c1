// The System view of items (hl7.org/fhir/R4/fhirpath.html#types): FHIR primitives behave as their
// System type in operators and functions (code as String, instant as DateTime), and FHIR
// Quantities as System Quantities. Views point into the item or the JSON; nothing is copied.
// Private to src/core/fhirpath/.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/fhirpath/datetime.h"
#include "core/fhirpath/fhirpath.h"

namespace kiln::fhirpath {

enum class SysType : uint8_t {
  kNone = 0,
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity
};

struct Value {
  SysType type = SysType::kNone;
  bool boolean = false;
  Decimal number;         // kInteger (scale 0), kDecimal, and the value of kQuantity
  std::string_view text;  // kString; the text of kDate/kDateTime/kTime; the unit of kQuantity
};

// kNone for complex nodes, for primitives without a value, and for type() results.
Value ValueOf(const Item& item);
SysType PrimitiveSysType(std::string_view fhir_type_name);
// Quantity and the types derived from it (Age, Count, Distance, Duration, MoneyQuantity, ...).
bool IsQuantityType(const core::TypeDef* type);

inline bool IsNumber(SysType t) { return t == SysType::kInteger || t == SysType::kDecimal; }
inline bool IsTemporal(SysType t) {
  return t == SysType::kDate || t == SysType::kDateTime || t == SysType::kTime;
}

// toString(): "true", "1.50", "2014-01", "1 'mg'", "4 days".
std::string ToText(const Value& v);
// A computed item holding `v`.
Item ToItem(const Value& v);
// Parses a temporal value; nullopt when it is not one or its text is malformed.
std::optional<Temporal> TemporalOf(const Value& v);
Item TemporalItem(const Temporal& t);

// Calendar keywords as quantity units ("4 days") are written without quotes.
bool IsCalendarKeyword(std::string_view unit);

}  // namespace kiln::fhirpath
