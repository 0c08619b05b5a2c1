// Group-level Bulk Data export over HTTP, `Group/[id]/$export` (hl7.org/fhir/uv/bulkdata/
// export.html#endpoint---group-of-patients, v2): the Patient compartments of the Group's patient
// members only, with `_type` and `_since` as for `Patient/$export`, in the Group's own tenant.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/export_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

const Headers kAsync = {{"Prefer", "respond-async"}, {"Accept", "application/fhir+json"}};

std::string PatientJson(const std::string& family) {
  return R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})";
}
std::string ObservationJson(const std::string& patient) {
  return R"({"resourceType":"Observation","status":"final","code":{"text":"x"},"subject":{"reference":")" +
         patient + R"("}})";
}
// A Group whose members are `entities` (references such as "Patient/1"), each given whole as
// the member's JSON object when it starts with '{'; none: no `member` (JSON has no empty arrays).
std::string GroupJson(const std::vector<std::string>& entities, const std::string& id = "") {
  std::string out = R"({"resourceType":"Group",)";
  if (!id.empty()) out += R"("id":")" + id + R"(",)";
  out += R"("type":"person","actual":true)";
  for (size_t i = 0; i < entities.size(); ++i) {
    out += i == 0 ? R"(,"member":[)" : ",";
    out +=
        entities[i].starts_with("{") ? entities[i] : R"({"entity":{"reference":")" + entities[i] + R"("}})";
  }
  return out + (entities.empty() ? "}" : "]}");
}

class GroupExportTest : public ::testing::Test {
 protected:
  // type -> ids of a complete export kicked off at `path`.
  std::map<std::string, std::set<std::string>> Exported(const ExportClient& client, const std::string& path,
                                                        const std::string& body = "") {
    ExportManifest m = client.Complete(client.KickOff(path, body));
    EXPECT_EQ(m.errors, 0u);
    std::map<std::string, std::set<std::string>> out;
    for (const auto& [type, lines] : client.Download(m)) out[type] = IdsOf(lines);
    return out;
  }
  std::map<std::string, std::set<std::string>> Exported(const std::string& path,
                                                        const std::string& body = "") {
    return Exported(exports, path, body);
  }
  std::string LastUpdated(const std::string& type, const std::string& id) {
    return LastUpdatedOf(server, type, id);
  }

  TestServer server;
  ExportClient exports{server, server.base_url()};
};

TEST_F(GroupExportTest, ExportsTheCompartmentsOfItsPatientMembersOnly) {
  std::string ann = server.Create("Patient", PatientJson("Ann"));
  std::string bob = server.Create("Patient", PatientJson("Bob"));
  std::string cy = server.Create("Patient", PatientJson("Cy"));  // not a member
  std::string gone = server.Create("Patient", PatientJson("Gone"));
  std::string ann_obs = server.Create("Observation", ObservationJson("Patient/" + ann));
  std::string bob_obs = server.Create("Observation", ObservationJson("Patient/" + bob));
  std::string cy_obs = server.Create("Observation", ObservationJson("Patient/" + cy));
  std::string gone_obs = server.Create("Observation", ObservationJson("Patient/" + gone));
  std::string ghost_obs = server.Create("Observation", ObservationJson("Patient/ghost"));
  std::string ann_cond = server.Create(
      "Condition", R"({"resourceType":"Condition","subject":{"reference":"Patient/)" + ann + R"("}})");
  std::string cy_cond = server.Create(
      "Condition", R"({"resourceType":"Condition","subject":{"reference":"Patient/)" + cy + R"("}})");
  std::string doctor = server.Create("Practitioner", R"({"resourceType":"Practitioner"})");
  std::string device = server.Create("Device", R"({"resourceType":"Device"})");
  // Non-patient members are no patients; a member whose Patient never existed or was deleted is
  // skipped with its compartment; an inactive member still counts (docs/fhir-server.md).
  std::string group = server.Create(
      "Group",
      GroupJson({"Patient/" + ann, "Practitioner/" + doctor, "Device/" + device, "Patient/ghost",
                 "Patient/" + gone, R"({"entity":{"reference":"Patient/)" + bob + R"("},"inactive":true})"}));
  std::string cy_group = server.Create("Group", GroupJson({"Patient/" + cy}));
  ASSERT_EQ(server.Delete("Patient/" + gone).status, 204);

  ExportManifest m = exports.Complete(exports.KickOff("Group/" + group + "/$export"));
  EXPECT_EQ(m.request, server.base_url() + "/Group/" + group + "/$export");
  EXPECT_EQ(m.errors, 0u);
  EXPECT_EQ(TypesOf(m), (std::set<std::string>{"Condition", "Group", "Observation", "Patient"}));
  auto files = exports.Download(m);
  EXPECT_EQ(IdsOf(files["Patient"]), (std::set<std::string>{ann, bob}));
  EXPECT_EQ(IdsOf(files["Observation"]), (std::set<std::string>{ann_obs, bob_obs}));
  EXPECT_EQ(IdsOf(files["Condition"]), std::set<std::string>{ann_cond});
  // Group is in the Patient compartment (by `member`): the groups its patients are members of.
  EXPECT_EQ(IdsOf(files["Group"]), std::set<std::string>{group});
  // Every line is the resource as a read serves it.
  for (const auto& [type, lines] : files) {
    for (const auto& [id, line] : lines)
      EXPECT_EQ(line, server.Get(type + "/" + id).body) << type << "/" << id;
  }

  // Patient/$export, for comparison, has every patient's compartment.
  auto all = Exported("Patient/$export?_type=Patient,Observation");
  EXPECT_EQ(all["Patient"], (std::set<std::string>{ann, bob, cy}));
  EXPECT_EQ(all["Observation"], (std::set<std::string>{ann_obs, bob_obs, cy_obs, gone_obs, ghost_obs}));
  // The other group has Cy's.
  auto other = Exported("Group/" + cy_group + "/$export");
  EXPECT_EQ(other["Patient"], std::set<std::string>{cy});
  EXPECT_EQ(other["Observation"], std::set<std::string>{cy_obs});
  EXPECT_EQ(other["Condition"], std::set<std::string>{cy_cond});
}

