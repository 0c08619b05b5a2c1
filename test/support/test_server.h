// Test fixtures for HTTP-level tests: a Kiln server started in-process on a free port over a
// fresh SQLite database in a temporary directory, and a small HTTP client (Boost.Beast) that
// talks to it exactly as an outside client would.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"

namespace kiln::auth {
class AuthServer;
struct ClientSpec;
struct UserSpec;
struct MembershipChanges;
}  // namespace kiln::auth

namespace kiln::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  std::string Header(const std::string& name) const;
  // The body parsed as JSON (fails the test if it is not JSON).
  json::Document Json() const;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// Sends one request over a new connection. `target` is the full path, e.g. "/fhir/Patient/1".
HttpResponse Send(int port, const std::string& method, const std::string& target,
                  const std::string& body = "", const Headers& headers = {});

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The store tests run on: `data_dir` (SQLite) by default; with KILN_TEST_STORE=postgres, a new
// schema of its own, migrated, in the PostgreSQL database at KILN_TEST_PG_URL (fails the test
// when that is not set). scripts/test.sh runs the HTTP suite both ways.
std::string TestStoreUrl(const std::string& data_dir);
bool TestOnPostgres();

struct ServerOptionsForTest {
  size_t max_body_bytes = 1 << 20;
  bool text_search = false;          // kiln serve --text-search
  std::string domain = {};           // tenants by host too ("{tenant}.{domain}"), as `kiln serve --domain`
  std::string public_base_url = {};  // as `kiln serve --base-url`
  int64_t export_resources_per_file = 100'000;
  int export_max_jobs = 4;
  int64_t export_retention_seconds = 24 * 3600;  // as `kiln serve --export-retention`
  // auth: with the authorization server, so every FHIR request needs a token (test/http/auth_test.cc).
  bool auth = false;
  // audit: with the audit log, recording AuditEvents (test/http/audit_test.cc).
  bool audit = false;
};

// Requests relative to one FHIR base of a server: FhirClient(port, "/t/jane/fhir").Get("Patient/1")
// is GET /t/jane/fhir/Patient/1. `always` headers go with every request (a Host, say).
class FhirClient {
 public:
  FhirClient(int port, std::string base_path, Headers always = {});

  HttpResponse Get(const std::string& path, const Headers& headers = {}) const;
  HttpResponse Post(const std::string& path, const std::string& body, const Headers& headers = {}) const;
  HttpResponse Put(const std::string& path, const std::string& body, const Headers& headers = {}) const;
  HttpResponse Delete(const std::string& path, const Headers& headers = {}) const;
  HttpResponse Request(const std::string& method, const std::string& path, const std::string& body = "",
                       const Headers& headers = {}) const;

  // POSTs a resource and returns its server-assigned id (fails the test unless 201).
  std::string Create(const std::string& type, const std::string& json) const;

  int port() const { return port_; }

 protected:
  void set_port(int port) { port_ = port; }

 private:
  int port_;
  std::string base_path_;
  Headers always_;
};

class TestServer : public FhirClient {
 public:
  explicit TestServer(ServerOptionsForTest options = {});
  ~TestServer();

  // The default tenant's base; Get, Post, ... send requests below it.
  std::string base_url() const { return "http://localhost:" + std::to_string(port()) + "/fhir"; }
  // The data directory (bulk export files live in its export/ folder).
  const std::string& data_dir() const { return dir_.path(); }

  // Stops the server (gracefully, as at shutdown), runs `while_stopped`, and starts it again on
  // the same data directory and port.
  void Restart(const std::function<void()>& while_stopped = {});

  // The admin API: Admin("GET", "tenants") is GET /admin/tenants. With auth, `headers` carry an
  // administrator's token.
  HttpResponse Admin(const std::string& method, const std::string& path, const std::string& body = "",
                     const Headers& headers = {}) const;
  // Creates tenant `name` through the admin API (fails the test unless 201) and returns a client
  // of its FHIR API by path (/t/{name}/fhir).
  FhirClient CreateTenant(const std::string& name, const std::string& kind = "person",
                          const Headers& headers = {}) const;
  // A client of tenant `name`'s FHIR API by path, and its base URL.
  FhirClient Tenant(const std::string& name) const { return FhirClient(port(), "/t/" + name + "/fhir"); }
  std::string TenantBaseUrl(const std::string& name) const {
    return "http://localhost:" + std::to_string(port()) + "/t/" + name + "/fhir";
  }

  // auth: with options.auth, the authorization server, and a client registered as `kiln client
  // create` does (fails the test unless it is).
  const auth::AuthServer& auth_server() const;
  void RegisterClient(const auth::ClientSpec& spec) const;
  // auth: a user registered as `kiln user create` does (fails the test unless it is).
  void RegisterUser(const auth::UserSpec& spec) const;
  // auth: a client or a user deleted as `kiln client delete` and `kiln user delete` do, from
  // another process: in the store only, the server not told (fails the test unless it is).
  void DeleteClientElsewhere(const std::string& id) const;
  void DeleteUserElsewhere(const std::string& id) const;
  // auth: a user's memberships changed as `kiln user update` does (fails the test unless they are).
  void UpdateUser(const std::string& id, const auth::MembershipChanges& changes) const;
  // Moves the server's clock ahead by `seconds` (what expires, expires), without waiting.
  void AdvanceClock(int64_t seconds);
  // audit: waits until every AuditEvent of the requests answered so far is stored.
  void FlushAudit() const;

 private:
  struct Parts;
  void Start(int port);
  void Stop();
  ServerOptionsForTest options_;
  TempDir dir_;
  std::string store_url_;
  std::unique_ptr<Parts> parts_;
};

// The ids a search returns on every page, in order, following next links.
std::vector<std::string> AllPages(const TestServer& server, const std::string& query);

// Every OperationOutcome issue's expression values, flattened, for assertions.
std::vector<std::string> IssueExpressions(const json::Document& outcome);
std::vector<std::string> IssueCodes(const json::Document& outcome);

}  // namespace kiln::testing
