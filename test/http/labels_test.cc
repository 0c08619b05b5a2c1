// Security labels through HTTP (docs/security.md): resources labelled restricted (R) or very
// restricted (V) are invisible to tokens without the permission to see them, in reads, vreads,
// histories, searches and their totals, includes, $everything and $export (also of a Group);
// such tokens may not write labelled resources; `security-label/R` sees R, `security-label/V`
// sees both.
#include <gtest/gtest.h>

#include <rapidjson/pointer.h>

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "auth/auth.h"
#include "support/export_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kConf = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality";

std::string Str(const json::Value& v, const char* pointer) {
  const json::Value* s = rapidjson::Pointer(pointer).Get(const_cast<json::Value&>(v));
  return s != nullptr && s->IsString() ? std::string(s->GetString(), s->GetStringLength()) : std::string();
}

// The ids of a Bundle's entries, and its total (-1 without one).
std::set<std::string> Ids(const HttpResponse& res) {
  EXPECT_EQ(res.status, 200) << res.body;
  std::set<std::string> out;
  auto doc = res.Json();
  const json::Value* entries = json::Find(doc, "entry");
  if (entries == nullptr) return out;
  for (const auto& e : entries->GetArray()) {
    if (const json::Value* r = json::Find(e, "resource")) {
      if (json::GetString(*r, "resourceType") != "OperationOutcome") out.emplace(json::GetString(*r, "id"));
    }
  }
  return out;
}
int64_t Total(const HttpResponse& res) {
  json::Document doc = res.Json();
  const json::Value* t = json::Find(doc, "total");
  return t != nullptr && t->IsInt64() ? t->GetInt64() : -1;
}

std::string Labelled(const std::string& code) {
  return R"("meta":{"security":[{"system":")" + std::string(kConf) + R"(","code":")" + code + R"("}]},)";
}

class LabelsTest : public ::testing::Test {
 protected:
  std::string Root() const { return "http://localhost:" + std::to_string(server.port()); }
  // A token of the client "app" (registered before its first token: a token is of a client
  // registered when it was issued).
  Headers TokenFor(const std::string& scope) const {
    if (!registered) {
      auth::ClientSpec spec;
      spec.id = "app";
      spec.secret = std::string(40, 's');
      spec.scope = "system/*.cruds";
      server.RegisterClient(spec);
      registered = true;
    }
    auto token = server.auth_server().IssueAccessToken(
        auth::TokenGrant{"app", store::DefaultTenant(), scope, std::nullopt}, Root());
    EXPECT_TRUE(token.has_value());
    return {{"Authorization", "Bearer " + (token ? *token : std::string())}};
  }
  std::string Create(const std::string& type, const std::string& body) const {
    HttpResponse res = server.Post(type, body, all);
    EXPECT_EQ(res.status, 201) << res.body;
    return Str(res.Json(), "/id");
  }
  std::string Observation(const std::string& patient, const std::string& label = "") const {
    return Create("Observation",
                  R"({"resourceType":"Observation",)" + label +
                      R"("status":"final","code":{"text":"hr"},"subject":{"reference":"Patient/)" + patient +
                      R"("}})");
  }

  void SetUp() override {
    p = Create("Patient", R"({"resourceType":"Patient"})");
    secret = Create("Patient", R"({"resourceType":"Patient",)" + Labelled("R") + R"("active":true})");
    open_obs = Observation(p);
    r_obs = Observation(p, Labelled("R"));
    v_obs = Observation(p, Labelled("V"));
    about_secret = Observation(secret);
    doc = Create(
        "DocumentReference",
        R"({"resourceType":"DocumentReference","status":"current","subject":{"reference":"Patient/)" + p +
            R"("},"securityLabel":[{"coding":[{"system":")" + kConf +
            R"(","code":"V"}]}],"content":[{"attachment":{"contentType":"text/plain","data":"aGk="}}]})");
  }

  TestServer server{ServerOptionsForTest{.auth = true}};
  mutable bool registered = false;
  Headers all = TokenFor("system/*.cruds security-label/V");
  Headers plain = TokenFor("system/*.cruds");
  Headers r_only = TokenFor("system/*.cruds security-label/R");
  std::string p, secret, open_obs, r_obs, v_obs, about_secret, doc;
};

