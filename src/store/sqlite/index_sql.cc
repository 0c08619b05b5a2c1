#include "store/sqlite/index_sql.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace kiln::store::sqlite {

namespace {

constexpr const char* kTables[] = {"idx_string", "idx_token",    "idx_reference", "idx_date",
                                   "idx_number", "idx_quantity", "idx_uri"};

// The first string greater than every string that starts with `prefix` (for range scans that
// use the index, unlike LIKE).
std::string PrefixEnd(const std::string& prefix) { return prefix + "\xf4\x8f\xbf\xbf"; }

// "c1", "c2", ...: table aliases of nested subqueries. (Built with append: GCC 12 misreports
// `"c" + std::to_string(n)` under -Wrestrict.)
std::string AliasName(int n) {
  std::string a(1, 'c');
  a.append(std::to_string(n));
  return a;
}

std::string LikeContains(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

Result<> Insert(Connection& conn, int64_t key, int64_t rid, const IndexEntry& e) {
  static const std::string kSql[] = {
      "INSERT OR IGNORE INTO idx_string (key, norm, exact, rid, grp) VALUES (?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_token (key, system, code, text, rid, grp) VALUES (?, ?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_reference (key, target_type, target_id, url, rid, grp) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_date (key, start, end, rid, grp) VALUES (?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_number (key, value, low, high, rid, grp) VALUES (?, ?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_quantity (key, system, code, value, low, high, rid, grp) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      "INSERT OR IGNORE INTO idx_uri (key, uri, rid, grp) VALUES (?, ?, ?, ?)",
  };
  KILN_TRY_ASSIGN(auto s, conn.Prepare(kSql[e.value.index()]));
  s->Bind(1, key);
  int i = 2;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, StringValue>) {
          s->BindStatic(i++, v.norm);
          s->BindStatic(i++, v.exact);
        } else if constexpr (std::is_same_v<T, TokenValue>) {
          s->BindStatic(i++, v.system);
          s->BindStatic(i++, v.code);
          s->BindStatic(i++, v.text);
        } else if constexpr (std::is_same_v<T, ReferenceValue>) {
          s->BindStatic(i++, v.target_type);
          s->BindStatic(i++, v.target_id);
          s->BindStatic(i++, v.url);
        } else if constexpr (std::is_same_v<T, DateValue>) {
          s->Bind(i++, v.start);
          s->Bind(i++, v.end);
        } else if constexpr (std::is_same_v<T, NumberValue>) {
          s->Bind(i++, v.value);
          s->Bind(i++, v.low);
          s->Bind(i++, v.high);
        } else if constexpr (std::is_same_v<T, QuantityValue>) {
          s->BindStatic(i++, v.system);
          s->BindStatic(i++, v.code);
          s->Bind(i++, v.number.value);
          s->Bind(i++, v.number.low);
          s->Bind(i++, v.number.high);
        } else if constexpr (std::is_same_v<T, UriValue>) {
          s->BindStatic(i++, v.uri);
        }  // TextValue: written by WriteText, never here
      },
      e.value);
  s->Bind(i++, rid);
  s->Bind(i, int64_t{e.group});
  return s->Run();
}

// The condition on one index table's columns for a value test.
// `t` is the index table's alias with its dot ("t0."), or empty.
Result<> AppendValueTest(SqlText& q, const KeyLookup& keys, const Predicate& p, const std::string& t,
                         int& next_alias);

void AppendNumberTest(SqlText& q, const std::string& col, const Predicate& p) {
  const NumberValue& n = p.number;
  switch (p.cmp) {
    case Cmp::kEq:
    case Cmp::kAp:
      q.Add(" AND " + col + " >= ?", n.low);
      q.Add(" AND " + col + " < ?", n.high);
      break;
    case Cmp::kNe:
      q.Add(" AND NOT (" + col + " >= ?", n.low);
      q.Add(" AND " + col + " < ?)", n.high);
      break;
    case Cmp::kGt:
    case Cmp::kSa:
      q.Add(" AND " + col + " > ?", n.value);
      break;
    case Cmp::kLt:
    case Cmp::kEb:
      q.Add(" AND " + col + " < ?", n.value);
      break;
    case Cmp::kGe:
      q.Add(" AND " + col + " >= ?", n.value);
      break;
    case Cmp::kLe:
      q.Add(" AND " + col + " <= ?", n.value);
      break;
  }
}

