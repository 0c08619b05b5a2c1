// The Bulk Data kick-off parameters that narrow what an export holds, over HTTP
// (hl7.org/fhir/uv/bulkdata/export.html#query-parameters, v2): `patient` (the compartments of
// the Patients named, at Patient and Group level), `_elements` (top-level elements only,
// tagged SUBSETTED), `_typeFilter` (search queries per type) and
// `includeAssociatedData=RelevantProvenanceResources`.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/export_client.h"
#include "support/oauth_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

const Headers kAsync = {{"Prefer", "respond-async"}, {"Accept", "application/fhir+json"}};

std::string PatientJson(const std::string& family) {
  return R"({"resourceType":"Patient","gender":"female","name":[{"family":")" + family + R"("}]})";
}
std::string ObservationJson(const std::string& patient) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/)" +
         patient + R"("}})";
}
std::string ObservationJson(const std::string& patient, const std::string& status) {
  return R"({"resourceType":"Observation","status":")" + status +
         R"(","code":{"text":"x"},"subject":{"reference":"Patient/)" + patient + R"("}})";
}
std::string ProvenanceJson(const std::string& target) {
  return R"({"resourceType":"Provenance","target":[{"reference":")" + target +
         R"("}],"recorded":"2026-01-01T00:00:00Z","agent":[{"who":{"display":"Dr X"}}]})";
}
std::string GroupJson(const std::vector<std::string>& patients) {
  std::string out = R"({"resourceType":"Group","type":"person","actual":true,"member":[)";
  for (size_t i = 0; i < patients.size(); ++i) {
    if (i > 0) out += ",";
    out += R"({"entity":{"reference":"Patient/)" + patients[i] + R"("}})";
  }
  return out + "]}";
}
// A POST kick-off's Parameters with one `patient` valueReference per reference.
std::string PatientParameters(const std::vector<std::string>& references) {
  std::string out = R"({"resourceType":"Parameters","parameter":[)";
  for (size_t i = 0; i < references.size(); ++i) {
    if (i > 0) out += ",";
    out += R"({"name":"patient","valueReference":{"reference":")" + references[i] + R"("}})";
  }
  return out + "]}";
}

using Exported = std::map<std::string, std::set<std::string>>;

class ExportSelectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* family : {"Ann", "Bob", "Cy"}) {
      std::string id = server.Create("Patient", PatientJson(family));
      patients.push_back(id);
      observations[id] = server.Create("Observation", ObservationJson(id));
    }
  }
  // type -> ids of a complete export kicked off at `path`.
  Exported IdsOfExport(const std::string& path, const std::string& body = "") {
    ExportManifest m = exports.Complete(exports.KickOff(path, body));
    EXPECT_EQ(m.errors, 0u);
    Exported out;
    for (const auto& [type, lines] : exports.Download(m)) out[type] = IdsOf(lines);
    return out;
  }
  // The 400 of a kick-off, with its OperationOutcome's expression and diagnostics.
  void ExpectRejected(const std::string& path, const std::string& body, const std::string& expression,
                      const std::string& diagnostics_part) {
    HttpResponse res = body.empty() ? server.Get(path, kAsync) : server.Post(path, body, kAsync);
    ASSERT_EQ(res.status, 400) << path << " " << body << " -> " << res.body;
    auto outcome = res.Json();
    EXPECT_EQ(IssueExpressions(outcome), std::vector<std::string>{expression}) << path << " " << body;
    EXPECT_NE(res.body.find(diagnostics_part), std::string::npos) << res.body;
  }

  TestServer server;
  ExportClient exports{server, server.base_url()};
  std::vector<std::string> patients;                // Ann, Bob, Cy
  std::map<std::string, std::string> observations;  // patient id -> its Observation
};

TEST_F(ExportSelectionTest, PatientLimitsAPatientExportToThoseCompartments) {
  const std::string& ann = patients[0];
  const std::string& bob = patients[1];
  const std::string& cy = patients[2];
  // By POST, as the spec has it: relative, and absolute on this server's base; a repeat is one.
  Exported two = IdsOfExport(
      "Patient/$export",
      PatientParameters({"Patient/" + ann, server.base_url() + "/Patient/" + bob, "Patient/" + ann}));
  EXPECT_EQ(two,
            (Exported{{"Observation", {observations[ann], observations[bob]}}, {"Patient", {ann, bob}}}));
  // By GET too, with _type.
  Exported one = IdsOfExport("Patient/$export?_type=Observation&patient=Patient/" + cy);
  EXPECT_EQ(one, (Exported{{"Observation", {observations[cy]}}}));
}

