// The SQL of the authorization server's records (auth_client, auth_signing_key,
// auth_used_assertion, auth_revoked_token), the same on both SQL backends: `?` placeholders
// (sql_text.h). Private to src/store/.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace kiln::store::sql {

inline const std::string kClientColumns =
    "id, tenant, secret_hash, secret_sealed, scope, jwks, created, redirect_uris, public";
inline const std::string kSelectClientSql = "SELECT " + kClientColumns + " FROM auth_client WHERE id = ?";
inline const std::string kListClientsSql = "SELECT " + kClientColumns + " FROM auth_client ORDER BY id";
inline const std::string kInsertClientSql =
    "INSERT INTO auth_client (" + kClientColumns +
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING";
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
