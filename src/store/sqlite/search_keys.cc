#include "store/sqlite/search_keys.h"

namespace kiln::store::sqlite {

namespace {
const std::string kSelectSql = "SELECT key FROM search_key WHERE tenant = ? AND type = ? AND param = ?";
const std::string kInsertSql = "INSERT INTO search_key (tenant, type, param) VALUES (?, ?, ?)";
}  // namespace

void SearchKeys::Compose(std::string& out, const TenantId& tenant, std::string_view type,
                         std::string_view param) {
  // Unit separators cannot occur in tenant names, type names or parameter codes.
  out.clear();
  out.append(tenant.value).push_back('\x1f');
  out.append(type).push_back('\x1f');
  out.append(param);
}

Result<int64_t> SearchKeys::Lookup(Connection& conn, const TenantId& tenant, std::string_view type,
                                   std::string_view param) {
  KILN_TRY_ASSIGN(auto s, conn.Prepare(kSelectSql));
  s->BindStatic(1, tenant.value);
  s->BindStatic(2, type);
  s->BindStatic(3, param);
  KILN_TRY_ASSIGN(bool row, s->Step());
  return row ? s->Int(0) : kNoKey;
}

Result<int64_t> SearchKeys::Find(Connection& conn, const TenantId& tenant, std::string_view type,
                                 std::string_view param) {
  std::string name;
  Compose(name, tenant, type, param);
  {
    std::lock_guard lock(mu_);
    if (auto it = committed_.find(name); it != committed_.end()) return it->second;
  }
  KILN_TRY_ASSIGN(int64_t key, Lookup(conn, tenant, type, param));
  // A miss is not cached: the writer may commit the key at any moment.
  if (key != kNoKey) {
    std::lock_guard lock(mu_);
    committed_.emplace(std::move(name), key);
  }
  return key;
}

Result<int64_t> SearchKeys::Ensure(Connection& writer, const TenantId& tenant, std::string_view type,
                                   std::string_view param) {
  Compose(writer_scratch_, tenant, type, param);
  {
    std::lock_guard lock(mu_);
    if (auto it = committed_.find(writer_scratch_); it != committed_.end()) return it->second;
  }
  if (auto it = pending_.find(writer_scratch_); it != pending_.end()) return it->second;
  KILN_TRY_ASSIGN(int64_t key, Lookup(writer, tenant, type, param));
  if (key != kNoKey) {
    std::lock_guard lock(mu_);
    committed_.emplace(writer_scratch_, key);
    return key;
  }
  KILN_TRY_ASSIGN(auto s, writer.Prepare(kInsertSql));
  s->BindStatic(1, tenant.value);
  s->BindStatic(2, type);
  s->BindStatic(3, param);
  KILN_TRY(s->Run());
  key = writer.LastInsertRowid();
  pending_.emplace(writer_scratch_, key);
  pending_order_.push_back(writer_scratch_);
  return key;
}

void SearchKeys::RollbackTo(size_t mark) {
  while (pending_order_.size() > mark) {
    pending_.erase(pending_order_.back());
    pending_order_.pop_back();
  }
}

void SearchKeys::Publish() {
  if (pending_.empty()) return;
  std::lock_guard lock(mu_);
  committed_.merge(pending_);
  pending_.clear();
  pending_order_.clear();
}

void SearchKeys::Discard() {
  pending_.clear();
  pending_order_.clear();
}

}  // namespace kiln::store::sqlite
