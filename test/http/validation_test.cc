// Validation on every write: bad input gets a 400 OperationOutcome naming the element, and
// nothing invalid is ever stored.
#include <gtest/gtest.h>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class ValidationTest : public ::testing::Test {
 protected:
  // Asserts a 400 whose OperationOutcome names `expression`, and that nothing was stored.
  void ExpectRejected(const std::string& type, const std::string& body, const std::string& expression) {
    HttpResponse res = server.Post(type, body);
    EXPECT_EQ(res.status, 400) << body << " -> " << res.body;
    auto doc = res.Json();
    EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome");
    if (!expression.empty()) {
      auto exprs = IssueExpressions(doc);
      EXPECT_NE(std::find(exprs.begin(), exprs.end(), expression), exprs.end())
          << "expected an issue at " << expression << " in " << res.body;
    }
    auto all = server.Get("_history").Json();
    EXPECT_EQ((*json::Find(all, "total")).GetInt(), 0) << "an invalid resource was stored";
  }
  TestServer server;
};

TEST_F(ValidationTest, MalformedJson) { ExpectRejected("Patient", R"({"resourceType":"Patient",)", ""); }

// JSON text must be UTF-8 (RFC 8259): a string with a byte that no UTF-8 sequence has, or a
// sequence cut short, is rejected, on its own and inside a Bundle's entry (where the Bundle's
// text is checked once, whole).
TEST_F(ValidationTest, TextThatIsNotUtf8) {
  for (const std::string& bad : {std::string("M\xfcller"), std::string("caf\xc3")}) {
    ExpectRejected("Patient", R"({"resourceType":"Patient","name":[{"family":")" + bad + R"("}]})", "");
    std::string bundle =
        R"({"resourceType":"Bundle","type":"transaction","entry":[)"
        R"({"resource":{"resourceType":"Patient","active":true},"request":{"method":"POST","url":"Patient"}},)"
        R"({"resource":{"resourceType":"Patient","name":[{"family":")" +
        bad + R"("}]},"request":{"method":"POST","url":"Patient"}}]})";
    HttpResponse res = server.Post("", bundle);
    EXPECT_EQ(res.status, 400) << res.body;
    EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
    HttpResponse history = server.Get("_history?_summary=count");
    auto counted = history.Json();
    const json::Value* total = json::Find(counted, "total");
    ASSERT_NE(total, nullptr) << history.body;
    EXPECT_EQ(total->GetInt(), 0) << "text that is not UTF-8 was stored";
  }
}

TEST_F(ValidationTest, NotAnObject) { ExpectRejected("Patient", R"(["Patient"])", ""); }

TEST_F(ValidationTest, MissingResourceType) {
  ExpectRejected("Patient", R"({"active":true})", "resourceType");
}

TEST_F(ValidationTest, UnknownResourceTypeInBody) {
  ExpectRejected("Patient", R"({"resourceType":"Patientx"})", "resourceType");
}

TEST_F(ValidationTest, ResourceTypeDiffersFromUrl) {
  ExpectRejected("Patient", R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})",
                 "resourceType");
}

TEST_F(ValidationTest, UnknownTypeInUrlIs404) {
  HttpResponse res = server.Post("Patientx", R"({"resourceType":"Patientx"})");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(server.Get("Patientx/1").status, 404);
  EXPECT_EQ(server.Get("DomainResource/1").status, 404) << "abstract types are not endpoints";
}

TEST_F(ValidationTest, UnknownElement) {
  ExpectRejected("Patient", R"({"resourceType":"Patient","favouriteColour":"blue"})",
                 "Patient.favouriteColour");
}

TEST_F(ValidationTest, WrongDateFormat) {
  ExpectRejected("Patient", R"({"resourceType":"Patient","birthDate":"1970-13-01"})", "Patient.birthDate");
  ExpectRejected("Patient", R"({"resourceType":"Patient","birthDate":"01/02/1970"})", "Patient.birthDate");
}

TEST_F(ValidationTest, WrongBooleanAndInteger) {
  ExpectRejected("Patient", R"({"resourceType":"Patient","active":"true"})", "Patient.active");
  ExpectRejected("Patient", R"({"resourceType":"Patient","multipleBirthInteger":1.5})",
                 "Patient.multipleBirthInteger");
}

TEST_F(ValidationTest, WrongDateTimeAndInstant) {
  ExpectRejected(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"effectiveDateTime":"2020-01-01T10:00"})",
      "Observation.effectiveDateTime");
  ExpectRejected(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"issued":"2020-01-01"})",
      "Observation.issued");
}

TEST_F(ValidationTest, WrongDecimal) {
  ExpectRejected(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueQuantity":{"value":"7"}})",
      "Observation.valueQuantity.value");
}

TEST_F(ValidationTest, MissingRequiredElement) {
  ExpectRejected("Observation", R"({"resourceType":"Observation","code":{"text":"x"}})",
                 "Observation.status");
  ExpectRejected("Observation", R"({"resourceType":"Observation","status":"final"})", "Observation.code");
}

TEST_F(ValidationTest, ArrayWhereSingleValueBelongsAndTheReverse) {
  ExpectRejected("Patient", R"({"resourceType":"Patient","gender":["male"]})", "Patient.gender");
  ExpectRejected("Patient", R"({"resourceType":"Patient","name":{"family":"Smith"}})", "Patient.name");
}

TEST_F(ValidationTest, BadChoiceTypeSuffix) {
  ExpectRejected("Observation",
                 R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"valueFoo":"x"})",
                 "Observation.valueFoo");
}

TEST_F(ValidationTest, InvalidIdInBody) {
  HttpResponse res = server.Put("Patient/a", R"({"resourceType":"Patient","id":"a b"})");
  EXPECT_EQ(res.status, 400);
}

TEST_F(ValidationTest, ValidResourcesWithExtensionsAndContainedAreAccepted) {
  HttpResponse res = server.Post("Patient", R"({"resourceType":"Patient",
      "contained":[{"resourceType":"Organization","id":"org","name":"Acme"}],
      "managingOrganization":{"reference":"#org"},
      "birthDate":"1970","_birthDate":{"extension":[{"url":"http://example.org/x","valueString":"approx"}]},
      "name":[{"given":["A","B"],"_given":[null,{"extension":[{"url":"http://x","valueBoolean":true}]}]}]})");
  EXPECT_EQ(res.status, 201) << res.body;
}

TEST_F(ValidationTest, ContainedResourcesAreValidatedToo) {
  ExpectRejected(
      "Patient",
      R"({"resourceType":"Patient","contained":[{"resourceType":"Organization","id":"o","bogus":1}]})", "");
}

TEST_F(ValidationTest, ReportsAllProblemsAtOnce) {
  HttpResponse res =
      server.Post("Patient", R"({"resourceType":"Patient","bogus":1,"birthDate":"x","active":"y"})");
  EXPECT_EQ(res.status, 400);
  EXPECT_GE(IssueExpressions(res.Json()).size(), 3u) << res.body;
}

}  // namespace
}  // namespace kiln::testing
