// Bulk Data $export over HTTP (hl7.org/fhir/uv/bulkdata/export.html, v2), as a client does it:
// kick-off, polling the status URL, downloading the manifest's files, deleting the job.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "support/export_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

const Headers kAsync = {{"Prefer", "respond-async"}, {"Accept", "application/fhir+json"}};

using Manifest = ExportManifest;
using OutputFile = ExportOutputFile;
using Lines = ExportLines;

class ExportTest : public ::testing::Test {
 protected:
  std::string PathOf(const std::string& url) { return exports.PathOf(url); }
  std::string KickOff(const std::string& path, const std::string& body = "") {
    return exports.KickOff(path, body);
  }
  Manifest Complete(const std::string& status_path) { return exports.Complete(status_path); }
  std::map<std::string, Lines> Download(const Manifest& m) { return exports.Download(m); }
  std::set<std::string> Ids(const Lines& lines) { return IdsOf(lines); }
  std::set<std::string> Types(const Manifest& m) { return TypesOf(m); }
  std::string PatientJson(const std::string& family) {
    return R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})";
  }
  std::string ObservationJson(const std::string& patient) {
    std::string subject = patient.empty() ? "" : R"(,"subject":{"reference":"Patient/)" + patient + R"("})";
    return R"({"resourceType":"Observation","status":"final","code":{"text":"x"})" + subject + "}";
  }
  std::string LastUpdated(const std::string& type, const std::string& id) {
    return LastUpdatedOf(server, type, id);
  }

  TestServer server;
  ExportClient exports{server, server.base_url()};
};

TEST_F(ExportTest, KickOffNeedsPreferRespondAsync) {
  HttpResponse res = server.Get("$export");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"invalid"});
  EXPECT_EQ(server.Get("$export", {{"Prefer", "return=minimal"}}).status, 400);
  EXPECT_EQ(server.Get("$export", {{"Prefer", "handling=strict, respond-async"}}).status, 202);
}

TEST_F(ExportTest, BadParametersAre400WithAnOperationOutcome) {
  struct Case {
    std::string path, expression;
  };
  for (const Case& c :
       std::vector<Case>{{"$export?_outputFormat=text/csv", "_outputFormat"},
                         {"$export?_outputFormat=application/fhir%2Bjson", "_outputFormat"},
                         {"$export?_type=Patient,Nonsense", "_type"},
                         {"$export?_type=", "_type"},
                         {"$export?_since=yesterday", "_since"},
                         {"$export?_typeFilter=Patient%3Fnonsense%3Dtrue", "_typeFilter"},
                         {"$export?includeAssociatedData=LatestProvenanceResources", "includeAssociatedData"},
                         {"$export?_elements=Patient.name.family", "_elements"},
                         {"$export?patient=Patient/1", "patient"},
                         {"$export?foo=1", "foo"},
                         {"Patient/$export?_type=Organization", "_type"}}) {
    HttpResponse res = server.Get(c.path, kAsync);
    EXPECT_EQ(res.status, 400) << c.path << " -> " << res.body;
    auto outcome = res.Json();
    EXPECT_EQ(json::GetString(outcome, "resourceType"), "OperationOutcome") << c.path;
    EXPECT_EQ(IssueExpressions(outcome), std::vector<std::string>{c.expression}) << c.path;
  }
  // The three spellings of ndjson, the '+' also unescaped (a query string makes it a space).
  for (const char* format :
       {"application/fhir%2Bndjson", "application/fhir+ndjson", "application/ndjson", "ndjson"}) {
    Complete(KickOff(std::string("$export?_type=Patient&_outputFormat=") + format));
  }
  EXPECT_EQ(server.Request("PUT", "$export", "{}", kAsync).status, 405);
}

TEST_F(ExportTest, UnknownJobsAre404) {
  for (const char* path : {"_export/0123456789abcdef0123456789abcdef", "_export/nonsense",
                           "_export/0123456789abcdef0123456789abcdef/Patient-1.ndjson"}) {
    HttpResponse res = server.Get(path);
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"not-found"}) << path;
  }
  EXPECT_EQ(server.Delete("_export/0123456789abcdef0123456789abcdef").status, 404);
}