TEST_F(LabelsTest, ReadsOfLabelledResourcesAre404) {
  for (const std::string& path :
       {"Observation/" + r_obs, "Observation/" + r_obs + "/_history/1", "Observation/" + r_obs + "/_history",
        "Patient/" + secret, "Patient/" + secret + "/$everything", "DocumentReference/" + doc}) {
    HttpResponse res = server.Get(path, plain);
    EXPECT_EQ(res.status, 404) << path << " " << res.body;
    EXPECT_EQ(Str(res.Json(), "/resourceType"), "OperationOutcome");
    EXPECT_EQ(server.Get(path, all).status, 200) << path;
  }
  EXPECT_EQ(server.Get("Observation/" + open_obs, plain).status, 200);
  // R is below V: security-label/R sees R, not V.
  EXPECT_EQ(server.Get("Observation/" + r_obs, r_only).status, 200);
  EXPECT_EQ(server.Get("Observation/" + v_obs, r_only).status, 404);
  EXPECT_EQ(server.Get("DocumentReference/" + doc, r_only).status, 404);
}

TEST_F(LabelsTest, SearchesTotalsAndPagesLeaveThemOut) {
  HttpResponse res = server.Get("Observation?subject=Patient/" + p, plain);
  EXPECT_EQ(Ids(res), std::set<std::string>{open_obs});
  EXPECT_EQ(Total(res), 1);
  EXPECT_EQ(Total(server.Get("Observation?_summary=count", plain)), 2);  // open_obs, about_secret
  EXPECT_EQ(Total(server.Get("Observation?_summary=count", all)), 4);
  EXPECT_EQ(Ids(server.Get("Observation?subject=Patient/" + p, r_only)),
            (std::set<std::string>{open_obs, r_obs}));
  EXPECT_EQ(Ids(server.Get("Patient", plain)), std::set<std::string>{p});
  EXPECT_EQ(Total(server.Get("DocumentReference", plain)), 0);
  EXPECT_EQ(Total(server.Get("DocumentReference", all)), 1);
  // Pages of one: the first page is the visible resource and there is no next page.
  HttpResponse page = server.Get("Observation?subject=Patient/" + p + "&_count=1", plain);
  EXPECT_EQ(Ids(page), std::set<std::string>{open_obs});
  EXPECT_EQ(page.body.find("\"next\""), std::string::npos) << page.body;
  // System search and compartment search too.
  EXPECT_EQ(Ids(server.Get("?_type=Observation", plain)), (std::set<std::string>{open_obs, about_secret}));
  EXPECT_EQ(Ids(server.Get("Patient/" + p + "/Observation", plain)), std::set<std::string>{open_obs});
  // Type and system history leave their versions out.
  EXPECT_EQ(Ids(server.Get("Observation/_history", plain)), (std::set<std::string>{open_obs, about_secret}));
  EXPECT_EQ(Ids(server.Get("_history", plain)), (std::set<std::string>{p, open_obs, about_secret}));
  // Searching for the label itself finds nothing it may not see.
  EXPECT_EQ(Total(server.Get("Observation?_security=" + std::string(kConf) + "|R", plain)), 0);
}

TEST_F(LabelsTest, IncludesAndEverythingLeaveThemOut) {
  EXPECT_EQ(Ids(server.Get("Observation?_id=" + about_secret + "&_include=Observation:subject", plain)),
            std::set<std::string>{about_secret});
  EXPECT_EQ(Ids(server.Get("Observation?_id=" + about_secret + "&_include=Observation:subject", all)),
            (std::set<std::string>{about_secret, secret}));
  EXPECT_EQ(Ids(server.Get("Patient?_id=" + p + "&_revinclude=Observation:subject", plain)),
            (std::set<std::string>{p, open_obs}));
  EXPECT_EQ(Ids(server.Get("Patient/" + p + "/$everything", plain)), (std::set<std::string>{p, open_obs}));
  EXPECT_EQ(Ids(server.Get("Patient/" + p + "/$everything", all)),
            (std::set<std::string>{p, open_obs, r_obs, v_obs, doc}));
}

