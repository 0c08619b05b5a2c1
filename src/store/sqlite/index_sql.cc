#include "store/sqlite/index_sql.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <iterator>
#include <optional>
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

using Row = IndexWriter::Row;
static_assert(std::size(kShapes) == static_cast<size_t>(IndexKind::kText), "a shape per table");

// Orders rows as their table's primary key does (the columns of migration 004, compared as
// SQLite's BINARY collation compares text: bytewise).
bool PrimaryKeyLess(const Row& a, const Row& b) {
  if (a.key != b.key) return a.key < b.key;
  int c = std::visit(
      [&](const auto& x) -> int {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b.entry->value);
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
      a.entry->value);
  if (c != 0) return c < 0;
  if (a.rid != b.rid) return a.rid < b.rid;
  return a.entry->group < b.entry->group;
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

// A row's place in primary-key order, cheap to compare: the key and the leading bytes of the
// first column after it. Sorting these instead of the rows compares integers almost always.
struct SortKey {
  int64_t key;
  uint64_t lead[2];
  const Row* row;
  bool operator<(const SortKey& o) const {
    if (key != o.key) return key < o.key;
    if (lead[0] != o.lead[0]) return lead[0] < o.lead[0];
    if (lead[1] != o.lead[1]) return lead[1] < o.lead[1];
    return PrimaryKeyLess(*row, *o.row);
  }
};

SortKey SortKeyOf(const Row& r) {
  SortKey k{r.key, {0, 0}, &r};
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

// Inserts `rows`, all of table `kind`, in statements of up to kMaxRows rows, in primary-key order.
Result<> InsertSorted(Connection& conn, size_t kind, const std::vector<Row>& rows) {
  std::vector<SortKey> order;
  order.reserve(rows.size());
  for (const Row& r : rows) order.push_back(SortKeyOf(r));
  std::sort(order.begin(), order.end());
  for (size_t from = 0; from < order.size(); from += kMaxRows) {
    size_t n = std::min(kMaxRows, order.size() - from);
    KILN_TRY_ASSIGN(auto s, conn.Prepare(InsertSql(kind, n)));
    int i = 1;
    for (size_t r = from; r < from + n; ++r) {
      const Row& row = *order[r].row;
      i = BindRow(*s, i, row.key, row.rid, *row.entry);
    }
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

Result<> IndexWriter::Remove(Connection& conn, int64_t rid) {
  if (pending_.contains(rid)) KILN_TRY(Flush(conn));
  for (const char* table : sql::kIndexTables) {
    KILN_TRY_ASSIGN(auto s, conn.Prepare(std::string("DELETE FROM ") + table + " WHERE rid = ?"));
    s->Bind(1, rid);
    KILN_TRY(s->Run());
  }
  KILN_TRY_ASSIGN(auto s, conn.Prepare("DELETE FROM idx_text WHERE rowid = ?"));
  s->Bind(1, rid);
  return s->Run();
}

Result<> IndexWriter::Add(Connection& conn, SearchKeys& keys, const TenantId& tenant, const std::string& type,
                          int64_t rid, const std::vector<IndexEntry>& entries) {
  // A resource added twice before a Flush (written twice in one commit without a Remove between)
  // keeps only its later rows.
  if (pending_.contains(rid)) KILN_TRY(Flush(conn));
  pending_.insert(rid);
  // Rows come grouped by parameter, so the previous key usually answers the next entry too.
  const std::string* last_param = nullptr;
  int64_t key = kNoKey;
  TextRow text{rid, nullptr, nullptr};
  for (const IndexEntry& e : entries) {
    if (const auto* t = std::get_if<TextValue>(&e.value)) {
      (e.param == "_text" ? text.narrative : text.content) = &t->text;
      continue;
    }
    if (last_param == nullptr || *last_param != e.param) {
      KILN_TRY_ASSIGN(key, keys.Ensure(conn, tenant, type, e.param));
      last_param = &e.param;
    }
    rows_[e.value.index()].push_back(Row{&e, key, rid});
  }
  if (text.narrative != nullptr || text.content != nullptr) text_.push_back(text);
  return Ok{};
}

Result<> IndexWriter::Flush(Connection& conn) {
  for (size_t kind = 0; kind < std::size(kShapes); ++kind) {
    KILN_TRY(InsertSorted(conn, kind, rows_[kind]));
    rows_[kind].clear();
  }
  static const std::string kEmpty;
  for (const TextRow& t : text_) {
    KILN_TRY_ASSIGN(auto s,
                    conn.Prepare("INSERT INTO idx_text (rowid, narrative, content) VALUES (?, ?, ?)"));
    s->Bind(1, t.rid);
    s->BindStatic(2, t.narrative ? *t.narrative : kEmpty);
    s->BindStatic(3, t.content ? *t.content : kEmpty);
    KILN_TRY(s->Run());
  }
  text_.clear();
  pending_.clear();
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
