// SQL text under construction, with its positional parameters, shared by the SQL backends. The
// text uses `?` for every parameter; a backend whose driver numbers them ($1, ...) renumbers it
// when it prepares the statement. Private to src/store/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kiln::store::sql {

using SqlParam = std::variant<int64_t, double, std::string>;

struct SqlText {
  std::string sql;
  std::vector<SqlParam> params;
  void Add(std::string_view text, SqlParam p) {
    sql += text;
    params.push_back(std::move(p));
  }
};

}  // namespace kiln::store::sql
