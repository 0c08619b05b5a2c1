// Bulk Data export jobs over HTTP (hl7.org/fhir/uv/bulkdata/export.html, v2) beyond the basic
// flow of export_test.cc: jobs belong to the client that kicked them off, finished jobs carry
// an Expires header and are deleted after the retention period, and transactionTime splits the
// writes in flight so that `_since=transactionTime` misses nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "auth/auth.h"
#include "core/time.h"
#include "support/oauth_client.h"
#include "support/test_server.h"

namespace kiln::testing {
namespace {

constexpr const char* kSecret = "0123456789abcdef0123456789abcdef-secret";

Headers With(Headers a, const Headers& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const Headers kAsync = {{"Prefer", "respond-async"}, {"Accept", "application/fhir+json"}};

std::string PatientJson(const std::string& family) {
  return R"({"resourceType":"Patient","name":[{"family":")" + family + R"("}]})";
}

Micros Instant(std::string_view text) {
  auto t = ParseFhirDateTime(text);
  EXPECT_TRUE(t.has_value()) << text;
  return t ? t->start : 0;
}

// Drives export jobs against one FHIR base with fixed headers (a token, or none).
class Exporter {
 public:
  Exporter(const TestServer& server, Headers auth) : server_(server), auth_(std::move(auth)) {}

  std::string PathOf(const std::string& url) const {
    EXPECT_TRUE(url.starts_with(server_.base_url() + "/")) << url;
    return url.substr(std::min(url.size(), server_.base_url().size() + 1));
  }
  // Kicks off and returns the status path (fails the test unless 202).
  std::string KickOff(const std::string& path) const {
    HttpResponse res = server_.Get(path, With(kAsync, auth_));
    EXPECT_EQ(res.status, 202) << path << " -> " << res.body;
    return PathOf(res.Header("Content-Location"));
  }
  // Polls until the job is complete and returns that response (200 and the manifest).
  HttpResponse Complete(const std::string& status_path) const {
    for (int i = 0; i < 3000; ++i) {
      HttpResponse res = server_.Get(status_path, auth_);
      if (res.status != 202) {
        EXPECT_EQ(res.status, 200) << res.body;
        return res;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the export did not complete: " << status_path;
    return {};
  }
  // The manifest's file URLs, as paths below the base.
  std::vector<std::string> Files(const HttpResponse& complete) const {
    std::vector<std::string> out;
    auto doc = complete.Json();
    if (const json::Value* output = json::Find(doc, "output"); output && output->IsArray()) {
      for (const auto& f : output->GetArray()) out.push_back(PathOf(std::string(json::GetString(f, "url"))));
    }
    return out;
  }
  // Every exported resource's id -> meta.lastUpdated, over all files of a complete job.
  std::map<std::string, Micros> Exported(const HttpResponse& complete) const {
    std::map<std::string, Micros> out;
    for (const std::string& file : Files(complete)) {
      HttpResponse res = server_.Get(file, auth_);
      EXPECT_EQ(res.status, 200) << file;
      for (size_t pos = 0; pos < res.body.size();) {
        size_t nl = res.body.find('\n', pos);
        if (nl == std::string::npos) nl = res.body.size();
        auto doc = json::Parse(std::string_view(res.body).substr(pos, nl - pos));
        EXPECT_TRUE(doc);
        if (doc) {
          out[std::string(json::GetString(*doc, "id"))] =
              Instant(json::GetString(*json::Find(*doc, "meta"), "lastUpdated"));
        }
        pos = nl + 1;
      }
    }
    return out;
  }

 private:
  const TestServer& server_;
  Headers auth_;
};

// ---- jobs belong to their requester ----------------------------------------------------------

class ExportAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* id : {"exporter-a", "exporter-b"}) {
      auth::ClientSpec spec;
      spec.id = id;
      spec.secret = kSecret;
      spec.scope = "system/*.cruds";
      server.RegisterClient(spec);
    }
    a = BearerAuth(ClientCredentialsToken(server.port(), "exporter-a", kSecret));
    b = BearerAuth(ClientCredentialsToken(server.port(), "exporter-b", kSecret));
  }

  TestServer server{ServerOptionsForTest{.auth = true}};
  Headers a, b;
};

TEST_F(ExportAccessTest, AnotherClientGetsA404AsForAnUnknownJobAndChangesNothing) {
  ASSERT_EQ(server.Post("Patient", PatientJson("Ames"), With(a, {{"Content-Type", "application/fhir+json"}}))
                .status,
            201);
  Exporter by_a(server, a), by_b(server, b);
  std::string status = by_a.KickOff("$export?_type=Patient");
  std::string id = status.substr(std::string("_export/").size());
  HttpResponse done = by_a.Complete(status);
  auto manifest = done.Json();
  const json::Value* requires_token = json::Find(manifest, "requiresAccessToken");
  ASSERT_TRUE(requires_token != nullptr && requires_token->IsBool());
  EXPECT_TRUE(requires_token->GetBool()) << "files need the OAuth token, as the FHIR API does";
  std::vector<std::string> files = by_a.Files(done);
  ASSERT_EQ(files.size(), 1u);

  // What another client sees of the job: exactly what it sees of an id that does not exist.
  std::string unknown_id = "0123456789abcdef0123456789abcdef";
  auto as_unknown = [&](std::string text) {
    for (size_t at; (at = text.find(id)) != std::string::npos;) text.replace(at, id.size(), unknown_id);
    return text;
  };
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", status}, {"GET", files[0]}, {"DELETE", status}}) {
    HttpResponse other = server.Request(method, path, "", b);
    EXPECT_EQ(other.status, 404) << method << " " << path << " -> " << other.body;
    EXPECT_EQ(IssueCodes(other.Json()), std::vector<std::string>{"not-found"});
    EXPECT_EQ(other.body.find("Patient\""), std::string::npos) << other.body;
    std::string unknown_path = as_unknown(path);
    HttpResponse unknown = server.Request(method, unknown_path, "", b);
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(as_unknown(other.body), unknown.body) << "another's job must look like no job at all";
    EXPECT_EQ(other.Header("Expires"), "");
  }
  // Without a token: 401, as for any FHIR request.
  EXPECT_EQ(server.Get(status).status, 401);
  EXPECT_EQ(server.Get(files[0]).status, 401);

