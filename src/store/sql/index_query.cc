#include "store/sql/index_query.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

namespace kiln::store::sql {

std::string AliasName(int n) {
  // Built with append: GCC 12 misreports `"c" + std::to_string(n)` under -Wrestrict.
  std::string a(1, 'c');
  a.append(std::to_string(n));
  return a;
}

namespace {

// The first string greater than every string that starts with `prefix` (for range scans that
// use the index, unlike LIKE).
std::string PrefixEnd(const std::string& prefix) { return prefix + "\xf4\x8f\xbf\xbf"; }

std::string LikeContains(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('%');
  return out;
}

// The condition on one index table's columns for a value test.
// `t` is the index table's alias with its dot ("t0."), or empty.
Result<> AppendValueTest(SqlText& q, const QueryScope& keys, const Predicate& p, const std::string& t,
                         int& next_alias);

void AppendNumberTest(SqlText& q, const std::string& col, Cmp cmp, const NumberValue& n) {
  switch (cmp) {
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

// "<t>code = ? AND <t>value ... [AND <t>system = ?]": a quantity in one unit, whose `value` is
// in the row's unit.
void AppendUnitTest(SqlText& q, const std::string& t, Cmp cmp, const NumberValue& n, const std::string& code,
                    const std::optional<std::string>& system) {
  q.Add(t + "code = ?", code);
  AppendNumberTest(q, t + "value", cmp, n);
  if (system) q.Add(" AND " + t + "system = ?", *system);
}

// Quantities (QuantityValue in store/index_types.h). Without a unit, the number as the resource
// wrote it (column low) is compared, "irrespective of the unit". With one, a row matches the value
// in the unit as given, or else converted to canonical units (an OR on one row, for the tests of
// one candidate; PerUnit splits it where it drives a search).
void AppendQuantityTest(SqlText& q, const Predicate& p, const std::string& t) {
  if (!p.code) {
    AppendNumberTest(q, t + "low", p.cmp, p.number);
    if (p.system) q.Add(" AND " + t + "system = ?", *p.system);
    return;
  }
  q.sql += " AND ((";
  AppendUnitTest(q, t, p.cmp, p.number, *p.code, p.system);
  if (p.converted) {
    q.sql += ") OR (";
    AppendUnitTest(q, t, p.cmp, p.converted->number, p.converted->code, p.converted->system);
  }
  q.sql += "))";
}

void AppendDateTest(SqlText& q, const Predicate& p, const std::string& t) {
  const DateValue& r = p.range;
  switch (p.cmp) {
    case Cmp::kEq:
      q.Add(" AND " + t + "start >= ?", r.start);
      q.Add(" AND " + t + "\"end\" <= ?", r.end);
      break;
    case Cmp::kNe:
      q.Add(" AND NOT (" + t + "start >= ?", r.start);
      q.Add(" AND " + t + "\"end\" <= ?)", r.end);
      break;
    case Cmp::kGt:
      q.Add(" AND " + t + "\"end\" > ?", r.end);
      break;
    case Cmp::kLt:
      q.Add(" AND " + t + "start < ?", r.start);
      break;
    case Cmp::kGe:
      q.Add(" AND " + t + "\"end\" > ?", r.start);
      break;
    case Cmp::kLe:
      q.Add(" AND " + t + "start < ?", r.end);
      break;
    case Cmp::kSa:
      q.Add(" AND " + t + "start >= ?", r.end);
      break;
    case Cmp::kEb:
      q.Add(" AND " + t + "\"end\" <= ?", r.start);
      break;
    case Cmp::kAp:  // overlap with the (already widened) range
      q.Add(" AND " + t + "start < ?", r.end);
      q.Add(" AND " + t + "\"end\" > ?", r.start);
      break;
  }
}

Result<> AppendValueTest(SqlText& q, const QueryScope& keys, const Predicate& p, const std::string& t,
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
      AppendNumberTest(q, t + "value", p.cmp, p.number);
      break;
    case IndexKind::kQuantity:
      AppendQuantityTest(q, p, t);
      break;
    case IndexKind::kText:  // matched as a whole by the dialect
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

// Rows of the tenant's index tables only: with index_tenant, " AND <t>tenant = ?".
void AppendIndexTenant(SqlText& q, const QueryScope& keys, const std::string& t) {
  if (keys.dialect().index_tenant) q.Add(" AND " + t + "tenant = ?", keys.tenant().value);
}

void AppendText(SqlText& q, const QueryScope& keys, const Predicate& p, const std::string& alias) {
  keys.dialect().append_text(q, p, alias, keys.tenant());
}

// "EXISTS (SELECT 1 FROM idx_K x WHERE x.rid = <alias>.rid AND x.key = ? ...)": a test of one
// candidate through the per-resource index, for clauses that do not drive the search.
Result<> AppendExists(SqlText& q, const QueryScope& keys, const std::string& type, const Predicate& p,
                      const std::string& alias, int& next_alias) {
  if (p.kind == IndexKind::kText) {
    AppendText(q, keys, p, alias);
    return Ok{};
  }
  std::string x = AliasName(next_alias++);
  KILN_TRY_ASSIGN(int64_t key, keys(type, p.param));
  q.sql += std::string(p.missing.value_or(false) ? "NOT EXISTS" : "EXISTS") + " (SELECT 1 FROM " +
           kIndexTables[static_cast<int>(p.kind)] + " " + x + " WHERE " + x + ".rid = " + alias + ".rid";
  AppendIndexTenant(q, keys, x + ".");
  q.Add(" AND " + x + ".key = ?", key);
  if (!p.missing) KILN_TRY(AppendValueTest(q, keys, p, x + ".", next_alias));
  q.sql += ")";
  return Ok{};
}

// A quantity search value with a converted form as two predicates, one per unit. In the IN list
// that drives a search, a UNION of the two lets each seek the index on its code and value range:
// SQLite uses no index for an OR on a WITHOUT ROWID table, but scans every row of the parameter.
std::vector<Predicate> PerUnit(const Predicate& p) {
  if (!p.converted || p.missing) return {p};
  Predicate as_given = p;
  as_given.converted.reset();
  Predicate converted = as_given;
  converted.number = p.converted->number;
  converted.system = p.converted->system;
  converted.code = p.converted->code;
  return {std::move(as_given), std::move(converted)};
}

// "<alias>.rid [NOT] IN (SELECT rid FROM idx_K WHERE key = ? ...)" for one predicate.
Result<> AppendPredicate(SqlText& q, const QueryScope& keys, const std::string& type, const Predicate& p,
                         const std::string& alias, int& next_alias) {
  if (p.kind == IndexKind::kText) {
    AppendText(q, keys, p, alias);
    return Ok{};
  }
  bool negate = p.missing.value_or(false);
  KILN_TRY_ASSIGN(int64_t key, keys(type, p.param));
  q.sql += alias + ".rid " + (negate ? "NOT IN" : "IN") + " (";
  std::vector<Predicate> per_unit = PerUnit(p);
  for (size_t i = 0; i < per_unit.size(); ++i) {
    if (i > 0) q.sql += " UNION ALL ";
    q.sql += std::string("SELECT rid FROM ") + kIndexTables[static_cast<int>(p.kind)];
    q.Add(" WHERE key = ?", key);
    AppendIndexTenant(q, keys, "");
    if (!p.missing) KILN_TRY(AppendValueTest(q, keys, per_unit[i], "", next_alias));
  }
  q.sql += ")";
  return Ok{};
}

// A composite predicate: one index row per component, all of one resource and (unless
// !same_group) one group.
Result<> AppendComposite(SqlText& q, const QueryScope& keys, const std::string& type, const Predicate& p,
                         const std::string& alias, int& next_alias) {
  std::vector<std::string> t;
  for (size_t i = 0; i < p.components.size(); ++i) t.push_back(AliasName(next_alias++));
  q.sql += alias + ".rid IN (SELECT " + t[0] + ".rid FROM ";
  for (size_t i = 0; i < p.components.size(); ++i) {
    if (i > 0) q.sql += " JOIN ";
    q.sql += std::string(kIndexTables[static_cast<int>(p.components[i].kind)]) + " " + t[i];
    if (i > 0) {
      q.sql += " ON " + t[i] + ".rid = " + t[0] + ".rid";
      if (p.same_group) q.sql += " AND " + t[i] + ".grp = " + t[0] + ".grp";
    }
  }
  for (size_t i = 0; i < p.components.size(); ++i) {
    KILN_TRY_ASSIGN(int64_t key, keys(type, p.components[i].param));
    q.Add((i == 0 ? " WHERE " : " AND ") + t[i] + ".key = ?", key);
    AppendIndexTenant(q, keys, t[i] + ".");
    KILN_TRY(AppendValueTest(q, keys, p.components[i], t[i] + ".", next_alias));
  }
  q.sql += ")";
  return Ok{};
}

}  // namespace

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

namespace {

Result<bool> CanMatch(const QueryScope& keys, const std::string& type, const Predicate& p);

// `query` without the predicates that cannot match, because no resource of their type has ever
// had their parameter (a chain over a reference's every possible target type asks mostly such
// types); nullopt when a clause is left that nothing can satisfy. What is dropped is exactly
// what SQL would find false, so results do not change, but the SQL left is one the planner can
// drive through an index instead of testing every candidate against an OR.
Result<std::optional<IndexQuery>> Prune(const QueryScope& keys, const IndexQuery& query) {
  IndexQuery out;
  out.type = query.type;
  out.has = query.has;
  out.ids = query.ids;
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

Result<bool> CanMatch(const QueryScope& keys, const std::string& type, const Predicate& p) {
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

Result<> AppendMatching(SqlText& q, const QueryScope& keys, const IndexQuery& unpruned,
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
  for (size_t i = 0; i < unpruned.ids.size(); ++i) {
    q.sql += i == 0 ? " AND " + alias + ".id IN (" : ", ";
    q.Add("?", unpruned.ids[i]);
  }
  if (!unpruned.ids.empty()) q.sql += ")";
  if (!pruned) {
    q.sql += " AND 1 = 0";
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
    AppendIndexTenant(q, keys, "r.");
    q.Add(" AND r.target_type = ?", query.type);
    q.sql += " AND r.rid IN (SELECT " + a + ".rid FROM resource_current " + a + " WHERE ";
    KILN_TRY(AppendMatching(q, keys, *has.query, a, next_alias));
    q.sql += "))";
  }
  return Ok{};
}

}  // namespace kiln::store::sql
