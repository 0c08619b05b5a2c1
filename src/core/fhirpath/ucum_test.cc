// The canonical units that search indexes UCUM quantities in (ucum.h CanonicalCode, ToBaseUnits).
#include "core/fhirpath/ucum.h"

#include <gtest/gtest.h>

#include <set>

namespace kiln::fhirpath {
namespace {

std::string Canonical(std::string_view code) {
  auto term = ParseUcum(code);
  return term ? CanonicalCode(*term) : "(unknown)";
}

TEST(UcumCanonical, SpellsTheBaseUnitsOfTheDimensions) {
  EXPECT_EQ(Canonical("mg"), "g");
  EXPECT_EQ(Canonical("[lb_av]"), "g");
  EXPECT_EQ(Canonical("mg/dL"), "m-3.g");
  EXPECT_EQ(Canonical("/min"), "s-1");
  EXPECT_EQ(Canonical("{beats}/min"), "s-1");
  EXPECT_EQ(Canonical("mm[Hg]"), "m-1.g.s-2");
  EXPECT_EQ(Canonical("mmol/L"), "m-3.mol");
  EXPECT_EQ(Canonical("[iU]/L"), "m-3.[iU]");
  EXPECT_EQ(Canonical("kg/m2"), "m-2.g");
  EXPECT_EQ(Canonical("%"), "1");
  EXPECT_EQ(Canonical("1"), "1");
  EXPECT_EQ(Canonical("10*3/uL"), "m-3");
}

TEST(UcumCanonical, IsOneCodePerDimensionAndReadsBackWithFactorOne) {
  std::set<std::string> spellings;
  const char* codes[] = {"g", "m", "s",   "K",   "C", "cd", "mol",    "rad", "[iU]", "L", "mg/dL", "/min",
                         "N", "V", "Ohm", "kat", "%", "m2", "mm[Hg]", "J",   "W",    "A", "U/L",   "cal/h"};
  std::set<std::array<int8_t, 9>> dims;
  for (const char* code : codes) {
    auto term = ParseUcum(code);
    ASSERT_TRUE(term) << code;
    std::string canonical = CanonicalCode(*term);
    auto back = ParseUcum(canonical);
    ASSERT_TRUE(back) << code << " -> " << canonical;
    EXPECT_EQ(back->factor, 1) << canonical;
    EXPECT_EQ(back->dims, term->dims) << canonical;
    // A spelling is shared exactly when the dimensions are.
    EXPECT_EQ(spellings.insert(canonical).second, dims.insert(term->dims).second) << code;
  }
}

TEST(UcumCanonical, EqualQuantitiesInOtherUnitsGiveTheSameValue) {
  auto factor = [](std::string_view code) { return ParseUcum(code)->factor; };
  EXPECT_EQ(ToBaseUnits(5000, factor("ug")), ToBaseUnits(5, factor("mg")));
  EXPECT_EQ(ToBaseUnits(5, factor("mg")), ToBaseUnits(0.005, factor("g")));
  EXPECT_EQ(ToBaseUnits(100, factor("mg")), 0.1);
  EXPECT_EQ(ToBaseUnits(72.5, factor("kg")), 72500);
  EXPECT_EQ(ToBaseUnits(0, factor("mg")), 0);
  EXPECT_EQ(ToBaseUnits(-3, factor("mg")), -0.003);
}

TEST(UcumCanonical, ConvertsPressureAndLeavesOffsetTemperaturesOut) {
  EXPECT_NEAR(*ConversionFactor("mm[Hg]", "kPa"), 0.133322, 1e-9);
  EXPECT_NEAR(*ConversionFactor("cm[H2O]", "Pa"), 98.0665, 1e-9);
  EXPECT_FALSE(ParseUcum("Cel")) << "Celsius needs an offset, not a factor";
  EXPECT_FALSE(ParseUcum("[degF]"));
  EXPECT_TRUE(ParseUcum("K"));
}

}  // namespace
}  // namespace kiln::fhirpath
