#include "support/test_server.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <unistd.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <filesystem>
#include <random>

#include "audit/audit.h"
#include "auth/auth.h"
#include "core/log.h"
#include "core/model.h"
#include "http/server.h"
#include "rest/rest.h"
#include "search/search.h"
#include "store/store.h"
#include "tenant/tenant.h"

namespace kiln::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

std::string HttpResponse::Header(const std::string& name) const {
  std::string lower;
  for (char c : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  auto it = headers.find(lower);
  return it == headers.end() ? std::string() : it->second;
}

json::Document HttpResponse::Json() const {
  auto doc = json::Parse(body);
  EXPECT_TRUE(doc.has_value()) << "response body is not JSON: " << body;
  if (!doc) return json::Document();
  return std::move(doc).value();
}

HttpResponse Send(int port, const std::string& method, const std::string& target, const std::string& body,
                  const Headers& headers) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "localhost:" + std::to_string(port));
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.set(k, v);
    if (beast::iequals(k, "Content-Type")) has_type = true;
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/fhir+json");
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 << 20);
  if (method == "HEAD") parser.skip(true);
  bhttp::read(stream, buffer, parser);
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  beast::error_code ec;
  stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  return out;
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kiln-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {
// Loaded once per test process: the model is immutable and costly to parse.
const core::Model& SharedModel() {
  static const core::Model* model = [] {
    auto m = core::Model::LoadEmbedded();
    if (!m) {
      ADD_FAILURE() << m.error().diagnostics;
      std::abort();
    }
    return std::move(m).value().release();
  }();
  return *model;
}
search::Registry* LoadRegistry() {
  auto r = search::Registry::LoadEmbedded(SharedModel());
  if (!r) {
    ADD_FAILURE() << r.error().diagnostics;
    std::abort();
  }
  return std::move(r).value().release();
}
// One registry per configuration, shared by the process (loading one takes a while).
const search::Registry& SharedRegistry(bool text_search) {
  static const search::Registry* plain = LoadRegistry();
  static const search::Registry* with_text = [] {
    search::Registry* r = LoadRegistry();
    r->EnableTextSearch();
    return r;
  }();
  return text_search ? *with_text : *plain;
}
}  // namespace

bool TestOnPostgres() {
  const char* store = std::getenv("KILN_TEST_STORE");
  return store != nullptr && std::string_view(store) == "postgres";
}

std::string TestStoreUrl(const std::string& data_dir) {
  if (!TestOnPostgres()) return data_dir;
  const char* base = std::getenv("KILN_TEST_PG_URL");
  if (base == nullptr || *base == '\0') {
    ADD_FAILURE() << "KILN_TEST_STORE=postgres needs KILN_TEST_PG_URL (scripts/pg-test-server.sh start DIR)";
    return data_dir;
  }
  // A schema per server: every test starts from an empty database, as with SQLite. Named by
  // random bits, not by the process id alone: a later run on the same PostgreSQL server (the
  // suite runs again under the sanitizers) may get a pid back and would find that schema full.
  static const std::string run = [] {
    std::random_device random;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%08x%08x", random(), random());
    return std::string(hex);
  }();
  static std::atomic<int> next{0};
  std::string schema = "t" + run + "_" + std::to_string(next++);
  std::string url = base;
  url += url.find('?') == std::string::npos ? "?" : "&";
  url += "options=-csearch_path%3D" + schema;
  auto migrated = store::MigrateStore({url, 1});
  if (!migrated) ADD_FAILURE() << migrated.error().diagnostics;
  return url;
}

// The system's time, moved ahead as a test says.
class AdjustableClock final : public Clock {
 public:
  Micros Now() const override { return system_.Now() + ahead_.load(); }
  void Advance(Micros by) { ahead_ += by; }

 private:
  SystemClock system_;
  std::atomic<Micros> ahead_{0};
};

struct TestServer::Parts {
  std::unique_ptr<store::Store> store;
  AdjustableClock clock;
  rest::WriteFence write_fence{clock};     // shared by the Api and the audit log, as in kiln serve
  std::unique_ptr<auth::AuthServer> auth;  // with options.auth
  std::unique_ptr<audit::AuditLog> audit;  // with options.audit
  std::unique_ptr<rest::Api> api;
  std::unique_ptr<auth::AdminApi> accounts;  // the admin API's clients and users part
  std::unique_ptr<tenant::AdminApi> admin;
  std::unique_ptr<http::Server> server;
};

TestServer::TestServer(ServerOptionsForTest options)
    : FhirClient(0, "/fhir"), options_(std::move(options)), parts_(std::make_unique<Parts>()) {
  log::SetLevel(log::Level::kWarn);
  store_url_ = TestStoreUrl(dir_.path());
  Start(0);
}

