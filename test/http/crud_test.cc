// The basic interactions over HTTP (hl7.org/fhir/R4/http.html): create, read, vread, update,
// delete, with their headers and Prefer handling.
#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kPatient =
    R"({"resourceType":"Patient","active":true,"name":[{"family":"Smith","given":["Jo"]}],"birthDate":"1970-01-01"})";

class CrudTest : public ::testing::Test {
 protected:
  TestServer server;
};

TEST_F(CrudTest, CreateAssignsIdAndMetaAndReturnsLocation) {
  HttpResponse res = server.Post("Patient", kPatient);
  ASSERT_EQ(res.status, 201) << res.body;
  auto doc = res.Json();
  std::string id(json::GetString(doc, "id"));
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(res.Header("Location"), server.base_url() + "/Patient/" + id + "/_history/1");
  EXPECT_EQ(res.Header("ETag"), "W/\"1\"");
  EXPECT_FALSE(res.Header("Last-Modified").empty());
  EXPECT_EQ(json::GetString(*json::Find(doc, "meta"), "versionId"), "1");
  EXPECT_FALSE(json::GetString(*json::Find(doc, "meta"), "lastUpdated").empty());
  EXPECT_EQ(res.Header("Content-Type"), "application/fhir+json; charset=utf-8");
}

TEST_F(CrudTest, CreateIgnoresClientIdAndKeepsClientMeta) {
  HttpResponse res = server.Post(
      "Patient", R"({"resourceType":"Patient","id":"mine","meta":{"versionId":"7","tag":[{"code":"x"}]}})");
  ASSERT_EQ(res.status, 201) << res.body;
  auto doc = res.Json();
  EXPECT_NE(json::GetString(doc, "id"), "mine");
  const json::Value& meta = *json::Find(doc, "meta");
  EXPECT_EQ(json::GetString(meta, "versionId"), "1");
  EXPECT_EQ(json::GetString((*json::Find(meta, "tag"))[0], "code"), "x");
}

TEST_F(CrudTest, ReadReturnsStoredBytesExactlyIncludingDecimalPrecision) {
  std::string id = server.Create(
      "Observation",
      R"({"resourceType":"Observation","status":"final","code":{"text":"w"},"valueQuantity":{"value":72.50,"unit":"kg"}})");
  HttpResponse res = server.Get("Observation/" + id);
  ASSERT_EQ(res.status, 200);
  EXPECT_NE(res.body.find(R"("value":72.50)"), std::string::npos) << res.body;
  EXPECT_EQ(res.Header("ETag"), "W/\"1\"");
}

TEST_F(CrudTest, ReadUnknownIs404WithOperationOutcome) {
  HttpResponse res = server.Get("Patient/does-not-exist");
  EXPECT_EQ(res.status, 404);
  auto doc = res.Json();
  EXPECT_EQ(json::GetString(doc, "resourceType"), "OperationOutcome");
  EXPECT_EQ(IssueCodes(doc), std::vector<std::string>{"not-found"});
}

TEST_F(CrudTest, UpdateCreatesNewVersionAndVreadReturnsOldOne) {
  std::string id = server.Create("Patient", kPatient);
  std::string updated = R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Jones"}]})";
  HttpResponse res = server.Put("Patient/" + id, updated);
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.Header("ETag"), "W/\"2\"");
  EXPECT_EQ(json::GetString(*json::Find(res.Json(), "meta"), "versionId"), "2");

  HttpResponse v1 = server.Get("Patient/" + id + "/_history/1");
  ASSERT_EQ(v1.status, 200);
  EXPECT_NE(v1.body.find("Smith"), std::string::npos);
  HttpResponse v2 = server.Get("Patient/" + id + "/_history/2");
  ASSERT_EQ(v2.status, 200);
  EXPECT_NE(v2.body.find("Jones"), std::string::npos);
  EXPECT_EQ(server.Get("Patient/" + id + "/_history/3").status, 404);
  EXPECT_EQ(server.Get("Patient/" + id + "/_history/x").status, 404);
  EXPECT_NE(server.Get("Patient/" + id).body.find("Jones"), std::string::npos);
}