TEST_F(ExportSelectionTest, PatientLimitsAGroupExportToThoseMembers) {
  const std::string& ann = patients[0];
  const std::string& bob = patients[1];
  const std::string& cy = patients[2];
  std::string group = server.Create("Group", GroupJson({ann, bob}));
  std::string path = "Group/" + group + "/$export";
  EXPECT_EQ(IdsOfExport(path + "?_type=Patient,Observation&patient=Patient/" + bob),
            (Exported{{"Observation", {observations[bob]}}, {"Patient", {bob}}}));
  // A patient of the server outside the Group is an error, not an empty export.
  ExpectRejected(path + "?patient=Patient/" + cy, "", "patient", "is not a member of Group/" + group);
  ExpectRejected(path, PatientParameters({"Patient/" + ann, "Patient/" + cy}), "patient",
                 "Patient/" + cy + " is not a member");
}

TEST_F(ExportSelectionTest, UnknownDeletedOrMalformedPatientsAre400) {
  std::string gone = server.Create("Patient", PatientJson("Gone"));
  ASSERT_EQ(server.Delete("Patient/" + gone).status, 204);
  ExpectRejected("Patient/$export?patient=Patient/nobody", "", "patient", "Patient/nobody is not known");
  ExpectRejected("Patient/$export", PatientParameters({"Patient/" + gone}), "patient", "is not known");
  for (const std::string& bad : {std::string("Observation/1"), patients[0], std::string("Patient/a b"),
                                 std::string("http://elsewhere.example/fhir/Patient/") + patients[0]}) {
    ExpectRejected("Patient/$export", PatientParameters({bad}), "patient", "references to Patients");
  }
  // Not at system level, where there is no patient compartment to narrow.
  ExpectRejected("$export?patient=Patient/" + patients[0], "", "patient", "applies to Patient/$export");
}

TEST_F(ExportSelectionTest, ElementsKeepTheNamedAndMandatoryElementsTaggedSubsetted) {
  const std::string& ann = patients[0];
  std::string org = server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");
  ExportManifest m =
      exports.Complete(exports.KickOff("$export?_type=Patient,Observation,Organization&_elements=Observation."
                                       "subject,gender"));
  auto files = exports.Download(m);
  ASSERT_EQ(files["Observation"].size(), 3u);
  for (const auto& [id, line] : files["Observation"]) {
    auto doc = json::Parse(line);
    ASSERT_TRUE(doc) << line;
    std::set<std::string> members;
    for (auto it = doc->MemberBegin(); it != doc->MemberEnd(); ++it) members.insert(it->name.GetString());
    // subject as asked, status and code because they are mandatory; not `gender` (not an
    // Observation element), and meta for the tag.
    EXPECT_EQ(members, (std::set<std::string>{"resourceType", "id", "meta", "status", "code", "subject"}))
        << line;
    EXPECT_NE(line.find("\"SUBSETTED\""), std::string::npos) << line;
    EXPECT_NE(line.find("\"versionId\":\"1\""), std::string::npos) << "meta is kept, with the tag added";
  }
  auto patient = json::Parse(files["Patient"][ann]);
  ASSERT_TRUE(patient);
  EXPECT_EQ(json::GetString(*patient, "gender"), "female");
  EXPECT_EQ(json::Find(*patient, "name"), nullptr) << files["Patient"][ann];
  EXPECT_NE(files["Patient"][ann].find("\"SUBSETTED\""), std::string::npos);
  // An element named without a type is for every type: an Organization has no gender, and no
  // mandatory element either.
  auto organization = json::Parse(files["Organization"][org]);
  ASSERT_TRUE(organization) << files["Organization"][org];
  EXPECT_EQ(json::Find(*organization, "name"), nullptr) << files["Organization"][org];

  // Only elements of another type named: the Patient is exported whole, as a read serves it.
  ExportManifest whole =
      exports.Complete(exports.KickOff("$export?_type=Patient,Observation&_elements=Observation.status"));
  auto whole_files = exports.Download(whole);
  EXPECT_EQ(whole_files["Patient"][ann], server.Get("Patient/" + ann).body);
  EXPECT_EQ(whole_files["Observation"][observations[ann]].find("\"subject\""), std::string::npos);
}

