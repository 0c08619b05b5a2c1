// The rules for tenant names and for making and removing tenants.
#include <algorithm>

#include "tenant/tenant.h"

namespace kiln::tenant {

const std::vector<std::string_view>& ReservedNames() {
  // Hosts a deployment commonly has beside its tenants, paths of this server, and names that
  // would read as the server's own.
  static const std::vector<std::string_view> kReserved = {
      "admin", "api",       "app",    "auth",    "default", "docs", "fhir",   "ftp",     "help",   "imap",
      "kiln",  "localhost", "login",  "logout",  "mail",    "ns",   "oauth",  "pop",     "portal", "root",
      "smtp",  "static",    "status", "support", "system",  "t",    "tenant", "tenants", "www"};
  return kReserved;
}

Result<Ok> CheckName(std::string_view name) {
  auto bad = [&](std::string why) {
    return Error::Make(Issue::kInvalid, "Tenant name '" + std::string(name) + "' " + why);
  };
  if (name.empty() || name.size() > 63) return bad("must have 1 to 63 characters");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return bad("may hold only lower-case letters, digits and hyphens");
  }
  if (name.front() == '-' || name.back() == '-') return bad("must not start or end with a hyphen");
  const auto& reserved = ReservedNames();
  if (std::find(reserved.begin(), reserved.end(), name) != reserved.end()) return bad("is reserved");
  return Ok{};
}

Result<store::TenantInfo> Create(store::Store& store, const Clock& clock, std::string_view name,
                                 std::string_view kind) {
  KILN_TRY(CheckName(name));
  auto parsed = store::TenantKindNamed(kind);
  if (!parsed) {
    return Error::Make(Issue::kInvalid,
                       "Tenant kind '" + std::string(kind) + "' is not one of organization, person");
  }
  return store.CreateTenant(store::TenantInfo{store::TenantId{std::string(name)}, *parsed, clock.Now()});
}

Result<Ok> Delete(store::Store& store, std::string_view name) {
  return store.DeleteTenant(store::TenantId{std::string(name)});
}

}  // namespace kiln::tenant
