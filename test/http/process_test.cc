// The `kiln` binary as a process: acknowledged writes survive kill -9, SIGTERM stops cleanly,
// and `kiln import` goes through the API. Uses the binary named by KILN_BINARY (set by ctest).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/base64.h"
#include "support/test_server.h"

extern char** environ;

namespace kiln::testing {
namespace {

int FreePort() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

std::string Binary() {
  const char* b = std::getenv("KILN_BINARY");
  return b != nullptr && *b != '\0' ? b : KILN_DEFAULT_BINARY;
}

// `stdout_path`, when given, gets what the process prints (auth: the `kiln client` tests).
pid_t Spawn(const std::vector<std::string>& args, const std::string& stdout_path = "") {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (!stdout_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  }
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

class ServerProcess {
 public:
  // auth: without authorization unless `extra` says otherwise (auth_process tests).
  explicit ServerProcess(const std::string& data_dir, std::vector<std::string> extra = {"--no-auth"})
      : port_(FreePort()) {
    std::vector<std::string> args = {Binary(),    "serve",      "--port", std::to_string(port_), "--bind",
                                     "127.0.0.1", "--data-dir", data_dir, "--log-level",         "warn"};
    args.insert(args.end(), extra.begin(), extra.end());
    pid_ = Spawn(args);
    for (int i = 0; i < 200; ++i) {
      try {
        if (Send(port_, "GET", "/fhir/metadata").status == 200) return;
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ADD_FAILURE() << "server did not start";
  }
  ~ServerProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  void Kill(int sig) { kill(pid_, sig); }
  // Waits for exit; returns the exit status, or -1 on timeout or a signal death.
  int WaitExit(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  int port_;
  pid_t pid_ = -1;
};

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Binary().empty()) GTEST_SKIP() << "KILN_BINARY is not set (run through ctest)";
  }
  TempDir dir;
};

// Runs `clients` threads that each call `write` until the server is gone (`write` returns whether
// the server acknowledged), and kills the server with SIGKILL mid-stream, with requests in flight,
// once `enough` writes were acknowledged. Bounded: a server that acknowledges nothing fails the
// test instead of hanging it.
void WriteUntilKilled(ServerProcess& server, int clients, size_t enough, const std::function<bool()>& write) {
  std::atomic<size_t> acknowledged{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      while (!stop) {
        try {
          if (write()) ++acknowledged;
        } catch (const std::exception&) {
          return;  // the server is gone
        }
      }
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && acknowledged < enough) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  server.Kill(SIGKILL);
  stop = true;
  for (auto& t : threads) t.join();
}

TEST_F(ProcessTest, AcknowledgedWritesSurviveKill9) {
  std::vector<std::string> acknowledged;
  std::mutex mu;
  {
    ServerProcess server(dir.path());
    WriteUntilKilled(server, 8, 300, [&] {
      HttpResponse res = Send(server.port(), "POST", "/fhir/Observation",
                              R"({"resourceType":"Observation","status":"final","code":{"text":"k9"}})",
                              {{"Prefer", "return=representation"}});
      if (res.status != 201) return false;
      std::lock_guard lock(mu);
      acknowledged.emplace_back(json::GetString(res.Json(), "id"));
      return true;
    });
  }
  ASSERT_GE(acknowledged.size(), 300u);
  ServerProcess restarted(dir.path());
  for (const std::string& id : acknowledged) {
    EXPECT_EQ(Send(restarted.port(), "GET", "/fhir/Observation/" + id).status, 200) << "lost write " << id;
  }
}

// One transaction of `size` Observations about one Patient, all carrying the identifier `tag`.
std::string TaggedTransaction(const std::string& tag, int size) {
  const std::string sys = "http://kiln.test/tx";
  const std::string patient_urn = "urn:uuid:00000000-0000-4000-8000-" +
                                  std::string(12 - std::min<size_t>(12, tag.size()), '0') + tag.substr(0, 12);
  std::string b = R"({"resourceType":"Bundle","type":"transaction","entry":[{"fullUrl":")" + patient_urn +
                  R"(","resource":{"resourceType":"Patient","identifier":[{"system":")" + sys +
                  R"(","value":")" + tag + R"("}]},"request":{"method":"POST","url":"Patient"}})";
  for (int i = 0; i < size; ++i) {
    b += R"(,{"resource":{"resourceType":"Observation","status":"final","identifier":[{"system":")" + sys +
         R"(","value":")" + tag + R"("}],"code":{"text":"item )" + std::to_string(i) +
         R"("},"valueQuantity":{"value":)" + std::to_string(i) + R"(.50},"subject":{"reference":")" +
         patient_urn + R"("}},"request":{"method":"POST","url":"Observation"}})";
  }
  return b + "]}";
}

