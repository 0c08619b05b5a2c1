// Dictionary codes for the search index: one integer `key` stands for a (tenant, resource type,
// parameter code) triple in every index row, so rows and their b-tree keys stay small (see
// schema/003_search_keys.sql). Codes are assigned by the writer and never change or get reused,
// so every thread may cache them. Private to src/store/sqlite/.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/sql/index_query.h"
#include "store/sqlite/connection.h"
#include "store/types.h"

namespace kiln::store::sqlite {

using sql::kNoKey;

class SearchKeys {
 public:
  // The committed key of the triple, or kNoKey when none exists yet. Looks in `conn` (any
  // connection) on a cache miss. Thread-safe.
  Result<int64_t> Find(Connection& conn, const TenantId& tenant, std::string_view type,
                       std::string_view param);

  // Writer thread only, inside its open transaction: the key of the triple, inserting it when
  // new. A new key is only visible to Find after Publish (the transaction committed). Keys
  // inserted after Mark() are forgotten by RollbackTo(mark) (the savepoint rolled back), all
  // unpublished ones by Discard (the transaction rolled back), so no code is ever handed out
  // for a row that does not exist.
  Result<int64_t> Ensure(Connection& writer, const TenantId& tenant, std::string_view type,
                         std::string_view param);
  size_t Mark() const { return pending_order_.size(); }
  void RollbackTo(size_t mark);
  void Publish();
  void Discard();

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, int64_t, Hash, std::equal_to<>>;

  static void Compose(std::string& out, const TenantId& tenant, std::string_view type,
                      std::string_view param);
  Result<int64_t> Lookup(Connection& conn, const TenantId& tenant, std::string_view type,
                         std::string_view param);

  std::mutex mu_;
  Map committed_;                           // GUARDED_BY(mu_)
  Map pending_;                             // writer thread only
  std::vector<std::string> pending_order_;  // writer thread only: pending_'s names, oldest first
  std::string writer_scratch_;              // writer thread only: the composed name, reused
};

}  // namespace kiln::store::sqlite
