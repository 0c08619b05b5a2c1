// IndexQuery clauses as SQL WHERE conditions, shared by the SQL backends (SQLite, PostgreSQL):
// both keep the same index tables (one per SearchParameter kind, rows naming their resource by
// `rid` and their (tenant, type, parameter) by a dictionary `key`), so the conditions differ
// only where a Dialect says. Private to src/store/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "store/sql/sql_text.h"
#include "store/types.h"

namespace kiln::store::sql {

// Key 0 is never assigned: a condition on it matches no index row, which is the right answer
// for a parameter that no resource of the type has ever had.
inline constexpr int64_t kNoKey = 0;

// What differs between the backends' search SQL.
struct Dialect {
  // Index rows carry their tenant, and every index condition names it (PostgreSQL: the column
  // tables are distributed by, so that each query touches one tenant's shard only).
  bool index_tenant = false;
  // A string greater than every stored string, as SQL (missing values sort last).
  const char* max_string = "char(1114111)";
  // Appends "<alias>.rid IN (...)" selecting the resources whose words match a _text or _content
  // predicate.
  void (*append_text)(SqlText& q, const Predicate& p, const std::string& alias,
                      const TenantId& tenant) = nullptr;
};

// The search keys of one tenant and the dialect, while a query is built.
class QueryScope {
 public:
  virtual ~QueryScope() = default;
  // The key of (type, param) in the tenant, kNoKey when no resource has had that parameter.
  virtual Result<int64_t> operator()(std::string_view type, std::string_view param) const = 0;
  virtual const TenantId& tenant() const = 0;
  virtual const Dialect& dialect() const = 0;
};

// The index tables by IndexKind (kText has none: its rows are the dialect's).
inline constexpr const char* kIndexTables[] = {"idx_string", "idx_token",    "idx_reference", "idx_date",
                                               "idx_number", "idx_quantity", "idx_uri"};

// Appends the conditions (after a WHERE) restricting `alias`, a resource_current alias, to the
// current resources of `query.type` in the tenant that match every clause and reverse chain of
// `query`. `next_alias` numbers the aliases of nested subqueries.
Result<> AppendMatching(SqlText& q, const QueryScope& scope, const IndexQuery& query,
                        const std::string& alias, int& next_alias);

// "c1", "c2", ...: table aliases of nested subqueries.
std::string AliasName(int n);

}  // namespace kiln::store::sql
