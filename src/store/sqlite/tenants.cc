// The tenant registry on SQLite (schema/005_tenants.sql): SqliteStore's tenant methods, and the
// check that keeps commits out of tenants that are not active.
#include <optional>

#include "store/sql/auth_sql.h"
#include "store/sqlite/index_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace kiln::store::sqlite {

namespace {

// Resources removed per transaction when a tenant is deleted: the server's writer (and any other
// process) gets the database between two batches, so a large tenant never stalls it for long.
constexpr int64_t kDeleteBatch = 500;
constexpr int kRegistryCacheKib = 2 * 1024;

const std::string kSelectSql = "SELECT name, kind, created, status FROM tenant WHERE name = ?";
const std::string kListSql = "SELECT name, kind, created, status FROM tenant ORDER BY name";
const std::string kStatusSql = "SELECT status FROM tenant WHERE name = ?";
const std::string kInsertSql = "INSERT INTO tenant (name, kind, created, status) VALUES (?, ?, ?, 'active')";
const std::string kMarkDeletingSql = "UPDATE tenant SET status = 'deleting' WHERE name = ?";
const std::string kDeleteSql = "DELETE FROM tenant WHERE name = ?";
const std::string kBatchSql = "SELECT type, id, rid FROM resource_current WHERE tenant = ? LIMIT ?";
const std::string kDeleteVersionsSql =
    "DELETE FROM resource_version WHERE tenant = ? AND type = ? AND id = ?";
const std::string kDeleteCurrentSql = "DELETE FROM resource_current WHERE tenant = ? AND type = ? AND id = ?";
// A guard: every version row has a current row, so this finds nothing once the batches are done.
const std::string kDeleteLeftoverSql = "DELETE FROM resource_version WHERE tenant = ?";
constexpr std::string_view kActive = "active";

Result<std::optional<TenantInfo>> Select(Connection& conn, const TenantId& tenant) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(kSelectSql));
  s->BindStatic(1, tenant.value);
  KILN_TRY_ASSIGN(bool row, s->Step());
  if (!row) return std::optional<TenantInfo>();
  TenantInfo info{TenantId{s->Text(0)}};
  info.kind = TenantKindNamed(s->Text(1)).value_or(TenantKind::kOrganization);
  info.created = s->Int(2);
  info.status = s->Text(3) == kActive ? TenantStatus::kActive : TenantStatus::kDeleting;
  return std::optional<TenantInfo>(std::move(info));
}

Error Unknown(const TenantId& tenant) {
  return Error::Make(Issue::kNotFound, "Tenant '" + tenant.value + "' is not known");
}

// Runs `body` in one write transaction on `conn`: committed if it succeeds, rolled back if not.
template <class F>
Result<> InTransaction(Connection& conn, F&& body) {
  KILN_TRY(conn.Run("BEGIN IMMEDIATE"));
  Result<> done = body();
  if (done) done = conn.Run("COMMIT");
  if (!done) (void)conn.Exec("ROLLBACK");
  return done;
}

// Removes up to kDeleteBatch resources of `tenant` (every version and index row); `left` tells
// whether any were found. With none left, removes the tenant itself.
Result<> DeleteBatch(Connection& conn, const TenantId& tenant, bool& left) {
  struct Resource {
    std::string type, id;
    int64_t rid;
  };
  std::vector<Resource> batch;
  {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(kBatchSql));
    s->BindStatic(1, tenant.value);
    s->Bind(2, kDeleteBatch);
    for (;;) {
      KILN_TRY_ASSIGN(bool row, s->Step());
      if (!row) break;
      batch.push_back(Resource{s->Text(0), s->Text(1), s->Int(2)});
    }
  }
  left = !batch.empty();
  // Only the resources' index rows go; the tenant's search_key rows stay (codes are never
  // reused: other processes cache them).
  for (const Resource& r : batch) {
    KILN_TRY(RemoveIndexRows(conn, r.rid));
    for (const std::string* sql : {&kDeleteVersionsSql, &kDeleteCurrentSql}) {
      KILN_TRY_ASSIGN(auto s, conn.Prepare(*sql));
      s->BindStatic(1, tenant.value);
      s->BindStatic(2, r.type);
      s->BindStatic(3, r.id);
      KILN_TRY(s->Run());
    }
  }
  if (left) return Ok{};
  for (const std::string* sql : {&kDeleteLeftoverSql, &sql::kDeleteTenantMembershipsSql, &kDeleteSql}) {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(*sql));
    s->BindStatic(1, tenant.value);
    KILN_TRY(s->Run());
  }
  return Ok{};
}

}  // namespace

