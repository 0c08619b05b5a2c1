// The JSON of the admin API's clients and users part (docs/security.md#the-admin-api-clients-and-users):
// request bodies read into what RegisterClient, RegisterUser and ChangeMemberships take, and
// client and user records written back without any secret or hash. Private to src/auth/.
#pragma once

#include <string>
#include <string_view>

#include "auth/auth.h"
#include "core/result.h"
#include "store/store.h"

namespace kiln::auth {

// A POST clients body: {"id", "scope", "secret"?, "jwks"? (a JWKS object), "tenant"?,
// "redirect_uris"?, "public"?, "label_access"? ("R", "V" or "R,V")}. With none of secret, jwks
// and public, the spec gets a new secret (NewClientSecret) and `made_up_secret` is set.
struct ClientBody {
  ClientSpec spec;
  bool made_up_secret = false;
};
// kInvalid (kRequired for a missing id or scope) for what is not such a body; unknown members
// are refused rather than ignored, so that a misspelt one does not go unnoticed.
Result<ClientBody> ReadClientBody(std::string_view body);

// A POST users body: {"id", "password"?, "memberships"? ([{"tenant", "role", "patient"?,
// "label_access"? ("R", "V", "R,V" or "none")}])}. Without a password, the spec gets a new one
// and `made_up_password` is set.
struct UserBody {
  UserSpec spec;
  bool made_up_password = false;
};
Result<UserBody> ReadUserBody(std::string_view body);

// A POST users/{id}/memberships body: {"remove"? (tenant names), "set"? (memberships as above;
// one with "label_access" grants it too), "label_access"? ({"TENANT": "R", ...})}, at least one
// of them not empty. kInvalid otherwise.
Result<MembershipChanges> ReadMembershipChanges(std::string_view body);

// {"id", "tenant", "scope", "public", "has_secret", "jwks"? (its public keys), "redirect_uris",
// "created"}; with `shown_secret` not empty, also "secret": it (the 201 of a made-up secret).
std::string ClientJson(const store::ClientRecord& client, std::string_view shown_secret = {});
// {"id", "memberships": [{"tenant", "role", "patient"?, "label_access"? ("R" or "V")}],
// "created"}; with `shown_password` not empty, also "password": it.
std::string UserJson(const store::UserRecord& user, std::string_view shown_password = {});

}  // namespace kiln::auth
