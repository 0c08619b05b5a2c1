// Users' roles in the tenants they are members of (docs/security.md): owner and manager may do
// everything their scopes allow there, a reader only read and search. Private to src/auth/.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "rest/rest.h"
#include "store/store.h"

namespace kiln::auth {

enum class Role { kOwner, kManager, kReader };

std::optional<Role> RoleNamed(std::string_view name);
// The rest::Permission bits a role allows (user/ and patient/ scopes are narrowed to them).
uint8_t RolePermissions(Role role);
// The user's membership of `tenant`; null when there is none.
const store::Membership* MembershipIn(const store::UserRecord& user, const store::TenantId& tenant);

}  // namespace kiln::auth
