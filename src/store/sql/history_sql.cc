#include "store/sql/history_sql.h"

#include <string>

namespace kiln::store::sql {

void AddTimeIntervals(SqlText& q, std::string_view column, const std::vector<TimeInterval>& intervals) {
  for (const TimeInterval& t : intervals) {
    q.sql += t.negate ? " AND NOT (" : " AND (";
    q.Add(std::string(column) + " >= ?", t.start);
    q.Add(" AND " + std::string(column) + " < ?", t.end);
    q.sql += ")";
  }
}

SqlText HistoryFilter(const TenantId& tenant, const HistoryQuery& query) {
  SqlText filter;
  filter.Add(" WHERE v.tenant = ?", tenant.value);
  if (query.type) filter.Add(" AND v.type = ?", *query.type);
  if (query.id) filter.Add(" AND v.id = ?", *query.id);
  if (query.since) filter.Add(" AND v.last_updated >= ?", *query.since);
  if (query.at) {
    // Current at some point in [start, end): began before the end, and not replaced by the start.
    filter.Add(" AND v.last_updated < ?", query.at->end);
    filter.Add(
        " AND NOT EXISTS (SELECT 1 FROM resource_version n WHERE n.tenant = v.tenant AND n.type = v.type"
        " AND n.id = v.id AND n.version = v.version + 1 AND n.last_updated <= ?)",
        query.at->start);
  }
  return filter;
}

}  // namespace kiln::store::sql
