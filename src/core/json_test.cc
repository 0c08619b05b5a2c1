#include "core/json.h"

#include <gtest/gtest.h>

namespace kiln::json {
namespace {

TEST(JsonTest, ParseReportsOffset) {
  auto bad = Parse(R"({"a":})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().issue, Issue::kInvalid);
  EXPECT_NE(bad.error().diagnostics.find("byte 5"), std::string::npos) << bad.error().diagnostics;
  EXPECT_TRUE(Parse(R"({"a":[1,2.50,"x"]})"));
}

TEST(JsonTest, ParseRejectsInvalidUtf8) { EXPECT_FALSE(Parse("{\"a\":\"\xff\"}")); }

TEST(JsonTest, MinifyKeepsStringsAndNumbersExact) {
  EXPECT_EQ(Minify("{ \"a b\" : [ 1.50 , \"x  y\" ],\n \"c\":\t-0.0e1 }"),
            R"({"a b":[1.50,"x  y"],"c":-0.0e1})");
  EXPECT_EQ(Minify(R"({"q":"say \"hi\"  "})"), R"({"q":"say \"hi\"  "})");
}

TEST(JsonTest, PrettyIndentsAndRoundTrips) {
  std::string text = R"({"a":[1.50,{"b":"x, y: z"}],"e":{},"f":[]})";
  std::string pretty = Pretty(text);
  EXPECT_EQ(
      pretty,
      "{\n  \"a\": [\n    1.50,\n    {\n      \"b\": \"x, y: z\"\n    }\n  ],\n  \"e\": {},\n  \"f\": []\n}");
  EXPECT_EQ(Minify(pretty), text);
}

TEST(JsonTest, TopLevelMembersGivesRawValues) {
  auto members = TopLevelMembers(R"( { "a" : 1.50, "b":{"c":[1,"}"]}, "d\u0065":"x" } )");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].key, "a");
  EXPECT_EQ(members[0].raw, "1.50");
  EXPECT_EQ(members[1].raw, R"({"c":[1,"}"]})");
  EXPECT_EQ(members[2].key, "de");
  EXPECT_EQ(members[2].raw, R"("x")");
}

TEST(JsonTest, ArrayElements) {
  auto elements = ArrayElements(R"([ {"a":"]"}, 2.0 ,"s" ])");
  ASSERT_EQ(elements.size(), 3u);
  EXPECT_EQ(elements[0], R"({"a":"]"})");
  EXPECT_EQ(elements[1], "2.0");
  EXPECT_EQ(elements[2], R"("s")");
  EXPECT_TRUE(ArrayElements("[]").empty());
}

// Escaped quotes end no string; an escaped backslash before a quote does not escape it.
TEST(JsonTest, RawValuesKeepEscapedQuotesAndBackslashes) {
  auto members = TopLevelMembers(R"({"a":"x\"}\\","b":["\\\"]",{"c":"\\\\"}],"d":"\\\\\""})");
  ASSERT_EQ(members.size(), 3u);
  EXPECT_EQ(members[0].raw, R"("x\"}\\")");
  EXPECT_EQ(members[1].raw, R"(["\\\"]",{"c":"\\\\"}])");
  EXPECT_EQ(members[2].raw, R"("\\\\\"")");
  auto elements = ArrayElements(R"(["\"","\\",  "a\\\"b" , {"k":"\\"}])");
  ASSERT_EQ(elements.size(), 4u);
  EXPECT_EQ(elements[0], R"("\"")");
  EXPECT_EQ(elements[1], R"("\\")");
  EXPECT_EQ(elements[2], R"("a\\\"b")");
  EXPECT_EQ(elements[3], R"({"k":"\\"})");
}

TEST(JsonTest, WriteKeepingNumbersKeepsTheSourcesSpelling) {
  auto doc = Parse(R"({"a":72.50,"b":[1.0,3,-0.10],"c":1e2,"d":"72.50"})");
  ASSERT_TRUE(doc);
  EXPECT_EQ(Write(*doc), R"({"a":72.5,"b":[1.0,3,-0.1],"c":100.0,"d":"72.50"})");
  std::string source = R"({"a":72.50,"b":[1.0,3,-0.10],"c":1e2})";
  EXPECT_EQ(WriteKeepingNumbers(*doc, {source}), R"({"a":72.50,"b":[1.0,3,-0.10],"c":1e2,"d":"72.50"})");
  // Values spelled two ways, or in no source, are written as Write writes them.
  EXPECT_EQ(WriteKeepingNumbers(*doc, {source, "[72.500, 3]"}),
            R"({"a":72.5,"b":[1.0,3,-0.10],"c":1e2,"d":"72.50"})");
  EXPECT_EQ(WriteKeepingNumbers(*doc, {}), Write(*doc));
}

TEST(JsonTest, QuoteEscapes) { EXPECT_EQ(Quote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")"); }

}  // namespace
}  // namespace kiln::json
