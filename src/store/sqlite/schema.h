// Schema migrations for the SQLite backend, applied in order at open time.
#pragma once

#include "core/result.h"
#include "store/sqlite/connection.h"

namespace kiln::store::sqlite {

// The schema version this build knows.
int CurrentSchemaVersion();
// Creates or upgrades the schema; refuses a database written by a newer Kiln.
Result<> Migrate(Connection& conn);

}  // namespace kiln::store::sqlite
