// The patch interaction over HTTP (hl7.org/fhir/R4/http.html#patch): JSON Patch and FHIRPath
// Patch bodies, versioning, conditional patch, and what a patch may not do.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kPatient =
    R"({"resourceType":"Patient","active":true,"gender":"male","name":[{"family":"Smith","given":["Jo"]}],)"
    R"("identifier":[{"system":"urn:s","value":"a"},{"system":"urn:s","value":"b"}],"birthDate":"1970-01-01"})";

const Headers kJsonPatch = {{"Content-Type", "application/json-patch+json"}};
const Headers kFhirJson = {{"Content-Type", "application/fhir+json"}};

// A FHIRPath Patch with one operation made of the given parts (each a part's JSON).
std::string FhirPatch(std::initializer_list<std::string> parts) {
  std::string out = R"({"resourceType":"Parameters","parameter":[{"name":"operation","part":[)";
  bool first = true;
  for (const std::string& p : parts) {
    if (!first) out += ",";
    first = false;
    out += p;
  }
  return out + "]}]}";
}
std::string Part(const std::string& name, const std::string& value_member) {
  return R"({"name":")" + name + R"(",)" + value_member + "}";
}
std::string Str(const std::string& name, const std::string& value) {
  return Part(name, R"("valueString":")" + value + "\"");
}
std::string Code(const std::string& value) { return Part("type", R"("valueCode":")" + value + "\""); }
std::string Int(const std::string& name, int value) {
  return Part(name, R"("valueInteger":)" + std::to_string(value));
}

class PatchTest : public ::testing::Test {
 protected:
  HttpResponse Patch(const std::string& path, const std::string& body, Headers headers) const {
    return server.Request("PATCH", path, body, headers);
  }
  // The current resource, parsed.
  json::Document Current(const std::string& id) const { return server.Get("Patient/" + id).Json(); }

  TestServer server;
};

std::string Family(const json::Value& patient, size_t i = 0) {
  return std::string(
      json::GetString((*json::Find(patient, "name"))[static_cast<rapidjson::SizeType>(i)], "family"));
}

TEST_F(PatchTest, JsonPatchEachOperation) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res = Patch("Patient/" + id,
                           R"([{"op":"test","path":"/gender","value":"male"},)"
                           R"({"op":"replace","path":"/gender","value":"female"},)"
                           R"({"op":"add","path":"/name/0/given/-","value":"Ann"},)"
                           R"({"op":"remove","path":"/active"},)"
                           R"({"op":"copy","from":"/name/0","path":"/name/-"},)"
                           R"({"op":"move","from":"/identifier/0","path":"/identifier/1"},)"
                           R"({"op":"replace","path":"/name/1/family","value":"Jones"}])",
                           kJsonPatch);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("ETag"), "W/\"2\"");
  EXPECT_FALSE(res.Header("Last-Modified").empty());
  EXPECT_EQ(res.Header("Location"), server.base_url() + "/Patient/" + id + "/_history/2");
  json::Document doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "gender"), "female");
  EXPECT_EQ(json::Find(doc, "active"), nullptr);
  EXPECT_EQ(Family(doc, 0), "Smith");
  EXPECT_EQ(Family(doc, 1), "Jones");
  EXPECT_EQ((*json::Find((*json::Find(doc, "name"))[0], "given")).Size(), 2u);
  EXPECT_EQ(json::GetString((*json::Find(doc, "identifier"))[0], "value"), "b");
  EXPECT_EQ(json::GetString(*json::Find(doc, "meta"), "versionId"), "2");
  // What was returned is what is stored, and history says how it came to be.
  EXPECT_EQ(json::Write(Current(id)), json::Write(doc));
  json::Document history = server.Get("Patient/" + id + "/_history").Json();
  const json::Value& newest = (*json::Find(history, "entry"))[0];
  EXPECT_EQ(json::GetString(*json::Find(newest, "request"), "method"), "PATCH");
  EXPECT_EQ(json::GetString(*json::Find(newest, "request"), "url"), "Patient/" + id);
}

