// auth: `kiln user create --id ID --password P|--generate-password [--member TENANT:ROLE[:PATIENT]]...
// [--label-access TENANT:CODES]...`, `kiln user update --id ID [--remove-member TENANT]... [--member
// ...]... [--label-access ...]...`, `kiln user list`, `kiln user delete ID`: the users who sign in to
// apps at /auth/authorize (docs/security.md). Like `kiln client`, they work while a server runs on
// the same data.
#pragma once

#include <CLI/CLI.hpp>

#include "app/config.h"

namespace kiln::app {

CLI::App* AddUserCommand(CLI::App& app, UserConfig& cfg);
// Runs the subcommand given; the process's exit status.
int RunUserCommand(const CLI::App& user_cmd, const UserConfig& cfg);

}  // namespace kiln::app
