// Enough of UCUM (unitsofmeasure.org/ucum) to compare and convert quantities: metric prefixes,
// the common clinical atoms (g, m, L, s, [lb_av], [in_i], mm[Hg], mol, eq, [iU], ...), exponents,
// products, quotients and parentheses. Units outside this set still compare with themselves.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiln::fhirpath {

// A unit as a factor times powers of the base dimensions (m, g, s, K, C, cd, mol, rad, [iU]).
struct UnitTerm {
  double factor = 1;
  std::array<int8_t, 9> dims{};
};

// nullopt for codes outside the supported grammar or atom table.
std::optional<UnitTerm> ParseUcum(std::string_view code);

// The factor that takes values in `from` to values in `to`, or nullopt when the dimensions differ
// or either unit is unknown. Identical codes always convert with factor 1.
std::optional<double> ConversionFactor(std::string_view from, std::string_view to);

// The unit of `unit`'s dimensions in base units, as a UCUM code: each base atom with a non-zero
// power, in the order m, g, s, K, C, cd, mol, rad, [iU], followed by its exponent unless it is 1,
// joined by '.' ("m-3.g" for mg/dL, "s-1" for /min); "1" when dimensionless. One spelling per
// dimension vector, and itself a code ParseUcum reads with factor 1. Search indexes UCUM
// quantities in these units, so the spelling is part of the stored index: do not change it.
std::string CanonicalCode(const UnitTerm& unit);

// value * factor, rounded to 15 significant digits: the same quantity written in different units
// ("5000 ug", "5 mg") then gives the same double although 1e-6 and 1e-3 are inexact in binary,
// so that prefixes like gt and le treat equal quantities as equal.
double ToBaseUnits(double value, double factor);

}  // namespace kiln::fhirpath
