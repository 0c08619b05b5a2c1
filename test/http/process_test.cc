// The `kiln` binary as a process: acknowledged writes survive kill -9, SIGTERM stops cleanly,
// `kiln import` goes through the API, `kiln tenant` changes the tenants of a running server, and
// `kiln migrate` upgrades a PostgreSQL schema of an older Kiln.
// Uses the binary named by KILN_BINARY (set by ctest).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "core/base64.h"
#include "support/oauth_client.h"
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

// Starts `args`; its stdout and stderr go to `out` when given, else stderr is dropped.
pid_t Spawn(const std::vector<std::string>& args, int out = -1) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (out >= 0) {
    posix_spawn_file_actions_adddup2(&actions, out, 1);
    posix_spawn_file_actions_adddup2(&actions, out, 2);
  } else {
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  EXPECT_EQ(posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

struct Finished {
  int status = -1;     // the exit status, -1 after a signal
  std::string output;  // stdout and stderr
};

// Runs `kiln args...` to its end; with `max_seconds`, kills it after that long (status -1 then),
// for a command that must end by itself, such as `kiln serve` refusing a schema.
Finished RunKiln(std::vector<std::string> args, int max_seconds = 0) {
  args.insert(args.begin(), Binary());
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = Spawn(args, fds[1]);
  close(fds[1]);
  std::thread killer;
  std::atomic<bool> ended{false};
  if (max_seconds > 0) {
    killer = std::thread([&] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(max_seconds);
      while (!ended && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (!ended) kill(pid, SIGKILL);
    });
  }
  Finished done;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) done.output.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ended = true;
  if (killer.joinable()) killer.join();
  if (WIFEXITED(status)) done.status = WEXITSTATUS(status);
  return done;
}

class ServerProcess {
 public:
  // auth: without authorization (--no-auth) unless `auth`.
  explicit ServerProcess(const std::string& data_dir, const std::vector<std::string>& more = {},
                         bool auth = false)
      : port_(FreePort()) {
    std::vector<std::string> args = {Binary(),    "serve",      "--port", std::to_string(port_), "--bind",
                                     "127.0.0.1", "--data-dir", data_dir, "--log-level",         "warn"};
    args.insert(args.end(), more.begin(), more.end());
    if (!auth) args.push_back("--no-auth");
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

// `kiln args... --data-dir DATA --store STORE`, as a function of the args.
std::function<Finished(std::vector<std::string>)> KilnOn(std::string data, std::string store) {
  return [data = std::move(data), store = std::move(store)](std::vector<std::string> args) {
    args.insert(args.end(), {"--data-dir", data, "--store", store});
    return RunKiln(std::move(args));
  };
}

TEST_F(ProcessTest, SigtermStopsCleanly) {
  ServerProcess server(dir.path());
  EXPECT_EQ(Send(server.port(), "POST", "/fhir/Patient", R"({"resourceType":"Patient"})").status, 201);
  server.Kill(SIGTERM);
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(20)), 0);
}

// A write still running when SIGTERM comes gets its response, and the server then exits at once
// (it used to wait out its drain time: the I/O threads had stopped with the acceptor, and the
// write's response could not be sent; and a request whose body was still arriving was dropped).
TEST_F(ProcessTest, SigtermLetsAWriteInFlightFinish) {
  ServerProcess server(dir.path());
  std::string bundle = R"({"resourceType":"Bundle","type":"transaction","entry":[)";
  // Big enough to be still in the works when the signal comes, on a fast machine too (5,000
  // tiny Patients were sometimes done within the 100 ms before it).
  for (int i = 0; i < 10000; ++i) {
    bundle += (i ? "," : "") + std::string(R"({"request":{"method":"POST","url":"Patient"},)"
                                           R"("resource":{"resourceType":"Patient","active":true}})");
  }
  bundle += "]}";
  HttpResponse res;
  std::chrono::steady_clock::time_point answered;
  std::thread client([&] {
    try {
      res = Send(server.port(), "POST", "/fhir", bundle, {{"Content-Type", "application/fhir+json"}});
    } catch (const std::exception& e) {
      res.body = e.what();  // no response: status 0
    }
    answered = std::chrono::steady_clock::now();
  });
  // Its header is in (from then on it counts as in flight), and it is being written.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto signalled = std::chrono::steady_clock::now();
  server.Kill(SIGTERM);
  client.join();
  EXPECT_EQ(res.status, 200) << res.body.substr(0, 300);
  EXPECT_GT(answered, signalled) << "the transaction was done before the signal: make it bigger";
  // Before the drain time (30 s) is up: the server did not wait for a request it had answered.
  // (Not within a second: exiting after 10,000 writes takes seconds under the sanitizers.)
  EXPECT_EQ(server.WaitExit(std::chrono::seconds(25)), 0);
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

// A Patient labelled very restricted (V), created with `headers`; its id, or "" (failing the test).
std::string CreateVLabelledPatient(int port, const Headers& headers) {
  HttpResponse created = Send(
      port, "POST", "/fhir/Patient",
      R"({"resourceType":"Patient","meta":{"security":[{"system":"http://terminology.hl7.org/CodeSystem/v3-Confidentiality","code":"V"}]}})",
      headers);
  EXPECT_EQ(created.status, 201) << created.body;
  return created.status == 201 ? std::string(json::GetString(created.Json(), "id")) : std::string();
}

std::string KidOf(const std::string& token) {
  auto header =
      Base64Decode(token.substr(0, token.find('.')) + std::string((4 - token.find('.') % 4) % 4, '='));
  if (!header) return "";
  auto doc = json::Parse(*header);
  return doc ? std::string(json::GetString(*doc, "kid")) : std::string();
}

// Security labels granted with `kiln client create --label-access`, and the AuditEvents of a
// real server, stored when it stops gracefully (docs/security.md, docs/audit.md).
TEST_F(ProcessTest, LabelAccessAndAuditingOfTheRealServer) {
  std::string data = dir.path() + "/data";
  const std::string secret(40, 's');
  auto create = [&](const std::string& id, const std::vector<std::string>& more) {
    std::vector<std::string> args = {"client", "create",  "--data-dir",     data,       "--id",
                                     id,       "--scope", "system/*.cruds", "--secret", secret};
    args.insert(args.end(), more.begin(), more.end());
    return RunKiln(args);
  };
  Finished made = create("records", {"--label-access", "R,V"});
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_NE(made.output.find("security-label/R security-label/V"), std::string::npos) << made.output;
  ASSERT_EQ(create("plain", {}).status, 0);
  EXPECT_NE(create("bad", {"--label-access", "N"}).status, 0);

  std::string id;
  {
    ServerProcess server(data, {}, /*auth=*/true);
    Headers records = {{"Authorization", "Bearer " + TokenFrom(server.port(), "records", secret)}};
    Headers plain = {{"Authorization", "Bearer " + TokenFrom(server.port(), "plain", secret)}};
    id = CreateVLabelledPatient(server.port(), records);
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/" + id, "", records).status, 200);
    EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/" + id, "", plain).status, 404);
    server.Kill(SIGTERM);
    EXPECT_EQ(server.WaitExit(std::chrono::seconds(30)), 0);
  }
  ServerProcess restarted(data, {}, /*auth=*/true);
  Headers records = {{"Authorization", "Bearer " + TokenFrom(restarted.port(), "records", secret)}};
  auto total = [&](const std::string& query) {
    HttpResponse res =
        Send(restarted.port(), "GET", "/fhir/AuditEvent?" + query + "&_summary=count", "", records);
    EXPECT_EQ(res.status, 200) << res.body;
    json::Document doc = res.Json();
    const json::Value* t = json::Find(doc, "total");
    return t != nullptr ? t->GetInt64() : -1;
  };
  EXPECT_EQ(total("patient=" + id), 3);
  EXPECT_EQ(total("patient=" + id + "&agent-name=plain&outcome=4"), 1);
  EXPECT_EQ(total("patient=" + id + "&agent-name=records&action=C"), 1);
}

// auth: `kiln client` and `kiln key` beside a running server, which requires tokens by default.
TEST_F(ProcessTest, ClientsAndSigningKeysFromTheCommandLine) {
  std::string data = dir.path() + "/data";
  Finished made = RunKiln(
      {"client", "create", "--data-dir", data, "--id", "cli", "--scope", "system/*.rs", "--generate-secret"});
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string marker = "secret (shown this once): ";
  size_t at = made.output.find(marker);
  ASSERT_NE(at, std::string::npos) << made.output;
  at += marker.size();
  std::string secret = made.output.substr(at, made.output.find('\n', at) - at);
  ASSERT_EQ(RunKiln({"client", "create", "--data-dir", data, "--id", "kept", "--scope", "system/*.rs",
                     "--secret", std::string(40, 'k')})
                .status,
            0);

  // One public base for both runs: a token is for the base it was issued for, not for a port.
  const std::vector<std::string> public_base = {"--base-url", "http://kiln.test/fhir"};
  std::string old_token, kept_token;
  {
    ServerProcess server(data, public_base, /*auth=*/true);
    int port = server.port();
    EXPECT_EQ(Send(port, "GET", "/fhir/Patient").status, 401);
    old_token = TokenFrom(port, "cli", secret);
    ASSERT_FALSE(old_token.empty());
    kept_token = TokenFrom(port, "kept", std::string(40, 'k'));
    ASSERT_FALSE(kept_token.empty());
    EXPECT_EQ(Send(port, "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + old_token}}).status, 200);
    EXPECT_EQ(Send(port, "POST", "/fhir/Patient", R"({"resourceType":"Patient"})",
                   {{"Authorization", "Bearer " + old_token}})
                  .status,
              403);  // system/*.rs

    Finished listed = RunKiln({"client", "list", "--data-dir", data});
    EXPECT_EQ(listed.status, 0);
    EXPECT_NE(listed.output.find("cli\tdefault\tsecret\tsystem/*.rs\t"), std::string::npos) << listed.output;
    EXPECT_NE(RunKiln({"client", "create", "--data-dir", data, "--id", "cli", "--scope", "system/*.rs",
                       "--secret", std::string(40, 's')})
                  .status,
              0);
    EXPECT_NE(RunKiln({"client", "create", "--data-dir", data, "--id", "weak", "--scope", "system/*.rs",
                       "--secret", "short"})
                  .status,
              0);
    // --jwks URL: https, or http to a loopback host only; listed with its URL.
    Finished plain_http = RunKiln({"client", "create", "--data-dir", data, "--id", "remote", "--scope",
                                   "system/*.rs", "--jwks", "http://keys.example.org/jwks.json"});
    EXPECT_NE(plain_http.status, 0);
    EXPECT_NE(plain_http.output.find("loopback"), std::string::npos) << plain_http.output;
    EXPECT_EQ(RunKiln({"client", "create", "--data-dir", data, "--id", "remote", "--scope", "system/*.rs",
                       "--jwks", "https://keys.example.org/jwks.json"})
                  .status,
              0);
    listed = RunKiln({"client", "list", "--data-dir", data});
    EXPECT_NE(listed.output.find("remote\tdefault\tjwks https://keys.example.org/jwks.json\tsystem/*.rs\t"),
              std::string::npos)
        << listed.output;
    Finished rotated = RunKiln({"key", "rotate", "--data-dir", data});
    ASSERT_EQ(rotated.status, 0) << rotated.output;
    EXPECT_EQ(RunKiln({"client", "delete", "cli", "--data-dir", data}).status, 0);
    EXPECT_EQ(TokenFrom(port, "cli", secret), "");
    // The running server refuses the access tokens of the client deleted by another process
    // within 30 s, when it checks them again (admin_accounts_test.cc moves a clock past that;
    // this one cannot), and at once once restarted (below).
  }
  Finished keys = RunKiln({"key", "list", "--data-dir", data});
  EXPECT_EQ(keys.status, 0);
  EXPECT_EQ(std::count(keys.output.begin(), keys.output.end(), '\n'), 3) << keys.output;  // a header, 2 keys

  ASSERT_EQ(RunKiln({"client", "create", "--data-dir", data, "--id", "cli2", "--scope", "system/*.rs",
                     "--secret", std::string(40, 's')})
                .status,
            0);
  ServerProcess restarted(data, public_base, /*auth=*/true);
  std::string new_token = TokenFrom(restarted.port(), "cli2", std::string(40, 's'));
  ASSERT_FALSE(new_token.empty());
  EXPECT_NE(KidOf(new_token), KidOf(old_token)) << "the rotated key signs";
  // The key before stays published, and its tokens valid, until its tokens expire: those of a
  // client still registered.
  HttpResponse jwks = Send(restarted.port(), "GET", "/.well-known/jwks.json");
  EXPECT_NE(jwks.body.find(KidOf(old_token)), std::string::npos);
  EXPECT_NE(jwks.body.find(KidOf(new_token)), std::string::npos);
  EXPECT_EQ(KidOf(kept_token), KidOf(old_token));
  EXPECT_EQ(
      Send(restarted.port(), "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + kept_token}}).status,
      200);
  EXPECT_EQ(
      Send(restarted.port(), "GET", "/fhir/Patient", "", {{"Authorization", "Bearer " + old_token}}).status,
      401)
      << "the deleted client's";
}

// auth: `kiln client create --admin` makes an administrator, whose token the admin API of a
// server with authorization takes; no other token, and no token at all, opens it.
TEST_F(ProcessTest, AdministratorsFromTheCommandLine) {
  std::string data = dir.path() + "/data";
  const std::string secret(40, 'a');
  ASSERT_EQ(
      RunKiln({"client", "create", "--data-dir", data, "--id", "root", "--admin", "--secret", secret}).status,
      0);
  ASSERT_EQ(RunKiln({"client", "create", "--data-dir", data, "--id", "app", "--scope", "system/*.cruds",
                     "--secret", secret})
                .status,
            0);
  Finished tenant_admin = RunKiln({"client", "create", "--data-dir", data, "--id", "x", "--admin", "--tenant",
                                   "jane", "--secret", secret});
  EXPECT_NE(tenant_admin.status, 0);
  EXPECT_NE(tenant_admin.output.find("default tenant"), std::string::npos) << tenant_admin.output;
  Finished no_tenant = RunKiln({"client", "create", "--data-dir", data, "--id", "y", "--scope", "system/*.rs",
                                "--tenant", "nosuch", "--secret", secret});
  EXPECT_NE(no_tenant.status, 0);
  EXPECT_NE(no_tenant.output.find("nosuch"), std::string::npos) << no_tenant.output;
  Finished listed = RunKiln({"client", "list", "--data-dir", data});
  EXPECT_NE(listed.output.find("root\tdefault\tsecret\tkiln/admin\t"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("\ny\t"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("\nx\t"), std::string::npos) << listed.output;

  ServerProcess server(data, {}, /*auth=*/true);
  const std::string body = R"({"name":"acme","kind":"organization"})";
  const Headers json = {{"Content-Type", "application/json"}};
  EXPECT_EQ(Send(server.port(), "POST", "/admin/tenants", body, json).status, 401);
  Headers app = json;
  app.emplace_back("Authorization", "Bearer " + TokenFrom(server.port(), "app", secret));
  EXPECT_EQ(Send(server.port(), "POST", "/admin/tenants", body, app).status, 403);
  Headers root = json;
  root.emplace_back("Authorization", "Bearer " + TokenFrom(server.port(), "root", secret));
  EXPECT_EQ(Send(server.port(), "POST", "/admin/tenants", body, root).status, 201);
  EXPECT_EQ(Send(server.port(), "GET", "/admin/tenants/acme", "", root).status, 200);
}

// auth: `user` signs in with `password` to the public client "app" (redirect http://app.test/cb)
// asking for `scope`, with PKCE (RFC 7636 appendix B's challenge): the answer to the login form
// (303 to the app with a code, or the form again).
HttpResponse SignIn(int port, const std::string& user, const std::string& password,
                    const std::string& scope) {
  std::string query =
      "response_type=code&client_id=app&redirect_uri=http%3A%2F%2Fapp.test%2Fcb&state=s&scope=" +
      FormEncode(scope) +
      "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&aud=" +
      FormEncode("http://localhost:" + std::to_string(port) + "/fhir");
  HttpResponse page = Send(port, "GET", "/auth/authorize?" + query);
  EXPECT_EQ(page.status, 200) << page.body;
  const std::string marker = R"(name="request" value=")";
  size_t at = page.body.find(marker) + marker.size();
  std::string request = page.body.substr(at, page.body.find('"', at) - at);
  std::string cookie = page.Header("set-cookie");
  return Send(port, "POST", "/auth/authorize",
              "decision=approve&user=" + user + "&password=" + password + "&request=" + request,
              {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Cookie", cookie.substr(0, cookie.find(';'))}});
}

// auth: `kiln user` beside a running server: a user registered from the command line signs in
// at /auth/authorize; memberships name existing tenants; a deleted user signs in no more. On the
// test store: as pg.ProcessTest.UsersFromTheCommandLine, `--store postgresql://...`.
TEST_F(ProcessTest, UsersFromTheCommandLine) {
  std::string data = dir.path() + "/data";
  const std::string store = TestStoreUrl(data);
  auto kiln = KilnOn(data, store);
  const std::string password = "a-password-of-the-cli";
  ASSERT_EQ(kiln({"client", "create", "--id", "app", "--public", "--redirect-uri", "http://app.test/cb",
                  "--scope", "user/*.cruds"})
                .status,
            0);
  Finished made =
      kiln({"user", "create", "--id", "dana", "--password", password, "--member", "default:reader"});
  ASSERT_EQ(made.status, 0) << made.output;
  Finished no_tenant =
      kiln({"user", "create", "--id", "erin", "--password", password, "--member", "nosuch:owner"});
  EXPECT_NE(no_tenant.status, 0);
  Finished bad_role =
      kiln({"user", "create", "--id", "erin", "--password", password, "--member", "default:king"});
  EXPECT_NE(bad_role.status, 0);
  EXPECT_NE(bad_role.output.find("owner, manager or reader"), std::string::npos) << bad_role.output;
  EXPECT_NE(kiln({"user", "create", "--id", "dana", "--password", password}).status, 0);
  EXPECT_NE(kiln({"user", "create", "--id", "short", "--password", "short"}).status, 0);
  Finished listed = kiln({"user", "list"});
  EXPECT_EQ(listed.status, 0);
  EXPECT_NE(listed.output.find("dana\tdefault:reader\t"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("erin"), std::string::npos) << listed.output;

  ServerProcess server(data, {"--store", store}, /*auth=*/true);
  // The status of the answer to the login form (303: a code).
  auto sign_in = [&]() { return SignIn(server.port(), "dana", password, "user/*.rs").status; };
  EXPECT_EQ(sign_in(), 303);
  EXPECT_EQ(kiln({"user", "delete", "dana"}).status, 0);
  EXPECT_EQ(sign_in(), 200);  // the form again: no such user
  EXPECT_NE(kiln({"user", "delete", "dana"}).status, 0);
}

// auth: label access per user from the command line (docs/security.md): `kiln user create
// --label-access`, shown by `kiln user list`; a user granted V signs in to an app registered with
// `--label-access V` and reads a V-labelled resource; `kiln user update` takes it away beside the
// running server, and the next refresh has lost it. On the test store (pg.ProcessTest... too).
TEST_F(ProcessTest, UserLabelAccessFromTheCommandLine) {
  std::string data = dir.path() + "/data";
  const std::string store = TestStoreUrl(data);
  auto kiln = KilnOn(data, store);
  const std::string password = "a-password-of-the-cli";
  const std::string secret(40, 's');
  ASSERT_EQ(kiln({"client", "create", "--id", "app", "--public", "--redirect-uri", "http://app.test/cb",
                  "--scope", "user/*.rs offline_access", "--label-access", "V"})
                .status,
            0);
  ASSERT_EQ(kiln({"client", "create", "--id", "records", "--secret", secret, "--scope", "system/*.cruds",
                  "--label-access", "V"})
                .status,
            0);
  Finished made = kiln({"user", "create", "--id", "vera", "--password", password, "--member",
                        "default:reader", "--label-access", "default:V"});
  ASSERT_EQ(made.status, 0) << made.output;
  Finished not_member = kiln({"user", "create", "--id", "erin", "--password", password, "--member",
                              "default:reader", "--label-access", "acme:V"});
  EXPECT_NE(not_member.status, 0);
  EXPECT_NE(not_member.output.find("no member of"), std::string::npos) << not_member.output;
  Finished bad_code = kiln({"user", "create", "--id", "erin", "--password", password, "--member",
                            "default:reader", "--label-access", "default:N"});
  EXPECT_NE(bad_code.status, 0);
  EXPECT_NE(bad_code.output.find("TENANT:R,V"), std::string::npos) << bad_code.output;
  Finished listed = kiln({"user", "list"});
  EXPECT_NE(listed.output.find("vera\tdefault:reader\tdefault:V\t"), std::string::npos) << listed.output;
  EXPECT_EQ(listed.output.find("erin"), std::string::npos) << listed.output;

  ServerProcess server(data, {"--store", store}, /*auth=*/true);
  Headers records = {{"Authorization", "Bearer " + TokenFrom(server.port(), "records", secret)}};
  const std::string id = CreateVLabelledPatient(server.port(), records);
  ASSERT_FALSE(id.empty());

  // vera signs in to the app (PKCE, RFC 7636 appendix B's verifier) and the app takes the code.
  HttpResponse back = SignIn(server.port(), "vera", password, "user/*.rs offline_access security-label/V");
  ASSERT_EQ(back.status, 303) << back.body;
  std::string location = back.Header("location");
  size_t code_at = location.find("code=");
  ASSERT_NE(code_at, std::string::npos) << location;
  std::string code = location.substr(code_at + 5, location.find('&', code_at) - code_at - 5);
  HttpResponse tokens = PostForm(server.port(), "/auth/token",
                                 "grant_type=authorization_code&client_id=app&code=" + code +
                                     "&redirect_uri=http%3A%2F%2Fapp.test%2Fcb"
                                     "&code_verifier=dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
  ASSERT_EQ(tokens.status, 200) << tokens.body;
  EXPECT_EQ(json::GetString(tokens.Json(), "scope"), "user/*.rs offline_access security-label/V");
  Headers vera = BearerAuth(std::string(json::GetString(tokens.Json(), "access_token")));
  EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/" + id, "", vera).status, 200);

  // Taken away beside the running server: the next refresh has lost it.
  Finished removed = kiln({"user", "update", "--id", "vera", "--label-access", "default:none"});
  ASSERT_EQ(removed.status, 0) << removed.output;
  EXPECT_NE(kiln({"user", "list"}).output.find("vera\tdefault:reader\t\t"), std::string::npos);
  HttpResponse refreshed =
      PostForm(server.port(), "/auth/token",
               "grant_type=refresh_token&client_id=app&refresh_token=" +
                   FormEncode(std::string(json::GetString(tokens.Json(), "refresh_token"))));
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(json::GetString(refreshed.Json(), "scope"), "user/*.rs offline_access");
  Headers later = BearerAuth(std::string(json::GetString(refreshed.Json(), "access_token")));
  EXPECT_EQ(Send(server.port(), "GET", "/fhir/Patient/" + id, "", later).status, 404);

  // What `kiln user update` refuses, changing nothing.
  EXPECT_NE(kiln({"user", "update", "--id", "nobody", "--label-access", "default:V"}).status, 0);
  EXPECT_NE(kiln({"user", "update", "--id", "vera", "--remove-member", "acme"}).status, 0);
  EXPECT_NE(kiln({"user", "update", "--id", "vera", "--member", "nosuch:owner"}).status, 0);
  EXPECT_NE(kiln({"user", "update", "--id", "vera"}).status, 0);
  // A role changed keeps the label access; a membership removed goes.
  ASSERT_EQ(kiln({"user", "update", "--id", "vera", "--label-access", "default:R"}).status, 0);
  Finished manager = kiln({"user", "update", "--id", "vera", "--member", "default:manager"});
  ASSERT_EQ(manager.status, 0) << manager.output;
  EXPECT_NE(kiln({"user", "list"}).output.find("vera\tdefault:manager\tdefault:R\t"), std::string::npos);
  ASSERT_EQ(kiln({"user", "update", "--id", "vera", "--remove-member", "default"}).status, 0);
  EXPECT_NE(kiln({"user", "list"}).output.find("vera\t\t\t"), std::string::npos);
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

// Polls `target` until it answers `status`, for at most `seconds`; whether it did.
bool Eventually(int port, const std::string& target, int status, int seconds = 5) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Send(port, "GET", target).status == status) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST_F(ProcessTest, TenantCommandsWorkWhileTheServerRuns) {
  const std::string data = dir.path() + "/db";
  ServerProcess server(data, {"--domain", "kiln.test"});
  const int port = server.port();
  EXPECT_EQ(Send(port, "GET", "/t/jane/fhir/metadata").status, 404);

  Finished made = RunKiln({"tenant", "create", "jane", "--kind", "person", "--data-dir", data});
  EXPECT_EQ(made.status, 0) << made.output;
  EXPECT_EQ(made.output, "created tenant jane (person)\n");
  // The server asks the store about a tenant it does not know: the new one is served at once.
  const std::string patient = R"({"resourceType":"Patient","id":"p1","name":[{"family":"Jane"}]})";
  EXPECT_EQ(Send(port, "PUT", "/t/jane/fhir/Patient/p1", patient).status, 201);
  HttpResponse by_host = Send(port, "GET", "/fhir/Patient/p1", "", {{"Host", "jane.kiln.test"}});
  ASSERT_EQ(by_host.status, 200) << by_host.body;
  EXPECT_NE(by_host.body.find(R"("family":"Jane")"), std::string::npos);
  EXPECT_EQ(Send(port, "GET", "/fhir/Patient/p1").status, 404) << "not in the default tenant";

  EXPECT_EQ(RunKiln({"tenant", "create", "acme", "--kind", "organization", "--store", data}).status, 0)
      << "--store names the store too";
  Finished listed = RunKiln({"tenant", "list", "--data-dir", data});
  EXPECT_EQ(listed.status, 0) << listed.output;
  std::vector<std::string> rows;
  for (size_t at = 0, nl; (nl = listed.output.find('\n', at)) != std::string::npos; at = nl + 1) {
    std::string line = listed.output.substr(at, nl - at);
    std::string name_and_kind = line.substr(0, line.find('\t', line.find('\t') + 1));
    rows.push_back(name_and_kind + (line.ends_with("\tactive") ? " active" : ""));
  }
  EXPECT_EQ(rows, (std::vector<std::string>{"name\tkind", "acme\torganization active",
                                            "default\torganization active", "jane\tperson active"}))
      << listed.output;

  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"create", "Jane", "--kind", "person"}, "lower-case"},
           {{"create", "www", "--kind", "person"}, "reserved"},
           {{"create", "jane", "--kind", "person"}, "already exists"},
           {{"create", "bob", "--kind", "robot"}, "robot"},
           {{"delete", "nobody"}, "not known"},
           {{"delete", "default"}, "cannot be deleted"}}) {
    std::vector<std::string> full = {"tenant"};
    full.insert(full.end(), args.begin(), args.end());
    full.insert(full.end(), {"--data-dir", data});
    Finished bad = RunKiln(full);
    EXPECT_NE(bad.status, 0) << args[1];
    EXPECT_NE(bad.output.find(says), std::string::npos) << args[1] << ": " << bad.output;
  }

  Finished deleted = RunKiln({"tenant", "delete", "jane", "--data-dir", data});
  EXPECT_EQ(deleted.status, 0) << deleted.output;
  EXPECT_EQ(deleted.output, "deleted tenant jane\n");
  // Its data is gone at once, and it takes no more writes; it stops being served within a second.
  EXPECT_EQ(Send(port, "GET", "/t/jane/fhir/Patient/p1").status, 404);
  HttpResponse refused =
      Send(port, "PUT", "/t/jane/fhir/Patient/p2", R"({"resourceType":"Patient","id":"p2"})");
  EXPECT_EQ(refused.status, 404) << refused.body;
  EXPECT_TRUE(Eventually(port, "/t/jane/fhir/metadata", 404));
  EXPECT_EQ(Send(port, "GET", "/fhir/Patient/p1", "", {{"Host", "jane.kiln.test"}}).status, 404);
  EXPECT_EQ(Send(port, "GET", "/t/acme/fhir/metadata").status, 200);

  // Made anew, it is served again, empty.
  EXPECT_EQ(RunKiln({"tenant", "create", "jane", "--kind", "person", "--data-dir", data}).status, 0);
  EXPECT_TRUE(Eventually(port, "/t/jane/fhir/metadata", 200));
  EXPECT_EQ(Send(port, "GET", "/t/jane/fhir/Patient/p1").status, 404);
}

}  // namespace
}  // namespace kiln::testing

namespace kiln::testing {
namespace {

// Two servers on one store (one SQLite file, or one PostgreSQL database under
// KILN_TEST_STORE=postgres) update one resource at once, half of the writers with If-Match: every
// version number is issued exactly once, a stale If-Match gets 412 (a writer without one may get
// 409 when the server gave up retrying), and no acknowledged update is lost (each one's content
// is what its version holds).
TEST_F(ProcessTest, TwoServersOnOneStoreIssueEachVersionOnce) {
  const std::string store = TestStoreUrl(dir.path() + "/db");
  ServerProcess a(dir.path() + "/a", {"--store", store});
  ServerProcess b(dir.path() + "/b", {"--store", store});
  const std::string target = "/fhir/Patient/shared";
  auto body = [](const std::string& marker) {
    return R"({"resourceType":"Patient","id":"shared","name":[{"family":")" + marker + R"("}]})";
  };
  ASSERT_EQ(Send(a.port(), "PUT", target, body("start")).status, 201);

  constexpr int kWriters = 6, kUpdatesEach = 15, kMaxAttempts = 400;
  std::mutex mu;
  std::map<int64_t, std::string> acknowledged;  // version -> the marker written
  std::atomic<int> duplicates{0}, failures{0}, precondition_failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      int port = t % 2 == 0 ? a.port() : b.port();
      bool if_match = t < kWriters / 2;
      int done = 0;
      for (int attempt = 0; done < kUpdatesEach && attempt < kMaxAttempts; ++attempt) {
        // Built with append: GCC 12 misreports `"w" + std::to_string(n)` under -Wrestrict.
        std::string marker(1, 'w');
        marker.append(std::to_string(t)).append("u").append(std::to_string(done));
        Headers headers;
        if (if_match) {
          HttpResponse current = Send(port, "GET", target);
          if (current.status != 200) {
            ++failures;
            return;
          }
          headers.push_back({"If-Match", current.Header("etag")});
        }
        HttpResponse put = Send(port, "PUT", target, body(marker), headers);
        if (put.status == 412 && if_match) {
          ++precondition_failed;
          continue;
        }
        // The server gave up retrying for this writer ("too many concurrent updates"): nothing
        // was stored, and the client may try again.
        if (put.status == 409 && !if_match) continue;
        if (put.status != 200) {
          ADD_FAILURE() << put.status << ": " << put.body;
          ++failures;
          return;
        }
        std::string etag = put.Header("etag");  // W/"N"
        int64_t version = std::stoll(etag.substr(3, etag.size() - 4));
        std::lock_guard lock(mu);
        if (!acknowledged.emplace(version, marker).second) ++duplicates;
        ++done;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(duplicates, 0) << "a version number was issued twice";
  ASSERT_EQ(acknowledged.size(), static_cast<size_t>(kWriters * kUpdatesEach));
  std::cout << "412 answers to stale If-Match: " << precondition_failed << "\n";

  // Versions 2..N+1 are exactly the acknowledged updates, each holding what was written.
  const int64_t last = 1 + kWriters * kUpdatesEach;
  EXPECT_EQ(acknowledged.begin()->first, 2);
  EXPECT_EQ(acknowledged.rbegin()->first, last);
  for (const auto& [version, marker] : acknowledged) {
    HttpResponse v = Send(b.port(), "GET", target + "/_history/" + std::to_string(version));
    ASSERT_EQ(v.status, 200) << version;
    EXPECT_NE(v.body.find(R"("family":")" + marker + "\""), std::string::npos) << version << ": " << v.body;
  }
  HttpResponse history = Send(a.port(), "GET", target + "/_history?_count=1");
  ASSERT_EQ(history.status, 200);
  json::Document doc = history.Json();
  const json::Value* total = json::Find(doc, "total");
  ASSERT_NE(total, nullptr);
  EXPECT_EQ(total->GetInt64(), last);
}

}  // namespace
}  // namespace kiln::testing

namespace kiln::testing {
namespace {

// The migration files of the PostgreSQL store, in the order `kiln migrate` applies them.
std::vector<std::filesystem::path> MigrationFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(KILN_PG_SCHEMA_DIR))
    if (entry.path().extension() == ".sql") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A libpq connection of the test's own, beside Kiln's: it plays the older Kiln's `kiln migrate`.
class Sql {
 public:
  explicit Sql(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
    EXPECT_EQ(PQstatus(conn_), CONNECTION_OK) << PQerrorMessage(conn_);
  }
  ~Sql() { PQfinish(conn_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;
  // Runs `sql` (several statements allowed); the first column of the first row, "" for none.
  std::string Run(const std::string& sql) {
    PGresult* res = PQexec(conn_, sql.c_str());
    EXPECT_TRUE(PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
        << PQerrorMessage(conn_) << "\n"
        << sql;
    std::string first = PQntuples(res) > 0 && PQnfields(res) > 0 ? PQgetvalue(res, 0, 0) : "";
    PQclear(res);
    return first;
  }

 private:
  PGconn* conn_;
};

// Applies migration `version` (1-based) exactly as `kiln migrate` does: one transaction that runs
// the file and records the version.
void ApplyMigration(Sql& sql, const std::vector<std::filesystem::path>& files, int version) {
  sql.Run("BEGIN;\n" + ReadFile(files[version - 1]) + ";\nINSERT INTO kiln_schema (version) VALUES (" +
          std::to_string(version) + ");\nCOMMIT;");
}

int SearchTotal(int port, const std::string& target) {
  HttpResponse found = Send(port, "GET", target);
  EXPECT_EQ(found.status, 200) << found.body;
  if (found.status != 200) return -1;
  json::Document doc = found.Json();
  const json::Value* total = json::Find(doc, "total");
  return total != nullptr ? static_cast<int>(total->GetInt64()) : -1;
}

// `kiln import` on PostgreSQL ends with an ANALYZE: the planner's statistics count what it loaded
// (before, the types a load wrote after the store's last analyze threshold were estimated at a
// row each: the search benchmark's Patients, and its searches of them took 20 ms instead of 1).
// 40 resources: below the store's first threshold (1,000) and autovacuum's (50 rows).
TEST_F(ProcessTest, PostgresImportEndsWithFreshPlannerStatistics) {
  if (!TestOnPostgres()) GTEST_SKIP() << "SKIPPED: runs in the pg. suite (KILN_TEST_STORE=postgres)";
  const std::string data = dir.path() + "/data";
  const std::string store = TestStoreUrl(data);
  std::string ndjson = dir.path() + "/load.ndjson";
  {
    std::ofstream out(ndjson);
    for (int i = 0; i < 25; ++i) {
      out << R"({"resourceType":"Patient","id":"p)" << i << R"("})" << '\n';
    }
    for (int i = 0; i < 15; ++i) {
      out << R"({"resourceType":"Observation","id":"o)" << i
          << R"(","status":"final","code":{"text":"x"},"subject":{"reference":"Patient/p)" << i << R"("}})"
          << '\n';
    }
  }
  Sql sql(store);
  auto estimated = [&](const std::string& table) {
    return sql.Run("SELECT reltuples::bigint FROM pg_class WHERE oid = '" + table + "'::regclass");
  };
  ASSERT_EQ(estimated("resource_current"), "-1") << "a new table has no statistics yet";
  Finished imported = KilnOn(data, store)({"import", ndjson});
  ASSERT_EQ(imported.status, 0) << imported.output;
  EXPECT_EQ(estimated("resource_current"), "40");
  EXPECT_EQ(estimated("resource_version"), "40");
  EXPECT_EQ(estimated("idx_reference"), sql.Run("SELECT count(*) FROM idx_reference"));
}

// A PostgreSQL database left at schema version 2 by an older Kiln (001 and 002 only) holds
// resources, a second tenant and a client. The current `kiln serve` refuses it and says to run
// `kiln migrate`; `kiln migrate` brings it to the current version (again: a no-op); then the server
// serves the old data (read, history, search, the other tenant), takes new writes, and the tables
// of the later migrations work (`kiln user`). Runs as pg.ProcessTest (KILN_TEST_PG_URL).
TEST_F(ProcessTest, PostgresSchemaOfAnOlderKilnIsMigratedAndServed) {
  // Once, in the pg. copy of the suite (KILN_TEST_STORE=postgres), not again in the SQLite one.
  if (!TestOnPostgres()) GTEST_SKIP() << "SKIPPED: runs in the pg. suite (KILN_TEST_STORE=postgres)";
  const char* base = std::getenv("KILN_TEST_PG_URL");
  ASSERT_TRUE(base != nullptr && *base != '\0')
      << "KILN_TEST_STORE=postgres needs KILN_TEST_PG_URL (scripts/pg-test-server.sh start DIR)";
  const std::vector<std::filesystem::path> files = MigrationFiles();
  ASSERT_GE(files.size(), 3u) << KILN_PG_SCHEMA_DIR;
  const int current = static_cast<int>(files.size());
  const std::string schema = "mig" + std::to_string(getpid()) + "_" + std::to_string(std::time(nullptr));
  std::string store = base;
  store += store.find('?') == std::string::npos ? "?" : "&";
  store += "options=-csearch_path%3D" + schema;
  const std::string data = dir.path() + "/data";
  auto kiln = KilnOn(data, store);

  // The older Kiln's `kiln migrate`: the version table as the migrator makes it, then 001, 002.
  Sql sql(store);
  sql.Run("CREATE SCHEMA " + schema);
  sql.Run(
      "CREATE TABLE kiln_schema (version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())");
  ApplyMigration(sql, files, 1);
  ApplyMigration(sql, files, 2);
  ASSERT_EQ(sql.Run("SELECT max(version) FROM kiln_schema"), "2");

  // Its data. The later migrations only add tables, and columns with defaults to older tables
  // (checked below: they create and nothing else changes what a version-2 Kiln wrote), so the
  // current binary writes the rows a version-2 Kiln wrote while they are applied for a moment,
  // and dropping those tables and columns again leaves the database as the older Kiln left it.
  std::vector<std::string> added_tables;
  std::vector<std::string> added_columns;  // "table column", of tables older than version 3
  for (int v = 3; v <= current; ++v) {
    std::string text = ReadFile(files[v - 1]);
    for (size_t at = 0; (at = text.find("CREATE TABLE ", at)) != std::string::npos;) {
      at += 13;
      added_tables.push_back(text.substr(at, text.find_first_of(" (", at) - at));
    }
    for (size_t at = 0; (at = text.find("ALTER TABLE ", at)) != std::string::npos;) {
      at += 12;
      std::string table = text.substr(at, text.find(' ', at) - at);
      size_t column = text.find("ADD COLUMN ", at);
      ASSERT_NE(column, std::string::npos)
          << "a migration after 2 alters more than it adds: " << files[v - 1];
      column += 11;
      if (std::find(added_tables.begin(), added_tables.end(), table) == added_tables.end())
        added_columns.push_back(table + " " + text.substr(column, text.find(' ', column) - column));
    }
    ApplyMigration(sql, files, v);
  }
  ASSERT_FALSE(added_tables.empty());
  ASSERT_EQ(kiln({"client", "create", "--id", "old-app", "--public", "--redirect-uri", "http://old.test/cb",
                  "--scope", "user/*.rs"})
                .status,
            0);
  ASSERT_EQ(kiln({"tenant", "create", "acme", "--kind", "organization"}).status, 0);
  {
    ServerProcess older(data, {"--store", store});
    for (int i = 0; i < 3; ++i) {
      std::string id = "old" + std::to_string(i);
      ASSERT_EQ(Send(older.port(), "PUT", "/fhir/Patient/" + id,
                     R"({"resourceType":"Patient","id":")" + id + R"(","name":[{"family":"Oldfield"}]})")
                    .status,
                201);
    }
    ASSERT_EQ(Send(older.port(), "PUT", "/fhir/Patient/old0",
                   R"({"resourceType":"Patient","id":"old0","name":[{"family":"Oldfield","given":["Ada"]}]})")
                  .status,
              200);
    ASSERT_EQ(Send(older.port(), "PUT", "/t/acme/fhir/Patient/a1",
                   R"({"resourceType":"Patient","id":"a1","name":[{"family":"Acmeson"}]})")
                  .status,
              201);
  }
  for (const std::string& table : added_tables) sql.Run("DROP TABLE " + table);
  for (const std::string& column : added_columns)
    sql.Run("ALTER TABLE " + column.substr(0, column.find(' ')) + " DROP COLUMN " +
            column.substr(column.find(' ') + 1));
  sql.Run("DELETE FROM kiln_schema WHERE version > 2");
  ASSERT_EQ(sql.Run("SELECT max(version) FROM kiln_schema"), "2");

  // The current binary refuses it, and says what to do.
  Finished refused = RunKiln({"serve", "--port", std::to_string(FreePort()), "--bind", "127.0.0.1",
                              "--data-dir", data, "--store", store, "--no-auth"},
                             30);
  EXPECT_NE(refused.status, 0) << refused.output;
  EXPECT_NE(refused.status, -1) << "kiln serve did not refuse the old schema: " << refused.output;
  EXPECT_NE(refused.output.find("schema version 2"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("kiln migrate"), std::string::npos) << refused.output;
  EXPECT_EQ(sql.Run("SELECT max(version) FROM kiln_schema"), "2") << "only `kiln migrate` changes the schema";

  Finished migrated = kiln({"migrate"});
  ASSERT_EQ(migrated.status, 0) << migrated.output;
  EXPECT_NE(migrated.output.find("schema version " + std::to_string(current)), std::string::npos)
      << migrated.output;
  std::string all_versions = "1";
  for (int v = 2; v <= current; ++v) all_versions += "," + std::to_string(v);
  EXPECT_EQ(sql.Run("SELECT string_agg(version::text, ',' ORDER BY version) FROM kiln_schema"), all_versions);
  Finished again = kiln({"migrate"});
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_EQ(sql.Run("SELECT count(*) FROM kiln_schema"), std::to_string(current));

  ServerProcess server(data, {"--store", store});
  HttpResponse old0 = Send(server.port(), "GET", "/fhir/Patient/old0");
  ASSERT_EQ(old0.status, 200) << old0.body;
  EXPECT_NE(old0.body.find("\"Ada\""), std::string::npos) << old0.body;
  EXPECT_EQ(old0.Header("etag"), "W/\"2\"");
  HttpResponse first = Send(server.port(), "GET", "/fhir/Patient/old0/_history/1");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body.find("\"Ada\""), std::string::npos) << first.body;
  EXPECT_EQ(SearchTotal(server.port(), "/fhir/Patient?family=oldfield&_total=accurate"), 3);
  EXPECT_EQ(SearchTotal(server.port(), "/fhir/Patient?given=ada&_total=accurate"), 1);
  EXPECT_EQ(Send(server.port(), "GET", "/t/acme/fhir/Patient/a1").status, 200);
  EXPECT_EQ(SearchTotal(server.port(), "/t/acme/fhir/Patient?family=acmeson&_total=accurate"), 1);
  EXPECT_EQ(SearchTotal(server.port(), "/fhir/Patient?family=acmeson&_total=accurate"), 0);

  // New writes: a create and an update of an old resource, both found by search.
  HttpResponse created = Send(server.port(), "POST", "/fhir/Patient",
                              R"({"resourceType":"Patient","name":[{"family":"Oldfield","given":["New"]}]})");
  EXPECT_EQ(created.status, 201) << created.body;
  HttpResponse updated = Send(server.port(), "PUT", "/fhir/Patient/old1",
                              R"({"resourceType":"Patient","id":"old1","name":[{"family":"Newfield"}]})",
                              {{"If-Match", "W/\"1\""}});
  EXPECT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(updated.Header("etag"), "W/\"2\"");
  EXPECT_EQ(SearchTotal(server.port(), "/fhir/Patient?family=oldfield&_total=accurate"), 3);
  EXPECT_EQ(SearchTotal(server.port(), "/fhir/Patient?family=newfield&_total=accurate"), 1);

  // The old client is still there, and the tables of the later migrations work.
  Finished clients = kiln({"client", "list"});
  EXPECT_EQ(clients.status, 0) << clients.output;
  EXPECT_NE(clients.output.find("old-app\tdefault\t"), std::string::npos) << clients.output;
  EXPECT_NE(clients.output.find("http://old.test/cb"), std::string::npos) << clients.output;
  Finished user = kiln(
      {"user", "create", "--id", "dana", "--password", "a-password-of-the-cli", "--member", "acme:reader"});
  EXPECT_EQ(user.status, 0) << user.output;
  Finished users = kiln({"user", "list"});
  EXPECT_NE(users.output.find("dana\tacme:reader"), std::string::npos) << users.output;
}

}  // namespace
}  // namespace kiln::testing