TEST_F(PatchTest, JsonPatchFailures) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse failed_test =
      Patch("Patient/" + id, R"([{"op":"test","path":"/gender","value":"female"}])", kJsonPatch);
  EXPECT_EQ(failed_test.status, 422) << failed_test.body;
  EXPECT_EQ(json::GetString(failed_test.Json(), "resourceType"), "OperationOutcome");
  EXPECT_EQ(Patch("Patient/" + id, R"([{"op":"remove","path":"/deceasedBoolean"}])", kJsonPatch).status, 422);
  EXPECT_EQ(Patch("Patient/" + id, R"({"op":"remove","path":"/gender"})", kJsonPatch).status, 400);
  EXPECT_EQ(Patch("Patient/" + id, R"([{"op":"frob","path":"/gender"}])", kJsonPatch).status, 400);
  EXPECT_EQ(Patch("Patient/" + id, "[{", kJsonPatch).status, 400);
  EXPECT_EQ(server.Get("Patient/" + id).Header("ETag"), "W/\"1\"");
}

TEST_F(PatchTest, FhirPathPatchAdd) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res =
      Patch("Patient/" + id,
            FhirPatch({Code("add"), Str("path", "Patient"), Str("name", "telecom"),
                       Part("value", R"("valueContactPoint":{"system":"phone","value":"555"})")}),
            kFhirJson);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::GetString((*json::Find(res.Json(), "telecom"))[0], "value"), "555");
}

TEST_F(PatchTest, FhirPathPatchInsert) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res = Patch("Patient/" + id,
                           FhirPatch({Code("insert"), Str("path", "Patient.identifier"), Int("index", 0),
                                      Part("value", R"("valueIdentifier":{"system":"urn:s","value":"z"})")}),
                           kFhirJson);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  const json::Value& ids = *json::Find(doc, "identifier");
  ASSERT_EQ(ids.Size(), 3u);
  EXPECT_EQ(json::GetString(ids[0], "value"), "z");
  EXPECT_EQ(json::GetString(ids[2], "value"), "b");
}

TEST_F(PatchTest, FhirPathPatchDelete) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res =
      Patch("Patient/" + id, FhirPatch({Code("delete"), Str("path", "Patient.identifier[0]")}), kFhirJson);
  ASSERT_EQ(res.status, 200) << res.body;
  auto doc = res.Json();
  const json::Value& ids = *json::Find(doc, "identifier");
  ASSERT_EQ(ids.Size(), 1u);
  EXPECT_EQ(json::GetString(ids[0], "value"), "b");
}

TEST_F(PatchTest, FhirPathPatchReplace) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res =
      Patch("Patient/" + id,
            FhirPatch({Code("replace"), Str("path", "Patient.name.where(family = 'Smith').family"),
                       Str("value", "Brown")}),
            kFhirJson);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(Family(res.Json()), "Brown");
}

TEST_F(PatchTest, FhirPathPatchMove) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res = Patch(
      "Patient/" + id,
      FhirPatch({Code("move"), Str("path", "Patient.identifier"), Int("source", 1), Int("destination", 0)}),
      kFhirJson);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(json::GetString((*json::Find(res.Json(), "identifier"))[0], "value"), "b");
}

TEST_F(PatchTest, FhirPathPatchThatCannotApplyIs422AndMalformedIs400) {
  std::string id = server.Create("Patient", kPatient);
  EXPECT_EQ(Patch("Patient/" + id,
                  FhirPatch({Code("replace"), Str("path", "Patient.deceased"), Str("value", "x")}), kFhirJson)
                .status,
            422);
  EXPECT_EQ(Patch("Patient/" + id, FhirPatch({Code("explode"), Str("path", "Patient")}), kFhirJson).status,
            400);
  EXPECT_EQ(Patch("Patient/" + id, R"({"resourceType":"Patient"})", kFhirJson).status, 400);
  HttpResponse invalid =
      Patch("Patient/" + id,
            R"({"resourceType":"Parameters","parameter":[{"name":"operation","colour":"red"}]})", kFhirJson);
  EXPECT_EQ(invalid.status, 400) << invalid.body;
  EXPECT_EQ(IssueExpressions(invalid.Json()), std::vector<std::string>{"Parameters.parameter[0].colour"});
  EXPECT_EQ(server.Get("Patient/" + id).Header("ETag"), "W/\"1\"");
}

