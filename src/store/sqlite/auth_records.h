// What the authorization server's SQLite methods share (auth.cc, auth_users.cc): their records
// are rare next to resource writes, so each write opens a connection of its own and commits
// durably right away. Private to src/store/sqlite/.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/sqlite/connection.h"

namespace kiln::store::sqlite {

// Opens a connection to `path` and runs `body` in one write transaction on it: committed when
// `body` succeeds, rolled back when it fails.
Result<> WriteTransaction(const std::string& path, const std::function<Result<>(Connection&)>& body);

// Runs `sql` with its `?` bound to `values` in order (text, or integers).
using SqlValue = std::variant<std::string_view, int64_t>;
Result<> RunWith(Connection& conn, const std::string& sql, std::initializer_list<SqlValue> values);

// Every row `s` yields, as `row` makes them.
template <class T, class Row>
Result<std::vector<T>> AllRows(Statement& s, Row&& row) {
  std::vector<T> out;
  for (;;) {
    KILN_TRY_ASSIGN(bool more, s.Step());
    if (!more) return out;
    out.push_back(row(s));
  }
}

}  // namespace kiln::store::sqlite
