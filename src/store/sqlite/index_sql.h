// SQL for the search index on SQLite: writing a resource's index rows, and turning IndexQuery
// clauses into WHERE conditions (nested for chains and _has). Private to src/store/sqlite/.
#pragma once

#include <string>
#include <variant>
#include <vector>

#include "core/result.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/search_keys.h"
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

// Writes the index rows of the resource whose key is `rid`; with `replace`, its earlier rows are
// removed first (updates and deletions). Duplicate rows of one resource are stored once. Writer
// thread only.
Result<> WriteIndex(Connection& conn, SearchKeys& keys, const TenantId& tenant, const std::string& type,
                    int64_t rid, const std::vector<IndexEntry>& entries, bool replace);

// The search keys of one tenant, looked up through one connection while a query is built.
class KeyLookup {
 public:
  KeyLookup(SearchKeys& keys, Connection& conn, const TenantId& tenant)
      : keys_(keys), conn_(conn), tenant_(tenant) {}
  // The key of (type, param) in the tenant, kNoKey when no resource has had that parameter.
  Result<int64_t> operator()(std::string_view type, std::string_view param) const;
  const TenantId& tenant() const { return tenant_; }

 private:
  SearchKeys& keys_;
  Connection& conn_;
  const TenantId& tenant_;
};

// Appends the conditions (after a WHERE) restricting `alias`, a resource_current alias, to the
// current resources of `query.type` in the tenant that match every clause and reverse chain of
// `query`.
Result<> AppendMatching(SqlText& q, const KeyLookup& keys, const IndexQuery& query, const std::string& alias,
                        int& next_alias);

}  // namespace kiln::store::sqlite
