// Quantity search with UCUM unit conversion (hl7.org/fhir/R4/search.html#quantity): stored UCUM
// quantities are found by a search in any unit of the same dimensions, with the search value's
// prefix and precision interval converted too; other systems and unknown units match as written.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <set>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kUcum = "http://unitsofmeasure.org";

class QuantityUnitsTest : public ::testing::Test {
 protected:
  // An Observation with valueQuantity {value, unit, system, code} (empty strings are left out).
  std::string Observation(const std::string& value, const std::string& system, const std::string& code,
                          const std::string& unit = "", const std::string& loinc = "29463-7") {
    std::string q = R"("value":)" + value;
    if (!unit.empty()) q += R"(,"unit":")" + unit + "\"";
    if (!system.empty()) q += R"(,"system":")" + system + "\"";
    if (!code.empty()) q += R"(,"code":")" + code + "\"";
    return server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"coding":[{"system":"http://loinc.org","code":")" +
                                            loinc + R"("}]},"valueQuantity":{)" + q + "}}");
  }
  // The ids of every page of Observation?<query>, sorted; each must be there once.
  std::vector<std::string> Ids(const std::string& query) {
    std::vector<std::string> ids = AllPages(server, "Observation?" + query + "&_count=1");
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << query << ": a duplicate";
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  static std::string Ucum(const std::string& value, const std::string& code) {
    return value + "|" + kUcum + "|" + code;
  }

  TestServer server;
};

TEST_F(QuantityUnitsTest, FindsAUcumQuantityInAnyUnitOfItsDimensions) {
  std::string mg = Observation("5.4", kUcum, "mg", "mg");
  std::string ml = Observation("5.4", kUcum, "mL", "mL");
  const std::vector<std::string> just{mg};
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5.4", "mg")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5400", "ug")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("0.0054", "g")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5.40e-3", "g")), just) << "the example of search.html#quantity";
  EXPECT_EQ(Ids("value-quantity=" + Ucum("gt5", "mg")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("lt6000", "ug")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("ge0.0054", "g")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("le5400", "ug")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("ap5.2", "mg")), just);
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("gt5400", "ug")).empty());
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("lt5", "mg")).empty());
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("5.4", "g")).empty());
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5.4", "mL")), std::vector<std::string>{ml}) << "another dimension";
  EXPECT_EQ(Ids("value-quantity=" + Ucum("0.0054", "L")), std::vector<std::string>{ml});
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("5.4", "kat")).empty()) << "other dimensions";
  // No system: the code matches as written, and a code UCUM knows also as a UCUM unit.
  EXPECT_EQ(Ids("value-quantity=5.4||mg"), just);
  EXPECT_EQ(Ids("value-quantity=5400||ug"), just);
  // No unit: the number as written, irrespective of the unit.
  EXPECT_EQ(Ids("value-quantity=5.4").size(), 2u);
  EXPECT_TRUE(Ids("value-quantity=5400").empty());
  EXPECT_EQ(Ids("value-quantity=5.4|http://unitsofmeasure.org|").size(), 2u);
}

// The search value's precision is its interval, converted with it: 0.1 g is [0.095, 0.105) g.
TEST_F(QuantityUnitsTest, ThePrecisionIntervalIsConvertedToo) {
  std::string mg = Observation("100", kUcum, "mg");
  const std::vector<std::string> just{mg};
  EXPECT_EQ(Ids("value-quantity=" + Ucum("eq0.1", "g")), just);
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("eq0.11", "g")).empty());
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("0.104", "g")).empty()) << "[0.1035, 0.1045) g";
  EXPECT_EQ(Ids("value-quantity=" + Ucum("1e-1", "g")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("100000", "ug")), just);
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("100001", "ug")).empty());
  EXPECT_EQ(Ids("value-quantity=" + Ucum("ne0.11", "g")), just);
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("ne0.1", "g")).empty());
  EXPECT_EQ(Ids("value-quantity=" + Ucum("ap0.105", "g")), just) << "within 10%";
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("ap0.12", "g")).empty());
}

TEST_F(QuantityUnitsTest, OtherSystemsAndUnknownUnitsMatchAsWritten) {
  std::string custom = Observation("5.4", "http://example.org/units", "mg");
  std::string celsius = Observation("37", kUcum, "Cel", "degC");
  std::string uncoded = Observation("5.4", "", "", "mg");
  EXPECT_EQ(Ids("value-quantity=5.4|http://example.org/units|mg"), std::vector<std::string>{custom});
  EXPECT_TRUE(Ids("value-quantity=5400|http://example.org/units|ug").empty());
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("5400", "ug")).empty()) << "neither is a UCUM quantity";
  EXPECT_EQ(Ids("value-quantity=5.4||mg"),
            (std::vector<std::string>{std::min(custom, uncoded), std::max(custom, uncoded)}));
  EXPECT_EQ(Ids("value-quantity=" + Ucum("37", "Cel")), std::vector<std::string>{celsius});
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("310.15", "K")).empty()) << "no offset conversion";
  EXPECT_EQ(Ids("value-quantity=37||degC"), std::vector<std::string>{celsius});
}

// The human unit is found as written, also when the code is converted.
TEST_F(QuantityUnitsTest, TheHumanUnitStaysSearchable) {
  std::string bp = Observation("120", kUcum, "mm[Hg]", "mmHg");
  EXPECT_EQ(Ids("value-quantity=120||mmHg"), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("value-quantity=" + Ucum("120", "mm[Hg]")), std::vector<std::string>{bp});
  EXPECT_EQ(Ids("value-quantity=" + Ucum("16", "kPa")), std::vector<std::string>{bp}) << "15.99864 kPa";
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("120", "kPa")).empty());
}

