// Command-line, environment (KILN_*) and config-file settings for every `kiln` subcommand.
// The only place that reads the environment (style guide, rule 10).
#pragma once

#include <string>
#include <vector>

#include "http/server.h"

namespace kiln::app {

// Where a command's data lives: the data directory (the SQLite database, auth.key, exports) and
// the database, when it is elsewhere (`--store`: sqlite:/path/kiln.db or postgresql://...).
struct StoreConfig {
  std::string data_dir = "kiln-data";
  std::string store;  // empty: the SQLite database in data_dir
  const std::string& url() const { return store.empty() ? data_dir : store; }
};

struct ServeConfig {
  http::ServerOptions http;
  StoreConfig storage;
  std::string log_level = "info";
  bool text_search = false;  // index _text and _content (search::Registry::EnableTextSearch)
  // auth: `--no-auth` serves everything to anyone (development only); the key file seals client
  // secrets and signing keys (default: auth.key beside the database).
  bool no_auth = false;
  std::string auth_key_file;
  bool no_audit = false;                         // audit: `--no-audit` records no AuditEvents (docs/audit.md)
  int64_t export_retention_seconds = 24 * 3600;  // finished bulk export jobs are deleted after this
};

// auth: `kiln client create|list|delete` and `kiln key rotate|list`.
struct ClientConfig {
  StoreConfig storage;
  std::string auth_key_file;
  std::string id;
  std::string secret;
  bool generate_secret = false;
  bool admin = false;  // adds kiln/admin: the administrator's grant
  std::string scope;
  std::string label_access;  // "R", "V" or "R,V": security labels its tokens may see (docs/security.md)
  std::string tenant = "default";
  std::string jwks_file;                   // or a URL
  std::vector<std::string> redirect_uris;  // authorization_code
  bool is_public = false;
};

// auth: `kiln user create|update|list|delete`.
struct UserConfig {
  StoreConfig storage;
  std::string id;
  std::string password;
  bool generate_password = false;
  std::vector<std::string> members;         // TENANT:ROLE[:PATIENT]
  std::vector<std::string> label_access;    // TENANT:CODES (R, V, R,V or none)
  std::vector<std::string> remove_members;  // update: TENANT
};

// `kiln tenant create|list|delete`.
struct TenantConfig {
  StoreConfig storage;
  std::string name;
  std::string kind;
};

struct ImportConfig {
  StoreConfig storage;
  std::vector<std::string> files;
  int threads = 4;  // chunks in flight
  bool text_search = false;
};

}  // namespace kiln::app
