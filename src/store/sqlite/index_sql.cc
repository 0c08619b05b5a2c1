#include "store/sqlite/index_sql.h"

#include <algorithm>
#include <cctype>
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

// One row to insert: its entry and its parameter's key.
struct Row {
  const IndexEntry* entry;
  int64_t key;
};

// Inserts `rows`, all of table `kind`, in statements of up to kMaxRows rows.
Result<> InsertRows(Connection& conn, size_t kind, int64_t rid, const std::vector<Row>& rows) {
  for (size_t from = 0; from < rows.size(); from += kMaxRows) {
    size_t n = std::min(kMaxRows, rows.size() - from);
    KILN_TRY_ASSIGN(auto s, conn.Prepare(InsertSql(kind, n)));
    int i = 1;
    for (size_t r = from; r < from + n; ++r) i = BindRow(*s, i, rows[r].key, rid, *rows[r].entry);
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

Result<> WriteIndex(Connection& conn, SearchKeys& keys, const TenantId& tenant, const std::string& type,
                    int64_t rid, const std::vector<IndexEntry>& entries, bool replace) {
  for (const char* table : sql::kIndexTables) {
    if (!replace) break;  // a new resource has no rows to remove
    KILN_TRY_ASSIGN(auto s, conn.Prepare(std::string("DELETE FROM ") + table + " WHERE rid = ?"));
    s->Bind(1, rid);
    KILN_TRY(s->Run());
  }
  if (replace) {
    KILN_TRY_ASSIGN(auto s, conn.Prepare("DELETE FROM idx_text WHERE rowid = ?"));
    s->Bind(1, rid);
    KILN_TRY(s->Run());
  }
  // Rows come grouped by parameter, so the previous key usually answers the next entry too.
  const std::string* last_param = nullptr;
  int64_t key = kNoKey;
  const std::string* narrative = nullptr;
  const std::string* content = nullptr;
  std::vector<Row> by_table[std::size(kShapes)];
  for (const IndexEntry& e : entries) {
    if (const auto* text = std::get_if<TextValue>(&e.value)) {
      (e.param == "_text" ? narrative : content) = &text->text;
      continue;
    }
    if (last_param == nullptr || *last_param != e.param) {
      KILN_TRY_ASSIGN(key, keys.Ensure(conn, tenant, type, e.param));
      last_param = &e.param;
    }
    by_table[e.value.index()].push_back(Row{&e, key});
  }
  for (size_t kind = 0; kind < std::size(kShapes); ++kind)
    KILN_TRY(InsertRows(conn, kind, rid, by_table[kind]));
  if (narrative != nullptr || content != nullptr) {
    static const std::string kEmpty;
    KILN_TRY_ASSIGN(auto s,
                    conn.Prepare("INSERT INTO idx_text (rowid, narrative, content) VALUES (?, ?, ?)"));
    s->Bind(1, rid);
    s->BindStatic(2, narrative ? *narrative : kEmpty);
    s->BindStatic(3, content ? *content : kEmpty);
    KILN_TRY(s->Run());
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
