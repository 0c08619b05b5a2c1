// Schema migrations on PostgreSQL: schema/NNN_*.sql, compiled in, applied in order by
// `kiln migrate` (never implicitly: several servers share one database, and a schema change is
// an operator's decision). `kiln_schema` records the versions applied. Private to postgres/.
#pragma once

#include "core/result.h"
#include "store/postgres/connection.h"

namespace kiln::store::postgres {

int CurrentSchemaVersion();
// The version the database has; 0 when it has no Kiln schema yet.
Result<int> SchemaVersion(Connection& conn);
// kException unless the database has exactly the schema this binary knows, saying what to do.
Result<> CheckSchema(Connection& conn);
// Applies the migrations the database lacks, each in its own transaction, under an advisory lock
// (two `kiln migrate` at once apply each migration once). Returns the version reached; refuses
// a database newer than this binary.
Result<int> Migrate(Connection& conn);

}  // namespace kiln::store::postgres
