// When a search's total needs no count query, shared by the SQL backends. Private to src/store/.
#pragma once

#include "store/types.h"

namespace kiln::store::sql {

// A first page with room to spare holds every match, so its size is the total, read in the same
// statement as its rows. A full page, a later page or a count-only query (`_summary=count`)
// needs the count.
inline bool PageIsTheWholeResult(const ListQuery& query, const ListPage& page) {
  return query.count > 0 && !query.cursor && !page.next_cursor;
}

}  // namespace kiln::store::sql
