#include "store/postgres/index_rows.h"

#include <variant>

#include "core/text.h"
#include "store/sql/index_query.h"

namespace kiln::store::postgres {

namespace {

// Indexed text columns keep this many bytes (a b-tree entry has a size limit; 001_initial.sql).
constexpr size_t kMaxIndexedBytes = 1000;
// Words indexed per resource for _text/_content (a tsvector holds at most 1 MiB).
constexpr size_t kMaxTextBytes = 256 * 1024;

// `s` cut to at most `max` bytes at a UTF-8 character boundary.
std::string_view Cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// Each index table's columns after `tenant`, with their array element types.
struct Column {
  const char* name;
  const char* type;
};
const std::vector<Column> kColumns[] = {
    {{"key", "int8"}, {"norm", "text"}, {"exact", "text"}, {"rid", "int8"}, {"grp", "int4"}},
    {{"key", "int8"},
     {"system", "text"},
     {"code", "text"},
     {"text", "text"},
     {"rid", "int8"},
     {"grp", "int4"}},
    {{"key", "int8"},
     {"target_type", "text"},
     {"target_id", "text"},
     {"url", "text"},
     {"rid", "int8"},
     {"grp", "int4"}},
    {{"key", "int8"}, {"start", "int8"}, {"\"end\"", "int8"}, {"rid", "int8"}, {"grp", "int4"}},
    {{"key", "int8"},
     {"value", "float8"},
     {"low", "float8"},
     {"high", "float8"},
     {"rid", "int8"},
     {"grp", "int4"}},
    {{"key", "int8"},
     {"system", "text"},
     {"code", "text"},
     {"value", "float8"},
     {"low", "float8"},
     {"high", "float8"},
     {"rid", "int8"},
     {"grp", "int4"}},
    {{"key", "int8"}, {"uri", "text"}, {"rid", "int8"}, {"grp", "int4"}},
};

// Appends the value columns of `value` (those between key and rid) to `c`, from c[1] on.
void AddValue(std::vector<ArrayText>& c, const IndexValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StringValue>) {
          c[1].Text(Cut(v.norm, kMaxIndexedBytes));
          c[2].Text(v.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          c[1].Text(Cut(v.system, kMaxIndexedBytes));
          c[2].Text(Cut(v.code, kMaxIndexedBytes));
          c[3].Text(v.text);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          c[1].Text(v.target_type);
          c[2].Text(Cut(v.target_id, kMaxIndexedBytes));
          c[3].Text(Cut(v.url, kMaxIndexedBytes));
        } else if constexpr (std::is_same_v<T, DateValue>) {
          c[1].Int(v.start);
          c[2].Int(v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          c[1].Real(v.value);
          c[2].Real(v.low);
          c[3].Real(v.high);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          c[1].Text(Cut(v.system, kMaxIndexedBytes));
          c[2].Text(Cut(v.code, kMaxIndexedBytes));
          c[3].Real(v.value);
          c[4].Real(v.written);  // low
          c[5].Real(v.sort);     // high
        } else if constexpr (std::is_same_v<T, UriValue>) {
          c[1].Text(Cut(v.uri, kMaxIndexedBytes));
        }
      },
      value);
}

// The row's identity, for dropping a resource's duplicate rows.
std::string Identity(int64_t key, int64_t rid, const IndexEntry& e) {
  std::string out = std::to_string(rid) + ':' + std::to_string(key) + ':' + std::to_string(e.group);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        auto add = [&](std::string_view s) { out.append(s).push_back('\x1f'); };
        auto num = [&](double d) { out.append(reinterpret_cast<const char*>(&d), sizeof d); };
        if constexpr (std::is_same_v<T, StringValue>) {
          add(v.norm), add(v.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          add(v.system), add(v.code);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          add(v.target_type), add(v.target_id), add(v.url);
        } else if constexpr (std::is_same_v<T, DateValue>) {
          out += std::to_string(v.start) + ',' + std::to_string(v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          num(v.value);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          add(v.system), add(v.code), num(v.value);
        } else if constexpr (std::is_same_v<T, UriValue>) {
          add(v.uri);
        }
      },
      e.value);
  return out;
}

}  // namespace

