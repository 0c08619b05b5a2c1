// SQL for the search index on SQLite: writing a resource's index rows, and turning IndexQuery
// clauses into WHERE conditions (nested for chains and _has). Private to src/store/sqlite/.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/sqlite/connection.h"
#include "store/types.h"

namespace kiln::store::sqlite {

using SqlParam = std::variant<int64_t, double, std::string>;

// SQL text under construction with its positional parameters in order.
struct SqlText {
  std::string sql;
  std::vector<SqlParam> params;
  void Add(std::string_view text, SqlParam p) {
    sql += text;
    params.push_back(std::move(p));
  }
};

Result<std::unique_ptr<Statement>> PrepareWith(Connection& conn, const SqlText& q);

// Writes the index rows of one resource; with `replace`, its earlier rows are removed first
// (updates and deletions). Duplicate rows of one resource are stored once.
Result<> WriteIndex(Connection& conn, const TenantId& tenant, const std::string& type, const std::string& id,
                    const std::vector<IndexEntry>& entries, bool replace);

// Appends " AND ..." conditions restricting `alias` (a resource_current alias of `query.type`)
// to resources matching every clause and reverse chain of `query`.
void AppendConditions(SqlText& q, const TenantId& tenant, const IndexQuery& query, const std::string& alias,
                      int& next_alias);

}  // namespace kiln::store::sqlite
