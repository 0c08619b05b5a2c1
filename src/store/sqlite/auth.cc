// The authorization server's records on SQLite (schema/007_auth.sql): SqliteStore's client,
// signing key, assertion and revocation methods. They are rare next to resource writes, so each
// write opens a connection of its own and commits durably (synchronous=FULL) right away.
#include <functional>
#include <variant>

#include "store/sql/auth_sql.h"
#include "store/sqlite/auth_records.h"
#include "store/sqlite/sqlite_store.h"

namespace kiln::store::sqlite {

namespace {

using namespace sql;  // the auth statements (sql/auth_sql.h)

constexpr int kAuthCacheKib = 1024;

ClientRecord ClientFromRow(const Statement& s) {
  ClientRecord c;
  c.id = s.Text(0);
  c.tenant = TenantId{s.Text(1)};
  c.secret_hash = s.Text(2);
  c.secret_sealed = s.Text(3);
  c.scope = s.Text(4);
  c.jwks = s.Text(5);
  c.created = s.Int(6);
  c.redirect_uris = SplitWords(s.Text(7));
  c.is_public = s.Int(8) != 0;
  c.jwks_uri = s.Text(9);
  return c;
}

}  // namespace

Result<> WriteTransaction(const std::string& path, const std::function<Result<>(Connection&)>& body) {
  KILN_TRY_ASSIGN(auto conn, Connection::Open(path, kAuthCacheKib));
  KILN_TRY(conn->Run("BEGIN IMMEDIATE"));
  Result<> done = body(*conn);
  if (done) done = conn->Run("COMMIT");
  if (!done) (void)conn->Exec("ROLLBACK");
  return done;
}

Result<> RunWith(Connection& conn, const std::string& sql, std::initializer_list<SqlValue> values) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(sql));
  int i = 0;
  for (const SqlValue& v : values) {
    ++i;
    if (const auto* text = std::get_if<std::string_view>(&v)) {
      s->BindStatic(i, *text);
    } else {
      s->Bind(i, std::get<int64_t>(v));
    }
  }
  return s->Run();
}

Result<Ok> SqliteStore::CreateClient(const ClientRecord& c) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kInsertClientSql,
                     {c.id, c.tenant.value, c.secret_hash, c.secret_sealed, c.scope, c.jwks, c.created,
                      JoinWords(c.redirect_uris), int64_t{c.is_public ? 1 : 0}, c.jwks_uri}));
    if (sqlite3_changes(conn.handle()) == 0) {
      return Error::Make(Issue::kConflict, "A client with the id '" + c.id + "' exists already");
    }
    return Ok{};
  });
}

Result<ClientRecord> SqliteStore::GetClient(const std::string& id) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kSelectClientSql));
  s->BindStatic(1, id);
  KILN_TRY_ASSIGN(bool row, s->Step());
  if (!row) return Error::Make(Issue::kNotFound, "No client has the id '" + id + "'");
  return ClientFromRow(*s);
}

Result<std::vector<ClientRecord>> SqliteStore::ListClients() {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kListClientsSql));
  return AllRows<ClientRecord>(*s, ClientFromRow);
}

Result<Ok> SqliteStore::DeleteClient(const std::string& id) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kDeleteClientSql, {id}));
    if (sqlite3_changes(conn.handle()) == 0) {
      return Error::Make(Issue::kNotFound, "No client has the id '" + id + "'");
    }
    KILN_TRY(RunWith(conn, kDeleteClientCodesSql, {id}));
    return RunWith(conn, kDeleteClientRefreshSql, {id});
  });
}

Result<Ok> SqliteStore::AddSigningKey(const SigningKeyRecord& key) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kRetireKeysSql, {key.created}));
    return RunWith(conn, kInsertKeySql, {key.kid, key.alg, key.private_key, key.created});
  });
}

Result<std::vector<SigningKeyRecord>> SqliteStore::SigningKeys() {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kListKeysSql));
  return AllRows<SigningKeyRecord>(*s, [](const Statement& row) {
    return SigningKeyRecord{row.Text(0), row.Text(1), row.Text(2), row.Int(3), row.Int(4)};
  });
}

Result<Ok> SqliteStore::UseAssertion(const std::string& client_id, const std::string& jti, Micros expires,
                                     Micros now) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    // An assertion past its exp is refused before it gets here, so its jti need not be kept.
    KILN_TRY(RunWith(conn, kForgetAssertionsSql, {now}));
    KILN_TRY(RunWith(conn, kUseAssertionSql, {client_id, jti, expires}));
    if (sqlite3_changes(conn.handle()) == 0) {
      return Error::Make(Issue::kConflict, "The assertion was used before");
    }
    return Ok{};
  });
}

Result<Ok> SqliteStore::RevokeToken(const std::string& jti, Micros expires, Micros now) {
  return WriteTransaction(path_, [&](Connection& conn) -> Result<> {
    KILN_TRY(RunWith(conn, kForgetRevokedSql, {now}));
    return RunWith(conn, kRevokeSql, {jti, expires});
  });
}

Result<bool> SqliteStore::IsTokenRevoked(const std::string& jti) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto s, conn->Prepare(kIsRevokedSql));
  s->BindStatic(1, jti);
  return s->Step();
}

}  // namespace kiln::store::sqlite
