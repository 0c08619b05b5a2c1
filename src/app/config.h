// Command-line, environment (KILN_*) and config-file settings for every `kiln` subcommand.
// The only place that reads the environment (style guide, rule 10).
#pragma once

#include <string>
#include <vector>

#include "http/server.h"

namespace kiln::app {

struct ServeConfig {
  http::ServerOptions http;
  std::string data_dir = "kiln-data";
  std::string log_level = "info";
  bool text_search = false;  // index _text and _content (search::Registry::EnableTextSearch)
  // auth: `--no-auth` serves everything to anyone (development only); the key file seals client
  // secrets and signing keys (default: auth.key beside the database).
  bool no_auth = false;
  std::string auth_key_file;
  bool no_audit = false;  // audit: `--no-audit` records no AuditEvents (docs/audit.md)
};

// auth: `kiln client create|list|delete` and `kiln key rotate|list`.
struct ClientConfig {
  std::string data_dir = "kiln-data";
  std::string auth_key_file;
  std::string id;
  std::string secret;
  bool generate_secret = false;
  std::string scope;
  std::string label_access;  // "R", "V" or "R,V": security labels its tokens may see (docs/security.md)
  std::string tenant = "default";
  std::string jwks_file;
};

// `kiln tenant create|list|delete`.
struct TenantConfig {
  std::string data_dir = "kiln-data";  // also --store: a store URL (store::StoreOptions::url)
  std::string name;
  std::string kind;
};

struct ImportConfig {
  std::string data_dir = "kiln-data";
  std::vector<std::string> files;
  int threads = 4;  // chunks in flight
  bool text_search = false;
};

}  // namespace kiln::app