TEST_F(CrudTest, UpdateAsCreateUsesClientId) {
  HttpResponse res = server.Put("Patient/pat-1", R"({"resourceType":"Patient","id":"pat-1"})");
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(res.Header("Location"), server.base_url() + "/Patient/pat-1/_history/1");
  EXPECT_EQ(server.Get("Patient/pat-1").status, 200);
}

TEST_F(CrudTest, UpdateRequiresMatchingIdInBody) {
  HttpResponse missing = server.Put("Patient/a", R"({"resourceType":"Patient"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(IssueExpressions(missing.Json()), std::vector<std::string>{"Patient.id"});
  HttpResponse differs = server.Put("Patient/a", R"({"resourceType":"Patient","id":"b"})");
  EXPECT_EQ(differs.status, 400);
  EXPECT_EQ(server.Get("Patient/a").status, 404);
  EXPECT_EQ(server.Get("Patient/b").status, 404);
}

TEST_F(CrudTest, UpdateRejectsInvalidId) {
  std::string long_id(65, 'a');
  HttpResponse res =
      server.Put("Patient/" + long_id, R"({"resourceType":"Patient","id":")" + long_id + "\"}");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(server.Put("Patient/a_b", R"({"resourceType":"Patient","id":"a_b"})").status, 400);
}

TEST_F(CrudTest, VersionAwareUpdateWithIfMatch) {
  std::string id = server.Create("Patient", kPatient);
  std::string body = R"({"resourceType":"Patient","id":")" + id + R"("})";
  HttpResponse stale = server.Put("Patient/" + id, body, {{"If-Match", "W/\"2\""}});
  EXPECT_EQ(stale.status, 412) << stale.body;
  HttpResponse ok = server.Put("Patient/" + id, body, {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(server.Put("Patient/" + id, body, {{"If-Match", "W/\"1\""}}).status, 412);
  EXPECT_EQ(server.Put("Patient/" + id, body, {{"If-Match", "garbage"}}).status, 400);
}

TEST_F(CrudTest, DeleteThenReadIsGoneAndHistoryKeepsVersions) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse del = server.Delete("Patient/" + id);
  EXPECT_EQ(del.status, 204);
  EXPECT_EQ(del.Header("ETag"), "W/\"2\"");
  HttpResponse gone = server.Get("Patient/" + id);
  EXPECT_EQ(gone.status, 410);
  EXPECT_EQ(IssueCodes(gone.Json()), std::vector<std::string>{"deleted"});
  EXPECT_EQ(server.Get("Patient/" + id + "/_history/1").status, 200);
  EXPECT_EQ(server.Get("Patient/" + id + "/_history/2").status, 410);
  // Deleting again, or deleting what never existed, succeeds without a new version.
  EXPECT_EQ(server.Delete("Patient/" + id).status, 204);
  EXPECT_EQ(server.Delete("Patient/never").status, 204);
  auto history = server.Get("Patient/" + id + "/_history").Json();
  EXPECT_EQ((*json::Find(history, "total")).GetInt(), 2);
  // An update brings it back as a new version.
  HttpResponse back = server.Put("Patient/" + id, R"({"resourceType":"Patient","id":")" + id + R"("})");
  EXPECT_EQ(back.status, 201) << back.body;
  EXPECT_EQ(back.Header("ETag"), "W/\"3\"");
}

TEST_F(CrudTest, PreferReturnMinimalAndOperationOutcome) {
  HttpResponse minimal = server.Post("Patient", kPatient, {{"Prefer", "return=minimal"}});
  EXPECT_EQ(minimal.status, 201);
  EXPECT_TRUE(minimal.body.empty());
  EXPECT_FALSE(minimal.Header("Location").empty());
  HttpResponse outcome = server.Post("Patient", kPatient, {{"Prefer", "return=OperationOutcome"}});
  EXPECT_EQ(outcome.status, 201);
  EXPECT_EQ(json::GetString(outcome.Json(), "resourceType"), "OperationOutcome");
  HttpResponse rep = server.Post("Patient", kPatient, {{"Prefer", "return=representation"}});
  EXPECT_EQ(json::GetString(rep.Json(), "resourceType"), "Patient");
}

TEST_F(CrudTest, ConditionalReadReturns304) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse first = server.Get("Patient/" + id);
  EXPECT_EQ(server.Get("Patient/" + id, {{"If-None-Match", "W/\"1\""}}).status, 304);
  EXPECT_EQ(server.Get("Patient/" + id, {{"If-None-Match", "W/\"9\""}}).status, 200);
  EXPECT_EQ(server.Get("Patient/" + id, {{"If-Modified-Since", first.Header("Last-Modified")}}).status, 304);
  EXPECT_EQ(server.Get("Patient/" + id, {{"If-Modified-Since", "Sat, 01 Jan 2000 00:00:00 GMT"}}).status,
            200);
}