  // The requester still has it all: B's DELETE cancelled nothing.
  EXPECT_EQ(server.Get(status, a).status, 200);
  HttpResponse file = server.Get(files[0], a);
  EXPECT_EQ(file.status, 200);
  EXPECT_NE(file.body.find("Ames"), std::string::npos);
  EXPECT_EQ(server.Delete(status, a).status, 202);
  EXPECT_EQ(server.Get(status, a).status, 404);
  EXPECT_EQ(server.Get(files[0], a).status, 404);
}

TEST_F(ExportAccessTest, EachClientSeesItsOwnJobs) {
  Exporter by_a(server, a), by_b(server, b);
  std::string job_a = by_a.KickOff("$export?_type=Patient");
  std::string job_b = by_b.KickOff("$export?_type=Organization");
  by_a.Complete(job_a);
  by_b.Complete(job_b);
  EXPECT_EQ(server.Get(job_a, b).status, 404);
  EXPECT_EQ(server.Get(job_b, a).status, 404);
  EXPECT_EQ(server.Get(job_a, a).status, 200);
  EXPECT_EQ(server.Get(job_b, b).status, 200);
  // A new token of the same client is the same requester.
  Headers a_again = BearerAuth(ClientCredentialsToken(server.port(), "exporter-a", kSecret));
  EXPECT_EQ(server.Get(job_a, a_again).status, 200);
}

// ---- Expires and retention -------------------------------------------------------------------

class ExportRetentionTest : public ::testing::Test {
 protected:
  static constexpr int64_t kRetention = 600;  // seconds; the clock is moved, nobody waits

  std::string JobDir(const std::string& status_path) const {
    return server.data_dir() + "/export/" + status_path.substr(std::string("_export/").size());
  }

