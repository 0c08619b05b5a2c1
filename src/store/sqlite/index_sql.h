// The search index on SQLite: writing a resource's index rows, and what SQLite's search SQL
// needs beyond the shared conditions of sql/index_query.h (its dialect: FTS5 for _text and
// _content). Private to src/store/sqlite/.
#pragma once

#include <string>
#include <unordered_set>
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

// The index rows one commit writes, inserted when it ends in each table's primary-key order. A
// large commit's rows then land on neighbouring b-tree pages one after another, instead of each
// row descending to a page somewhere else in the tree. Duplicate rows of one resource are stored
// once. Writer thread only; the entries added must outlive Flush.
class IndexWriter {
 public:
  // Removes the stored rows of the resource whose key is `rid` (updates, deletions). Rows of it
  // added earlier are inserted first, so that they are removed too.
  Result<> Remove(Connection& conn, int64_t rid);
  // Adds the rows of the resource whose key is `rid`, resolving their parameters' keys now.
  Result<> Add(Connection& conn, SearchKeys& keys, const TenantId& tenant, const std::string& type,
               int64_t rid, const std::vector<IndexEntry>& entries);
  // Inserts every row added since the last Flush.
  Result<> Flush(Connection& conn);

  // One row to insert: its entry, its parameter's key and its resource's key.
  struct Row {
    const IndexEntry* entry;
    int64_t key;
    int64_t rid;
  };

 private:
  struct TextRow {
    int64_t rid;
    const std::string* narrative;
    const std::string* content;
  };
  std::vector<Row> rows_[static_cast<size_t>(IndexKind::kText)];  // by table
  std::vector<TextRow> text_;
  std::unordered_set<int64_t> pending_;  // rids with rows added since the last Flush
};

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
