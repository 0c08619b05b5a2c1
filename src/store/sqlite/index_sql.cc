#include "store/sqlite/index_sql.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <variant>

namespace kiln::store::sqlite {

namespace {

// Each index table's columns, in the order BindRow binds them.
struct TableShape {
  const char* head;  // the statement up to VALUES
  const char* row;   // the parameters of one row, "(?,?,...)"
};
constexpr TableShape kShapes[] = {
    {"INSERT OR IGNORE INTO idx_string (key, norm, exact, rid, grp) VALUES ", "(?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_token (key, system, code, text, rid, grp) VALUES ", "(?,?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_reference (key, target_type, target_id, url, rid, grp) VALUES ",
     "(?,?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_date (key, start, end, rid, grp) VALUES ", "(?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_number (key, value, low, high, rid, grp) VALUES ", "(?,?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_quantity (key, system, code, value, low, high, rid, grp) VALUES ",
     "(?,?,?,?,?,?,?,?)"},
    {"INSERT OR IGNORE INTO idx_uri (key, uri, rid, grp) VALUES ", "(?,?,?,?)"},
};

// Rows of one table go in one statement of up to this many rows: most of an insert's cost
// was the statement around it (start, transaction check, halt), not its two b-tree inserts.
// Statements of 1..kMaxRows rows are prepared once each and stay cached.
constexpr size_t kMaxRows = 8;

const std::string& InsertSql(size_t kind, size_t rows) {
  static const std::vector<std::vector<std::string>> kSql = [] {
    std::vector<std::vector<std::string>> sql(std::size(kShapes));
    for (size_t k = 0; k < std::size(kShapes); ++k) {
      std::string text = kShapes[k].head;
      for (size_t n = 1; n <= kMaxRows; ++n) {
        if (n > 1) text += ',';
        text += kShapes[k].row;
        sql[k].push_back(text);
      }
    }
    return sql;
  }();
  return kSql[kind][rows - 1];
}

// Binds one row from parameter `i` on; returns the next parameter's number.
int BindRow(Statement& s, int i, int64_t key, int64_t rid, const IndexEntry& e) {
  s.Bind(i++, key);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StringValue>) {
          s.BindStatic(i++, v.norm);
          s.BindStatic(i++, v.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          s.BindStatic(i++, v.system);
          s.BindStatic(i++, v.code);
          s.BindStatic(i++, v.text);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          s.BindStatic(i++, v.target_type);
          s.BindStatic(i++, v.target_id);
          s.BindStatic(i++, v.url);
        } else if constexpr (std::is_same_v<T, DateValue>) {
          s.Bind(i++, v.start);
          s.Bind(i++, v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          s.Bind(i++, v.value);
          s.Bind(i++, v.low);
          s.Bind(i++, v.high);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          s.BindStatic(i++, v.system);
          s.BindStatic(i++, v.code);
          s.Bind(i++, v.value);
          s.Bind(i++, v.written);  // low
          s.Bind(i++, v.sort);     // high
        } else if constexpr (std::is_same_v<T, UriValue>) {
          s.BindStatic(i++, v.uri);
        }  // TextValue: written by WriteText, never here
      },
      e.value);
  s.Bind(i++, rid);
  s.Bind(i++, int64_t{e.group});
  return i;
}

using Row = SortedIndexRows::Row;
static_assert(std::size(kShapes) == static_cast<size_t>(IndexKind::kText), "a shape per table");

// Compares two values of one table as its primary key does (the columns of migration 004 after
// the key, compared as SQLite's BINARY collation compares text: bytewise).
int CompareValues(const IndexValue& a, const IndexValue& b) {
  return std::visit(
      [&](const auto& x) -> int {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        auto cmp = [](const auto& l, const auto& r) { return l < r ? -1 : (r < l ? 1 : 0); };
        if constexpr (std::is_same_v<T, StringValue>) {
          if (int n = x.norm.compare(y.norm)) return n;
          return x.exact.compare(y.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          if (int n = x.code.compare(y.code)) return n;
          return x.system.compare(y.system);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          if (int n = x.target_id.compare(y.target_id)) return n;
          if (int n = x.target_type.compare(y.target_type)) return n;
          return x.url.compare(y.url);
        } else if constexpr (std::is_same_v<T, DateValue>) {
          if (int n = cmp(x.start, y.start)) return n;
          return cmp(x.end, y.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          return cmp(x.value, y.value);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          if (int n = x.code.compare(y.code)) return n;
          if (int n = cmp(x.value, y.value)) return n;
          return x.system.compare(y.system);
        } else if constexpr (std::is_same_v<T, UriValue>) {
          return x.uri.compare(y.uri);
        } else {
          return 0;  // TextValue: never a row of these tables
        }
      },
      a);
}

// The first 16 bytes of `s` as two big-endian words (zero-padded): compared as integers, they
// order strings as bytewise comparison does, up to a tie that only the whole strings break.
void Prefix(const std::string& s, uint64_t (&out)[2]) {
  unsigned char bytes[16] = {};
  std::memcpy(bytes, s.data(), std::min<size_t>(s.size(), 16));
  for (int w = 0; w < 2; ++w) {
    out[w] = 0;
    for (int b = 0; b < 8; ++b) out[w] = out[w] << 8 | bytes[w * 8 + b];
  }
}
// An integer or a double as a word that orders as the number does.
uint64_t Ordered(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }
uint64_t Ordered(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return (bits >> 63) != 0 ? ~bits : bits | (uint64_t{1} << 63);
}

// A row's place in the insertion order, cheap to compare: its parameter (numbered in the order
// the commit's writes first name them; which parameter comes first does not matter, only that
// each one's rows are together) and the leading bytes of its first value column. Sorting these
// instead of the rows compares integers almost always.
struct SortKey {
  uint32_t param;
  uint64_t lead[2];
  Row row;
  bool operator<(const SortKey& o) const {
    if (param != o.param) return param < o.param;
    if (lead[0] != o.lead[0]) return lead[0] < o.lead[0];
    if (lead[1] != o.lead[1]) return lead[1] < o.lead[1];
    if (int c = CompareValues(row.entry->value, o.row.entry->value)) return c < 0;
    if (row.write != o.row.write) return row.write < o.row.write;  // new resources: rid order
    return row.entry->group < o.row.entry->group;
  }
};

SortKey SortKeyOf(uint32_t param, const Row& r) {
  SortKey k{param, {0, 0}, r};
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StringValue>) {
          Prefix(v.norm, k.lead);
        } else if constexpr (std::is_same_v<T, TokenValue> || std::is_same_v<T, QuantityValue>) {
          Prefix(v.code, k.lead);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          Prefix(v.target_id, k.lead);
        } else if constexpr (std::is_same_v<T, DateValue>) {
          k.lead[0] = Ordered(v.start);
          k.lead[1] = Ordered(v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          k.lead[0] = Ordered(v.value);
        } else if constexpr (std::is_same_v<T, UriValue>) {
          Prefix(v.uri, k.lead);
        }
      },
      r.entry->value);
  return k;
}

// One row ready to bind: its entry and the keys of its parameter and resource.
struct KeyedRow {
  const IndexEntry* entry;
  int64_t key;
  int64_t rid;
};

// Inserts `rows`, all of table `kind`, in statements of up to kMaxRows rows, in their order.
Result<> InsertRows(Connection& conn, size_t kind, const std::vector<KeyedRow>& rows) {
  for (size_t from = 0; from < rows.size(); from += kMaxRows) {
    size_t n = std::min(kMaxRows, rows.size() - from);
    KILN_TRY_ASSIGN(auto s, conn.Prepare(InsertSql(kind, n)));
    int i = 1;
    for (size_t r = from; r < from + n; ++r) i = BindRow(*s, i, rows[r].key, rows[r].rid, *rows[r].entry);
    KILN_TRY(s->Run());
  }
  return Ok{};
}

// FTS5 query text for a _text or _content value: every word, as a prefix, in its column.
std::string TextMatch(const Predicate& p) {
  std::string words;
  size_t i = 0;
  const std::string& v = p.text;
  while (i < v.size()) {
    while (i < v.size() && std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    size_t start = i;
    while (i < v.size() && !std::isspace(static_cast<unsigned char>(v[i]))) ++i;
    if (i == start) break;
    std::string word = "\"";
    for (char c : v.substr(start, i - start)) word += c == '"' ? std::string("\"\"") : std::string(1, c);
    if (!words.empty()) words += " AND ";
    words += word + "\"*";
  }
  return std::string(p.param == "_text" ? "narrative" : "content") + " : (" + words + ")";
}

// "<alias>.rid IN (SELECT rowid FROM idx_text WHERE idx_text MATCH ?)": _text and _content.
void AppendText(SqlText& q, const Predicate& p, const std::string& alias, const TenantId&) {
  q.Add(alias + ".rid IN (SELECT rowid FROM idx_text WHERE idx_text MATCH ?)", TextMatch(p));
}

}  // namespace

Result<std::unique_ptr<Statement>> PrepareWith(Connection& conn, const SqlText& q) {
  KILN_TRY_ASSIGN(auto stmt, conn.Prepare(q.sql));
  for (size_t i = 0; i < q.params.size(); ++i) {
    int idx = static_cast<int>(i) + 1;
    if (auto* n = std::get_if<int64_t>(&q.params[i])) {
      stmt->Bind(idx, *n);
    } else if (auto* d = std::get_if<double>(&q.params[i])) {
      stmt->Bind(idx, *d);
    } else {
      stmt->BindStatic(idx, std::get<std::string>(q.params[i]));
    }
  }
  return stmt;
}

SortedIndexRows::SortedIndexRows(const std::vector<WriteOp>& writes) {
  // Parameters numbered per (type, name); entries come grouped by parameter, so the previous
  // entry's number usually answers the next one's.
  std::unordered_map<std::string_view, std::unordered_map<std::string_view, uint32_t>> numbers;
  uint32_t next = 0;
  std::vector<SortKey> keys[std::size(rows_)];
  for (size_t w = 0; w < writes.size(); ++w) {
    auto& of_type = numbers[writes[w].type];
    const std::string* last_param = nullptr;
    uint32_t param = 0;
    for (const IndexEntry& e : writes[w].index) {
      if (std::holds_alternative<TextValue>(e.value)) {
        text_.push_back(Row{&e, w});
        continue;
      }
      if (last_param == nullptr || *last_param != e.param) {
        param = of_type.try_emplace(e.param, next).first->second;
        if (param == next) ++next;
        last_param = &e.param;
      }
      keys[e.value.index()].push_back(SortKeyOf(param, Row{&e, w}));
    }
  }
  for (size_t kind = 0; kind < std::size(rows_); ++kind) {
    std::sort(keys[kind].begin(), keys[kind].end());
    rows_[kind].reserve(keys[kind].size());
    for (const SortKey& k : keys[kind]) rows_[kind].push_back(k.row);
  }
}

Result<> RemoveIndexRows(Connection& conn, int64_t rid) {
  for (const char* table : sql::kIndexTables) {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(std::string("DELETE FROM ") + table + " WHERE rid = ?"));
    s->Bind(1, rid);
    KILN_TRY(s->Run());
  }
  KILN_TRY_ASSIGN(auto s, conn.Prepare("DELETE FROM idx_text WHERE rowid = ?"));
  s->Bind(1, rid);
  return s->Run();
}

