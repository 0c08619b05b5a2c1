#include "store/sqlite/schema.h"

#include <string>

#include "store/sqlite/schema_sql.h"  // generated from schema/NNN_*.sql by CMake

namespace kiln::store::sqlite {

int CurrentSchemaVersion() { return static_cast<int>(std::size(kMigrations)); }

Result<> Migrate(Connection& conn) {
  KILN_TRY(conn.Exec("CREATE TABLE IF NOT EXISTS kiln_schema (version INTEGER NOT NULL)"));
  int64_t version = 0;
  {
    KILN_TRY_ASSIGN(auto stmt, conn.Prepare("SELECT max(version) FROM kiln_schema"));
    KILN_TRY_ASSIGN(bool row, stmt->Step());
    if (row) version = stmt->Int(0);
  }
  if (version > CurrentSchemaVersion()) {
    return Error::Make(Issue::kException, "The database has schema version " + std::to_string(version) +
                                              ", newer than this Kiln knows (" +
                                              std::to_string(CurrentSchemaVersion()) + ")");
  }
  for (int64_t v = version; v < CurrentSchemaVersion(); ++v) {
    KILN_TRY(conn.Exec("BEGIN IMMEDIATE"));
    auto applied = conn.Exec(kMigrations[v]);
    if (applied)
      applied = conn.Exec("INSERT INTO kiln_schema (version) VALUES (" + std::to_string(v + 1) + ")");
    if (!applied) {
      (void)conn.Exec("ROLLBACK");
      return applied.error();
    }
    KILN_TRY(conn.Exec("COMMIT"));
  }
  return Ok{};
}

}  // namespace kiln::store::sqlite