TEST_F(QuantityUnitsTest, CompositesConvertTheirQuantity) {
  std::string weight = Observation("72.5", kUcum, "kg", "kg");
  auto component = [](const std::string& loinc, const std::string& mmhg) {
    return R"({"code":{"coding":[{"system":"http://loinc.org","code":")" + loinc +
           R"("}]},"valueQuantity":{"value":)" + mmhg +
           R"(,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}})";
  };
  std::string bp =
      server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"text":"Blood pressure"},"component":[)" +
                                       component("8480-6", "120") + "," + component("8462-4", "80") + "]}");
  EXPECT_EQ(Ids("code-value-quantity=http://loinc.org|29463-7$" + Ucum("72500", "g")),
            std::vector<std::string>{weight});
  EXPECT_EQ(Ids("code-value-quantity=29463-7$" + Ucum("gt159", "[lb_av]")), std::vector<std::string>{weight})
      << "72.5 kg is 159.8 lb";
  EXPECT_TRUE(Ids("code-value-quantity=29463-7$" + Ucum("gt160", "[lb_av]")).empty());
  EXPECT_TRUE(Ids("code-value-quantity=8480-6$" + Ucum("72.5", "kg")).empty()) << "another code";
  EXPECT_EQ(Ids("component-code-value-quantity=8480-6$" + Ucum("gt15", "kPa")), std::vector<std::string>{bp});
  EXPECT_TRUE(Ids("component-code-value-quantity=8462-4$" + Ucum("gt15", "kPa")).empty())
      << "the diastolic value is 10.7 kPa: components match within one component";
  EXPECT_EQ(Ids("component-code-value-quantity=8462-4$" + Ucum("lt11", "kPa")), std::vector<std::string>{bp});
}

// Both components match, each through a row of its own: the Observation is found once.
TEST_F(QuantityUnitsTest, AResourceWithSeveralMatchingValuesIsFoundOnce) {
  std::string two = server.Create("Observation", R"({"resourceType":"Observation","status":"final",
      "code":{"text":"doses"},"component":[
        {"code":{"text":"a"},"valueQuantity":{"value":5.4,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}},
        {"code":{"text":"b"},"valueQuantity":{"value":5500,"unit":"microgram","system":"http://unitsofmeasure.org","code":"ug"}}]})");
  std::string other = Observation("5.4", kUcum, "mg");
  EXPECT_EQ(Ids("component-value-quantity=" + Ucum("ap5.4", "mg")), std::vector<std::string>{two});
  EXPECT_EQ(Ids("component-value-quantity=" + Ucum("0.0054", "g") + "," + Ucum("5.5", "mg")),
            std::vector<std::string>{two});
  EXPECT_EQ(Ids("component-value-quantity=5500||microgram"), std::vector<std::string>{two});
  EXPECT_EQ(Ids("combo-value-quantity=" + Ucum("5.4", "mg")),
            (std::vector<std::string>{std::min(two, other), std::max(two, other)}));
}

// _sort orders by the canonical value, across units and through the human unit's row too.
TEST_F(QuantityUnitsTest, SortsByTheValueInCanonicalUnits) {
  std::string g = Observation("0.5", kUcum, "g", "gram");
  std::string kg = Observation("0.0007", kUcum, "kg", "kilogram");
  std::string mg = Observation("600", kUcum, "mg", "mg");
  EXPECT_EQ(AllPages(server, "Observation?_sort=value-quantity&_count=1"),
            (std::vector<std::string>{g, mg, kg}));
  EXPECT_EQ(AllPages(server, "Observation?_sort=-value-quantity&_count=2"),
            (std::vector<std::string>{kg, mg, g}));
  EXPECT_EQ(AllPages(server, "Observation?value-quantity=" + Ucum("gt0.5", "g") + "&_sort=value-quantity"),
            (std::vector<std::string>{mg, kg}));
}

// A database that a Kiln before unit conversion indexed holds UCUM quantities as written. Their
// own unit still finds them, and $reindex brings them to canonical units.
TEST_F(QuantityUnitsTest, RowsIndexedAsWrittenMatchTheirUnitUntilReindex) {
  if (TestOnPostgres()) GTEST_SKIP() << "SKIPPED: rewrites the index rows in the SQLite file";
  std::string mg = Observation("5.4", kUcum, "mg", "mg");
  server.Restart([&] {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((server.data_dir() + "/kiln.db").c_str(), &db), SQLITE_OK);
    // The row as an older Kiln wrote it: the code and every value column as the resource has them.
    EXPECT_EQ(
        sqlite3_exec(db, "UPDATE idx_quantity SET code = 'mg', value = low, high = low WHERE code = 'g'",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
    EXPECT_EQ(sqlite3_changes(db), 1);
    sqlite3_close(db);
  });
  const std::vector<std::string> just{mg};
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5.4", "mg")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("gt5", "mg")), just);
  EXPECT_EQ(Ids("value-quantity=5.4||mg"), just);
  EXPECT_EQ(Ids("value-quantity=5.4"), just);
  EXPECT_TRUE(Ids("value-quantity=" + Ucum("5400", "ug")).empty()) << "other units need $reindex";
  HttpResponse reindex = server.Post("Observation/$reindex", "");
  ASSERT_EQ(reindex.status, 200) << reindex.body;
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5400", "ug")), just);
  EXPECT_EQ(Ids("value-quantity=" + Ucum("5.4", "mg")), just);
  EXPECT_EQ(Ids("value-quantity=5.4"), just);
}

}  // namespace
}  // namespace kiln::testing
