// `kiln tenant create NAME --kind person|organization`, `kiln tenant list`, `kiln tenant delete
// NAME` (docs/tenants.md). They open the store as a second writer, so they work while a server
// runs on the same data; the server sees a new tenant on its first request, and stops serving a
// deleted one within a second.
#pragma once

#include <CLI/CLI.hpp>

#include "app/config.h"

namespace kiln::app {

// Adds the `tenant` command and its subcommands to `app`, filling `cfg`.
CLI::App* AddTenantCommand(CLI::App& app, TenantConfig& cfg);
// Runs the subcommand of `tenant` that was given; the process's exit status.
int RunTenantCommand(const CLI::App& tenant_cmd, const TenantConfig& cfg);

}  // namespace kiln::app
