// History (instance, type, system; _since, _at, _count, paging) and the basic type search
// (_id, _lastUpdated, _count paging, _total, unknown parameters).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

class HistorySearchTest : public ::testing::Test {
 protected:
  std::vector<std::string> EntryIds(const json::Document& bundle) {
    std::vector<std::string> ids;
    const json::Value* entries = json::Find(bundle, "entry");
    if (entries == nullptr) return ids;
    for (const auto& e : entries->GetArray()) {
      const json::Value* r = json::Find(e, "resource");
      if (r && json::GetString(*r, "resourceType") != "OperationOutcome")
        ids.emplace_back(json::GetString(*r, "id"));
    }
    return ids;
  }
  std::string Link(const json::Document& bundle, std::string_view relation) {
    const json::Value* links = json::Find(bundle, "link");
    if (links == nullptr) return "";
    for (const auto& l : links->GetArray()) {
      if (json::GetString(l, "relation") == relation) return std::string(json::GetString(l, "url"));
    }
    return "";
  }
  // Follows an absolute link from a bundle.
  HttpResponse Follow(const std::string& url) {
    std::string base = server.base_url();
    EXPECT_EQ(url.rfind(base, 0), 0u) << url;
    return Send(server.port(), "GET", "/fhir" + url.substr(base.size()));
  }
  TestServer server;
};

TEST_F(HistorySearchTest, InstanceHistoryNewestFirstWithRequestAndResponse) {
  std::string id = server.Create("Patient", R"({"resourceType":"Patient"})");
  server.Put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"(","active":true})");
  server.Delete("Patient/" + id);
  auto doc = server.Get("Patient/" + id + "/_history").Json();
  EXPECT_EQ(json::GetString(doc, "type"), "history");
  EXPECT_EQ((*json::Find(doc, "total")).GetInt(), 3);
  const json::Value& entries = *json::Find(doc, "entry");
  ASSERT_EQ(entries.Size(), 3u);
  EXPECT_EQ(json::GetString(*json::Find(entries[0], "request"), "method"), "DELETE");
  EXPECT_EQ(json::Find(entries[0], "resource"), nullptr);
  EXPECT_EQ(json::GetString(*json::Find(entries[1], "request"), "method"), "PUT");
  EXPECT_EQ(json::GetString(*json::Find(entries[1], "response"), "etag"), "W/\"2\"");
  EXPECT_EQ(json::GetString(*json::Find(entries[2], "request"), "method"), "POST");
  EXPECT_EQ(json::GetString(*json::Find(entries[2], "request"), "url"), "Patient");
}

TEST_F(HistorySearchTest, TypeAndSystemHistory) {
  server.Create("Patient", R"({"resourceType":"Patient"})");
  server.Create("Patient", R"({"resourceType":"Patient"})");
  server.Create("Organization", R"({"resourceType":"Organization","name":"x"})");
  EXPECT_EQ((*json::Find(server.Get("Patient/_history").Json(), "total")).GetInt(), 2);
  EXPECT_EQ((*json::Find(server.Get("Organization/_history").Json(), "total")).GetInt(), 1);
  EXPECT_EQ((*json::Find(server.Get("_history").Json(), "total")).GetInt(), 3);
}

TEST_F(HistorySearchTest, HistorySinceAndAt) {
  std::string id = server.Create("Patient", R"({"resourceType":"Patient"})");
  auto v1 = server.Get("Patient/" + id).Json();
  std::string t1(json::GetString(*json::Find(v1, "meta"), "lastUpdated"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto r2 = server.Put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"(","active":true})");
  std::string t2(json::GetString(*json::Find(r2.Json(), "meta"), "lastUpdated"));
  auto since = server.Get("Patient/" + id + "/_history?_since=" + t2).Json();
  EXPECT_EQ((*json::Find(since, "total")).GetInt(), 1);
  auto at = server.Get("Patient/" + id + "/_history?_at=" + t1).Json();
  ASSERT_EQ((*json::Find(at, "total")).GetInt(), 1);
  EXPECT_EQ(json::GetString(*json::Find((*json::Find(at, "entry"))[0], "response"), "etag"), "W/\"1\"");
  EXPECT_EQ(server.Get("Patient/_history?_since=yesterday").status, 400);
}

TEST_F(HistorySearchTest, HistoryPagingVisitsEveryVersionOnce) {
  for (int i = 0; i < 7; ++i) server.Create("Patient", R"({"resourceType":"Patient"})");
  std::set<std::string> seen;
  HttpResponse page = server.Get("Patient/_history?_count=3");
  int pages = 0;
  for (;;) {
    ASSERT_EQ(page.status, 200) << page.body;
    auto doc = page.Json();
    for (const auto& id : EntryIds(doc)) EXPECT_TRUE(seen.insert(id).second) << "seen twice: " << id;
    ++pages;
    std::string next = Link(doc, "next");
    if (next.empty()) break;
    // A version written while paging does not disturb the pages still to come.
    if (pages == 1) server.Create("Patient", R"({"resourceType":"Patient"})");
    page = Follow(next);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 7u);
}

