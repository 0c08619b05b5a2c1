// A commit's search index rows on PostgreSQL, collected as one array per column and written by
// one INSERT ... SELECT FROM unnest(...) per index table, all of them parts of the commit's one
// write statement (commit.cc). Private to postgres/.
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
  // that row already.
  void Add(int64_t key, int64_t rid, const IndexEntry& entry);
  // The words of a resource for _text and _content (either may be null).
  void AddText(int64_t rid, const std::string* narrative, const std::string* content);
  // Removes every index row of `rids` (resources updated or deleted) in `tenant`.
  static Result<> Remove(Connection& conn, const TenantId& tenant, const std::vector<int64_t>& rids);

  // The WITH parts ("name AS (DELETE ...), name AS (INSERT ...), ...") that remove the rows of
  // the resources replaced (when `replacing`) and insert the rows added, in `tenant` (a SQL
  // expression such as "$1"); their parameters are $next, $next+1, ...: what Bind adds, in order.
  static std::string Sql(const std::string& tenant, int& next, bool replacing);
  // The rids whose rows are replaced (none: for the statement without `replacing`), then the
  // arrays of the rows added.
  void Bind(Params& p, const std::vector<int64_t>& replaced);

 private:
  // Column arrays by IndexKind, in the order of kColumns (index_rows.cc), then _text/_content.
  std::vector<ArrayText> columns_[7];
  ArrayText text_rid_, text_narrative_, text_content_;
  std::unordered_set<std::string> seen_;
};

}  // namespace kiln::store::postgres
