// Users, their memberships, authorization codes and refresh tokens on SQLite
// (schema/008_users.sql): SqliteStore's methods for the authorization_code grant.
#include "store/sql/auth_sql.h"
#include "store/sqlite/auth_records.h"
#include "store/sqlite/sqlite_store.h"

namespace kiln::store::sqlite {

namespace {

using namespace sql;  // the statements (sql/auth_sql.h)

GrantRecord GrantFromRow(const Statement& s) {
  return GrantRecord{s.Text(0), s.Text(1), s.Text(2), TenantId{s.Text(3)}, s.Text(4), s.Text(5)};
}

Result<std::vector<Membership>> MembershipsOf(Connection& conn, const std::string& user) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(kMembershipsSql));
  s->BindStatic(1, user);
  return AllRows<Membership>(*s, [](const Statement& row) {
    return Membership{TenantId{row.Text(0)}, row.Text(1), row.Text(2), row.Text(3)};
  });
}

Result<std::vector<UserRecord>> Users(Connection& conn, const std::string& sql, const std::string* id) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(sql));
  if (id != nullptr) s->BindStatic(1, *id);
  KILN_TRY_ASSIGN(std::vector<UserRecord> users, AllRows<UserRecord>(*s, [](const Statement& row) {
                    return UserRecord{row.Text(0), row.Text(1), {}, row.Int(2)};
                  }));
  for (UserRecord& u : users) {
    KILN_TRY_ASSIGN(u.memberships, MembershipsOf(conn, u.id));
  }
  return users;
}

Result<> InsertMemberships(Connection& conn, const std::string& user, const std::vector<Membership>& ms) {
  for (const Membership& m : ms) {
    KILN_TRY(RunWith(conn, kInsertMembershipSql, {user, m.tenant.value, m.role, m.patient, m.label_access}));
  }
  return Ok{};
}

// Marks the row of `hash` used with `use_sql` after reading it with `select_sql`; `read` makes
// the record of the row. kNotFound for no row (or an expired one).
template <class T, class Read>
Result<T> UseOnce(const std::string& path, const std::string& select_sql, const std::string& use_sql,
                  const std::string& hash, Micros now, Read&& read) {
  T out;
  KILN_TRY(WriteTransaction(path, [&](Connection& conn) -> Result<> {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(select_sql));
    s->BindStatic(1, hash);
    s->Bind(2, now);
    KILN_TRY_ASSIGN(bool row, s->Step());
    if (!row) return Error::Make(Issue::kNotFound, "Unknown or expired");
    out = read(*s);
    s.reset();
    return RunWith(conn, use_sql, {hash});
  }));
  return out;
}

}  // namespace

Result<Ok> SqliteStore::CreateUser(const UserRecord& u) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kInsertUserSql, {u.id, u.password_hash, u.created}));
    if (sqlite3_changes(conn.handle()) == 0) {
      return Error::Make(Issue::kConflict, "A user with the id '" + u.id + "' exists already");
    }
    return InsertMemberships(conn, u.id, u.memberships);
  });
}

Result<UserRecord> SqliteStore::GetUser(const std::string& id) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(std::vector<UserRecord> users, Users(*conn, kSelectUserSql, &id));
  if (users.empty()) return Error::Make(Issue::kNotFound, "No user has the id '" + id + "'");
  return std::move(users.front());
}

Result<std::vector<UserRecord>> SqliteStore::ListUsers() {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  return Users(*conn, kListUsersSql, nullptr);
}

Result<Ok> SqliteStore::DeleteUser(const std::string& id) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kDeleteUserSql, {id}));
    if (sqlite3_changes(conn.handle()) == 0) {
      return Error::Make(Issue::kNotFound, "No user has the id '" + id + "'");
    }
    KILN_TRY(RunWith(conn, kDeleteMembershipsSql, {id}));
    KILN_TRY(RunWith(conn, kDeleteUserCodesSql, {id}));
    return RunWith(conn, kDeleteUserRefreshSql, {id});
  });
}

Result<Ok> SqliteStore::SetMemberships(const std::string& user, const std::vector<Membership>& memberships) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(kUserExistsSql));
    s->BindStatic(1, user);
    KILN_TRY_ASSIGN(bool exists, s->Step());
    s.reset();
    if (!exists) return Error::Make(Issue::kNotFound, "No user has the id '" + user + "'");
    KILN_TRY(RunWith(conn, kDeleteMembershipsSql, {user}));
    return InsertMemberships(conn, user, memberships);
  });
}

Result<Ok> SqliteStore::AddAuthCode(const AuthCodeRecord& c, Micros now) {
  const GrantRecord& g = c.grant;
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kForgetCodesSql, {now}));
    return RunWith(conn, kInsertCodeSql,
                   {c.code_hash, g.grant_id, g.client_id, g.user, g.tenant.value, g.scope, g.patient,
                    c.redirect_uri, c.code_challenge, c.expires});
  });
}

Result<AuthCodeRecord> SqliteStore::UseAuthCode(const std::string& code_hash, Micros now) {
  return UseOnce<AuthCodeRecord>(path_, kSelectCodeSql, kUseCodeSql, code_hash, now, [&](const Statement& s) {
    return AuthCodeRecord{code_hash, GrantFromRow(s), s.Text(6), s.Text(7), s.Int(8), s.Int(9) != 0};
  });
}

Result<Ok> SqliteStore::AddRefreshToken(const RefreshTokenRecord& t, Micros now) {
  const GrantRecord& g = t.grant;
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kForgetRefreshSql, {now}));
    return RunWith(
        conn, kInsertRefreshSql,
        {t.token_hash, g.grant_id, g.client_id, g.user, g.tenant.value, g.scope, g.patient, t.expires});
  });
}

Result<RefreshTokenRecord> SqliteStore::UseRefreshToken(const std::string& token_hash, Micros now) {
  return UseOnce<RefreshTokenRecord>(
      path_, kSelectRefreshSql, kUseRefreshSql, token_hash, now, [&](const Statement& s) {
        return RefreshTokenRecord{token_hash, GrantFromRow(s), s.Int(6), s.Int(7) != 0};
      });
}

Result<Ok> SqliteStore::RevokeGrant(const std::string& grant_id) {
  return WriteTransaction(
      path_, [&](Connection& conn) -> Result<> { return RunWith(conn, kRevokeGrantSql, {grant_id}); });
}

}  // namespace kiln::store::sqlite