Result<> SqliteStore::CheckActive(Connection& conn, const TenantId& tenant) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(kStatusSql));
  s->BindStatic(1, tenant.value);
  KILN_TRY_ASSIGN(bool row, s->Step());
  if (!row || s->Text(0) != kActive) return Unknown(tenant);
  return Ok{};
}

Result<TenantInfo> SqliteStore::CreateTenant(const TenantInfo& tenant) {
  KILN_TRY_ASSIGN(auto conn, Connection::Open(path_, kRegistryCacheKib));
  KILN_TRY(InTransaction(*conn, [&]() -> Result<> {
    KILN_TRY_ASSIGN(auto existing, Select(*conn, tenant.id));
    if (existing) {
      return Error::Make(
          Issue::kConflict,
          "Tenant '" + tenant.id.value +
              (existing->status == TenantStatus::kActive ? "' already exists" : "' is still being deleted"));
    }
    KILN_TRY_ASSIGN(auto s, conn->Prepare(kInsertSql));
    s->BindStatic(1, tenant.id.value);
    s->BindStatic(2, TenantKindName(tenant.kind));
    s->Bind(3, tenant.created);
    return s->Run();
  }));
  TenantInfo created = tenant;
  created.status = TenantStatus::kActive;
  return created;
}

Result<TenantInfo> SqliteStore::GetTenant(const TenantId& tenant) {
  KILN_TRY_ASSIGN(auto conn, Borrow());
  KILN_TRY_ASSIGN(auto info, Select(*conn, tenant));
  if (!info) return Unknown(tenant);
  return std::move(*info);
}

Result<std::vector<TenantInfo>> SqliteStore::ListTenants() {
  std::vector<std::string> names;
  KILN_TRY_ASSIGN(auto conn, Borrow());
  {
    KILN_TRY_ASSIGN(auto s, conn->Prepare(kListSql));
    for (;;) {
      KILN_TRY_ASSIGN(bool row, s->Step());
      if (!row) break;
      names.push_back(s->Text(0));
    }
  }
  std::vector<TenantInfo> out;
  for (std::string& name : names) {
    KILN_TRY_ASSIGN(auto info, Select(*conn, TenantId{std::move(name)}));
    if (info) out.push_back(std::move(*info));
  }
  return out;
}

Result<Ok> SqliteStore::DeleteTenant(const TenantId& tenant) {
  if (tenant == DefaultTenant()) return Error::Make(Issue::kInvalid, "The default tenant cannot be deleted");
  KILN_TRY_ASSIGN(auto conn, Connection::Open(path_, kRegistryCacheKib));
  // First out of reach: commits check the status in their own transaction (Apply), so none can
  // land after this one, and the batches below find an end.
  KILN_TRY(InTransaction(*conn, [&]() -> Result<> {
    KILN_TRY_ASSIGN(auto existing, Select(*conn, tenant));
    if (!existing) return Unknown(tenant);
    KILN_TRY_ASSIGN(auto s, conn->Prepare(kMarkDeletingSql));
    s->BindStatic(1, tenant.value);
    return s->Run();
  }));
  for (bool left = true; left;) {
    KILN_TRY(InTransaction(*conn, [&] { return DeleteBatch(*conn, tenant, left); }));
  }
  return Ok{};
}

}  // namespace kiln::store::sqlite
