// _sort with keyset paging, shared by the SQL backends: each key becomes an expression over the index tables,
// the cursor carries the last row's key values and rid, and the next page starts strictly after them, so
// pages stay consistent while resources are added or changed. Ties, and searches without _sort, go in rid
// order: the order resources were first stored in, which is also the order of the (tenant, type, rid) index
// that candidates are looked up by. Private to src/store/.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/sql/index_query.h"
#include "store/types.h"

namespace kiln::store::sql {

class SortPlan {
 public:
  // The plan for sorting resources of `type` by `keys`.
  static Result<SortPlan> Make(const std::vector<SortKey>& keys, const QueryScope& lookup,
                               const std::string& type);

  // ", k1 AS sort0, k2 AS sort1" for the select list.
  std::string SelectColumns() const;
  // ", <alias>.sort0, <alias>.sort1": those columns again, selected from a subquery `alias`.
  std::string SelectedColumns(const std::string& alias) const;
  // " ORDER BY k1 [DESC], ..., c.rid"
  std::string OrderBy() const;
  // " AND (...)": rows after the position `cursor` encodes. kInvalid for a cursor not made here.
  Result<Ok> AppendAfter(SqlText& q, const std::string& cursor) const;
  // The cursor for a row whose key values are in columns [first, first + keys), of resource `rid`.
  // `Row` has Text(col), Int(col) and Real(col).
  template <class Row>
  std::string Cursor(const Row& row, int first, int64_t rid) const {
    std::string out = "[";
    for (size_t i = 0; i < keys_.size(); ++i) {
      int col = first + static_cast<int>(i);
      if (keys_[i].value_type == 0) {
        AppendText(out, row.Text(col));
      } else if (keys_[i].value_type == 1) {
        out += std::to_string(row.Int(col));
      } else {
        AppendReal(out, row.Real(col));
      }
      out.push_back(',');
    }
    return out + std::to_string(rid) + "]";
  }
  size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::string sql;  // with its NULL sentinel applied
    bool descending;
    int value_type;  // 0 text, 1 integer, 2 real
  };
  SortPlan() = default;
  static void AppendText(std::string& out, std::string_view text);
  static void AppendReal(std::string& out, double value);
  std::vector<Key> keys_;
};

}  // namespace kiln::store::sql