TEST_F(HistorySearchTest, SearchByIdAndLastUpdated) {
  std::string a = server.Create("Patient", R"({"resourceType":"Patient"})");
  std::string b = server.Create("Patient", R"({"resourceType":"Patient"})");
  server.Create("Patient", R"({"resourceType":"Patient"})");
  auto doc = server.Get("Patient?_id=" + a + "," + b).Json();
  EXPECT_EQ(json::GetString(doc, "type"), "searchset");
  EXPECT_EQ((*json::Find(doc, "total")).GetInt(), 2);
  EXPECT_EQ(json::GetString(*json::Find((*json::Find(doc, "entry"))[0], "search"), "mode"), "match");
  EXPECT_EQ((*json::Find(server.Get("Patient?_lastUpdated=ge2000-01-01").Json(), "total")).GetInt(), 3);
  EXPECT_EQ((*json::Find(server.Get("Patient?_lastUpdated=lt2000-01-01").Json(), "total")).GetInt(), 0);
  EXPECT_EQ(
      (*json::Find(server.Get("Patient?_lastUpdated=gt2000&_lastUpdated=lt2999").Json(), "total")).GetInt(),
      3);
  EXPECT_EQ(server.Get("Patient?_lastUpdated=ge2000-02-30").status, 400);
  // A deleted resource is not found by search.
  server.Delete("Patient/" + a);
  EXPECT_EQ((*json::Find(server.Get("Patient?_id=" + a).Json(), "total")).GetInt(), 0);
}

TEST_F(HistorySearchTest, SearchPagingAndSelfLink) {
  for (int i = 0; i < 5; ++i)
    server.Create("Observation", R"({"resourceType":"Observation","status":"final","code":{"text":"x"}})");
  auto first = server.Get("Observation?_count=2").Json();
  EXPECT_EQ((*json::Find(first, "total")).GetInt(), 5);
  EXPECT_EQ(Link(first, "self"), server.base_url() + "/Observation?_count=2");
  std::set<std::string> seen;
  std::string next = Link(first, "next");
  for (const auto& id : EntryIds(first)) seen.insert(id);
  while (!next.empty()) {
    auto doc = Follow(next).Json();
    for (const auto& id : EntryIds(doc)) EXPECT_TRUE(seen.insert(id).second);
    next = Link(doc, "next");
  }
  EXPECT_EQ(seen.size(), 5u);
  auto count_only = server.Get("Observation?_summary=count").Json();
  EXPECT_EQ((*json::Find(count_only, "total")).GetInt(), 5);
  EXPECT_EQ(json::Find(count_only, "entry"), nullptr);
  EXPECT_EQ(json::Find(server.Get("Observation?_total=none").Json(), "total"), nullptr);
}

TEST_F(HistorySearchTest, UnknownParameterLenientAndStrict) {
  server.Create("Patient", R"({"resourceType":"Patient"})");
  HttpResponse lenient = server.Get("Patient?nosuch=1");
  ASSERT_EQ(lenient.status, 200);
  auto doc = lenient.Json();
  EXPECT_EQ((*json::Find(doc, "total")).GetInt(), 1);
  EXPECT_NE(lenient.body.find(R"("mode":"outcome")"), std::string::npos);
  EXPECT_EQ(Link(doc, "self"), server.base_url() + "/Patient") << "self lists only the parameters used";
  HttpResponse strict = server.Get("Patient?nosuch=1", {{"Prefer", "handling=strict"}});
  EXPECT_EQ(strict.status, 400);
}

TEST_F(HistorySearchTest, PostSearchWithFormBody) {
  std::string a = server.Create("Patient", R"({"resourceType":"Patient"})");
  server.Create("Patient", R"({"resourceType":"Patient"})");
  HttpResponse res =
      server.Post("Patient/_search", "_id=" + a, {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ((*json::Find(res.Json(), "total")).GetInt(), 1);
  // The system-level form ([base]/_search) takes the same body, with _type.
  HttpResponse system = server.Post("_search", "_type=Patient&_id=" + a,
                                    {{"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(system.status, 200) << system.body;
  EXPECT_EQ((*json::Find(system.Json(), "total")).GetInt(), 1);
  for (const char* path : {"Patient/_search", "_search"}) {
    HttpResponse json_body = server.Post(path, R"({"_id":"x"})", {{"Content-Type", "application/fhir+json"}});
    EXPECT_EQ(json_body.status, 415) << path << ": " << json_body.body;
    EXPECT_NE(json_body.body.find("OperationOutcome"), std::string::npos) << path;
  }
}

}  // namespace
}  // namespace kiln::testing
