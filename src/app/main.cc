// The composition root: the only file that names concrete implementations and wires them
// together (style guide, rule 10). Subcommands: serve, import, tenant, client, key, user, version,
// bench-http.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "app/cli.h"
#include "app/client_cli.h"
#include "app/config.h"
#include "app/importer.h"
#include "app/tenant_cli.h"
#include "app/user_cli.h"
#include "audit/audit.h"
#include "auth/auth.h"
#include "core/log.h"
#include "core/model.h"
#include "http/server.h"
#include "rest/rest.h"
#include "search/search.h"
#include "store/store.h"
#include "tenant/tenant.h"

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace kiln::app {

namespace {

template <class T>
T OrDie(Result<T> r, std::string_view what) {
  if (!r) {
    log::Err(what, {{"error", r.error().diagnostics}});
    std::exit(1);
  }
  return std::move(r).value();
}

void AddHttpOptions(CLI::App& cmd, ServeConfig& cfg) {
  cmd.add_option("--port", cfg.http.port, "TCP port")->envname("KILN_PORT")->capture_default_str();
  cmd.add_option("--bind", cfg.http.bind, "Address to listen on")
      ->envname("KILN_BIND")
      ->capture_default_str();
  cmd.add_option("--base-url", cfg.http.public_base_url,
                 "Public base URL of the FHIR API (default: from the Host header)")
      ->envname("KILN_BASE_URL");
  cmd.add_option("--max-body", cfg.http.max_body_bytes, "Largest request body in bytes (413 above)")
      ->envname("KILN_MAX_BODY")
      ->capture_default_str();
  cmd.add_option("--threads", cfg.http.worker_threads, "Worker threads for writes")
      ->envname("KILN_THREADS")
      ->capture_default_str();
  cmd.add_option("--io-threads", cfg.http.io_threads, "I/O threads")
      ->envname("KILN_IO_THREADS")
      ->capture_default_str();
  cmd.add_option("--log-level", cfg.log_level, "debug, info, warn or error")
      ->envname("KILN_LOG_LEVEL")
      ->capture_default_str();
}

void ApplyLogLevel(const std::string& name) {
  log::Level level;
  if (!log::ParseLevel(name, &level)) {
    std::cerr << "Unknown log level '" << name << "'\n";
    std::exit(2);
  }
  log::SetLevel(level);
}

// auth: the authorization server for `kiln serve` (docs/security.md), or null with --no-auth.
std::unique_ptr<auth::AuthServer> OpenAuthServer(const ServeConfig& cfg, store::Store& store,
                                                 const Clock& clock) {
  if (cfg.no_auth) {
    log::Warn(
        "AUTHORIZATION IS OFF (--no-auth): anyone who reaches this port can read, change and delete every "
        "resource. For development only; never expose this server.");
    return nullptr;
  }
  auth::AuthOptions o;
  std::string_view pub = cfg.http.public_base_url;
  if (pub.ends_with(cfg.http.base_path)) pub.remove_suffix(cfg.http.base_path.size());
  o.issuer = std::string(pub);
  o.base_path = cfg.http.base_path;
  o.key_file = AuthKeyFile(cfg.storage, cfg.auth_key_file);
  return OrDie(auth::AuthServer::Open(store, clock, o), "cannot start the authorization server");
}

// auth: how clients get tokens, and a warning when none can.
void LogHowToGetTokens(store::Store& store, const std::string& root, const std::string& base_path) {
  log::Info("access tokens required: POST " + root + "/auth/token (client_credentials)",
            {{"smart_configuration", root + base_path + "/.well-known/smart-configuration"}});
  auto clients = store.ListClients();
  if (clients && clients->empty()) {
    log::Warn(
        "no OAuth clients are registered, so nobody can get a token: register one with "
        "`kiln client create --id ID --generate-secret --scope \"system/*.rs\"` (or serve with --no-auth "
        "for development)");
  }
}

int Serve(const ServeConfig& cfg) {
  ApplyLogLevel(cfg.log_level);
  auto model = OrDie(core::Model::LoadEmbedded(), "cannot load the FHIR model");
  auto registry = OrDie(search::Registry::LoadEmbedded(*model), "cannot load the search parameters");
  if (cfg.text_search) registry->EnableTextSearch();
  auto store = OrDie(store::OpenStore({cfg.storage.url(), 16}), "cannot open the store");
  SystemClock clock;
  // Every writer of the process takes a ticket, so that bulk export's transactionTime splits the
  // writes in flight cleanly (rest/write_fence.h).
  rest::WriteFence write_fence(clock);
  std::unique_ptr<auth::AuthServer> auth_server = OpenAuthServer(cfg, *store, clock);
  // audit: on unless --no-audit (docs/audit.md); outlives the Api, and stores what is queued when
  // it goes.
  std::unique_ptr<audit::AuditLog> audit_log;
  if (cfg.no_audit) {
    log::Warn("AUDITING IS OFF (--no-audit): no AuditEvent records who reads or changes patient data");
  } else {
    audit_log = std::make_unique<audit::AuditLog>(*model, *registry, *store, clock,
                                                  audit::AuditOptions{.fence = &write_fence});
  }
  rest::Api api(*model, *registry, *store, clock,
                rest::ApiOptions{.software_version = KILN_VERSION,
                                 .authorizer = auth_server.get(),
                                 .audit = audit_log.get(),
                                 .export_dir = cfg.storage.data_dir + "/export",
                                 .export_retention_seconds = cfg.export_retention_seconds,
                                 .write_fence = &write_fence});
  OrDie(api.LoadDefinitions(store::DefaultTenant()), "cannot load the stored custom search parameters");
  // The admin API: its tenants part checks every request's token, then serves tenants/... and
  // hands the rest (clients/..., users/...) to auth's part.
  auth::AdminApi accounts(*store, AuthKeyFile(cfg.storage, cfg.auth_key_file), clock, auth_server.get());
  tenant::AdminApi admin(*store, api, clock, auth_server.get(),
                         [&accounts](const rest::Request& req) { return accounts.Handle(req); });
  http::Server server(
      cfg.http, [&api](const rest::Request& req) { return api.Handle(req); },
      [&admin](const rest::Request& req) { return admin.Handle(req); });
  if (auth_server) {
    server.SetRootHandler([&auth_server](const rest::Request& req) { return auth_server->HandleRoot(req); });
  }
  uint16_t port = OrDie(server.Start(), "cannot start the HTTP server");
  server.StopOnSignals();
  std::string root = "http://" + cfg.http.bind + ":" + std::to_string(port);
  log::Info("kiln serving", {{"url", root + cfg.http.base_path},
                             {"domain", cfg.http.domain},
                             {"data_dir", cfg.storage.data_dir},
                             {"store", store::IsPostgresUrl(cfg.storage.url()) ? "postgresql" : "sqlite"},
                             {"auth", auth_server != nullptr},
                             {"audit", audit_log != nullptr},
                             {"resource_types", model->ResourceTypeNames().size()},
                             {"version", KILN_VERSION}});
  if (auth_server) LogHowToGetTokens(*store, root, cfg.http.base_path);
  server.Wait();
  log::Info("kiln stopped");
  return 0;
}

int Import(const ImportConfig& cfg) {
  auto model = OrDie(core::Model::LoadEmbedded(), "cannot load the FHIR model");
  auto registry = OrDie(search::Registry::LoadEmbedded(*model), "cannot load the search parameters");
  if (cfg.text_search) registry->EnableTextSearch();
  SystemClock clock;
  ImportStats stats;
  Micros started = 0;
  {
    auto store =
        OrDie(store::OpenStore({.url = cfg.storage.url(), .read_connections = 16, .bulk_load = true}),
              "cannot open the store");
    rest::Api api(*model, *registry, *store, clock, rest::ApiOptions{.software_version = KILN_VERSION});
    OrDie(api.LoadDefinitions(store::DefaultTenant()), "cannot load the stored custom search parameters");
    started = clock.Now();
    stats = ImportFiles(api, cfg.files, cfg.threads);
  }  // Closing the store is part of the load: SQLite syncs its log, PostgreSQL analyzes its tables.
  double seconds = static_cast<double>(clock.Now() - started) / 1e6;
  std::cout << "imported " << stats.stored << " resources, " << stats.failed << " failed, in " << seconds
            << " s\n";
  return stats.failed == 0 ? 0 : 1;
}

// `kiln migrate`: the one step that changes a PostgreSQL database's schema (a server refuses to
// start on one it does not know); SQLite migrates on every open, so this only opens it.
int Migrate(const StoreConfig& cfg) {
  auto version = store::MigrateStore({cfg.url(), 1});
  if (!version) return CommandFailed("migrate", version.error());
  std::cout << "schema version " << *version << "\n";
  return 0;
}

// The same HTTP stack with a fixed response: the ceiling the FHIR API is measured against.
int BenchHttp(const ServeConfig& cfg) {
  ApplyLogLevel(cfg.log_level);
  std::string body =
      R"({"resourceType":"Patient","id":"bench","meta":{"versionId":"1","lastUpdated":"2026-01-01T00:00:00.000Z"},)"
      R"("name":[{"family":"Fixed","given":["Response"]}],"gender":"unknown","birthDate":"1970-01-01"})";
  http::Server server(cfg.http, [&body](const rest::Request&) {
    rest::Response res;
    res.content_type = "application/fhir+json; charset=utf-8";
    res.SetHeader("ETag", "W/\"1\"");
    res.body = body;
    return res;
  });
  uint16_t port = OrDie(server.Start(), "cannot start the HTTP server");
  server.StopOnSignals();
  log::Info("kiln bench-http serving a fixed response", {{"port", static_cast<int>(port)}});
  server.Wait();
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"Kiln: a FHIR R4 health-data platform"};
  app.set_config("--config", "", "Read options from a TOML/INI file");
  app.require_subcommand(1);

  ServeConfig serve;
  auto* serve_cmd = app.add_subcommand("serve", "Serve the FHIR API on embedded storage");
  AddHttpOptions(*serve_cmd, serve);
  AddDataDirOption(*serve_cmd, serve.storage);
  serve_cmd
      ->add_flag("--text-search", serve.text_search, "Index words for _text and _content (costs write speed)")
      ->envname("KILN_TEXT_SEARCH");
  serve_cmd
      ->add_option("--domain", serve.http.domain,
                   "Serve tenant T also at https://T.DOMAIN/fhir (default: tenants by path only)")
      ->envname("KILN_DOMAIN");
  // auth: secure by default (docs/security.md).
  serve_cmd->add_flag("--no-auth", serve.no_auth, "Serve without authorization: development only")
      ->envname("KILN_NO_AUTH");
  // audit: every access to patient data is recorded (docs/audit.md).
  serve_cmd->add_flag("--no-audit", serve.no_audit, "Record no AuditEvents: for development and benchmarks")
      ->envname("KILN_NO_AUDIT");
  serve_cmd
      ->add_option("--export-retention", serve.export_retention_seconds,
                   "Seconds a finished bulk export's files are kept, then deleted (default: a day)")
      ->check(CLI::Range(int64_t{1}, int64_t{365} * 24 * 3600))
      ->envname("KILN_EXPORT_RETENTION");
  serve_cmd
      ->add_option(
          "--auth-key-file", serve.auth_key_file,
          "The key that seals client secrets and signing keys (default: auth.key beside the database)")
      ->envname("KILN_AUTH_KEY_FILE");

  ServeConfig bench;
  bench.log_level = "warn";
  auto* bench_cmd =
      app.add_subcommand("bench-http", "Serve a fixed response on the same HTTP stack (benchmarks)");
  AddHttpOptions(*bench_cmd, bench);

  ImportConfig import;
  auto* import_cmd = app.add_subcommand("import", "Import FHIR Bundles (.json) and .ndjson files");
  import_cmd->add_option("files", import.files, "Files to import")->required()->check(CLI::ExistingFile);
  AddDataDirOption(*import_cmd, import.storage);
  import_cmd->add_option("--threads", import.threads, "Chunks (transactions) in flight")
      ->capture_default_str();
  import_cmd
      ->add_flag("--text-search", import.text_search,
                 "Index words for _text and _content, as the server does")
      ->envname("KILN_TEXT_SEARCH");

  TenantConfig tenants;
  auto* tenant_cmd = AddTenantCommand(app, tenants);

  ClientConfig clients;  // auth
  auto* client_cmd = AddClientCommand(app, clients);
  auto* key_cmd = AddKeyCommand(app, clients);
  UserConfig users;
  auto* user_cmd = AddUserCommand(app, users);

  StoreConfig migrate;
  auto* migrate_cmd = app.add_subcommand("migrate", "Bring the database's schema up to date");
  AddDataDirOption(*migrate_cmd, migrate);

  app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (app.got_subcommand("version")) {
    std::cout << "kiln " << KILN_VERSION << "\n";
    return 0;
  }
  // Reads run on the I/O threads; on PostgreSQL each waits for a round trip to the server, so
  // more of them keep the CPU busy (bench/postgres/).
  constexpr int kPostgresIoThreads = 8;
  if (store::IsPostgresUrl(serve.storage.url()) && serve_cmd->get_option("--io-threads")->count() == 0) {
    serve.http.io_threads = kPostgresIoThreads;
  }
  if (app.got_subcommand(serve_cmd)) return Serve(serve);
  if (app.got_subcommand(bench_cmd)) return BenchHttp(bench);
  if (app.got_subcommand(import_cmd)) return Import(import);
  if (app.got_subcommand(migrate_cmd)) return Migrate(migrate);
  if (app.got_subcommand(tenant_cmd)) return RunTenantCommand(*tenant_cmd, tenants);
  if (app.got_subcommand(client_cmd)) return RunClientCommand(*client_cmd, clients);
  if (app.got_subcommand(key_cmd)) return RunKeyCommand(*key_cmd, clients);
  if (app.got_subcommand(user_cmd)) return RunUserCommand(*user_cmd, users);
  return 2;
}

}  // namespace kiln::app

int main(int argc, char** argv) { return kiln::app::Main(argc, argv); }
