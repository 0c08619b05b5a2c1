#include "app/user_cli.h"

#include <iostream>

#include "app/cli.h"
#include "auth/auth.h"
#include "store/store.h"

namespace kiln::app {

namespace {

int Create(store::Store& store, const UserConfig& cfg) {
  auth::UserSpec spec;
  spec.id = cfg.id;
  spec.password = cfg.generate_password ? auth::NewClientSecret() : cfg.password;
  for (const std::string& text : cfg.members) {
    auto m = auth::ParseMembership(text);
    if (!m) return CommandFailed("user", m.error());
    spec.memberships.push_back(std::move(m).value());
  }
  SystemClock clock;
  auto made = auth::RegisterUser(store, spec, clock.Now());
  if (!made) return CommandFailed("user", made.error());
  std::cout << "created user " << made->id << " (" << made->memberships.size() << " memberships)\n";
  if (cfg.generate_password) std::cout << "password (shown this once): " << spec.password << "\n";
  return 0;
}

int List(store::Store& store) {
  auto users = store.ListUsers();
  if (!users) return CommandFailed("user", users.error());
  std::cout << "id\tmemberships\tcreated\n";
  for (const store::UserRecord& u : *users) {
    std::string members;
    for (const store::Membership& m : u.memberships) {
      members += (members.empty() ? "" : " ") + m.tenant.value + ":" + m.role;
      if (!m.patient.empty()) members += ":" + m.patient;
    }
    std::cout << u.id << '\t' << members << '\t' << FormatInstant(u.created) << '\n';
  }
  return 0;
}

}  // namespace

CLI::App* AddUserCommand(CLI::App& app, UserConfig& cfg) {
  auto* cmd = app.add_subcommand("user", "Register, list and delete the users who sign in to apps");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand("create", "Register a user");
  create->add_option("--id", cfg.id, "The user id (what they sign in with)")->required();
  auto* password = create->add_option("--password", cfg.password, "Their password (at least 8 characters)");
  create->add_flag("--generate-password", cfg.generate_password, "Make up a password and print it")
      ->excludes(password);
  create->add_option("--member", cfg.members,
                     "A tenant they may act in: TENANT:ROLE or TENANT:ROLE:PATIENT-ID, ROLE owner, manager "
                     "or reader (repeatable)");
  create->callback([&cfg, password] {
    if (password->count() == 0 && !cfg.generate_password)
      throw CLI::RequiredError("--password (or --generate-password)");
  });
  AddDataDirOption(*create, cfg.storage);
  AddDataDirOption(*cmd->add_subcommand("list", "List the users and their memberships"), cfg.storage);
  auto* remove = cmd->add_subcommand("delete", "Delete a user and their memberships");
  remove->add_option("id", cfg.id, "The user id")->required();
  AddDataDirOption(*remove, cfg.storage);
  return cmd;
}

int RunUserCommand(const CLI::App& user_cmd, const UserConfig& cfg) {
  auto store = store::OpenStore({cfg.storage.url(), 1});
  if (!store) return CommandFailed("user", store.error());
  if (user_cmd.got_subcommand("list")) return List(**store);
  if (user_cmd.got_subcommand("create")) return Create(**store, cfg);
  if (auto deleted = (*store)->DeleteUser(cfg.id); !deleted) return CommandFailed("user", deleted.error());
  std::cout << "deleted user " << cfg.id << "\n";
  return 0;
}

}  // namespace kiln::app
