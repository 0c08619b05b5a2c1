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

// The index rows of one commit's writes, in the order they are inserted: each table's rows by
// parameter, then value, then write. A large commit's rows then land on neighbouring b-tree
// pages one after another, instead of each row descending to a page somewhere else in the tree.
// Sorted by the thread that commits, not by the writer: sorting an import's 50,000 rows per
// commit took ~10% of the writer's time, and every commit waits for the writer. The writes must
// outlive it.
class SortedIndexRows {
 public:
  explicit SortedIndexRows(const std::vector<WriteOp>& writes);

  // One row: its entry and the write (its index in `writes`) whose resource has it.
  struct Row {
    const IndexEntry* entry;
    size_t write;
  };
  const std::vector<Row>& Table(size_t kind) const { return rows_[kind]; }
  // The rows of the full-text table (_text and _content entries), in write order.
  const std::vector<Row>& Text() const { return text_; }

 private:
  std::vector<Row> rows_[static_cast<size_t>(IndexKind::kText)];  // by table
  std::vector<Row> text_;
};

// Inserts the rows of `rows` for the writes that `rids` gives a resource key (0: none of its
// rows are written: an earlier write of a resource written again in the commit, a reindex that
// no longer applies), resolving their parameters' keys. Duplicate rows of one resource are
// stored once. Writer thread only.
Result<> InsertIndexRows(Connection& conn, SearchKeys& keys, const TenantId& tenant,
                         const std::vector<WriteOp>& writes, const SortedIndexRows& rows,
                         const std::vector<int64_t>& rids);
// Removes the stored rows of the resource whose key is `rid` (updates, deletions).
Result<> RemoveIndexRows(Connection& conn, int64_t rid);

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
