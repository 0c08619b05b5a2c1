#include "app/tenant_cli.h"

#include "app/cli.h"

#include <iostream>

#include "store/store.h"
#include "tenant/tenant.h"

namespace kiln::app {

namespace {

void AddStoreOption(CLI::App& cmd, TenantConfig& cfg) { AddDataDirOption(cmd, cfg.storage); }

int Fail(const Error& e) { return CommandFailed("tenant", e); }

int List(store::Store& store) {
  auto tenants = store.ListTenants();
  if (!tenants) return Fail(tenants.error());
  std::cout << "name\tkind\tcreated\tstatus\n";
  for (const store::TenantInfo& t : *tenants) {
    std::cout << t.id.value << '\t' << store::TenantKindName(t.kind) << '\t' << FormatInstant(t.created)
              << '\t' << (t.status == store::TenantStatus::kActive ? "active" : "deleting") << '\n';
  }
  return 0;
}

}  // namespace

CLI::App* AddTenantCommand(CLI::App& app, TenantConfig& cfg) {
  auto* cmd = app.add_subcommand("tenant", "Create, list and delete tenants");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand("create", "Create a tenant");
  create->add_option("name", cfg.name, "The tenant's name (a DNS label)")->required();
  create->add_option("--kind", cfg.kind, "person or organization")
      ->required()
      ->check(CLI::IsMember({"person", "organization"}));
  AddStoreOption(*create, cfg);
  auto* list = cmd->add_subcommand("list", "List the tenants");
  AddStoreOption(*list, cfg);
  auto* remove = cmd->add_subcommand("delete", "Delete a tenant and all of its data");
  remove->add_option("name", cfg.name, "The tenant's name")->required();
  AddStoreOption(*remove, cfg);
  return cmd;
}

int RunTenantCommand(const CLI::App& tenant_cmd, const TenantConfig& cfg) {
  auto store = store::OpenStore({cfg.storage.url(), 1});
  if (!store) return Fail(store.error());
  if (tenant_cmd.got_subcommand("list")) return List(**store);
  if (tenant_cmd.got_subcommand("create")) {
    SystemClock clock;
    auto made = tenant::Create(**store, clock, cfg.name, cfg.kind);
    if (!made) return Fail(made.error());
    std::cout << "created tenant " << made->id.value << " (" << store::TenantKindName(made->kind) << ")\n";
    return 0;
  }
  if (auto deleted = tenant::Delete(**store, cfg.name); !deleted) return Fail(deleted.error());
  std::cout << "deleted tenant " << cfg.name << "\n";
  return 0;
}

}  // namespace kiln::app
