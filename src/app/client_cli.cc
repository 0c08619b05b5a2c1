#include "app/client_cli.h"

#include "app/cli.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "auth/auth.h"
#include "store/store.h"

namespace kiln::app {

namespace {

void AddStoreOptions(CLI::App& cmd, ClientConfig& cfg) {
  AddDataDirOption(cmd, cfg.storage);
  cmd.add_option("--auth-key-file", cfg.auth_key_file,
                 "The key that seals client secrets and signing keys (default: auth.key beside the database)")
      ->envname("KILN_AUTH_KEY_FILE");
}

int Fail(std::string_view command, const Error& e) { return CommandFailed(command, e); }

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::Make(Issue::kNotFound, "Cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int Create(store::Store& store, const ClientConfig& cfg) {
  auth::ClientSpec spec;
  spec.id = cfg.id;
  spec.secret = cfg.generate_secret ? auth::NewClientSecret() : cfg.secret;
  spec.scope = cfg.scope;
  if (cfg.admin) spec.scope += (spec.scope.empty() ? "" : " ") + std::string(auth::kAdminScope);
  if (!cfg.label_access.empty()) {
    auto labels = auth::LabelAccessScopes(cfg.label_access);
    if (!labels) return Fail("client", labels.error());
    spec.scope += *labels;
  }
  spec.tenant = store::TenantId{cfg.tenant};
  spec.redirect_uris = cfg.redirect_uris;
  spec.is_public = cfg.is_public;
  if (cfg.jwks_file.starts_with("https://") || cfg.jwks_file.starts_with("http://")) {
    spec.jwks_uri = cfg.jwks_file;  // fetched by the server when an assertion needs it
  } else if (!cfg.jwks_file.empty()) {
    auto jwks = ReadFile(cfg.jwks_file);
    if (!jwks) return Fail("client", jwks.error());
    spec.jwks = std::move(jwks).value();
  }
  SystemClock clock;
  auto made = auth::RegisterClient(store, AuthKeyFile(cfg.storage, cfg.auth_key_file), spec, clock.Now());
  if (!made) return Fail("client", made.error());
  std::cout << "created client " << made->id << " (tenant " << made->tenant.value << ", scope " << made->scope
            << ")\n";
  if (cfg.generate_secret) std::cout << "secret (shown this once): " << spec.secret << "\n";
  return 0;
}

int List(store::Store& store) {
  auto clients = store.ListClients();
  if (!clients) return Fail("client", clients.error());
  std::cout << "id\ttenant\tauthentication\tscope\tcreated\tredirect URIs\n";
  for (const store::ClientRecord& c : *clients) {
    std::string methods = c.is_public ? "public" : c.secret_hash.empty() ? "" : "secret";
    if (!c.jwks.empty()) methods += methods.empty() ? "jwks" : "+jwks";
    if (!c.jwks_uri.empty()) methods += (methods.empty() ? "jwks " : "+jwks ") + c.jwks_uri;
    std::string uris;
    for (const std::string& u : c.redirect_uris) uris += (uris.empty() ? "" : " ") + u;
    std::cout << c.id << '\t' << c.tenant.value << '\t' << methods << '\t' << c.scope << '\t'
              << FormatInstant(c.created) << '\t' << uris << '\n';
  }
  return 0;
}

}  // namespace

std::string AuthKeyFile(const StoreConfig& storage, const std::string& configured) {
  if (!configured.empty()) return configured;
  const std::string& url = storage.url();
  std::filesystem::path dir = url.find("://") != std::string::npos ? storage.data_dir : url;
  if (url.starts_with("sqlite:")) dir = std::filesystem::path(url.substr(7)).parent_path();
  return (dir / "auth.key").string();
}

CLI::App* AddClientCommand(CLI::App& app, ClientConfig& cfg) {
  auto* cmd = app.add_subcommand("client", "Register, list and delete OAuth clients");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand("create", "Register a client");
  create->add_option("--id", cfg.id, "The client id")->required();
  auto* secret = create->add_option("--secret", cfg.secret, "Its secret (at least 32 characters)");
  create->add_flag("--generate-secret", cfg.generate_secret, "Make up a secret and print it")
      ->excludes(secret);
  auto* scope =
      create->add_option("--scope", cfg.scope, "The scopes it may be granted, e.g. \"system/*.rs\"");
  create->add_flag("--admin", cfg.admin, "An administrator: may use the admin API (scope kiln/admin)");
  create->callback([&cfg, scope] {
    if (scope->count() == 0 && !cfg.admin) throw CLI::RequiredError("--scope (or --admin)");
  });
  create->add_option(
      "--label-access", cfg.label_access,
      "Security labels its tokens may see: R (restricted), V (very restricted, and R), or R,V");
  create->add_option("--tenant", cfg.tenant, "The tenant its tokens are for")->capture_default_str();
  create->add_option(
      "--jwks", cfg.jwks_file,
      "Its JSON Web Key Set, for private_key_jwt: a file, or the https URL where it is published");
  create->add_option("--redirect-uri", cfg.redirect_uris,
                     "Where its authorization codes may go (exact match; repeatable): authorization_code");
  create->add_flag("--public", cfg.is_public, "A public client: no secret, PKCE only (needs --redirect-uri)")
      ->excludes(secret);
  AddStoreOptions(*create, cfg);
  auto* list = cmd->add_subcommand("list", "List the clients");
  AddStoreOptions(*list, cfg);
  auto* remove = cmd->add_subcommand("delete", "Delete a client");
  remove->add_option("id", cfg.id, "The client id")->required();
  AddStoreOptions(*remove, cfg);
  return cmd;
}

CLI::App* AddKeyCommand(CLI::App& app, ClientConfig& cfg) {
  auto* cmd = app.add_subcommand("key", "Rotate and list the keys that sign access tokens");
  cmd->require_subcommand(1);
  AddStoreOptions(
      *cmd->add_subcommand("rotate", "Add a new signing key; older ones stay until their tokens expire"),
      cfg);
  AddStoreOptions(*cmd->add_subcommand("list", "List the signing keys"), cfg);
  return cmd;
}

int RunClientCommand(const CLI::App& client_cmd, const ClientConfig& cfg) {
  auto store = store::OpenStore({cfg.storage.url(), 1});
  if (!store) return Fail("client", store.error());
  if (client_cmd.got_subcommand("list")) return List(**store);
  if (client_cmd.got_subcommand("create")) return Create(**store, cfg);
  if (auto deleted = (*store)->DeleteClient(cfg.id); !deleted) return Fail("client", deleted.error());
  std::cout << "deleted client " << cfg.id << "\n";
  return 0;
}

int RunKeyCommand(const CLI::App& key_cmd, const ClientConfig& cfg) {
  auto store = store::OpenStore({cfg.storage.url(), 1});
  if (!store) return Fail("key", store.error());
  if (key_cmd.got_subcommand("rotate")) {
    SystemClock clock;
    auto kid = auth::RotateSigningKey(**store, AuthKeyFile(cfg.storage, cfg.auth_key_file), clock.Now());
    if (!kid) return Fail("key", kid.error());
    std::cout << "added signing key " << *kid << "\n";
    return 0;
  }
  auto keys = (*store)->SigningKeys();
  if (!keys) return Fail("key", keys.error());
  std::cout << "kid\talg\tcreated\tretired\n";
  for (const store::SigningKeyRecord& k : *keys) {
    std::cout << k.kid << '\t' << k.alg << '\t' << FormatInstant(k.created) << '\t'
              << (k.retired == 0 ? "-" : FormatInstant(k.retired)) << '\n';
  }
  return 0;
}

}  // namespace kiln::app