  TestServer server{ServerOptionsForTest{.export_retention_seconds = kRetention}};
  Exporter exporter{server, {}};
};

TEST_F(ExportRetentionTest, CompleteStatusAndFilesSayWhenTheyExpire) {
  server.Create("Patient", PatientJson("Ames"));
  Micros before = SystemClock().Now();
  std::string status = exporter.KickOff("$export");
  HttpResponse done = exporter.Complete(status);
  Micros after = SystemClock().Now();
  auto expires = ParseHttpDate(done.Header("Expires"));
  ASSERT_TRUE(expires.has_value()) << "an HTTP-date: '" << done.Header("Expires") << "'";
  // The job finished between `before` and `after`; HTTP dates have whole seconds.
  EXPECT_GE(*expires, before + kRetention * 1'000'000 - 1'000'000);
  EXPECT_LE(*expires, after + kRetention * 1'000'000);
  // Fixed when the job finished: polling again does not push it back.
  server.AdvanceClock(5);
  EXPECT_EQ(server.Get(status).Header("Expires"), done.Header("Expires"));
  for (const std::string& file : exporter.Files(done)) {
    HttpResponse res = server.Get(file);
    EXPECT_EQ(res.status, 200);
    EXPECT_EQ(res.Header("Expires"), done.Header("Expires")) << file;
  }
}

TEST_F(ExportRetentionTest, AnExpiredJobIsDeletedFilesAndAllAndThen404) {
  server.Create("Patient", PatientJson("Ames"));
  std::string status = exporter.KickOff("$export");
  HttpResponse done = exporter.Complete(status);
  std::vector<std::string> files = exporter.Files(done);
  ASSERT_FALSE(files.empty());
  ASSERT_TRUE(std::filesystem::exists(JobDir(status)));

  server.AdvanceClock(kRetention - 60);  // not yet
  EXPECT_EQ(server.Get(status).status, 200);
  EXPECT_EQ(server.Get(files[0]).status, 200);

  server.AdvanceClock(61);  // past Expires
  HttpResponse gone = server.Get(files[0]);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(IssueCodes(gone.Json()), std::vector<std::string>{"not-found"});
  EXPECT_FALSE(std::filesystem::exists(JobDir(status))) << "the files are deleted, not only hidden";
  HttpResponse status_gone = server.Get(status);
  EXPECT_EQ(status_gone.status, 404);
  EXPECT_EQ(IssueCodes(status_gone.Json()), std::vector<std::string>{"not-found"});
  EXPECT_EQ(server.Delete(status).status, 404);
}

TEST_F(ExportRetentionTest, ExpiredJobsAreDeletedWithoutAnybodyAskingForThem) {
  std::string old_job = exporter.KickOff("$export?_type=Patient");
  exporter.Complete(old_job);
  server.AdvanceClock(kRetention + 1);
  // Another request (here a new kick-off) is enough; the worker also sweeps every minute.
  std::string new_job = exporter.KickOff("$export?_type=Patient");
  EXPECT_FALSE(std::filesystem::exists(JobDir(old_job)));
  exporter.Complete(new_job);
  EXPECT_TRUE(std::filesystem::exists(JobDir(new_job))) << "a fresh job is kept";
}

TEST_F(ExportRetentionTest, ARestartKeepsAJobsExpiry) {
  std::string status = exporter.KickOff("$export?_type=Patient");
  HttpResponse done = exporter.Complete(status);
  auto expires = ParseHttpDate(done.Header("Expires"));
  ASSERT_TRUE(expires.has_value());
  server.Restart();
  HttpResponse again = server.Get(status);
  ASSERT_EQ(again.status, 200);
  auto expires_again = ParseHttpDate(again.Header("Expires"));
  ASSERT_TRUE(expires_again.has_value());
  // After a restart the job's finishing time is its manifest's file time (whole seconds here).
  EXPECT_LE(std::abs(*expires_again - *expires), 1'000'000);
}

// ---- transactionTime and writes in flight ----------------------------------------------------

// Writers create Patients without pause while exports run. Each export must hold exactly the
// resources with lastUpdated <= its transactionTime (nothing later, nothing missing), and
// `_since=transactionTime` must then hold exactly the rest: together they miss nothing.
TEST(ExportTransactionTimeTest, SplitsWritesInFlightCleanly) {
  TestServer server;
  Exporter exporter(server, {});
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::map<std::string, Micros> created;  // id -> lastUpdated, as the create answered it
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      const std::string family = std::string("Writer") + static_cast<char>('A' + w);
      for (int i = 0; !stop && i < 400; ++i) {
        HttpResponse res =
            server.Post("Patient", PatientJson(family),
                        {{"Content-Type", "application/fhir+json"}, {"Prefer", "return=representation"}});
        ASSERT_EQ(res.status, 201) << res.body;
        auto doc = res.Json();
        std::lock_guard lock(mu);
        created[std::string(json::GetString(doc, "id"))] =
            Instant(json::GetString(*json::Find(doc, "meta"), "lastUpdated"));
      }
    });
  }
  struct Snapshot {
    Micros transaction_time;
    std::map<std::string, Micros> exported;
  };
  std::vector<Snapshot> exports;
  for (int e = 0; e < 5; ++e) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // let writes pile up in between
    HttpResponse done = exporter.Complete(exporter.KickOff("$export?_type=Patient"));
    exports.push_back({Instant(json::GetString(done.Json(), "transactionTime")), exporter.Exported(done)});
  }
  stop = true;
  for (auto& t : writers) t.join();

  for (const Snapshot& s : exports) {
    std::set<std::string> expected, got;
    for (const auto& [id, at] : created)
      if (at <= s.transaction_time) expected.insert(id);
    for (const auto& [id, at] : s.exported) {
      got.insert(id);
      EXPECT_LE(at, s.transaction_time) << "Patient/" << id << " was changed after transactionTime";
    }
    EXPECT_EQ(got, expected) << "transactionTime " << FormatInstant(s.transaction_time);

    // The incremental export from that instant has the rest, and nothing exported already.
    HttpResponse later = exporter.Complete(
        exporter.KickOff("$export?_type=Patient&_since=" + FormatInstant(s.transaction_time)));
    std::set<std::string> rest;
    for (const auto& [id, at] : exporter.Exported(later)) {
      rest.insert(id);
      EXPECT_FALSE(got.contains(id)) << "Patient/" << id << " in both";
    }
    std::set<std::string> all = got;
    all.insert(rest.begin(), rest.end());
    EXPECT_EQ(all.size(), created.size()) << "with _since=transactionTime nothing is missed";
  }
}

}  // namespace
}  // namespace kiln::testing
