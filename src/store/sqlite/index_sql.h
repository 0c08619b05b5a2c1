// The search index on SQLite: writing a resource's index rows, and what SQLite's search SQL
// needs beyond the shared conditions of sql/index_query.h (its dialect: FTS5 for _text and
// _content). Private to src/store/sqlite/.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/sql/index_query.h"
#include "store/sql/sql_text.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/search_keys.h"
#include "store/types.h"

namespace kiln::store::sqlite {

using sql::SqlParam;
using sql::SqlText;

Result<std::unique_ptr<Statement>> PrepareWith(Connection& conn, const SqlText& q);

// Writes the index rows of the resource whose key is `rid`; with `replace`, its earlier rows are
// removed first (updates and deletions). Duplicate rows of one resource are stored once. Writer
// thread only.
Result<> WriteIndex(Connection& conn, SearchKeys& keys, const TenantId& tenant, const std::string& type,
                    int64_t rid, const std::vector<IndexEntry>& entries, bool replace);

// The search keys of one tenant, looked up through one connection while a query is built.
class KeyLookup final : public sql::QueryScope {
 public:
  KeyLookup(SearchKeys& keys, Connection& conn, const TenantId& tenant)
      : keys_(keys), conn_(conn), tenant_(tenant) {}
  Result<int64_t> operator()(std::string_view type, std::string_view param) const override;
  const TenantId& tenant() const override { return tenant_; }
  const sql::Dialect& dialect() const override;

 private:
  SearchKeys& keys_;
  Connection& conn_;
  const TenantId& tenant_;
};

using sql::AppendMatching;

}  // namespace kiln::store::sqlite
