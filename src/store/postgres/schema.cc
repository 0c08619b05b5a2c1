#include "store/postgres/schema.h"

#include <string>

#include "store/postgres/schema_sql.h"  // generated from schema/NNN_*.sql by CMake

namespace kiln::store::postgres {

namespace {
// pg_advisory_lock key of `kiln migrate` ("kiln" in ASCII).
constexpr const char* kLockSql = "SELECT pg_advisory_lock(1802071150)";
constexpr const char* kUnlockSql = "SELECT pg_advisory_unlock(1802071150)";

std::string Newer(int version) {
  return "The database has schema version " + std::to_string(version) + ", newer than this Kiln knows (" +
         std::to_string(CurrentSchemaVersion()) + "): upgrade Kiln";
}
}  // namespace

int CurrentSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Result<int> SchemaVersion(Connection& conn) {
  KILN_TRY_ASSIGN(Rows exists, conn.Exec("SELECT to_regclass('kiln_schema') IS NOT NULL"));
  if (exists.View(0, 0) != std::string_view("\x01", 1)) return 0;
  KILN_TRY_ASSIGN(Rows rows, conn.Exec("SELECT coalesce(max(version), 0) FROM kiln_schema"));
  return static_cast<int>(rows.Int(0, 0));
}

Result<> CheckSchema(Connection& conn) {
  KILN_TRY_ASSIGN(int version, SchemaVersion(conn));
  if (version == CurrentSchemaVersion()) return Ok{};
  if (version > CurrentSchemaVersion()) return Error::Make(Issue::kException, Newer(version));
  return Error::Make(Issue::kException, "The database has schema version " + std::to_string(version) +
                                            ", this Kiln needs " + std::to_string(CurrentSchemaVersion()) +
                                            ": run `kiln migrate --store URL` first");
}

namespace {
// The schema the connection's search_path names first (`options=-csearch_path=NAME` in the
// URL: a Kiln database of its own inside a shared one) is made when it does not exist yet.
Result<> EnsureSchema(Connection& conn) {
  KILN_TRY_ASSIGN(Rows rows, conn.Exec("SELECT current_schema() IS NULL, current_setting('search_path')"));
  if (rows.View(0, 0) != std::string_view("\x01", 1)) return Ok{};
  std::string first(rows.View(0, 1).substr(0, rows.View(0, 1).find(',')));
  while (!first.empty() && first.front() == ' ') first.erase(first.begin());
  while (!first.empty() && first.back() == ' ') first.pop_back();
  if (first.size() >= 2 && first.front() == '"' && first.back() == '"')
    first = first.substr(1, first.size() - 2);
  if (first.empty() || first == "$user")
    return Error::Make(Issue::kException, "The search_path names no schema");
  KILN_TRY_ASSIGN(Rows ddl, conn.Exec("SELECT format('CREATE SCHEMA IF NOT EXISTS %I', ?::text)", {first}));
  return conn.Run(ddl.Text(0, 0));
}
}  // namespace

Result<int> Migrate(Connection& conn) {
  KILN_TRY(EnsureSchema(conn));
  KILN_TRY(conn.Run(kLockSql));
  auto migrate = [&]() -> Result<int> {
    KILN_TRY(
        conn.Run("CREATE TABLE IF NOT EXISTS kiln_schema (version integer PRIMARY KEY, applied timestamptz "
                 "NOT NULL DEFAULT now())"));
    KILN_TRY_ASSIGN(int version, SchemaVersion(conn));
    if (version > CurrentSchemaVersion()) return Error::Make(Issue::kException, Newer(version));
    for (int v = version; v < CurrentSchemaVersion(); ++v) {
      std::string sql = std::string("BEGIN;\n") + kMigrations[v] +
                        ";\nINSERT INTO kiln_schema (version) VALUES (" + std::to_string(v + 1) +
                        ");\nCOMMIT;";
      if (auto applied = conn.Run(sql); !applied) {
        (void)conn.Run("ROLLBACK");
        return applied.error();
      }
    }
    return CurrentSchemaVersion();
  };
  Result<int> done = migrate();
  (void)conn.Run(kUnlockSql);
  return done;
}

}  // namespace kiln::store::postgres