TEST_F(ExportSelectionTest, ElementsMustBeTopLevelElementsOfAnExportedType) {
  for (const char* elements :
       {"Patient.name.family", "Patient.nothing", "nothing", "Observation.status", "Patient.", ""}) {
    ExpectRejected(std::string("$export?_type=Patient&_elements=") + elements, "", "_elements",
                   "names no top-level element");
  }
  // valueQuantity is value[x]'s; id is every resource's.
  exports.Complete(exports.KickOff("$export?_type=Observation&_elements=valueQuantity,id"));
}

// A job's `patient` and `_elements` are part of it: one interrupted by a restart runs again with them.
TEST_F(ExportSelectionTest, ARestartRunsAnInterruptedJobWithItsSelection) {
  const std::string& bob = patients[1];
  std::string status =
      exports.KickOff("Patient/$export?_type=Patient&_elements=gender&patient=Patient/" + bob);
  exports.Complete(status);
  std::string dir = server.data_dir() + "/export/" + status.substr(status.find('/') + 1);
  server.Restart([&] {
    std::filesystem::remove(dir + "/manifest.json");
    std::filesystem::remove(dir + "/Patient-1.ndjson");
  });
  auto files = exports.Download(exports.Complete(status));
  ASSERT_EQ(IdsOf(files["Patient"]), std::set<std::string>{bob});
  EXPECT_EQ(files["Patient"][bob].find("\"name\""), std::string::npos) << files["Patient"][bob];
  EXPECT_NE(files["Patient"][bob].find("\"gender\""), std::string::npos) << files["Patient"][bob];
  EXPECT_EQ(files.count("Observation"), 0u) << "Bob's Observation is final, not amended";
}

TEST_F(ExportSelectionTest, TypeFilterExportsWhatMatchesAnyOfItsTypesQueries) {
  const std::string& ann = patients[0];
  const std::string& bob = patients[1];
  const std::string& cy = patients[2];
  std::string bob_amended = server.Create("Observation", ObservationJson(bob, "amended"));
  std::string cy_amended = server.Create("Observation", ObservationJson(cy, "amended"));
  auto filter = [](const std::string& query) { return "&_typeFilter=" + FormEncode(query); };
  const std::string all = "$export?_type=Patient,Observation";

  // One query; the Patients, without one, are exported whole.
  EXPECT_EQ(IdsOfExport(all + filter("Observation?status=amended")),
            (Exported{{"Observation", {bob_amended, cy_amended}}, {"Patient", {ann, bob, cy}}}));
  // Two for one type: either may match, and what matches both is there once. As v2 has it (the
  // parameter repeated) and as v1 had it (queries separated by commas; those between a query's
  // own values stay in it).
  Exported either{{"Observation", {bob_amended, cy_amended, observations[cy]}}, {"Patient", {ann, bob, cy}}};
  EXPECT_EQ(
      IdsOfExport(all + filter("Observation?status=amended") + filter("Observation?subject=Patient/" + cy)),
      either);
  EXPECT_EQ(IdsOfExport(all + filter("Observation?status=amended,Observation?subject=Patient/" + cy)),
            either);
  EXPECT_EQ(IdsOfExport(all + filter("Observation?status=amended,final&subject=Patient/" + bob)),
            (Exported{{"Observation", {observations[bob], bob_amended}}, {"Patient", {ann, bob, cy}}}));
  // Queries of every kind the search API has: a chain, _id, _lastUpdated, _has.
  EXPECT_EQ(IdsOfExport(all + filter("Observation?subject:Patient.family=Cy") + filter("Patient?_id=" + ann)),
            (Exported{{"Observation", {observations[cy], cy_amended}}, {"Patient", {ann}}}));
  std::string since = LastUpdatedOf(server, "Observation", bob_amended);
  EXPECT_EQ(IdsOfExport("$export?_type=Observation" + filter("Observation?_lastUpdated=gt" + since)),
            (Exported{{"Observation", {cy_amended}}}));
  EXPECT_EQ(IdsOfExport(all + filter("Patient?_has:Observation:subject:status=amended")),
            (Exported{{"Observation",
                       {observations[ann], observations[bob], observations[cy], bob_amended, cy_amended}},
                      {"Patient", {bob, cy}}}));
  // Within a patient-level export's compartments and `patient`.
  EXPECT_EQ(IdsOfExport("Patient/$export?_type=Observation&patient=Patient/" + bob +
                        filter("Observation?status=amended")),
            (Exported{{"Observation", {bob_amended}}}));
  // A filter that matches nothing leaves its type out.
  EXPECT_EQ(IdsOfExport(all + filter("Observation?status=cancelled")),
            (Exported{{"Patient", {ann, bob, cy}}}));
}

