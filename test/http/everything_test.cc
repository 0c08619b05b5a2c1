// Patient/[id]/$everything over HTTP (hl7.org/fhir/R4/patient-operation-everything.html): the
// patient, its compartment and what those reference; _type, _since, _count paging; errors.
#include <gtest/gtest.h>

#include <set>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class EverythingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org = server.Create("Organization", R"({"resourceType":"Organization","name":"Clinic"})");
    jo = server.Create("Patient", R"({"resourceType":"Patient","name":[{"family":"Jo"}],)"
                                  R"("managingOrganization":{"reference":"Organization/)" +
                                      org + R"("}})");
    other = server.Create("Patient", R"({"resourceType":"Patient","name":[{"family":"Other"}]})");
    for (int i = 0; i < 3; ++i) obs.push_back(ObservationOf(jo));
    cond = server.Create("Condition",
                         R"({"resourceType":"Condition","subject":{"reference":"Patient/)" + jo + R"("}})");
    ObservationOf(other);
  }
  std::string ObservationOf(const std::string& patient) {
    return server.Create("Observation",
                         R"({"resourceType":"Observation","status":"final","code":{"text":"x"},)"
                         R"("subject":{"reference":"Patient/)" +
                             patient + R"("}})");
  }
  // "match" and "include" entries as Type/id, and the next link ("" when none).
  struct Page {
    std::set<std::string> match, include;
    std::string next;
    int total = -1;
  };
  Page Get(const std::string& path) {
    HttpResponse res = server.Get(path);
    EXPECT_EQ(res.status, 200) << path << " -> " << res.body;
    Page p;
    auto doc = res.Json();
    if (const json::Value* t = json::Find(doc, "total")) p.total = t->GetInt();
    if (const json::Value* entries = json::Find(doc, "entry")) {
      for (const auto& e : entries->GetArray()) {
        const json::Value& r = *json::Find(e, "resource");
        std::string ref =
            std::string(json::GetString(r, "resourceType")) + "/" + std::string(json::GetString(r, "id"));
        (json::GetString(*json::Find(e, "search"), "mode") == "include" ? p.include : p.match).insert(ref);
      }
    }
    if (const json::Value* links = json::Find(doc, "link")) {
      for (const auto& l : links->GetArray()) {
        if (json::GetString(l, "relation") == "next") {
          std::string url(json::GetString(l, "url"));
          p.next = url.substr(server.base_url().size() + 1);
        }
      }
    }
    return p;
  }

  TestServer server;
  std::string org, jo, other, cond;
  std::vector<std::string> obs;
};

TEST_F(EverythingTest, ThePatientItsCompartmentAndWhatTheyReference) {
  Page p = Get("Patient/" + jo + "/$everything");
  std::set<std::string> want = {"Patient/" + jo, "Condition/" + cond};
  for (const auto& o : obs) want.insert("Observation/" + o);
  EXPECT_EQ(p.match, want);
  EXPECT_EQ(p.include, (std::set<std::string>{"Organization/" + org})) << "referenced by the patient";
  EXPECT_EQ(p.total, 5);
  EXPECT_TRUE(p.next.empty());
}

TEST_F(EverythingTest, TypeSinceAndPaging) {
  EXPECT_EQ(Get("Patient/" + jo + "/$everything?_type=Condition").match,
            (std::set<std::string>{"Condition/" + cond}));
  EXPECT_TRUE(Get("Patient/" + jo + "/$everything?_since=2999-01-01T00:00:00Z").match.empty());
  EXPECT_EQ(Get("Patient/" + jo + "/$everything?_since=2000-01-01T00:00:00Z").match.size(), 5u);
  std::set<std::string> seen;
  std::string path = "Patient/" + jo + "/$everything?_count=2";
  int pages = 0;
  while (!path.empty() && pages < 10) {
    Page p = Get(path);
    EXPECT_LE(p.match.size(), 2u);
    for (const auto& m : p.match) EXPECT_TRUE(seen.insert(m).second) << m << " on two pages";
    path = p.next;
    ++pages;
  }
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_EQ(pages, 3);
}

TEST_F(EverythingTest, UnknownDeletedAndBadInput) {
  EXPECT_EQ(server.Get("Patient/nobody/$everything").status, 404);
  EXPECT_EQ(server.Get("Patient/" + jo + "/$everything?_type=Nonsense").status, 400);
  EXPECT_EQ(server.Get("Patient/" + jo + "/$everything?_count=0").status, 400);
  EXPECT_EQ(server.Get("Patient/" + jo + "/$everything?foo=1").status, 400);
  EXPECT_EQ(server.Get("Observation/" + obs[0] + "/$everything").status, 404);
  ASSERT_EQ(server.Delete("Patient/" + other).status, 204);
  EXPECT_EQ(server.Get("Patient/" + other + "/$everything").status, 410);
}

}  // namespace
}  // namespace kiln::testing
