// Users, their memberships, authorization codes and refresh tokens on PostgreSQL
// (schema/003_users.sql): PgStore's methods for the authorization_code grant, with the SQL that
// SQLite runs (sql/auth_sql.h). Several Kiln processes may use one code or refresh token at
// once: reading it locks its row, so exactly one of them sees it unused.
#include "store/postgres/pg_store.h"
#include "store/sql/auth_sql.h"

namespace kiln::store::postgres {

namespace {

using namespace sql;  // the statements (sql/auth_sql.h)

const std::string kLockCodeSql = kSelectCodeSql + " FOR UPDATE";
const std::string kLockRefreshSql = kSelectRefreshSql + " FOR UPDATE";

GrantRecord GrantFromRow(const Rows& rows) {
  return GrantRecord{rows.Text(0, 0),           rows.Text(0, 1), rows.Text(0, 2),
                     TenantId{rows.Text(0, 3)}, rows.Text(0, 4), rows.Text(0, 5)};
}

Result<std::vector<UserRecord>> Users(Connection& conn, const std::string& sql, const Params& params) {
  KILN_TRY_ASSIGN(Rows rows, conn.Exec(sql, params));
  std::vector<UserRecord> users;
  for (int r = 0; r < rows.size(); ++r)
    users.push_back(UserRecord{rows.Text(r, 0), rows.Text(r, 1), {}, rows.Int(r, 2)});
  for (UserRecord& u : users) {
    KILN_TRY_ASSIGN(Rows ms, conn.Exec(kMembershipsSql, {u.id}));
    for (int r = 0; r < ms.size(); ++r)
      u.memberships.push_back(
          Membership{TenantId{ms.Text(r, 0)}, ms.Text(r, 1), ms.Text(r, 2), ms.Text(r, 3)});
  }
  return users;
}

Result<Ok> InsertMemberships(Connection& conn, const std::string& user, const std::vector<Membership>& ms) {
  for (const Membership& m : ms) {
    KILN_TRY(conn.Exec(kInsertMembershipSql, {user, m.tenant.value, m.role, m.patient, m.label_access}));
  }
  return Ok{};
}

// Reads the row of `hash` with `lock_sql` (which locks it) and marks it used with `use_sql`, in
// one transaction; `read` makes the record of the row. kNotFound for no row (or an expired one).
template <class T, class Read>
Result<T> UseOnce(Pool& pool, const std::string& lock_sql, const std::string& use_sql,
                  const std::string& hash, Micros now, Read&& read) {
  KILN_TRY_ASSIGN(auto lease, pool.Borrow());
  T out;
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(lock_sql, {hash, now}));
    if (rows.size() == 0) return Error::Make(Issue::kNotFound, "Unknown or expired");
    out = read(rows);
    KILN_TRY(lease->Exec(use_sql, {hash}));
    return Ok{};
  }));
  return out;
}

}  // namespace

Result<Ok> PgStore::CreateUser(const UserRecord& u) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(kInsertUserSql, {u.id, u.password_hash, u.created}));
    if (rows.affected() == 0)
      return Error::Make(Issue::kConflict, "A user with the id '" + u.id + "' exists already");
    return InsertMemberships(*lease, u.id, u.memberships);
  }));
  return Ok{};
}

Result<UserRecord> PgStore::GetUser(const std::string& id) {
  KILN_TRY_ASSIGN(std::vector<UserRecord> users,
                  pool_.WithRetry([&](Connection& conn) { return Users(conn, kSelectUserSql, {id}); }));
  if (users.empty()) return Error::Make(Issue::kNotFound, "No user has the id '" + id + "'");
  return std::move(users.front());
}

Result<std::vector<UserRecord>> PgStore::ListUsers() {
  return pool_.WithRetry([&](Connection& conn) { return Users(conn, kListUsersSql, {}); });
}

Result<Ok> PgStore::DeleteUser(const std::string& id) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(kDeleteUserSql, {id}));
    if (rows.affected() == 0) return Error::Make(Issue::kNotFound, "No user has the id '" + id + "'");
    KILN_TRY(lease->Exec(kDeleteMembershipsSql, {id}));
    KILN_TRY(lease->Exec(kDeleteUserCodesSql, {id}));
    KILN_TRY(lease->Exec(kDeleteUserRefreshSql, {id}));
    return Ok{};
  }));
  return Ok{};
}

Result<Ok> PgStore::SetMemberships(const std::string& user, const std::vector<Membership>& memberships) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    // Locking the user's row orders this after (or before) a concurrent DeleteUser.
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(kUserExistsSql + " FOR UPDATE", {user}));
    if (rows.size() == 0) return Error::Make(Issue::kNotFound, "No user has the id '" + user + "'");
    KILN_TRY(lease->Exec(kDeleteMembershipsSql, {user}));
    return InsertMemberships(*lease, user, memberships);
  }));
  return Ok{};
}

Result<Ok> PgStore::AddAuthCode(const AuthCodeRecord& c, Micros now) {
  const GrantRecord& g = c.grant;
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(lease->Exec(kForgetCodesSql, {now}));
  KILN_TRY(lease->Exec(kInsertCodeSql, {c.code_hash, g.grant_id, g.client_id, g.user, g.tenant.value, g.scope,
                                        g.patient, c.redirect_uri, c.code_challenge, c.expires}));
  return Ok{};
}

Result<AuthCodeRecord> PgStore::UseAuthCode(const std::string& code_hash, Micros now) {
  return UseOnce<AuthCodeRecord>(pool_, kLockCodeSql, kUseCodeSql, code_hash, now, [&](const Rows& rows) {
    return AuthCodeRecord{code_hash,       GrantFromRow(rows), rows.Text(0, 6),
                          rows.Text(0, 7), rows.Int(0, 8),     rows.Int(0, 9) != 0};
  });
}

Result<Ok> PgStore::AddRefreshToken(const RefreshTokenRecord& t, Micros now) {
  const GrantRecord& g = t.grant;
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(lease->Exec(kForgetRefreshSql, {now}));
  KILN_TRY(lease->Exec(kInsertRefreshSql, {t.token_hash, g.grant_id, g.client_id, g.user, g.tenant.value,
                                           g.scope, g.patient, t.expires}));
  return Ok{};
}

Result<RefreshTokenRecord> PgStore::UseRefreshToken(const std::string& token_hash, Micros now) {
  return UseOnce<RefreshTokenRecord>(
      pool_, kLockRefreshSql, kUseRefreshSql, token_hash, now, [&](const Rows& rows) {
        return RefreshTokenRecord{token_hash, GrantFromRow(rows), rows.Int(0, 6), rows.Int(0, 7) != 0};
      });
}

Result<Ok> PgStore::RevokeGrant(const std::string& grant_id) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(lease->Exec(kRevokeGrantSql, {grant_id}));
  return Ok{};
}

}  // namespace kiln::store::postgres
