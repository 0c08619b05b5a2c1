#include "core/primitive.h"

#include <gtest/gtest.h>

namespace kiln::core {
namespace {

struct Case {
  const char* type;
  const char* json;  // the JSON value as it would appear in a resource
  bool valid;
};

// Cases follow the regexes and notes of hl7.org/fhir/R4/datatypes.html and json.html.
const Case kCases[] = {
    {"boolean", "true", true},
    {"boolean", "false", true},
    {"boolean", R"("true")", false},
    {"boolean", "1", false},
    {"boolean", "null", false},

    {"integer", "0", true},
    {"integer", "-42", true},
    {"integer", "2147483647", true},
    {"integer", "-2147483648", true},
    {"integer", "2147483648", false},
    {"integer", "-2147483649", false},
    {"integer", "9223372036854775808", false},
    {"integer", "1.0", false},
    {"integer", "1.5", false},
    {"integer", "1e2", false},
    {"integer", R"("12")", false},
    {"positiveInt", "1", true},
    {"positiveInt", "0", false},
    {"positiveInt", "-1", false},
    {"unsignedInt", "0", true},
    {"unsignedInt", "2147483647", true},
    {"unsignedInt", "-1", false},
    {"unsignedInt", "2147483648", false},

    {"decimal", "0", true},
    {"decimal", "-1.50", true},
    {"decimal", "6.02e23", true},
    {"decimal", R"("1.5")", false},
    {"decimal", "true", false},

    {"string", R"("hello")", true},
    {"string", R"(" padded ")", true},
    {"string", R"(" ")", true},  // [ \r\n\t\S]+ matches whitespace-only strings
    {"string", R"("line\nbreak\ttab")", true},
    {"string", R"("")", false},
    {"string", R"("form\ffeed")", false},
    {"string", R"("vertical\u000btab")", false},
    {"string", "12", false},
    {"markdown", R"("# Title\n\n*text*")", true},
    {"markdown", R"("")", false},

    {"code", R"("final")", true},
    {"code", R"("two words")", true},
    {"code", R"(" final")", false},
    {"code", R"("final ")", false},
    {"code", R"("two  spaces")", false},
    {"code", R"("")", false},

    {"id", R"("example-1.a")", true},
    {"id", R"("A")", true},
    {"id", R"("0123456789012345678901234567890123456789012345678901234567890123")", true},
    {"id", R"("01234567890123456789012345678901234567890123456789012345678901234")", false},
    {"id", R"("has space")", false},
    {"id", R"("under_score")", false},
    {"id", R"("slash/")", false},
    {"id", R"("")", false},

    {"uri", R"("http://example.org/fhir")", true},
    {"uri", R"("urn:oid:1.2.3")", true},
    {"uri", R"("#local")", true},
    {"uri", R"("http://exa mple.org")", false},
    {"uri", R"("")", false},
    {"url", R"("https://example.org/a?b=c")", true},
    {"url", R"("https://example.org/ a")", false},
    {"canonical", R"("http://hl7.org/fhir/ValueSet/x|4.0.1")", true},
    {"canonical", R"("a b")", false},

    {"oid", R"("urn:oid:1.2.840.113619")", true},
    {"oid", R"("urn:oid:2.0")", true},
    {"oid", R"("urn:oid:3.1")", false},
    {"oid", R"("urn:oid:1.02")", false},
    {"oid", R"("urn:oid:1")", false},
    {"oid", R"("urn:oid:1.2.")", false},
    {"oid", R"("1.2.3")", false},

    {"uuid", R"("urn:uuid:c757873d-ec9a-4326-a141-556f43239520")", true},
    {"uuid", R"("urn:uuid:C757873D-EC9A-4326-A141-556F43239520")", false},
    {"uuid", R"("urn:uuid:c757873d-ec9a-4326-a141-556f4323952")", false},
    {"uuid", R"("c757873d-ec9a-4326-a141-556f43239520")", false},

    {"base64Binary", R"("aGVsbG8=")", true},
    {"base64Binary", R"("aGVs bG8=")", true},
    {"base64Binary", R"("aGVs\nbG8=")", true},
    {"base64Binary", R"("a+/=")", true},
    {"base64Binary", R"("aGVsbG8")", false},
    {"base64Binary", R"("aG Vs")", false},
    {"base64Binary", R"("aGV$bG8=")", false},
    {"base64Binary", R"("")", false},

    {"date", R"("2018")", true},
    {"date", R"("1973-06")", true},
    {"date", R"("1905-08-23")", true},
    {"date", R"("2024-02-29")", true},
    {"date", R"("2000-02-29")", true},
    {"date", R"("0001-01-01")", true},
    {"date", R"("0000")", false},
    {"date", R"("1900-02-29")", false},
    {"date", R"("2023-02-29")", false},
    {"date", R"("2023-04-31")", false},
    {"date", R"("2023-13")", false},
    {"date", R"("2023-00")", false},
    {"date", R"("2023-1-5")", false},
    {"date", R"("23-01-05")", false},
    {"date", R"("2023-01-05T10:00:00Z")", false},
    {"date", R"("2023-01-05 ")", false},
    {"date", "20230105", false},

    {"dateTime", R"("2018")", true},
    {"dateTime", R"("1973-06")", true},
    {"dateTime", R"("1905-08-23")", true},
    {"dateTime", R"("2015-02-07T13:28:17-05:00")", true},
    {"dateTime", R"("2017-01-01T00:00:00.000Z")", true},
    {"dateTime", R"("2016-12-31T23:59:60Z")", true},
    {"dateTime", R"("2017-01-01T00:00:00+14:00")", true},
    {"dateTime", R"("2017-01-01T00:00:00-13:59")", true},
    {"dateTime", R"("2017-01-01T00:00:00")", false},  // a time needs a timezone
    {"dateTime", R"("2017-01-01T00:00Z")", false},    // seconds are required
    {"dateTime", R"("2017-01-01T24:00:00Z")", false},
    {"dateTime", R"("2017-01-01T10:60:00Z")", false},
    {"dateTime", R"("2017-01-01T10:00:00+14:30")", false},
    {"dateTime", R"("2017-01-01T10:00:00+0100")", false},
    {"dateTime", R"("2017-01-01T10:00:00.Z")", false},
    {"dateTime", R"("2017-01T10:00:00Z")", false},
    {"dateTime", R"("2017-01-01t10:00:00Z")", false},
    {"dateTime", R"("2017-02-30")", false},

    {"instant", R"("2015-02-07T13:28:17.239+02:00")", true},
    {"instant", R"("2017-01-01T00:00:00Z")", true},
    {"instant", R"("2017-01-01T00:00:00")", false},
    {"instant", R"("2017-01-01")", false},
    {"instant", R"("2017")", false},
    {"instant", R"("2017-01-01T00:00Z")", false},

    {"time", R"("10:30:00")", true},
    {"time", R"("23:59:59.999")", true},
    {"time", R"("24:00:00")", false},
    {"time", R"("10:30")", false},
    {"time", R"("10:30:00Z")", false},

    {"xhtml", R"("<div xmlns=\"http://www.w3.org/1999/xhtml\">text</div>")", true},
    {"xhtml", R"("<p>text</p>")", false},
    {"xhtml", R"("")", false},
};

TEST(PrimitiveTest, FollowsTheDatatypeRules) {
  for (const Case& c : kCases) {
    Result<json::Document> doc = json::Parse(c.json);
    ASSERT_TRUE(doc.has_value()) << c.json;
    std::optional<std::string> problem = CheckPrimitive(c.type, *doc);
    EXPECT_EQ(!problem.has_value(), c.valid) << c.type << " " << c.json << ": " << problem.value_or("valid");
  }
}

TEST(PrimitiveTest, NamesEveryPrimitive) {
  for (std::string_view name :
       {"boolean",      "integer", "positiveInt", "unsignedInt", "decimal", "string", "code",
        "id",           "uri",     "url",         "canonical",   "oid",     "uuid",   "markdown",
        "base64Binary", "date",    "dateTime",    "instant",     "time",    "xhtml"}) {
    EXPECT_TRUE(PrimitiveNamed(name).has_value()) << name;
  }
  EXPECT_FALSE(PrimitiveNamed("Quantity").has_value());
  EXPECT_FALSE(PrimitiveNamed("DateTime").has_value());
  Result<json::Document> doc = json::Parse(R"("x")");
  EXPECT_EQ(CheckPrimitive("Quantity", *doc), "'Quantity' is not a FHIR primitive type");
}

TEST(PrimitiveTest, ExplainsTheProblem) {
  Result<json::Document> date = json::Parse(R"("2023-02-29")");
  EXPECT_EQ(CheckPrimitive(Primitive::kDate, *date),
            "'2023-02-29' is not a valid date: day out of range for the month");
  Result<json::Document> text = json::Parse(R"("2023")");
  EXPECT_EQ(CheckPrimitive(Primitive::kBoolean, *text),
            "expected JSON true or false for boolean, found a string");
  EXPECT_EQ(CheckPrimitive(Primitive::kInteger, *text), "expected a JSON number for integer, found a string");
  Result<json::Document> empty = json::Parse(R"("")");
  EXPECT_EQ(CheckPrimitive(Primitive::kUri, *empty), "an empty uri is not allowed (leave the element out)");
}

TEST(PrimitiveTest, ShortensLongValuesInMessages) {
  std::string long_id(200, 'a');
  std::optional<std::string> problem = CheckPrimitiveText(Primitive::kId, long_id);
  ASSERT_TRUE(problem.has_value());
  EXPECT_LT(problem->size(), 120u);
  EXPECT_NE(problem->find("..."), std::string::npos);
}

TEST(PrimitiveTest, ChecksLexicalFormsOfNumbersAndBooleans) {
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kBoolean, "true"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kBoolean, "True"));
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kInteger, "-0"));
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kInteger, "2147483647"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kInteger, "2147483648"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kInteger, "99999999999999999999"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kInteger, "007"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kInteger, "+1"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kPositiveInt, "0"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kUnsignedInt, "-0"));
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kDecimal, "-0.50e+10"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kDecimal, "01.5"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kDecimal, "1."));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kDecimal, ".5"));
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kDecimal, "1e"));
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kDateTime, "2020-01-01T10:00:00+01:00"));
}

TEST(PrimitiveTest, CapsStringsAtOneMebicharacter) {
  std::string big(1024 * 1024, 'x');
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kString, big));
  big.push_back('x');
  EXPECT_TRUE(CheckPrimitiveText(Primitive::kString, big));
  // Characters, not bytes: 600k two-byte characters are within the limit.
  std::string accents;
  for (int i = 0; i < 600 * 1000; ++i) accents += "\xC3\xA9";
  EXPECT_FALSE(CheckPrimitiveText(Primitive::kString, accents));
}

}  // namespace
}  // namespace kiln::core