TEST_F(GroupExportTest, MembershipIsTheGroupsCurrentVersion) {
  std::string ann = server.Create("Patient", PatientJson("Ann"));
  std::string bob = server.Create("Patient", PatientJson("Bob"));
  ASSERT_EQ(server.Put("Group/g", GroupJson({"Patient/" + ann}, "g")).status, 201);
  EXPECT_EQ(Exported("Group/g/$export?_type=Patient")["Patient"], std::set<std::string>{ann});
  ASSERT_EQ(server.Put("Group/g", GroupJson({"Patient/" + bob}, "g")).status, 200);
  EXPECT_EQ(Exported("Group/g/$export?_type=Patient")["Patient"], std::set<std::string>{bob});
  ASSERT_EQ(server.Put("Group/g", GroupJson({}, "g")).status, 200);
  ExportManifest empty = exports.Complete(exports.KickOff("Group/g/$export"));
  EXPECT_TRUE(empty.output.empty()) << "a Group without members exports nothing";
}

TEST_F(GroupExportTest, TypeAndSinceSelectAsForPatientExport) {
  std::string ann = server.Create("Patient", PatientJson("Ann"));
  std::string cy = server.Create("Patient", PatientJson("Cy"));
  std::string ann_old = server.Create("Observation", ObservationJson("Patient/" + ann));
  std::string group = server.Create("Group", GroupJson({"Patient/" + ann}));
  std::string since = LastUpdated("Group", group);
  std::string ann_new = server.Create("Observation", ObservationJson("Patient/" + ann));
  server.Create("Observation", ObservationJson("Patient/" + cy));  // new, but not a member's
  std::string ann_cond = server.Create(
      "Condition", R"({"resourceType":"Condition","subject":{"reference":"Patient/)" + ann + R"("}})");
  std::string path = "Group/" + group + "/$export";

  auto typed = Exported(path + "?_type=Observation");
  EXPECT_EQ(typed, (std::map<std::string, std::set<std::string>>{{"Observation", {ann_old, ann_new}}}));
  auto two = Exported(path + "?_type=Patient&_type=Condition");
  EXPECT_EQ(two,
            (std::map<std::string, std::set<std::string>>{{"Condition", {ann_cond}}, {"Patient", {ann}}}));

  // _since: changed after the instant; the Patient (unchanged since) is not, nor the Group.
  auto recent = Exported(path + "?_since=" + since);
  EXPECT_EQ(recent, (std::map<std::string, std::set<std::string>>{{"Condition", {ann_cond}},
                                                                  {"Observation", {ann_new}}}));
  // The same as a POST with a Parameters resource.
  auto posted = Exported(path, R"({"resourceType":"Parameters","parameter":[)"
                               R"({"name":"_type","valueString":"Observation,Patient"},)"
                               R"({"name":"_since","valueInstant":")" +
                                   since + R"("}]})");
  EXPECT_EQ(posted, (std::map<std::string, std::set<std::string>>{{"Observation", {ann_new}}}));
  ExportManifest m = exports.Complete(exports.KickOff(path + "?_type=Patient"));
  EXPECT_EQ(m.request, server.base_url() + "/" + path + "?_type=Patient");

  // A type outside the Patient compartment, as for Patient/$export, a patient not a member, and
  // a malformed _since.
  for (const std::string& bad :
       {path + "?_type=Organization", path + "?patient=Patient/" + cy, path + "?_since=yesterday"}) {
    HttpResponse res = server.Get(bad, kAsync);
    EXPECT_EQ(res.status, 400) << bad << " -> " << res.body;
    EXPECT_EQ(json::GetString(res.Json(), "resourceType"), "OperationOutcome") << bad;
  }
}

