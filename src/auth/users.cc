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

// A membership of an active tenant, with a role, a patient id and a label access Kiln knows.
Result<Ok> CheckMembership(store::Store& store, const store::Membership& m) {
  if (!RoleNamed(m.role)) return Invalid("A role is owner, manager or reader, not '" + m.role + "'");
  bool patient_ok = m.patient.size() <= 64 && std::all_of(m.patient.begin(), m.patient.end(), [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
                    });
  if (!patient_ok) return Invalid("'" + m.patient + "' is not a Patient id");
  if (m.label_access != "" && m.label_access != "R" && m.label_access != "V") {
    return Invalid("A label access is R, V or none, not '" + m.label_access + "'");
  }
  KILN_TRY_ASSIGN(store::TenantInfo tenant, store.GetTenant(m.tenant));
  if (tenant.status != store::TenantStatus::kActive) {
    return Error::Make(Issue::kNotFound, "The tenant '" + m.tenant.value + "' is being deleted");
  }
  return Ok{};
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
  // The patient id's characters are checked where every membership is (CheckMembership).
  if (second != std::string_view::npos && m.patient.empty()) return Invalid("'' is not a Patient id");
  return m;
}

Result<std::string> LabelAccessLevel(std::string_view codes) {
  if (codes == "none") return std::string();
  // Confidentiality is ordered: the highest code given is the level (V sees R too).
  std::string level;
  for (size_t start = 0; start <= codes.size();) {
    size_t comma = std::min(codes.find(',', start), codes.size());
    std::string_view code = codes.substr(start, comma - start);
    if (code != "R" && code != "V")
      return Invalid("A label access is R, V, R,V or none, not '" + std::string(codes) + "'");
    if (level != "V") level = std::string(code);
    start = comma + 1;
  }
  return level;
}

Result<Ok> GrantLabelAccess(std::vector<store::Membership>& memberships, std::string_view text) {
  size_t colon = text.rfind(':');
  std::string form =
      "--label-access is TENANT:R, TENANT:V, TENANT:R,V or TENANT:none, not '" + std::string(text) + "'";
  if (colon == std::string_view::npos || colon == 0) return Invalid(form);
  auto level = LabelAccessLevel(text.substr(colon + 1));
  if (!level) return Invalid(form);
  store::TenantId tenant{std::string(text.substr(0, colon))};
  auto it = std::find_if(memberships.begin(), memberships.end(),
                         [&](const store::Membership& m) { return m.tenant == tenant; });
  if (it == memberships.end()) {
    return Invalid("A label access names '" + tenant.value + "', which the user is no member of");
  }
  it->label_access = std::move(level).value();
  return Ok{};
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
    KILN_TRY(CheckMembership(store, m));
    if (MembershipIn(user, m.tenant) != nullptr) {
      return Invalid("The user is a member of '" + m.tenant.value + "' once");
    }
    user.memberships.push_back(m);
  }
  KILN_TRY_ASSIGN(user.password_hash, HashSecret(spec.password));
  KILN_TRY(store.CreateUser(user));
  return user;
}

Result<store::UserRecord> ChangeMemberships(store::Store& store, const std::string& user_id,
                                            const MembershipChanges& changes) {
  KILN_TRY_ASSIGN(store::UserRecord user, store.GetUser(user_id));
  std::vector<store::Membership>& ms = user.memberships;
  for (const store::TenantId& tenant : changes.remove) {
    auto gone =
        std::remove_if(ms.begin(), ms.end(), [&](const store::Membership& m) { return m.tenant == tenant; });
    if (gone == ms.end()) {
      return Error::Make(Issue::kNotFound,
                         "The user '" + user_id + "' is no member of '" + tenant.value + "'");
    }
    ms.erase(gone, ms.end());
  }
  for (const store::Membership& m : changes.set) {
    KILN_TRY(CheckMembership(store, m));
    auto had =
        std::find_if(ms.begin(), ms.end(), [&](const store::Membership& x) { return x.tenant == m.tenant; });
    if (had == ms.end()) {
      ms.push_back(m);
    } else {
      had->role = m.role;
      had->patient = m.patient;
    }
  }
  for (const std::string& text : changes.label_access) KILN_TRY(GrantLabelAccess(ms, text));
  KILN_TRY(store.SetMemberships(user.id, ms));
  return user;
}

}  // namespace kiln::auth
