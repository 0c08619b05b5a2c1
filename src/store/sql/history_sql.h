// WHERE conditions on time that both SQL backends' List and History build the same way.
// Private to src/store/.
#pragma once

#include <string_view>
#include <vector>

#include "store/sql/sql_text.h"
#include "store/types.h"

namespace kiln::store::sql {

// " AND [NOT] (<column> >= ? AND <column> < ?)" for each interval.
void AddTimeIntervals(SqlText& q, std::string_view column, const std::vector<TimeInterval>& intervals);

// " WHERE v.tenant = ? ...": the versions (alias v of resource_version) `query` selects.
SqlText HistoryFilter(const TenantId& tenant, const HistoryQuery& query);

}  // namespace kiln::store::sql