TEST_F(ExportTest, SystemExportOfCurrentVersionsAsServedByRead) {
  std::set<std::string> patients, observations;
  for (const char* family : {"Ames", "Baker", "Cole"})
    patients.insert(server.Create("Patient", PatientJson(family)));
  for (const std::string& p : patients) observations.insert(server.Create("Observation", ObservationJson(p)));
  std::string loose = server.Create("Observation", ObservationJson(""));
  observations.insert(loose);
  std::string org = server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");
  std::string updated = *patients.begin();
  ASSERT_EQ(server
                .Put("Patient/" + updated,
                     R"({"resourceType":"Patient","id":")" + updated + R"(","name":[{"family":"Updated"}]})")
                .status,
            200);
  std::string deleted = *observations.rbegin();
  ASSERT_EQ(server.Delete("Observation/" + deleted).status, 204);
  observations.erase(deleted);

  std::string status = KickOff("$export");
  EXPECT_EQ(status.size(), std::string("_export/").size() + 32) << "128 random bits as hex";
  Manifest m = Complete(status);
  EXPECT_EQ(m.request, server.base_url() + "/$export");
  EXPECT_FALSE(m.requires_access_token);
  EXPECT_EQ(m.errors, 0u);
  EXPECT_FALSE(m.transaction_time.empty());
  EXPECT_EQ(Types(m), (std::set<std::string>{"Observation", "Organization", "Patient"}));
  for (const OutputFile& f : m.output) EXPECT_TRUE(f.url.starts_with(server.base_url() + "/" + status + "/"));

  auto files = Download(m);
  EXPECT_EQ(Ids(files["Patient"]), patients);
  EXPECT_EQ(Ids(files["Observation"]), observations) << "the deleted one is absent";
  EXPECT_EQ(Ids(files["Organization"]), std::set<std::string>{org});
  // Every line is the resource exactly as a read serves it: the current version.
  for (const auto& [type, lines] : files) {
    for (const auto& [id, line] : lines)
      EXPECT_EQ(line, server.Get(type + "/" + id).body) << type << "/" << id;
  }
  auto latest = json::Parse(files["Patient"][updated]);
  ASSERT_TRUE(latest);
  EXPECT_EQ(json::GetString(*json::Find(*latest, "meta"), "versionId"), "2");
  EXPECT_NE(files["Patient"][updated].find("\"Updated\""), std::string::npos);
  EXPECT_LE(LastUpdated("Patient", updated), m.transaction_time) << "nothing newer than transactionTime";
}

TEST_F(ExportTest, TypeAndSinceSelect) {
  std::string old_patient = server.Create("Patient", PatientJson("Old"));
  std::string old_obs = server.Create("Observation", ObservationJson(old_patient));
  std::string since = LastUpdated("Observation", old_obs);
  std::string new_patient = server.Create("Patient", PatientJson("New"));
  std::string new_obs = server.Create("Observation", ObservationJson(new_patient));
  server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");

  Manifest only_obs = Complete(KickOff("$export?_type=Observation"));
  EXPECT_EQ(Types(only_obs), std::set<std::string>{"Observation"});
  EXPECT_EQ(Ids(Download(only_obs)["Observation"]), (std::set<std::string>{old_obs, new_obs}));

  Manifest repeated = Complete(KickOff("$export?_type=Patient&_type=Organization"));
  EXPECT_EQ(Types(repeated), (std::set<std::string>{"Organization", "Patient"}));

  // _since: changed strictly after the instant (here the last old resource's lastUpdated).
  Manifest recent = Complete(KickOff("$export?_since=" + since));
  auto files = Download(recent);
  EXPECT_EQ(Ids(files["Patient"]), std::set<std::string>{new_patient});
  EXPECT_EQ(Ids(files["Observation"]), std::set<std::string>{new_obs});
  EXPECT_EQ(files.count("Organization"), 1u);
  EXPECT_TRUE(Complete(KickOff("$export?_since=2999-01-01T00:00:00Z")).output.empty());

  // The same as a POST with a Parameters resource.
  Manifest posted = Complete(KickOff("$export", R"({"resourceType":"Parameters","parameter":[)"
                                                R"({"name":"_type","valueString":"Observation,Patient"},)"
                                                R"({"name":"_since","valueInstant":")" +
                                                    since + R"("}]})"));
  EXPECT_EQ(posted.request, server.base_url() + "/$export");
  auto posted_files = Download(posted);
  EXPECT_EQ(Types(posted), (std::set<std::string>{"Observation", "Patient"}));
  EXPECT_EQ(Ids(posted_files["Observation"]), std::set<std::string>{new_obs});
}

