// The SQL of the authorization server's records (auth_client, auth_signing_key,
// auth_used_assertion, auth_revoked_token; auth_user, auth_membership, auth_code,
// auth_refresh_token), the same on both SQL backends: `?` placeholders (sql_text.h). Private to
// src/store/.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::store::sql {

inline const std::string kClientColumns =
    "id, tenant, secret_hash, secret_sealed, scope, jwks, created, redirect_uris, public, jwks_uri";
inline const std::string kSelectClientSql = "SELECT " + kClientColumns + " FROM auth_client WHERE id = ?";
inline const std::string kListClientsSql = "SELECT " + kClientColumns + " FROM auth_client ORDER BY id";
inline const std::string kInsertClientSql =
    "INSERT INTO auth_client (" + kClientColumns +
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";
inline const std::string kDeleteClientSql = "DELETE FROM auth_client WHERE id = ?";
inline const std::string kListKeysSql =
    "SELECT kid, alg, private_key, created, retired FROM auth_signing_key ORDER BY created DESC, kid";
inline const std::string kRetireKeysSql = "UPDATE auth_signing_key SET retired = ? WHERE retired = 0";
inline const std::string kInsertKeySql =
    "INSERT INTO auth_signing_key (kid, alg, private_key, created, retired) VALUES (?, ?, ?, ?, 0)";
inline const std::string kForgetAssertionsSql = "DELETE FROM auth_used_assertion WHERE expires <= ?";
inline const std::string kUseAssertionSql =
    "INSERT INTO auth_used_assertion (client_id, jti, expires) VALUES (?, ?, ?)"
    " ON CONFLICT (client_id, jti) DO NOTHING";
inline const std::string kForgetRevokedSql = "DELETE FROM auth_revoked_token WHERE expires <= ?";
inline const std::string kRevokeSql =
    "INSERT INTO auth_revoked_token (jti, expires) VALUES (?, ?) ON CONFLICT (jti) DO NOTHING";
inline const std::string kIsRevokedSql = "SELECT 1 FROM auth_revoked_token WHERE jti = ?";

// Users and their memberships (the authorization_code grant).
inline const std::string kInsertUserSql =
    "INSERT INTO auth_user (id, password_hash, created) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING";
inline const std::string kInsertMembershipSql =
    "INSERT INTO auth_membership (user_id, tenant, role, patient, label_access) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (user_id, tenant) DO UPDATE SET role = excluded.role, patient = excluded.patient,"
    " label_access = excluded.label_access";
inline const std::string kSelectUserSql = "SELECT id, password_hash, created FROM auth_user WHERE id = ?";
inline const std::string kListUsersSql = "SELECT id, password_hash, created FROM auth_user ORDER BY id";
inline const std::string kMembershipsSql =
    "SELECT tenant, role, patient, label_access FROM auth_membership WHERE user_id = ? ORDER BY tenant";
// SetMemberships: whether the user exists (a backend with concurrent transactions locks its row).
inline const std::string kUserExistsSql = "SELECT 1 FROM auth_user WHERE id = ?";
inline const std::string kDeleteUserSql = "DELETE FROM auth_user WHERE id = ?";
inline const std::string kDeleteMembershipsSql = "DELETE FROM auth_membership WHERE user_id = ?";
// A deleted tenant's: a new tenant of the same name must not inherit the old one's members.
inline const std::string kDeleteTenantMembershipsSql = "DELETE FROM auth_membership WHERE tenant = ?";

// Authorization codes and refresh tokens. A grant's columns, in the order both tables have them.
// The Select* statements read a row that is not expired, to be marked used by Use*: a backend
// whose transactions may run concurrently locks it as it reads it (FOR UPDATE), so that a code
// or token used twice at once is seen used by one of the two.
inline const std::string kGrantColumns = "grant_id, client_id, user_id, tenant, scope, patient";
inline const std::string kForgetCodesSql = "DELETE FROM auth_code WHERE expires <= ?";
inline const std::string kInsertCodeSql = "INSERT INTO auth_code (code_hash, " + kGrantColumns +
                                          ", redirect_uri, code_challenge, expires, used)"
                                          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)";
inline const std::string kSelectCodeSql = "SELECT " + kGrantColumns +
                                          ", redirect_uri, code_challenge, expires, used FROM auth_code"
                                          " WHERE code_hash = ? AND expires > ?";
inline const std::string kUseCodeSql = "UPDATE auth_code SET used = 1 WHERE code_hash = ?";
inline const std::string kForgetRefreshSql = "DELETE FROM auth_refresh_token WHERE expires <= ?";
inline const std::string kInsertRefreshSql = "INSERT INTO auth_refresh_token (token_hash, " + kGrantColumns +
                                             ", expires, used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)";
inline const std::string kSelectRefreshSql = "SELECT " + kGrantColumns +
                                             ", expires, used FROM auth_refresh_token"
                                             " WHERE token_hash = ? AND expires > ?";
inline const std::string kUseRefreshSql = "UPDATE auth_refresh_token SET used = 1 WHERE token_hash = ?";
inline const std::string kRevokeGrantSql = "DELETE FROM auth_refresh_token WHERE grant_id = ?";
// A deleted client's or user's: one registered again under the same id must not inherit them.
inline const std::string kDeleteClientCodesSql = "DELETE FROM auth_code WHERE client_id = ?";
inline const std::string kDeleteClientRefreshSql = "DELETE FROM auth_refresh_token WHERE client_id = ?";
inline const std::string kDeleteUserCodesSql = "DELETE FROM auth_code WHERE user_id = ?";
inline const std::string kDeleteUserRefreshSql = "DELETE FROM auth_refresh_token WHERE user_id = ?";

// auth_client.redirect_uris holds a client's redirect URIs separated by spaces (which a URI
// cannot contain).
inline std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> out;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = std::min(text.find(' ', pos), text.size());
    if (end > pos) out.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

inline std::string JoinWords(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace kiln::store::sql