Result<> InsertIndexRows(Connection& conn, SearchKeys& keys, const TenantId& tenant,
                         const std::vector<WriteOp>& writes, const SortedIndexRows& rows,
                         const std::vector<int64_t>& rids) {
  std::vector<KeyedRow> keyed;
  for (size_t kind = 0; kind < static_cast<size_t>(IndexKind::kText); ++kind) {
    keyed.clear();
    // Rows come grouped by parameter, so the previous row's key usually answers the next one.
    const std::string* last_type = nullptr;
    const std::string* last_param = nullptr;
    int64_t key = kNoKey;
    for (const Row& r : rows.Table(kind)) {
      if (rids[r.write] == 0) continue;
      const std::string& type = writes[r.write].type;
      if (last_param == nullptr || *last_param != r.entry->param || *last_type != type) {
        KILN_TRY_ASSIGN(key, keys.Ensure(conn, tenant, type, r.entry->param));
        last_type = &type;
        last_param = &r.entry->param;
      }
      keyed.push_back(KeyedRow{r.entry, key, rids[r.write]});
    }
    KILN_TRY(InsertRows(conn, kind, keyed));
  }
  // One full-text row per resource, with its narrative and its content.
  static const std::string kEmpty;
  const std::string* text[2] = {&kEmpty, &kEmpty};  // narrative, content
  const std::vector<Row>& texts = rows.Text();
  for (size_t i = 0; i < texts.size(); ++i) {
    const Row& r = texts[i];
    text[r.entry->param == "_text" ? 0 : 1] = &std::get<TextValue>(r.entry->value).text;
    if (i + 1 < texts.size() && texts[i + 1].write == r.write) continue;
    if (rids[r.write] != 0) {
      KILN_TRY_ASSIGN(auto s,
                      conn.Prepare("INSERT INTO idx_text (rowid, narrative, content) VALUES (?, ?, ?)"));
      s->Bind(1, rids[r.write]);
      s->BindStatic(2, *text[0]);
      s->BindStatic(3, *text[1]);
      KILN_TRY(s->Run());
    }
    text[0] = text[1] = &kEmpty;
  }
  return Ok{};
}

Result<int64_t> KeyLookup::operator()(std::string_view type, std::string_view param) const {
  return keys_.Find(conn_, tenant_, type, param);
}

const sql::Dialect& KeyLookup::dialect() const {
  static const sql::Dialect kSqlite{
      .index_tenant = false, .max_string = "char(1114111)", .append_text = AppendText};
  return kSqlite;
}

}  // namespace kiln::store::sqlite
