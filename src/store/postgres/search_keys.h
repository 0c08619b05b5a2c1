// Dictionary codes for the search index on PostgreSQL (search_key): one integer stands for a
// (tenant, resource type, parameter code) triple in every index row. Codes are assigned once,
// committed on their own (before the commit that needs them, so any process may use them at
// once) and never change or get reused, so each process caches them. Private to postgres/.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "store/postgres/connection.h"
#include "store/sql/index_query.h"
#include "store/types.h"

namespace kiln::store::postgres {

class SearchKeys {
 public:
  // The key of the triple, or sql::kNoKey when none exists yet. Thread-safe.
  Result<int64_t> Find(Connection& conn, const TenantId& tenant, std::string_view type,
                       std::string_view param);
  // The key of the triple, assigning one when it has none. Outside a transaction only: the key
  // is committed by the time it is returned. Thread-safe.
  Result<int64_t> Ensure(Connection& conn, const TenantId& tenant, std::string_view type,
                         std::string_view param);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static std::string Compose(const TenantId& tenant, std::string_view type, std::string_view param);
  Result<int64_t> Cached(const std::string& name);

  std::mutex mu_;
  std::unordered_map<std::string, int64_t, Hash, std::equal_to<>> keys_;  // GUARDED_BY(mu_)
};

// The tenant's keys and PostgreSQL's dialect, while a query is built on `conn`.
class KeyLookup final : public sql::QueryScope {
 public:
  KeyLookup(SearchKeys& keys, Connection& conn, const TenantId& tenant)
      : keys_(keys), conn_(conn), tenant_(tenant) {}
  Result<int64_t> operator()(std::string_view type, std::string_view param) const override {
    return keys_.Find(conn_, tenant_, type, param);
  }
  const TenantId& tenant() const override { return tenant_; }
  const sql::Dialect& dialect() const override;

 private:
  SearchKeys& keys_;
  Connection& conn_;
  const TenantId& tenant_;
};

}  // namespace kiln::store::postgres
