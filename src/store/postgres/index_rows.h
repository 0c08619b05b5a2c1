// A commit's search index rows on PostgreSQL, collected and then written with one multi-row
// INSERT per index table (a round trip per table, not per row). Private to postgres/.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "store/postgres/connection.h"
#include "store/types.h"

namespace kiln::store::postgres {

class IndexRows {
 public:
  // Adds the row of `entry` (not a TextValue) for the resource `rid`, unless the resource has
  // that row already. `entry` must outlive Write.
  void Add(int64_t key, int64_t rid, const IndexEntry& entry);
  // The words of a resource for _text and _content (either may be null).
  void AddText(int64_t rid, const std::string* narrative, const std::string* content);
  // Removes every index row of `rids` (resources updated or deleted) in `tenant`.
  static Result<> Remove(Connection& conn, const TenantId& tenant, const std::vector<int64_t>& rids);
  // Writes the rows added, in `tenant`.
  Result<> Write(Connection& conn, const TenantId& tenant) const;

 private:
  struct Row {
    int64_t key;
    int64_t rid;
    const IndexEntry* entry;
  };
  struct Text {
    int64_t rid;
    const std::string* narrative;
    const std::string* content;
  };
  std::vector<Row> rows_[7];  // by IndexKind
  std::vector<Text> texts_;
  std::unordered_set<std::string> seen_;
};

}  // namespace kiln::store::postgres
