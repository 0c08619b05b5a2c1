// The tenant registry on PostgreSQL: PgStore's tenant methods, and the check that keeps commits
// out of tenants that are not active. A commit reads its tenant's row FOR SHARE; a deletion marks
// the row 'deleting' with an UPDATE, which waits for those commits and is seen by every later one.
#include <optional>

#include "store/postgres/index_rows.h"
#include "store/postgres/pg_store.h"
#include "store/sql/auth_sql.h"

namespace kiln::store::postgres {

namespace {

// Resources removed per transaction when a tenant is deleted, so that no transaction holds a
// large tenant's rows for long.
constexpr int64_t kDeleteBatch = 500;

const std::string kSelectSql = "SELECT name, kind, created, status FROM tenant WHERE name = ?";
const std::string kListSql = "SELECT name, kind, created, status FROM tenant ORDER BY name";
const std::string kStatusSql = "SELECT status FROM tenant WHERE name = ? FOR SHARE";
const std::string kInsertSql =
    "INSERT INTO tenant (name, kind, created, status) VALUES (?, ?, ?, 'active') ON CONFLICT (name) DO "
    "NOTHING";
const std::string kMarkDeletingSql = "UPDATE tenant SET status = 'deleting' WHERE name = ?";
const std::string kDeleteSql = "DELETE FROM tenant WHERE name = ?";
const std::string kBatchSql = "SELECT rid FROM resource_current WHERE tenant = ? LIMIT ?";
const std::string kDeleteVersionsSql =
    "DELETE FROM resource_version v USING resource_current c WHERE c.tenant = ? AND c.rid = ANY(?)"
    " AND v.tenant = c.tenant AND v.type = c.type AND v.id = c.id";
const std::string kDeleteCurrentSql = "DELETE FROM resource_current WHERE tenant = ? AND rid = ANY(?)";
// A guard: every version row has a current row, so this finds nothing once the batches are done.
const std::string kDeleteLeftoverSql = "DELETE FROM resource_version WHERE tenant = ?";
constexpr std::string_view kActive = "active";

TenantInfo InfoFromRow(const Rows& rows, int r) {
  TenantInfo info{TenantId{rows.Text(r, 0)}};
  info.kind = TenantKindNamed(rows.View(r, 1)).value_or(TenantKind::kOrganization);
  info.created = rows.Int(r, 2);
  info.status = rows.View(r, 3) == kActive ? TenantStatus::kActive : TenantStatus::kDeleting;
  return info;
}

Error Unknown(const TenantId& tenant) {
  return Error::Make(Issue::kNotFound, "Tenant '" + tenant.value + "' is not known");
}

// Removes up to kDeleteBatch resources of `tenant` (every version and index row); `left` tells
// whether any were found. With none left, removes the tenant itself and its memberships (auth).
// Its search_key rows stay: codes are never reused, and other processes cache them.
Result<> DeleteBatch(Connection& conn, const TenantId& tenant, bool& left) {
  std::vector<int64_t> rids;
  {
    KILN_TRY_ASSIGN(Rows rows, conn.Exec(kBatchSql, {tenant.value, kDeleteBatch}));
    for (int r = 0; r < rows.size(); ++r) rids.push_back(rows.Int(r, 0));
  }
  left = !rids.empty();
  if (left) {
    KILN_TRY(IndexRows::Remove(conn, tenant, rids));
    for (const std::string* sql : {&kDeleteVersionsSql, &kDeleteCurrentSql}) {
      Params p;
      p.Text(tenant.value);
      p.IntArray(rids);
      KILN_TRY(conn.Exec(*sql, p));
    }
    return Ok{};
  }
  for (const std::string* sql : {&kDeleteLeftoverSql, &sql::kDeleteTenantMembershipsSql, &kDeleteSql}) {
    KILN_TRY(conn.Exec(*sql, {tenant.value}));
  }
  return Ok{};
}

}  // namespace

const std::string& PgStore::TenantStatusSql() { return kStatusSql; }

Result<> PgStore::TenantActive(const Rows& status, const TenantId& tenant) {
  if (status.size() == 0 || status.View(0, 0) != kActive) return Unknown(tenant);
  return Ok{};
}

Result<TenantInfo> PgStore::CreateTenant(const TenantInfo& tenant) {
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  KILN_TRY_ASSIGN(
      Rows inserted,
      lease->Exec(kInsertSql, {tenant.id.value, std::string(TenantKindName(tenant.kind)), tenant.created}));
  if (inserted.affected() == 0) {
    KILN_TRY_ASSIGN(Rows rows, lease->Exec(kSelectSql, {tenant.id.value}));
    bool deleting = rows.size() > 0 && rows.View(0, 3) != kActive;
    return Error::Make(Issue::kConflict, "Tenant '" + tenant.id.value +
                                             (deleting ? "' is still being deleted" : "' already exists"));
  }
  TenantInfo created = tenant;
  created.status = TenantStatus::kActive;
  return created;
}

Result<TenantInfo> PgStore::GetTenant(const TenantId& tenant) {
  KILN_TRY_ASSIGN(Rows rows,
                  pool_.WithRetry([&](Connection& conn) { return conn.Exec(kSelectSql, {tenant.value}); }));
  if (rows.size() == 0) return Unknown(tenant);
  return InfoFromRow(rows, 0);
}

Result<std::vector<TenantInfo>> PgStore::ListTenants() {
  KILN_TRY_ASSIGN(Rows rows, pool_.WithRetry([&](Connection& conn) { return conn.Exec(kListSql); }));
  std::vector<TenantInfo> out;
  for (int r = 0; r < rows.size(); ++r) out.push_back(InfoFromRow(rows, r));
  return out;
}

Result<Ok> PgStore::DeleteTenant(const TenantId& tenant) {
  if (tenant == DefaultTenant()) return Error::Make(Issue::kInvalid, "The default tenant cannot be deleted");
  KILN_TRY_ASSIGN(auto lease, pool_.Borrow());
  Connection& conn = *lease;
  KILN_TRY(InTransaction(conn, [&]() -> Result<> {
    KILN_TRY_ASSIGN(Rows marked, conn.Exec(kMarkDeletingSql, {tenant.value}));
    if (marked.affected() == 0) return Unknown(tenant);
    return Ok{};
  }));
  for (bool left = true; left;) {
    KILN_TRY(InTransaction(conn, [&] { return DeleteBatch(conn, tenant, left); }));
  }
  return Ok{};
}

}  // namespace kiln::store::postgres