int CountTagged(int port, const std::string& type, const std::string& tag) {
  HttpResponse res =
      Send(port, "GET", "/fhir/" + type + "?identifier=http://kiln.test/tx%7C" + tag + "&_summary=count");
  if (res.status != 200) return -1;
  auto doc = res.Json();
  const json::Value* total = json::Find(doc, "total");
  return total == nullptr ? -1 : total->GetInt();
}

TEST_F(ProcessTest, TransactionsAreAllOrNothingAcrossKill9) {
  constexpr int kSize = 150;
  std::atomic<int> next{0};
  std::vector<int> acknowledged;
  std::mutex mu;
  {
    ServerProcess server(dir.path());
    WriteUntilKilled(server, 4, 8, [&] {
      int n = next++;
      HttpResponse res = Send(server.port(), "POST", "/fhir", TaggedTransaction(std::to_string(n), kSize),
                              {{"Prefer", "return=minimal"}});
      if (res.status != 200) return false;
      std::lock_guard lock(mu);
      acknowledged.push_back(n);
      return true;
    });
  }
  ASSERT_GE(acknowledged.size(), 8u);
  ServerProcess restarted(dir.path());
  std::set<int> acked(acknowledged.begin(), acknowledged.end());
  int complete = 0;
  for (int n = 0; n < next.load(); ++n) {
    std::string tag = std::to_string(n);
    int patients = CountTagged(restarted.port(), "Patient", tag);
    int observations = CountTagged(restarted.port(), "Observation", tag);
    bool present = patients == 1 && observations == kSize;
    bool absent = patients == 0 && observations == 0;
    EXPECT_TRUE(present || absent) << "transaction " << n << " is partly stored: " << patients << " Patient, "
                                   << observations << " Observations";
    if (acked.contains(n)) {
      EXPECT_TRUE(present) << "acknowledged transaction " << n << " was lost";
    }
    complete += present ? 1 : 0;
  }
  EXPECT_GE(complete, static_cast<int>(acked.size()));
}

TEST_F(ProcessTest, SigtermStopsCleanly) {
  ServerProcess server(dir.path());
  EXPECT_EQ(Send(server.port(), "POST", "/fhir/Patient", R"({"resourceType":"Patient"})").status, 201);
  server.Kill(SIGTERM);
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 0);
}

