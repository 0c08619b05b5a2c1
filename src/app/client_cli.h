// auth: `kiln client create --id ID --secret S|--generate-secret --scope "system/*.rs" [--tenant
// NAME] [--jwks FILE|URL]`, `kiln client list`, `kiln client delete ID`, and `kiln key rotate|list`
// for the keys that sign access tokens (docs/security.md). They open the store as a second
// writer, so they work while a server runs on the same data: a running server sees a new or
// deleted client at its next token request, and signs with a new key within a minute.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "app/config.h"

namespace kiln::app {

// Adds the `client` and `key` commands to `app`, filling `cfg`.
CLI::App* AddClientCommand(CLI::App& app, ClientConfig& cfg);
CLI::App* AddKeyCommand(CLI::App& app, ClientConfig& cfg);
// Runs the subcommand given; the process's exit status.
int RunClientCommand(const CLI::App& client_cmd, const ClientConfig& cfg);
int RunKeyCommand(const CLI::App& key_cmd, const ClientConfig& cfg);

// The key file of the store `storage` names: beside a SQLite database, else in the data directory;
// `configured` when given, else auth.key beside the database.
std::string AuthKeyFile(const StoreConfig& storage, const std::string& configured);

}  // namespace kiln::app