TEST_F(GroupExportTest, AnUnknownOrDeletedGroupIsNoExport) {
  HttpResponse unknown = server.Get("Group/nothing/$export", kAsync);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(IssueCodes(unknown.Json()), std::vector<std::string>{"not-found"});
  EXPECT_EQ(server.Post("Group/nothing/$export", R"({"resourceType":"Parameters"})", kAsync).status, 404);

  std::string patient = server.Create("Patient", PatientJson("Ann"));
  std::string group = server.Create("Group", GroupJson({"Patient/" + patient}));
  ASSERT_EQ(server.Delete("Group/" + group).status, 204);
  HttpResponse deleted = server.Get("Group/" + group + "/$export", kAsync);
  EXPECT_EQ(deleted.status, 410) << deleted.body;
  EXPECT_EQ(json::GetString(deleted.Json(), "resourceType"), "OperationOutcome");

  // Not a Group: the other types have no instance-level $export.
  EXPECT_EQ(server.Get("Patient/" + patient + "/$export", kAsync).status, 404);
  // Still asynchronous only; and other methods are 405.
  std::string live = server.Create("Group", GroupJson({"Patient/" + patient}));
  EXPECT_EQ(server.Get("Group/" + live + "/$export").status, 400);
  EXPECT_EQ(server.Delete("Group/" + live + "/$export").status, 405);
}

// The Group, its members and their compartments are read in the tenant of the request only: the
// same ids in another tenant name other resources.
TEST_F(GroupExportTest, ExportsStayInTheirTenant) {
  FhirClient jane = server.CreateTenant("jane");
  ExportClient jane_exports(jane, server.TenantBaseUrl("jane"));
  for (const FhirClient* client : std::vector<const FhirClient*>{&server, &jane}) {
    for (const char* id : {"p1", "p2"}) {
      ASSERT_EQ(client
                    ->Put(std::string("Patient/") + id,
                          R"({"resourceType":"Patient","id":")" + std::string(id) + R"("})")
                    .status,
                201);
    }
  }
  std::string default_p1_obs = server.Create("Observation", ObservationJson("Patient/p1"));
  server.Create("Observation", ObservationJson("Patient/p2"));
  jane.Create("Observation", ObservationJson("Patient/p1"));
  std::string jane_p2_obs = jane.Create("Observation", ObservationJson("Patient/p2"));
  ASSERT_EQ(server.Put("Group/g", GroupJson({"Patient/p1"}, "g")).status, 201);
  ASSERT_EQ(jane.Put("Group/g", GroupJson({"Patient/p2"}, "g")).status, 201);
  ASSERT_EQ(jane.Put("Group/janes", GroupJson({"Patient/p1"}, "janes")).status, 201);

  auto mine = Exported("Group/g/$export?_type=Patient,Observation");
  EXPECT_EQ(mine, (std::map<std::string, std::set<std::string>>{{"Observation", {default_p1_obs}},
                                                                {"Patient", {"p1"}}}));
  auto janes = Exported(jane_exports, "Group/g/$export?_type=Patient,Observation");
  EXPECT_EQ(janes, (std::map<std::string, std::set<std::string>>{{"Observation", {jane_p2_obs}},
                                                                 {"Patient", {"p2"}}}));
  // A Group of another tenant is unknown here.
  EXPECT_EQ(server.Get("Group/janes/$export", kAsync).status, 404);
}

TEST_F(GroupExportTest, CapabilityStatementListsGroupExport) {
  auto doc = server.Get("metadata").Json();
  const json::Value& rest = json::Find(doc, "rest")->GetArray()[0];
  std::set<std::string> group_ops;
  for (const auto& r : json::Find(rest, "resource")->GetArray()) {
    if (json::GetString(r, "type") != "Group") continue;
    const json::Value* ops = json::Find(r, "operation");
    ASSERT_NE(ops, nullptr);
    for (const auto& op : ops->GetArray()) group_ops.insert(std::string(json::GetString(op, "definition")));
  }
  EXPECT_EQ(group_ops,
            std::set<std::string>{"http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"});
}

}  // namespace
}  // namespace kiln::testing