void AppendDateTest(SqlText& q, const Predicate& p, const std::string& t) {
  const DateValue& r = p.range;
  switch (p.cmp) {
    case Cmp::kEq:
      q.Add(" AND " + t + "start >= ?", r.start);
      q.Add(" AND " + t + "end <= ?", r.end);
      break;
    case Cmp::kNe:
      q.Add(" AND NOT (" + t + "start >= ?", r.start);
      q.Add(" AND " + t + "end <= ?)", r.end);
      break;
    case Cmp::kGt:
      q.Add(" AND " + t + "end > ?", r.end);
      break;
    case Cmp::kLt:
      q.Add(" AND " + t + "start < ?", r.start);
      break;
    case Cmp::kGe:
      q.Add(" AND " + t + "end > ?", r.start);
      break;
    case Cmp::kLe:
      q.Add(" AND " + t + "start < ?", r.end);
      break;
    case Cmp::kSa:
      q.Add(" AND " + t + "start >= ?", r.end);
      break;
    case Cmp::kEb:
      q.Add(" AND " + t + "end <= ?", r.start);
      break;
    case Cmp::kAp:  // overlap with the (already widened) range
      q.Add(" AND " + t + "start < ?", r.end);
      q.Add(" AND " + t + "end > ?", r.start);
      break;
  }
}