void IndexRows::Add(int64_t key, int64_t rid, const IndexEntry& entry) {
  if (!seen_.insert(Identity(key, rid, entry)).second) return;
  std::vector<ArrayText>& c = columns_[entry.value.index()];
  if (c.empty()) c.resize(kColumns[entry.value.index()].size());
  c[0].Int(key);
  AddValue(c, entry.value);
  c[c.size() - 2].Int(rid);
  c[c.size() - 1].Int(entry.group);
}

void IndexRows::AddText(int64_t rid, const std::string* narrative, const std::string* content) {
  static const std::string kEmpty;
  text_rid_.Int(rid);
  text_narrative_.Text(FoldText(Cut(narrative ? *narrative : kEmpty, kMaxTextBytes)));
  text_content_.Text(FoldText(Cut(content ? *content : kEmpty, kMaxTextBytes)));
}

Result<> IndexRows::Remove(Connection& conn, const TenantId& tenant, const std::vector<int64_t>& rids) {
  if (rids.empty()) return Ok{};
  for (const char* table : sql::kIndexTables) {
    Params p;
    p.Text(tenant.value);
    p.IntArray(rids);
    KILN_TRY(conn.Exec(std::string("DELETE FROM ") + table + " WHERE tenant = ? AND rid = ANY(?)", p));
  }
  Params p;
  p.Text(tenant.value);
  p.IntArray(rids);
  KILN_TRY(conn.Exec("DELETE FROM idx_text WHERE tenant = ? AND rid = ANY(?)", p));
  return Ok{};
}

std::string IndexRows::Sql(const std::string& tenant, int& next, bool replacing) {
  auto param = [&next](const char* type) { return ArrayPlaceholder(next++, type); };
  std::vector<std::string> parts;
  if (replacing) {
    // One array of rids for every deletion: "rid = ANY($n)" seeks the (tenant, rid, key) index.
    std::string removed = param("int8");
    int n = 0;
    for (const char* table : sql::kIndexTables) {
      // Built with append: GCC 12 misreports `"d" + std::to_string(n)` under -Wrestrict.
      std::string part(1, 'd');
      part.append(std::to_string(n++)).append(" AS (DELETE FROM ").append(table);
      part.append(" WHERE tenant = ").append(tenant).append(" AND rid = ANY(").append(removed).append("))");
      parts.push_back(std::move(part));
    }
    parts.push_back("dtext AS (DELETE FROM idx_text WHERE tenant = " + tenant + " AND rid = ANY(" + removed +
                    "))");
  }
  for (size_t kind = 0; kind < std::size(kColumns); ++kind) {
    std::string names, arrays;
    for (const Column& c : kColumns[kind]) {
      names += std::string(", ") + c.name;
      arrays += (arrays.empty() ? "" : ", ") + param(c.type);
    }
    std::string part(1, 'i');
    part.append(std::to_string(kind)).append(" AS (INSERT INTO ").append(sql::kIndexTables[kind]);
    part.append(" (tenant").append(names).append(") SELECT ").append(tenant);
    part.append(", * FROM unnest(").append(arrays).append("))");
    parts.push_back(std::move(part));
  }
  // One placeholder per statement: the order of calls within one expression is unspecified.
  std::string rids = param("int8");
  std::string narratives = param("text");
  std::string contents = param("text");
  parts.push_back("itext AS (INSERT INTO idx_text (tenant, rid, narrative, content) SELECT " + tenant +
                  ", r, to_tsvector('simple', n), to_tsvector('simple', t) FROM unnest(" + rids + ", " +
                  narratives + ", " + contents + ") AS w(r, n, t))");
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

void IndexRows::Bind(Params& p, const std::vector<int64_t>& replaced) {
  if (!replaced.empty()) p.IntArray(replaced);
  for (size_t kind = 0; kind < std::size(kColumns); ++kind) {
    std::vector<ArrayText>& c = columns_[kind];
    if (c.empty()) c.resize(kColumns[kind].size());
    for (size_t i = 0; i < c.size(); ++i) p.Array(kColumns[kind][i].type, c[i].Done());
  }
  p.Array("int8", text_rid_.Done());
  p.Array("text", text_narrative_.Done());
  p.Array("text", text_content_.Done());
}

}  // namespace kiln::store::postgres
