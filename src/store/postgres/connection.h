// Thin RAII wrappers over libpq: parameters in binary format, results in binary format, and a
// connection that prepares each statement text once (named prepared statements, cached by their
// SQL). SQL uses `?` placeholders (as sql/sql_text.h does); they become $1, $2, ... when a
// statement is prepared. Not thread-safe: one thread uses a connection at a time.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "store/sql/sql_text.h"

namespace kiln::store::postgres {

struct Wire;  // Params as libpq takes them (connection.cc)

// Statement parameters in order. Text and bytes are borrowed (the caller keeps them alive until
// the statement has run); numbers are copied.
class Params {
 public:
  Params() = default;
  Params(std::initializer_list<sql::SqlParam> values);        // copies the values
  explicit Params(const std::vector<sql::SqlParam>& values);  // borrows the strings
  void Int(int64_t v);
  void Real(double v);
  void Text(std::string_view v);
  void Bytes(std::string_view v);
  // An int8[] (in text form: "{1,2,3}").
  void IntArray(const std::vector<int64_t>& v);
  // An array in its text form (ArrayText), of element type `element` ("int8", "text", ...).
  void Array(std::string_view element, const std::string& text);
  void Add(const sql::SqlParam& v);
  size_t size() const { return values_.size(); }

 private:
  friend struct Wire;
  struct Value {
    unsigned int type;  // Oid
    int format;         // 1 binary, 0 text
    const char* data;   // borrowed, or null when in owned_ at `offset`
    size_t offset;
    int length;
  };
  void Own(unsigned int type, int format, std::string_view bytes);
  std::vector<Value> values_;
  std::string owned_;
};

// A result set (binary format). Columns are decoded by their type: Int reads int2/int4/int8,
// Real float8 (or an integer), Text/View the raw bytes of text and bytea.
class Rows {
 public:
  explicit Rows(PGresult* res) : res_(res, &PQclear) {}
  int size() const { return PQntuples(res_.get()); }
  int64_t Int(int row, int col) const;
  double Real(int row, int col) const;
  std::string_view View(int row, int col) const {
    return {PQgetvalue(res_.get(), row, col), static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string Text(int row, int col) const { return std::string(View(row, col)); }
  int64_t affected() const;  // rows an INSERT/UPDATE/DELETE touched

  // One row, with the accessors SortPlan::Cursor needs.
  struct Row {
    const Rows& rows;
    int row;
    int64_t Int(int col) const { return rows.Int(row, col); }
    double Real(int col) const { return rows.Real(row, col); }
    std::string Text(int col) const { return rows.Text(row, col); }
  };
  Row operator[](int row) const { return Row{*this, row}; }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> res_;
};

class Connection {
 public:
  // Connects with a libpq connection string or URL. kTransient when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Errors: a unique violation, serialization failure or deadlock is kConflict (a concurrent
  // writer won); a lost connection, or a server starting or shutting down, kTransient (and the
  // connection is broken()); anything else kException.
  //
  // Runs `sql` as a named prepared statement (prepared on first use on this connection).
  Result<Rows> Exec(const std::string& sql, const Params& params = {});
  // Runs `sql` once, unprepared (statements whose text varies, such as multi-row inserts).
  Result<Rows> ExecOnce(const std::string& sql, const Params& params = {});
  // Runs one or more statements without parameters (BEGIN, COMMIT, migrations).
  Result<> Run(const std::string& sql);
  // One statement of a Pipeline: prepared as Exec runs it, or (`prepare` false) planned for its
  // values as ExecOnce runs it. `sql` and `params` are borrowed until Pipeline returns.
  struct Statement {
    const std::string* sql;
    const Params* params;
    bool prepare = true;
  };
  // Sends `statements` together and reads their results: one round trip for all of them
  // (libpq's pipeline mode). They run in order, and once one fails the rest do not run: the
  // result is then the first error. A transaction they BEGIN stays open (and after an error,
  // aborted) for the caller to end.
  Result<std::vector<Rows>> Pipeline(const std::vector<Statement>& statements);
  // The connection was lost (or is in a state no statement can fix): drop it, do not reuse it.
  bool broken() const;

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Result<Rows> Check(PGresult* res, std::string_view what);
  // The server-side name of `sql`'s prepared statement, prepared now if it is not yet, or
  // prepared anew once it has run its plan's share of times.
  Result<std::string> Prepare(const std::string& sql, const Params& params);
  // Marks the connection lost after a failure to send or receive.
  Error Lost();
  PGconn* conn_;
  struct Prepared {
    std::string name;
    uint64_t runs = 0;
    uint64_t replan_after;  // runs
  };
  std::unordered_map<std::string, Prepared> prepared_;  // by SQL text
  uint64_t next_name_ = 0;
  bool lost_ = false;
};

// An array parameter's text form, built element by element ('{1,2}', '{"a","b"}'): one
// parameter carries a column of many rows (INSERT ... SELECT * FROM unnest(...)), so a statement
// for any number of rows has one text and can be prepared.
class ArrayText {
 public:
  void Int(int64_t v);
  void Real(double v);
  void Text(std::string_view v);
  void Bytes(std::string_view v);  // bytea, hex
  const std::string& Done();
  bool empty() const { return count_ == 0; }

 private:
  void Next();
  std::string text_ = "{";
  size_t count_ = 0;
  bool done_ = false;
};

// Runs `body` in one transaction on `conn`: committed if it succeeds, rolled back if not.
template <class F>
Result<> InTransaction(Connection& conn, F&& body) {
  KILN_TRY(conn.Run("BEGIN"));
  Result<> done = body();
  if (done) done = conn.Run("COMMIT");
  if (!done && !conn.broken()) (void)conn.Run("ROLLBACK");
  return done;
}

// "$n::type[]": an array parameter's placeholder. (Built with append: GCC 12 misreports
// `"$" + std::to_string(n)` under -Wrestrict.)
inline std::string ArrayPlaceholder(int n, std::string_view type) {
  std::string out(1, '$');
  out.append(std::to_string(n)).append("::").append(type).append("[]");
  return out;
}

// "?" -> "$1", "$2", ... outside quoted strings and identifiers.
std::string NumberPlaceholders(std::string_view sql);

}  // namespace kiln::store::postgres