Result<> AppendValueTest(SqlText& q, const KeyLookup& keys, const Predicate& p, const std::string& t,
                         int& next_alias) {
  switch (p.kind) {
    case IndexKind::kString:
      if (p.string_mode == Predicate::StringMode::kExact) {
        q.Add(" AND " + t + "exact = ?", p.text);
      } else if (p.string_mode == Predicate::StringMode::kContains) {
        q.Add(" AND " + t + "norm LIKE ? ESCAPE '\\'", LikeContains(p.text));
      } else {
        q.Add(" AND " + t + "norm >= ?", p.text);
        q.Add(" AND " + t + "norm < ?", PrefixEnd(p.text));
      }
      break;
    case IndexKind::kToken:
      if (p.token_text) {
        q.Add(" AND " + t + "text >= ?", p.text);
        q.Add(" AND " + t + "text < ?", PrefixEnd(p.text));
        break;
      }
      if (p.code) q.Add(" AND " + t + "code = ?", *p.code);
      if (p.system) q.Add(" AND " + t + "system = ?", *p.system);
      break;
    case IndexKind::kReference:
      if (p.url) q.Add(" AND " + t + "url = ?", *p.url);
      if (p.target_id) q.Add(" AND " + t + "target_id = ?", *p.target_id);
      if (p.target_type) q.Add(" AND " + t + "target_type = ?", *p.target_type);
      if (p.chain) {
        std::string a = AliasName(next_alias++);
        q.Add(" AND " + t + "target_type = ?", p.chain->type);
        q.sql += " AND " + t + "target_id IN (SELECT " + a + ".id FROM resource_current " + a + " WHERE ";
        KILN_TRY(AppendMatching(q, keys, *p.chain, a, next_alias));
        q.sql += ")";
      }
      break;
    case IndexKind::kDate:
      AppendDateTest(q, p, t);
      break;
    case IndexKind::kNumber:
      AppendNumberTest(q, t + "value", p);
      break;
    case IndexKind::kQuantity:
      AppendNumberTest(q, t + "value", p);
      if (p.code) q.Add(" AND " + t + "code = ?", *p.code);
      if (p.system) q.Add(" AND " + t + "system = ?", *p.system);
      break;
    case IndexKind::kText:  // matched as a whole by TextMatch
      break;
    case IndexKind::kUri:
      if (p.uri_mode == Predicate::UriMode::kBelow) {
        q.Add(" AND " + t + "uri >= ?", p.text);
        q.Add(" AND " + t + "uri < ?", PrefixEnd(p.text));
      } else if (p.uri_mode == Predicate::UriMode::kAbove) {
        q.Add(" AND substr(?, 1, length(" + t + "uri)) = " + t + "uri", p.text);
      } else {
        q.Add(" AND " + t + "uri = ?", p.text);
      }
      break;
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

// "<alias>.rid [NOT] IN (SELECT rowid FROM idx_text WHERE idx_text MATCH ?)": _text and _content.
void AppendText(SqlText& q, const Predicate& p, const std::string& alias) {
  q.Add(alias + ".rid IN (SELECT rowid FROM idx_text WHERE idx_text MATCH ?)", TextMatch(p));
}

// "EXISTS (SELECT 1 FROM idx_K x WHERE x.rid = <alias>.rid AND x.key = ? ...)": a test of one
// candidate through the per-resource index, for clauses that do not drive the search.
Result<> AppendExists(SqlText& q, const KeyLookup& keys, const std::string& type, const Predicate& p,
                      const std::string& alias, int& next_alias) {
  if (p.kind == IndexKind::kText) {
    AppendText(q, p, alias);
    return Ok{};
  }
  std::string x = AliasName(next_alias++);
  KILN_TRY_ASSIGN(int64_t key, keys(type, p.param));
  q.sql += std::string(p.missing.value_or(false) ? "NOT EXISTS" : "EXISTS") + " (SELECT 1 FROM " +
           kTables[static_cast<int>(p.kind)] + " " + x + " WHERE " + x + ".rid = " + alias + ".rid";
  q.Add(" AND " + x + ".key = ?", key);
  if (!p.missing) KILN_TRY(AppendValueTest(q, keys, p, x + ".", next_alias));
  q.sql += ")";
  return Ok{};
}

// "<alias>.rid [NOT] IN (SELECT rid FROM idx_K WHERE key = ? ...)" for one predicate.
Result<> AppendPredicate(SqlText& q, const KeyLookup& keys, const std::string& type, const Predicate& p,
                         const std::string& alias, int& next_alias) {
  if (p.kind == IndexKind::kText) {
    AppendText(q, p, alias);
    return Ok{};
  }
  bool negate = p.missing.value_or(false);
  KILN_TRY_ASSIGN(int64_t key, keys(type, p.param));
  q.sql +=
      alias + ".rid " + (negate ? "NOT IN" : "IN") + " (SELECT rid FROM " + kTables[static_cast<int>(p.kind)];
  q.Add(" WHERE key = ?", key);
  if (!p.missing) KILN_TRY(AppendValueTest(q, keys, p, "", next_alias));
  q.sql += ")";
  return Ok{};
}

// A composite predicate: one index row per component, all of one resource and (unless
// !same_group) one group.
Result<> AppendComposite(SqlText& q, const KeyLookup& keys, const std::string& type, const Predicate& p,
                         const std::string& alias, int& next_alias) {
  std::vector<std::string> t;
  for (size_t i = 0; i < p.components.size(); ++i) t.push_back(AliasName(next_alias++));
  q.sql += alias + ".rid IN (SELECT " + t[0] + ".rid FROM ";
  for (size_t i = 0; i < p.components.size(); ++i) {
    if (i > 0) q.sql += " JOIN ";
    q.sql += std::string(kTables[static_cast<int>(p.components[i].kind)]) + " " + t[i];
    if (i > 0) {
      q.sql += " ON " + t[i] + ".rid = " + t[0] + ".rid";
      if (p.same_group) q.sql += " AND " + t[i] + ".grp = " + t[0] + ".grp";
    }
  }
  for (size_t i = 0; i < p.components.size(); ++i) {
    KILN_TRY_ASSIGN(int64_t key, keys(type, p.components[i].param));
    q.Add((i == 0 ? " WHERE " : " AND ") + t[i] + ".key = ?", key);
    KILN_TRY(AppendValueTest(q, keys, p.components[i], t[i] + ".", next_alias));
  }
  q.sql += ")";
  return Ok{};
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
  for (const char* table : kTables) {
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
  for (const IndexEntry& e : entries) {
    if (const auto* text = std::get_if<TextValue>(&e.value)) {
      (e.param == "_text" ? narrative : content) = &text->text;
      continue;
    }
    if (last_param == nullptr || *last_param != e.param) {
      KILN_TRY_ASSIGN(key, keys.Ensure(conn, tenant, type, e.param));
      last_param = &e.param;
    }
    KILN_TRY(Insert(conn, key, rid, e));
  }
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

// How few rows a predicate is likely to select (lower is fewer), to choose the clause that
// drives a search: SQLite has no statistics on the index tables to choose by.
int Selectivity(const Predicate& p) {
  if (!p.components.empty()) return Selectivity(p.components.front());
  if (p.missing) return 9;
  switch (p.kind) {
    case IndexKind::kReference:
      return p.target_id || p.url ? 0 : (p.chain ? 1 : 6);
    case IndexKind::kToken:
      return p.token_text ? 5 : (p.code ? (p.system ? 1 : 2) : 6);
    case IndexKind::kString:
      return p.string_mode == Predicate::StringMode::kContains ? 7 : 3;
    case IndexKind::kUri:
      return p.uri_mode == Predicate::UriMode::kExact ? 2 : 5;
    case IndexKind::kText:
      return 3;
    default:
      return p.cmp == Cmp::kEq ? 4 : 6;
  }
}

int Selectivity(const Clause& c) {
  if (c.negate || c.any_of.empty()) return 100;
  int worst = 0;
  for (const Predicate& p : c.any_of) worst = std::max(worst, Selectivity(p));
  return worst + static_cast<int>(c.any_of.size()) - 1;
}

Result<int64_t> KeyLookup::operator()(std::string_view type, std::string_view param) const {
  return keys_.Find(conn_, tenant_, type, param);
}

namespace {

Result<bool> CanMatch(const KeyLookup& keys, const std::string& type, const Predicate& p);

// `query` without the predicates that cannot match, because no resource of their type has ever
// had their parameter (a chain over a reference's every possible target type asks mostly such
// types); nullopt when a clause is left that nothing can satisfy. What is dropped is exactly
// what SQL would find false, so results do not change, but the SQL left is one the planner can
// drive through an index instead of testing every candidate against an OR.
Result<std::optional<IndexQuery>> Prune(const KeyLookup& keys, const IndexQuery& query) {
  IndexQuery out;
  out.type = query.type;
  out.has = query.has;
  for (const Clause& clause : query.all_of) {
    Clause kept;
    kept.negate = clause.negate;
    for (const Predicate& p : clause.any_of) {
      KILN_TRY_ASSIGN(bool possible, CanMatch(keys, query.type, p));
      if (possible) kept.any_of.push_back(p);
    }
    if (!kept.any_of.empty()) {
      out.all_of.push_back(std::move(kept));
    } else if (!clause.negate && !clause.any_of.empty()) {
      return std::optional<IndexQuery>();  // OR of nothing: no resource matches
    }                                      // NOT (OR of nothing) holds for every resource: the clause goes
  }
  return std::optional<IndexQuery>(std::move(out));
}

Result<bool> CanMatch(const KeyLookup& keys, const std::string& type, const Predicate& p) {
  if (p.missing.value_or(false)) return true;  // "has no value" holds where nothing was indexed
  for (const Predicate& component : p.components) {
    KILN_TRY_ASSIGN(int64_t key, keys(type, component.param));
    if (key == kNoKey) return false;
  }
  if (!p.components.empty() || p.kind == IndexKind::kText) return true;  // text rows have no key
  KILN_TRY_ASSIGN(int64_t key, keys(type, p.param));
  if (key == kNoKey) return false;
  if (!p.chain) return true;
  KILN_TRY_ASSIGN(std::optional<IndexQuery> target, Prune(keys, *p.chain));
  return target.has_value();
}

}  // namespace

Result<> AppendMatching(SqlText& q, const KeyLookup& keys, const IndexQuery& unpruned,
                        const std::string& alias, int& next_alias) {
  KILN_TRY_ASSIGN(std::optional<IndexQuery> pruned, Prune(keys, unpruned));
  // The most selective clause selects candidates through its value index (IN); every other
  // clause then tests each candidate through the per-resource index (EXISTS).
  size_t driver = pruned ? pruned->all_of.size() : 0;
  int best = 100;
  for (size_t i = 0; pruned && i < pruned->all_of.size(); ++i) {
    int score = Selectivity(pruned->all_of[i]);
    if (score < best) best = score, driver = i;
  }
  // A driving clause's rids then seek the (tenant, type, rid) index, in result order.
  q.Add(alias + ".tenant = ?", keys.tenant().value);
  q.Add(" AND " + alias + ".type = ?", unpruned.type);
  q.sql += " AND " + alias + ".deleted = 0";
  if (!pruned) {
    q.sql += " AND 0";
    return Ok{};
  }
  const IndexQuery& query = *pruned;
  for (size_t ci = 0; ci < query.all_of.size(); ++ci) {
    const Clause& clause = query.all_of[ci];
    if (clause.any_of.empty()) continue;
    bool drives = ci == driver || (driver == query.all_of.size() && ci == 0);
    q.sql += clause.negate ? " AND NOT (" : " AND (";
    for (size_t i = 0; i < clause.any_of.size(); ++i) {
      if (i > 0) q.sql += " OR ";
      const Predicate& p = clause.any_of[i];
      if (!drives && p.components.empty() && !p.chain) {
        KILN_TRY(AppendExists(q, keys, query.type, p, alias, next_alias));
      } else if (p.components.empty()) {
        KILN_TRY(AppendPredicate(q, keys, query.type, p, alias, next_alias));
      } else {
        KILN_TRY(AppendComposite(q, keys, query.type, p, alias, next_alias));
      }
    }
    q.sql += ")";
  }
  for (const ReverseChain& has : query.has) {
    std::string a = AliasName(next_alias++);
    KILN_TRY_ASSIGN(int64_t key, keys(has.type, has.param));
    q.Add(" AND " + alias + ".id IN (SELECT r.target_id FROM idx_reference r WHERE r.key = ?", key);
    q.Add(" AND r.target_type = ?", query.type);
    q.sql += " AND r.rid IN (SELECT " + a + ".rid FROM resource_current " + a + " WHERE ";
    KILN_TRY(AppendMatching(q, keys, *has.query, a, next_alias));
    q.sql += "))";
  }
  return Ok{};
}

}  // namespace kiln::store::sqlite