TEST_F(ExportTest, PatientExportHasOnlyThePatientCompartments) {
  std::string jo = server.Create("Patient", PatientJson("Jo"));
  std::string jo_obs = server.Create("Observation", ObservationJson(jo));
  std::string cond = server.Create(
      "Condition", R"({"resourceType":"Condition","subject":{"reference":"Patient/)" + jo + R"("}})");
  server.Create("Observation", ObservationJson(""));  // in no patient's compartment
  server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");

  Manifest m = Complete(KickOff("Patient/$export"));
  EXPECT_EQ(m.request, server.base_url() + "/Patient/$export");
  EXPECT_EQ(Types(m), (std::set<std::string>{"Condition", "Observation", "Patient"}));
  auto files = Download(m);
  EXPECT_EQ(Ids(files["Patient"]), std::set<std::string>{jo});
  EXPECT_EQ(Ids(files["Observation"]), std::set<std::string>{jo_obs});
  EXPECT_EQ(Ids(files["Condition"]), std::set<std::string>{cond});

  Manifest typed = Complete(KickOff("Patient/$export?_type=Observation"));
  EXPECT_EQ(Types(typed), std::set<std::string>{"Observation"});
  EXPECT_EQ(Ids(Download(typed)["Observation"]), std::set<std::string>{jo_obs});
}

