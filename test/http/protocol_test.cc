// HTTP protocol behaviour: content negotiation, body limits, methods, routes, Binary, and the
// CapabilityStatement.
#include <gtest/gtest.h>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class ProtocolTest : public ::testing::Test {
 protected:
  TestServer server{ServerOptionsForTest{.max_body_bytes = 4096}};
};

TEST_F(ProtocolTest, BodyOverTheLimitIs413) {
  std::string big = R"({"resourceType":"Patient","name":[{"family":")" + std::string(5000, 'x') + "\"}]}";
  HttpResponse res = server.Post("Patient", big);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"too-long"});
}

TEST_F(ProtocolTest, WrongContentTypeIs415) {
  HttpResponse res =
      server.Post("Patient", R"({"resourceType":"Patient"})", {{"Content-Type", "text/plain"}});
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
  EXPECT_EQ(server.Post("Patient", "<Patient/>", {{"Content-Type", "application/fhir+xml"}}).status, 415);
  EXPECT_EQ(
      server.Post("Patient", R"({"resourceType":"Patient"})", {{"Content-Type", "application/json"}}).status,
      201);
}

TEST_F(ProtocolTest, UnsupportedMethodIs405WithAllow) {
  HttpResponse res = server.Request("PATCH", "Patient/_history");
  EXPECT_EQ(res.status, 405);
  EXPECT_FALSE(res.Header("Allow").empty());
  EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
  EXPECT_EQ(server.Request("POST", "metadata", "{}").status, 405);
}

TEST_F(ProtocolTest, UnknownRoutesAre404) {
  EXPECT_EQ(server.Get("Patient/1/foo").status, 404);
  EXPECT_EQ(server.Get("nothing-here").status, 404);
  HttpResponse outside = Send(server.port(), "GET", "/elsewhere");
  EXPECT_EQ(outside.status, 404);
  EXPECT_EQ(json::GetString(outside.Json(), "resourceType"), "OperationOutcome");
}

TEST_F(ProtocolTest, FormatNegotiation) {
  std::string id = server.Create("Patient", R"({"resourceType":"Patient"})");
  EXPECT_EQ(server.Get("Patient/" + id + "?_format=xml").status, 406);
  EXPECT_EQ(server.Get("Patient/" + id, {{"Accept", "application/fhir+xml"}}).status, 406);
  HttpResponse json = server.Get("Patient/" + id + "?_format=json");
  EXPECT_EQ(json.status, 200);
  HttpResponse plain = server.Get("Patient/" + id, {{"Accept", "application/json"}});
  EXPECT_EQ(plain.Header("Content-Type"), "application/json; charset=utf-8");
  HttpResponse fhir = server.Get("Patient/" + id, {{"Accept", "application/fhir+json;q=0.9, */*;q=0.1"}});
  EXPECT_EQ(fhir.Header("Content-Type"), "application/fhir+json; charset=utf-8");
  HttpResponse pretty = server.Get("Patient/" + id + "?_pretty=true");
  EXPECT_NE(pretty.body.find("\n  \"id\": "), std::string::npos) << pretty.body;
  EXPECT_EQ(server.Get("Patient/" + id).body.find('\n'), std::string::npos);
}

TEST_F(ProtocolTest, CapabilityStatementListsEveryResourceType) {
  HttpResponse res = server.Get("metadata");
  ASSERT_EQ(res.status, 200);
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "resourceType"), "CapabilityStatement");
  EXPECT_EQ(json::GetString(doc, "fhirVersion"), "4.0.1");
  const json::Value& rest = (*json::Find(doc, "rest"))[0];
  const json::Value& resources = *json::Find(rest, "resource");
  EXPECT_EQ(resources.Size(), 146u);
  bool has_patient = false;
  for (const auto& r : resources.GetArray()) {
    if (json::GetString(r, "type") == "Patient") {
      has_patient = true;
      EXPECT_EQ(json::GetString(r, "versioning"), "versioned");
      EXPECT_GE((*json::Find(r, "interaction")).Size(), 8u);
    }
  }
  EXPECT_TRUE(has_patient);
}

TEST_F(ProtocolTest, RawBinaryRoundTrip) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\x01\x02", 11);
  HttpResponse created = server.Post("Binary", bytes, {{"Content-Type", "image/png"}});
  ASSERT_EQ(created.status, 201) << created.body;
  auto doc = created.Json();
  EXPECT_EQ(json::GetString(doc, "contentType"), "image/png");
  std::string id(json::GetString(doc, "id"));
  HttpResponse raw = server.Get("Binary/" + id, {{"Accept", "image/png"}});
  EXPECT_EQ(raw.status, 200);
  EXPECT_EQ(raw.Header("Content-Type"), "image/png");
  EXPECT_EQ(raw.body, bytes);
  HttpResponse as_fhir = server.Get("Binary/" + id, {{"Accept", "application/fhir+json"}});
  EXPECT_EQ(json::GetString(as_fhir.Json(), "resourceType"), "Binary");
  EXPECT_EQ(server.Put("Binary/b1", "hello", {{"Content-Type", "text/plain"}}).status, 201);
  EXPECT_EQ(server.Get("Binary/b1", {{"Accept", "text/plain"}}).body, "hello");
}

TEST_F(ProtocolTest, RequestIdIsEchoed) {
  HttpResponse res = server.Get("metadata", {{"X-Request-Id", "abc-123"}});
  EXPECT_EQ(res.Header("X-Request-Id"), "abc-123");
  EXPECT_FALSE(server.Get("metadata").Header("X-Request-Id").empty());
}

}  // namespace
}  // namespace kiln::testing