TEST_F(ExportSelectionTest, TypeFiltersMustBeSearchesOfAnExportedType) {
  for (const std::string& bad :
       {std::string("Observation"), std::string("Nope?status=final"), std::string("Observation?"),
        std::string("Observation?nonsense=1"), std::string("Observation?_sort=date"),
        std::string("Observation?_include=Observation:subject"), std::string("Observation?_count=1"),
        std::string("Observation?status:nonsense=final"), std::string("Organization?name=x")}) {
    ExpectRejected("$export?_type=Patient,Observation&_typeFilter=" + FormEncode(bad), "", "_typeFilter",
                   "_typeFilter '");
  }
  ExpectRejected("Patient/$export?_typeFilter=" + FormEncode("Organization?name=x"), "", "_typeFilter",
                 "which this export does not include");
  // By POST, a valueString.
  ExpectRejected(
      "$export",
      R"({"resourceType":"Parameters","parameter":[{"name":"_typeFilter","valueString":"Observation?nonsense=1"}]})",
      "_typeFilter", "nonsense");
}

TEST_F(ExportSelectionTest, RelevantProvenanceIsThatOfTheExportedResources) {
  const std::string& ann = patients[0];
  const std::string& bob = patients[1];
  std::string org = server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");
  std::string of_ann_obs = server.Create("Provenance", ProvenanceJson("Observation/" + observations[ann]));
  std::string of_bob = server.Create("Provenance", ProvenanceJson("Patient/" + bob));
  std::string of_org = server.Create("Provenance", ProvenanceJson("Organization/" + org));
  const std::string relevant = "&includeAssociatedData=RelevantProvenanceResources";

  auto two_types = IdsOfExport("$export?_type=Patient,Observation" + relevant);
  EXPECT_EQ(two_types["Provenance"], (std::set<std::string>{of_ann_obs, of_bob}));
  EXPECT_EQ(two_types["Patient"].size(), 3u);
  // Narrowed with the export: Bob's compartment only, or the Observations a filter keeps.
  auto bobs = IdsOfExport("Patient/$export?_type=Patient,Observation&patient=Patient/" + bob + relevant);
  EXPECT_EQ(bobs["Provenance"], std::set<std::string>{of_bob});
  auto filtered = IdsOfExport(
      "$export?_type=Observation&_typeFilter=" + FormEncode("Observation?subject=Patient/" + bob) + relevant);
  EXPECT_EQ(filtered, (Exported{{"Observation", {observations[bob]}}}));
  // With Provenance exported too, each once.
  auto everything = IdsOfExport("$export?" + relevant.substr(1));
  EXPECT_EQ(everything["Provenance"], (std::set<std::string>{of_ann_obs, of_bob, of_org}));
  // By POST, and the values this server does not support.
  auto posted = IdsOfExport(
      "$export", R"({"resourceType":"Parameters","parameter":[)"
                 R"({"name":"_type","valueString":"Organization"},)"
                 R"({"name":"includeAssociatedData","valueCode":"RelevantProvenanceResources"}]})");
  EXPECT_EQ(posted, (Exported{{"Organization", {org}}, {"Provenance", {of_org}}}));
  for (const char* value : {"LatestProvenanceResources", "_custom", "RelevantProvenanceResources,"}) {
    HttpResponse res = server.Get(std::string("$export?includeAssociatedData=") + value, kAsync);
    EXPECT_EQ(res.status, 400) << value << " -> " << res.body;
    EXPECT_EQ(IssueExpressions(res.Json()), std::vector<std::string>{"includeAssociatedData"}) << value;
  }
}

}  // namespace
}  // namespace kiln::testing