TEST_F(CrudTest, ConditionalCreateWithIfNoneExist) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse again = server.Post("Patient", kPatient, {{"If-None-Exist", "_id=" + id}});
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(json::GetString(again.Json(), "id"), id);
  HttpResponse fresh = server.Post("Patient", kPatient, {{"If-None-Exist", "_id=nobody"}});
  EXPECT_EQ(fresh.status, 201);
  std::string other(json::GetString(fresh.Json(), "id"));
  HttpResponse two = server.Post("Patient", kPatient, {{"If-None-Exist", "_id=" + id + "," + other}});
  EXPECT_EQ(two.status, 412);
  HttpResponse unknown = server.Post("Patient", kPatient, {{"If-None-Exist", "nosuchparam=1"}});
  EXPECT_EQ(unknown.status, 400) << "an unknown criterion must not be ignored";
}

TEST_F(CrudTest, ConditionalUpdateAndDelete) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse upd =
      server.Put("Patient?_id=" + id, R"({"resourceType":"Patient","name":[{"family":"Cond"}]})");
  EXPECT_EQ(upd.status, 200) << upd.body;
  EXPECT_EQ(json::GetString(upd.Json(), "id"), id);
  HttpResponse create = server.Put("Patient?_id=nobody", R"({"resourceType":"Patient","active":false})");
  EXPECT_EQ(create.status, 201) << create.body;
  std::string id2(json::GetString(create.Json(), "id"));
  EXPECT_EQ(server.Put("Patient?_id=" + id + "," + id2, R"({"resourceType":"Patient"})").status, 412);
  EXPECT_EQ(server.Delete("Patient?_id=" + id + "," + id2).status, 412);
  EXPECT_EQ(server.Delete("Patient?_id=" + id).status, 204);
  EXPECT_EQ(server.Get("Patient/" + id).status, 410);
  EXPECT_EQ(server.Get("Patient/" + id2).status, 200);
}

TEST_F(CrudTest, HeadReturnsHeadersWithoutBody) {
  std::string id = server.Create("Patient", kPatient);
  HttpResponse res = server.Request("HEAD", "Patient/" + id);
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.body.empty());
  EXPECT_EQ(res.Header("ETag"), "W/\"1\"");
}

// Hundreds of writes and reads one after another: on PostgreSQL they run on one pooled
// connection, whose prepared statements are prepared again as their runs grow (after 64, 256,
// ...), so every form of the read, lock and write statements is replaced at least twice here.
TEST_F(CrudTest, HundredsOfSequentialWritesAndReadsKeepEveryVersion) {
  constexpr int kResources = 300;
  auto body = [](int n, const std::string& family) {
    return R"({"resourceType":"Patient","id":"many-)" + std::to_string(n) + R"(","name":[{"family":")" +
           family + R"("}]})";
  };
  for (int n = 0; n < kResources; ++n) {
    HttpResponse created = server.Put("Patient/many-" + std::to_string(n), body(n, "First"));
    ASSERT_EQ(created.status, 201) << n << ": " << created.body;
  }
  for (int n = 0; n < kResources; ++n) {
    HttpResponse updated =
        server.Put("Patient/many-" + std::to_string(n), body(n, "Second" + std::to_string(n)));
    ASSERT_EQ(updated.status, 200) << n << ": " << updated.body;
    EXPECT_EQ(updated.Header("ETag"), "W/\"2\"") << n;
  }
  for (int n = 0; n < kResources; ++n) {
    HttpResponse read = server.Get("Patient/many-" + std::to_string(n));
    ASSERT_EQ(read.status, 200) << n;
    EXPECT_EQ(read.Header("ETag"), "W/\"2\"") << n;
    EXPECT_NE(read.body.find(R"("family":"Second)" + std::to_string(n) + "\""), std::string::npos)
        << read.body;
  }
  // The first versions' index rows are gone, the second ones' there.
  EXPECT_EQ(json::Find(server.Get("Patient?family:exact=First&_summary=count").Json(), "total")->GetInt(), 0);
  EXPECT_EQ(json::Find(server.Get("Patient?family=Second&_summary=count").Json(), "total")->GetInt(),
            kResources);
  EXPECT_EQ(json::Find(server.Get("Patient?family:exact=Second7").Json(), "total")->GetInt(), 1);
}