void TestServer::Start(int port) {
  auto store = store::OpenStore({store_url_, 4});
  if (!store) ADD_FAILURE() << store.error().diagnostics;
  parts_->store = std::move(store).value();
  if (options_.auth) {
    auth::AuthOptions auth_options;
    auth_options.key_file = dir_.path() + "/auth.key";
    auto opened = auth::AuthServer::Open(*parts_->store, parts_->clock, auth_options);
    if (!opened) ADD_FAILURE() << opened.error().diagnostics;
    if (opened) parts_->auth = std::move(opened).value();
  }
  if (options_.audit) {
    parts_->audit =
        std::make_unique<audit::AuditLog>(SharedModel(), SharedRegistry(options_.text_search), *parts_->store,
                                          parts_->clock, audit::AuditOptions{.fence = &parts_->write_fence});
  }
  parts_->api = std::make_unique<rest::Api>(
      SharedModel(), SharedRegistry(options_.text_search), *parts_->store, parts_->clock,
      rest::ApiOptions{.authorizer = parts_->auth.get(),
                       .audit = parts_->audit.get(),
                       .export_dir = dir_.path() + "/export",
                       .export_resources_per_file = options_.export_resources_per_file,
                       .export_max_jobs = options_.export_max_jobs,
                       .export_retention_seconds = options_.export_retention_seconds,
                       .write_fence = &parts_->write_fence});
  // The registry is shared by the process: reset its custom parameters to this store's (none).
  if (auto loaded = parts_->api->LoadDefinitions(store::DefaultTenant()); !loaded) {
    ADD_FAILURE() << loaded.error().diagnostics;
  }
  http::ServerOptions o;
  o.bind = "127.0.0.1";
  o.port = static_cast<uint16_t>(port);
  o.io_threads = 2;
  o.worker_threads = 8;
  o.max_body_bytes = options_.max_body_bytes;
  o.domain = options_.domain;
  o.public_base_url = options_.public_base_url;
  o.drain_seconds = 5;
  // As kiln serve composes the admin API (app/main.cc).
  parts_->accounts = std::make_unique<auth::AdminApi>(*parts_->store, dir_.path() + "/auth.key",
                                                      parts_->clock, parts_->auth.get());
  parts_->admin = std::make_unique<tenant::AdminApi>(
      *parts_->store, *parts_->api, parts_->clock, parts_->auth.get(),
      [accounts = parts_->accounts.get()](const rest::Request& r) { return accounts->Handle(r); });
  parts_->server = std::make_unique<http::Server>(
      o, [api = parts_->api.get()](const rest::Request& r) { return api->Handle(r); },
      [admin = parts_->admin.get()](const rest::Request& r) { return admin->Handle(r); });
  if (parts_->auth) {
    parts_->server->SetRootHandler(
        [auth = parts_->auth.get()](const rest::Request& r) { return auth->HandleRoot(r); });
  }
  auto bound = parts_->server->Start();
  if (!bound) ADD_FAILURE() << bound.error().diagnostics;
  set_port(bound ? *bound : 0);
}

void TestServer::Stop() {
  parts_->server->Stop();
  parts_->server->Wait();
  parts_->server.reset();
  parts_->admin.reset();
  parts_->accounts.reset();
  parts_->api.reset();
  parts_->audit.reset();
  parts_->auth.reset();
  parts_->store.reset();
}

void TestServer::Restart(const std::function<void()>& while_stopped) {
  Stop();
  if (while_stopped) while_stopped();
  Start(port());
}

const auth::AuthServer& TestServer::auth_server() const {
  EXPECT_NE(parts_->auth, nullptr) << "the server runs without auth (ServerOptionsForTest::auth)";
  return *parts_->auth;
}

void TestServer::FlushAudit() const {
  EXPECT_NE(parts_->audit, nullptr) << "the server runs without auditing (ServerOptionsForTest::audit)";
  if (parts_->audit) parts_->audit->Flush();
}

void TestServer::RegisterClient(const auth::ClientSpec& spec) const {
  auto made = auth::RegisterClient(*parts_->store, dir_.path() + "/auth.key", spec, parts_->clock.Now());
  EXPECT_TRUE(made.has_value()) << made.error().diagnostics;
}

void TestServer::RegisterUser(const auth::UserSpec& spec) const {
  auto made = auth::RegisterUser(*parts_->store, spec, parts_->clock.Now());
  EXPECT_TRUE(made.has_value()) << made.error().diagnostics;
}

