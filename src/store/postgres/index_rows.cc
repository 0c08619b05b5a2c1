#include "store/postgres/index_rows.h"

#include <variant>

#include "core/text.h"
#include "store/sql/index_query.h"

namespace kiln::store::postgres {

namespace {

// Rows per INSERT: well below the 65535 parameters a statement may have.
constexpr size_t kRowsPerInsert = 1000;
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

// The columns after (tenant, key) and before (rid, grp), by IndexKind.
constexpr const char* kColumns[] = {"norm, exact",
                                    "system, code, text",
                                    "target_type, target_id, url",
                                    "start, \"end\"",
                                    "value, low, high",
                                    "system, code, value, low, high",
                                    "uri"};
constexpr int kValueCount[] = {2, 3, 3, 2, 3, 5, 1};

void BindValue(Params& p, const IndexValue& value) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StringValue>) {
          p.Text(Cut(v.norm, kMaxIndexedBytes));
          p.Text(v.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          p.Text(Cut(v.system, kMaxIndexedBytes));
          p.Text(Cut(v.code, kMaxIndexedBytes));
          p.Text(v.text);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          p.Text(v.target_type);
          p.Text(Cut(v.target_id, kMaxIndexedBytes));
          p.Text(Cut(v.url, kMaxIndexedBytes));
        } else if constexpr (std::is_same_v<T, DateValue>) {
          p.Int(v.start);
          p.Int(v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          p.Real(v.value);
          p.Real(v.low);
          p.Real(v.high);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          p.Text(Cut(v.system, kMaxIndexedBytes));
          p.Text(Cut(v.code, kMaxIndexedBytes));
          p.Real(v.number.value);
          p.Real(v.number.low);
          p.Real(v.number.high);
        } else if constexpr (std::is_same_v<T, UriValue>) {
          p.Text(Cut(v.uri, kMaxIndexedBytes));
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
          add(v.system), add(v.code), num(v.number.value);
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
  rows_[entry.value.index()].push_back(Row{key, rid, &entry});
}

void IndexRows::AddText(int64_t rid, const std::string* narrative, const std::string* content) {
  texts_.push_back(Text{rid, narrative, content});
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

Result<> IndexRows::Write(Connection& conn, const TenantId& tenant) const {
  for (size_t kind = 0; kind < std::size(rows_); ++kind) {
    const std::vector<Row>& rows = rows_[kind];
    for (size_t first = 0; first < rows.size(); first += kRowsPerInsert) {
      size_t last = std::min(rows.size(), first + kRowsPerInsert);
      std::string sql = std::string("INSERT INTO ") + sql::kIndexTables[kind] + " (tenant, key, " +
                        kColumns[kind] + ", rid, grp) SELECT ?, v.* FROM (VALUES ";
      Params p;
      p.Text(tenant.value);
      for (size_t i = first; i < last; ++i) {
        sql += i == first ? "(?" : ", (?";
        for (int c = 0; c < kValueCount[kind] + 2; ++c) sql += ", ?";
        sql += ")";
        p.Int(rows[i].key);
        BindValue(p, rows[i].entry->value);
        p.Int(rows[i].rid);
        p.Int(rows[i].entry->group);
      }
      sql += ") v";
      // The common sizes (one resource's rows) recur, so they are worth preparing.
      KILN_TRY(last - first <= 64 ? conn.Exec(sql, p) : conn.ExecOnce(sql, p));
    }
  }
  static const std::string kEmpty;
  for (const Text& t : texts_) {
    Params p;
    p.Text(tenant.value);
    p.Int(t.rid);
    std::string narrative = FoldText(Cut(t.narrative ? *t.narrative : kEmpty, kMaxTextBytes));
    std::string content = FoldText(Cut(t.content ? *t.content : kEmpty, kMaxTextBytes));
    p.Text(narrative);
    p.Text(content);
    KILN_TRY(conn.Exec(
        "INSERT INTO idx_text (tenant, rid, narrative, content) VALUES (?, ?, to_tsvector('simple', ?), "
        "to_tsvector('simple', ?))",
        p));
  }
  return Ok{};
}

}  // namespace kiln::store::postgres