// Writes sent at the same moment may be committed together (on PostgreSQL small commits that
// arrive together share a transaction): each still gets its own outcome. Of the updates based
// on one version exactly one wins and the others get 412 and store nothing; the creates sent
// with them are all stored, with their own index rows.
TEST_F(CrudTest, SimultaneousWritesEachGetTheirOwnOutcome) {
  constexpr int kRacers = 8, kCreators = 8, kRounds = 4;
  auto body = [](const std::string& id, const std::string& family) {
    return R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":")" + family + R"("}]})";
  };
  ASSERT_EQ(server.Put("Patient/race", body("race", "start")).status, 201);
  for (int round = 0; round < kRounds; ++round) {
    const std::string base = "W/\"" + std::to_string(round + 1) + "\"";
    std::latch start(kRacers + kCreators);
    std::atomic<int> won{0}, lost{0}, created{0};
    std::vector<std::string> winner(kRacers);
    std::vector<std::thread> threads;
    for (int t = 0; t < kRacers + kCreators; ++t) {
      threads.emplace_back([&, t] {
        std::string tag = std::to_string(round) + "x" + std::to_string(t);
        start.arrive_and_wait();
        if (t < kRacers) {
          HttpResponse put = server.Put("Patient/race", body("race", "racer" + tag), {{"If-Match", base}});
          if (put.status == 200) {
            ++won;
            winner[t] = "racer" + tag;
          } else {
            EXPECT_EQ(put.status, 412) << put.body;
            ++lost;
          }
        } else {
          HttpResponse put = server.Put("Patient/own" + tag, body("own" + tag, "own" + tag));
          EXPECT_EQ(put.status, 201) << put.body;
          created += put.status == 201;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(won, 1) << "round " << round;
    EXPECT_EQ(lost, kRacers - 1) << "round " << round;
    EXPECT_EQ(created, kCreators);
    std::string family;
    for (const auto& w : winner) family += w;
    HttpResponse race = server.Get("Patient/race");
    EXPECT_EQ(race.Header("ETag"), "W/\"" + std::to_string(round + 2) + "\"");
    EXPECT_NE(race.body.find(R"("family":")" + family + "\""), std::string::npos) << race.body;
    EXPECT_EQ(json::Find(server.Get("Patient?family:exact=" + family).Json(), "total")->GetInt(), 1);
    for (int t = kRacers; t < kRacers + kCreators; ++t) {
      std::string tag = std::to_string(round) + "x" + std::to_string(t);
      EXPECT_EQ(server.Get("Patient/own" + tag).status, 200) << tag;
      EXPECT_EQ(json::Find(server.Get("Patient?family:exact=own" + tag).Json(), "total")->GetInt(), 1) << tag;
    }
  }
  // Only the winners' updates are versions, and only the last one's rows are indexed.
  EXPECT_EQ(json::Find(server.Get("Patient/race/_history").Json(), "total")->GetInt(), kRounds + 1);
  EXPECT_EQ(json::Find(server.Get("Patient?family=racer&_summary=count").Json(), "total")->GetInt(), 1);
}

}  // namespace
}  // namespace kiln::testing
