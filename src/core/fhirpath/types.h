// Type names in expressions (hl7.org/fhir/R4/fhirpath.html#types): `is`, `as`, ofType() and
// type(). Unqualified names try the FHIR model first, then the System types, so `Quantity` matches
// both a FHIR Quantity and a System Quantity while `boolean` and `Boolean` stay distinct.
// Private to src/core/fhirpath/.
#pragma once

#include "core/fhirpath/eval.h"
#include "core/fhirpath/values.h"

namespace kiln::fhirpath {

// kInvalid for names that are neither a FHIR type nor a System type. Remembered in `env`, since
// `is Patient` inside a where() resolves the same name for every item.
Result<ResolvedType> ResolveType(const TypeSpec& spec, Env& env);

// True when `item` is of type `t` or a subtype (a FHIR uuid is a uri; an Age is a Quantity).
bool IsOfType(const Env& env, const Item& item, const ResolvedType& t);

// type(): a TypeInfo item, "FHIR.HumanName" or "System.Integer".
Item TypeOf(const Item& item);

}  // namespace kiln::fhirpath
