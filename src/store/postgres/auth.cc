// The authorization server's records on PostgreSQL (001_initial.sql): PgStore's client, signing
// key, assertion and revocation methods. Each write is one short transaction.
#include "store/postgres/pg_store.h"
#include "store/sql/auth_sql.h"

namespace kiln::store::postgres {

namespace {

using namespace sql;  // the auth statements (sql/auth_sql.h)

ClientRecord ClientFromRow(const Rows& rows, int r) {
  ClientRecord c;
  c.id = rows.Text(r, 0);
  c.tenant = TenantId{rows.Text(r, 1)};
  c.secret_hash = rows.Text(r, 2);
  c.secret_sealed = rows.Text(r, 3);
  c.scope = rows.Text(r, 4);
  c.jwks = rows.Text(r, 5);
  c.created = rows.Int(r, 6);
  c.redirect_uris = SplitWords(rows.Text(r, 7));
  c.is_public = rows.Int(r, 8) != 0;
  c.jwks_uri = rows.Text(r, 9);
  return c;
}

}  // namespace

Result<Ok> PgStore::CreateClient(const ClientRecord& c) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY_ASSIGN(
      Rows rows, lease->Exec(kInsertClientSql, {c.id, c.tenant.value, c.secret_hash, c.secret_sealed, c.scope,
                                                c.jwks, c.created, JoinWords(c.redirect_uris),
                                                int64_t{c.is_public ? 1 : 0}, c.jwks_uri}));
  if (rows.affected() == 0)
    return Error::Make(Issue::kConflict, "A client with the id '" + c.id + "' exists already");
  return Ok{};
}

Result<ClientRecord> PgStore::GetClient(const std::string& id) {
  KILN_TRY_ASSIGN(Rows rows,
                  pool_.WithRetry([&](Connection& conn) { return conn.Exec(kSelectClientSql, {id}); }));
  if (rows.size() == 0) return Error::Make(Issue::kNotFound, "No client has the id '" + id + "'");
  return ClientFromRow(rows, 0);
}

Result<std::vector<ClientRecord>> PgStore::ListClients() {
  KILN_TRY_ASSIGN(Rows rows, pool_.WithRetry([&](Connection& conn) { return conn.Exec(kListClientsSql); }));
  std::vector<ClientRecord> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(ClientFromRow(rows, r));
  return out;
}

Result<Ok> PgStore::DeleteClient(const std::string& id) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(kDeleteClientSql, {id}));
    if (rows.affected() == 0) return Error::Make(Issue::kNotFound, "No client has the id '" + id + "'");
    KILN_TRY(lease->Exec(kDeleteClientCodesSql, {id}));
    KILN_TRY(lease->Exec(kDeleteClientRefreshSql, {id}));
    return Ok{};
  }));
  return Ok{};
}

Result<Ok> PgStore::AddSigningKey(const SigningKeyRecord& key) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(InTransaction(*lease, [&]() -> Result<> {
    KILN_TRY(lease->Exec(kRetireKeysSql, {key.created}));
    KILN_TRY(lease->Exec(kInsertKeySql, {key.kid, key.alg, key.private_key, key.created}));
    return Ok{};
  }));
  return Ok{};
}

Result<std::vector<SigningKeyRecord>> PgStore::SigningKeys() {
  KILN_TRY_ASSIGN(Rows rows, pool_.WithRetry([&](Connection& conn) { return conn.Exec(kListKeysSql); }));
  std::vector<SigningKeyRecord> out;
  for (int r = 0; r < rows.size(); ++r)
    out.push_back(
        SigningKeyRecord{rows.Text(r, 0), rows.Text(r, 1), rows.Text(r, 2), rows.Int(r, 3), rows.Int(r, 4)});
  return out;
}

Result<Ok> PgStore::UseAssertion(const std::string& client_id, const std::string& jti, Micros expires,
                                 Micros now) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  // An assertion past its exp is refused before it gets here, so its jti need not be kept.
  KILN_TRY(lease->Exec(kForgetAssertionsSql, {now}));
  KILN_TRY_ASSIGN(Rows rows, lease->Exec(kUseAssertionSql, {client_id, jti, expires}));
  if (rows.affected() == 0) return Error::Make(Issue::kConflict, "The assertion was used before");
  return Ok{};
}

Result<Ok> PgStore::RevokeToken(const std::string& jti, Micros expires, Micros now) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY(lease->Exec(kForgetRevokedSql, {now}));
  KILN_TRY(lease->Exec(kRevokeSql, {jti, expires}));
  return Ok{};
}

Result<bool> PgStore::IsTokenRevoked(const std::string& jti) {
  KILN_TRY_ASSIGN(Rows rows,
                  pool_.WithRetry([&](Connection& conn) { return conn.Exec(kIsRevokedSql, {jti}); }));
  return rows.size() > 0;
}

}  // namespace kiln::store::postgres
