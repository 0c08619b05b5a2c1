#include "store/postgres/search_keys.h"

#include <cctype>

#include "core/text.h"

namespace kiln::store::postgres {

namespace {

const std::string kSelectSql = "SELECT key FROM search_key WHERE tenant = ? AND type = ? AND param = ?";
const std::string kInsertSql =
    "INSERT INTO search_key (tenant, type, param) VALUES (?, ?, ?) ON CONFLICT (tenant, type, param) DO "
    "NOTHING";

// to_tsquery text for a _text or _content value: every word, as a prefix, all of them.
std::string TsQuery(const std::string& v) {
  std::string out;
  size_t i = 0;
  while (i < v.size()) {
    while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    size_t start = i;
    while (i < v.size() && !std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    if (i == start) break;
    if (!out.empty()) out += " & ";
    out.push_back('\'');
    for (char c : v.substr(start, i - start)) {
      if (c == '\'' || c == '\\') out.push_back(c == '\'' ? '\'' : '\\');
      out.push_back(c);
    }
    out += "':*";
  }
  return out;
}

// "<alias>.rid IN (SELECT rid FROM idx_text WHERE tenant = ? AND <column> @@ ...)".
void AppendText(sql::SqlText& q, const Predicate& p, const std::string& alias, const TenantId& tenant) {
  q.Add(alias + ".rid IN (SELECT rid FROM idx_text WHERE tenant = ?", tenant.value);
  q.Add(
      std::string(" AND ") + (p.param == "_text" ? "narrative" : "content") + " @@ to_tsquery('simple', ?))",
      TsQuery(FoldText(p.text)));
}

}  // namespace

const sql::Dialect& KeyLookup::dialect() const {
  static const sql::Dialect kPostgres{
      .index_tenant = true, .max_string = "chr(1114111)", .append_text = AppendText};
  return kPostgres;
}

std::string SearchKeys::Compose(const TenantId& tenant, std::string_view type, std::string_view param) {
  // Unit separators cannot occur in tenant names, type names or parameter codes.
  std::string out = tenant.value;
  out.push_back('\x1f');
  out.append(type).push_back('\x1f');
  out.append(param);
  return out;
}

Result<int64_t> SearchKeys::Cached(const std::string& name) {
  std::lock_guard lock(mu_);
  auto it = keys_.find(name);
  return it == keys_.end() ? sql::kNoKey : it->second;
}

Result<int64_t> SearchKeys::Find(Connection& conn, const TenantId& tenant, std::string_view type,
                                 std::string_view param) {
  std::string name = Compose(tenant, type, param);
  KILN_TRY_ASSIGN(int64_t key, Cached(name));
  if (key != sql::kNoKey) return key;
  KILN_TRY_ASSIGN(Rows rows, conn.Exec(kSelectSql, {tenant.value, std::string(type), std::string(param)}));
  if (rows.size() == 0) return sql::kNoKey;  // not cached: another process may assign it any moment
  key = rows.Int(0, 0);
  std::lock_guard lock(mu_);
  keys_.emplace(std::move(name), key);
  return key;
}

Result<int64_t> SearchKeys::Ensure(Connection& conn, const TenantId& tenant, std::string_view type,
                                   std::string_view param) {
  KILN_TRY_ASSIGN(int64_t key, Find(conn, tenant, type, param));
  if (key != sql::kNoKey) return key;
  KILN_TRY(conn.Exec(kInsertSql, {tenant.value, std::string(type), std::string(param)}));
  KILN_TRY_ASSIGN(key, Find(conn, tenant, type, param));
  if (key == sql::kNoKey)
    return Error::Make(Issue::kException, "No search key was assigned to " + std::string(param));
  return key;
}

}  // namespace kiln::store::postgres