// auth: runs `kiln ARGS...` to its end; its exit status, and what it printed in `out`.
int RunKiln(const TempDir& dir, const std::vector<std::string>& args, std::string* out) {
  std::string path = dir.path() + "/cli.out";
  std::vector<std::string> all = {Binary()};
  all.insert(all.end(), args.begin(), args.end());
  pid_t pid = Spawn(all, path);
  int status = 0;
  waitpid(pid, &status, 0);
  std::stringstream text;
  text << std::ifstream(path).rdbuf();
  *out = text.str();
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// auth: a client's token by client_secret_basic, or "" (with the response in the failure).
std::string TokenFrom(int port, const std::string& id, const std::string& secret) {
  HttpResponse res = Send(port, "POST", "/auth/token", "grant_type=client_credentials",
                          {{"Content-Type", "application/x-www-form-urlencoded"},
                           {"Authorization", "Basic " + Base64Encode(id + ":" + secret)}});
  if (res.status != 200) return "";
  auto doc = res.Json();
  return std::string(json::GetString(doc, "access_token"));
}

std::string KidOf(const std::string& token) {
  auto header =
      Base64Decode(token.substr(0, token.find('.')) + std::string((4 - token.find('.') % 4) % 4, '='));
  if (!header) return "";
  auto doc = json::Parse(*header);
  return doc ? std::string(json::GetString(*doc, "kid")) : std::string();
}

// auth: `kiln client` and `kiln key` beside a running server, which requires tokens by default.
TEST_F(ProcessTest, ClientsAndSigningKeysFromTheCommandLine) {
  std::string data = dir.path() + "/data", out;
  ASSERT_EQ(RunKiln(dir,
                    {"client", "create", "--data-dir", data, "--id", "cli", "--scope", "system/*.rs",
                     "--generate-secret"},
                    &out),
            0)
      << out;
  const std::string marker = "secret (shown this once): ";
  ASSERT_NE(out.find(marker), std::string::npos) << out;
  std::string secret = out.substr(out.find(marker) + marker.size());
  secret.erase(secret.find_last_not_of("\n") + 1);

  // One public base for both runs: a token is for the base it was issued for, not for a port.
  const std::vector<std::string> public_base = {"--base-url", "http://kiln.test/fhir"};
  std::string old_token;
  {
    ServerProcess server(data, public_base);
    int port = server.port();
    EXPECT_EQ(Send(port, "GET", "/fhir/Patient").status, 401);
    old_token = TokenFrom(port, "cli", secret);
    ASSERT_FALSE(old_token.empty());
    EXPECT_EQ(Send(port, "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + old_token}}).status, 200);
    EXPECT_EQ(Send(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient"})",
                   {{"Authorization", "Bearer " + old_token}})
                  .status,
              403);  // system/*.rs

    EXPECT_EQ(RunKiln(dir, {"client", "list", "--data-dir", data}, &out), 0);
    EXPECT_NE(out.find("cli\tdefault\tsecret\tsystem/*.rs\t"), std::string::npos) << out;
    EXPECT_NE(RunKiln(dir,
                      {"client", "create", "--data-dir", data, "--id", "cli", "--scope", "system/*.rs",
                       "--secret", std::string(40, 's')},
                      &out),
              0);
    EXPECT_NE(RunKiln(dir,
                      {"client", "create", "--data-dir", data, "--id", "weak", "--scope", "system/*.rs",
                       "--secret", "short"},
                      &out),
              0);
    ASSERT_EQ(RunKiln(dir, {"key", "rotate", "--data-dir", data}, &out), 0) << out;
    EXPECT_EQ(RunKiln(dir, {"client", "delete", "cli", "--data-dir", data}, &out), 0);
    EXPECT_EQ(TokenFrom(port, "cli", secret), "");
    // The running server still takes what it issued.
    EXPECT_EQ(Send(port, "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + old_token}}).status, 200);
  }
  EXPECT_EQ(RunKiln(dir, {"key", "list", "--data-dir", data}, &out), 0);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;  // a header and two keys

  ASSERT_EQ(RunKiln(dir,
                    {"client", "create", "--data-dir", data, "--id", "cli2", "--scope", "system/*.rs",
                     "--secret", std::string(40, 's')},
                    &out),
            0);
  ServerProcess restarted(data, public_base);
  std::string new_token = TokenFrom(restarted.port(), "cli2", std::string(40, 's'));
  ASSERT_FALSE(new_token.empty());
  EXPECT_NE(KidOf(new_token), KidOf(old_token)) << "the rotated key signs";
  // The key before stays published, and its token valid, until its tokens expire.
  HttpResponse jwks = Send(restarted.port(), "GET", "/.well-known/jwks.json");
  EXPECT_NE(jwks.body.find(KidOf(old_token)), std::string::npos);
  EXPECT_NE(jwks.body.find(KidOf(new_token)), std::string::npos);
  EXPECT_EQ(
      Send(restarted.port(), "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + old_token}}).status,
      200);
}

TEST_F(ProcessTest, ImportLoadsBundleAndNdjsonThroughTheApi) {
  std::string bundle = dir.path() + "/bundle.json";
  std::ofstream(bundle) << R"({"resourceType":"Bundle","type":"transaction","entry":[
    {"fullUrl":"urn:uuid:6f1c1a8e-0000-4000-8000-000000000001",
     "resource":{"resourceType":"Patient","name":[{"family":"Import"}]},
     "request":{"method":"POST","url":"Patient"}},
    {"fullUrl":"urn:uuid:6f1c1a8e-0000-4000-8000-000000000002",
     "resource":{"resourceType":"Observation","status":"final","code":{"text":"x"},
                 "subject":{"reference":"urn:uuid:6f1c1a8e-0000-4000-8000-000000000001"}},
     "request":{"method":"POST","url":"Observation"}}]})";
  std::string ndjson = dir.path() + "/data.ndjson";
  std::ofstream(ndjson) << R"({"resourceType":"Patient","id":"nd1"})"
                        << "\n"
                        << R"({"resourceType":"Patient","id":"nd2","birthDate":"1980"})"
                        << "\n";
  std::string data = dir.path() + "/db";
  pid_t pid = Spawn({Binary(), "import", "--data-dir", data, bundle, ndjson});
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  ServerProcess server(data);
  HttpResponse obs = Send(server.port(), "GET", "/fhir/Observation/6f1c1a8e-0000-4000-8000-000000000002");
  ASSERT_EQ(obs.status, 200) << obs.body;
  EXPECT_NE(obs.body.find(R"("reference":"Patient/6f1c1a8e-0000-4000-8000-000000000001")"),
            std::string::npos);
  EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/6f1c1a8e-0000-4000-8000-000000000001").status, 200);
  EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/nd2").status, 200);

  std::string bad = dir.path() + "/bad.ndjson";
  std::ofstream(bad) << R"({"resourceType":"Patient","birthDate":"never"})"
                     << "\n";
  pid = Spawn({Binary(), "import", "--data-dir", data, bad});
  waitpid(pid, &status, 0);
  EXPECT_NE(WEXITSTATUS(status), 0) << "a failed import must say so in its exit code";
}

// An import larger than one chunk (the importer commits a few hundred resources per
// transaction): a chunk holding an invalid resource and one resource twice still stores every
// valid line, in file order, and reports the one failure.
TEST_F(ProcessTest, ImportStoresEveryValidLineOfAChunkThatFails) {
  std::string ndjson = dir.path() + "/many.ndjson";
  {
    std::ofstream out(ndjson);
    for (int i = 0; i < 1200; ++i) {
      if (i == 700) {
        out << R"({"resourceType":"Patient","id":"p700","birthDate":"never"})"
            << "\n";
      } else if (i == 702) {
        out << R"({"resourceType":"Patient","id":"p600","name":[{"family":"Again"}]})"
            << "\n";
      } else {
        out << R"({"resourceType":"Patient","id":"p)" << i << R"(","name":[{"family":"F)" << i << R"("}]})"
            << "\n";
      }
    }
  }
  std::string data = dir.path() + "/db";
  std::string log = dir.path() + "/import.out";
  pid_t pid =
      Spawn({"/bin/sh", "-c", Binary() + " import --data-dir " + data + " " + ndjson + " >" + log + " 2>&1"});
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0) << "one line failed";
  std::stringstream printed;
  printed << std::ifstream(log).rdbuf();
  EXPECT_NE(printed.str().find("imported 1199 resources, 1 failed"), std::string::npos) << printed.str();

  ServerProcess server(data);
  HttpResponse count = Send(server.port(), "GET", "/fhir/Patient?_summary=count");
  ASSERT_EQ(count.status, 200);
  EXPECT_EQ(count.Json()["total"].GetInt(), 1198);  // p700 invalid, p702 never named
  HttpResponse again = Send(server.port(), "GET", "/fhir/Patient/p600");
  ASSERT_EQ(again.status, 200);
  EXPECT_NE(again.body.find("Again"), std::string::npos) << "the later line is the current version";
  EXPECT_NE(again.body.find(R"("versionId":"2")"), std::string::npos) << again.body;
  EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/p700").status, 404);
  HttpResponse last = Send(server.port(), "GET", "/fhir/Patient/p1199");
  ASSERT_EQ(last.status, 200);
  EXPECT_NE(last.body.find("F1199"), std::string::npos);
}

}  // namespace
}  // namespace kiln::testing
