// User accounts and their memberships: what `kiln user` registers and /auth/authorize signs in.
#include <algorithm>
#include <cctype>

#include "auth/auth.h"
#include "auth/secrets.h"
#include "auth/users.h"

namespace kiln::auth {

namespace {

constexpr size_t kMinPassword = 8;

Error Invalid(std::string message) { return Error::Make(Issue::kInvalid, std::move(message)); }

bool IdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' || c == '@';
}

}  // namespace

std::optional<Role> RoleNamed(std::string_view name) {
  if (name == "owner") return Role::kOwner;
  if (name == "manager") return Role::kManager;
  if (name == "reader") return Role::kReader;
  return std::nullopt;
}

uint8_t RolePermissions(Role role) {
  constexpr uint8_t kReadAndSearch =
      static_cast<uint8_t>(rest::Permission::kRead) | static_cast<uint8_t>(rest::Permission::kSearch);
  return role == Role::kReader ? kReadAndSearch : 0x1f;
}

const store::Membership* MembershipIn(const store::UserRecord& user, const store::TenantId& tenant) {
  auto it = std::find_if(user.memberships.begin(), user.memberships.end(),
                         [&](const store::Membership& m) { return m.tenant == tenant; });
  return it == user.memberships.end() ? nullptr : &*it;
}

Result<store::Membership> ParseMembership(std::string_view text) {
  size_t first = text.find(':');
  size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (first == std::string_view::npos || first == 0) {
    return Invalid("A membership is TENANT:ROLE or TENANT:ROLE:PATIENT-ID, not '" + std::string(text) + "'");
  }
  store::Membership m;
  m.tenant = store::TenantId{std::string(text.substr(0, first))};
  m.role =
      std::string(text.substr(first + 1, second == std::string_view::npos ? second : second - first - 1));
  if (second != std::string_view::npos) m.patient = std::string(text.substr(second + 1));
  if (!RoleNamed(m.role)) return Invalid("A role is owner, manager or reader, not '" + m.role + "'");
  bool patient_ok = std::all_of(m.patient.begin(), m.patient.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
  });
  if (!patient_ok || m.patient.size() > 64 || (second != std::string_view::npos && m.patient.empty())) {
    return Invalid("'" + m.patient + "' is not a Patient id");
  }
  return m;
}

Result<store::UserRecord> RegisterUser(store::Store& store, const UserSpec& spec, Micros now) {
  if (spec.id.empty() || spec.id.size() > 128 || !std::all_of(spec.id.begin(), spec.id.end(), IdChar)) {
    return Invalid("A user id is 1 to 128 of A-Z a-z 0-9 . _ - @");
  }
  if (spec.password.size() < kMinPassword) {
    return Invalid("A password has at least " + std::to_string(kMinPassword) + " characters");
  }
  store::UserRecord user;
  user.id = spec.id;
  user.created = now;
  for (const store::Membership& m : spec.memberships) {
    if (!RoleNamed(m.role)) return Invalid("A role is owner, manager or reader, not '" + m.role + "'");
    KILN_TRY_ASSIGN(store::TenantInfo tenant, store.GetTenant(m.tenant));
    if (tenant.status != store::TenantStatus::kActive) {
      return Error::Make(Issue::kNotFound, "The tenant '" + m.tenant.value + "' is being deleted");
    }
    if (MembershipIn(user, m.tenant) != nullptr) {
      return Invalid("The user is a member of '" + m.tenant.value + "' once");
    }
    user.memberships.push_back(m);
  }
  KILN_TRY_ASSIGN(user.password_hash, HashSecret(spec.password));
  KILN_TRY(store.CreateUser(user));
  return user;
}

}  // namespace kiln::auth