TEST_F(PatchTest, IfMatchMismatchIs412) {
  std::string id = server.Create("Patient", kPatient);
  std::string body = R"([{"op":"replace","path":"/gender","value":"female"}])";
  HttpResponse stale = Patch("Patient/" + id, body,
                             {{"Content-Type", "application/json-patch+json"}, {"If-Match", "W/\"7\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  EXPECT_EQ(json::GetString(Current(id), "gender"), "male");
  HttpResponse ok = Patch("Patient/" + id, body,
                          {{"Content-Type", "application/json-patch+json"}, {"If-Match", "W/\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.Header("ETag"), "W/\"2\"");
}

TEST_F(PatchTest, ConditionalPatchByMatchCount) {
  std::string body = R"([{"op":"replace","path":"/gender","value":"other"}])";
  EXPECT_EQ(Patch("Patient?family=Nobody", body, kJsonPatch).status, 404);
  std::string id = server.Create("Patient", kPatient);
  HttpResponse one = Patch("Patient?family=Smith", body, kJsonPatch);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(json::GetString(one.Json(), "id"), id);
  EXPECT_EQ(json::GetString(Current(id), "gender"), "other");
  server.Create("Patient", kPatient);
  EXPECT_EQ(Patch("Patient?family=Smith", body, kJsonPatch).status, 412);
  EXPECT_EQ(Patch("Patient", body, kJsonPatch).status, 400);  // no criteria, no id
}

TEST_F(PatchTest, InvalidResultIs422AndNothingIsStored) {
  std::string id = server.Create("Patient", kPatient);
  // Not a valid Patient: gender is a code, colour is no element.
  for (const char* bad :
       {R"([{"op":"replace","path":"/gender","value":42}])",
        R"([{"op":"add","path":"/colour","value":"red"}])",
        R"([{"op":"replace","path":"/birthDate","value":"yesterday"}])",
        R"([{"op":"replace","path":"/id","value":"other"}])", R"([{"op":"remove","path":"/id"}])",
        R"([{"op":"replace","path":"/resourceType","value":"Group"}])"}) {
    HttpResponse res = Patch("Patient/" + id, bad, kJsonPatch);
    EXPECT_EQ(res.status, 422) << bad << " -> " << res.body;
    EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome");
  }
  EXPECT_EQ(server.Get("Patient/" + id + "/_history/2").status, 404);
  HttpResponse history = server.Get("Patient/" + id + "/_history");
  EXPECT_EQ(json::Find(history.Json(), "entry")->Size(), 1u);
  EXPECT_EQ(server.Get("Patient/" + id).Header("ETag"), "W/\"1\"");
}

TEST_F(PatchTest, WrongContentTypeIs415) {
  std::string id = server.Create("Patient", kPatient);
  std::string body = R"([{"op":"remove","path":"/active"}])";
  EXPECT_EQ(Patch("Patient/" + id, body, {{"Content-Type", "text/plain"}}).status, 415);
  EXPECT_EQ(Patch("Patient/" + id, body, {{"Content-Type", "application/fhir+xml"}}).status, 415);
  EXPECT_EQ(Patch("Patient/" + id, body, {{"Content-Type", "application/xml-patch+xml"}}).status, 415);
}

TEST_F(PatchTest, UnknownIs404AndDeletedIs410) {
  std::string body = R"([{"op":"remove","path":"/active"}])";
  EXPECT_EQ(Patch("Patient/nobody", body, kJsonPatch).status, 404);
  EXPECT_EQ(server.Get("Patient/nobody").status, 404);  // and the patch did not create it
  std::string id = server.Create("Patient", kPatient);
  ASSERT_EQ(server.Delete("Patient/" + id).status, 204);
  HttpResponse gone = Patch("Patient/" + id, body, kJsonPatch);
  EXPECT_EQ(gone.status, 410) << gone.body;
  EXPECT_EQ(gone.Header("ETag"), "W/\"2\"");
}

TEST_F(PatchTest, PreferReturnIsHonoured) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse minimal =
      Patch("Patient/" + id, R"([{"op":"remove","path":"/active"}])",
            {{"Content-Type", "application/json-patch+json"}, {"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 200);
  EXPECT_TRUE(minimal.body.empty()) << minimal.body;
  HttpResponse outcome =
      Patch("Patient/" + id, R"([{"op":"add","path":"/active","value":false}])",
            {{"Content-Type", "application/json-patch+json"}, {"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 200);
  EXPECT_EQ(json::GetString(outcome.Json(), "resourceType"), "OperationOutcome");
}

TEST_F(PatchTest, SearchIndexFollowsThePatch) {
  std::string id = server.Create("Patient", kPatient);
  ASSERT_EQ(
      Patch("Patient/" + id, R"([{"op":"replace","path":"/name/0/family","value":"Patched"}])", kJsonPatch)
          .status,
      200);
  HttpResponse found = server.Get("Patient?family=Patched");
  ASSERT_EQ(found.status, 200);
  ASSERT_NE(json::Find(found.Json(), "entry"), nullptr) << found.body;
  EXPECT_EQ(json::Find(found.Json(), "entry")->Size(), 1u);
  HttpResponse old = server.Get("Patient?family=Smith");
  EXPECT_EQ(json::Find(old.Json(), "entry"), nullptr) << old.body;
}

TEST_F(PatchTest, DecimalsKeepTheirDigits) {
  std::string id = server.Create(
      "Observation",
      R"({"resourceType":"Observation","status":"preliminary","code":{"text":"w"},"valueQuantity":{"value":72.50,"unit":"kg"}})");
  HttpResponse res =
      server.Request("PATCH", "Observation/" + id,
                     R"([{"op":"replace","path":"/status","value":"final"},)"
                     R"({"op":"add","path":"/valueQuantity/comparator","value":"<"},)"
                     R"({"op":"add","path":"/referenceRange","value":[{"low":{"value":1.50}}]}])",
                     kJsonPatch);
  ASSERT_EQ(res.status, 200) << res.body;
  HttpResponse read = server.Get("Observation/" + id);
  EXPECT_NE(read.body.find(R"("value":72.50)"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find(R"("value":1.50)"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find(R"("status":"final")"), std::string::npos) << read.body;
}

TEST_F(PatchTest, ConcurrentPatchesAreEachAppliedToTheCurrentVersion) {
  std::string id = server.Create("Patient", kPatient);
  constexpr int kWriters = 4;
  std::vector<std::thread> writers;
  std::vector<int> statuses(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      std::string body =
          R"([{"op":"add","path":"/identifier/-","value":{"value":"w)" + std::to_string(i) + R"("}}])";
      statuses[i] = Patch("Patient/" + id, body, kJsonPatch).status;
    });
  }
  for (std::thread& t : writers) t.join();
  for (int s : statuses) EXPECT_EQ(s, 200);
  // A retried patch is re-applied to what another writer stored, so no addition is lost.
  json::Document doc = Current(id);
  EXPECT_EQ(json::Find(doc, "identifier")->Size(), 2u + kWriters);
  EXPECT_EQ(json::GetString(*json::Find(doc, "meta"), "versionId"), std::to_string(1 + kWriters));
}

TEST_F(PatchTest, AllowAndCapabilities) {
  HttpResponse res = server.Request("POST", "Patient/1");
  EXPECT_EQ(res.status, 405);
  EXPECT_NE(res.Header("Allow").find("PATCH"), std::string::npos);
  json::Document cap = server.Get("metadata").Json();
  const json::Value& patient = (*json::Find((*json::Find(cap, "rest"))[0], "resource"))[0];
  bool has_patch = false;
  for (const json::Value& i : json::Find(patient, "interaction")->GetArray()) {
    has_patch = has_patch || json::GetString(i, "code") == "patch";
  }
  EXPECT_TRUE(has_patch);
}

}  // namespace
}  // namespace kiln::testing
