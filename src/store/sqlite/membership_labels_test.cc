// Label access on memberships (schema/009_membership_labels.sql): memberships written before it
// are kept and see no labels. A file of its own: GCC 12 gives a false -Wrestrict in
// sqlite_store_test.cc when this test is beside the others.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

#include "store/sqlite/schema_sql.h"
#include "store/sqlite/sqlite_store.h"

namespace kiln::store::sqlite {
namespace {

// A database of schema version 8 (users and memberships, before label access) is migrated with
// its memberships intact and seeing no labels; label access then round-trips, and SetMemberships
// replaces a user's memberships (kNotFound for no such user).
TEST(SqliteMigrationTest, MembershipsOfSchemaEightGetNoLabelAccess) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "kiln-migrate-XXXXXX").string();
  std::string dir = mkdtemp(tmpl.data());
  std::string path = dir + "/kiln.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    std::string sql = "CREATE TABLE kiln_schema (version INTEGER NOT NULL);";
    for (int v = 0; v < 8; ++v) {
      sql.append(kMigrations[v]).append(";INSERT INTO kiln_schema VALUES (");
      sql.append(std::to_string(v + 1)).append(");");
    }
    sql +=
        "INSERT INTO auth_user VALUES ('ann', '$argon2id$h', 5);"
        "INSERT INTO auth_membership VALUES ('ann', 'default', 'reader', 'p1');";
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_close(db);
  }
  {
    auto store = SqliteStore::Open(path, 2);
    ASSERT_TRUE(store) << store.error().diagnostics;
    auto ann = (*store)->GetUser("ann");
    ASSERT_TRUE(ann) << ann.error().diagnostics;
    ASSERT_EQ(ann->memberships.size(), 1u);
    EXPECT_EQ(ann->memberships[0].role, "reader");
    EXPECT_EQ(ann->memberships[0].patient, "p1");
    EXPECT_EQ(ann->memberships[0].label_access, "");
    std::vector<Membership> now = {Membership{DefaultTenant(), "manager", "", "V"},
                                   Membership{TenantId{"jane"}, "owner", "", ""}};
    ASSERT_TRUE((*store)->SetMemberships("ann", now));
    ann = (*store)->GetUser("ann");
    ASSERT_TRUE(ann);
    ASSERT_EQ(ann->memberships.size(), 2u);
    EXPECT_EQ(ann->memberships[0].role, "manager");
    EXPECT_EQ(ann->memberships[0].patient, "");
    EXPECT_EQ(ann->memberships[0].label_access, "V");
    EXPECT_EQ(ann->memberships[1].tenant.value, "jane");
    EXPECT_EQ((*store)->SetMemberships("nobody", now).error().issue, Issue::kNotFound);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kiln::store::sqlite
