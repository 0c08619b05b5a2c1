#include "app/user_cli.h"

#include <iostream>

#include "app/cli.h"
#include "auth/auth.h"
#include "store/store.h"

namespace kiln::app {

namespace {

Result<std::vector<store::Membership>> Memberships(const std::vector<std::string>& texts) {
  std::vector<store::Membership> out;
  for (const std::string& text : texts) {
    KILN_TRY_ASSIGN(store::Membership m, auth::ParseMembership(text));
    out.push_back(std::move(m));
  }
  return out;
}

// "TENANT:ROLE[:PATIENT]", as --member takes it.
std::string Describe(const store::Membership& m) {
  std::string out = m.tenant.value + ":" + m.role;
  if (!m.patient.empty()) out += ":" + m.patient;
  return out;
}

int Create(store::Store& store, const UserConfig& cfg) {
  auth::UserSpec spec;
  spec.id = cfg.id;
  spec.password = cfg.generate_password ? auth::NewClientSecret() : cfg.password;
  auto memberships = Memberships(cfg.members);
  if (!memberships) return CommandFailed("user", memberships.error());
  spec.memberships = std::move(memberships).value();
  for (const std::string& text : cfg.label_access) {
    if (auto granted = auth::GrantLabelAccess(spec.memberships, text); !granted)
      return CommandFailed("user", granted.error());
  }
  SystemClock clock;
  auto made = auth::RegisterUser(store, spec, clock.Now());
  if (!made) return CommandFailed("user", made.error());
  std::cout << "created user " << made->id << " (" << made->memberships.size() << " memberships)\n";
  if (cfg.generate_password) std::cout << "password (shown this once): " << spec.password << "\n";
  return 0;
}

int Update(store::Store& store, const UserConfig& cfg) {
  auth::MembershipChanges changes;
  for (const std::string& tenant : cfg.remove_members) changes.remove.push_back(store::TenantId{tenant});
  auto memberships = Memberships(cfg.members);
  if (!memberships) return CommandFailed("user", memberships.error());
  changes.set = std::move(memberships).value();
  changes.label_access = cfg.label_access;
  auto changed = auth::ChangeMemberships(store, cfg.id, changes);
  if (!changed) return CommandFailed("user", changed.error());
  std::string members;
  for (const store::Membership& m : changed->memberships) {
    members += " " + Describe(m);
    if (!m.label_access.empty()) members += " (label access " + m.label_access + ")";
  }
  std::cout << "updated user " << changed->id << ":" << (members.empty() ? " no memberships" : members)
            << "\n";
  return 0;
}

// One line a user: the memberships, and the label access of those that have one (TENANT:R or
// TENANT:V), in columns of their own.
int List(store::Store& store) {
  auto users = store.ListUsers();
  if (!users) return CommandFailed("user", users.error());
  std::cout << "id\tmemberships\tlabel access\tcreated\n";
  for (const store::UserRecord& u : *users) {
    std::string members, labels;
    for (const store::Membership& m : u.memberships) {
      members += (members.empty() ? "" : " ") + Describe(m);
      if (!m.label_access.empty())
        labels += (labels.empty() ? "" : " ") + m.tenant.value + ":" + m.label_access;
    }
    std::cout << u.id << '\t' << members << '\t' << labels << '\t' << FormatInstant(u.created) << '\n';
  }
  return 0;
}

}  // namespace

CLI::App* AddUserCommand(CLI::App& app, UserConfig& cfg) {
  auto* cmd = app.add_subcommand("user", "Register, change, list and delete the users who sign in to apps");
  cmd->require_subcommand(1);
  auto* create = cmd->add_subcommand("create", "Register a user");
  create->add_option("--id", cfg.id, "The user id (what they sign in with)")->required();
  auto* password = create->add_option("--password", cfg.password, "Their password (at least 8 characters)");
  create->add_flag("--generate-password", cfg.generate_password, "Make up a password and print it")
      ->excludes(password);
  create->add_option("--member", cfg.members,
                     "A tenant they may act in: TENANT:ROLE or TENANT:ROLE:PATIENT-ID, ROLE owner, manager "
                     "or reader (repeatable)");
  create->add_option(
      "--label-access", cfg.label_access,
      "Security labels their tokens may see in a tenant they are a member of: TENANT:R "
      "(restricted), TENANT:V (very restricted, and R), TENANT:R,V, or TENANT:none (repeatable)");
  create->callback([&cfg, password] {
    if (password->count() == 0 && !cfg.generate_password)
      throw CLI::RequiredError("--password (or --generate-password)");
  });
  AddDataDirOption(*create, cfg.storage);
  auto* update = cmd->add_subcommand(
      "update", "Change a user's memberships: remove some, add or change others, grant label access");
  update->add_option("--id", cfg.id, "The user id")->required();
  update->add_option("--remove-member", cfg.remove_members,
                     "A tenant they are no longer a member of (repeatable)");
  update->add_option("--member", cfg.members,
                     "A membership to add, or whose role and patient to change: TENANT:ROLE or "
                     "TENANT:ROLE:PATIENT-ID (repeatable); its label access stays");
  update->add_option("--label-access", cfg.label_access,
                     "TENANT:R, TENANT:V, TENANT:R,V or TENANT:none: the security labels their tokens "
                     "in that tenant may see from now on (repeatable)");
  update->callback([&cfg] {
    if (cfg.remove_members.empty() && cfg.members.empty() && cfg.label_access.empty())
      throw CLI::RequiredError("--member, --remove-member or --label-access");
  });
  AddDataDirOption(*update, cfg.storage);
  AddDataDirOption(*cmd->add_subcommand("list", "List the users, their memberships and label access"),
                   cfg.storage);
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
  if (user_cmd.got_subcommand("update")) return Update(**store, cfg);
  if (auto deleted = (*store)->DeleteUser(cfg.id); !deleted) return CommandFailed("user", deleted.error());
  std::cout << "deleted user " << cfg.id << "\n";
  return 0;
}

}  // namespace kiln::app