// A tenant's export holds that tenant's resources only, under its own base URL, and its job is
// not reachable from another tenant.
TEST_F(ExportTest, ExportsStayInTheirTenant) {
  FhirClient jane = server.CreateTenant("jane");
  ASSERT_EQ(
      server.Put("Patient/same", R"({"resourceType":"Patient","id":"same","name":[{"family":"Default"}]})")
          .status,
      201);
  ASSERT_EQ(
      jane.Put("Patient/same", R"({"resourceType":"Patient","id":"same","name":[{"family":"Jane"}]})").status,
      201);
  server.Create("Observation", ObservationJson("same"));
  std::string base = server.TenantBaseUrl("jane");
  HttpResponse kicked = jane.Get("$export", kAsync);
  ASSERT_EQ(kicked.status, 202) << kicked.body;
  std::string location = kicked.Header("Content-Location");
  ASSERT_TRUE(location.starts_with(base + "/_export/")) << location;
  std::string status = location.substr(base.size() + 1);
  EXPECT_EQ(server.Get(status).status, 404) << "another tenant's job";
  HttpResponse done;
  for (int i = 0; i < 3000; ++i) {
    done = jane.Get(status);
    if (done.status != 202) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(done.status, 200) << done.body;
  Manifest m = ManifestOf(done);
  ASSERT_EQ(m.output.size(), 1u) << done.body;
  EXPECT_EQ(m.output[0].type, "Patient");
  ASSERT_TRUE(m.output[0].url.starts_with(base + "/")) << m.output[0].url;
  std::string file = m.output[0].url.substr(base.size() + 1);
  EXPECT_EQ(server.Get(file).status, 404) << "another tenant's file";
  HttpResponse lines = jane.Get(file);
  ASSERT_EQ(lines.status, 200);
  EXPECT_EQ(SplitLines(lines.body).size(), 1u);
  EXPECT_NE(lines.body.find("Jane"), std::string::npos);
  EXPECT_EQ(lines.body.find("Default"), std::string::npos);
}

TEST_F(ExportTest, DeleteRemovesTheJobAndItsFiles) {
  server.Create("Patient", PatientJson("Jo"));
  std::string status = KickOff("$export?_type=Patient");
  Manifest m = Complete(status);
  ASSERT_EQ(m.output.size(), 1u);
  std::string file = PathOf(m.output[0].url);
  std::string dir = server.data_dir() + "/export/" + status.substr(status.find('/') + 1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/Patient-1.ndjson"));
  HttpResponse head = server.Request("HEAD", file);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(server.Get(file).body.size()));
  EXPECT_EQ(server.Request("POST", status).status, 405);
  HttpResponse deleted = server.Delete(status);
  EXPECT_EQ(deleted.status, 202) << deleted.body;
  EXPECT_EQ(server.Get(status).status, 404);
  EXPECT_EQ(server.Get(file).status, 404);
  EXPECT_EQ(server.Delete(status).status, 404);
  EXPECT_FALSE(std::filesystem::exists(dir));

  // A job deleted before it finished is gone at once, and its files soon after.
  std::string early = KickOff("$export");
  EXPECT_EQ(server.Delete(early).status, 202);
  EXPECT_EQ(server.Get(early).status, 404);
  std::string early_dir = server.data_dir() + "/export/" + early.substr(early.find('/') + 1);
  for (int i = 0; i < 500 && std::filesystem::exists(early_dir); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_FALSE(std::filesystem::exists(early_dir));
}

TEST(ExportSplitTest, LargeTypesAreSplitIntoSeveralFiles) {
  TestServer server(ServerOptionsForTest{.export_resources_per_file = 2});
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(server.Create("Patient", R"({"resourceType":"Patient"})"));
  HttpResponse kick = server.Get("$export?_type=Patient", kAsync);
  ASSERT_EQ(kick.status, 202);
  std::string status = kick.Header("Content-Location").substr(server.base_url().size() + 1);
  HttpResponse res;
  for (int i = 0; i < 500 && (res = server.Get(status)).status == 202; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_EQ(res.status, 200);
  Manifest m = ManifestOf(res);
  ASSERT_EQ(m.output.size(), 3u);
  std::set<std::string> seen;
  std::vector<int64_t> counts;
  for (const OutputFile& f : m.output) {
    EXPECT_EQ(f.type, "Patient");
    counts.push_back(f.count);
    HttpResponse file = server.Get(f.url.substr(server.base_url().size() + 1));
    for (const std::string& line : SplitLines(file.body)) {
      auto doc = json::Parse(line);
      ASSERT_TRUE(doc) << line;
      seen.insert(std::string(json::GetString(*doc, "id")));
    }
  }
  EXPECT_EQ(counts, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_TRUE(m.output[0].url.ends_with("/Patient-1.ndjson"));
  EXPECT_TRUE(m.output[2].url.ends_with("/Patient-3.ndjson"));
  EXPECT_EQ(seen, ids);
}

TEST(ExportLimitTest, TooManyJobsAre429WithRetryAfter) {
  TestServer server(ServerOptionsForTest{.export_max_jobs = 0});
  HttpResponse res = server.Get("$export", kAsync);
  EXPECT_EQ(res.status, 429);
  EXPECT_FALSE(res.Header("Retry-After").empty());
  EXPECT_EQ(IssueCodes(res.Json()), std::vector<std::string>{"transient"});
}

TEST_F(ExportTest, ARestartKeepsCompleteJobsAndRunsInterruptedOnesAgain) {
  std::string patient = server.Create("Patient", PatientJson("Jo"));
  std::string done = KickOff("$export?_type=Patient");
  Manifest before = Complete(done);
  std::string interrupted = KickOff("$export?_type=Patient");
  Complete(interrupted);
  // While the server is down, make the second job look as a crash would leave it: no manifest,
  // a half-written file; and add a job directory without job.json.
  std::string dir = server.data_dir() + "/export/" + interrupted.substr(interrupted.find('/') + 1);
  server.Restart([&] {
    std::filesystem::remove(dir + "/manifest.json");
    std::FILE* half = std::fopen((dir + "/Patient-1.ndjson").c_str(), "w");
    ASSERT_NE(half, nullptr);
    std::fputs("{\"resourceType\":\"Pati", half);
    std::fclose(half);
    std::filesystem::create_directories(server.data_dir() + "/export/00000000000000000000000000000000");
  });

  EXPECT_EQ(Complete(done).output.size(), before.output.size());
  Manifest again = Complete(interrupted);
  auto files = Download(again);
  EXPECT_EQ(Ids(files["Patient"]), std::set<std::string>{patient}) << "run again, not the half-written file";
  EXPECT_FALSE(std::filesystem::exists(server.data_dir() + "/export/00000000000000000000000000000000"))
      << "a directory without job.json is removed";
}

TEST_F(ExportTest, CapabilityStatementListsTheExportOperations) {
  auto doc = server.Get("metadata").Json();
  const json::Value& rest = json::Find(doc, "rest")->GetArray()[0];
  std::set<std::string> system_ops, patient_ops;
  for (const auto& op : json::Find(rest, "operation")->GetArray())
    system_ops.insert(std::string(json::GetString(op, "definition")));
  for (const auto& r : json::Find(rest, "resource")->GetArray()) {
    if (json::GetString(r, "type") != "Patient") continue;
    for (const auto& op : json::Find(r, "operation")->GetArray())
      patient_ops.insert(std::string(json::GetString(op, "name")));
  }
  EXPECT_TRUE(system_ops.contains("http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export"));
  EXPECT_TRUE(patient_ops.contains("export"));
  EXPECT_TRUE(patient_ops.contains("everything"));
}

}  // namespace
}  // namespace kiln::testing