void TestServer::DeleteClientElsewhere(const std::string& id) const {
  auto deleted = parts_->store->DeleteClient(id);
  EXPECT_TRUE(deleted.has_value()) << deleted.error().diagnostics;
}

void TestServer::DeleteUserElsewhere(const std::string& id) const {
  auto deleted = parts_->store->DeleteUser(id);
  EXPECT_TRUE(deleted.has_value()) << deleted.error().diagnostics;
}

void TestServer::UpdateUser(const std::string& id, const auth::MembershipChanges& changes) const {
  auto changed = auth::ChangeMemberships(*parts_->store, id, changes);
  EXPECT_TRUE(changed.has_value()) << changed.error().diagnostics;
}

void TestServer::AdvanceClock(int64_t seconds) { parts_->clock.Advance(seconds * 1'000'000); }

TestServer::~TestServer() { Stop(); }

FhirClient::FhirClient(int port, std::string base_path, Headers always)
    : port_(port), base_path_(std::move(base_path)), always_(std::move(always)) {}

HttpResponse FhirClient::Request(const std::string& method, const std::string& path, const std::string& body,
                                 const Headers& headers) const {
  Headers all = always_;
  all.insert(all.end(), headers.begin(), headers.end());
  return Send(port_, method, base_path_ + (path.empty() ? std::string() : "/" + path), body, all);
}
HttpResponse FhirClient::Get(const std::string& path, const Headers& headers) const {
  return Request("GET", path, "", headers);
}
HttpResponse FhirClient::Post(const std::string& path, const std::string& body,
                              const Headers& headers) const {
  return Request("POST", path, body, headers);
}
HttpResponse FhirClient::Put(const std::string& path, const std::string& body, const Headers& headers) const {
  return Request("PUT", path, body, headers);
}
HttpResponse FhirClient::Delete(const std::string& path, const Headers& headers) const {
  return Request("DELETE", path, "", headers);
}

std::string FhirClient::Create(const std::string& type, const std::string& json) const {
  HttpResponse res = Post(type, json);
  EXPECT_EQ(res.status, 201) << res.body;
  auto doc = res.Json();
  return std::string(json::GetString(doc, "id"));
}

HttpResponse TestServer::Admin(const std::string& method, const std::string& path, const std::string& body,
                               const Headers& headers) const {
  Headers all = {{"Content-Type", "application/json"}};
  all.insert(all.end(), headers.begin(), headers.end());
  return Send(port(), method, "/admin/" + path, body, all);
}

FhirClient TestServer::CreateTenant(const std::string& name, const std::string& kind,
                                    const Headers& headers) const {
  HttpResponse res =
      Admin("POST", "tenants", R"({"name":")" + name + R"(","kind":")" + kind + R"("})", headers);
  EXPECT_EQ(res.status, 201) << res.body;
  return Tenant(name);
}

std::vector<std::string> IssueExpressions(const json::Document& outcome) {
  std::vector<std::string> out;
  const json::Value* issues = json::Find(outcome, "issue");
  if (issues == nullptr || !issues->IsArray()) return out;
  for (const auto& issue : issues->GetArray()) {
    const json::Value* expr = json::Find(issue, "expression");
    if (expr == nullptr || !expr->IsArray()) continue;
    for (const auto& e : expr->GetArray()) out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

std::vector<std::string> IssueCodes(const json::Document& outcome) {
  std::vector<std::string> out;
  const json::Value* issues = json::Find(outcome, "issue");
  if (issues == nullptr || !issues->IsArray()) return out;
  for (const auto& issue : issues->GetArray()) out.emplace_back(json::GetString(issue, "code"));
  return out;
}

std::vector<std::string> AllPages(const TestServer& server, const std::string& query) {
  std::vector<std::string> ids;
  HttpResponse res = server.Get(query);
  for (int guard = 0; guard < 100; ++guard) {
    EXPECT_EQ(res.status, 200) << res.body;
    auto doc = res.Json();
    if (const json::Value* entries = json::Find(doc, "entry")) {
      for (const auto& e : entries->GetArray())
        ids.emplace_back(json::GetString(*json::Find(e, "resource"), "id"));
    }
    std::string next;
    const json::Value* links = json::Find(doc, "link");
    if (links == nullptr) break;
    for (const auto& l : links->GetArray()) {
      if (json::GetString(l, "relation") == "next") next = std::string(json::GetString(l, "url"));
    }
    if (next.empty()) break;
    res = Send(server.port(), "GET", "/fhir" + next.substr(server.base_url().size()));
  }
  return ids;
}

}  // namespace kiln::testing
