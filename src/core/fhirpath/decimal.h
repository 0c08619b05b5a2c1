// Exact decimal arithmetic for System.Decimal (hl7.org/fhirpath/N1/#decimal): 64-bit units with
// up to kMaxDecimalScale digits after the point, computed through 128-bit intermediates. Results
// that do not fit are nullopt, which the operators turn into an empty result.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/fhirpath/fhirpath.h"

namespace kiln::fhirpath {

// "-12.50" -> {-1250, 2}. Accepts [+-]?digits(.digits)?; digits past the maximum scale are rounded.
std::optional<Decimal> ParseDecimal(std::string_view text);
// The shortest decimal that reads back as `v` ("0.1", not 0.1000000000000000055...).
std::optional<Decimal> DecimalFromDouble(double v);
inline Decimal DecimalFromInt(int64_t v) { return Decimal{v, 0}; }
std::string FormatDecimal(Decimal d);
double ToDouble(Decimal d);

int CompareDecimal(Decimal a, Decimal b);
Decimal Negate(Decimal d);
std::optional<Decimal> Add(Decimal a, Decimal b);
std::optional<Decimal> Subtract(Decimal a, Decimal b);
std::optional<Decimal> Multiply(Decimal a, Decimal b);
// a / b to 8 digits after the point or the operands' own scale if larger, trailing zeros dropped.
std::optional<Decimal> Divide(Decimal a, Decimal b);
// Truncated division (`div`) and its remainder (`mod`); nullopt when b is zero.
std::optional<int64_t> TruncatedDivide(Decimal a, Decimal b);
std::optional<Decimal> Modulo(Decimal a, Decimal b);

// Rounds half away from zero to `scale` digits (or pads with zeros when scale is larger).
std::optional<Decimal> Rescale(Decimal d, int scale);
Decimal Truncate(Decimal d);  // toward zero, scale 0
Decimal Floor(Decimal d);
Decimal Ceiling(Decimal d);
// Drops trailing zeros after the point, keeping at least `min_scale` digits.
Decimal Normalize(Decimal d, int min_scale = 0);

// lowBoundary()/highBoundary() (hl7.org/fhirpath/2.0.0/#lowboundaryprecision-integer-decimal):
// the ends of the interval the value's precision implies, to `digits` places.
std::optional<Decimal> LowBoundary(Decimal d, int digits);
std::optional<Decimal> HighBoundary(Decimal d, int digits);

}  // namespace kiln::fhirpath
