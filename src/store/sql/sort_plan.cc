#include "store/sql/sort_plan.h"

#include <rapidjson/document.h>

#include <limits>

#include "core/json.h"

namespace kiln::store::sql {

namespace {

// The aggregate column of one index table that a key sorts by, and its value type.
struct KeyColumn {
  const char* table;
  const char* min_col;
  const char* max_col;
  int value_type;
};
KeyColumn ColumnFor(IndexKind kind) {
  switch (kind) {
    case IndexKind::kString:
      return {"idx_string", "norm", "norm", 0};
    case IndexKind::kToken:
      return {"idx_token", "code", "code", 0};
    case IndexKind::kReference:
      return {"idx_reference", "target_id", "target_id", 0};
    case IndexKind::kDate:
      return {"idx_date", "start", "\"end\"", 1};
    case IndexKind::kNumber:
      return {"idx_number", "value", "value", 2};
    case IndexKind::kQuantity:
      return {"idx_quantity", "high", "high", 2};  // the canonical value (QuantityValue::sort)
    case IndexKind::kUri:
      return {"idx_uri", "uri", "uri", 0};
    case IndexKind::kText:  // not sortable: search/ refuses _sort on _text and _content
      break;
  }
  return {"idx_string", "norm", "norm", 0};
}

// Missing values sort last in both directions.
std::string Sentinel(const Dialect& dialect, int value_type, bool descending) {
  if (value_type == 0) return descending ? "''" : dialect.max_string;
  if (value_type == 1) {
    return descending ? std::to_string(std::numeric_limits<int64_t>::min())
                      : std::to_string(std::numeric_limits<int64_t>::max());
  }
  return descending ? "-1e308" : "1e308";
}

}  // namespace

Result<SortPlan> SortPlan::Make(const std::vector<SortKey>& keys, const QueryScope& lookup,
                                const std::string& type) {
  SortPlan plan;
  for (const SortKey& k : keys) {
    if (k.param == "_id") {
      plan.keys_.push_back({"c.id", k.descending, 0});
    } else if (k.param == "_lastUpdated") {
      plan.keys_.push_back({"c.last_updated", k.descending, 1});
    } else {
      KeyColumn col = ColumnFor(k.kind);
      // Keys are numbers the store assigned, so they can be part of the SQL text.
      KILN_TRY_ASSIGN(int64_t key, lookup(type, k.param));
      std::string keys = std::to_string(key);
      for (const std::string& more : k.also) {
        KILN_TRY_ASSIGN(int64_t also, lookup(type, more));
        keys += ", " + std::to_string(also);
      }
      std::string tenant = lookup.dialect().index_tenant ? " AND x.tenant = c.tenant" : "";
      std::string sql = std::string("COALESCE((SELECT ") + (k.descending ? "max(" : "min(") +
                        (k.descending ? col.max_col : col.min_col) + ") FROM " + col.table +
                        " x WHERE x.rid = c.rid" + tenant + " AND x.key IN (" + keys + ")), " +
                        Sentinel(lookup.dialect(), col.value_type, k.descending) + ")";
      plan.keys_.push_back({std::move(sql), k.descending, col.value_type});
    }
  }
  return plan;
}

std::string SortPlan::SelectColumns() const {
  std::string out;
  for (size_t i = 0; i < keys_.size(); ++i) out += ", " + keys_[i].sql + " AS sort" + std::to_string(i);
  return out;
}

std::string SortPlan::SelectedColumns(const std::string& alias) const {
  std::string out;
  for (size_t i = 0; i < keys_.size(); ++i) out += ", " + alias + ".sort" + std::to_string(i);
  return out;
}

std::string SortPlan::OrderBy() const {
  std::string out = " ORDER BY ";
  for (size_t i = 0; i < keys_.size(); ++i)
    out += "sort" + std::to_string(i) + (keys_[i].descending ? " DESC, " : ", ");
  return out + "c.rid";
}

Result<Ok> SortPlan::AppendAfter(SqlText& q, const std::string& cursor) const {
  json::Document doc;
  doc.Parse(cursor.data(), cursor.size());
  if (!doc.IsArray() || doc.Size() != keys_.size() + 1 || !doc[keys_.size()].IsInt64()) {
    return Error::Make(Issue::kInvalid, "The paging cursor does not belong to this search");
  }
  auto value = [&](size_t i) -> SqlParam {
    const json::Value& v = doc[static_cast<rapidjson::SizeType>(i)];
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsInt64()) return v.GetInt64();
    return v.IsNumber() ? v.GetDouble() : 0.0;
  };
  // Lexicographic "after": (k0 > v0) OR (k0 = v0 AND k1 > v1) OR ... OR (all equal AND rid > last).
  q.sql += " AND (";
  for (size_t i = 0; i <= keys_.size(); ++i) {
    if (i > 0) q.sql += " OR ";
    q.sql += "(";
    for (size_t j = 0; j < i; ++j) q.Add(keys_[j].sql + " = ? AND ", value(j));
    if (i < keys_.size()) {
      q.Add(keys_[i].sql + (keys_[i].descending ? " < ?" : " > ?"), value(i));
    } else {
      q.Add("c.rid > ?", value(i));
    }
    q.sql += ")";
  }
  q.sql += ")";
  return Ok{};
}

void SortPlan::AppendText(std::string& out, std::string_view text) { json::AppendQuoted(out, text); }

void SortPlan::AppendReal(std::string& out, double value) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", value);
  out += buf;
}

}  // namespace kiln::store::sql