TEST_F(LabelsTest, ExportLeavesThemOut) {
  auto exported = [&](const Headers& token) {
    Headers async = token;
    async.push_back({"Prefer", "respond-async"});
    HttpResponse kick = server.Get("$export?_type=Observation", async);
    EXPECT_EQ(kick.status, 202) << kick.body;
    std::string status = kick.Header("content-location").substr(server.base_url().size() + 1);
    std::set<std::string> ids;
    for (int i = 0; i < 3000; ++i) {
      HttpResponse res = server.Get(status, token);
      if (res.status == 202) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      EXPECT_EQ(res.status, 200) << res.body;
      auto manifest = res.Json();
      for (const auto& out : json::Find(manifest, "output")->GetArray()) {
        std::string url(json::GetString(out, "url"));
        HttpResponse file = server.Get(url.substr(server.base_url().size() + 1), token);
        for (size_t at = file.body.find("\"id\":\""); at != std::string::npos;
             at = file.body.find("\"id\":\"", at + 1)) {
          size_t start = at + 6;
          ids.insert(file.body.substr(start, file.body.find('"', start) - start));
        }
      }
      break;
    }
    return ids;
  };
  EXPECT_EQ(exported(plain), (std::set<std::string>{open_obs, about_secret}));
  EXPECT_EQ(exported(all), (std::set<std::string>{open_obs, r_obs, v_obs, about_secret}));
}

// Group/[id]/$export as Patient/$export: labelled members and resources are left out, and a
// labelled Group is unknown to a token that may not see it.
TEST_F(LabelsTest, GroupExportLeavesThemOut) {
  std::string members = R"("type":"person","actual":true,"member":[{"entity":{"reference":"Patient/)" + p +
                        R"("}},{"entity":{"reference":"Patient/)" + secret + R"("}}]})";
  std::string group = Create("Group", R"({"resourceType":"Group",)" + members);
  std::string labelled = Create("Group", R"({"resourceType":"Group",)" + Labelled("R") + members);
  auto exported = [&](const Headers& token, const std::string& group_id) {
    FhirClient client(server.port(), "/fhir", token);
    ExportClient exports(client, server.base_url());
    std::string path = "Group/" + group_id + "/$export?_type=Patient,Observation,DocumentReference";
    std::map<std::string, std::set<std::string>> out;
    for (const auto& [type, lines] : exports.Download(exports.Complete(exports.KickOff(path))))
      out[type] = IdsOf(lines);
    return out;
  };
  using Exported = std::map<std::string, std::set<std::string>>;
  EXPECT_EQ(exported(plain, group), (Exported{{"Observation", {open_obs, about_secret}}, {"Patient", {p}}}));
  Exported everything{{"DocumentReference", {doc}},
                      {"Observation", {open_obs, r_obs, v_obs, about_secret}},
                      {"Patient", {p, secret}}};
  EXPECT_EQ(exported(all, group), everything);
  EXPECT_EQ(exported(all, labelled), everything);
  Headers async = plain;
  async.push_back({"Prefer", "respond-async"});
  HttpResponse hidden = server.Get("Group/" + labelled + "/$export", async);
  EXPECT_EQ(hidden.status, 404) << hidden.body;
  EXPECT_EQ(Str(hidden.Json(), "/resourceType"), "OperationOutcome");
}

TEST_F(LabelsTest, TokensThatCannotSeeLabelsCannotWriteThem) {
  std::string labelled = R"({"resourceType":"Observation",)" + Labelled("R") +
                         R"("status":"final","code":{"text":"hr"},"subject":{"reference":"Patient/)" + p +
                         R"("}})";
  EXPECT_EQ(server.Post("Observation", labelled, plain).status, 403);
  EXPECT_EQ(server.Post("Observation", labelled, r_only).status, 201);
  // Labelling what it can see would hide it from itself: refused as well.
  std::string relabel = R"({"resourceType":"Observation","id":")" + open_obs + R"(",)" + Labelled("V") +
                        R"("status":"final","code":{"text":"hr"}})";
  EXPECT_EQ(server.Put("Observation/" + open_obs, relabel, plain).status, 403);
  // What it cannot see is not there to replace, patch or delete.
  std::string replace =
      R"({"resourceType":"Observation","id":")" + r_obs + R"(","status":"final","code":{"text":"x"}})";
  EXPECT_EQ(server.Put("Observation/" + r_obs, replace, plain).status, 404);
  EXPECT_EQ(server
                .Request("PATCH", "Observation/" + r_obs,
                         R"([{"op":"replace","path":"/status","value":"amended"}])",
                         {{"Content-Type", "application/json-patch+json"}, plain[0]})
                .status,
            404);
  EXPECT_EQ(server.Delete("Observation/" + r_obs, plain).status, 404);
  // Untouched.
  HttpResponse still = server.Get("Observation/" + r_obs, all);
  EXPECT_EQ(Str(still.Json(), "/meta/versionId"), "1");
  EXPECT_EQ(Str(still.Json(), "/status"), "final");
}

}  // namespace
}  // namespace kiln::testing
