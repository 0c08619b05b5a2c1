// Enough of UCUM (unitsofmeasure.org/ucum) to compare and convert quantities: metric prefixes,
// the common clinical atoms (g, m, L, s, [lb_av], [in_i], mm[Hg], mol, eq, [iU], ...), exponents,
// products, quotients and parentheses. Units outside this set still compare with themselves.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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

}  // namespace kiln::fhirpath
